/**
 * The tfjs engine's work in the current isolate (what each pool Worker runs, and what tests call
 * directly): execute a job's schedule step by step, and evaluate a network.
 *
 * Semantics (the torch engine matches them):
 *
 * - input: fitted uint8 images, x = (pixel/255 − mean[c]) / std[c]; augmentation per schedule
 *   position: horizontal flip, then translation by (dy, dx) filled with raw pixel 0 (`_batches.ts`);
 * - step s trains on positions [s·B, min((s + 1)·B, n)) of the schedule with learning rate lrs[s];
 * - BatchNorm in training mode: batch mean and biased variance normalize; running statistics
 *   become 0.9·running + 0.1·batch (mean, and the unbiased variance), as PyTorch's momentum 0.1;
 * - loss: mean softmax cross-entropy over the batch; with `optimizer.distill` (α, T) and a teacher
 *   in inference mode: (1 − α)·CE + α·T²·KL(softmax(teacher/T) ‖ softmax(student/T)), KL summed
 *   over classes and averaged over the batch (`_loss.ts`);
 * - SGD as PyTorch's (no dampening, no Nesterov): g = ∇ + wd·w for Conv/Gemm weights only (not
 *   biases, not BatchNorm), v = μ·v + g (v = g on the first step), w −= lr·v;
 * - masks: masked weights are zeroed before the first step, and after every step the weights and
 *   their momentum are zeroed again;
 * - the reported loss of a step is its mean batch loss before the update.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type ImageSet, inferShapes, type Network } from "../../nn/mod.ts";
import { SeededRng, UserError } from "../../base/mod.ts";
import type { Evaluation, TrainJob, TrainResult } from "../engine.ts";
import { loadTfjs } from "./_backend.ts";
import { type Batch, plainBatch, scheduleBatch } from "./_batches.ts";
import { checkData, checkJob } from "../_check.ts";
import { lossAndGradient } from "./_loss.ts";
import { TfModel } from "./_model.ts";

/** Batch size of inference (evaluation and teachers' logits need no gradients). */
const EVAL_BATCH = 256;

function input(batch: Batch, set: ImageSet): tf.Tensor4D {
  return tf.tensor4d(batch.x, [batch.n, set.h, set.w, set.c]);
}

/**
 * Run a job's schedule in this isolate.
 *
 * @example Two steps of a tiny network
 * ```ts
 * import { trainInProcess } from "./runner.ts";
 * import { tinyResidual } from "../../nn/mod.ts";
 *
 * const net = tinyResidual();
 * const data = {
 *   name: "noise", n: 8, c: 3, h: 8, w: 8, classes: 3, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25],
 *   pixels: Uint8Array.from({ length: 8 * 192 }, (_, i) => (i * 37) % 256),
 *   labels: Uint8Array.from({ length: 8 }, (_, i) => i % 3), fitted: "",
 * };
 * const schedule = {
 *   batchSize: 4, steps: 2, order: Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]),
 *   flip: new Uint8Array(8), shift: new Int8Array(16), lrs: Float32Array.from([0.1, 0.1]),
 * };
 * const optimizer = { momentum: 0.9, weightDecay: 5e-4 };
 * const result = await trainInProcess({ net, data, schedule, optimizer });
 * if (result.losses.length !== 2 || result.net.nodes.length !== net.nodes.length) throw new Error();
 * ```
 */
