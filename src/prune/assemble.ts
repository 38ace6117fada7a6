/**
 * MOSAIC's assembly step: channel permutations that gather scattered pruned basic units into
 * complete HE pruning structures. Per channel tie (one permutation shared by every tensor a
 * residual add joins), a greedy construction orders channels by how much of their rows and
 * columns is pruned (the most-pruned channels share ciphertexts and diagonals), then a local
 * search tries random position swaps and keeps those that raise the potential
 * Φ = Σ cost·(dead fraction)² over products, input groups and partial sums: Φ equals the HE cost
 * deleted once a structure is complete and rewards near-complete ones, so the search is not
 * blind on the plateaus of the exact objective. When no swap has helped for as many trials as the
 * tie has position pairs, the search is in a local optimum of Φ and kicks itself out with a few
 * random swaps (iterated local search); it keeps the best order seen, best by the exact objective
 * (predicted ms deleted by complete structures), then by Φ. Swaps are evaluated incrementally,
 * never applied and reverted, on a per-kernel model of each layer (`UnitState`): a trial reads the
 * two positions' bit runs a word at a time and updates one class counter per kernel that differs.
 * Ties are visited in network order, `passes` times.
 *
 * @module
 */
import type { ChannelTie } from "../nn/mod.ts";
import { EtaProgress, SeededRng } from "../base/mod.ts";
import { type Side, UnitState } from "./_unit_state.ts";
import { type LayerMove, movePerms, permuteWeights, tieKey } from "./permute.ts";
import { ProxyState } from "./_proxy.ts";
import { denseMs } from "./select.ts";

/** Assembly knobs. */
export interface AssembleOptions {
  /** Seed of the random swaps and kicks (one generator shared by the ties, in network order). */
  readonly seed: number;
  /** Local-search swap trials per channel of a tie and pass (default 32). */
  readonly swapsPerChannel?: number;
  /** Passes over all ties (default 4). */
  readonly passes?: number;
  /**
   * Fewest trials per tie and pass (default 2000): a small tie reaches a local optimum within a
   * few dozen trials, and the rest go to kicked restarts, which is where small ties find their
   * optimum; large ties get `swapsPerChannel` × channels anyway.
   */
  readonly minTrials?: number;
  /**
   * Progress lines (`mosaic: assembly, 12/56 tie searches, 3.1 s elapsed, ETA 7 s`): one per tie
   * search at most every `progressIntervalMs`, and always one at the end.
   */
  readonly progress?: (line: string) => void;
  /** Fewest ms between two progress lines (default 1000; 0 says every tie search). */
  readonly progressIntervalMs?: number;
}

/** The defaults of `AssembleOptions`.
 *
 * @example The defaults
 * ```ts
 * import { ASSEMBLE_DEFAULTS } from "./assemble.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(ASSEMBLE_DEFAULTS, { swapsPerChannel: 32, passes: 4, minTrials: 2000 });
 * ```
 */
export const ASSEMBLE_DEFAULTS = { swapsPerChannel: 32, passes: 4, minTrials: 2000 } as const;

/** What the assembler did. */
export interface AssembleResult {
  /** Position p of a tie holds original channel perm[p]. */
  readonly perms: Map<string, Int32Array>;
  /** Swap trials evaluated (p ≠ q), over all ties and passes. */
  readonly trials: number;
  /** Swaps kept (they raised Φ). */
  readonly accepted: number;
  /** Kicks out of local optima. */
  readonly kicks: number;
  /** Predicted ms deleted by complete structures before assembly. */
  readonly deletedBefore: number;
  /** … after assembly. */
  readonly deletedAfter: number;
  /** The search's potential Φ, summed over every layer, before assembly. */
  readonly phiBefore: number;
  /** … after assembly. */
  readonly phiAfter: number;
  /** Wall-clock ms of the assembly. */
  readonly ms: number;
}

/** Random swaps per kick: enough to leave a swap-local optimum, few enough to stay near it. */
const KICK_SWAPS = 4;

/**
 * Fixed work of a trial per side, in units read: the progress estimate's weight of a trial is the
 * units it reads plus this (on full-width VGG-16 the tie searches' times follow that weight within
 * a factor of about 2, from the smallest tie to the largest).
 */
const TRIAL_OVERHEAD = 8;

/** Search counters, summed over ties. */
interface Tally {
  trials: number;
  accepted: number;
  kicks: number;
}

