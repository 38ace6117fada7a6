/**
 * The report's pages: `index.html` and `summary.md`, both opening with the headline
 * (`_headline.ts`: the run, its unit costs and how well they predict, MOSAIC vs Hunter), then the
 * iso-accuracy and cost tables and the paper's numbers; `index.html` adds every chart with its
 * data table and the manifest, `summary.md` a list of the charts.
 *
 * @module
 */
import type { Chart, OpWeights } from "./_charts.ts";
import {
  filesLine,
  headlineNotes,
  headlineSections,
  HTML,
  MARKDOWN,
  metaLines,
} from "./_headline.ts";
import { PAPER_NUMBERS, type Results } from "../study/mod.ts";
import { type IsoLine, isoLines, rowCostPct } from "./_compare.ts";
import { escapeHtml as esc, escapeMarkdown as md } from "./_escape.ts";

function table(rows: Chart["rows"]): string {
  if (rows.length === 0) return "<p><em>no data</em></p>";
  const cols = Object.keys(rows[0]);
  const head = cols.map((c) => `<th>${esc(c)}</th>`).join("");
  const body = rows.map((r) => `<tr>${cols.map((c) => `<td>${esc(r[c])}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/**
 * Headline rows: cost % of unpruned per model, framework and method at the default budget, one
 * value per op weights (NaN where the weights have no unit costs for the framework).
 *
 * @example One row per (model, framework, method), one value per op weights
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { headline } from "./html.ts";
 * import { readResults } from "../study/mod.ts";
 * import { reportWeights } from "./report.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const rows = headline(r, reportWeights(r, null));
 * assertEquals(rows.length, 2 * 2 * 2); // models × frameworks × methods
 * assertEquals(rows[0].values.length, 2);
 * ```
 */
export function headline(
  r: Results,
  weights: readonly OpWeights[],
): { model: string; framework: string; method: string; values: number[]; saliency: number }[] {
  const b = r.manifest.study.default_budget, first = r.manifest.study.accuracy?.seeds[0];
  return r.prune.filter((p) => p.budget === b && (p.seed === undefined || p.seed === first)).map((
    p,
  ) => ({
    model: p.model,
    framework: p.framework,
    method: p.method,
    values: weights.map((w) =>
      w.byFramework[p.framework] ? rowCostPct(p, w.byFramework[p.framework]) : NaN
    ),
    saliency: p.retained_saliency,
  })).sort((a, b) =>
    a.model.localeCompare(b.model) || a.framework.localeCompare(b.framework) ||
    a.method.localeCompare(b.method)
  );
}

/** MOSAIC − Hunter as "mean ± sd (n seeds)". */
function differenceCell(l: IsoLine): string {
  if (l.mosaic_minus_hunter === null) return "–";
  const sd = l.difference_sd === null ? "" : ` ± ${l.difference_sd.toFixed(2)}`;
  const n = l.paired_seeds === 1 ? "1 seed" : `${l.paired_seeds} seeds`;
  return `${l.mosaic_minus_hunter.toFixed(2)}${sd} (${n})`;
}

/** No escaping: for text escaped as a whole afterwards. */
const plain = (s: unknown): string => String(s ?? "");

/** The accuracy loop in words; `e` escapes every value from the results (`md`, or `plain`). */
function accuracyLead(r: Results, e: (s: unknown) => string): string[] {
  const a = r.accuracy, spec = r.manifest.study.accuracy;
  if (!a || !spec) return [];
  return [
    `Test accuracy on ${e(a.test_images)} ${
      e(a.dataset)
    } test images after a masked fine-tune of ` +
    `${e(spec.recipe.epochs)} epoch over ${e(a.train_images)} training images (SGD momentum ` +
    `${e(spec.recipe.momentum)}, lr ${e(spec.recipe.lr)} ${e(spec.recipe.lrSchedule)}, batch ` +
    `${e(spec.recipe.batchSize)}, weight decay ${e(spec.recipe.weightDecay)}${
      spec.distill
        ? `, distillation α ${e(spec.distill.alpha)} T ${e(spec.distill.temperature)}`
        : ""
    }), the same for both methods; seeds ${e(spec.seeds.join(", "))}; engine ${e(a.engine)}. ` +
    `Unpruned: ${
      a.unpruned.map((u) => `${e(u.model)} ${(100 * u.accuracy).toFixed(2)}%`).join(", ")
    }. ${pruningLead(r, e)}`,
  ];
}

/** How both methods pruned, in words (older results without settings: say nothing). */
function pruningLead(r: Results, e: (s: unknown) => string): string {
  const p = r.manifest.study.pruning;
  if (!p) return "";
  const ranked = p.importance === "raw"
    ? "by the raw magnitude of the unfolded weights"
    : `by ${e(p.importance)} importance on BN-folded weights`;
  return `Both methods prune to a global weight sparsity, weights ranked ${ranked}, every ` +
    `layer and output channel keeping at least ${e(p.floor)} of its weights; structure kinds ` +
    `${e(p.kinds.join(", "))}; MOSAIC's basic unit: ${e(p.unit)}.`;
}

/** The headline's heading, which says when the weights are synthetic. */
function headlineHeading(r: Results): string {
  return "MOSAIC vs Hunter: HE cost left, % of unpruned (lower is better)" +
    (/synthetic|not trained/i.test(r.manifest.weights) ? ", synthetic untrained weights" : "");
}

/** The heading of the tool's own speed. */
const TOOL_HEADING = "The tool's own speed (deno bench, wall clock, ms)";

/**
 * One row per bench of the tool's own speed (`manifest.tool_benches`: `deno task report
 * --tool-benches`), ms to 4 significant digits; none when the run did not time the tool.
 *
 * @example A bench's fastest, mean and slowest sample
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { toolBenchRows } from "./html.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * assertEquals(toolBenchRows(r), []);
 * const stats = { n: 3, mean: 812.34567, min: 790.1, max: 850, p75: 830, p99: 850 };
 * const tool = { file: "bench/cost_tables_bench.ts", name: "cost_table/gazelle/vgg16-cifar10", stats };
 * assertEquals(toolBenchRows({ ...r, manifest: { ...r.manifest, tool_benches: [tool] } }), [
 *   { bench: tool.name, file: tool.file, samples: "3", min: "790.1", mean: "812.3", max: "850" },
 * ]);
 * ```
 */
export function toolBenchRows(r: Results): Record<string, string>[] {
  const ms = (x: number) => String(Number(x.toPrecision(4)));
  return (r.manifest.tool_benches ?? []).map((b) => ({
    bench: b.name,
    file: b.file,
    samples: String(b.stats.n),
    min: ms(b.stats.min),
    mean: ms(b.stats.mean),
    max: ms(b.stats.max),
  }));
}

/** A Markdown table of plain-text rows (every cell escaped). */
function mdTable(rows: readonly Record<string, string>[]): string[] {
  if (rows.length === 0) return ["*no comparison*"];
  const cols = Object.keys(rows[0]);
  return [
    `| ${cols.map(md).join(" | ")} |`,
    `| ${cols.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${cols.map((c) => md(row[c])).join(" | ")} |`),
  ];
}

/**
 * `summary.md` text: the headline (run, weights, unit costs and how well they predict, MOSAIC vs
 * Hunter per framework), then the iso-accuracy table, the cost table per op weights, the paper's
 * numbers and the chart list.
 *
 * @example A run with no rows still has its headline and says nothing was timed
 * ```ts
 * import { assert } from "@std/assert";
 * import { summaryMarkdown } from "./html.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const md = summaryMarkdown({ ...r, prune: [], timings: [] }, [], []);
 * assert(md.startsWith("# mosaic-bench report"));
 * assert(md.includes("Under GAZELLE, no model was pruned by both methods"));
 * assert(md.includes("No layers were timed in this run"));
 * ```
 */
export function summaryMarkdown(
  r: Results,
  weights: readonly OpWeights[],
  charts: readonly Chart[],
): string {
  const s = r.manifest.study;
  const lines = [
    "# mosaic-bench report",
    "",
    ...metaLines(r, charts, MARKDOWN).map((l) => `- ${l}`),
    "",
    filesLine(MARKDOWN),
    "",
    `## ${md(headlineHeading(r))}`,
    "",
  ];
  for (const h of headlineSections(r, MARKDOWN)) lines.push(h.sentence, "", ...mdTable(h.rows), "");
  lines.push(...headlineNotes(r, MARKDOWN).flatMap((n) => [n, ""]));
  lines.push(
    ...(r.accuracy
      ? [
        "## HE cost at iso-accuracy, % of unpruned (lower is better)",
        "",
        ...accuracyLead(r, md),
        "",
        "| model | framework | δ (points) | unpruned acc. % | Hunter | MOSAIC | MOSAIC − Hunter |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        ...isoLines(r).map((l) =>
          `| ${md(l.model)} | ${
            md(l.framework)
          } | ${l.delta} | ${l.unpruned_pct} | ${l.hunter} | ${l.mosaic} | ${differenceCell(l)} |`
        ),
        "",
        "Each cost is the lowest HE cost whose fine-tuned accuracy is within δ of the unpruned " +
        "model's, interpolated between measured budgets (mean ± sd over the seeds that reached it, " +
        "[min, max], and how many did when not all); MOSAIC − Hunter is the mean ± sd of the " +
        "per-seed differences (the same fine-tuning seed pairs them); ≤ marks a method that kept the accuracy at " +
        "every budget measured.",
        "",
      ]
      : []),
    `## HE cost of the linear layers per op weights, % of unpruned (weight sparsity ${
      md(s.default_budget)
    })`,
    "",
    `| model | framework | method | ${
      weights.map((w) => md(w.name)).join(" | ")
    } | retained saliency |`,
    `| --- | --- | --- | ${weights.map(() => "---").join(" | ")} | --- |`,
    ...headline(r, weights).map((h) =>
      `| ${md(h.model)} | ${md(h.framework)} | ${md(h.method)} | ${
        h.values.map((v) => v.toFixed(2)).join(" | ")
      } | ${md(h.saliency)} |`
    ),
    "",
    "Published by the MOSAIC paper (trained VGG-16 on Tiny ImageNet, the authors' code; not " +
      "reproduced here, shown for reference):",
    "",
    ...PAPER_NUMBERS.map((p) =>
      `- ${md(p.model)} under ${md(p.framework)}: ${p.cost_pct}% (${md(p.source)})`
    ),
    "",
  );
  const tool = toolBenchRows(r);
  if (tool.length > 0) lines.push(`## ${TOOL_HEADING}`, "", ...mdTable(tool), "");
  lines.push("## Charts", "");
  for (const c of charts) {
    lines.push(`- [${md(c.title)}](charts/${c.name}.svg) ([PNG](charts/${c.name}.png))`);
  }
  return lines.join("\n") + "\n";
}

