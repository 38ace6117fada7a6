/**
 * MOSAIC against Hunter, the comparison the report leads with: the difference in HE cost (% of
 * unpruned, MOSAIC − Hunter; negative means MOSAIC leaves less) at equal weight sparsity (the
 * same budget), at equal retained saliency (MOSAIC's cost interpolated over its budgets at
 * Hunter's retained saliency) and, with the accuracy loop, at equal accuracy (the iso-accuracy
 * table's paired difference).
 *
 * @module
 */
import { type UnitCosts, unitCostsFor, withSlots } from "../he/mod.ts";
import { layerMs, meanSd, type PruneRow, type Results, studyPreset } from "../study/mod.ts";

function total(
  row: Pick<PruneRow, "layers" | "framework">,
  unit: UnitCosts,
  atN: Readonly<Record<string, UnitCosts>> | undefined,
  which: "dense" | "pruned",
): number {
  let ms = 0;
  for (const l of row.layers) ms += layerMs(l, which, row.framework, unit, atN).ms;
  return ms;
}

/**
 * HE cost of a pruning row as % of unpruned under op weights (2 decimals; 100 for a row without
 * cost), each layer priced ring by ring (`layerMs`): `unit` at the framework's study preset N,
 * `atN` at the other ring degrees it has costs for, `unit` carried to the rest.
 *
 * @example Half the multiplications, half the cost
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { costPct } from "./_compare.ts";
 * import { MEASURED_UNIT_COSTS } from "../he/mod.ts";
 * import { zeroCounts } from "../he/mod.ts";
 *
 * const dense = { ...zeroCounts(), mult: 10 }, pruned = { ...zeroCounts(), mult: 5 };
 * const row = { framework: "gazelle", layers: [{ name: "l", kind: "conv", dense, pruned, predicted_ms_dense: 0, predicted_ms: 0 }] };
 * assertEquals(costPct(row as never, MEASURED_UNIT_COSTS.gazelle), 50);
 * ```
 */
export function costPct(
  row: Pick<PruneRow, "layers" | "framework">,
  unit: UnitCosts,
  atN?: Readonly<Record<string, UnitCosts>>,
): number {
  const d = total(row, unit, atN, "dense");
  return d > 0 ? Number((100 * total(row, unit, atN, "pruned") / d).toFixed(2)) : 100;
}

/**
 * A pruning row's HE cost % of unpruned under `unit` (and `atN` at other ring degrees, as
 * `costPct`). Under the unit costs a row's `cost_pct` was computed with (the built-in table of
 * the study's preset, and of each other N a part runs at, as `deno task prune` and
 * `deno task cost --masks` print it for the same masks: one convention, docs/methods.md §2) this
 * is the stored number, not a re-pricing that could differ from it in the last digit; under any
 * other unit costs (the study's own calibration, the user's op weights) the per-layer counts are
 * re-priced ring by ring (`costPct`).
 *
 * @example The built-in table gives the stored number exactly
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { rowCostPct } from "./_compare.ts";
 * import { readResults, studyPreset } from "../study/mod.ts";
 * import { unitCostsFor } from "../he/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const p = r.prune[0];
 * const builtIn = unitCostsFor(studyPreset(p.framework).name)!;
 * assertEquals(rowCostPct({ ...p, cost_pct: 12.34 }, builtIn), 12.34);
 * assertEquals(rowCostPct(p, { ...builtIn, add: builtIn.add * 2 }) !== 12.34, true);
 * ```
 */
export function rowCostPct(
  row: PruneRow,
  unit: UnitCosts,
  atN?: Readonly<Record<string, UnitCosts>>,
): number {
  const stored = storedUnitCosts(row.framework);
  return stored !== undefined && sameUnitCosts(stored, unit) && builtInRings(row.framework, atN)
    ? row.cost_pct
    : costPct(row, unit, atN);
}

/**
 * Whether `atN` prices every ring it names as the built-in table does (as stored `cost_pct`
 * values were priced: each part at its own preset's table).
 */
