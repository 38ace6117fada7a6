/**
 * The study: its spec and profiles, running it (prune every model with Hunter and MOSAIC at every
 * budget, count every layer, fine-tune and measure accuracy, time layers through `deno bench`),
 * the results store (`results.json`, prune files) and the manifest every result carries.
 *
 * @example The default study is valid and charts one of its budgets
 * ```ts
 * import { assert } from "@std/assert";
 * import { checkStudy, DEFAULT_STUDY } from "./mod.ts";
 *
 * checkStudy({ ...DEFAULT_STUDY, profile: "quick", width: 0.25 });
 * assert(DEFAULT_STUDY.budgets.includes(DEFAULT_STUDY.default_budget));
 * ```
 *
 * @module
 */
export { buildManifest, type Manifest, manifestSchema } from "./manifest.ts";
export {
  type AccuracyResults,
  type AccuracySpec,
  type BenchStats,
  type LayerOps,
  type LayerResult,
  mergeShards,
  type NonlinearRow,
  parseResults,
  type PruneRow,
  readResults,
  type Results,
  RESULTS_FORMAT,
  type ResultsManifest,
  resultsSchema,
  type StudyPruning,
  type StudySpec,
  timedMs,
  type TimingManifest,
  type TimingRow,
  type ToolBench,
} from "./results.ts";
export { runToolBenches, TOOL_BENCH_FILES, type ToolBenchFile } from "./tool_benches.ts";
export {
  checkStudy,
  DEFAULT_STUDY,
  inShard,
  isTrained,
  PAPER_NUMBERS,
  parseShard,
  preloadStudyModels,
  type Profile,
  PROFILE_ACCURACY,
  PROFILE_WIDTH,
  profileOf,
  PROFILES,
  REPRESENTATIVE_LAYERS,
  type Shard,
  studyModel,
  studyPreset,
  studyVariants,
} from "./study.ts";
export {
  calibratedWeights,
  type CalibrationOptions,
  loadAverage,
  type LoopOptions,
  runStudy,
  unitCostsOrigin,
} from "./run.ts";
export {
  BENCH_MASKS_ENV,
  type BenchMasks,
  readBenchVariants,
  withBenchMasks,
} from "./bench_masks.ts";
export { type LayerMs, layerMs } from "./layer_ms.ts";
export { type IsoReading, type IsoRow, type IsoSeed, meanSd } from "./iso_accuracy.ts";
export {
  type PruneFile,
  type PruneFileJson,
  pruneFileSchema,
  pruneFileText,
  readPruneFile,
} from "./prune_file.ts";
