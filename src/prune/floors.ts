/**
 * Floors: the least a pruning keeps of each layer and of each output channel, so that no layer is
 * emptied and no output channel a later layer reads becomes a constant.
 *
 * @module
 */
import type { LayerShape } from "../nn/mod.ts";

/**
 * Default floor: every layer keeps at least this fraction of its weights and every output channel
 * at least this fraction of its own weights (and never fewer than one weight).
 */
export const DEFAULT_FLOOR = 0.05;

/**
 * Kept counts of a layer and of each of its output channels (position space), against a floor.
 * Weights of output channel r are the r-th contiguous block of the layer's weights (conv
 * [co][ci][k][k], FC [out][in]), in any channel order.
 *
 * @example A channel keeps at least one weight
 * ```ts
 * import { Floors } from "./floors.ts";
 * import { assert, assertFalse } from "@std/assert";
 *
 * // 2 output channels × 4 weights, floor 0.05: each channel keeps ≥ 1 weight.
 * const state = { kept: new Uint8Array(8).fill(1), s: { shape: { kind: "fc" as const, in: 4, out: 2 } } };
 * const floors = new Floors(state, 0.05);
 * assert(floors.allows([0, 1, 2]));
 * assertFalse(floors.allows([0, 1, 2, 3]));
 * ```
 */
export class Floors {
  readonly #state: { readonly kept: Uint8Array };
  readonly #rowSize: number;
  readonly #rowKept: Int32Array;
  readonly #rowMin: number;
  readonly #layerMin: number;
  #layerKept = 0;
  readonly #touched: number[] = [];
  readonly #drop: Int32Array;

  constructor(
    state: { readonly kept: Uint8Array; readonly s: { readonly shape: LayerShape } },
    floor: number,
  ) {
    const shape = state.s.shape;
    const rows = shape.kind === "conv" ? shape.co : shape.kind === "fc" ? shape.out : 1;
    const n = state.kept.length;
    this.#state = state;
    this.#rowSize = n / rows;
    this.#rowKept = new Int32Array(rows);
    this.#drop = new Int32Array(rows);
    for (let j = 0; j < n; j++) {
      if (state.kept[j]) {
        this.#rowKept[Math.floor(j / this.#rowSize)]++;
        this.#layerKept++;
      }
    }
    this.#rowMin = floor > 0 ? Math.max(1, Math.ceil(floor * this.#rowSize)) : 0;
    this.#layerMin = floor > 0 ? Math.max(1, Math.ceil(floor * n)) : 0;
  }

  /** True if pruning the kept weights of `weights` keeps the layer and each channel at the floor. */
  allows(weights: ArrayLike<number>): boolean {
    if (this.#layerMin === 0) return true;
    const kept = this.#state.kept;
    let n = 0, ok = true;
    for (let i = 0; i < weights.length; i++) {
      const j = weights[i];
      if (!kept[j]) continue;
      n++;
      const r = Math.floor(j / this.#rowSize);
      if (this.#drop[r]++ === 0) this.#touched.push(r);
    }
    for (const r of this.#touched) {
      if (this.#rowKept[r] - this.#drop[r] < this.#rowMin) ok = false;
      this.#drop[r] = 0;
    }
    this.#touched.length = 0;
    return ok && this.#layerKept - n >= this.#layerMin;
  }

  /** Record that the kept weights of `weights` are about to be pruned. */
  remove(weights: ArrayLike<number>): void {
    const kept = this.#state.kept;
    for (let i = 0; i < weights.length; i++) {
      const j = weights[i];
      if (!kept[j]) continue;
      this.#rowKept[Math.floor(j / this.#rowSize)]--;
      this.#layerKept--;
    }
  }
}
