/**
 * The report's charts as Vega-Lite specs, built from a results file (pure functions: the data of
 * every chart is rows computed from the results, embedded in the spec, and shown as a table).
 *
 * @module
 */
import { safeFileName } from "../base/mod.ts";
import { type OpCounts, type UnitCosts, unitCostsFor, withSlots } from "../he/mod.ts";
import { layerMs, PAPER_NUMBERS, type Results, studyPreset, timedMs } from "../study/mod.ts";
import { rowCostPct, saliencyDeltas, sparsityDeltas } from "./_compare.ts";

/** A chart: a file stem, a title, the Vega-Lite spec and its data rows. */
export interface Chart {
  /** File stem under `charts/` (e.g. `total_cost`); names from data pass `safeFileName`. */
  readonly name: string;
  /** Heading of the chart in `index.html` and `summary.md`. */
  readonly title: string;
  /** How to read the chart, one paragraph. */
  readonly description: string;
  /** The Vega-Lite spec, data embedded. */
  // deno-lint-ignore no-explicit-any
  readonly spec: Record<string, any>;
  /** The chart's data, shown as its table. */
  readonly rows: readonly Record<string, string | number | null>[];
}

/** Op weights for predictions: calibrated node-seal unit costs, or weights a user supplies. */
export interface OpWeights {
  /** What the weights are, as the charts label them. */
  readonly name: string;
  /** Unit costs per framework, at its study preset's ring degree N. */
  readonly byFramework: Readonly<Record<string, UnitCosts>>;
  /**
   * Unit costs at other ring degrees, per framework and N (decimal keys); a ring without them is
   * priced with `byFramework` carried to its N (`layerMs`).
   */
  readonly byRing?: Readonly<Record<string, Readonly<Record<string, UnitCosts>>>>;
}

/**
 * One colour per method in every chart (Hunter red, MOSAIC blue, unpruned grey); frameworks are
 * told apart by facet or shape, never by colour, and nothing else uses these colours.
 */
const VARIANT_COLORS = {
  domain: ["unpruned", "hunter", "mosaic"],
  range: ["#7f7f7f", "#e45756", "#4c78a8"],
};
const METHOD_COLORS = { domain: ["hunter", "mosaic"], range: ["#e45756", "#4c78a8"] };
/** The cheaper method of a comparison, in its method's colour; a tie in grey. */
const WINNER_COLORS = {
  domain: ["hunter", "mosaic", "tie"],
  range: ["#e45756", "#4c78a8", "#bbbbbb"],
};
const FONT = "DejaVu Sans";
/** Width of the page's charts in pixels (the HTML page scales them to its width). */
const PAGE_WIDTH = 1100;

/** Width of one facet panel when `columns` panels share the page. */
function panelWidth(columns: number): number {
  return Math.max(160, Math.floor((PAGE_WIDTH - 120) / Math.max(1, columns)) - 40);
}

/**
 * An axis domain zoomed to `values` with `pad` of the span (at least `minPad`) on each side,
 * rounded outward to `step`; `[0, 1]` for no values.
 *
 * @example Costs between 60 and 80
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { zoomedDomain } from "./_charts.ts";
 *
 * assertEquals(zoomedDomain([62.3, 79.1], 1), [61, 80]);
 * ```
 */
export function zoomedDomain(
  values: readonly number[],
  step: number,
  pad = 0.05,
  minPad = step / 2,
): [number, number] {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return [0, 1];
  const lo = Math.min(...v), hi = Math.max(...v);
  const p = Math.max(minPad, pad * (hi - lo));
  return [Math.floor((lo - p) / step) * step, Math.ceil((hi + p) / step) * step];
}

/** A domain as words, for a chart's description ("60 to 81"). */
function domainText([lo, hi]: readonly [number, number]): string {
  return `${Number(lo.toPrecision(6))} to ${Number(hi.toPrecision(6))}`;
}

/** Shared look: one font everywhere (the PNG renderer embeds exactly this one). */
export const CHART_CONFIG = {
  font: FONT,
  title: { font: FONT, fontSize: 14 },
  axis: { labelFont: FONT, titleFont: FONT, labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFont: FONT, titleFont: FONT },
  header: { labelFont: FONT, titleFont: FONT, labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: "#ddd" },
};

function round(v: number, digits: number): number {
  return Number(v.toFixed(digits));
}

function title(r: Results): string {
  const s = r.manifest.study;
  return s.width === 1 ? "full-width models" : `models at width ${s.width} (${s.profile} profile)`;
}

/**
 * (a) Total HE cost as % of unpruned per model, MOSAIC vs Hunter, one panel per framework: dots
 * on an axis zoomed to the data (bars from zero hid differences under a point).
 *
 * @example One row per pruning row at the default budget and op weights
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { totalCostChart } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 * import { reportWeights } from "./report.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const w = reportWeights(r, null);
 * const c = totalCostChart(r, w);
 * const atDefault = r.prune.filter((p) => p.budget === r.manifest.study.default_budget);
 * assertEquals(c.rows.length, atDefault.length * w.length);
 * assertEquals(c.spec.facet.column.field, "framework");
 * ```
 */
