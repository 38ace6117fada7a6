/**
 * Load tfjs with its WebAssembly backend (XNNPACK, SIMD, single thread) once per isolate, and
 * register this engine's kernels and gradients on it.
 *
 * Deno resolves the npm package to a file in `node_modules` (or the npm cache); the backend is
 * told to load its `.wasm` binaries from the directory of that file. Under Deno, tfjs detects
 * "Node" and turns wasm threads off (forcing them fails), so parallelism comes from Workers.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths, version_wasm } from "@tensorflow/tfjs-backend-wasm";
import { registerBatchNormKernels } from "./_batch_norm.ts";
import { registerConvGradients } from "./_conv_grads.ts";
import { registerMaxPoolGradKernel } from "./_max_pool_grad.ts";

let ready: Promise<typeof tf> | undefined;

/** tfjs-core, ready on the wasm backend with the engine's kernels (idempotent). */
export function loadTfjs(): Promise<typeof tf> {
  return ready ??= (async () => {
    const entry = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
    setWasmPaths(new URL("./", entry).href);
    if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend failed to start");
    await tf.ready();
    registerConvGradients();
    registerBatchNormKernels();
    registerMaxPoolGradKernel();
    return tf;
  })();
}

/** The versions and mode of the loaded backend, e.g. "tfjs 4.22.0 (wasm, SIMD, 1 thread)". */
export function tfjsDescription(): string {
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  return `tfjs ${tf.version_core} (wasm ${version_wasm}${simd ? ", SIMD" : ""}, 1 thread)`;
}
