/**
 * MOSAIC's assembly step: channel permutations that gather scattered pruned basic units into
 * complete HE pruning structures. Per channel tie (one permutation shared by every tensor a
 * residual add joins), a greedy construction orders channels by how much of their rows and
 * columns is pruned (the most-pruned channels share ciphertexts and diagonals), then a local
 * search tries random position swaps and keeps those that raise the potential
 * Φ = Σ cost·(dead fraction)² over products, input groups and partial sums: Φ equals the HE cost
 * deleted once a structure is complete and rewards near-complete ones, so the search is not
 * blind on the plateaus of the exact objective. Ties are visited in network order, `passes`
 * times.
 *
 * @module
 */
import type { ChannelTie } from "../nn/network.ts";
import { Rng } from "../nn/random.ts";
import { swapPositions as swap, type Touch } from "./_swap.ts";
import { type LayerMove, permuteWeights, tieKey } from "./permute.ts";
import { ProxyState } from "./proxy.ts";
import { denseMs } from "./select.ts";

/** Assembly knobs. */
export interface AssembleOptions {
  readonly seed: number;
  /** Local-search swap trials per channel of a tie and pass (default 8). */
  readonly swapsPerChannel?: number;
  /** Passes over all ties (default 2). */
  readonly passes?: number;
}

/** What the assembler did. */
export interface AssembleResult {
  /** Position p of a tie holds original channel perm[p]. */
  readonly perms: Map<string, Int32Array>;
  readonly trials: number;
  readonly accepted: number;
  /** Predicted ms deleted by complete structures before and after. */
  readonly deletedBefore: number;
  readonly deletedAfter: number;
  readonly ms: number;
}

/**
 * Search permutations for the ties, mutating `states` (position-space masks of the pruned basic
 * units) into the permuted order.
 *
 * @example
 * ```ts
 * import { assemble } from "./assemble.ts";
 * import { layerMoves } from "./permute.ts";
 * import { ProxyState } from "./proxy.ts";
import { denseMs } from "./select.ts";
 * import { layerStructures } from "./structures.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { channelTies, quantizedLayers } from "../nn/mod.ts";
 * import { buildZoo } from "../nn/zoo.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const states = new Map(quantizedLayers(net).map(({ layer }) => {
 *   const s = layerStructures(layer.name, layer.shape, { framework: "gazelle", preset: getPreset("gazelle") });
 *   return [layer.name, new ProxyState(s, Uint8Array.from({ length: s.weights }, (_, j) => (j * 7919) % 3 === 0 ? 1 : 0))];
 * }));
 * const r = assemble(channelTies(net), layerMoves(net), states, { seed: 1, swapsPerChannel: 2 });
 * if (r.deletedAfter < r.deletedBefore) throw new Error();
 * ```
 */
export function assemble(
  ties: readonly ChannelTie[],
  moves: ReadonlyMap<string, LayerMove>,
  states: Map<string, ProxyState>,
  opts: AssembleOptions,
): AssembleResult {
  const t0 = performance.now();
  const rng = new Rng(opts.seed);
  const perms = new Map<string, Int32Array>();
  const deleted = () => {
    let d = 0;
    for (const st of states.values()) d += denseMs(st) - st.ms;
    return d;
  };
  const deletedBefore = deleted();
  let trials = 0, accepted = 0;
  const free = ties.filter((t) => !t.fixed && t.channels > 1);
  for (const tie of free) {
    perms.set(
      tieKey(tie),
      Int32Array.from({ length: tie.channels }, (_, i) => i),
    );
  }
  const touches = (tie: ChannelTie): Touch[] => {
    const out: Touch[] = [];
    for (const [name, move] of moves) {
      const state = states.get(name);
      if (!state) continue;
      if (move.outTie === tie) out.push({ state, move, rows: true });
      if (move.inTie === tie) out.push({ state, move, rows: false });
    }
    return out;
  };
  const passes = opts.passes ?? 2;
  for (let pass = 0; pass < passes; pass++) {
    for (const tie of free) {
      const key = tieKey(tie);
      const C = tie.channels;
      let list = touches(tie);
      if (list.length === 0) continue;
      if (pass === 0) {
        // Greedy construction: most-pruned channels first.
        const pruned = new Float64Array(C), size = new Float64Array(C);
        for (const { state, move, rows } of list) {
          const { cols, inner, block } = move;
          for (let j = 0; j < state.kept.length; j++) {
            const p = Math.floor(j / inner / cols), q = Math.floor(j / inner) % cols;
            const c = rows ? p : Math.floor(q / block);
            size[c]++;
            if (!state.kept[j]) pruned[c]++;
          }
        }
        const order = Int32Array.from({ length: C }, (_, i) => i).sort((a, b) =>
          pruned[b] / size[b] - pruned[a] / size[a] || a - b
        );
        const phiBefore = list.reduce((a, t) => a + t.state.phi, 0);
        const rebuilt = new Map<ProxyState, ProxyState>();
        for (const t of list) {
          const cur = rebuilt.get(t.state) ?? t.state;
          const kept = permuteWeights(
            cur.kept,
            t.move,
            t.rows ? order : null,
            t.rows ? null : order,
          );
          rebuilt.set(t.state, new ProxyState(cur.s, kept));
        }
        const phiAfter = [...rebuilt.values()].reduce((a, s) => a + s.phi, 0);
        if (phiAfter > phiBefore + 1e-12) {
          for (const [old, fresh] of rebuilt) {
            for (const [name, st] of states) if (st === old) states.set(name, fresh);
          }
          const perm = perms.get(key)!;
          perms.set(key, Int32Array.from(order, (o) => perm[o]));
          list = touches(tie);
        }
      }
      const perm = perms.get(key)!;
      const n = (opts.swapsPerChannel ?? 8) * C;
      for (let trial = 0; trial < n; trial++) {
        const p = rng.int(0, C), q = rng.int(0, C);
        if (p === q) continue;
        trials++;
        const before = list.reduce((a, t) => a + t.state.phi, 0);
        for (const t of list) swap(t, p, q);
        const after = list.reduce((a, t) => a + t.state.phi, 0);
        if (after > before + 1e-9) {
          accepted++;
          const tmp = perm[p];
          perm[p] = perm[q];
          perm[q] = tmp;
        } else {
          for (const t of list) swap(t, p, q);
        }
      }
    }
  }
  for (const st of states.values()) st.recompute();
  return {
    perms,
    trials,
    accepted,
    deletedBefore,
    deletedAfter: deleted(),
    ms: performance.now() - t0,
  };
}
