/**
 * The exact optimum of assembly on small instances, to measure the assembler against: one free
 * channel tie, the layers it touches (a producer whose rows it permutes, consumers whose column
 * blocks it permutes), fixed masks of pruned basic units. Every permutation of the tie is visited
 * by Heap's algorithm, where each permutation is one position swap from the previous one, so the
 * layers' `ProxyState`s follow with the very swap the assembler makes. Three objectives are
 * maximised at once: the assembler's potential Φ, the predicted ms deleted by complete structures
 * (the exact objective of the cost model), and the number of complete structures.
 *
 * @module
 */
import type { ChannelTie } from "../nn/mod.ts";
import { UserError } from "../base/mod.ts";
import { swapPositions, type Touch } from "./_swap.ts";
import { type LayerMove, permuteWeights } from "./permute.ts";
import { ProxyState } from "./_proxy.ts";
import { denseMs } from "./select.ts";
import { DEFAULT_KINDS, type LayerStructures, type StructureKind } from "./structures.ts";

/** One free tie and the layers it touches, with their masks in the identity order. */
export interface SmallInstance {
  /** Label of the instance (framework, shapes and mask kind in the suite). */
  readonly name: string;
  /** The one free tie whose channel order is searched. */
  readonly tie: ChannelTie;
  /** How every layer of `layers` moves (its `outTie` and/or `inTie` is `tie`). */
  readonly moves: ReadonlyMap<string, LayerMove>;
  /** Each layer's structures and mask (1 = kept, position space before any permutation). */
  readonly layers: ReadonlyMap<string, { readonly s: LayerStructures; readonly kept: Uint8Array }>;
}

/** What an order of the tie's channels achieves. */
export interface AssemblyValue {
  /** Σ cost·(dead fraction)² over the layers' products, input groups and partial sums. */
  readonly phi: number;
  /** Predicted ms deleted by complete structures (dense ms − live ms). */
  readonly deletedMs: number;
  /** Complete structures by kind (the kinds asked for, zeros included). */
  readonly complete: Partial<Record<StructureKind, number>>;
  /** Complete structures of all those kinds. */
  readonly completeTotal: number;
}

/** The best permutation for one objective, and everything it achieves. */
export interface OptimumPoint {
  /** Position p holds original channel perm[p]. */
  readonly perm: Int32Array;
  /** What the layers achieve in that order (recomputed from scratch). */
  readonly value: AssemblyValue;
}

/** The exact optimum of an instance under each objective. */
export interface OptimumResult {
  /** Permutations visited: channels! of the tie. */
  readonly permutations: number;
  /** Max Φ. */
  readonly phi: OptimumPoint;
  /** Max deleted ms (ties: max Φ). */
  readonly deleted: OptimumPoint;
  /** Max complete structures (ties: max deleted ms). */
  readonly complete: OptimumPoint;
  /** Wall-clock ms of the enumeration. */
  readonly ms: number;
}

/** Largest tie `optimum` enumerates: 11! is about 40 million permutations. */
export const MAX_OPTIMUM_CHANNELS = 11;

/**
 * The layers' states with the tie permuted by `perm` (identity when null), built from scratch.
 *
 * @example A permutation moves the rows
 * ```ts
 * import { instanceStates } from "./optimum.ts";
 * import { layerStructures } from "./structures.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec } from "../nn/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const s = layerStructures("a", parseLayerSpec("conv:h=8,w=8,ci=2,co=3,k=3"), {
 *   framework: "gazelle",
 *   preset: getPreset("gazelle"),
 * });
 * const tie = { tensors: ["t"], channels: 3, producers: ["a"], consumers: [], followers: [], fixed: false };
 * const kept = Uint8Array.from({ length: s.weights }, (_, j) => j % 2);
 * const inst = {
 *   name: "x",
 *   tie,
 *   moves: new Map([["a", { rows: 3, cols: 2, inner: 9, block: 1, outTie: tie, inTie: null }]]),
 *   layers: new Map([["a", { s, kept }]]),
 * };
 * // The identity order is the masks themselves; [2, 1, 0] puts original row 2 (18 weights) first.
 * assertEquals(instanceStates(inst).get("a")!.kept, kept);
 * const st = instanceStates(inst, Int32Array.from([2, 1, 0])).get("a")!;
 * assertEquals(st.kept.subarray(0, 18), kept.subarray(2 * 18, 3 * 18));
 * ```
 */
