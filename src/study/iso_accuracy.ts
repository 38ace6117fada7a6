/**
 * HE cost at iso-accuracy, as the pruning papers report it: for each model, framework and method,
 * the lowest HE cost (% of unpruned) whose fine-tuned test accuracy stays within δ points of the
 * unpruned model's, read from the measured budgets. Between the last budget that holds the
 * accuracy and the first that does not, cost is interpolated linearly in accuracy (budgets sweep
 * cost monotonically). Each seed is read on its own; the result gives the mean and the spread.
 *
 * @module
 */

/** One measured point: HE cost and fine-tuned accuracy at one budget and seed. */
export interface AccuracyPoint {
  /** Weight-sparsity budget in (0, 1). */
  readonly budget: number;
  /** Seed of pruning and fine-tuning. */
  readonly seed: number;
  /** HE cost, % of unpruned. */
  readonly cost_pct: number;
  /** Fine-tuned top-1 test accuracy in [0, 1]. */
  readonly accuracy: number;
}

/** How an iso-accuracy cost was read. */
export type IsoReading =
  /** Between a budget that holds the accuracy and the next one that does not. */
  | "interpolated"
  /** Every budget holds the accuracy: the cheapest measured point, an upper bound of the answer. */
  | "cheapest-measured"
  /** No budget holds the accuracy. */
  | "not-reached";

/** The iso-accuracy cost of one seed. */
export interface IsoSeed {
  /** Seed of pruning and fine-tuning. */
  readonly seed: number;
  /** HE cost at the target accuracy, % of unpruned; null when not reached. */
  readonly cost_pct: number | null;
  /** How the cost was read. */
  readonly reading: IsoReading;
}

/** The iso-accuracy cost of one (model, framework, method) at one δ. */
export interface IsoRow {
  /** Model name. */
  readonly model: string;
  /** `gazelle` or `cryptflow2`. */
  readonly framework: string;
  /** `hunter` or `mosaic`. */
  readonly method: string;
  /** Allowed accuracy loss, in points (0.5 = half a percentage point). */
  readonly delta: number;
  /** Unpruned test accuracy in [0, 1]. */
  readonly unpruned: number;
  /** HE cost (% of unpruned), mean over the seeds that reached the target; null if none did. */
  readonly cost_pct: number | null;
  /** Lowest cost over the seeds that reached the target; null if none did. */
  readonly cost_min: number | null;
  /** Highest cost over the seeds that reached the target; null if none did. */
  readonly cost_max: number | null;
  /** Sample standard deviation over the seeds that reached the target; null if fewer than 2. */
  readonly cost_sd: number | null;
  /** Every seed's reading, reached or not, by seed. */
  readonly seeds: readonly IsoSeed[];
}

/**
 * Mean and sample standard deviation of a list: mean null for an empty list, sd null below two
 * values.
 *
 * @example Sample (n − 1) standard deviation
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { meanSd } from "./iso_accuracy.ts";
 *
 * assertEquals(meanSd([1, 2, 3]), { mean: 2, sd: 1 });
 * assertEquals(meanSd([5]), { mean: 5, sd: null });
 * assertEquals(meanSd([]), { mean: null, sd: null });
 * ```
 */
export function meanSd(v: readonly number[]): { mean: number | null; sd: number | null } {
  if (v.length === 0) return { mean: null, sd: null };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return { mean, sd: null };
  const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (v.length - 1)) };
}

/**
 * The iso-accuracy cost of one seed's points (any order): the target is `unpruned` accuracy (in
 * [0, 1]) minus `delta` points.
 *
 * @example Interpolated between two budgets
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { isoCost } from "./iso_accuracy.ts";
 *
 * const pts = [
 *   { budget: 0.5, seed: 1, cost_pct: 40, accuracy: 0.92 },
 *   { budget: 0.7, seed: 1, cost_pct: 20, accuracy: 0.90 },
 * ];
 * const r = isoCost(pts, 0.92, 1); // target 0.91: half way
 * assertEquals(r.reading, "interpolated");
 * assertAlmostEquals(r.cost_pct!, 30, 1e-9);
 * ```
 */