export function totalCostChart(r: Results, weights: readonly OpWeights[]): Chart {
  const b = r.manifest.study.default_budget;
  const rows: Chart["rows"][number][] = [];
  for (const p of r.prune.filter((x) => x.budget === b)) {
    for (const w of weights) {
      const unit = w.byFramework[p.framework];
      if (!unit) continue;
      rows.push({
        model: p.model,
        framework: p.framework,
        method: p.method,
        weights: w.name,
        cost_pct: rowCostPct(p, unit, w.byRing?.[p.framework]),
        retained_saliency: p.retained_saliency,
        source: `mosaic-bench (${r.manifest.weights} weights)`,
      });
    }
  }
  for (const p of PAPER_NUMBERS) {
    if (!r.manifest.study.models.includes(p.model)) continue;
    if (!r.manifest.study.frameworks.includes(p.framework)) continue;
    rows.push({
      model: p.model,
      framework: p.framework,
      method: p.method,
      weights: "paper",
      cost_pct: p.cost_pct,
      retained_saliency: null,
      source: `${p.source} (reported, trained VGG-16; not ours)`,
    });
  }
  const ours = weights[0]?.name ?? "";
  const domain = zoomedDomain(rows.map((x) => x.cost_pct as number), 1);
  const columns = new Set(rows.map((x) => x.framework)).size;
  return {
    name: "total_cost",
    title: `Total linear-layer HE cost, % of unpruned, sparsity ${b} (${title(r)})`,
    description: `Dots: our predicted cost with ${ours} op weights; ticks: other op weights; ` +
      "black diamonds: the MOSAIC paper's published numbers (trained models, their own code). " +
      `The y axis is zoomed to the data: ${domainText(domain)} % of unpruned.`,
    rows,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `Total HE cost, % of unpruned (sparsity ${b}, ${title(r)})`,
        subtitle: `dots: ${ours}; ticks: ${
          weights.slice(1).map((w) => w.name).join(", ") || "none"
        }; diamonds: MOSAIC paper (published); y axis ${domainText(domain)}`,
      },
      data: { values: rows },
      facet: { column: { field: "framework", type: "nominal", title: "framework" } },
      spec: {
        width: panelWidth(columns),
        height: 240,
        encoding: {
          x: { field: "model", type: "nominal", title: "model", axis: { labelAngle: -30 } },
          xOffset: { field: "method", type: "nominal", scale: { domain: METHOD_COLORS.domain } },
          y: {
            field: "cost_pct",
            type: "quantitative",
            title: "HE cost (% of unpruned)",
            scale: { domain, zero: false },
          },
        },
        layer: [
          {
            transform: [{ filter: { field: "weights", equal: ours } }],
            mark: { type: "point", filled: true, size: 110, opacity: 1 },
            encoding: {
              color: { field: "method", type: "nominal", scale: METHOD_COLORS, title: "method" },
              tooltip: [{ field: "model" }, { field: "method" }, { field: "cost_pct" }],
            },
          },
          {
            transform: [{ filter: { not: { field: "weights", oneOf: [ours, "paper"] } } }],
            mark: { type: "tick", thickness: 2, color: "#222" },
          },
          {
            transform: [{ filter: { field: "weights", equal: "paper" } }],
            mark: { type: "point", shape: "diamond", filled: true, size: 90, color: "black" },
          },
        ],
      },
      config: CHART_CONFIG,
    },
  };
}

/**
 * HE cost each method deletes (100 − cost %) under each framework at the default budget, a panel
 * per model, frameworks side by side inside it: how much of the rotation-based savings survives on
 * a rotation-free backend (Cheetah). Dots on an axis zoomed to the data; one colour per method.
 *
 * @example One dot per model, framework and method at the default budget
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { savingsChart } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 * import { reportWeights } from "./report.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const c = savingsChart(r, reportWeights(r, null)[0]);
 * const atDefault = r.prune.filter((p) => p.budget === r.manifest.study.default_budget);
 * assertEquals(c.rows.length, atDefault.length);
 * assertEquals(c.rows.every((x) => x.deleted_pct === Number((100 - (x.cost_pct as number)).toFixed(2))), true);
 * assertEquals(c.spec.facet.column.field, "model");
 * assertEquals(c.spec.spec.encoding.x.field, "framework");
 * ```
 */