/** `value` as key → text rows, nested objects and arrays of objects spelled out as `a.b[0].c`. */
function flatten(value: unknown, key = ""): { field: string; value: string }[] {
  if (Array.isArray(value) && value.some((v) => v !== null && typeof v === "object")) {
    return value.flatMap((v, i) => flatten(v, `${key}[${i}]`));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => flatten(v, key ? `${key}.${k}` : k));
  }
  return [{ field: key, value: Array.isArray(value) ? value.join(", ") : String(value) }];
}

/**
 * `index.html` text: the headline (run, weights, unit costs and how well they predict, MOSAIC vs
 * Hunter per framework), the report's data files, the iso-accuracy and cost tables, every chart
 * (SVG, with PNG and Vega-Lite links) with its data, and the manifest as a folded table.
 *
 * @example The page links every chart and the data files
 * ```ts
 * import { assert } from "@std/assert";
 * import { indexHtml } from "./html.ts";
 * import { allCharts } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 * import { reportWeights } from "./report.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const w = reportWeights(r, null);
 * const html = indexHtml(r, w, allCharts(r, w));
 * assert(html.includes('<img src="charts/tradeoff.svg"'));
 * assert(html.includes('<a href="benchmark.json">') && html.includes('<a href="headline.csv">'));
 * ```
 */
