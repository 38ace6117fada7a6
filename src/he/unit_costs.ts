/**
 * Unit costs of HE ops (milliseconds per op) and the linear cost model
 * predicted = Σ count × unit cost. Built-in tables are measured with `bench/he_ops_bench.ts`.
 *
 * @module
 */
import type { OpCounts } from "./plan.ts";

/**
 * Milliseconds per op one level below the top (a ciphertext mod-switched once: one data prime
 * fewer), for the ops plans run there (`OpCounts`' `_down` counters).
 */
export interface DownUnitCosts {
  /** One key switch. */
  readonly keySwitch: number;
  /** Plaintext × ciphertext, both in NTT form. */
  readonly mult: number;
  /** Plaintext × ciphertext in coefficient form. */
  readonly multCoeff: number;
  /** Ciphertext × scalar. */
  readonly multScalar: number;
  /** Ciphertext + ciphertext (also an output mask's addition). */
  readonly add: number;
  /** Forward NTT. */
  readonly ntt: number;
  /** Inverse NTT. */
  readonly intt: number;
  /** Modulus switch from this level to the next. */
  readonly modSwitch: number;
  /** Noise flooding. */
  readonly flood: number;
}

/** Milliseconds per op, for one preset. A rotation costs its key switches. */
export interface UnitCosts {
  /** One key switch (a row rotation by a step with its own key, or a column swap). */
  readonly keySwitch: number;
  /** Plaintext × ciphertext, both in NTT form. */
  readonly mult: number;
  /** Plaintext × ciphertext in coefficient form (no NTT on either side). */
  readonly multCoeff: number;
  /** Ciphertext + ciphertext (also the cost of adding an output mask). */
  readonly add: number;
  /** Forward NTT of a ciphertext. */
  readonly ntt: number;
  /** Inverse NTT of a ciphertext. */
  readonly intt: number;
  /** Modulus switch to the next level. */
  readonly modSwitch: number;
  /**
   * The server's encryption of one output mask: a uniform mask drawn, encoded and encrypted with
   * the public key (`encryptMask`; results measured before the draw and the encoding were timed
   * with it price the encryption alone).
   */
  readonly encPublic: number;
  /** SCI's noise flooding of one ciphertext (serialization round trip plus sampling). */
  readonly flood: number;
  /** Ciphertext × scalar (Cheetah's BatchNorm: SEAL's monomial path, no NTT). */
  readonly multScalar: number;
  /** Cheetah's output extraction and truncation (a serialization round trip). */
  readonly extract: number;
  /**
   * The costs one level down (absent in older results and user weights: ops below the top are
   * then priced as at the top, the convention before levels were counted).
   */
  readonly down?: DownUnitCosts;
  /** Where the numbers come from. */
  readonly source: string;
}

/**
 * Every per-op field of `UnitCosts` (ms per op at the top level), in one place for code that
 * reads, checks or rescales unit costs field by field.
 *
 * @example Key switches and products are priced; `source` is not a cost
 * ```ts
 * import { assert } from "@std/assert";
 * import { UNIT_COST_FIELDS } from "./unit_costs.ts";
 *
 * assert(UNIT_COST_FIELDS.includes("keySwitch") && UNIT_COST_FIELDS.includes("mult"));
 * assert(!(UNIT_COST_FIELDS as readonly string[]).includes("source"));
 * ```
 */
export const UNIT_COST_FIELDS = [
  "keySwitch",
  "mult",
  "multCoeff",
  "add",
  "ntt",
  "intt",
  "modSwitch",
  "encPublic",
  "flood",
  "multScalar",
  "extract",
] as const satisfies readonly (keyof UnitCosts)[];

/**
 * Every field of `DownUnitCosts` (ms per op one level down).
 *
 * @example A key switch is priced one level down; a public encryption is not
 * ```ts
 * import { assert } from "@std/assert";
 * import { DOWN_UNIT_COST_FIELDS } from "./unit_costs.ts";
 *
 * assert(DOWN_UNIT_COST_FIELDS.includes("keySwitch"));
 * assert(!(DOWN_UNIT_COST_FIELDS as readonly string[]).includes("encPublic"));
 * ```
 */
export const DOWN_UNIT_COST_FIELDS = [
  "keySwitch",
  "mult",
  "multCoeff",
  "multScalar",
  "add",
  "ntt",
  "intt",
  "modSwitch",
  "flood",
] as const satisfies readonly (keyof DownUnitCosts)[];

