/**
 * Validation of a training job before any engine work: every inconsistency between the network,
 * the data, the schedule, the optimizer, the masks and the teacher is one `UserError` line.
 * Nothing here depends on tfjs.
 *
 * @module
 */
import { type ImageSet, inferShapes, type Network } from "../nn/mod.ts";
import { UserError } from "../base/mod.ts";
import type { TrainJob } from "./engine.ts";

/** The class count of a network's output; throws unless it is a vector. */
function outputClasses(net: Network): number {
  const out = inferShapes(net).get(net.output)!;
  if (out.length !== 1) {
    throw new UserError(`${net.name}: output "${net.output}" is [${out}], not a vector of logits`);
  }
  return out[0];
}

/**
 * Check that an image set can be fed to a network: fitted to its input, labels within its classes.
 *
 * @example An unfitted set is refused
 * ```ts
 * import { checkData } from "./_check.ts";
 * import { tinyResidual } from "../nn/mod.ts";
 *
 * const set = {
 *   name: "s", n: 1, c: 1, h: 8, w: 8, pixels: new Uint8Array(64), labels: new Uint8Array(1),
 *   classes: 3, mean: [0], std: [1], fitted: "",
 * };
 * let message = "";
 * try {
 *   checkData(tinyResidual(), set);
 * } catch (e) {
 *   message = (e as Error).message;
 * }
 * if (!message.includes("fitToNetwork")) throw new Error(message);
 * ```
 */
export function checkData(net: Network, data: ImageSet): void {
  const classes = outputClasses(net);
  const { c, h, w } = net.input;
  if (data.c !== c || data.h !== h || data.w !== w) {
    throw new UserError(
      `${data.name} is ${data.c}×${data.h}×${data.w}, ${net.name} takes ${c}×${h}×${w}: fit it first (fitToNetwork)`,
    );
  }
  if (data.classes !== classes) {
    throw new UserError(`${data.name} has ${data.classes} classes, ${net.name} outputs ${classes}`);
  }
  if (data.pixels.length !== data.n * c * h * w || data.labels.length !== data.n) {
    throw new UserError(`${data.name}: ${data.n} images do not match its pixel and label arrays`);
  }
  if (data.mean.length !== c || data.std.length !== c || data.std.some((s) => !(s > 0))) {
    throw new UserError(`${data.name}: normalization needs ${c} means and ${c} positive stds`);
  }
  const bad = data.labels.findIndex((l) => l >= classes);
  if (bad >= 0) {
    throw new UserError(`${data.name}: label ${data.labels[bad]} of image ${bad} ≥ ${classes}`);
  }
}

/** Check a training job (see the module doc); returns nothing or throws one `UserError` line. */
export function checkJob(job: TrainJob): void {
  const { net, data, schedule: s, optimizer: o } = job;
  checkData(net, data);
  const total = s.order.length;
  if (!(total >= 1 && s.batchSize >= 1 && s.steps === Math.ceil(total / s.batchSize))) {
    throw new UserError(
      `schedule: ${s.steps} steps do not cover ${total} positions in batches of ${s.batchSize}`,
    );
  }
  if (s.flip.length !== total || s.shift.length !== 2 * total || s.lrs.length !== s.steps) {
    throw new UserError("schedule: flip, shift or learning-rate arrays have the wrong length");
  }
  const outside = s.order.findIndex((i) => i < 0 || i >= data.n);
  if (outside >= 0) {
    throw new UserError(
      `schedule: position ${outside} reads sample ${
        s.order[outside]
      } of a ${data.n}-image set (compiled for another set?)`,
    );
  }
  if (s.lrs.some((lr) => !(lr >= 0 && Number.isFinite(lr)))) {
    throw new UserError("schedule: learning rates must be finite and ≥ 0");
  }
  if (!(o.momentum >= 0 && o.momentum < 1)) {
    throw new UserError(`momentum must be in [0, 1) (got ${o.momentum})`);
  }
  if (!(o.weightDecay >= 0 && o.weightDecay < 1)) {
    throw new UserError(`weight decay must be in [0, 1) (got ${o.weightDecay})`);
  }
  if (o.distill) {
    const { alpha, temperature } = o.distill;
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new UserError(`distillation α must be in [0, 1] (got ${alpha})`);
    }
    if (!(temperature > 0 && temperature <= 100)) {
      throw new UserError(`distillation temperature must be in (0, 100] (got ${temperature})`);
    }
    if (!job.teacher) throw new UserError("distillation needs a teacher network");
    const t = job.teacher.input;
    if (t.c !== net.input.c || t.h !== net.input.h || t.w !== net.input.w) {
      throw new UserError(`teacher ${job.teacher.name} takes another input than ${net.name}`);
    }
    if (outputClasses(job.teacher) !== data.classes) {
      throw new UserError(
        `teacher ${job.teacher.name} has another number of classes than ${net.name}`,
      );
    }
  }
  const shapes = inferShapes(net);
  // PyTorch refuses BatchNorm training on one value per channel (the unbiased variance divides by 0).
  const last = total - (s.steps - 1) * s.batchSize;
  for (const node of net.nodes) {
    if (node.op !== "BatchNormalization") continue;
    const [, h, w] = shapes.get(node.inputs[0])!;
    if (Math.min(s.batchSize, last) * h! * w! < 2) {
      throw new UserError(
        `BatchNorm ${node.name} would see 1 value per channel (a batch of 1 on a 1×1 map): change --batch or --epochs`,
      );
    }
  }
  for (const [name, mask] of job.masks ?? []) {
    const node = net.nodes.find((n) => n.name === name);
    if (!node || (node.op !== "Conv" && node.op !== "Gemm")) {
      throw new UserError(`mask for "${name}": ${net.name} has no Conv or Gemm layer of that name`);
    }
    if (mask.length !== node.weight.length) {
      throw new UserError(
        `mask for ${name} has ${mask.length} entries, the layer ${node.weight.length} weights`,
      );
    }
    if (mask.some((m) => m > 1)) {
      throw new UserError(`mask for ${name} holds values other than 0 and 1`);
    }
  }
}