export function indexHtml(
  r: Results,
  weights: readonly OpWeights[],
  charts: readonly Chart[],
): string {
  const head = headline(r, weights);
  const sections = charts.map((c) => `
<section id="${esc(c.name)}">
<h2>${esc(c.title)}</h2>
<p>${esc(c.description)}</p>
<img src="charts/${esc(c.name)}.svg" alt="${esc(c.title)}">
<p><a href="charts/${esc(c.name)}.png">PNG</a> · <a href="charts/${
    esc(c.name)
  }.vl.json">Vega-Lite spec</a></p>
<details><summary>data (${c.rows.length} rows)</summary>
${table(c.rows)}
</details>
</section>`).join("\n");
  // The tool's benches have their own table.
  const { tool_benches: _, ...rest } = r.manifest;
  const manifest = flatten(rest);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mosaic-bench report</title>
<style>
body{font-family:"DejaVu Sans",sans-serif;margin:1.5em 2em;color:#222}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f4f4f4}img{max-width:100%}
.meta{background:#fff4d6;padding:.5em 1em .5em 2em;border-left:4px solid #e0a800}
.headline p{font-size:16px;max-width:80em}
</style></head><body>
<h1>mosaic-bench report</h1>
<ul class="meta">
${metaLines(r, charts, HTML).map((l) => `<li>${l}</li>`).join("\n")}
</ul>
<p>${filesLine(HTML)}</p>
<section class="headline">
<h2>${esc(headlineHeading(r))}</h2>
${headlineSections(r, HTML).map((h) => `<p>${h.sentence}</p>\n${table(h.rows)}`).join("\n")}
${headlineNotes(r, HTML).map((n) => `<p>${n}</p>`).join("\n")}
</section>
${
    r.accuracy
      ? `<h2>HE cost at iso-accuracy, % of unpruned (lower is better)</h2>
<p>${esc(accuracyLead(r, plain).join(" "))}</p>
${table(isoLines(r) as unknown as Chart["rows"])}`
      : ""
  }
<h2>HE cost per op weights, % of unpruned (sparsity ${esc(r.manifest.study.default_budget)})</h2>
${
    table(head.map((h) => ({
      model: h.model,
      framework: h.framework,
      method: h.method,
      ...Object.fromEntries(weights.map((w, i) => [w.name, h.values[i]])),
      retained_saliency: h.saliency,
    })))
  }
<p>The MOSAIC paper's published numbers (trained VGG-16, Tiny ImageNet; not ours): ${
    PAPER_NUMBERS.map((p) => `${esc(p.framework)} ${esc(p.cost_pct)}%`).join(", ")
  }.</p>
${sections}
${
    r.manifest.tool_benches?.length
      ? `<h2>${esc(TOOL_HEADING)}</h2>\n${table(toolBenchRows(r))}`
      : ""
  }
<h2>Manifest</h2>
<details><summary>manifest (${manifest.length} fields)</summary>
${table(manifest)}
</details>
</body></html>
`;
}