function builtInRings(framework: string, atN: Readonly<Record<string, UnitCosts>> | undefined) {
  return Object.entries(atN ?? {}).every(([n, u]) => {
    const table = unitCostsFor(withSlots(studyPreset(framework), Number(n)).name);
    return table !== undefined && sameUnitCosts(table, u);
  });
}

/** The unit costs a pruning row's stored `cost_pct` was computed with (src/prune, modelCost). */
function storedUnitCosts(framework: string): UnitCosts | undefined {
  try {
    return unitCostsFor(studyPreset(framework).name);
  } catch {
    return undefined; // a framework this version does not know: re-price
  }
}

/** What the report calls the reference unit costs every HE cost % is priced with. */
export const REFERENCE_UNIT_COSTS_NAME = "the reference unit costs (the built-in node-seal table)";

/**
 * The reference unit costs of a results file's frameworks: the built-in table of each
 * framework's study preset, the one `deno task prune` and `deno task cost` price with. Every
 * HE cost % of unpruned in the report uses it, so the report, prune and cost print one number for
 * the same masks and results from different machines compare; the run's own calibration prices
 * only the predicted milliseconds set against measured ones.
 *
 * @example The sample's frameworks
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { referenceUnitCosts } from "./_compare.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * assertEquals(Object.keys(referenceUnitCosts(r)).sort(), ["cryptflow2", "gazelle"]);
 * ```
 */
export function referenceUnitCosts(r: Results): Record<string, UnitCosts> {
  const out: Record<string, UnitCosts> = {};
  for (const fw of new Set([...r.manifest.study.frameworks, ...r.prune.map((p) => p.framework)])) {
    const u = storedUnitCosts(fw);
    if (u) out[fw] = u;
  }
  return out;
}