/**
 * The fallback unit costs: medians measured on this project's reference machine (2 vCPU AMD
 * EPYC, Deno 2.9.6, node-seal 7.0.0) with `deno bench bench/he_ops_bench.ts`; mult is plaintext ×
 * ciphertext in NTT form. Studies measure their own unit costs at the start (cached per CPU and
 * runtime, `calibratedWeights`); this table serves pruning's cost model, `deno task plan` and
 * `cost`, and studies told not to measure. Every preset's `encPublic` is the server's output-mask
 * encryption as the executor runs it (`encryptMask`: draw, encode, encrypt), measured 2026-11-26
 * with `measureUnitOps`' `encrypt_public` (CPU-time minimum of 60 batches after 300 ms warm-up,
 * the faster of two runs) on a 2-vCPU AMD EPYC under Deno 2.9.6. It prices another CPU only up to a
 * factor (1.14–1.32× above a quiet 2-vCPU AMD EPYC 7B13 in issue 16's measurements).
 *
 * @example A key switch costs far more than an addition
 * ```ts
 * import { assert } from "@std/assert";
 * import { MEASURED_UNIT_COSTS } from "./unit_costs.ts";
 *
 * const { keySwitch, add } = MEASURED_UNIT_COSTS.gazelle;
 * assert(keySwitch > 10 * add);
 * ```
 */
