/**
 * Reports: the manifest every output carries, the results store, the study, the Vega-Lite
 * charts, their headless rendering (SVG, PNG) and the report pages.
 *
 * @example
 * ```ts
 * import { buildManifest } from "./mod.ts";
 * import { getPreset } from "../he/mod.ts";
 *
 * console.log(buildManifest([getPreset("gazelle")], { weights: 1 }, "synthetic").presets[0].security);
 * ```
 *
 * @module
 */
export { buildManifest, cpuModel, gitSha, type Manifest, writeFileAtomic } from "../study/manifest.ts";
export { programSummary } from "../cost/summary.ts";
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
  type StudySpec,
  type TimingRow,
} from "../study/results.ts";
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
} from "../study/study.ts";
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
export {
  benchModel,
  calibratedWeights,
  type LoopOptions,
  renderReport,
  reportWeights,
  runStudy,
} from "../study/run.ts";
export {
  type AccuracyPoint,
  isoCost,
  type IsoReading,
  type IsoRow,
  isoRows,
  type IsoSeed,
} from "../study/iso_accuracy.ts";
export { type FinetuneTask, runAccuracyLoop } from "../study/accuracy_study.ts";
