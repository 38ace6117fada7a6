/**
 * The training loss and its gradient with respect to the logits, written out (no autodiff):
 *
 * - cross-entropy from logits z (numerically stable via log-softmax), mean over the batch of N:
 *   CE = −(1/N) Σ_n log softmax(z_n)[y_n]; ∂CE/∂z = (softmax(z) − onehot(y)) / N.
 * - with a teacher (logits t, inference mode), temperature T and weight α: loss = (1 − α)·CE +
 *   α·T²·KL, KL = (1/N) Σ_n Σ_k p_k (log p_k − log q_k), p = softmax(t/T), q = softmax(z/T) (PyTorch:
 *   `kl_div(log_softmax(z/T), softmax(t/T), reduction="batchmean") * T*T`);
 *   ∂(T²·KL)/∂z = T·(q − p) / N.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** Distillation settings with the teacher's logits for the batch. */
export interface Teaching {
  readonly logits: tf.Tensor2D;
  readonly alpha: number;
  readonly temperature: number;
}

/**
 * Mean loss over the batch and its gradient with respect to the logits.
 *
 * @example Uniform logits cost log(classes)
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { loadTfjs } from "./_backend.ts";
 * import { lossAndGradient } from "./_loss.ts";
 *
 * await loadTfjs();
 * const onehot = tf.tensor2d([[0, 1, 0, 0], [0, 0, 0, 1]]);
 * const { loss, dlogits } = lossAndGradient(tf.zeros([2, 4]), onehot);
 * if (Math.abs(loss.dataSync()[0] - Math.log(4)) > 1e-6) throw new Error();
 * if (Math.abs(dlogits.dataSync()[1] - (0.25 - 1) / 2) > 1e-7) throw new Error();
 * ```
 */
export function lossAndGradient(
  logits: tf.Tensor2D,
  onehot: tf.Tensor2D,
  teaching?: Teaching,
): { loss: tf.Scalar; dlogits: tf.Tensor2D } {
  return tf.tidy(() => {
    const n = logits.shape[0];
    const logp = tf.logSoftmax(logits);
    const ce = tf.div(tf.neg(tf.sum(tf.mul(onehot, logp))), n) as tf.Scalar;
    const dce = tf.div(tf.sub(tf.exp(logp), onehot), n) as tf.Tensor2D;
    if (!teaching) return { loss: ce, dlogits: dce };
    const { alpha, temperature: T } = teaching;
    const logq = tf.logSoftmax(tf.div(logits, T));
    const logpt = tf.logSoftmax(tf.div(teaching.logits, T));
    const pt = tf.exp(logpt);
    const kl = tf.div(tf.sum(tf.mul(pt, tf.sub(logpt, logq))), n);
    const loss = tf.add(tf.mul(ce, 1 - alpha), tf.mul(kl, alpha * T * T)) as tf.Scalar;
    const dkd = tf.mul(tf.sub(tf.exp(logq), pt), alpha * T / n);
    return { loss, dlogits: tf.add(tf.mul(dce, 1 - alpha), dkd) as tf.Tensor2D };
  });
}
