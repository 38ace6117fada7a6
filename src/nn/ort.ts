/**
 * Plaintext inference with onnxruntime-web (root import, wasm backend): the float oracle a
 * transformed model is compared against. Never mixed with HE timings.
 *
 * @module
 */
import * as ort from "onnxruntime-web";

/**
 * Run an ONNX model on one NCHW input with onnxruntime-web; `threads` sets the wasm thread count.
 *
 * @example
 * ```ts
 * import { runOnnx } from "./ort.ts";
 * import { exportOnnx } from "./onnx.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const y = await runOnnx(exportOnnx(net), new Float32Array(3 * 32 * 32), [1, 3, 32, 32]);
 * if (y.length !== 10) throw new Error();
 * ```
 */
export async function runOnnx(
  model: Uint8Array,
  x: Float32Array,
  shape: readonly number[],
  threads = 1,
): Promise<Float32Array> {
  ort.env.wasm.numThreads = threads;
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  try {
    const input = session.inputNames[0];
    const out = await session.run({ [input]: new ort.Tensor("float32", x, [...shape]) });
    return Float32Array.from(out[session.outputNames[0]].data as Float32Array);
  } finally {
    await session.release();
  }
}
