/**
 * A report from results: every chart (Vega-Lite JSON, SVG, PNG), `index.html`, `summary.md`,
 * `benchmark.json` and `headline.csv`, written into one output folder all at once (every file or
 * none). Runs nothing; the numbers come from the results.
 *
 * @module
 */
import { OutputDir } from "../base/mod.ts";
import { type NamedWeights, NATIVE_SEAL_RATIOS } from "../cost/mod.ts";
import type { Results } from "../study/mod.ts";
import { allCharts } from "./_charts.ts";
import { indexHtml, summaryMarkdown } from "./html.ts";
import { benchmarkEntries, headlineCsv } from "./_exports.ts";
import { REFERENCE_UNIT_COSTS_NAME, referenceUnitCosts } from "./_compare.ts";
import { renderPng, renderSvg } from "./_render.ts";

/**
 * The op weights every HE cost % of the report is priced with: the reference unit costs (the
 * built-in node-seal table `deno task prune` and `deno task cost` use) first, then the user's
 * weights or, by default, native SEAL's ratios. The run's own calibration prices the predicted
 * milliseconds set against measured ones (the time chart), not these.
 *
 * @example Without user weights: the reference table, then native SEAL's ratios
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { reportWeights } from "./report.ts";
 *
 * const r = { manifest: { unit_costs: {}, study: { frameworks: ["gazelle"] } }, prune: [] };
 * const w = reportWeights(r as never, null);
 * assertEquals(w.map((x) => x.name), [
 *   "the reference unit costs (the built-in node-seal table)",
 *   "native SEAL ratios",
 * ]);
 * assertEquals(Object.keys(w[0].byFramework), ["gazelle"]);
 * ```
 */
export function reportWeights(r: Results, extra: NamedWeights | null): NamedWeights[] {
  return [
    { name: REFERENCE_UNIT_COSTS_NAME, byFramework: referenceUnitCosts(r) },
    extra ?? NATIVE_SEAL_RATIOS,
  ];
}

/**
 * Render every chart (Vega-Lite JSON, SVG, PNG), `index.html`, `summary.md`, `benchmark.json`
 * (the timings in github-action-benchmark's `customSmallerIsBetter` format) and `headline.csv`
 * (every MOSAIC − Hunter comparison) into `out`: a folder path, or an `OutputDir` the caller
 * opened (and commits, with files of its own: it writes the `results.json` the pages link). Given
 * a path, `results.json` is written too, and the whole report is staged and moved into place only
 * when every file was rendered: a report that fails leaves the folder as it was. Predictions are
 * shown under the run's unit costs and under `extra` op weights, or native SEAL's ratios when
 * `extra` is null; `progress` receives one line per chart. Returns the PNG paths written,
 * relative to the folder, in chart order.
 *
 * @example Render the shipped sample results into a folder
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { renderReport } from "./report.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const dir = await Deno.makeTempDir();
 * const written = await renderReport(r, dir, null);
 * assert(written.every((p) => p.startsWith("charts/") && p.endsWith(".png")));
 * for (const f of ["index.html", "summary.md", "results.json", "benchmark.json", "headline.csv"]) {
 *   assertEquals((await Deno.stat(`${dir}/${f}`)).isFile, true, f);
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function renderReport(
  r: Results,
  out: string | OutputDir,
  extra: NamedWeights | null,
  progress: (line: string) => void = () => {},
): Promise<string[]> {
  if (typeof out !== "string") return await stageReport(r, out, extra, progress);
  await using dir = await OutputDir.open(out, "report folder");
  const written = await stageReport(r, dir, extra, progress);
  // The pages link the results they were rendered from.
  await dir.write("results.json", JSON.stringify(r, null, 1));
  await dir.commit();
  return written;
}

/** Stage every file of the report into `out` (the caller commits). */
async function stageReport(
  r: Results,
  out: OutputDir,
  extra: NamedWeights | null,
  progress: (line: string) => void,
): Promise<string[]> {
  const weights = reportWeights(r, extra);
  const charts = allCharts(r, weights);
  const written: string[] = [];
  for (const [i, c] of charts.entries()) {
    progress(`rendering ${i + 1}/${charts.length}: ${c.name}`);
    const svg = await renderSvg(c.spec);
    await out.write(`charts/${c.name}.vl.json`, JSON.stringify(c.spec, null, 2));
    await out.write(`charts/${c.name}.svg`, svg);
    await out.write(`charts/${c.name}.png`, await renderPng(svg));
    written.push(`charts/${c.name}.png`);
  }
  await out.write("index.html", indexHtml(r, weights, charts));
  await out.write("summary.md", summaryMarkdown(r, weights, charts));
  await out.write("benchmark.json", JSON.stringify(benchmarkEntries(r), null, 1) + "\n");
  await out.write("headline.csv", headlineCsv(r));
  return written;
}
