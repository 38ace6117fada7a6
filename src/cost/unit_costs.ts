/**
 * Unit costs of HE ops (milliseconds per op) and the linear cost model
 * predicted = Σ count × unit cost. Built-in tables are measured with `bench/he_ops_bench.ts`.
 *
 * @module
 */
import type { OpCounts } from "../he/plan.ts";

/** Milliseconds per op. A rotation costs its key switches. */
export interface UnitCosts {
  readonly keySwitch: number;
  readonly mult: number;
  /** Plaintext × ciphertext in coefficient form (no NTT on either side). */
  readonly multCoeff: number;
  readonly add: number;
  readonly ntt: number;
  readonly intt: number;
  /** Where the numbers come from. */
  readonly source: string;
}

/**
 * Medians measured on this project's reference machine (2 vCPU AMD EPYC, Deno 2.9.6, node-seal
 * 7.0.0) with `deno bench bench/he_ops_bench.ts`; mult is plaintext × ciphertext in NTT form.
 *
 * @example
 * ```ts
 * import { MEASURED_UNIT_COSTS } from "./unit_costs.ts";
 *
 * if (MEASURED_UNIT_COSTS.gazelle.keySwitch <= MEASURED_UNIT_COSTS.gazelle.add) throw new Error();
 * ```
 */
export const MEASURED_UNIT_COSTS: Readonly<Record<string, UnitCosts>> = {
  gazelle: {
    keySwitch: 0.588,
    mult: 0.0648,
    multCoeff: 0.372,
    add: 0.0087,
    ntt: 0.120,
    intt: 0.126,
    source: "deno bench bench/he_ops_bench.ts, 2-vCPU AMD EPYC, 2026-11-23",
  },
  "gazelle-secure": {
    keySwitch: 1.28,
    mult: 0.134,
    multCoeff: 0.771,
    add: 0.0148,
    ntt: 0.281,
    intt: 0.282,
    source: "deno bench bench/he_ops_bench.ts, 2-vCPU AMD EPYC, 2026-11-23",
  },
};

/**
 * Predicted milliseconds of a plan's server work under `unit` costs.
 *
 * @example
 * ```ts
 * import { predictMs } from "./unit_costs.ts";
 * import { zeroCounts } from "../he/plan.ts";
 *
 * const unit = {
 *   keySwitch: 1,
 *   mult: 0.1,
 *   multCoeff: 0.5,
 *   add: 0.01,
 *   ntt: 0.2,
 *   intt: 0.2,
 *   source: "example",
 * };
 * if (predictMs({ ...zeroCounts(), key_switches: 2, mult: 10 }, unit) !== 3) throw new Error();
 * ```
 */
export function predictMs(c: OpCounts, unit: UnitCosts): number {
  return c.key_switches * unit.keySwitch + (c.mult - c.mult_coeff) * unit.mult +
    c.mult_coeff * unit.multCoeff + c.add * unit.add + c.ntt * unit.ntt + c.intt * unit.intt;
}

/**
 * The measured unit costs for a preset by name (a `cryptflow2` preset of another share width ℓ
 * uses its N's table: costs depend on N and q, hardly on t); undefined if none was measured.
 *
 * @example
 * ```ts
 * import { unitCostsFor } from "./unit_costs.ts";
 *
 * if (unitCostsFor("gazelle") === undefined || unitCostsFor("nope") !== undefined) throw new Error();
 * ```
 */
export function unitCostsFor(presetName: string): UnitCosts | undefined {
  return MEASURED_UNIT_COSTS[presetName] ?? MEASURED_UNIT_COSTS[presetName.replace(/-l[0-9]+/, "")];
}