export function savingsChart(r: Results, weights: OpWeights): Chart {
  const b = r.manifest.study.default_budget;
  const rows: Chart["rows"][number][] = [];
  for (const p of r.prune.filter((x) => x.budget === b)) {
    const unit = weights.byFramework[p.framework];
    if (!unit) continue;
    const cost = rowCostPct(p, unit, weights.byRing?.[p.framework]);
    rows.push({
      model: p.model,
      framework: p.framework,
      method: p.method,
      cost_pct: cost,
      deleted_pct: Number((100 - cost).toFixed(2)),
      sparsity: p.sparsity,
    });
  }
  const domain = zoomedDomain(rows.map((x) => x.deleted_pct as number), 1);
  const frameworks = r.manifest.study.frameworks.filter((f) => rows.some((x) => x.framework === f));
  const models = new Set(rows.map((x) => x.model)).size;
  return {
    name: "savings_by_framework",
    title: `HE cost deleted by each method under each framework, sparsity ${b} (${title(r)})`,
    description: `Per model, the share of the unpruned linear-layer HE cost (${weights.name} op ` +
      `weights) that Hunter and MOSAIC delete at the default budget (sparsity ${b}), under each ` +
      "framework. GAZELLE and CrypTFlow2 rotate; Cheetah does not, so only whole kernel " +
      "polynomials, FC blocks and output channels pay there (the sparsity column is what each " +
      "method reached, which on Cheetah may fall short of the budget under the per-channel " +
      `floor). The y axis is zoomed to the data: ${domainText(domain)} % of the unpruned cost.`,
    rows,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `HE cost deleted, % of unpruned (sparsity ${b}, ${title(r)})`,
        subtitle: `${weights.name} op weights; y axis ${domainText(domain)}`,
      },
      data: { values: rows },
      facet: { column: { field: "model", type: "nominal", title: "model" } },
      spec: {
        width: panelWidth(models),
        height: 240,
        mark: { type: "point", filled: true, size: 110, opacity: 1 },
        encoding: {
          x: {
            field: "framework",
            type: "nominal",
            title: "framework",
            sort: frameworks,
            axis: { labelAngle: 0 },
          },
          xOffset: { field: "method", type: "nominal", scale: { domain: METHOD_COLORS.domain } },
          y: {
            field: "deleted_pct",
            type: "quantitative",
            title: "HE cost deleted (% of unpruned)",
            scale: { domain, zero: false },
          },
          color: { field: "method", type: "nominal", scale: METHOD_COLORS, title: "method" },
          tooltip: [
            { field: "framework" },
            { field: "method" },
            { field: "deleted_pct" },
            { field: "sparsity" },
          ],
        },
      },
      config: CHART_CONFIG,
    },
  };
}

/**
 * The first chart: MOSAIC − Hunter in points of HE cost (% of unpruned) per model and budget, at
 * equal weight sparsity and at equal retained saliency, a panel per model and framework. A bar
 * below zero (MOSAIC's colour) means MOSAIC leaves less HE cost; above zero (Hunter's), Hunter.
 *
 * @example One bar per model, framework, budget and basis
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { deltaChart } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const c = deltaChart(r, r.manifest.unit_costs);
 * const sparsity = c.rows.filter((x) => x.basis === "equal sparsity");
 * assertEquals(sparsity.length, r.prune.length / 2);
 * assert(c.rows.every((x) => x.winner === (x.delta === 0 ? "tie" : (x.delta as number) < 0 ? "mosaic" : "hunter")));
 * ```
 */
export function deltaChart(r: Results, unit: OpWeights["byFramework"]): Chart {
  const basisName = { sparsity: "equal sparsity", saliency: "equal retained saliency" } as const;
  const rows: Chart["rows"][number][] = [...sparsityDeltas(r, unit), ...saliencyDeltas(r, unit)]
    .map((d) => ({
      model: d.model,
      framework: d.framework,
      basis: basisName[d.basis as keyof typeof basisName],
      budget: d.at,
      hunter_pct: d.hunter_pct,
      mosaic_pct: d.mosaic_pct,
      delta: d.delta,
      winner: d.winner,
    }));
  const m = Math.max(0.5, ...rows.map((x) => Math.abs(x.delta as number)));
  const domain = zoomedDomain([-m, m], 0.5, 0.1);
  const columns = new Set(rows.map((x) => x.model)).size;
  const budgets = [...new Set(rows.map((x) => x.budget as number))].sort((a, b) => a - b);
  return {
    name: "mosaic_minus_hunter",
    title: "MOSAIC − Hunter: the difference in HE cost, per model and budget",
    description: "Points of HE cost (% of unpruned), MOSAIC minus Hunter, under each " +
      "framework's unit costs. Below zero (blue, MOSAIC's colour) MOSAIC leaves less HE cost; " +
      "above zero (red, Hunter's) Hunter does. Solid bars hold the weight sparsity equal (the " +
      "same budget); light bars hold the retained saliency equal (MOSAIC's cost interpolated " +
      "over its budgets at Hunter's retained saliency; none where Hunter's lies outside " +
      `MOSAIC's measured range). The y axis is ${domainText(domain)} points.`,
    rows,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: `MOSAIC − Hunter, points of HE cost (${title(r)})`,
        subtitle: "below zero: MOSAIC leaves less; solid: equal sparsity; light: equal " +
          "retained saliency",
      },
      data: { values: rows },
      // Models across (their names are long), frameworks down.
      facet: {
        column: { field: "model", type: "nominal", title: null },
        row: { field: "framework", type: "nominal", title: null },
      },
      spec: {
        width: panelWidth(columns),
        height: 130,
        layer: [
          {
            mark: "bar",
            encoding: {
              x: {
                field: "budget",
                type: "ordinal",
                title: "weight sparsity budget",
                scale: { domain: budgets },
                axis: { labelAngle: 0 },
              },
              xOffset: {
                field: "basis",
                type: "nominal",
                scale: { domain: Object.values(basisName) },
              },
              y: {
                field: "delta",
                type: "quantitative",
                title: "Δ (points)",
                scale: { domain },
              },
              color: { field: "winner", type: "nominal", scale: WINNER_COLORS, title: "cheaper" },
              opacity: {
                field: "basis",
                type: "nominal",
                scale: { domain: Object.values(basisName), range: [1, 0.45] },
                title: "held equal",
              },
              tooltip: [
                { field: "basis" },
                { field: "budget" },
                { field: "hunter_pct" },
                { field: "mosaic_pct" },
                { field: "delta" },
              ],
            },
          },
          { mark: { type: "rule", color: "#222" }, encoding: { y: { datum: 0 } } },
        ],
      },
      config: CHART_CONFIG,
    },
  };
}

