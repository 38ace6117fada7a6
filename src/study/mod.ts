/**
 * The study: its spec and profiles, running it (prune every model with Hunter and MOSAIC at every
 * budget, count every layer, fine-tune and measure accuracy, time layers through `deno bench`),
 * the results store (`results.json`, prune files) and the manifest every result carries.
 *
 * @example The default study is valid and names its budgets
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { checkStudy, DEFAULT_STUDY } from "./mod.ts";
 *
 * checkStudy({ ...DEFAULT_STUDY, profile: "quick", width: 0.25 });
 * assertEquals(DEFAULT_STUDY.default_budget, 0.7);
 * ```
 *
 * @module
 */
export { buildManifest, cpuModel, gitSha, type Manifest } from "./manifest.ts";
export {
  type AccuracyResults,
  type AccuracySpec,
  isoOf,
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
  type StudyPruning,
  type StudySpec,
  type TimingRow,
} from "./results.ts";
export {
  checkStudy,
  DEFAULT_STUDY,
  inShard,
  isTrained,
  nonlinearRow,
  PAPER_NUMBERS,
  parseShard,
  preloadStudyModels,
  type Profile,
  PROFILE_ACCURACY,
  PROFILE_WIDTH,
  profileOf,
  PROFILES,
  pruneRow,
  REPRESENTATIVE_LAYERS,
  type Shard,
  studyModel,
  studyPreset,
  studyPrune,
  studyVariants,
} from "./study.ts";
export { benchModel, calibratedWeights, type LoopOptions, runStudy } from "./run.ts";
export { BENCH_DIR, benchFileOf, MODEL_BENCH_FILES } from "./bench_files.ts";
export {
  type AccuracyPoint,
  isoCost,
  type IsoReading,
  type IsoRow,
  isoRows,
  type IsoSeed,
  meanSd,
} from "./iso_accuracy.ts";
export { type FinetuneTask, runAccuracyLoop } from "./accuracy_study.ts";
export { type PruneFile, pruneFileText, readPruneFile } from "./prune_file.ts";
