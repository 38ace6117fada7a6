/**
 * The training-engine interface: what every engine (tfjs-wasm inside Deno, PyTorch through a
 * bridge) does to a network of the IR. The recipe is compiled in TypeScript to a sample order and a
 * learning rate per step (see `schedule.ts`), so every engine runs the same steps on the same
 * batches; an engine only executes them.
 *
 * @module
 */
import type { ImageSet, MaskSet, Network } from "../nn/mod.ts";
import type { Schedule } from "./schedule.ts";

/** Optimizer and loss settings shared by both engines (SGD with Nesterov off). */
export interface Optimizer {
  /** Momentum of SGD (PyTorch's convention: v = μ·v + g; w −= lr·v). */
  readonly momentum: number;
  /** L2 weight decay added to the gradient of conv and Gemm weights (not biases, not BatchNorm). */
  readonly weightDecay: number;
  /** Knowledge distillation from a teacher (the unpruned model): loss = (1−α)·CE + α·T²·KL. */
  readonly distill?: { readonly alpha: number; readonly temperature: number };
}

/** One training run: a network, its data, the compiled schedule, and optional fixed masks. */
export interface TrainJob {
  /** The network to train (its parameters are the start; it is not modified). */
  readonly net: Network;
  /** The training set, already fitted to the network (`fitToNetwork`). */
  readonly data: ImageSet;
  /** The steps: `compileSchedule(recipe, data.n)` (sample order, augmentation, learning rates). */
  readonly schedule: Schedule;
  /** Momentum, weight decay and optional distillation of the SGD steps. */
  readonly optimizer: Optimizer;
  /**
   * Fixed 0/1 masks per Conv/Gemm layer name (weight layout of the IR). Masked weights are zero
   * before the first step and are set to zero again after every step (and their gradients and
   * momentum are zeroed), so not one pruned weight is non-zero at the end.
   */
  readonly masks?: MaskSet;
  /** The teacher of distillation (same input and output shapes). */
  readonly teacher?: Network;
  /** Progress line receiver (stderr in the CLIs). */
  readonly progress?: (line: string) => void;
}

/** What a training run returns. */
export interface TrainResult {
  /** The trained network: new Conv/Gemm weights and biases, BatchNorm parameters and running stats. */
  readonly net: Network;
  /** Mean loss of every step, in order. */
  readonly losses: Float32Array;
  /** Wall-clock seconds of the steps (not of loading). */
  readonly seconds: number;
  /** Training samples per wall-clock second. */
  readonly samplesPerSecond: number;
}

/** Top-1 accuracy and the predicted class of every image. */
export interface Evaluation {
  /** Fraction of images whose top-1 class is the label, in [0, 1] (0 for an empty set). */
  readonly accuracy: number;
  /** Predicted class of every image, in the set's order. */
  readonly predictions: Uint16Array;
  /** Images per wall-clock second of inference (not of loading). */
  readonly samplesPerSecond: number;
}

/** A training engine: opened by `openEngine`, closed by `close()`. */
export interface TrainEngine {
  /** `tfjs` or `torch`. */
  readonly name: string;
  /** What it is, with versions (goes to manifests), e.g. "torch 1.13.0 (CPU, 2 threads)". */
  readonly description: string;
  /** Run the job's steps. BatchNorm runs in training mode (batch statistics, momentum 0.1). */
  train(job: TrainJob): Promise<TrainResult>;
  /** Top-1 accuracy in inference mode (BatchNorm with running statistics). */
  evaluate(net: Network, data: ImageSet): Promise<Evaluation>;
  /** Free what the engine holds (workers, processes, wasm memory). */
  close(): Promise<void>;
}