export function instanceStates(
  inst: SmallInstance,
  perm: Int32Array | null = null,
): Map<string, ProxyState> {
  const out = new Map<string, ProxyState>();
  for (const [name, { s, kept }] of inst.layers) {
    const move = inst.moves.get(name)!;
    const rows = move.outTie === inst.tie ? perm : null;
    const cols = move.inTie === inst.tie ? perm : null;
    out.set(name, new ProxyState(s, permuteWeights(kept, move, rows, cols)));
  }
  return out;
}

/**
 * Φ, deleted ms and complete structures by kind of the layers' current masks.
 *
 * @example A fully pruned layer deletes its whole predicted cost
 * ```ts
 * import { assemblyValue } from "./optimum.ts";
 * import { ProxyState } from "./_proxy.ts";
 * import { denseMs } from "./select.ts";
 * import { layerStructures } from "./structures.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec } from "../nn/mod.ts";
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 *
 * const s = layerStructures("a", parseLayerSpec("conv:h=8,w=8,ci=4,co=4,k=3"), {
 *   framework: "gazelle",
 *   preset: getPreset("gazelle"),
 * });
 * const st = new ProxyState(s, new Uint8Array(s.weights));
 * const v = assemblyValue(new Map([["a", st]]));
 * assertAlmostEquals(v.deletedMs, denseMs(st), 1e-9);
 * // Every structure of the default kinds is complete.
 * assertEquals(v.completeTotal, s.structures.filter((x) => x.kind !== "product").length);
 * ```
 */
export function assemblyValue(
  states: ReadonlyMap<string, ProxyState>,
  kinds: readonly StructureKind[] = DEFAULT_KINDS,
): AssemblyValue {
  let phi = 0, deletedMs = 0, completeTotal = 0;
  const complete: Partial<Record<StructureKind, number>> = {};
  for (const st of states.values()) {
    phi += st.phi;
    deletedMs += denseMs(st) - st.ms;
    for (const x of st.s.structures) {
      if (!kinds.includes(x.kind)) continue;
      complete[x.kind] ??= 0;
      if (st.complete(x.weights)) {
        complete[x.kind]!++;
        completeTotal++;
      }
    }
  }
  return { phi, deletedMs, complete, completeTotal };
}

/**
 * A `ProxyState` that also counts its complete structures, updated on every weight it sets (the
 * enumeration reads the count after each swap instead of rescanning every structure).
 */
class CountingState extends ProxyState {
  /** Kept weights of each counted structure, and the structures of each weight (CSR). */
  readonly #live: Int32Array;
  readonly #start: Int32Array;
  readonly #list: Int32Array;
  completeCount = 0;

