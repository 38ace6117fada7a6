/**
 * A training recipe compiled to data: the sample of every step, its augmentation, and the learning
 * rate of every step. Both engines execute the same `Schedule`, so "same recipe, same data order,
 * same seed" holds by construction, and the schedule's hash goes into the manifest.
 *
 * @module
 */
import { sha256Hex } from "../nn/mod.ts";
import { SeededRng, UserError } from "../base/mod.ts";

/** A training recipe as a user states it. */
export interface Recipe {
  /** Passes over the training set; fractional values take a prefix of the last pass. */
  readonly epochs: number;
  /** Samples per optimizer step, in [1, 4096]. */
  readonly batchSize: number;
  /** Peak learning rate. */
  readonly lr: number;
  /** `onecycle`: linear warm-up over the first 15% of steps, then cosine to lr/1000; `cosine`; `constant`. */
  readonly lrSchedule: "onecycle" | "cosine" | "constant";
  /** SGD momentum μ (v = μ·v + g), in [0, 1). */
  readonly momentum: number;
  /** L2 weight decay of Conv and Gemm weights, in [0, 1). */
  readonly weightDecay: number;
  /** Random horizontal flip (probability ½) and random translation by up to `shift` pixels. */
  readonly augment: { readonly flip: boolean; readonly shift: number };
  /** Seed of the data order and the augmentation. */
  readonly seed: number;
}

/** The compiled recipe: what each step does. */
export interface Schedule {
  /** Samples per step (the recipe's). */
  readonly batchSize: number;
  /** Number of optimizer steps (the last batch may be short). */
  readonly steps: number;
  /** Sample index of every position, steps × batchSize (the last batch may be short). */
  readonly order: Int32Array;
  /** Per position: 1 = flip horizontally. */
  readonly flip: Uint8Array;
  /** Per position: translation (dy, dx) in pixels, filled with the background (raw pixel 0). */
  readonly shift: Int8Array;
  /** Learning rate of every step. */
  readonly lrs: Float32Array;
}

/** Validate a recipe; one line naming the bad field. */
export function checkRecipe(r: Recipe): void {
  const bad = (what: string) => {
    throw new UserError(`training recipe: ${what}`);
  };
  if (!(r.epochs > 0 && r.epochs <= 1000)) bad(`--epochs must be in (0, 1000] (got ${r.epochs})`);
  if (!(Number.isInteger(r.batchSize) && r.batchSize >= 1 && r.batchSize <= 4096)) {
    bad(`--batch must be an integer in [1, 4096] (got ${r.batchSize})`);
  }
  if (!(r.lr > 0 && r.lr < 10)) bad(`--lr must be in (0, 10) (got ${r.lr})`);
  if (!(r.momentum >= 0 && r.momentum < 1)) bad(`momentum must be in [0, 1) (got ${r.momentum})`);
  if (!(r.weightDecay >= 0 && r.weightDecay < 1)) bad(`weight decay must be in [0, 1)`);
  if (!(Number.isInteger(r.augment.shift) && r.augment.shift >= 0 && r.augment.shift <= 8)) {
    bad(`shift must be an integer in [0, 8] (got ${r.augment.shift})`);
  }
  if (!Number.isInteger(r.seed)) bad(`--seed must be an integer (got ${r.seed})`);
}

/** Learning rate at step i of n. */
function lrAt(r: Recipe, i: number, n: number): number {
  if (r.lrSchedule === "constant") return r.lr;
  const floor = r.lr / 1000;
  const cosine = (t: number) => floor + (r.lr - floor) * 0.5 * (1 + Math.cos(Math.PI * t));
  if (r.lrSchedule === "cosine") return cosine(n > 1 ? i / (n - 1) : 0);
  const warm = Math.max(1, Math.round(0.15 * n));
  if (i < warm) return floor + (r.lr - floor) * (i + 1) / warm;
  return cosine(n - warm > 1 ? (i - warm) / (n - warm - 1) : 1);
}

/**
 * Compile a recipe for a training set of `n` samples: a seeded permutation per epoch, seeded
 * augmentation per position, and the learning rate of every step.
 *
 * @example Fractional epochs take a prefix of a permutation
 * ```ts
 * import { compileSchedule } from "./schedule.ts";
 *
 * const s = compileSchedule({
 *   epochs: 1.5, batchSize: 4, lr: 0.1, lrSchedule: "onecycle", momentum: 0.9,
 *   weightDecay: 5e-4, augment: { flip: true, shift: 0 }, seed: 1,
 * }, 10);
 * if (s.order.length !== 15 || s.steps !== 4) throw new Error();
 * if (new Set(s.order.subarray(0, 10)).size !== 10) throw new Error("first epoch is a permutation");
 * if (Math.max(...s.lrs) > 0.1 + 1e-7) throw new Error();
 * ```
 */
export function compileSchedule(r: Recipe, n: number): Schedule {
  checkRecipe(r);
  if (!(n >= 1)) throw new UserError("training set is empty");
  const total = Math.max(1, Math.round(r.epochs * n));
  const order = new Int32Array(total);
  const rng = new SeededRng((r.seed * 2654435761 + 12345) >>> 0);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let pos = 0; pos < total; pos += n) {
    // Fisher–Yates with the seeded generator; each epoch reshuffles the previous order.
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(0, i + 1);
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    order.set(perm.subarray(0, Math.min(n, total - pos)), pos);
  }
  const flip = new Uint8Array(total), shift = new Int8Array(2 * total);
  for (let i = 0; i < total; i++) {
    if (r.augment.flip) flip[i] = rng.next() < 0.5 ? 1 : 0;
    if (r.augment.shift > 0) {
      shift[2 * i] = rng.int(-r.augment.shift, r.augment.shift + 1);
      shift[2 * i + 1] = rng.int(-r.augment.shift, r.augment.shift + 1);
    }
  }
  const steps = Math.ceil(total / r.batchSize);
  const lrs = Float32Array.from({ length: steps }, (_, i) => lrAt(r, i, steps));
  return { batchSize: r.batchSize, steps, order, flip, shift, lrs };
}

/** SHA-256 of a schedule (order, augmentation, learning rates): what manifests record. */
export async function scheduleHash(s: Schedule): Promise<string> {
  const b = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return await sha256Hex([b(s.order), s.flip, b(s.shift), b(s.lrs)]);
}