/**
 * (b) Layer-wise Perm, Mult and Add of one model and framework: unpruned vs Hunter vs MOSAIC; null
 * when the results lack either method at the default budget.
 *
 * @example Every layer, three variants, three ops
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { layerChart } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const c = layerChart(r, "vgg16-cifar10", "gazelle")!;
 * assertEquals(c.rows.length, 14 * 3 * 3); // layers × variants × ops
 * assertEquals(layerChart(r, "vgg16-cifar10", "nowhere"), null);
 * ```
 */
export function layerChart(r: Results, model: string, framework: string): Chart | null {
  const b = r.manifest.study.default_budget;
  const pick = (m: string) =>
    r.prune.find((p) =>
      p.model === model && p.framework === framework && p.method === m &&
      p.budget === b
    );
  const h = pick("hunter"), m = pick("mosaic");
  if (!h || !m) return null;
  const rows: Chart["rows"][number][] = [];
  const ops = (c: OpCounts) => ({ Perm: c.perm_in + c.perm_out, Mult: c.mult, Add: c.add });
  type Bytes = { up: number; down: number } | undefined;
  // Bytes each way, in KB (results before Cheetah did not record them: no bytes facets then).
  const kb = (x: Bytes): Record<string, number> =>
    x ? { "KB up": round(x.up / 1e3, 1), "KB down": round(x.down / 1e3, 1) } : {};
  h.layers.forEach((l, i) => {
    const variants: [string, OpCounts, Bytes][] = [
      ["unpruned", l.dense as OpCounts, l.bytes_dense],
      ["hunter", l.pruned as OpCounts, l.bytes],
      ["mosaic", m.layers[i].pruned as OpCounts, m.layers[i].bytes],
    ];
    for (const [variant, c, bytes] of variants) {
      for (const [op, count] of Object.entries({ ...ops(c), ...kb(bytes) })) {
        rows.push({ layer: l.name, order: i, variant, op, count });
      }
    }
  });
  return {
    name: `layers_${safeFileName(model)}_${safeFileName(framework)}`,
    title: `${model} under ${framework}: HE ops per layer (sparsity ${b})`,
    description: "Pruning-aware counts per linear layer; Perm = input + output rotations; " +
      "KB up / KB down = input / returned ciphertexts (where the results record them).",
    rows,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: `${model}, ${framework}: Perm, Mult, Add${
        h.layers[0]?.bytes ? ", KB up and down" : ""
      } per layer (sparsity ${b})`,
      data: { values: rows },
      facet: {
        row: {
          field: "op",
          type: "nominal",
          title: null,
          sort: ["Perm", "Mult", "Add", "KB up", "KB down"],
        },
      },
      resolve: { scale: { y: "independent" } },
      spec: {
        width: Math.max(PAGE_WIDTH - 200, 26 * h.layers.length),
        height: 120,
        mark: "bar",
        encoding: {
          x: {
            field: "layer",
            type: "nominal",
            sort: { field: "order" },
            title: "layer",
            axis: { labelAngle: -45 },
          },
          xOffset: { field: "variant", type: "nominal", sort: VARIANT_COLORS.domain },
          y: { field: "count", type: "quantitative", title: "ops" },
          color: { field: "variant", type: "nominal", scale: VARIANT_COLORS, title: "variant" },
        },
      },
      config: CHART_CONFIG,
    },
  };
}

