/**
 * The incremental cost model pruning searches on: a layer's predicted milliseconds as the sum
 * of its live products, live input groups (rotation + NTT) and live partial sums (INTT, switches,
 * output rotation), updated in O(1) per weight toggled. Exact numbers come from
 * `LayerStructures.counts`; this model only ranks moves (it leaves out the few output-level ops).
 *
 * @module
 */
import type { LayerStructures } from "./structures.ts";

/** Live/dead bookkeeping of one layer under a mask (position space, 1 = kept).
 *
 * @example Pruning a structure lowers the predicted ms
 * ```ts
 * import { ProxyState } from "./_proxy.ts";
 * import { layerStructures } from "./structures.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec } from "../nn/mod.ts";
 * import { assertLess } from "@std/assert";
 *
 * const s = layerStructures("c", parseLayerSpec("conv:h=8,w=8,ci=8,co=8,k=3"), {
 *   framework: "gazelle",
 *   preset: getPreset("gazelle"),
 * });
 * const state = new ProxyState(s, new Uint8Array(s.weights).fill(1));
 * const before = state.ms;
 * for (const j of s.structures[0].weights) state.set(j, 0);
 * assertLess(state.ms, before);
 * ```
 */
export class ProxyState {
  readonly s: LayerStructures;
  readonly kept: Uint8Array;
  /** Kept weights of each product. */
  readonly nz: Int32Array;
  /** Live products of each input group and each partial sum. */
  readonly rotLive: Int32Array;
  readonly accLive: Int32Array;
  /** Predicted ms of the live ops. */
  ms = 0;
  /** Smooth potential: Σ cost·(dead fraction)², over products, groups and sums. */
  phi = 0;
  readonly #size: Int32Array;
  #scratchP: Int32Array;
  #scratchR: Int32Array;
  #scratchA: Int32Array;

  constructor(s: LayerStructures, kept: Uint8Array) {
    if (kept.length !== s.weights) throw new Error(`mask of ${kept.length} for ${s.weights}`);
    this.s = s;
    this.kept = kept.slice();
    const P = s.prodCost.length;
    this.#size = new Int32Array(P);
    this.nz = new Int32Array(P);
    for (let m = 0; m < P; m++) {
      this.#size[m] = s.prodStart[m + 1] - s.prodStart[m];
      for (let q = s.prodStart[m]; q < s.prodStart[m + 1]; q++) {
        this.nz[m] += this.kept[s.prodWeights[q]];
      }
    }
    this.rotLive = new Int32Array(s.rotCost.length);
    this.accLive = new Int32Array(s.accCost.length);
    for (let m = 0; m < P; m++) {
      if (this.nz[m] > 0) {
        this.rotLive[s.prodRot[m]]++;
        this.accLive[s.prodAcc[m]]++;
      }
    }
    this.#scratchP = new Int32Array(P);
    this.#scratchR = new Int32Array(s.rotCost.length);
    this.#scratchA = new Int32Array(s.accCost.length);
    this.recompute();
  }

  /** Recompute `ms` and `phi` from the counters. */
  recompute(): void {
    const s = this.s;
    let ms = 0, phi = 0;
    for (let m = 0; m < this.nz.length; m++) {
      if (this.nz[m] > 0) ms += s.prodCost[m];
      phi += s.prodCost[m] * sq(1 - this.nz[m] / this.#size[m]);
    }
    for (let r = 0; r < this.rotLive.length; r++) {
      if (this.rotLive[r] > 0) ms += s.rotCost[r];
      phi += s.rotCost[r] * sq(1 - this.rotLive[r] / s.rotSize[r]);
    }
    for (let a = 0; a < this.accLive.length; a++) {
      if (this.accLive[a] > 0) ms += s.accCost[a];
      phi += s.accCost[a] * sq(1 - this.accLive[a] / s.accSize[a]);
    }
    this.ms = ms;
    this.phi = phi;
  }

  /** Set weight j kept (1) or pruned (0), updating `ms` and `phi`. */
  set(j: number, keep: number): void {
    if (this.kept[j] === keep) return;
    this.kept[j] = keep;
    const s = this.s;
    const d = keep ? 1 : -1;
    for (let q = s.weightStart[j]; q < s.weightStart[j + 1]; q++) {
      const m = s.weightProds[q];
      const size = this.#size[m];
      const before = this.nz[m];
      const after = before + d;
      this.nz[m] = after;
      this.phi += s.prodCost[m] * (sq(1 - after / size) - sq(1 - before / size));
      if ((before === 0) !== (after === 0)) {
        const alive = after > 0 ? 1 : -1;
        this.ms += alive * s.prodCost[m];
        const r = s.prodRot[m], a = s.prodAcc[m];
        this.#bump(r, alive, this.rotLive, s.rotCost, s.rotSize);
        this.#bump(a, alive, this.accLive, s.accCost, s.accSize);
      }
    }
  }

  #bump(g: number, d: number, live: Int32Array, cost: Float64Array, size: Int32Array): void {
    const before = live[g], after = before + d;
    live[g] = after;
    this.phi += cost[g] * (sq(1 - after / size[g]) - sq(1 - before / size[g]));
    if ((before === 0) !== (after === 0)) this.ms += (after > 0 ? 1 : -1) * cost[g];
  }

  /** Predicted ms deleted by pruning every kept weight of `weights` (nothing is changed). */
  marginal(weights: Int32Array): number {
    const s = this.s;
    const touchedP: number[] = [], touchedR: number[] = [], touchedA: number[] = [];
    let ms = 0;
    for (const j of weights) {
      if (!this.kept[j]) continue;
      for (let q = s.weightStart[j]; q < s.weightStart[j + 1]; q++) {
        const m = s.weightProds[q];
        if (this.#scratchP[m] === 0) touchedP.push(m);
        if (++this.#scratchP[m] === this.nz[m]) {
          ms += s.prodCost[m];
          const r = s.prodRot[m], a = s.prodAcc[m];
          if (this.#scratchR[r] === 0) touchedR.push(r);
          if (++this.#scratchR[r] === this.rotLive[r]) ms += s.rotCost[r];
          if (this.#scratchA[a] === 0) touchedA.push(a);
          if (++this.#scratchA[a] === this.accLive[a]) ms += s.accCost[a];
        }
      }
    }
    for (const m of touchedP) this.#scratchP[m] = 0;
    for (const r of touchedR) this.#scratchR[r] = 0;
    for (const a of touchedA) this.#scratchA[a] = 0;
    return ms;
  }

  /** True if every weight of `weights` is pruned. */
  complete(weights: Int32Array): boolean {
    for (const j of weights) if (this.kept[j]) return false;
    return true;
  }
}

function sq(x: number): number {
  return x * x;
}
