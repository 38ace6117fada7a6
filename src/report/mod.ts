/**
 * Reports: results (from `src/study/`) turned into Vega-Lite charts, their headless rendering (SVG,
 * PNG), `index.html`, `summary.md`, and the iso-accuracy table. Runs nothing.
 *
 * @example Render the shipped sample results into a folder
 * ```ts
 * import { assert } from "@std/assert";
 * import { renderReport } from "./mod.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const dir = await Deno.makeTempDir();
 * const written = await renderReport(r, dir, null);
 * assert(written.includes("charts/total_cost.png"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export {
  allCharts,
  type Chart,
  CHART_CONFIG,
  costPct,
  isoChart,
  layerChart,
  nonlinearChart,
  type OpWeights,
  timeChart,
  totalCostChart,
  tradeoffChart,
} from "./charts.ts";
export { renderPng, renderSvg } from "./render.ts";
export { agreement, headline, indexHtml, type IsoLine, isoLines, summaryMarkdown } from "./html.ts";
export { renderReport, reportWeights } from "./report.ts";
