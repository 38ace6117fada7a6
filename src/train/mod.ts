/**
 * Training and masked fine-tuning of IR networks: the engine interface, recipes compiled to
 * schedules, and the engines.
 *
 * @module
 */
export type { Evaluation, Optimizer, TrainEngine, TrainJob, TrainResult } from "./engine.ts";
export { checkRecipe, compileSchedule, type Recipe, type Schedule } from "./schedule.ts";
export {
  evaluateInProcess,
  logitsInProcess,
  TfjsEngine,
  type TfjsEngineOptions,
  trainInProcess,
} from "./tfjs/mod.ts";
