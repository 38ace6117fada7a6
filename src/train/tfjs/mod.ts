/**
 * The tfjs engine's step benchmark (what `bench/train_bench.ts` times): one SGD step of a network
 * in this isolate, with tfjs-core and tfjs-backend-wasm. Importing this module loads tfjs; the
 * engine itself (a Worker pool behind `TrainEngine`) is opened with `openEngine("tfjs")` from
 * `src/train/mod.ts`.
 *
 * @module
 */
export { prepareStep, type StepBench } from "./runner.ts";
