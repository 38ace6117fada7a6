/**
 * Ring degrees of a layer's parts: CrypTFlow2 (SCI) grows N per stride phase and FC layer, so one
 * layer of a model planned at N = 8192 may run a part at N = 16384. Op counts grouped by N, and
 * unit costs carried from one N to another where none were measured at the second.
 *
 * @module
 */
import {
  addCounts,
  countPlan,
  DOWN_UNIT_COST_FIELDS,
  type DownUnitCosts,
  type LayerProgram,
  type OpCounts,
  type Preset,
  UNIT_COST_FIELDS,
  type UnitCosts,
  unitCostsFor,
  withSlots,
  zeroCounts,
} from "../he/mod.ts";

/** The op counts of a layer's parts that run at one ring degree N. */
export interface RingOps {
  /** The ring degree N of these parts. */
  readonly n: number;
  /** Their op counts, summed. */
  readonly ops: OpCounts;
}

/** One ring degree of a layer in a pruning report: the unpruned and pruned counts at that N. */
export interface RingCounts {
  /** The ring degree N. */
  readonly n: number;
  /** Op counts of the unpruned layer's parts at N (all zero where none runs at N). */
  readonly dense: OpCounts;
  /** Op counts of the pruned layer's parts at N (all zero where none runs at N). */
  readonly pruned: OpCounts;
}

/**
 * A program's op counts grouped by its parts' ring degree N, ascending; null when every part runs
 * at `baseN` (the counts of the whole program then say all there is).
 *
 * @example A 64×64 map padded to 66×66: SCI plans it at N = 16384, not the preset's 8192
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ringOps } from "./rings.ts";
 * import { countProgram, getPreset } from "../he/mod.ts";
 * import { planLayer } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const preset = getPreset("cryptflow2");
 * const big = syntheticLayer("c", parseLayerSpec("conv:h=64,w=64,ci=3,co=4,k=3,p=1"), 1);
 * const program = planLayer(big, { framework: "cryptflow2", preset });
 * assertEquals(ringOps(program, 8192), [{ n: 16384, ops: countProgram(program) }]);
 * const small = syntheticLayer("c", parseLayerSpec("conv:h=16,w=16,ci=3,co=4,k=3,p=1"), 1);
 * assertEquals(ringOps(planLayer(small, { framework: "cryptflow2", preset }), 8192), null);
 * ```
 */
export function ringOps(program: LayerProgram, baseN: number): RingOps[] | null {
  const byN = new Map<number, OpCounts>();
  for (const part of program.parts) {
    const n = part.preset.polyModulusDegree;
    const ops = byN.get(n) ?? zeroCounts();
    byN.set(n, addCounts(ops, countPlan(part)));
  }
  if ([...byN.keys()].every((n) => n === baseN)) return null;
  return [...byN.entries()].sort(([a], [b]) => a - b).map(([n, ops]) => ({ n, ops }));
}

/**
 * The per-ring counts of a layer, unpruned and pruned side by side: every N either side runs a
 * part at (a side without rings runs everything at `baseN`; a side with no part at some N counts
 * zero there); null when neither side has a part at another N than `baseN`.
 *
 * @example The pruned layer at the same N as the unpruned one
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { layerRings } from "./rings.ts";
 * import { zeroCounts } from "../he/mod.ts";
 *
 * const dense = { ...zeroCounts(), mult: 10 }, pruned = { ...zeroCounts(), mult: 4 };
 * const rings = layerRings(
 *   { ops: dense, rings: [{ n: 16384, ops: dense }] },
 *   { ops: pruned, rings: [{ n: 16384, ops: pruned }] },
 *   8192,
 * );
 * assertEquals(rings, [{ n: 16384, dense, pruned }]);
 * assertEquals(layerRings({ ops: dense, rings: null }, { ops: pruned, rings: null }, 8192), null);
 * ```
 */