export const MEASURED_UNIT_COSTS: Readonly<Record<string, UnitCosts>> = {
  "gazelle": {
    keySwitch: 0.646,
    mult: 0.0716,
    multCoeff: 0.402,
    add: 0.0096,
    ntt: 0.136,
    intt: 0.136,
    modSwitch: 0.0356,
    // encryptMask, as executed (2026-11-26: see above).
    encPublic: 1.19,
    flood: 0.1,
    // Measured 2026-12 with measureUnitOps (60 reps, 300 ms warm-up), same machine.
    multScalar: 0.0268,
    extract: 0.0628,
    // One level down: these top costs × the down / top ratio measureUnitOps gave on a
    // 2-vCPU AMD EPYC under Deno 2.9.6 (2026-12, CPU-time minimum of 25 batches).
    down: {
      keySwitch: 0.333,
      mult: 0.036,
      multCoeff: 0.201,
      multScalar: 0.0147,
      add: 0.0047,
      ntt: 0.0677,
      intt: 0.068,
      modSwitch: 0.0353,
      flood: 0.039,
    },
    source: "deno bench bench/he_ops_bench.ts, 2-vCPU AMD EPYC, 2026-11-23",
  },
  "gazelle-secure": {
    keySwitch: 1.3,
    mult: 0.14,
    multCoeff: 0.855,
    add: 0.0168,
    ntt: 0.289,
    intt: 0.293,
    modSwitch: 0.0662,
    // encryptMask, as executed (2026-11-26: see above).
    encPublic: 2.45,
    flood: 0.183,
    // Measured 2026-12 with measureUnitOps (60 reps, 300 ms warm-up), same machine.
    multScalar: 0.0537,
    extract: 0.118,
    // One level down: these top costs × the down / top ratio measureUnitOps gave on a
    // 2-vCPU AMD EPYC under Deno 2.9.6 (2026-12, CPU-time minimum of 25 batches).
    down: {
      keySwitch: 0.665,
      mult: 0.0707,
      multCoeff: 0.424,
      multScalar: 0.0285,
      add: 0.00784,
      ntt: 0.144,
      intt: 0.146,
      modSwitch: 0.0659,
      flood: 0.123,
    },
    source: "deno bench bench/he_ops_bench.ts, 2-vCPU AMD EPYC, 2026-11-23",
  },
  cryptflow2: {
    keySwitch: 4.28,
    mult: 0.42,
    multCoeff: 2.74,
    add: 0.049,
    ntt: 0.906,
    intt: 0.894,
    modSwitch: 0.229,
    // encryptMask, as executed (2026-11-26: see above).
    encPublic: 7.59,
    flood: 0.506,
    // Measured 2026-12 with measureUnitOps (60 reps, 300 ms warm-up), same machine.
    multScalar: 0.153,
    extract: 0.226,
    // One level down: these top costs × the down / top ratio measureUnitOps gave on a
    // 2-vCPU AMD EPYC under Deno 2.9.6 (2026-12, CPU-time minimum of 25 batches).
    down: {
      keySwitch: 2.57,
      mult: 0.282,
      multCoeff: 1.81,
      multScalar: 0.104,
      add: 0.0298,
      ntt: 0.6,
      intt: 0.593,
      modSwitch: 0.12,
      flood: 0.381,
    },
    source: "measureUnitOps, 60 reps after 300 ms warm-up, 2-vCPU AMD EPYC, 2026-11-23",
  },
  "cryptflow2-N16384": {
    keySwitch: 9.17,
    mult: 0.792,
    multCoeff: 5.49,
    add: 0.099,
    ntt: 2.02,
    intt: 1.92,
    modSwitch: 0.439,
    // encryptMask, as executed (2026-11-26: see above).
    encPublic: 15.6,
    flood: 1.04,
    // Measured 2026-12 with measureUnitOps (60 reps, 300 ms warm-up), same machine.
    multScalar: 0.305,
    extract: 0.532,
    // One level down: these top costs × the down / top ratio measureUnitOps gave on a
    // 2-vCPU AMD EPYC under Deno 2.9.6 (2026-12, CPU-time minimum of 25 batches).
    down: {
      keySwitch: 5.69,
      mult: 0.529,
      multCoeff: 3.62,
      multScalar: 0.208,
      add: 0.0609,
      ntt: 1.32,
      intt: 1.26,
      modSwitch: 0.231,
      flood: 1.34,
    },
    source: "measureUnitOps, 60 reps after 300 ms warm-up, 2-vCPU AMD EPYC, 2026-11-23",
  },
  // Cheetah: measureUnitOps (60 reps after 300 ms warm-up) on the same machine; keySwitch is an
  // automorphism by element (X → X^3), which Cheetah's linear layers never perform.
  cheetah: {
    keySwitch: 1.59,
    mult: 0.156,
    multCoeff: 1.01,
    add: 0.0163,
    ntt: 0.315,
    intt: 0.345,
    modSwitch: 0.0655,
    // encryptMask, as executed (2026-11-26: see above).
    encPublic: 2.86,
    flood: 0.28,
    multScalar: 0.0537,
    extract: 0.12,
    // One level down: these top costs × the down / top ratio measureUnitOps gave on a
    // 2-vCPU AMD EPYC under Deno 2.9.6 (2026-12, CPU-time minimum of 25 batches).
    down: {
      keySwitch: 0.817,
      mult: 0.079,
      multCoeff: 0.506,
      multScalar: 0.0288,
      add: 0.00933,
      ntt: 0.159,
      intt: 0.173,
      modSwitch: 0.0657,
      flood: 0.188,
    },
    source: "measureUnitOps, 60 reps after 300 ms warm-up, 2-vCPU AMD EPYC, 2026-12 (shared)",
  },
  "cheetah-secure": {
    keySwitch: 7.24,
    mult: 0.31,
    multCoeff: 4.92,
    add: 0.0316,
    ntt: 0.686,
    intt: 0.758,
    modSwitch: 0.13,
    // encryptMask, as executed (2026-11-26: see above).
    encPublic: 6.05,
    flood: 0.303,
    multScalar: 0.104,
    extract: 0.236,
    // One level down: these top costs × the down / top ratio measureUnitOps gave on a
    // 2-vCPU AMD EPYC under Deno 2.9.6 (2026-12, CPU-time minimum of 25 batches).
    down: {
      keySwitch: 3.66,
      mult: 0.155,
      multCoeff: 2.4,
      multScalar: 0.0561,
      add: 0.0157,
      ntt: 0.343,
      intt: 0.379,
      modSwitch: 0.13,
      flood: 0.124,
    },
    source: "measureUnitOps, 60 reps after 300 ms warm-up, 2-vCPU AMD EPYC, 2026-12 (shared)",
  },
};

/** Where a set of unit costs was measured: what a report needs to say whether its predictions
 * come from this machine. */
export interface UnitCostsOrigin {
  /**
   * `calibrated`: measured by `deno task calibrate` (a calibration file); `built-in`: the
   * `MEASURED_UNIT_COSTS` table shipped with the code, measured on the reference machine.
   */
  readonly kind: "calibrated" | "built-in";
  /** The CPU measured, as manifests name CPUs; null if the source did not record it. */
  readonly cpu: string | null;
  /** When it was measured, ISO 8601 date or date-time; null if the source did not record it. */
  readonly measured: string | null;
  /**
   * For calibrated costs, how the run got them: `file`, a calibration file (`deno task
   * calibrate`); `cached`, the study's own measurement of an earlier run on this CPU and runtime,
   * from the user's cache folder; `measured`, measured by the study at its start. Absent in
   * results written before the study calibrated itself.
   */
  readonly how?: "file" | "cached" | "measured";
}

