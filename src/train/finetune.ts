/**
 * Masked fine-tuning: one recipe for every pruning method. The masks (and, for MOSAIC, the channel
 * permutations, applied by the caller before this) are fixed; pruned weights start at zero and are
 * held at zero after every step; the result is checked to have not one pruned weight non-zero.
 *
 * @module
 */
import type { ImageSet, MaskSet, Network } from "../nn/mod.ts";
import { maskNetwork } from "../nn/mod.ts";
import type { TrainEngine, TrainResult } from "./engine.ts";
import { compileSchedule, type Recipe } from "./schedule.ts";

/** The fine-tuning recipe of the study (and `deno task finetune`'s defaults). */
export const FINETUNE_RECIPE: Recipe = {
  epochs: 1,
  batchSize: 128,
  lr: 0.01,
  lrSchedule: "cosine",
  momentum: 0.9,
  weightDecay: 5e-4,
  augment: { flip: true, shift: 2 },
  seed: 1,
};

/**
 * Distillation from the unpruned model, when asked for: loss = (1−α)·CE + α·T²·KL with α = 0.5
 * and temperature T = 4.
 */
export const DEFAULT_DISTILL = { alpha: 0.5, temperature: 4 } as const;

/** What a fine-tune needs. Every image set is already fitted to the network. */
export interface FinetuneInput {
  /** The engine that trains and evaluates (`openEngine`); the caller closes it. */
  readonly engine: TrainEngine;
  /** The unpruned network, already permuted (pruned weights may still be non-zero). */
  readonly net: Network;
  /** Fixed 0/1 masks per Conv/Gemm layer name (0 = pruned), in the IR's weight layout. */
  readonly masks: MaskSet;
  /** The training set the recipe runs over. */
  readonly train: ImageSet;
  /** The set the accuracies before and after are measured on. */
  readonly test: ImageSet;
  /** The recipe, compiled over `train` (`FINETUNE_RECIPE` in the study). */
  readonly recipe: Recipe;
  /**
   * Distil from `net` (the unpruned network as the teacher): α weighs the KL term, T is the
   * softmax temperature (`DEFAULT_DISTILL` when asked for). Absent: cross-entropy only.
   */
  readonly distill?: { readonly alpha: number; readonly temperature: number };
  /** Progress line receiver (stderr in the CLIs). */
  readonly progress?: (line: string) => void;
}

/** Accuracy before and after, the tuned network, and the engine's run. */
export interface FinetuneOutcome {
  /** The fine-tuned network; not one pruned weight is non-zero. */
  readonly net: Network;
  /** Test accuracy of the masked network before fine-tuning. */
  readonly oneShot: number;
  /** Test accuracy after fine-tuning. */
  readonly tuned: number;
  /** The engine's training run (losses per step, seconds, samples/s). */
  readonly run: TrainResult;
}

/** Pruned weights (mask 0) that are not exactly zero, summed over layers. */
export function prunedNonZero(net: Network, masks: MaskSet): number {
  let bad = 0;
  for (const n of net.nodes) {
    const m = masks.get(n.name);
    if (!m || (n.op !== "Conv" && n.op !== "Gemm")) continue;
    for (let j = 0; j < m.length; j++) if (!m[j] && n.weight[j] !== 0) bad++;
  }
  return bad;
}

/**
 * Fine-tune a pruned network with its masks fixed and measure test accuracy before and after.
 * Throws if the engine left a pruned weight non-zero (it would change the HE cost counted).
 */
export async function finetune(input: FinetuneInput): Promise<FinetuneOutcome> {
  const { engine, masks } = input;
  const masked = maskNetwork(input.net, masks);
  const oneShot = (await engine.evaluate(masked, input.test)).accuracy;
  const run = await engine.train({
    net: masked,
    data: input.train,
    schedule: compileSchedule(input.recipe, input.train.n),
    optimizer: {
      momentum: input.recipe.momentum,
      weightDecay: input.recipe.weightDecay,
      ...(input.distill ? { distill: input.distill } : {}),
    },
    masks,
    ...(input.distill ? { teacher: input.net } : {}),
    progress: input.progress,
  });
  const bad = prunedNonZero(run.net, masks);
  if (bad > 0) {
    throw new Error(`engine ${engine.name} left ${bad} pruned weights non-zero after fine-tuning`);
  }
  const tuned = (await engine.evaluate(run.net, input.test)).accuracy;
  return { net: run.net, oneShot, tuned, run };
}