/** The local search of one tie: its permutation and the layer sides it moves. */
class TieSearch {
  readonly #sides: readonly { readonly u: UnitState; readonly side: Side }[];
  readonly #layers: readonly UnitState[];
  /** Evaluate-then-apply needs each layer once; a layer on both sides is swapped and undone. */
  readonly #distinct: boolean;
  readonly #perm: Int32Array;
  readonly #rng: SeededRng;
  /**
   * Work of one swap trial, for progress estimates: a trial reads the units of two positions on
   * every side (plus a fixed overhead per side).
   */
  readonly trialWork: number;

  constructor(
    sides: readonly { readonly u: UnitState; readonly side: Side }[],
    perm: Int32Array,
    rng: SeededRng,
  ) {
    this.#sides = sides;
    this.#layers = [...new Set(sides.map((t) => t.u))];
    this.#distinct = this.#layers.length === sides.length;
    this.#perm = perm;
    this.#rng = rng;
    this.trialWork = sides.reduce(
      (w, t) => w + t.u.kept.length / t.u.positions(t.side) + TRIAL_OVERHEAD,
      0,
    );
  }

  get #phi(): number {
    let phi = 0;
    for (const l of this.#layers) phi += l.phi;
    return phi;
  }

  /** Deleted ms up to a constant (minus the live ms): only differences are used. */
  get #del(): number {
    let d = 0;
    for (const l of this.#layers) d -= l.ms;
    return d;
  }

  #swap(p: number, q: number): void {
    for (const t of this.#sides) t.u.swap(t.side, p, q);
    const perm = this.#perm, tmp = perm[p];
    perm[p] = perm[q];
    perm[q] = tmp;
  }

