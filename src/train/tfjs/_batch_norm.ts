/**
 * BatchNorm in training mode with its gradient written out, over NHWC maps.
 *
 * Forward (m = N·H·W values per channel): μ = mean(x), σ² = mean((x − μ)²) (biased), x̂ = (x − μ)
 * / √(σ² + ε), y = γ·x̂ + β. Backward: dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/√(σ² + ε) · (dy − dβ/m − x̂·
 * dγ/m). Per-channel vectors broadcast against the map; nothing is tiled to the map's size (the
 * stock tfjs gradient tiles, which cost a third of a VGG step). Per-channel affine maps a·x + b run
 * as one FusedBatchNorm pass (mean 0, variance 1, ε = 0).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** What the backward pass needs of a forward pass. */
export interface BatchNormSaved {
  /** The normalized input x̂. */
  readonly xhat: tf.Tensor4D;
  /** γ / √(σ² + ε) per channel. */
  readonly gain: tf.Tensor1D;
}

/** The output, the batch statistics (biased variance) and what backward needs. */
export interface BatchNormForward {
  readonly y: tf.Tensor4D;
  readonly mean: tf.Tensor1D;
  readonly variance: tf.Tensor1D;
  readonly saved: BatchNormSaved;
}

/** a·x + b per channel (last axis) in one pass. */
export function affine(x: tf.Tensor4D, a: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor4D {
  const c = a.shape[0];
  return tf.tidy(() =>
    tf.batchNorm4d(x, tf.zeros([c]) as tf.Tensor1D, tf.ones([c]) as tf.Tensor1D, b, a, 0)
  );
}

/**
 * Training-mode BatchNorm of an NHWC map with the batch statistics.
 *
 * @example Every channel comes out with mean β and standard deviation ≈ γ
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { loadTfjs } from "./_backend.ts";
 * import { batchNormForward } from "./_batch_norm.ts";
 *
 * await loadTfjs();
 * const x = tf.randomNormal([4, 3, 3, 2], 5, 2) as tf.Tensor4D;
 * const { y } = batchNormForward(x, tf.tensor1d([2, 1]), tf.tensor1d([0, 1]), 1e-5);
 * const m = tf.moments(y, [0, 1, 2]);
 * const mean = m.mean.arraySync() as number[], sd = tf.sqrt(m.variance).arraySync() as number[];
 * if (Math.abs(mean[1] - 1) > 1e-4 || Math.abs(sd[0] - 2) > 1e-3) throw new Error();
 * ```
 */
export function batchNormForward(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): BatchNormForward {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]) as {
      mean: tf.Tensor1D;
      variance: tf.Tensor1D;
    };
    const xhat = tf.batchNorm4d(x, mean, variance, undefined, undefined, epsilon);
    const y = affine(xhat, gamma, beta);
    const gain = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon))) as tf.Tensor1D;
    return { y, mean, variance, saved: { xhat, gain } };
  });
}

/** Gradients of a training-mode BatchNorm: dx, dγ, dβ. */
export function batchNormBackward(
  dy: tf.Tensor4D,
  saved: BatchNormSaved,
): { dx: tf.Tensor4D; dgamma: tf.Tensor1D; dbeta: tf.Tensor1D } {
  return tf.tidy(() => {
    const { xhat, gain } = saved;
    const m = dy.size / dy.shape[3];
    const dbeta = tf.sum(dy, [0, 1, 2]) as tf.Tensor1D;
    const dgamma = tf.sum(tf.mul(dy, xhat), [0, 1, 2]) as tf.Tensor1D;
    // dx = gain·dy − gain·dβ/m − x̂·(gain·dγ/m)
    const shifted = affine(dy, gain, tf.mul(gain, tf.div(dbeta, -m)) as tf.Tensor1D);
    const dx = tf.sub(shifted, tf.mul(xhat, tf.mul(gain, tf.div(dgamma, m)))) as tf.Tensor4D;
    return { dx, dgamma, dbeta };
  });
}
