/**
 * Reports: the reproducibility manifest and atomic output files.
 *
 * @example
 * ```ts
 * import { buildManifest } from "./mod.ts";
 * import { getPreset } from "../he/mod.ts";
 *
 * const m = buildManifest([getPreset("gazelle")], { weights: 1 }, "synthetic");
 * console.log(m.presets[0].security); // NOT 128-bit secure (...)
 * ```
 *
 * @module
 */
export { buildManifest, cpuModel, gitSha, type Manifest, writeFileAtomic } from "./manifest.ts";
export { programSummary } from "./summary.ts";
