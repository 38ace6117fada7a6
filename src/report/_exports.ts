/**
 * The report's machine-readable files beside its pages: `benchmark.json` (every timed layer in
 * github-action-benchmark's `customSmallerIsBetter` format, for tracking server time across
 * commits) and `headline.csv` (every MOSAIC − Hunter comparison of the headline).
 *
 * @module
 */
import { stringify } from "@std/csv";
import type { BenchStats, Results, TimingRow } from "../study/mod.ts";
import {
  accuracyDeltas,
  type MethodDelta,
  REFERENCE_UNIT_COSTS_NAME,
  referenceUnitCosts,
  saliencyDeltas,
  sparsityDeltas,
} from "./_compare.ts";

/**
 * One entry of a github-action-benchmark custom JSON file: `name`, `unit` and `value` required,
 * `range` and `extra` optional free text (the action shows them in its tooltips).
 */
export interface BenchmarkEntry {
  /** Unique name of the benchmark: `<model> <framework> <layer> <variant>`. */
  readonly name: string;
  /** Always `ms`. */
  readonly unit: "ms";
  /** Measured server time of the layer, ms (smaller is better). */
  readonly value: number;
  /** Spread of the samples, as text (not written yet: the timing rows carry only a mean). */
  readonly range?: string;
  /** What else is known about the measurement, one `key: value` per line. */
  readonly extra?: string;
}

const ms4 = (x: number) => Number(x.toPrecision(4));

/** deno bench's statistics as `extra` lines. */
function statsExtra(s: BenchStats): string {
  return `samples: ${s.n}\nmin: ${ms4(s.min)} ms\np75: ${ms4(s.p75)} ms\np99: ${
    ms4(s.p99)
  } ms\nmax: ${ms4(s.max)} ms`;
}

/** The `extra` text of a timing row: its samples and, where recorded, deno bench's statistics. */
function timingExtra(t: TimingRow): string {
  return t.stats ? statsExtra(t.stats) : `samples: ${t.samples}`;
}

/** The spread github-action-benchmark shows beside the value: the fastest and slowest sample. */
function timingRange(t: TimingRow): { range?: string } {
  const s = t.stats;
  return s ? { range: `${ms4(s.min)}…${ms4(s.max)} ms` } : {};
}

/**
 * `benchmark.json` entries: one per timing row, server ms per layer and variant (the mean of its
 * samples), then one per bench of the tool's own speed (`tool <name>`, the fastest wall-clock
 * sample: these run a whole pipeline and a loaded machine only slows them). An empty array when
 * nothing was timed: valid JSON, but github-action-benchmark refuses a file without entries, so
 * a workflow runs that step only after a timed report.
 *
 * @example One entry per timed layer, in milliseconds
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { benchmarkEntries } from "./_exports.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const e = benchmarkEntries(r);
 * assertEquals(e.length, r.timings.length);
 * assertEquals([e[0].name, e[0].unit, e[0].value], [
 *   "vgg16-cifar10 cryptflow2 features.0 unpruned", "ms", r.timings[0].measured_ms,
 * ]);
 * // A row of an older file, without deno bench's statistics: its samples only.
 * const { stats: _, ...plain } = r.timings[0];
 * assertEquals(benchmarkEntries({ ...r, timings: [plain] })[0].extra, `samples: ${plain.samples}`);
 * // With deno bench's statistics: the spread as the range, the percentiles as extra lines.
 * const stats = { n: 5, mean: 2, min: 1, max: 3, p75: 2.5, p99: 3 };
 * const [s] = benchmarkEntries({ ...r, timings: [{ ...r.timings[0], samples: 5, measured_ms: 2, stats }] });
 * assertEquals([s.range, s.extra?.split("\n")[2]], ["1…3 ms", "p75: 2.5 ms"]);
 * // The tool's own benches follow, each at its fastest sample.
 * const tool = { file: "bench/assembler_bench.ts", name: "assembler/x", stats };
 * const all = benchmarkEntries({ ...r, manifest: { ...r.manifest, tool_benches: [tool] } });
 * assertEquals([all.at(-1)?.name, all.at(-1)?.value], ["tool assembler/x", 1]);
 * ```
 */
export function benchmarkEntries(r: Results): BenchmarkEntry[] {
  const layers = r.timings.map((t): BenchmarkEntry => ({
    name: `${t.model} ${t.framework} ${t.layer} ${t.variant}`,
    unit: "ms",
    value: t.measured_ms,
    ...timingRange(t),
    extra: timingExtra(t),
  }));
  const tool = (r.manifest.tool_benches ?? []).map((b): BenchmarkEntry => ({
    name: `tool ${b.name}`,
    unit: "ms",
    value: b.stats.min,
    range: `${ms4(b.stats.min)}…${ms4(b.stats.max)} ms`,
    extra: `${statsExtra(b.stats)}\nmean: ${ms4(b.stats.mean)} ms\nfile: ${b.file}`,
  }));
  return [...layers, ...tool];
}

/**
 * Every MOSAIC − Hunter comparison of the results under the run's unit costs: equal sparsity,
 * equal retained saliency, equal accuracy (each sorted by framework, model, where).
 *
 * @example The sample results compare at equal sparsity and saliency, not accuracy
 * ```ts
 * import { assert } from "@std/assert";
 * import { allDeltas } from "./_exports.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const bases = new Set(allDeltas(r).map((d) => d.basis));
 * assert(bases.has("sparsity") && !bases.has("accuracy"));
 * ```
 */
export function allDeltas(r: Results): MethodDelta[] {
  const unit = referenceUnitCosts(r);
  return [...sparsityDeltas(r, unit), ...saliencyDeltas(r, unit), ...accuracyDeltas(r)];
}

/** The columns of `headline.csv`, in order. */
export const HEADLINE_COLUMNS = [
  "model",
  "framework",
  "basis",
  "at",
  "hunter_pct",
  "mosaic_pct",
  "delta",
  "winner",
  "unit_costs",
] as const;

/**
 * `headline.csv`: a header, then one row per comparison (`allDeltas`) with the name of the unit
 * costs the HE costs are under; RFC 4180 (CRLF line ends, fields with commas, quotes or line
 * breaks quoted).
 *
 * @example Parses back to the comparisons
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parse } from "@std/csv";
 * import { allDeltas, headlineCsv } from "./_exports.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const rows = parse(headlineCsv(r), { skipFirstRow: true });
 * assertEquals(rows.length, allDeltas(r).length);
 * assertEquals(Number(rows[0].delta), allDeltas(r)[0].delta);
 * ```
 */
export function headlineCsv(r: Results): string {
  const unitCosts = REFERENCE_UNIT_COSTS_NAME;
  return stringify(allDeltas(r).map((d) => ({ ...d, unit_costs: unitCosts })), {
    columns: [...HEADLINE_COLUMNS],
  });
}
