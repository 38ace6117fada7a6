/**
 * One row of a report: a layer program's geometry, op counts, bytes and predicted time.
 *
 * @module
 */
import {
  ciphertextBytes,
  countPlan,
  countProgram,
  galoisKeySetBytes,
  type LayerPlan,
  type LayerProgram,
  type OpCounts,
  predictMs,
  securityLabel,
  unitCostsFor,
} from "../he/mod.ts";

/** Ops of a layer in a summary row: the counting conventions of the README, per layer. */
export type SummaryOps = Readonly<
  Pick<
    OpCounts,
    | "perm_in"
    | "perm_out"
    | "key_switches"
    | "mult"
    | "add"
    | "rotate_rows"
    | "rotate_columns"
    | "mult_coeff"
    | "mult_scalar"
    | "extract"
    | "ntt"
    | "intt"
    | "mod_switch"
    | "add_mask"
    | "enc_server"
    | "flood"
    | "cts_up"
    | "cts_down"
  >
>;

/** One layer's summary row, as `deno task plan --json` prints it and cost tables store it. */
export interface LayerSummary {
  /** The framework that planned the layer (`FRAMEWORKS`). */
  readonly framework: string;
  /** Preset names of the program's parts, joined by "+". */
  readonly preset: string;
  /** Security labels of the parts' presets, joined by "; ". */
  readonly security: string;
  /** The planned layer's name (the network node's, or the spec of a synthetic layer). */
  readonly layer: string;
  /** Slots of the first part (its ring degree N). */
  readonly slots: number;
  /** Slots of each part, in part order. */
  readonly slots_per_phase: readonly number[];
  /** Number of parts (HE plans whose outputs add up): CrypTFlow2 plans one per stride phase. */
  readonly phases: number;
  /** Channels per ciphertext in the first part's geometry; null where it has none (FC layers). */
  readonly channels_per_ct: number | string | null;
  /** Ciphertexts the client uploads, over all parts. */
  readonly in_cts: number;
  /** Output ciphertexts over all parts, identically zero ones included. */
  readonly out_cts: number;
  /** The method: GAZELLE conv `ir` / `or`, CrypTFlow2 conv `sci`, FC `hybrid`, BN `elementwise`. */
  readonly method: LayerProgram["method"];
  /** True if the program reproduces the framework's stock behaviour (nothing skipped). */
  readonly stock: boolean;
  /** Framework geometry of the whole layer (channels per ciphertext, diagonals, phases, …). */
  readonly geometry: LayerProgram["geometry"];
  /** Each part's slots and geometry, in part order. */
  readonly parts: readonly { slots: number; geometry: LayerPlan["geometry"] }[];
  /**
   * The Galois keys: their kind (`exact` steps or `pow2` ±2^i keys; kinds of differing parts
   * joined by "+") and their number over all parts.
   */
  readonly keys: { readonly kind: string; readonly count: number };
  /** Op counts of all parts. */
  readonly ops: SummaryOps;
  /**
   * Bytes sent up (client → server: input ciphertexts at every data prime), down (output
   * ciphertexts at the primes left on the way back: one for Cheetah) and the Galois keys (0 for a
   * plan without rotations: no key set is made or sent, as the executor counts it).
   */
  readonly bytes: { readonly up: number; readonly down: number; readonly galois_keys: number };
  /** Predicted server time (ms) under the measured unit costs; null where none were measured. */
  readonly predicted_server_ms: number | null;
}

/**
 * A layer program summarized as the JSON row `deno task plan --json` prints and reports store:
 * geometry, op counts (the counting conventions of the README), predicted bytes and server time
 * under the measured unit costs (null where none were measured for a part's preset).
 *
 * @example A stride-2 CrypTFlow2 conv: one part per stride phase
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { programSummary } from "./summary.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { planLayer } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=16,w=16,ci=8,co=8,k=3,s=2"), 1);
 * const row = programSummary(planLayer(layer, { framework: "cryptflow2", preset: getPreset("cryptflow2") }));
 * assertEquals([row.phases, row.slots_per_phase.length], [4, 4]);
 * ```
 *
 * @example Cheetah: scalar products of BatchNorm, extractions, no Galois key, one prime down
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { programSummary } from "./summary.ts";
 * import { ciphertextBytes, getPreset } from "../he/mod.ts";
 * import { planLayer } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const preset = getPreset("cheetah");
 * const bn = syntheticLayer("b", parseLayerSpec("bn:c=4,h=8,w=8"), 1);
 * const row = programSummary(planLayer(bn, { framework: "cheetah", preset }));
 * assertEquals([row.ops.mult_scalar, row.ops.extract, row.ops.perm_in + row.ops.perm_out], [4, 4, 0]);
 * assertEquals(row.bytes.galois_keys, 0);
 * assertEquals(row.bytes.down, 4 * ciphertextBytes(4096, 1));
 * ```
 */
export function programSummary(program: LayerProgram): LayerSummary {
  const c = countProgram(program);
  const first = program.parts[0];
  let predicted: number | null = 0;
  for (const part of program.parts) {
    const unit = unitCostsFor(part.preset.name);
    predicted = unit && predicted !== null ? predicted + predictMs(countPlan(part), unit) : null;
  }
  const bytes = { up: 0, down: 0, galois_keys: 0 };
  for (const part of program.parts) {
    const pc = countPlan(part);
    const primes = part.preset.coeffModulusBits.length;
    bytes.up += pc.cts_up * ciphertextBytes(part.slots, primes - 1);
    bytes.down += pc.cts_down * ciphertextBytes(part.slots, part.downPrimes);
    // A plan without rotations asks for no key: nothing is made or sent (the executor's count).
    const steps = part.keys.steps.length;
    bytes.galois_keys += steps === 0 ? 0 : galoisKeySetBytes(steps, part.slots, primes);
  }
  return {
    framework: program.framework,
    preset: [...new Set(program.parts.map((p) => p.preset.name))].join("+"),
    security: [...new Set(program.parts.map((p) => securityLabel(p.preset)))].join("; "),
    layer: program.layer,
    slots: first.slots,
    slots_per_phase: program.parts.map((p) => p.slots),
    phases: program.parts.length,
    channels_per_ct: first.geometry.channels_per_ct ?? null,
    in_cts: program.parts.reduce((a, p) => a + p.inputs, 0),
    out_cts: program.parts.reduce((a, p) => a + p.outputs.length, 0),
    method: program.method,
    stock: program.stock,
    geometry: program.geometry,
    parts: program.parts.map((p) => ({ slots: p.slots, geometry: p.geometry })),
    keys: {
      kind: [...new Set(program.parts.map((p) => p.keys.kind))].join("+"),
      count: program.parts.reduce((a, p) => a + p.keys.steps.length, 0),
    },
    ops: {
      perm_in: c.perm_in,
      perm_out: c.perm_out,
      key_switches: c.key_switches,
      mult: c.mult,
      add: c.add,
      rotate_rows: c.rotate_rows,
      rotate_columns: c.rotate_columns,
      mult_coeff: c.mult_coeff,
      mult_scalar: c.mult_scalar,
      extract: c.extract,
      ntt: c.ntt,
      intt: c.intt,
      mod_switch: c.mod_switch,
      add_mask: c.add_mask,
      enc_server: c.enc_server,
      flood: c.flood,
      cts_up: c.cts_up,
      cts_down: c.cts_down,
    },
    bytes,
    predicted_server_ms: predicted === null ? null : Number(predicted.toFixed(2)),
  };
}
