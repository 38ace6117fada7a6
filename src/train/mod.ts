/**
 * Training and masked fine-tuning of IR networks: the engine interface, recipes compiled to
 * schedules, and the engines.
 *
 * @module
 */
export type { Evaluation, Optimizer, TrainEngine, TrainJob, TrainResult } from "./engine.ts";
export {
  checkRecipe,
  compileSchedule,
  type Recipe,
  type Schedule,
  scheduleHash,
} from "./schedule.ts";
export { initForTraining } from "./init.ts";
export { engineFlag, type EngineName, ENGINES, openEngine } from "./select.ts";
export { findTorch, TorchEngine, type TorchPython } from "./torch.ts";
export {
  DEFAULT_DISTILL,
  finetune,
  FINETUNE_RECIPE,
  type FinetuneInput,
  type FinetuneOutcome,
  prunedNonZero,
} from "./finetune.ts";
// The tfjs engine is reached through `openEngine` (a dynamic import: loading tfjs-wasm costs
// time and memory that planning and costing do not need), or directly from `./tfjs/mod.ts`.