/**
 * Where `MEASURED_UNIT_COSTS` was measured (the reference machine of its `source` strings).
 *
 * @example The built-in table names its machine and date
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MEASURED_UNIT_COSTS, MEASURED_UNIT_COSTS_ORIGIN } from "./unit_costs.ts";
 *
 * assertEquals(MEASURED_UNIT_COSTS_ORIGIN.kind, "built-in");
 * assertEquals(MEASURED_UNIT_COSTS.gazelle.source.includes(MEASURED_UNIT_COSTS_ORIGIN.cpu!), true);
 * ```
 */
export const MEASURED_UNIT_COSTS_ORIGIN: UnitCostsOrigin = {
  kind: "built-in",
  cpu: "2-vCPU AMD EPYC",
  measured: "2026-11-23",
};

/**
 * Predicted milliseconds of a plan's server work under `unit` costs: Σ count × unit cost over key
 * switches, products (NTT and coefficient form, and by scalars), additions (mask additions
 * included), NTTs, mod switches, server encryptions, floodings and extractions, each op at its
 * level: those a plan runs below the top (`OpCounts`' `_down` counters, e.g. CrypTFlow2's
 * rotations of mod-switched partial sums) at `unit.down`'s costs. Transfers and client work are
 * not included.
 *
 * @example Two key switches and ten products; one key switch one level down
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { predictMs } from "./unit_costs.ts";
 * import { zeroCounts } from "./plan.ts";
 *
 * const unit = {
 *   keySwitch: 1,
 *   mult: 0.1,
 *   multCoeff: 0.5,
 *   add: 0.01,
 *   ntt: 0.2,
 *   intt: 0.2,
 *   modSwitch: 0.3,
 *   encPublic: 1,
 *   flood: 1,
 *   multScalar: 0.05,
 *   extract: 0.5,
 *   source: "example",
 * };
 * assertEquals(predictMs({ ...zeroCounts(), key_switches: 2, mult: 10 }, unit), 2 * 1 + 10 * 0.1);
 * const down = { ...unit, down: { ...unit, keySwitch: 0.6 } };
 * const c = { ...zeroCounts(), key_switches: 2, key_switches_down: 1 };
 * assertAlmostEquals(predictMs(c, down), 1 + 0.6);
 * ```
 */
export function predictMs(c: OpCounts, unit: UnitCosts): number {
  const d = unit.down ?? unit;
  const ks = c.key_switches_down ?? 0, mult = c.mult_down ?? 0, coeff = c.mult_coeff_down ?? 0;
  const add = (c.add_down ?? 0) + (c.add_mask_down ?? 0), ntt = c.ntt_down ?? 0;
  const intt = c.intt_down ?? 0, ms = c.mod_switch_down ?? 0, flood = c.flood_down ?? 0;
  const scalar = c.mult_scalar_down ?? 0;
  const top = (c.key_switches - ks) * unit.keySwitch +
    (c.mult - c.mult_coeff - (mult - coeff)) * unit.mult + (c.mult_coeff - coeff) * unit.multCoeff +
    (c.add + c.add_mask - add) * unit.add + (c.ntt - ntt) * unit.ntt +
    (c.intt - intt) * unit.intt + (c.mod_switch - ms) * unit.modSwitch +
    c.enc_server * unit.encPublic + (c.flood - flood) * unit.flood +
    // Cheetah's ops came later: counts and unit costs from older results files lack them (0).
    ((c.mult_scalar ?? 0) - scalar) * (unit.multScalar ?? 0) +
    (c.extract ?? 0) * (unit.extract ?? 0);
  const below = ks * d.keySwitch + (mult - coeff) * d.mult + coeff * d.multCoeff + add * d.add +
    ntt * d.ntt + intt * d.intt + ms * d.modSwitch + flood * d.flood +
    (scalar === 0 ? 0 : scalar * d.multScalar);
  return top + below;
}

/**
 * The measured unit costs for a preset by name (a `cryptflow2` preset of another share width ℓ
 * uses its N's table: costs depend on N and q, hardly on t); undefined if none was measured.
 *
 * @example Another share width falls back to its ring's table; an unmeasured preset has none
 * ```ts
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { MEASURED_UNIT_COSTS, unitCostsFor } from "./unit_costs.ts";
 *
 * assertStrictEquals(unitCostsFor("cryptflow2-l41-N16384"), MEASURED_UNIT_COSTS["cryptflow2-N16384"]);
 * assertEquals(unitCostsFor("nope"), undefined);
 * ```
 */
export function unitCostsFor(presetName: string): UnitCosts | undefined {
  return MEASURED_UNIT_COSTS[presetName] ?? MEASURED_UNIT_COSTS[presetName.replace(/-l[0-9]+/, "")];
}
