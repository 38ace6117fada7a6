/**
 * The report's pages: `index.html` (every chart with its data table, the manifest) and
 * `summary.md` (headline totals, the paper's numbers beside ours, measured vs predicted).
 *
 * @module
 */
import type { Chart, OpWeights } from "./_charts.ts";
import { PAPER_NUMBERS, type Results } from "../study/mod.ts";
import { costPct, type IsoLine, isoLines } from "./_compare.ts";
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
      w.byFramework[p.framework] ? costPct(p, w.byFramework[p.framework]) : NaN
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

/**
 * Median measured / predicted ratio per framework, with the number of timed layers it is over
 * (empty if nothing was timed).
 *
 * @example Both frameworks of the sample results were timed
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { agreement } from "./html.ts";
 * import { allCharts } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 * import { reportWeights } from "./report.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const a = agreement(allCharts(r, reportWeights(r, null)));
 * assertEquals(Object.keys(a).sort(), ["cryptflow2", "gazelle"]);
 * assertEquals(a.gazelle.n + a.cryptflow2.n, r.timings.length);
 * ```
 */
export function agreement(charts: readonly Chart[]): Record<string, { median: number; n: number }> {
  const t = charts.find((c) => c.name === "time_vs_predicted");
  const by = new Map<string, number[]>();
  for (const row of t?.rows ?? []) {
    const l = by.get(String(row.framework)) ?? [];
    l.push(Number(row.ratio));
    by.set(String(row.framework), l);
  }
  const out: Record<string, { median: number; n: number }> = {};
  for (const [fw, l] of by) {
    l.sort((a, b) => a - b);
    out[fw] = { median: l[l.length >> 1], n: l.length };
  }
  return out;
}

/**
 * `summary.md` text.
 *
 * @example A run with nothing in it still has the headings
 * ```ts
 * import { assert } from "@std/assert";
 * import { summaryMarkdown } from "./html.ts";
 *
 * const r = { manifest: { study: { default_budget: 0.7, width: 1, profile: "full", models: [], frameworks: [] }, git_sha: "x", weights: "synthetic" }, prune: [], timings: [], nonlinear: [], shards: [] };
 * const md = summaryMarkdown(r as never, [], []);
 * assert(md.startsWith("# mosaic-bench report"));
 * assert(md.includes("No layers were timed in this run."));
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
    `Commit ${md(r.manifest.git_sha)}, ${md(r.manifest.cpu)}, Deno ${
      md(r.manifest.deno)
    }, node-seal ` +
    `${md(r.manifest.node_seal)} (SEAL ${md(r.manifest.seal)}); ${md(s.profile)} profile, ` +
    `${s.width === 1 ? "full-width models" : `models at width ${md(s.width)}`}; weights: ` +
    `**${md(r.manifest.weights)}**.`,
    "",
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
    `## HE cost of the linear layers, % of unpruned (weight sparsity ${md(s.default_budget)})`,
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
    "## Measured vs predicted server time per layer",
    "",
  ];
  const ag = agreement(charts);
  if (Object.keys(ag).length === 0) lines.push("No layers were timed in this run.");
  for (const [fw, a] of Object.entries(ag)) {
    lines.push(`- ${md(fw)}: median measured / predicted = ${a.median} over ${a.n} timed layers`);
  }
  lines.push("", "## Charts", "");
  for (const c of charts) {
    lines.push(`- [${md(c.title)}](charts/${c.name}.svg) ([PNG](charts/${c.name}.png))`);
  }
  return lines.join("\n") + "\n";
}

/**
 * `index.html` text: every chart (SVG, with PNG and Vega-Lite links), its data, the manifest.
 *
 * @example The page links every chart
 * ```ts
 * import { assert } from "@std/assert";
 * import { indexHtml } from "./html.ts";
 * import { allCharts } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 * import { reportWeights } from "./report.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const w = reportWeights(r, null);
 * assert(indexHtml(r, w, allCharts(r, w)).includes('<img src="charts/tradeoff.svg"'));
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
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mosaic-bench report</title>
<style>
body{font-family:"DejaVu Sans",sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f4f4f4}img{max-width:100%}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}
.warn{background:#fff4d6;padding:.5em 1em;border-left:4px solid #e0a800}
</style></head><body>
<h1>mosaic-bench report</h1>
<p class="warn">Weights: <strong>${esc(r.manifest.weights)}</strong>. Presets: ${
    r.manifest.presets.map((p) => `${esc(p.name)} (${esc(p.security)})`).join("; ")
  }.</p>
${
    r.accuracy
      ? `<h2>Headline: HE cost at iso-accuracy, % of unpruned (lower is better)</h2>
<p>${esc(accuracyLead(r, plain).join(" "))}</p>
${table(isoLines(r) as unknown as Chart["rows"])}`
      : ""
  }
<h2>HE cost, % of unpruned (sparsity ${esc(r.manifest.study.default_budget)})</h2>
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
<h2>Manifest</h2>
<pre>${esc(JSON.stringify(r.manifest, null, 2))}</pre>
</body></html>
`;
}