function sameUnitCosts(a: UnitCosts, b: UnitCosts): boolean {
  if (a === b) return true;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof UnitCosts>;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

/** Which of the two methods leaves less HE cost (`tie` below 0.01 points of difference). */
export type Winner = "mosaic" | "hunter" | "tie";

/** What is held equal when the two methods are compared. */
export type Basis = "sparsity" | "saliency" | "accuracy";

/** One comparison of MOSAIC and Hunter for a model and framework. */
export interface MethodDelta {
  /** Model name. */
  readonly model: string;
  /** Framework name. */
  readonly framework: string;
  /** What is held equal. */
  readonly basis: Basis;
  /**
   * Where: the weight sparsity budget (sparsity, saliency: Hunter's budget whose retained
   * saliency MOSAIC is matched at) or the allowed accuracy loss δ in points (accuracy).
   */
  readonly at: number;
  /** Hunter's HE cost, % of unpruned (2 decimals). */
  readonly hunter_pct: number;
  /** MOSAIC's HE cost, % of unpruned (2 decimals). */
  readonly mosaic_pct: number;
  /** MOSAIC − Hunter, points of HE cost (2 decimals; negative: MOSAIC is cheaper). */
  readonly delta: number;
  /** The cheaper method. */
  readonly winner: Winner;
}

/** Winner of a difference MOSAIC − Hunter already rounded to 2 decimals. */
export function winnerOf(delta: number): Winner {
  return Math.abs(delta) < 0.005 ? "tie" : delta < 0 ? "mosaic" : "hunter";
}

const round2 = (x: number) => Number(x.toFixed(2));

function delta(
  model: string,
  framework: string,
  basis: Basis,
  at: number,
  hunter: number,
  mosaic: number,
): MethodDelta {
  const d = round2(round2(mosaic) - round2(hunter));
  return {
    model,
    framework,
    basis,
    at,
    hunter_pct: round2(hunter),
    mosaic_pct: round2(mosaic),
    delta: d,
    winner: winnerOf(d),
  };
}

/** Pruning rows of one seed: the first accuracy seed, as every per-budget chart shows. */
function firstSeedRows(r: Results): PruneRow[] {
  const first = r.manifest.study.accuracy?.seeds[0];
  return r.prune.filter((p) => p.seed === undefined || p.seed === first);
}

/**
 * MOSAIC − Hunter at equal weight sparsity: one line per model, framework and budget where both
 * methods were run and `unit` has the framework's unit costs.
 *
 * @example MOSAIC two points cheaper at the same budget
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sparsityDeltas } from "./_compare.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const d = sparsityDeltas(r, r.manifest.unit_costs);
 * assertEquals(d.length, r.prune.length / 2);
 * assertEquals(d.every((x) => x.delta === Number((x.mosaic_pct - x.hunter_pct).toFixed(2))), true);
 * ```
 */
export function sparsityDeltas(
  r: Results,
  unit: Readonly<Record<string, UnitCosts>>,
): MethodDelta[] {
  const rows = firstSeedRows(r);
  const out: MethodDelta[] = [];
  for (const h of rows) {
    if (h.method !== "hunter" || !unit[h.framework]) continue;
    const m = rows.find((x) =>
      x.method === "mosaic" && x.model === h.model && x.framework === h.framework &&
      x.budget === h.budget
    );
    if (!m) continue;
    const u = unit[h.framework];
    out.push(
      delta(h.model, h.framework, "sparsity", h.budget, rowCostPct(h, u), rowCostPct(m, u)),
    );
  }
  return sortDeltas(out);
}

/**
 * Linear interpolation of `y` at `x` over points sorted or not; null outside their x range.
 *
 * @example Halfway between two points
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { interpolate } from "./_compare.ts";
 *
 * assertEquals(interpolate([{ x: 0.5, y: 20 }, { x: 1, y: 30 }], 0.75), 25);
 * assertEquals(interpolate([{ x: 0.5, y: 20 }], 0.75), null);
 * ```
 */
export function interpolate(
  points: readonly { readonly x: number; readonly y: number }[],
  x: number,
): number | null {
  const p = [...points].sort((a, b) => a.x - b.x);
  for (let i = 0; i < p.length; i++) {
    if (p[i].x === x) return p[i].y;
    if (i > 0 && p[i - 1].x < x && x < p[i].x) {
      const t = (x - p[i - 1].x) / (p[i].x - p[i - 1].x);
      return p[i - 1].y + t * (p[i].y - p[i - 1].y);
    }
  }
  return null;
}

/**
 * MOSAIC − Hunter at equal retained saliency: at each of Hunter's budgets, MOSAIC's cost is
 * interpolated linearly over its own budgets' (retained saliency, cost) points at Hunter's
 * retained saliency. A budget whose saliency lies outside MOSAIC's measured range has no line
 * (nothing is extrapolated).
 *
 * @example MOSAIC keeps more saliency at the same cost
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { saliencyDeltas } from "./_compare.ts";
 * import { MEASURED_UNIT_COSTS, zeroCounts } from "../he/mod.ts";
 * import type { Results } from "../study/mod.ts";
 *
 * const row = (method: string, budget: number, retained_saliency: number, mult: number) => ({
 *   model: "m", framework: "gazelle", method, budget, retained_saliency, cost_pct: mult, layers: [{
 *     dense: { ...zeroCounts(), mult: 100 }, pruned: { ...zeroCounts(), mult } }],
 * });
 * const r = { manifest: { study: {}, unit_costs: MEASURED_UNIT_COSTS }, prune: [
 *   row("hunter", 0.5, 0.9, 60), row("mosaic", 0.5, 0.95, 60), row("mosaic", 0.7, 0.85, 40),
 * ] } as unknown as Results;
 * const [d] = saliencyDeltas(r, MEASURED_UNIT_COSTS);
 * assertEquals([d.hunter_pct, d.mosaic_pct, d.delta, d.winner], [60, 50, -10, "mosaic"]);
 * ```
 */
export function saliencyDeltas(
  r: Results,
  unit: Readonly<Record<string, UnitCosts>>,
): MethodDelta[] {
  const rows = firstSeedRows(r);
  const out: MethodDelta[] = [];
  for (const h of rows) {
    if (h.method !== "hunter" || !unit[h.framework]) continue;
    const u = unit[h.framework];
    const curve = rows.filter((x) =>
      x.method === "mosaic" && x.model === h.model && x.framework === h.framework
    ).map((x) => ({ x: x.retained_saliency, y: rowCostPct(x, u) }));
    const m = interpolate(curve, h.retained_saliency);
    if (m === null) continue;
    out.push(delta(h.model, h.framework, "saliency", h.budget, rowCostPct(h, u), m));
  }
  return sortDeltas(out);
}

/**
 * MOSAIC − Hunter at equal accuracy, from the iso-accuracy table (`isoLines`): one line per model,
 * framework and δ where both methods reached the accuracy. The costs are each method's mean over
 * the seeds that reached it; the difference is the mean of the per-seed differences (the same
 * fine-tuning seed pairs them), so it can differ from the difference of the means when a seed
 * reached the accuracy with one method only.
 *
 * @example Hunter cheaper by 1.5 points
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { accuracyDeltas } from "./_compare.ts";
 * import type { Results } from "../study/mod.ts";
 *
 * const iso = (method: string, cost_pct: number) => ({ model: "m", framework: "gazelle", method, delta: 1,
 *   unpruned: 0.9, cost_pct, cost_min: cost_pct, cost_max: cost_pct, seeds: [{ seed: 1, cost_pct, reading: "interpolated" }] });
 * const r = { accuracy: { iso: [iso("hunter", 30), iso("mosaic", 31.5)] } } as unknown as Results;
 * assertEquals(accuracyDeltas(r).map((d) => [d.delta, d.winner]), [[1.5, "hunter"]]);
 * ```
 */
export function accuracyDeltas(r: Results): MethodDelta[] {
  const iso = r.accuracy?.iso ?? [];
  const cost = (l: IsoLine, method: string) =>
    iso.find((x) =>
      x.model === l.model && x.framework === l.framework && x.delta === l.delta &&
      x.method === method
    )?.cost_pct ?? null;
  const out: MethodDelta[] = [];
  for (const l of isoLines(r)) {
    const h = cost(l, "hunter"), m = cost(l, "mosaic");
    if (l.mosaic_minus_hunter === null || h === null || m === null) continue;
    out.push({
      model: l.model,
      framework: l.framework,
      basis: "accuracy",
      at: l.delta,
      hunter_pct: round2(h),
      mosaic_pct: round2(m),
      delta: l.mosaic_minus_hunter,
      winner: winnerOf(l.mosaic_minus_hunter),
    });
  }
  return sortDeltas(out);
}

/** One line of the iso-accuracy table: both methods' cost at one δ. */
export interface IsoLine {
  /** Model name. */
  readonly model: string;
  /** `gazelle` or `cryptflow2`. */
  readonly framework: string;
  /** Allowed accuracy loss δ, in points. */
  readonly delta: number;
  /** Unpruned top-1 test accuracy, % (2 decimals). */
  readonly unpruned_pct: number;
  /**
   * Hunter's iso-accuracy cell, HE cost % of unpruned (2 decimals): the mean over the seeds that
   * reached the accuracy (with "± sd [min, max]" over several), led by "≤" when a seed kept the
   * accuracy at every budget, followed by "(k of n seeds)" when not all reached it; or "not
   * reached".
   */
  readonly hunter: string;
  /** MOSAIC's iso-accuracy cell, written as Hunter's. */
  readonly mosaic: string;
  /**
   * MOSAIC − Hunter, points of HE cost (negative: MOSAIC is cheaper): the mean of the per-seed
   * differences over the seeds both methods reached (the same fine-tuning seed pairs them), or
   * null.
   */
  readonly mosaic_minus_hunter: number | null;
  /** Sample standard deviation of those differences (null below two seeds). */
  readonly difference_sd: number | null;
  /** Seeds the difference is over. */
  readonly paired_seeds: number;
}

function isoCell(
  row: {
    cost_pct: number | null;
    cost_min: number | null;
    cost_max: number | null;
    cost_sd?: number | null;
    seeds: readonly { cost_pct: number | null; reading: string }[];
  } | undefined,
): string {
  if (!row || row.cost_pct === null) return "not reached";
  const reached = row.seeds.filter((s) => s.cost_pct !== null).length;
  const sd = row.cost_sd != null ? ` ± ${row.cost_sd.toFixed(2)}` : "";
  const spread = reached > 1
    ? `${sd} [${row.cost_min!.toFixed(2)}, ${row.cost_max!.toFixed(2)}]`
    : "";
  const bound = row.seeds.some((s) => s.reading === "cheapest-measured") ? "≤ " : "";
  // A mean over the seeds that reached the accuracy hides those that did not: say so.
  const partial = reached < row.seeds.length ? ` (${reached} of ${row.seeds.length} seeds)` : "";
  return `${bound}${row.cost_pct.toFixed(2)}${spread}${partial}`;
}

/**
 * The iso-accuracy table: per model, framework and δ, the lowest HE cost (% of unpruned) each
 * method reaches within δ points of the unpruned accuracy (mean over seeds, [min, max]; "≤" when
 * even the largest budget kept the accuracy, so the true value is lower).
 *
 * @example MOSAIC − Hunter of one seed
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { isoLines } from "./_compare.ts";
 * import type { Results } from "../study/mod.ts";
 *
 * const iso = (method: string, cost_pct: number) => ({ model: "m", framework: "f", method, delta: 1,
 *   unpruned: 0.9, cost_pct, cost_min: cost_pct, cost_max: cost_pct, seeds: [{ seed: 1, cost_pct, reading: "interpolated" }] });
 * const r = { accuracy: { iso: [iso("hunter", 30), iso("mosaic", 25)] } } as unknown as Results;
 * const [line] = isoLines(r);
 * assertEquals([line.hunter, line.mosaic, line.mosaic_minus_hunter], ["30.00", "25.00", -5]);
 * ```
 */
export function isoLines(r: Results): IsoLine[] {
  const iso = r.accuracy?.iso ?? [];
  const keys = [...new Set(iso.map((x) => `${x.model}\u0000${x.framework}\u0000${x.delta}`))];
  return keys.map((k) => {
    const [model, framework, delta] = k.split("\u0000");
    const of = (m: string) =>
      iso.find((x) =>
        x.model === model && x.framework === framework && String(x.delta) === delta &&
        x.method === m
      );
    const h = of("hunter"), m = of("mosaic");
    const diffs: number[] = [];
    for (const hs of h?.seeds ?? []) {
      const ms = m?.seeds.find((s) => s.seed === hs.seed);
      if (hs.cost_pct !== null && ms?.cost_pct != null) diffs.push(ms.cost_pct - hs.cost_pct);
    }
    const { mean, sd } = meanSd(diffs);
    return {
      model,
      framework,
      delta: Number(delta),
      unpruned_pct: Number((100 * (h ?? m)!.unpruned).toFixed(2)),
      hunter: isoCell(h),
      mosaic: isoCell(m),
      mosaic_minus_hunter: mean === null ? null : Number(mean.toFixed(2)),
      difference_sd: sd === null ? null : Number(sd.toFixed(2)),
      paired_seeds: diffs.length,
    };
  }).sort((a, b) =>
    a.model.localeCompare(b.model) || a.framework.localeCompare(b.framework) || a.delta - b.delta
  );
}

function sortDeltas(d: MethodDelta[]): MethodDelta[] {
  return d.sort((a, b) =>
    a.framework.localeCompare(b.framework) || a.model.localeCompare(b.model) || a.at - b.at
  );
}