/** How a run's timings are read, in words (both sides of measured / predicted alike). */
function statisticWords(r: Results): string {
  switch (r.manifest.timing?.statistic) {
    case "cpu-min":
      return "the fastest call's CPU time, as the unit costs are";
    case "wall-min":
      return "the fastest call's wall-clock time, as the unit costs are";
    default:
      return "the mean wall-clock time (a results file written before timings chose a statistic)";
  }
}

/**
 * The sentence a chart's description gets when some rings were priced with unit costs carried
 * from the study preset's N (none measured at them); empty when none were.
 */
function carriedWords(carried: ReadonlyMap<string, readonly number[]>): string {
  if (carried.size === 0) return "";
  const each = [...carried].map(([fw, ns]) => {
    const preset = studyPreset(fw);
    const how = ns.map((n) =>
      unitCostsFor(withSlots(preset, n).name)
        ? `N = ${n} by the built-in table's N = ${n} / N = ${preset.polyModulusDegree} ratio per op`
        : `N = ${n} by the NTT's n log n growth (the built-in table has no N = ${n})`
    );
    return `${fw}'s N = ${preset.polyModulusDegree} unit costs carried to ${how.join(" and ")}`;
  });
  return " No unit costs were measured at some rings (the carried_n column), so parts there " +
    `are priced with ${each.join("; ")}: an estimate, this machine's ratio may differ.`;
}

/**
 * (c) Measured server time per layer vs the cost model's prediction, each part of a layer priced
 * at its own ring degree N (`layerMs`): with the weights' costs at that N, else the study
 * preset's carried there (the description says so).
 *
 * @example One point per timed layer
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { timeChart } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 * import { reportWeights } from "./report.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * assertEquals(timeChart(r, reportWeights(r, null)[0]).rows.length, r.timings.length);
 * ```
 */
export function timeChart(r: Results, weights: OpWeights): Chart {
  const b = r.manifest.study.default_budget;
  const rows: Chart["rows"][number][] = [];
  // Ring degrees priced with costs carried from the study preset's N, per framework.
  const carried = new Map<string, number[]>();
  for (const t of r.timings) {
    const h = r.prune.find((p) =>
      p.model === t.model && p.framework === t.framework &&
      p.method === (t.variant === "mosaic" ? "mosaic" : "hunter") && p.budget === b
    );
    const l = h?.layers.find((x) => x.name === t.layer);
    const unit = weights.byFramework[t.framework];
    if (!l || !unit) continue;
    // Each part at its own ring degree N, with the run's costs at that N where it measured them.
    const side = t.variant === "unpruned" ? "dense" : "pruned";
    const predicted = layerMs(l, side, t.framework, unit, weights.byRing?.[t.framework]);
    for (const n of predicted.carried) {
      const list = carried.get(t.framework) ?? [];
      if (!list.includes(n)) carried.set(t.framework, [...list, n].sort((a, b) => a - b));
    }
    // One statistic on both sides: the run's unit costs are the fastest batches of each op.
    const measured = timedMs(t, r.manifest.timing);
    rows.push({
      model: t.model,
      layer: t.layer,
      framework: t.framework,
      variant: t.variant,
      n: predicted.rings.join("+"),
      carried_n: predicted.carried.join("+"),
      measured_ms: Number(measured.toFixed(3)),
      predicted_ms: Number(predicted.ms.toFixed(2)),
      ratio: Number((measured / Math.max(1e-9, predicted.ms)).toFixed(3)),
    });
  }
  const vals = rows.flatMap((x) => [x.measured_ms as number, x.predicted_ms as number]).filter((
    v,
  ) => v > 0);
  // A log axis a little wider than the data on both sides.
  const lo = vals.length ? Number((Math.min(...vals) / 1.25).toPrecision(2)) : 1;
  const hi = vals.length ? Number((Math.max(...vals) * 1.25).toPrecision(2)) : 10;
  return {
    name: "time_vs_predicted",
    title: `Measured server time per layer vs predicted (${weights.name} unit costs)`,
    description:
      "Each point is one layer of one variant timed with deno bench (server compute only, " +
      `verified before timing), read as ${statisticWords(r)}; colour is the variant ` +
      "(unpruned, Hunter, MOSAIC), shape the " +
      `framework; the dashed line is measured = predicted. Both log axes run ${
        domainText([lo, hi])
      } ms. Each part of a layer is priced at its own ring degree N (the n column).` +
      carriedWords(carried),
    rows,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: `Measured vs predicted server time per layer (${title(r)})`,
      width: Math.round(PAGE_WIDTH * 0.55),
      height: Math.round(PAGE_WIDTH * 0.45),
      layer: [
        {
          data: { values: [{ v: lo }, { v: hi }] },
          mark: { type: "line", color: "#999", strokeDash: [4, 4] },
          encoding: {
            x: {
              field: "v",
              type: "quantitative",
              scale: { type: "log", domain: [lo, hi], nice: false },
            },
            y: {
              field: "v",
              type: "quantitative",
              scale: { type: "log", domain: [lo, hi], nice: false },
            },
          },
        },
        {
          data: { values: rows },
          mark: { type: "point", filled: true, size: 60 },
          encoding: {
            x: {
              field: "predicted_ms",
              type: "quantitative",
              scale: { type: "log", domain: [lo, hi], nice: false },
              title: "predicted (ms)",
            },
            y: {
              field: "measured_ms",
              type: "quantitative",
              scale: { type: "log", domain: [lo, hi], nice: false },
              title: "measured (ms)",
            },
            color: { field: "variant", type: "nominal", scale: VARIANT_COLORS, title: "variant" },
            shape: { field: "framework", type: "nominal", title: "framework" },
            tooltip: [{ field: "model" }, { field: "layer" }, { field: "ratio" }],
          },
        },
      ],
      config: CHART_CONFIG,
    },
  };
}