  constructor(s: LayerStructures, kept: Uint8Array, kinds: readonly StructureKind[]) {
    super(s, kept);
    const counted = s.structures.filter((x) => kinds.includes(x.kind));
    this.#live = new Int32Array(counted.length);
    const deg = new Int32Array(s.weights + 1);
    counted.forEach((x, i) => {
      for (const j of x.weights) {
        deg[j + 1]++;
        this.#live[i] += this.kept[j];
      }
      if (this.#live[i] === 0) this.completeCount++;
    });
    this.#start = new Int32Array(s.weights + 1);
    for (let j = 0; j < s.weights; j++) this.#start[j + 1] = this.#start[j] + deg[j + 1];
    this.#list = new Int32Array(this.#start[s.weights]);
    const fill = this.#start.slice(0, s.weights);
    counted.forEach((x, i) => {
      for (const j of x.weights) this.#list[fill[j]++] = i;
    });
  }

  override set(j: number, keep: number): void {
    if (this.kept[j] === keep) return;
    const d = keep ? 1 : -1;
    for (let q = this.#start[j]; q < this.#start[j + 1]; q++) {
      const i = this.#list[q];
      const before = this.#live[i];
      this.#live[i] = before + d;
      if (before === 0) this.completeCount--;
      else if (before + d === 0) this.completeCount++;
    }
    super.set(j, keep);
  }
}

/**
 * The exact optimum of a small instance: every permutation of its tie, in Heap's order.
 *
 * @example The optimum is at least the identity order
 * ```ts
 * import { assemblyValue, instanceStates, optimum } from "./optimum.ts";
 * import { layerStructures } from "./structures.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec } from "../nn/mod.ts";
 * import { assertEquals, assertGreaterOrEqual } from "@std/assert";
 *
 * const s = layerStructures("a", parseLayerSpec("conv:h=20,w=20,ci=4,co=5,k=3"), {
 *   framework: "gazelle",
 *   preset: getPreset("gazelle"),
 * });
 * const tie = { tensors: ["t"], channels: 5, producers: ["a"], consumers: [], followers: [], fixed: false };
 * const kept = Uint8Array.from({ length: s.weights }, (_, j) => (Math.floor(j / 9) * 7) % 3 === 0 ? 1 : 0);
 * const inst = {
 *   name: "x",
 *   tie,
 *   moves: new Map([["a", { rows: 5, cols: 4, inner: 9, block: 1, outTie: tie, inTie: null }]]),
 *   layers: new Map([["a", { s, kept }]]),
 * };
 * const opt = optimum(inst);
 * const id = assemblyValue(instanceStates(inst));
 * assertEquals(opt.permutations, 120); // 5!
 * assertGreaterOrEqual(opt.deleted.value.deletedMs, id.deletedMs - 1e-9);
 * assertGreaterOrEqual(opt.phi.value.phi, id.phi - 1e-9);
 * ```
 */
export function optimum(
  inst: SmallInstance,
  opts: { readonly kinds?: readonly StructureKind[] } = {},
): OptimumResult {
  const t0 = performance.now();
  const kinds = opts.kinds ?? DEFAULT_KINDS;
  const C = inst.tie.channels;
  if (C > MAX_OPTIMUM_CHANNELS) {
    throw new UserError(
      `optimum: a tie of ${C} channels is too large to enumerate (at most ${MAX_OPTIMUM_CHANNELS})`,
    );
  }
  const states: CountingState[] = [];
  const touches: Touch[] = [];
  for (const [name, { s, kept }] of inst.layers) {
    const move = inst.moves.get(name)!;
    const st = new CountingState(s, kept, kinds);
    states.push(st);
    if (move.outTie === inst.tie) touches.push({ state: st, move, rows: true });
    if (move.inTie === inst.tie) touches.push({ state: st, move, rows: false });
  }
  const dense = states.reduce((a, st) => a + denseMs(st), 0);
  const perm = Int32Array.from({ length: C }, (_, i) => i);
  const eps = 1e-9;
  let bestPhi = -Infinity, bestDel = -Infinity, bestDelPhi = -Infinity;
  let bestCnt = -1, bestCntDel = -Infinity;
  let argPhi = perm.slice(), argDel = perm.slice(), argCnt = perm.slice();
  let visited = 0;
  const visit = () => {
    visited++;
    let phi = 0, live = 0, cnt = 0;
    for (const st of states) {
      phi += st.phi;
      live += st.ms;
      cnt += st.completeCount;
    }
    const del = dense - live;
    if (phi > bestPhi + eps) {
      bestPhi = phi;
      argPhi = perm.slice();
    }
    if (del > bestDel + eps || (del > bestDel - eps && phi > bestDelPhi + eps)) {
      bestDel = del;
      bestDelPhi = phi;
      argDel = perm.slice();
    }
    if (cnt > bestCnt || (cnt === bestCnt && del > bestCntDel + eps)) {
      bestCnt = cnt;
      bestCntDel = del;
      argCnt = perm.slice();
    }
  };
  const swap = (p: number, q: number) => {
    for (const t of touches) swapPositions(t, p, q);
    const tmp = perm[p];
    perm[p] = perm[q];
    perm[q] = tmp;
  };
  // Heap's algorithm, iterative: c[i] counts the swaps made at level i.
  visit();
  const c = new Int32Array(C);
  let i = 1;
  while (i < C) {
    if (c[i] < i) {
      swap(i % 2 === 0 ? 0 : c[i], i);
      visit();
      c[i]++;
      i = 1;
    } else {
      c[i] = 0;
      i++;
    }
  }
  // Report values recomputed from scratch, free of the enumeration's rounding drift.
  const point = (p: Int32Array): OptimumPoint => ({
    perm: p,
    value: assemblyValue(instanceStates(inst, p), kinds),
  });
  return {
    permutations: visited,
    phi: point(argPhi),
    deleted: point(argDel),
    complete: point(argCnt),
    ms: performance.now() - t0,
  };
}
