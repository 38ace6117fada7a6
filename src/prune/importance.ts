/**
 * How weights compare across layers when one budget is spent on all of them: a per-weight
 * importance on the BatchNorm-folded weights (docs/methods.md §3).
 *
 * @module
 */

/** Importance norm of a weight set: squared L2 (the saliency it removes) or L1. */
export type Norm = "l2" | "l1";

/**
 * How weights are ranked across layers. All but `raw` score the weights with BatchNorm folded
 * into the convolution (the weights the network really multiplies by), so that a layer with a
 * large fan-in (and so small weights) is not emptied because its weights are small in absolute
 * terms. With `l2`, v below is w²; with `l1`, |w|.
 *
 * - `lamp`: LAMP's layer-adaptive score (Lee et al., "Layer-adaptive sparsity for the
 *   magnitude-based pruning", ICLR 2021, eq. 2): v_u / Σ_{v_w ≥ v_u, same layer} v_w. Each layer's
 *   largest weight scores 1; a weight scores low only if it is small against the weights of its
 *   own layer that would survive it.
 * - `share` (default): a weight's share of its layer's norm, v / Σ_layer v (layers with many
 *   weights are pruned first, down to the floor).
 * - `raw`: the unfolded weights' own v, compared across layers as is (the naive global ranking,
 *   kept so its failure stays reproducible).
 */
export type Importance = "lamp" | "share" | "raw";

/** The importance rankings, in flag order. */
export const IMPORTANCES: readonly Importance[] = ["share", "lamp", "raw"];

/**
 * The default ranking: `share`. On the shipped trained models at weight sparsity 0.5 (Hunter,
 * one fine-tuning epoch over the shipped 12,000 images, seed 1) it kept more accuracy than `lamp`
 * in three of four model/framework pairs (ResNet-18 GAZELLE 91.05% vs 88.31%, CrypTFlow2 89.92%
 * vs 89.47%; VGG-16 CrypTFlow2 91.87% vs 91.99%), at a higher HE cost: LAMP spreads sparsity into
 * the costly high-resolution layers.
 */
export const DEFAULT_IMPORTANCE: Importance = "share";

/**
 * Per-weight importance of one layer's weights `w` (see `Importance`).
 *
 * @example LAMP: the largest weight scores 1
 * ```ts
 * import { importanceOf } from "./importance.ts";
 * import { assertAlmostEquals } from "@std/assert";
 *
 * const v = importanceOf(Float32Array.from([1, -2, 3]), "lamp", "l2"); // w² = 1, 4, 9
 * [1 / 14, 4 / 13, 1].forEach((want, i) => assertAlmostEquals(v[i], want, 1e-6));
 * ```
 */
export function importanceOf(w: Float32Array, importance: Importance, norm: Norm): Float64Array {
  const v = Float64Array.from(w, (x) => norm === "l1" ? Math.abs(x) : x * x);
  if (importance === "raw") return v;
  if (importance === "share") {
    let total = 0;
    for (const x of v) total += x;
    return total > 0 ? v.map((x) => x / total) : v;
  }
  // LAMP: descending by v, the denominator is the running sum of v down to (and with) this one;
  // equal values share the sum of their whole group, so ties score alike.
  const order = Int32Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[b] - v[a]);
  const out = new Float64Array(v.length);
  let run = 0;
  for (let i = 0; i < order.length;) {
    let j = i, group = 0;
    while (j < order.length && v[order[j]] === v[order[i]]) group += v[order[j++]];
    run += group;
    for (let t = i; t < j; t++) out[order[t]] = run > 0 ? v[order[t]] / run : 0;
    i = j;
  }
  return out;
}