/**
 * (d) HE cost deleted vs retained saliency across budgets, both methods.
 *
 * @example One point per pruning row
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { tradeoffChart } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 * import { reportWeights } from "./report.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * assertEquals(tradeoffChart(r, reportWeights(r, null)[0]).rows.length, r.prune.length);
 * ```
 */
export function tradeoffChart(r: Results, weights: OpWeights): Chart {
  const rows: Chart["rows"][number][] = r.prune.flatMap((p) => {
    const unit = weights.byFramework[p.framework];
    if (!unit) return [];
    return [{
      model: p.model,
      framework: p.framework,
      method: p.method,
      budget: p.budget,
      retained_saliency: p.retained_saliency,
      cost_deleted_pct: Number(
        (100 - rowCostPct(p, unit, weights.byRing?.[p.framework])).toFixed(2),
      ),
    }];
  });
  return {
    name: "tradeoff",
    title: "HE cost deleted vs retained saliency, across sparsity budgets",
    description:
      "Up and right is better: more HE cost deleted while keeping more of the weights' " +
      "squared L2 norm. One point per budget. Each panel's axes are zoomed to its own data " +
      "(the ticks give the range), so the two methods can be told apart; MOSAIC − Hunter at " +
      "equal retained saliency is the light bars of the first chart.",
    rows,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: `HE cost deleted vs retained saliency (${title(r)})`,
      data: { values: rows },
      facet: {
        row: { field: "model", type: "nominal", title: null },
        column: { field: "framework", type: "nominal", title: "framework" },
      },
      resolve: { scale: { x: "independent", y: "independent" } },
      spec: {
        width: panelWidth(new Set(rows.map((x) => x.framework)).size),
        height: 170,
        mark: { type: "line", point: true },
        encoding: {
          x: {
            field: "retained_saliency",
            type: "quantitative",
            title: "retained saliency",
            scale: { zero: false },
          },
          y: {
            field: "cost_deleted_pct",
            type: "quantitative",
            title: "HE cost deleted (%)",
            scale: { zero: false },
          },
          color: { field: "method", type: "nominal", scale: METHOD_COLORS, title: "method" },
          order: { field: "budget" },
        },
      },
      config: CHART_CONFIG,
    },
  };
}

/**
 * (e) Nonlinear (OT / GC) communication beside the linear layers' HE communication.
 *
 * @example A linear and a nonlinear bar per model and framework
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { nonlinearChart } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * assertEquals(nonlinearChart(r).rows.length, 2 * r.nonlinear.length);
 * ```
 */
export function nonlinearChart(r: Results): Chart {
  const rows: Chart["rows"][number][] = r.nonlinear.flatMap((n) => [
    { model: n.model, framework: n.framework, part: "linear (HE ciphertexts)", mb: n.linear_mb },
    {
      model: n.model,
      framework: n.framework,
      part: "nonlinear (ReLU, MaxPool)",
      mb: n.nonlinear_mb,
    },
  ]);
  return {
    name: "nonlinear",
    title: "Communication: linear layers (HE) vs nonlinear layers (OT / GC)",
    description: r.nonlinear.map((n) => `${n.model} ${n.framework}: ${n.source}`).join("; "),
    rows,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: `Communication per inference, MB (${title(r)})`,
      data: { values: rows },
      facet: { column: { field: "framework", type: "nominal", title: "framework" } },
      spec: {
        width: panelWidth(new Set(rows.map((x) => x.framework)).size),
        height: 220,
        mark: "bar",
        encoding: {
          x: { field: "model", type: "nominal", title: "model", axis: { labelAngle: -30 } },
          xOffset: { field: "part", type: "nominal" },
          y: {
            field: "mb",
            type: "quantitative",
            title: "MB (log scale)",
            scale: { type: "log" },
            stack: null,
          },
          // Not a method: colours no method chart uses.
          color: {
            field: "part",
            type: "nominal",
            title: "layers",
            scale: { range: ["#54a24b", "#b279a2"] },
          },
        },
      },
      config: CHART_CONFIG,
    },
  };
}

