/**
 * BatchNorm in training mode with its gradient written out, as two kernels of the wasm backend
 * that run in JavaScript on the wasm heap (channels last, any leading shape).
 *
 * Forward (m values per channel): μ = mean(x), σ² = mean((x − μ)²) (biased), x̂ = (x − μ) /
 * √(σ² + ε), y = γ·x̂ + β. Backward: dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/√(σ² + ε) · (dy − dβ/m −
 * x̂·dγ/m). Each is two passes over the map with Float64 per-channel sums. tfjs's own pieces cost
 * far more: the stock gradient tiles per-channel tensors to the map's size, the wasm backend's
 * reductions over [N, H, W] transpose the whole map first, and its FusedBatchNorm is a scalar loop.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";

/** What the kernels need of the wasm backend. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

/** What the backward pass needs of a forward pass. */
export interface BatchNormSaved {
  /** The normalized input x̂. */
  readonly xhat: tf.Tensor;
  /** γ / √(σ² + ε) per channel. */
  readonly gain: tf.Tensor1D;
}

/** The output, the batch statistics (biased variance) and what backward needs. */
export interface BatchNormForward {
  readonly y: tf.Tensor;
  readonly mean: tf.Tensor1D;
  readonly variance: tf.Tensor1D;
  readonly saved: BatchNormSaved;
}

const FORWARD = "MosaicBatchNormTrain";
const BACKWARD = "MosaicBatchNormTrainGrad";

/** Inputs {x, scale, offset}, attrs {epsilon} → [y, x̂, mean, biased variance, gain]. */
const forwardKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, scale, offset } = inputs as Record<string, TensorInfo>;
  const b = backend as unknown as HeapBackend;
  const eps = (attrs as { epsilon: number }).epsilon;
  const c = x.shape[x.shape.length - 1];
  const outs = [
    b.makeOutput(x.shape, "float32"),
    b.makeOutput(x.shape, "float32"),
    b.makeOutput([c], "float32"),
    b.makeOutput([c], "float32"),
    b.makeOutput([c], "float32"),
  ];
  // Views after every allocation: growing the heap detaches older views.
  const [y, xhat, mean, variance, gain] = outs.map((t) => b.typedArrayFromHeap(t));
  const xs = b.typedArrayFromHeap(x), g = b.typedArrayFromHeap(scale);
  const beta = b.typedArrayFromHeap(offset);
  const n = xs.length, m = n / c;
  const s1 = new Float64Array(c), s2 = new Float64Array(c);
  for (let i = 0; i < n; i += c) {
    for (let k = 0; k < c; k++) {
      const v = xs[i + k];
      s1[k] += v;
      s2[k] += v * v;
    }
  }
  const mu = new Float32Array(c), inv = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    const mk = s1[k] / m;
    const vk = Math.max(0, s2[k] / m - mk * mk);
    mu[k] = mean[k] = mk;
    variance[k] = vk;
    inv[k] = 1 / Math.sqrt(vk + eps);
    gain[k] = g[k] * inv[k];
  }
  for (let i = 0; i < n; i += c) {
    for (let k = 0; k < c; k++) {
      const h = (xs[i + k] - mu[k]) * inv[k];
      xhat[i + k] = h;
      y[i + k] = g[k] * h + beta[k];
    }
  }
  return outs;
};

/** Inputs {dy, xhat, gain} → [dx, dγ, dβ]. */
const backwardKernel: KernelFunc = ({ inputs, backend }) => {
  const { dy, xhat, gain } = inputs as Record<string, TensorInfo>;
  const b = backend as unknown as HeapBackend;
  const c = dy.shape[dy.shape.length - 1];
  const outs = [
    b.makeOutput(dy.shape, "float32"),
    b.makeOutput([c], "float32"),
    b.makeOutput([c], "float32"),
  ];
  const [dx, dgamma, dbeta] = outs.map((t) => b.typedArrayFromHeap(t));
  const d = b.typedArrayFromHeap(dy), h = b.typedArrayFromHeap(xhat);
  const a = b.typedArrayFromHeap(gain);
  const n = d.length, m = n / c;
  const sd = new Float64Array(c), sdh = new Float64Array(c);
  for (let i = 0; i < n; i += c) {
    for (let k = 0; k < c; k++) {
      sd[k] += d[i + k];
      sdh[k] += d[i + k] * h[i + k];
    }
  }
  const shift = new Float32Array(c), slope = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    dbeta[k] = sd[k];
    dgamma[k] = sdh[k];
    shift[k] = sd[k] / m;
    slope[k] = sdh[k] / m;
  }
  for (let i = 0; i < n; i += c) {
    for (let k = 0; k < c; k++) dx[i + k] = a[k] * (d[i + k] - shift[k] - h[i + k] * slope[k]);
  }
  return outs;
};

let registered = false;

/** Register the two kernels on the wasm backend (once, after it is ready). */
export function registerBatchNormKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: FORWARD, backendName: "wasm", kernelFunc: forwardKernel });
  tf.registerKernel({ kernelName: BACKWARD, backendName: "wasm", kernelFunc: backwardKernel });
}

/**
 * Training-mode BatchNorm of a channels-last map with the batch statistics.
 *
 * @example Every channel comes out with mean β and standard deviation ≈ γ
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { loadTfjs } from "./_backend.ts";
 * import { batchNormForward } from "./_batch_norm.ts";
 *
 * await loadTfjs();
 * const x = tf.randomNormal([4, 3, 3, 2], 5, 2);
 * const { y } = batchNormForward(x, tf.tensor1d([2, 1]), tf.tensor1d([0, 1]), 1e-5);
 * const m = tf.moments(y, [0, 1, 2]);
 * const mean = m.mean.arraySync() as number[], sd = tf.sqrt(m.variance).arraySync() as number[];
 * if (Math.abs(mean[1] - 1) > 1e-4 || Math.abs(sd[0] - 2) > 1e-3) throw new Error();
 * ```
 */
export function batchNormForward(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): BatchNormForward {
  const [y, xhat, mean, variance, gain] = tf.engine().runKernel(
    FORWARD,
    { x, scale: gamma, offset: beta },
    { epsilon },
  ) as tf.Tensor[];
  return {
    y,
    mean: mean as tf.Tensor1D,
    variance: variance as tf.Tensor1D,
    saved: { xhat, gain: gain as tf.Tensor1D },
  };
}

/** Gradients of a training-mode BatchNorm: dx, dγ, dβ. */
export function batchNormBackward(
  dy: tf.Tensor,
  saved: BatchNormSaved,
): { dx: tf.Tensor; dgamma: tf.Tensor1D; dbeta: tf.Tensor1D } {
  const [dx, dgamma, dbeta] = tf.engine().runKernel(
    BACKWARD,
    { dy, xhat: saved.xhat, gain: saved.gain },
    {},
  ) as tf.Tensor[];
  return { dx, dgamma: dgamma as tf.Tensor1D, dbeta: dbeta as tf.Tensor1D };
}