  /** Reorder so that position i holds original channel target[i], one swap per fixed position. */
  #moveTo(target: Int32Array): void {
    const perm = this.#perm, where = new Int32Array(perm.length);
    perm.forEach((v, i) => where[v] = i);
    for (let i = 0; i < perm.length; i++) {
      if (perm[i] === target[i]) continue;
      const j = where[target[i]];
      where[perm[i]] = j;
      where[perm[j]] = i;
      this.#swap(i, j);
    }
  }

  /** Greedy construction: most-pruned channels first, kept only if it raises Φ. */
  construct(): void {
    const C = this.#perm.length;
    const pruned = new Float64Array(C), size = new Float64Array(C);
    for (const t of this.#sides) t.u.tally(t.side, pruned, size);
    const order = Int32Array.from({ length: C }, (_, i) => i).sort((a, b) =>
      pruned[b] / size[b] - pruned[a] / size[a] || a - b
    );
    const start = this.#perm.slice(), phi = this.#phi;
    this.#moveTo(Int32Array.from(order, (o) => start[o]));
    if (!(this.#phi > phi + 1e-12)) this.#moveTo(start);
  }

  /** `n` swap trials: hill climbing on Φ with kicks out of local optima; ends on the best order. */
  run(n: number, tally: Tally): void {
    const C = this.#perm.length, pairs = C * (C - 1) / 2, rng = this.#rng;
    let phi = this.#phi, del = this.#del;
    let bestPhi = phi, bestDel = del, best = this.#perm.slice();
    let stall = 0;
    for (let trial = 0; trial < n; trial++) {
      if (stall >= pairs) {
        // No swap helped in as many trials as there are pairs: a local optimum of Φ.
        for (let k = 0; k < KICK_SWAPS; k++) {
          const a = rng.int(0, C), b = rng.int(0, C);
          if (a !== b) this.#swap(a, b);
        }
        phi = this.#phi;
        del = this.#del;
        stall = 0;
        tally.kicks++;
      }
      const p = rng.int(0, C), q = rng.int(0, C);
      if (p === q) continue;
      tally.trials++;
      let dPhi = 0, dDel = 0;
      if (this.#distinct) {
        for (const t of this.#sides) {
          t.u.evaluate(t.side, p, q);
          dPhi += t.u.gainPhi;
          dDel += t.u.gainDeleted;
        }
      } else {
        this.#swap(p, q);
        dPhi = this.#phi - phi;
        dDel = this.#del - del;
      }
      if (!(dPhi > 1e-9)) {
        stall++;
        if (!this.#distinct) this.#swap(p, q);
        continue;
      }
      stall = 0;
      tally.accepted++;
      if (this.#distinct) this.#swap(p, q);
      phi += dPhi;
      del += dDel;
      if (del > bestDel + 1e-9 || (del > bestDel - 1e-9 && phi > bestPhi + 1e-9)) {
        bestPhi = phi;
        bestDel = del;
        best = this.#perm.slice();
      }
    }
    this.#moveTo(best);
  }
}

/**
 * Search permutations for the ties, replacing the entries of `states` (position-space masks of
 * the pruned basic units) by states in the permuted order.
 *
 * @example Assembly completes structures out of scattered pruned kernels
 * ```ts
 * import { assemble } from "./assemble.ts";
 * import { layerMoves } from "./permute.ts";
 * import { ProxyState } from "./_proxy.ts";
 * import { layerStructures } from "./structures.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo, channelTies, quantizedLayers } from "../nn/mod.ts";
 * import { assertGreater } from "@std/assert";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const states = new Map(quantizedLayers(net).map(({ layer }) => {
 *   const s = layerStructures(layer.name, layer.shape, { framework: "gazelle", preset: getPreset("gazelle") });
 *   // One kernel in ten kept, scattered.
 *   const kept = Uint8Array.from({ length: s.weights }, (_, j) => (Math.floor(j / s.unitSize) * 7919) % 10 === 0 ? 1 : 0);
 *   return [layer.name, new ProxyState(s, kept)];
 * }));
 * // The moves must refer to the very tie objects searched.
 * const ties = channelTies(net);
 * const r = assemble(ties, layerMoves(net, ties), states, { seed: 1, swapsPerChannel: 2, minTrials: 50 });
 * assertGreater(r.trials, 0, "no tie was searched");
 * assertGreater(r.deletedAfter, r.deletedBefore, "assembly deleted nothing more");
 * ```
 */
export function assemble(
  ties: readonly ChannelTie[],
  moves: ReadonlyMap<string, LayerMove>,
  states: Map<string, ProxyState>,
  opts: AssembleOptions,
): AssembleResult {
  const t0 = performance.now();
  const rng = new SeededRng(opts.seed);
  const spc = opts.swapsPerChannel ?? ASSEMBLE_DEFAULTS.swapsPerChannel;
  const passes = opts.passes ?? ASSEMBLE_DEFAULTS.passes;
  const minTrials = opts.minTrials ?? ASSEMBLE_DEFAULTS.minTrials;
  const deleted = () => {
    let d = 0;
    for (const st of states.values()) d += denseMs(st) - st.ms;
    return d;
  };
  const phi = () => {
    let f = 0;
    for (const st of states.values()) f += st.phi;
    return f;
  };
  const deletedBefore = deleted(), phiBefore = phi();
  const perms = new Map<string, Int32Array>();
  const units = new Map<string, UnitState>();
  const searches: [ChannelTie, TieSearch][] = [];
  for (const tie of ties) {
    if (tie.fixed || tie.channels < 2) continue;
    const perm = Int32Array.from({ length: tie.channels }, (_, i) => i);
    perms.set(tieKey(tie), perm);
    const sides: { u: UnitState; side: Side }[] = [];
    for (const [name, move] of moves) {
      const state = states.get(name);
      if (!state || (move.outTie !== tie && move.inTie !== tie)) continue;
      let u = units.get(name);
      if (!u) units.set(name, u = new UnitState(state, move));
      if (move.outTie === tie) sides.push({ u, side: "rows" });
      if (move.inTie === tie) sides.push({ u, side: "cols" });
    }
    if (sides.length > 0) searches.push([tie, new TieSearch(sides, perm, rng)]);
  }
  const tally: Tally = { trials: 0, accepted: 0, kicks: 0 };
  const trialsOf = (tie: ChannelTie) => Math.max(spc * tie.channels, minTrials);
  const workOf = ([tie, search]: [ChannelTie, TieSearch]) => trialsOf(tie) * search.trialWork;
  const passWork = searches.reduce((w, s) => w + workOf(s), 0);
  const meter = opts.progress && new EtaProgress(opts.progress, {
    total: passes * searches.length,
    what: "tie searches",
    totalWork: passes * passWork,
    prefix: "mosaic: assembly, ",
    intervalMs: opts.progressIntervalMs,
  });
  let step = 0, work = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (const s of searches) {
      const [tie, search] = s;
      if (pass === 0) search.construct();
      search.run(trialsOf(tie), tally);
      work += workOf(s);
      meter?.update(++step, { work });
    }
  }
  // The searched layers' states, rebuilt in the permuted order.
  for (const name of units.keys()) {
    const move = moves.get(name)!;
    const { out, inp } = movePerms(move, perms);
    const st = states.get(name)!;
    states.set(name, new ProxyState(st.s, permuteWeights(st.kept, move, out, inp)));
  }
  return {
    perms,
    ...tally,
    deletedBefore,
    deletedAfter: deleted(),
    phiBefore,
    phiAfter: phi(),
    ms: performance.now() - t0,
  };
}