export function layerRings(
  dense: { readonly ops: OpCounts; readonly rings: readonly RingOps[] | null | undefined },
  pruned: { readonly ops: OpCounts; readonly rings: readonly RingOps[] | null | undefined },
  baseN: number,
): RingCounts[] | null {
  if (!dense.rings && !pruned.rings) return null;
  const sides = [dense, pruned].map((s) =>
    new Map(s.rings ? s.rings.map((r) => [r.n, r.ops]) : [[baseN, s.ops]])
  );
  const ns = [...new Set(sides.flatMap((s) => [...s.keys()]))].sort((a, b) => a - b);
  return ns.map((n) => ({
    n,
    dense: sides[0].get(n) ?? zeroCounts(),
    pruned: sides[1].get(n) ?? zeroCounts(),
  }));
}

/**
 * Unit costs measured at `preset`'s ring degree carried to ring degree `n`, op by op, where no
 * measurement at `n` exists (results written before rings were kept, a calibration file, user op
 * weights): each cost times the built-in table's ratio between the two rings for that op
 * (`MEASURED_UNIT_COSTS`, e.g. `cryptflow2-N16384` / `cryptflow2`), or, where the table lacks
 * either ring, times (n log n) / (N log N), the growth of an NTT, which dominates every op that
 * grows with N. The `source` says which.
 *
 * @example CrypTFlow2's built-in costs carried to N = 16384 are the built-in N = 16384 table
 * ```ts
 * import { assertAlmostEquals, assertStringIncludes } from "@std/assert";
 * import { unitCostsAtRing } from "./rings.ts";
 * import { getPreset, MEASURED_UNIT_COSTS } from "../he/mod.ts";
 *
 * const at16k = unitCostsAtRing(MEASURED_UNIT_COSTS.cryptflow2, getPreset("cryptflow2"), 16384);
 * assertAlmostEquals(at16k.keySwitch, MEASURED_UNIT_COSTS["cryptflow2-N16384"].keySwitch, 1e-12);
 * assertAlmostEquals(at16k.down!.ntt, MEASURED_UNIT_COSTS["cryptflow2-N16384"].down!.ntt, 1e-12);
 * assertStringIncludes(at16k.source, "built-in table's N = 16384 / N = 8192 ratio");
 * // No table at N = 32768: the NTT's growth, 4 × 15 / 13.
 * const at32k = unitCostsAtRing(MEASURED_UNIT_COSTS.cryptflow2, getPreset("cryptflow2"), 32768);
 * assertAlmostEquals(at32k.mult, MEASURED_UNIT_COSTS.cryptflow2.mult * 4 * 15 / 13, 1e-12);
 * ```
 */
export function unitCostsAtRing(unit: UnitCosts, preset: Preset, n: number): UnitCosts {
  const base = preset.polyModulusDegree;
  if (n === base) return unit;
  const from = unitCostsFor(preset.name), to = unitCostsFor(withSlots(preset, n).name);
  const nlogn = (n * Math.log2(n)) / (base * Math.log2(base));
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && a > 0 ? b / a : nlogn;
  const table = from !== undefined && to !== undefined && from !== to;
  const top = Object.fromEntries(
    UNIT_COST_FIELDS.map((f) => [f, unit[f] * (table ? ratio(from[f], to[f]) : nlogn)]),
  ) as Record<(typeof UNIT_COST_FIELDS)[number], number>;
  const down = unit.down
    ? Object.fromEntries(
      DOWN_UNIT_COST_FIELDS.map((f) => [
        f,
        unit.down![f] * (table ? ratio(from.down?.[f], to.down?.[f]) : nlogn),
      ]),
    ) as unknown as DownUnitCosts
    : undefined;
  const how = table
    ? `the built-in table's N = ${n} / N = ${base} ratio per op`
    : `(n log n) / (N log N) = ${Number(nlogn.toFixed(3))} (no built-in table at N = ${n})`;
  return {
    ...top,
    ...(down ? { down } : {}),
    source: `${unit.source}; carried from N = ${base} to N = ${n} by ${how}`,
  };
}
