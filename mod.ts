/**
 * mosaic-bench: a benchmark harness for HE-friendly pruning in private inference. A CNN's linear
 * layers compile to HE programs per framework (GAZELLE, CrypTFlow2), which are counted without
 * encryption, executed on node-seal with exact verification against integer reference layers,
 * pruned with Hunter and MOSAIC, and studied at equal accuracy.
 *
 * This module is the short list of entry points. Each folder's full face is a subpath export:
 * `./base`, `./he`, `./nn`, `./frameworks`, `./cost`, `./prune`, `./train`, `./study`, `./report`.
 * Nothing heavy loads on import: node-seal, onnxruntime-web, tfjs and the chart renderers load on
 * first use.
 *
 * @example Plan a layer, count its ops, run it under encryption and check it exactly
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import {
 *   closeEnvs, countProgram, executeProgram, getPreset, parseLayerSpec, planLayer, randomModT,
 *   referenceLayer, SeededRng, syntheticLayer,
 * } from "./mod.ts";
 *
 * const preset = getPreset("gazelle-secure");
 * const layer = syntheticLayer("demo", parseLayerSpec("conv:h=8,w=8,ci=2,co=2,k=3"), 1);
 * const program = planLayer(layer, { framework: "gazelle", preset });
 * assertEquals(countProgram(program).mult, 27);
 * const x = randomModT(2 * 8 * 8, preset.plainModulus, new SeededRng(2));
 * const run = await executeProgram(program, x);
 * assertEquals(run.result, referenceLayer(layer, x, preset.plainModulus));
 * closeEnvs();
 * ```
 *
 * @module
 */
export { randomModT, SeededRng, UserError } from "./src/base/mod.ts";
export {
  closeEnvs,
  countProgram,
  executeProgram,
  type ExecutionReport,
  getPreset,
  type LayerProgram,
  type OpCounts,
  type Preset,
  presetNames,
} from "./src/he/mod.ts";
export {
  buildZoo,
  importOnnx,
  type IntLayer,
  type LayerShape,
  loadModel,
  type Network,
  parseLayerSpec,
  referenceLayer,
  syntheticLayer,
} from "./src/nn/mod.ts";
export { FRAMEWORKS, planLayer, type PlanOptions } from "./src/frameworks/mod.ts";
export { type LayerSummary, modelCost, programSummary } from "./src/cost/mod.ts";
export { prune, type PruneOptions, type PruneResult } from "./src/prune/mod.ts";
export {
  DEFAULT_STUDY,
  readResults,
  type Results,
  runStudy,
  type StudySpec,
} from "./src/study/mod.ts";
export { renderReport } from "./src/report/mod.ts";
