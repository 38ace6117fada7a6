/**
 * The elementary move of every channel-permutation search: exchange two positions of a tie in one
 * layer's mask (its rows, or its column blocks), updating the layer's `ProxyState` incrementally.
 * The exact optimum enumerates with it; the assembler makes the same exchange on its per-kernel
 * model (`UnitState`), which the tests check against this one.
 *
 * @module
 */
import type { LayerMove } from "./permute.ts";
import type { ProxyState } from "./_proxy.ts";

/** One layer a tie touches: its state, how its weights move, and which side the tie is on. */
export interface Touch {
  readonly state: ProxyState;
  readonly move: LayerMove;
  /** True: the tie is the layer's output (rows); false: its input (column blocks). */
  readonly rows: boolean;
}

/**
 * Exchange positions p and q of a layer's rows or column blocks in its mask.
 *
 * @example Swapping twice restores the mask
 * ```ts
 * import { swapPositions } from "./_swap.ts";
 * import { ProxyState } from "./_proxy.ts";
 * import { layerStructures } from "./structures.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec } from "../nn/mod.ts";
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 *
 * const s = layerStructures("c", parseLayerSpec("conv:h=8,w=8,ci=4,co=4,k=3"), {
 *   framework: "gazelle",
 *   preset: getPreset("gazelle"),
 * });
 * const state = new ProxyState(s, Uint8Array.from({ length: s.weights }, (_, j) => j < 36 ? 0 : 1));
 * const t = { state, move: { rows: 4, cols: 4, inner: 9, block: 1, outTie: null, inTie: null }, rows: true };
 * const before = state.kept.join(), phi = state.phi;
 * swapPositions(t, 0, 3);
 * // Row 0 (36 weights, pruned) and row 3 (kept) exchanged.
 * assertEquals([state.kept[0], state.kept[3 * 36]], [1, 0]);
 * swapPositions(t, 0, 3);
 * assertEquals(state.kept.join(), before);
 * assertAlmostEquals(state.phi, phi, 1e-9);
 * ```
 */
export function swapPositions(t: Touch, p: number, q: number): void {
  const { state, move, rows } = t;
  const { cols, inner, block } = move;
  const kept = state.kept;
  if (rows) {
    const a0 = p * cols * inner, b0 = q * cols * inner;
    for (let x = 0; x < cols * inner; x++) {
      const ka = kept[a0 + x], kb = kept[b0 + x];
      if (ka === kb) continue;
      state.set(a0 + x, kb);
      state.set(b0 + x, ka);
    }
  } else {
    const R = kept.length / (cols * inner);
    for (let o = 0; o < R; o++) {
      for (let r = 0; r < block; r++) {
        const a0 = (o * cols + p * block + r) * inner, b0 = (o * cols + q * block + r) * inner;
        for (let x = 0; x < inner; x++) {
          const ka = kept[a0 + x], kb = kept[b0 + x];
          if (ka === kb) continue;
          state.set(a0 + x, kb);
          state.set(b0 + x, ka);
        }
      }
    }
  }
}
