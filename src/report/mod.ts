/**
 * Reports: results (from `src/study/`) turned into Vega-Lite charts, their headless rendering (SVG,
 * PNG), `index.html`, `summary.md`, and the iso-accuracy table. Runs nothing.
 *
 * `renderReport` writes the whole report into a folder; `isoLines` gives the iso-accuracy table
 * (HE cost of both methods at equal accuracy) as rows. The renderers (Vega, resvg, fonts) load on
 * the first render, not on import.
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
export { type IsoLine, isoLines } from "./_compare.ts";
export { renderReport } from "./report.ts";
