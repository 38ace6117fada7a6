/**
 * Batches as the engines see them: NHWC floats of fitted images, normalized per channel as
 * x = (pixel/255 − mean[c]) / std[c], with the schedule's augmentation applied in this order:
 *
 * 1. flip: horizontal flip of the fitted image, x'(y, x) = x(y, W − 1 − x);
 * 2. shift (dy, dx): translation, content moves by (dy, dx): out(y, x) = x'(y − dy, x − dx), and
 *    pixels that come from outside the image are raw pixel 0 (normalized (0 − mean[c]) / std[c]).
 *
 * @module
 */
import type { ImageSet } from "../../nn/mod.ts";
import type { Schedule } from "../schedule.ts";

/** Per channel, the normalized value of every raw pixel value 0..255. */
function lookup(set: ImageSet): Float32Array[] {
  return Array.from(
    { length: set.c },
    (_, c) => Float32Array.from({ length: 256 }, (_, p) => (p / 255 - set.mean[c]) / set.std[c]),
  );
}

/** A batch: n images NHWC and their one-hot labels. */
export interface Batch {
  readonly n: number;
  readonly x: Float32Array;
  readonly onehot: Float32Array;
  readonly labels: Uint8Array;
}

/**
 * Fill the batch of schedule positions [start, end) (augmented).
 *
 * @example A flipped, shifted 1×2×3 image
 * ```ts
 * import { scheduleBatch } from "./_batches.ts";
 *
 * const set = {
 *   name: "t", n: 1, c: 1, h: 2, w: 3, pixels: Uint8Array.from([1, 2, 3, 4, 5, 6]),
 *   labels: Uint8Array.from([2]), classes: 3, mean: [0], std: [1 / 255], fitted: "",
 * };
 * const schedule = {
 *   batchSize: 1, steps: 1, order: Int32Array.from([0]), flip: Uint8Array.from([1]),
 *   shift: Int8Array.from([1, -1]), lrs: Float32Array.from([0.1]),
 * };
 * const b = scheduleBatch(set, schedule, 0, 1);
 * // flipped: [3 2 1; 6 5 4]; moved down 1 and left 1: [0 0 0; 2 1 0]
 * if (b.x.map(Math.round).join() !== "0,0,0,2,1,0" || b.onehot.join() !== "0,0,1") throw new Error();
 * ```
 */
export function scheduleBatch(
  set: ImageSet,
  schedule: Schedule,
  start: number,
  end: number,
): Batch {
  const indices = schedule.order.subarray(start, end);
  return fill(set, indices, (b) => [
    schedule.flip[start + b] === 1,
    schedule.shift[2 * (start + b)],
    schedule.shift[2 * (start + b) + 1],
  ]);
}

/** Images [start, end) of a set in order, without augmentation. */
export function plainBatch(set: ImageSet, start: number, end: number): Batch {
  const indices = Int32Array.from({ length: end - start }, (_, i) => start + i);
  return fill(set, indices, () => [false, 0, 0]);
}

const LUTS = new WeakMap<ImageSet, Float32Array[]>();

function fill(
  set: ImageSet,
  indices: Int32Array,
  augment: (b: number) => [boolean, number, number],
): Batch {
  const { c: C, h: H, w: W, classes } = set;
  const luts = LUTS.get(set) ?? lookup(set);
  LUTS.set(set, luts);
  const n = indices.length, size = C * H * W;
  const x = new Float32Array(n * size), onehot = new Float32Array(n * classes);
  const labels = new Uint8Array(n);
  for (let b = 0; b < n; b++) {
    const i = indices[b];
    const [flip, dy, dx] = augment(b);
    const src = i * size;
    labels[b] = set.labels[i];
    onehot[b * classes + set.labels[i]] = 1;
    for (let y = 0; y < H; y++) {
      const sy = y - dy;
      for (let xx = 0; xx < W; xx++) {
        const tx = xx - dx;
        const sx = flip ? W - 1 - tx : tx;
        const inside = sy >= 0 && sy < H && tx >= 0 && tx < W;
        const out = ((b * H + y) * W + xx) * C;
        for (let c = 0; c < C; c++) {
          x[out + c] = luts[c][inside ? set.pixels[src + (c * H + sy) * W + sx] : 0];
        }
      }
    }
  }
  return { n, x, onehot, labels };
}