/**
 * (f) The papers' comparison: HE cost (% of unpruned) against fine-tuned test accuracy, Hunter
 * and MOSAIC, a panel per framework and a row per model, every measured (budget, seed) point,
 * the unpruned accuracy minus each δ as dashed rules, and the MOSAIC paper's published cost (a
 * different model and dataset) as a labelled rule in VGG-16 panels. Null for results without the
 * accuracy loop.
 *
 * @example Measured points, and the paper's cost in a VGG-16 panel
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { isoChart } from "./_charts.ts";
 * import type { Results } from "../study/mod.ts";
 *
 * const row = (method: string, budget: number, cost_pct: number, finetuned: number) => ({
 *   model: "vgg16-fashionmnist-trained", framework: "gazelle", method, budget, seed: 1, cost_pct,
 *   accuracy: { one_shot: 0.1, finetuned }, layers: [],
 * });
 * const r = {
 *   manifest: { study: { accuracy: { deltas: [0.5, 1] }, width: 0.25, profile: "quick" } },
 *   prune: [row("hunter", 0.5, 40, 0.92), row("mosaic", 0.5, 38, 0.921)],
 *   accuracy: { unpruned: [{ model: "vgg16-fashionmnist-trained", accuracy: 0.93 }] },
 * } as unknown as Results;
 * const c = isoChart(r)!;
 * assertEquals(c.rows.filter((x) => x.kind === "measured").length, 2);
 * assert(c.rows.some((x) => x.kind === "paper"));
 * ```
 */
export function isoChart(r: Results): Chart | null {
  const acc = r.accuracy;
  if (!acc) return null;
  const deltas = r.manifest.study.accuracy?.deltas ?? [0.5, 1];
  const rows: Chart["rows"][number][] = [];
  for (const p of r.prune) {
    if (!p.accuracy) continue;
    rows.push({
      kind: "measured",
      model: p.model,
      framework: p.framework,
      method: p.method,
      budget: p.budget,
      seed: p.seed ?? null,
      accuracy_pct: Number((100 * p.accuracy.finetuned).toFixed(2)),
      one_shot_pct: Number((100 * p.accuracy.one_shot).toFixed(2)),
      cost_pct: Number(p.cost_pct.toFixed(2)),
      label: null,
    });
  }
  const pairs = [...new Set(rows.map((x) => `${x.model}\u0000${x.framework}`))];
  for (const pair of pairs) {
    const [model, framework] = pair.split("\u0000");
    const base = acc.unpruned.find((u) => u.model === model)?.accuracy;
    if (base === undefined) continue;
    rows.push({
      kind: "unpruned",
      model,
      framework,
      accuracy_pct: Number((100 * base).toFixed(2)),
      cost_pct: 100,
      label: "unpruned",
    });
    for (const d of deltas) {
      rows.push({
        kind: "threshold",
        model,
        framework,
        accuracy_pct: Number((100 * base - d).toFixed(2)),
        label: `unpruned − ${d}`,
      });
    }
    const paper = PAPER_NUMBERS.find((x) => x.framework === framework);
    if (paper && model.startsWith("vgg16")) {
      rows.push({
        kind: "paper",
        model,
        framework,
        cost_pct: paper.cost_pct,
        label: `MOSAIC paper, VGG-16/Tiny ImageNet: ${paper.cost_pct}%`,
      });
    }
  }
  const only = (k: string) => ({ filter: { field: "kind", equal: k } });
  // The question lives near the unpruned accuracy: show 10 points below it to 1 above; points
  // further down (budgets that lost the accuracy) are off the chart and in the data table.
  const bases = acc.unpruned.map((u) => 100 * u.accuracy);
  const lo = Math.floor(Math.min(...bases) - 10), hi = Math.ceil(Math.max(...bases) + 1);
  return {
    name: "iso_accuracy",
    title: "HE cost vs fine-tuned accuracy (the papers' comparison)",
    description:
      "Down and right is better: less HE cost at higher test accuracy after the same masked " +
      "fine-tune. One point per budget and seed; the black diamond is the unpruned model. Dashed lines: the unpruned model's accuracy " +
      `minus ${deltas.join(" and ")} points; the iso-accuracy cost of a method is where its ` +
      "curve crosses them. Dotted: the MOSAIC paper's published cost for VGG-16 on Tiny " +
      "ImageNet (another dataset and model size, not reproduced here). The axis shows 10 points " +
      "below the unpruned accuracy to 1 above; points further down are in the data table.",
    rows,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title:
        "HE cost vs fine-tuned test accuracy (trained models, same fine-tune for both methods)",
      data: { values: rows },
      facet: {
        row: { field: "model", type: "nominal", title: null },
        column: { field: "framework", type: "nominal", title: "framework" },
      },
      resolve: { scale: { x: "independent" } },
      spec: {
        width: panelWidth(new Set(rows.map((x) => x.framework)).size),
        height: 180,
        layer: [
          {
            // Points left of the axis are dropped, not clipped (far off-canvas geometry crashes
            // resvg's PNG renderer); they stay in the data table.
            transform: [only("measured"), { filter: { field: "accuracy_pct", gte: lo } }],
            mark: { type: "line", point: true, strokeWidth: 1.5 },
            encoding: {
              x: {
                field: "accuracy_pct",
                type: "quantitative",
                title: "fine-tuned test accuracy (%)",
                scale: { domain: [lo, hi] },
              },
              y: { field: "cost_pct", type: "quantitative", title: "HE cost (% of unpruned)" },
              color: { field: "method", type: "nominal", scale: METHOD_COLORS, title: "method" },
              detail: { field: "seed", type: "nominal" },
              order: { field: "budget" },
              tooltip: [
                { field: "method" },
                { field: "budget" },
                { field: "seed" },
                { field: "accuracy_pct" },
                { field: "one_shot_pct" },
                { field: "cost_pct" },
              ],
            },
          },
          {
            transform: [only("unpruned")],
            mark: { type: "point", shape: "diamond", filled: true, color: "#222", size: 60 },
            encoding: {
              x: { field: "accuracy_pct", type: "quantitative" },
              y: { field: "cost_pct", type: "quantitative" },
            },
          },
          {
            transform: [only("threshold")],
            mark: { type: "rule", strokeDash: [4, 3], color: "#555" },
            encoding: { x: { field: "accuracy_pct", type: "quantitative" } },
          },
          {
            transform: [only("paper")],
            mark: { type: "rule", strokeDash: [1, 2], color: "#4c78a8" },
            encoding: { y: { field: "cost_pct", type: "quantitative" } },
          },
          {
            transform: [only("paper")],
            mark: { type: "text", align: "left", dy: -6, fontSize: 10, color: "#4c78a8" },
            encoding: {
              x: { datum: lo },
              y: { field: "cost_pct", type: "quantitative" },
              text: { field: "label" },
            },
          },
        ],
      },
      config: CHART_CONFIG,
    },
  };
}

