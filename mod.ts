/**
 * mosaic-bench: a benchmark harness for HE-friendly pruning in private inference. Linear layers
 * compile to HE plans per framework (GAZELLE today), which are counted without encryption and
 * executed on node-seal with exact verification against integer reference layers.
 *
 * @example
 * ```ts
 * import { closeEnvs, executeProgram, getPreset, parseLayerSpec, planLayer, randomModT,
 *   referenceLayer, Rng, syntheticLayer } from "./mod.ts";
 *
 * const preset = getPreset("gazelle-secure");
 * const layer = syntheticLayer("demo", parseLayerSpec("conv:h=8,w=8,ci=2,co=2,k=3"), 1);
 * const x = randomModT(2 * 8 * 8, preset.plainModulus, new Rng(2));
 * const run = await executeProgram(planLayer(layer, { framework: "gazelle", preset }), x);
 * const ref = referenceLayer(layer, x, preset.plainModulus);
 * if (!run.result.every((v, i) => v === ref[i])) throw new Error("mismatch");
 * closeEnvs();
 * ```
 *
 * @module
 */
export * from "./src/he/mod.ts";
export * from "./src/nn/mod.ts";
export * from "./src/frameworks/mod.ts";
export * from "./src/cost/mod.ts";
export * from "./src/report/mod.ts";
export * from "./src/prune/mod.ts";
export * from "./src/train/mod.ts";
