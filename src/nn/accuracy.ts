/**
 * Top-1 accuracy of a network on a fitted image set: batched through onnxruntime-web (one session
 * of the exported network with a dynamic batch dimension), or image by image through the IR's own
 * forward pass, the slow oracle the batched path is checked against.
 *
 * @module
 */
import { UserError } from "../base/mod.ts";
import { forward } from "./forward.ts";
import type { ImageSet } from "./images.ts";
import { inferShapes, type Network } from "./network.ts";
import { exportOnnx } from "./onnx.ts";
import { openOnnx, ortDescription } from "./ort.ts";

/**
 * How inference runs: `ort` (onnxruntime-web, batched; fast) or `ir` (the IR's forward pass, image
 * by image; the slow oracle).
 */
export type InferenceEngine = "ort" | "ir";

/** Options of `evaluateAccuracy`. */
export interface AccuracyOptions {
  /** What runs inference (default `ort`). */
  readonly engine?: InferenceEngine;
  /** Images per onnxruntime run: at most this (default 256), fewer for large activations. */
  readonly batch?: number;
  /** wasm threads of onnxruntime-web (default 1). */
  readonly threads?: number;
  /** Called after every batch (every image for `ir`) with the images done so far and the total. */
  readonly progress?: (done: number, total: number) => void;
}

/** Top-1 accuracy, the predicted class of every image, and how fast they were computed. */
export interface AccuracyResult {
  /** Top-1 accuracy in [0, 1]: correct / images (0 for an empty set). */
  readonly accuracy: number;
  /** Images whose predicted class is their label. */
  readonly correct: number;
  /** Images evaluated (the set's n). */
  readonly images: number;
  /** The predicted class (argmax of the logits, the first on ties) of every image, in set order. */
  readonly predictions: Uint16Array;
  /** Wall-clock seconds of inference (including the onnxruntime session's creation). */
  readonly seconds: number;
  /** Images per wall-clock second (0 when no time was measured). */
  readonly samplesPerSecond: number;
  /** What ran it, e.g. "onnxruntime-web 1.30.0 (wasm, 1 thread)". */
  readonly engine: string;
}

function checkInput(net: Network, set: ImageSet): void {
  const { c, h, w } = net.input;
  if (set.c !== c || set.h !== h || set.w !== w) {
    throw new UserError(
      `${net.name} takes ${c}×${h}×${w} inputs; ${set.name} has ${set.c}×${set.h}×${set.w}: fit it first (fitToNetwork)`,
    );
  }
}

/** Per channel, the normalized float of every pixel value: x = (v/255 − mean) / std. */
function lookup(set: ImageSet): Float32Array[] {
  return Array.from(
    { length: set.c },
    (_, c) => Float32Array.from({ length: 256 }, (_, v) => (v / 255 - set.mean[c]) / set.std[c]),
  );
}

/** Normalize images [from, to) of a set into `out` (NCHW). */
function fill(set: ImageSet, lut: Float32Array[], from: number, to: number, out: Float32Array) {
  const hw = set.h * set.w;
  for (let i = from, o = 0; i < to; i++) {
    for (let c = 0; c < set.c; c++) {
      const t = lut[c], base = (i * set.c + c) * hw;
      for (let p = 0; p < hw; p++, o++) out[o] = t[set.pixels[base + p]];
    }
  }
}

/** Index of the largest of `k` values at `y[off]` (the first on ties). */
function argmax(y: Float32Array, off: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (y[off + j] > y[off + best]) best = j;
  return best;
}

/**
 * Images per batch: at most `limit`, and few enough that the largest activation of the batch stays
 * near 64 MiB (wide networks on large inputs would otherwise exhaust wasm memory).
 */
function batchSize(net: Network, limit: number): number {
  let largest = net.input.c * net.input.h * net.input.w;
  for (const s of inferShapes(net).values()) {
    largest = Math.max(
      largest,
      s.reduce((a, b) => a * b, 1),
    );
  }
  return Math.max(1, Math.min(limit, Math.floor((64 << 20) / (4 * largest))));
}

/**
 * The top-1 class of every image by the IR's forward pass (Float64 accumulation): the oracle.
 *
 * @example Equal images, equal predictions
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { predictIr } from "./accuracy.ts";
 * import { tinyBatchNorm } from "./fixtures.ts";
 *
 * const set = {
 *   name: "x", n: 2, c: 3, h: 8, w: 8, pixels: new Uint8Array(2 * 192).fill(9),
 *   labels: Uint8Array.from([0, 1]), classes: 2, mean: [0, 0, 0], std: [1, 1, 1], fitted: "",
 * };
 * const p = predictIr(tinyBatchNorm(), set);
 * assertEquals([p.length, p[0]], [2, p[1]]);
 * ```
 */
