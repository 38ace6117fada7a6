/**
 * The predicted server time of a layer of a results file, each part priced at its own ring
 * degree N: the one pricing of results rows the report's charts, headline and exports share.
 *
 * @module
 */
import { type OpCounts, predictMs, type UnitCosts } from "../he/mod.ts";
import { unitCostsAtRing } from "../cost/mod.ts";
import type { LayerResult } from "./results.ts";
import { studyPreset } from "./study.ts";

/** A layer's predicted server time and how its rings were priced. */
export interface LayerMs {
  /** Predicted server time, ms (unrounded). */
  readonly ms: number;
  /** The ring degrees N the layer's parts run at, ascending. */
  readonly rings: readonly number[];
  /**
   * The ring degrees priced with unit costs carried from the study preset's N
   * (`unitCostsAtRing`) because none were measured at them; empty when every ring had its own.
   */
  readonly carried: readonly number[];
}

/**
 * Predicted server time of a results layer (`dense` or `pruned`) under `unit`, the unit costs of
 * `framework`'s study preset: a layer without `rings` (every part at the study preset's N, or a
 * results file written before rings were kept) is priced with `unit` as a whole; a layer with
 * `rings` is priced ring by ring, each N with `atN[N]` (unit costs measured at that N, decimal
 * keys) or, where none were measured, `unit` carried to N by the built-in table's ratio.
 *
 * @example A part at N = 16384 is priced with the N = 16384 costs
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { layerMs } from "./layer_ms.ts";
 * import { MEASURED_UNIT_COSTS, zeroCounts } from "../he/mod.ts";
 *
 * const small = { ...zeroCounts(), key_switches: 2 }, big = { ...zeroCounts(), key_switches: 1 };
 * const dense = { ...zeroCounts(), key_switches: 3 };
 * const layer = {
 *   dense, pruned: dense,
 *   rings: [{ n: 8192, dense: small, pruned: small }, { n: 16384, dense: big, pruned: big }],
 * };
 * const at8k = { ...MEASURED_UNIT_COSTS.cryptflow2, keySwitch: 1 };
 * const at16k = { ...MEASURED_UNIT_COSTS.cryptflow2, keySwitch: 5 };
 * const p = layerMs(layer, "dense", "cryptflow2", at8k, { "16384": at16k });
 * assertEquals([p.ms, p.rings, p.carried], [2 * 1 + 5, [8192, 16384], []]);
 * // Not measured at 16384: the N = 8192 costs carried by the built-in table's ratio.
 * const carried = layerMs(layer, "dense", "cryptflow2", at8k);
 * const ratio = MEASURED_UNIT_COSTS["cryptflow2-N16384"].keySwitch / MEASURED_UNIT_COSTS.cryptflow2.keySwitch;
 * assertAlmostEquals(carried.ms, 2 + ratio, 1e-12);
 * assertEquals(carried.carried, [16384]);
 * // A layer of an older file, without rings: all at the study preset's N, as before.
 * assertEquals(layerMs({ dense, pruned: dense }, "dense", "cryptflow2", at8k).ms, 3);
 * ```
 */
export function layerMs(
  layer: Pick<LayerResult, "dense" | "pruned" | "rings">,
  side: "dense" | "pruned",
  framework: string,
  unit: UnitCosts,
  atN: Readonly<Record<string, UnitCosts>> = {},
): LayerMs {
  const preset = studyPreset(framework);
  const base = preset.polyModulusDegree;
  if (!layer.rings) {
    return { ms: predictMs(layer[side] as OpCounts, unit), rings: [base], carried: [] };
  }
  let ms = 0;
  const carried: number[] = [];
  for (const ring of layer.rings) {
    const measured = ring.n === base ? unit : atN[String(ring.n)];
    if (!measured) carried.push(ring.n);
    ms += predictMs(ring[side], measured ?? unitCostsAtRing(unit, preset, ring.n));
  }
  return { ms, rings: layer.rings.map((r) => r.n), carried };
}