export function isoCost(
  points: readonly AccuracyPoint[],
  unpruned: number,
  delta: number,
): { cost_pct: number | null; reading: IsoReading } {
  const target = unpruned - delta / 100;
  // Cheapest first: budgets trade cost for accuracy.
  const pts = [...points].sort((a, b) => a.cost_pct - b.cost_pct);
  let best = -1;
  for (let i = 0; i < pts.length; i++) {
    if (pts[i].accuracy >= target - 1e-12) {
      best = i;
      break;
    }
  }
  if (best < 0) return { cost_pct: null, reading: "not-reached" };
  if (best === 0) return { cost_pct: pts[0].cost_pct, reading: "cheapest-measured" };
  // pts[best] holds the target, pts[best − 1] (cheaper) does not: interpolate in accuracy.
  const lo = pts[best - 1], hi = pts[best];
  const t = (target - lo.accuracy) / (hi.accuracy - lo.accuracy);
  return { cost_pct: lo.cost_pct + t * (hi.cost_pct - lo.cost_pct), reading: "interpolated" };
}

/**
 * Iso-accuracy rows of a set of (model, framework, method, seed) points.
 *
 * @example Two seeds give a spread
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { isoRows } from "./iso_accuracy.ts";
 *
 * const pt = (seed: number, cost_pct: number, accuracy: number) => ({
 *   model: "m", framework: "f", method: "hunter", budget: 1 - cost_pct / 100, seed, cost_pct, accuracy,
 * });
 * const rows = isoRows(
 *   [pt(1, 50, 0.9), pt(1, 30, 0.85), pt(2, 50, 0.9), pt(2, 40, 0.9), pt(2, 20, 0.8)],
 *   new Map([["m", 0.9]]),
 *   [1],
 * );
 * // target 0.89: seed 1 reads 30 + 0.8 · 20 = 46, seed 2 reads 20 + 0.9 · 20 = 38
 * assertEquals(rows.length, 1);
 * assertAlmostEquals(rows[0].cost_min!, 38, 1e-9);
 * assertAlmostEquals(rows[0].cost_max!, 46, 1e-9);
 * assertAlmostEquals(rows[0].cost_sd!, Math.sqrt(32), 1e-9);
 * ```
 */
export function isoRows(
  points: readonly (AccuracyPoint & { model: string; framework: string; method: string })[],
  unpruned: ReadonlyMap<string, number>,
  deltas: readonly number[],
): IsoRow[] {
  const groups = new Map<string, (typeof points)[number][]>();
  for (const p of points) {
    const k = `${p.model}\u0000${p.framework}\u0000${p.method}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const rows: IsoRow[] = [];
  for (const delta of deltas) {
    for (const pts of groups.values()) {
      const { model, framework, method } = pts[0];
      const base = unpruned.get(model);
      if (base === undefined) continue;
      const seeds = [...new Set(pts.map((p) => p.seed))].sort((a, b) => a - b);
      const per: IsoSeed[] = seeds.map((seed) => ({
        seed,
        ...isoCost(pts.filter((p) => p.seed === seed), base, delta),
      }));
      const costs = per.map((s) => s.cost_pct).filter((c): c is number => c !== null);
      const { sd } = meanSd(costs);
      rows.push({
        model,
        framework,
        method,
        delta,
        unpruned: base,
        cost_pct: costs.length ? costs.reduce((a, b) => a + b, 0) / costs.length : null,
        cost_min: costs.length ? Math.min(...costs) : null,
        cost_max: costs.length ? Math.max(...costs) : null,
        cost_sd: sd,
        seeds: per,
      });
    }
  }
  return rows;
}
