/**
 * Plaintext inference with onnxruntime-web (root import, wasm backend): the float oracle a
 * transformed model is compared against, and the batched engine of accuracy runs. Never mixed with
 * HE timings.
 *
 * @module
 */
import type * as Ort from "onnxruntime-web";

let ortModule: Promise<typeof Ort> | null = null;

/** onnxruntime-web (about 140 MB of wasm and JavaScript), loaded on first use, not on import. */
function loadOrt(): Promise<typeof Ort> {
  ortModule ??= import("onnxruntime-web");
  return ortModule;
}

/**
 * What runs a session, for reports: package, version, backend and threads.
 *
 * @example The description names the package and the thread count
 * ```ts
 * import { assertMatch } from "@std/assert";
 * import { ortDescription } from "./ort.ts";
 *
 * assertMatch(await ortDescription(2), /^onnxruntime-web 1\.\d+\.\d+ \(wasm, 2 threads\)$/);
 * ```
 */
export async function ortDescription(threads = 1): Promise<string> {
  const ort = await loadOrt();
  return `onnxruntime-web ${
    ort.env.versions.web ?? ort.env.versions.common
  } (wasm, ${threads} thread${threads === 1 ? "" : "s"})`;
}

/** One loaded ONNX model: run it on NCHW inputs as often as needed, then close it. */
export interface OnnxSession {
  /** Run the model's first input on `x` of the given shape; returns its first output. */
  run(x: Float32Array, shape: readonly number[]): Promise<Float32Array>;
  /** Free the wasm memory. */
  close(): Promise<void>;
}

/**
 * Load an ONNX model into an onnxruntime-web session (wasm backend, all graph optimizations);
 * `threads` sets the wasm thread count. Loading costs far more than a run: open once, run many.
 *
 * @example Open once, run a batch of two
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { openOnnx } from "./ort.ts";
 * import { exportOnnx } from "./onnx.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("vgg16-fashionmnist", { width: 0.125 });
 * const session = await openOnnx(exportOnnx(net, { batch: "N" }));
 * try {
 *   const y = await session.run(new Float32Array(2 * 32 * 32), [2, 1, 32, 32]);
 *   assertEquals(y.length, 2 * 10);
 * } finally {
 *   await session.close();
 * }
 * ```
 */
export async function openOnnx(model: Uint8Array, threads = 1): Promise<OnnxSession> {
  const ort = await loadOrt();
  ort.env.wasm.numThreads = threads;
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  const input = session.inputNames[0], output = session.outputNames[0];
  return {
    async run(x, shape) {
      const out = await session.run({ [input]: new ort.Tensor("float32", x, [...shape]) });
      const y = Float32Array.from(out[output].data as Float32Array);
      for (const t of Object.values(out)) t.dispose();
      return y;
    },
    async close() {
      await session.release();
    },
  };
}

/**
 * Run an ONNX model (its bytes, e.g. from `exportOnnx`) once on one NCHW input `x` of `shape`
 * with onnxruntime-web and return its first output, flattened; `threads` sets the wasm thread
 * count. Each call opens and closes a session.
 *
 * @example onnxruntime-web agrees with the IR's forward pass
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { runOnnx } from "./ort.ts";
 * import { exportOnnx } from "./onnx.ts";
 * import { forward } from "./forward.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const x = new Float32Array(3 * 32 * 32).fill(0.5);
 * const y = await runOnnx(exportOnnx(net), x, [1, 3, 32, 32]);
 * const ir = forward(net, x);
 * assertEquals(y.length, 10);
 * assert(y.every((v, i) => Math.abs(v - ir[i]) <= 1e-3 * Math.max(1, Math.abs(ir[i]))));
 * ```
 */
export async function runOnnx(
  model: Uint8Array,
  x: Float32Array,
  shape: readonly number[],
  threads = 1,
): Promise<Float32Array> {
  const session = await openOnnx(model, threads);
  try {
    return await session.run(x, shape);
  } finally {
    await session.close();
  }
}