/**
 * Every chart of a results file that has data, in report order: MOSAIC − Hunter, iso-accuracy
 * (with the accuracy loop), total cost, per-layer ops of each model and framework, cost deleted
 * per framework, time vs predicted (when layers were timed), trade-off, nonlinear.
 *
 * @example The sample results' charts
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { allCharts } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 * import { reportWeights } from "./report.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * assertEquals(allCharts(r, reportWeights(r, null)).map((c) => c.name), [
 *   "mosaic_minus_hunter",
 *   "total_cost",
 *   "layers_vgg16-cifar10_gazelle",
 *   "layers_vgg16-cifar10_cryptflow2",
 *   "layers_resnet18-cifar10_gazelle",
 *   "layers_resnet18-cifar10_cryptflow2",
 *   "savings_by_framework",
 *   "time_vs_predicted",
 *   "tradeoff",
 *   "nonlinear",
 * ]);
 * // Without timings there is no timing chart (no chart without data).
 * const untimed = allCharts({ ...r, timings: [] }, reportWeights(r, null)).map((c) => c.name);
 * assertEquals(untimed.includes("time_vs_predicted"), false);
 * ```
 */
export function allCharts(r: Results, weights: readonly OpWeights[]): Chart[] {
  const iso = isoChart(r);
  // Per-budget charts show the first seed's pruning (seeds differ only in MOSAIC's assembly).
  const first = r.manifest.study.accuracy?.seeds[0];
  r = { ...r, prune: r.prune.filter((p) => p.seed === undefined || p.seed === first) };
  const charts: (Chart | null)[] = [
    weights[0] ? deltaChart(r, weights[0].byFramework) : null,
    iso,
    totalCostChart(r, weights),
  ];
  for (const model of r.manifest.study.models) {
    for (const fw of r.manifest.study.frameworks) charts.push(layerChart(r, model, fw));
  }
  // Predicted ms set against measured ones are priced with the run's own calibration; every
  // cost % with the report's first weights (the reference table).
  const run = {
    name: r.manifest.unit_costs_name ?? "node-seal unit costs of the run",
    byFramework: r.manifest.unit_costs,
    ...(r.manifest.unit_costs_by_n ? { byRing: r.manifest.unit_costs_by_n } : {}),
  };
  if (weights[0]) charts.push(savingsChart(r, weights[0]));
  charts.push(timeChart(r, run));
  if (weights[0]) charts.push(tradeoffChart(r, weights[0]));
  charts.push(nonlinearChart(r));
  return charts.filter((c): c is Chart => c !== null && c.rows.length > 0);
}