export function predictIr(
  net: Network,
  set: ImageSet,
  progress?: (done: number, total: number) => void,
): Uint16Array {
  checkInput(net, set);
  const lut = lookup(set), x = new Float32Array(set.c * set.h * set.w);
  const out = new Uint16Array(set.n);
  for (let i = 0; i < set.n; i++) {
    fill(set, lut, i, i + 1, x);
    const y = forward(net, x);
    out[i] = argmax(y, 0, y.length);
    progress?.(i + 1, set.n);
  }
  return out;
}

/**
 * The top-1 class of every image by onnxruntime-web: the network exported once with a dynamic
 * batch dimension, one session, batches of up to `batch` images.
 *
 * @example Batched predictions agree with the IR oracle
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { predictIr, predictOrt } from "./accuracy.ts";
 * import { fitToNetwork, loadFashionMnist } from "./images.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("vgg16-fashionmnist", { width: 0.125 });
 * const set = fitToNetwork(await loadFashionMnist("test", { limit: 20 }), net);
 * const p = await predictOrt(net, set, { batch: 8 });
 * assertEquals(p.length, 20);
 * assertEquals(p, predictIr(net, set));
 * ```
 */
export async function predictOrt(
  net: Network,
  set: ImageSet,
  opts: Omit<AccuracyOptions, "engine"> = {},
): Promise<Uint16Array> {
  checkInput(net, set);
  const out = new Uint16Array(set.n);
  if (set.n === 0) return out;
  const size = set.c * set.h * set.w;
  const classes = (inferShapes(net).get(net.output) ?? []).reduce((a, b) => a * b, 1);
  const batch = batchSize(net, opts.batch ?? 256);
  const lut = lookup(set), x = new Float32Array(Math.min(batch, set.n) * size);
  const session = await openOnnx(exportOnnx(net, { batch: "N" }), opts.threads ?? 1);
  try {
    for (let from = 0; from < set.n; from += batch) {
      const to = Math.min(set.n, from + batch), b = to - from;
      fill(set, lut, from, to, x);
      const y = await session.run(x.subarray(0, b * size), [b, set.c, set.h, set.w]);
      for (let i = 0; i < b; i++) out[from + i] = argmax(y, i * classes, classes);
      opts.progress?.(to, set.n);
    }
  } finally {
    await session.close();
  }
  return out;
}

/**
 * Top-1 accuracy of `net` on a fitted image set, batched through onnxruntime-web (default) or
 * through the IR's forward pass, with the predictions and the throughput. The set must already
 * fit the network's input (`fitToNetwork`, or `loadDatasetFor`); otherwise a `UserError`.
 *
 * @example A trained model on Fashion-MNIST
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { evaluateAccuracy } from "./accuracy.ts";
 * import { loadDatasetFor } from "./datasets.ts";
 * import { loadModel } from "./load.ts";
 *
 * const net = await loadModel("vgg16-fashionmnist-trained");
 * const set = await loadDatasetFor(net, { limit: 64 });
 * const r = await evaluateAccuracy(net, set);
 * assertEquals(r.images, 64);
 * assert(r.accuracy > 0.5 && r.samplesPerSecond > 0); // about 0.9 on the test set
 * ```
 */
export async function evaluateAccuracy(
  net: Network,
  set: ImageSet,
  opts: AccuracyOptions = {},
): Promise<AccuracyResult> {
  const engine = opts.engine ?? "ort";
  const started = performance.now();
  const predictions = engine === "ir"
    ? predictIr(net, set, opts.progress)
    : await predictOrt(net, set, opts);
  const seconds = (performance.now() - started) / 1000;
  let correct = 0;
  for (let i = 0; i < set.n; i++) if (predictions[i] === set.labels[i]) correct++;
  return {
    accuracy: set.n ? correct / set.n : 0,
    correct,
    images: set.n,
    predictions,
    seconds,
    samplesPerSecond: seconds > 0 ? set.n / seconds : 0,
    engine: engine === "ir"
      ? "IR forward pass (JavaScript, Float64 accumulation)"
      : await ortDescription(opts.threads ?? 1),
  };
}

/**
 * Top-1 accuracy of `net` on a fitted image set by the IR's forward pass (slow: the oracle; tasks
 * use `evaluateAccuracy`).
 *
 * @example One image: right or wrong
 * ```ts
 * import { assert } from "@std/assert";
 * import { accuracy } from "./accuracy.ts";
 * import { tinyBatchNorm } from "./fixtures.ts";
 *
 * const set = {
 *   name: "x", n: 1, c: 3, h: 8, w: 8, pixels: new Uint8Array(192),
 *   labels: Uint8Array.from([0]), classes: 2, mean: [0, 0, 0], std: [1, 1, 1], fitted: "",
 * };
 * const acc = accuracy(tinyBatchNorm(), set);
 * assert(acc === 0 || acc === 1);
 * ```
 */
export function accuracy(net: Network, set: ImageSet): number {
  const p = predictIr(net, set);
  let correct = 0;
  for (let i = 0; i < set.n; i++) if (p[i] === set.labels[i]) correct++;
  return set.n ? correct / set.n : 0;
}
