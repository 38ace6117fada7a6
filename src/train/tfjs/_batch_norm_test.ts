import { assert } from "@std/assert";
import * as tf from "@tensorflow/tfjs-core";
import { SeededRng } from "../../base/mod.ts";
import { loadTfjs } from "./_backend.ts";
import { batchNormBackward, batchNormForward } from "./_batch_norm.ts";

/** Forward and backward of training-mode BatchNorm by their definitions (Float64, NHWC). */
function naive(
  x: Float32Array,
  c: number,
  gamma: Float32Array,
  beta: Float32Array,
  dy: Float32Array,
  eps: number,
) {
  const m = x.length / c;
  const y = new Float64Array(x.length), dx = new Float64Array(x.length);
  const dgamma = new Float64Array(c), dbeta = new Float64Array(c);
  const mean = new Float64Array(c), variance = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let i = ch; i < x.length; i += c) s += x[i];
    const mu = s / m;
    let v = 0;
    for (let i = ch; i < x.length; i += c) v += (x[i] - mu) ** 2;
    v /= m;
    mean[ch] = mu;
    variance[ch] = v;
    const inv = 1 / Math.sqrt(v + eps);
    let sdy = 0, sdyx = 0;
    for (let i = ch; i < x.length; i += c) {
      const xh = (x[i] - mu) * inv;
      y[i] = gamma[ch] * xh + beta[ch];
      sdy += dy[i];
      sdyx += dy[i] * xh;
    }
    dbeta[ch] = sdy;
    dgamma[ch] = sdyx;
    // d/dx of Σ dy·y through μ and σ² (written without the closed form, by the chain rule).
    let dvar = 0, dmu = 0;
    for (let i = ch; i < x.length; i += c) {
      const dxh = dy[i] * gamma[ch];
      dvar += dxh * (x[i] - mu) * -0.5 * inv ** 3;
      dmu += -dxh * inv;
    }
    for (let i = ch; i < x.length; i += c) {
      dx[i] = dy[i] * gamma[ch] * inv + dvar * 2 * (x[i] - mu) / m + dmu / m;
    }
  }
  return { y, dx, dgamma, dbeta, mean, variance };
}

function relError(a: ArrayLike<number>, b: Float64Array): number {
  let err = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

Deno.test("training BatchNorm forward and gradient match their definitions (rel. error < 1e-5)", async () => {
  await loadTfjs();
  const rng = new SeededRng(3);
  for (const [n, h, w, c] of [[4, 5, 3, 6], [8, 1, 1, 3], [2, 7, 7, 1]]) {
    const size = n * h * w * c;
    const x = Float32Array.from(
      { length: size },
      () => 3 + 2 * rng.next() - 1 + (rng.next() > 0.9 ? 4 : 0),
    );
    const dy = Float32Array.from({ length: size }, () => 2 * rng.next() - 1);
    const gamma = Float32Array.from({ length: c }, () => 0.5 + rng.next());
    const beta = Float32Array.from({ length: c }, () => rng.next() - 0.5);
    const ref = naive(x, c, gamma, beta, dy, 1e-5);
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => {
      const f = batchNormForward(
        tf.tensor4d(x, [n, h, w, c]),
        tf.tensor1d(gamma),
        tf.tensor1d(beta),
        1e-5,
      );
      const b = batchNormBackward(tf.tensor4d(dy, [n, h, w, c]), f.saved);
      return [f.y, f.mean, f.variance, b.dx, b.dgamma, b.dbeta].map((t) => t.dataSync());
    });
    assert(tf.memory().numTensors === before, "tensors leaked");
    const [y, mean, variance, dx, dgamma, dbeta] = out;
    const errors = {
      y: relError(y, ref.y),
      mean: relError(mean, ref.mean),
      variance: relError(variance, ref.variance),
      dx: relError(dx, ref.dx),
      dgamma: relError(dgamma, ref.dgamma),
      dbeta: relError(dbeta, ref.dbeta),
    };
    assert(
      Object.values(errors).every((e) => e < 1e-5),
      `${[n, h, w, c]}: ${JSON.stringify(errors)}`,
    );
  }
});
