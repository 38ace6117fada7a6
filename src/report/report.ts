/**
 * A report from results: every chart (Vega-Lite JSON, SVG, PNG), `index.html` and `summary.md`,
 * written into one output folder all at once (every file or none). Runs nothing; the numbers come from the results.
 *
 * @module
 */
import { OutputDir } from "../base/mod.ts";
import { type NamedWeights, NATIVE_SEAL_RATIOS } from "../cost/mod.ts";
import type { Results } from "../study/mod.ts";
import { allCharts } from "./_charts.ts";
import { indexHtml, summaryMarkdown } from "./html.ts";
import { renderPng, renderSvg } from "./_render.ts";

/**
 * The op weights a report shows: the run's node-seal unit costs first, then the user's weights
 * or, by default, native SEAL's ratios.
 *
 * @example Without user weights: the run's unit costs, then native SEAL's ratios
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { reportWeights } from "./report.ts";
 *
 * const w = reportWeights({ manifest: { unit_costs: {} } } as never, null);
 * assertEquals(w.map((x) => x.name), ["node-seal unit costs of the run", "native SEAL ratios"]);
 * ```
 */
export function reportWeights(r: Results, extra: NamedWeights | null): NamedWeights[] {
  return [
    {
      name: r.manifest.unit_costs_name ?? "node-seal unit costs of the run",
      byFramework: r.manifest.unit_costs,
    },
    extra ?? NATIVE_SEAL_RATIOS,
  ];
}

/**
 * Render every chart (Vega-Lite JSON, SVG, PNG), `index.html` and `summary.md` into `out`: a
 * folder path, or an `OutputDir` the caller opened (and commits, with files of its own such as
 * `results.json`). Given a path, the whole report is staged and moved into place only when every
 * file was rendered: a report that fails leaves the folder as it was. Predictions are shown under
 * the run's unit costs and under `extra` op weights, or native SEAL's ratios when `extra` is null;
 * `progress` receives one line per chart. Returns the PNG paths written, relative to the folder,
 * in chart order.
 *
 * @example Render the shipped sample results into a folder
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { renderReport } from "./report.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const dir = await Deno.makeTempDir();
 * const written = await renderReport(r, dir, null);
 * assertEquals(written[0], "charts/mosaic_minus_hunter.png");
 * assertEquals((await Deno.stat(`${dir}/summary.md`)).isFile, true);
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
  return written;
}
