/**
 * The tfjs training engine (tfjs-core + tfjs-backend-wasm inside Deno): a Worker pool behind the
 * `TrainEngine` interface, and the in-process runner each Worker uses.
 *
 * @module
 */
export { TfjsEngine, type TfjsEngineOptions } from "./engine.ts";
export {
  evaluateInProcess,
  logitsInProcess,
  prepareStep,
  type StepBench,
  trainInProcess,
} from "./runner.ts";