export async function trainInProcess(job: TrainJob): Promise<TrainResult> {
  checkJob(job);
  await loadTfjs();
  const { data, schedule, optimizer } = job;
  const model = new TfModel(job.net, job.masks);
  const teacher = optimizer.distill ? new TfModel(job.teacher!) : undefined;
  try {
    const losses = new Float32Array(schedule.steps);
    const every = Math.max(1, Math.round(schedule.steps / 10));
    const t0 = performance.now();
    let samples = 0;
    for (let s = 0; s < schedule.steps; s++) {
      const start = s * schedule.batchSize;
      const end = Math.min(start + schedule.batchSize, schedule.order.length);
      const batch = scheduleBatch(data, schedule, start, end);
      const x = input(batch, data);
      const onehot = tf.tensor2d(batch.onehot, [batch.n, data.classes]);
      const taught = teacher?.predict(x);
      const teaching = taught && { logits: taught, ...optimizer.distill! };
      try {
        losses[s] = model.step(x, (logits) => lossAndGradient(logits, onehot, teaching), {
          lr: schedule.lrs[s],
          momentum: optimizer.momentum,
          weightDecay: optimizer.weightDecay,
        });
      } finally {
        tf.dispose([x, onehot, ...(taught ? [taught] : [])]);
      }
      samples += batch.n;
      if (!Number.isFinite(losses[s])) {
        throw new UserError(
          `training diverged at step ${s + 1} of ${schedule.steps} (loss ${
            losses[s]
          }): lower the learning rate`,
        );
      }
      if (job.progress && ((s + 1) % every === 0 || s === schedule.steps - 1)) {
        const rate = samples / ((performance.now() - t0) / 1000);
        job.progress(
          `${job.net.name}: step ${s + 1}/${schedule.steps} loss ${losses[s].toFixed(4)} ${
            rate.toFixed(1)
          } samples/s`,
        );
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    return { net: model.toNetwork(), losses, seconds, samplesPerSecond: samples / seconds };
  } finally {
    model.dispose();
    teacher?.dispose();
  }
}

/** Logits [n × classes] of images [start, end) of a fitted set, in inference mode. */
export async function logitsInProcess(
  net: Network,
  data: ImageSet,
  start = 0,
  end = data.n,
): Promise<Float32Array> {
  checkData(net, data);
  await loadTfjs();
  const model = new TfModel(net);
  try {
    const out = new Float32Array((end - start) * data.classes);
    for (let b = start; b < end; b += EVAL_BATCH) {
      const batch = plainBatch(data, b, Math.min(b + EVAL_BATCH, end));
      const logits = tf.tidy(() => model.predict(input(batch, data)).dataSync());
      out.set(logits, (b - start) * data.classes);
    }
    return out;
  } finally {
    model.dispose();
  }
}

/** Top-1 accuracy and predictions of a network on a fitted set, in this isolate. */
export async function evaluateInProcess(net: Network, data: ImageSet): Promise<Evaluation> {
  checkData(net, data);
  await loadTfjs();
  const model = new TfModel(net);
  try {
    const t0 = performance.now();
    const predictions = new Uint16Array(data.n);
    for (let b = 0; b < data.n; b += EVAL_BATCH) {
      const batch = plainBatch(data, b, Math.min(b + EVAL_BATCH, data.n));
      const top = tf.tidy(() => tf.argMax(model.predict(input(batch, data)), 1).dataSync());
      predictions.set(top, b);
    }
    const seconds = (performance.now() - t0) / 1000;
    const correct = predictions.reduce((s, p, i) => s + (p === data.labels[i] ? 1 : 0), 0);
    return {
      accuracy: data.n ? correct / data.n : 0,
      predictions,
      samplesPerSecond: data.n / seconds,
    };
  } finally {
    model.dispose();
  }
}

/** A model and one fixed batch, ready to time SGD steps (what `bench/train_bench.ts` measures). */
export interface StepBench {
  /** One SGD step (forward, backward, update) on the batch; returns the loss. */
  step(): number;
  /** Free the model and the batch. */
  dispose(): void;
}

/**
 * Prepare repeated training steps of `net` on a seeded random batch of `batchSize` images
 * (normalized-scale inputs in [−1, 1), random labels; `seed` picks them): a step costs the same
 * whatever the values, so this measures samples/s. SGD with lr 0.01, momentum 0.9, weight decay
 * 5e-4; call `dispose()` when done.
 *
 * @example Two steps on one batch lower its loss
 * ```ts
 * import { assert } from "@std/assert";
 * import { prepareStep } from "./runner.ts";
 * import { tinyResidual } from "../../nn/mod.ts";
 *
 * const bench = await prepareStep(tinyResidual(), 8);
 * const first = bench.step(), second = bench.step();
 * bench.dispose();
 * assert(second < first, "one batch, two steps: the loss falls");
 * ```
 */
export async function prepareStep(net: Network, batchSize: number, seed = 1): Promise<StepBench> {
  await loadTfjs();
  const { c, h, w } = net.input;
  const classes = inferShapes(net).get(net.output)![0];
  const model = new TfModel(net);
  const rng = new SeededRng(seed);
  const x = tf.tensor4d(
    Float32Array.from({ length: batchSize * h * w * c }, () => 2 * rng.next() - 1),
    [batchSize, h, w, c],
  );
  const hot = new Float32Array(batchSize * classes);
  for (let b = 0; b < batchSize; b++) hot[b * classes + rng.int(0, classes)] = 1;
  const onehot = tf.tensor2d(hot, [batchSize, classes]);
  const sgd = { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 };
  return {
    step: () => model.step(x, (logits) => lossAndGradient(logits, onehot), sgd),
    dispose: () => {
      model.dispose();
      tf.dispose([x, onehot]);
    },
  };
}
