/**
 * Structure selection, the step Hunter and MOSAIC share: HE pruning structures are pruned
 * greedily by least norm of their still-kept weights per predicted millisecond of HE work their
 * pruning deletes (a lazy priority queue: a popped structure is re-scored against the current
 * mask and re-queued if it got worse), until the budget is met.
 *
 * @module
 */
import { linearNodes, type Network } from "../nn/mod.ts";
import { UserError } from "../base/mod.ts";
import type { ProxyState } from "./_proxy.ts";
import { DEFAULT_KINDS, type StructureKind } from "./structures.ts";
import { Floors } from "./floors.ts";
import type { Norm } from "./importance.ts";

/** How much to prune; Hunter and MOSAIC always get the same budget. */
export type Budget =
  | {
    /** Prune a fraction of all linear layers' weights. */
    readonly kind: "sparsity";
    /** Fraction of weights to prune, in [0, 1]. */
    readonly ratio: number;
  }
  | {
    /** Prune until the predicted HE cost falls to a fraction of the unpruned cost. */
    readonly kind: "cost";
    /** Predicted ms to reach, as a fraction of the unpruned layers' predicted ms, in [0, 1]. */
    readonly fraction: number;
  }
  | {
    /** Prune while enough of the weights' squared L2 norm is kept. */
    readonly kind: "saliency";
    /** Fraction of the squared L2 norm to keep, in [0, 1]. */
    readonly keep: number;
  }
  | {
    /** Prune each named layer to its own sparsity. */
    readonly kind: "layers";
    /** Fraction of weights to prune, by layer name, each in [0, 1]; unnamed layers stay dense. */
    readonly ratios: Readonly<Record<string, number>>;
  };

/** One layer taking part in a selection. */
export interface SelectLayer {
  readonly name: string;
  readonly state: ProxyState;
  /** Float weights in position space (BN-folded unless `raw`): saliency and retained Σw². */
  readonly w: Float32Array;
  /** Per-weight importance in position space (`importanceOf`); default the norm of `w`. */
  readonly importance?: Float64Array;
}

/** A budget in words, for reports.
 *
 * @example A sparsity budget in words
 * ```ts
 * import { budgetLabel } from "./select.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(budgetLabel({ kind: "sparsity", ratio: 0.7 }), "weight sparsity 0.7");
 * ```
 */
export function budgetLabel(b: Budget): string {
  switch (b.kind) {
    case "sparsity":
      return `weight sparsity ${b.ratio}`;
    case "cost":
      return `HE cost ${(100 * b.fraction).toFixed(1)}% of unpruned`;
    case "saliency":
      return `retained saliency ${b.keep}`;
    case "layers":
      return `per-layer ratios (${Object.keys(b.ratios).length} layers)`;
  }
}

/**
 * Check a budget's numbers; throws a one-line `UserError` naming the bad value.
 *
 * @example A ratio above 1 is rejected
 * ```ts
 * import { checkBudget } from "./select.ts";
 * import { assertThrows } from "@std/assert";
 *
 * checkBudget({ kind: "sparsity", ratio: 0.5 });
 * assertThrows(
 *   () => checkBudget({ kind: "sparsity", ratio: 1.5 }),
 *   Error,
 *   "--ratio must be in [0, 1], got 1.5",
 * );
 * ```
 */
export function checkBudget(b: Budget, layers?: readonly string[]): void {
  const inUnit = (v: number, what: string) => {
    if (!(v >= 0 && v <= 1)) throw new UserError(`${what} must be in [0, 1], got ${v}`);
  };
  if (b.kind === "sparsity") inUnit(b.ratio, "--ratio");
  else if (b.kind === "cost") inUnit(b.fraction, "--cost");
  else if (b.kind === "saliency") inUnit(b.keep, "--saliency");
  else {
    for (const [name, r] of Object.entries(b.ratios)) {
      if (layers && !layers.includes(name)) {
        throw new UserError(
          `per-layer ratios name layer "${name}", which the model does not have (layers: ${
            layers.slice(0, 4).join(", ")
          }, …)`,
        );
      }
      if (typeof r !== "number") throw new UserError(`ratio of layer ${name} is not a number`);
      inUnit(r, `ratio of layer ${name}`);
    }
  }
}

/** A binary min-heap of (score, id). */
class Heap {
  #score: number[] = [];
  #id: number[] = [];
  get size(): number {
    return this.#id.length;
  }
  push(score: number, id: number): void {
    const s = this.#score, d = this.#id;
    let i = d.length;
    s.push(score);
    d.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (s[p] < score || (s[p] === score && d[p] < id)) break;
      s[i] = s[p];
      d[i] = d[p];
      i = p;
    }
    s[i] = score;
    d[i] = id;
  }
  peek(): number {
    return this.#score[0];
  }
  pop(): { score: number; id: number } {
    const s = this.#score, d = this.#id;
    const top = { score: s[0], id: d[0] };
    const ls = s.pop()!, ld = d.pop()!;
    const n = d.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && (s[c + 1] < s[c] || (s[c + 1] === s[c] && d[c + 1] < d[c]))) c++;
        if (s[c] > ls || (s[c] === ls && d[c] > ld)) break;
        s[i] = s[c];
        d[i] = d[c];
        i = c;
      }
      s[i] = ls;
      d[i] = ld;
    }
    return top;
  }
}

/** What a selection did. */
export interface SelectionResult {
  /** Structures pruned, by layer and kind. */
  readonly pruned: Map<string, Partial<Record<StructureKind, number>>>;
}

/**
 * Prune structures of `layers` to `budget` (mutating each layer's state).
 *
 * @example Half of a layer pruned in whole structures
 * ```ts
 * import { selectStructures } from "./select.ts";
 * import { ProxyState } from "./_proxy.ts";
 * import { layerStructures } from "./structures.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec } from "../nn/mod.ts";
 * import { assertGreater, assertLessOrEqual } from "@std/assert";
 *
 * const s = layerStructures("c", parseLayerSpec("conv:h=8,w=8,ci=8,co=8,k=3"), {
 *   framework: "gazelle",
 *   preset: getPreset("gazelle"),
 * });
 * const state = new ProxyState(s, new Uint8Array(s.weights).fill(1));
 * const w = new Float32Array(s.weights).map((_, i) => Math.sin(i));
 * const r = selectStructures([{ name: "c", state, w }], { kind: "sparsity", ratio: 0.5 }, { norm: "l2" });
 * assertLessOrEqual(state.kept.reduce((a, b) => a + b, 0), s.weights / 2);
 * assertGreater(Object.values(r.pruned.get("c")!).reduce((a, b) => a + b, 0), 0);
 * ```
 */
export function selectStructures(
  layers: readonly SelectLayer[],
  budget: Budget,
  opts: SelectOptions,
): SelectionResult {
  if (budget.kind === "layers") return selectPerLayer(layers, budget, opts);
  const kinds = new Set(opts.kinds ?? DEFAULT_KINDS);
  const entries = candidates(layers, kinds);
  const tally = tallyOf(layers);
  const floors = layers.map((l) => new Floors(l.state, opts.floor ?? 0));
  const scoreOf = (e: number): number => structureScore(layers, entries[e], opts.norm);
  const heap = new Heap();
  entries.forEach((_, e) => {
    const s = scoreOf(e);
    if (s < Infinity) heap.push(s, e);
  });
  const pruned = new Map<string, Partial<Record<StructureKind, number>>>();
  while (heap.size > 0 && !budgetMet(budget, tally)) {
    const { id } = heap.pop();
    const s = scoreOf(id);
    if (s === Infinity) continue;
    if (heap.size > 0 && s > heap.peek() * (1 + 1e-12)) {
      heap.push(s, id);
      continue;
    }
    const { layer, index } = entries[id];
    const l = layers[layer];
    const st = l.state.s.structures[index];
    const { sal, n } = keptNorm(l, st.weights, opts.norm);
    if (budget.kind === "saliency" && tally.salKept - sal < budget.keep * tally.salTotal) break;
    if (opts.keepOne && tally.keptCount - n <= 0) continue;
    if (!floors[layer].allows(st.weights)) continue;
    floors[layer].remove(st.weights);
    pruneStructure(l, st, n, sal, tally);
    let byKind = pruned.get(l.name);
    if (!byKind) pruned.set(l.name, byKind = {});
    byKind[st.kind] = (byKind[st.kind] ?? 0) + 1;
  }
  return { pruned };
}

/** Options of `selectStructures`. */
export interface SelectOptions {
  /** Score of a weight when a layer has no `importance`: `l2` (w²) or `l1` (|w|). */
  readonly norm: Norm;
  /** Structure kinds that may be pruned (default `DEFAULT_KINDS`). */
  readonly kinds?: readonly StructureKind[];
  /**
   * Kept-fraction floor of every layer and every output channel (default 0: none); a structure
   * whose pruning would cross a floor is skipped. Any floor above 0 also keeps one weight per
   * layer and per output channel.
   */
  readonly floor?: number;
  /** Never prune a structure that would leave no weight kept. */
  readonly keepOne?: boolean;
}

/**
 * A `layers` budget: each named layer selected on its own at its ratio. A ratio below 1 never
 * empties its layer: a structure that would remove the last kept weights is skipped (coarse
 * structures, e.g. an FC layer packed as one diagonal, would otherwise turn "half of this layer"
 * into "all of it"), and only a ratio below 1 keeps the floor.
 */
function selectPerLayer(
  layers: readonly SelectLayer[],
  budget: Extract<Budget, { kind: "layers" }>,
  opts: SelectOptions,
): SelectionResult {
  const pruned = new Map<string, Partial<Record<StructureKind, number>>>();
  for (const l of layers) {
    const r = budget.ratios[l.name];
    if (r === undefined || r === 0) continue;
    const sub = selectStructures([l], { kind: "sparsity", ratio: r }, {
      ...opts,
      keepOne: r < 1,
      floor: r < 1 ? opts.floor : 0,
    });
    for (const [k, v] of sub.pruned) pruned.set(k, v);
  }
  return { pruned };
}

/** A candidate of the queue: structure `index` of layer `layer`. */
interface Entry {
  readonly layer: number;
  readonly index: number;
}

/** Every structure of an offered kind, layer by layer (its position is its queue id). */
function candidates(layers: readonly SelectLayer[], kinds: ReadonlySet<StructureKind>): Entry[] {
  const entries: Entry[] = [];
  layers.forEach((l, li) => {
    l.state.s.structures.forEach((st, index) => {
      if (kinds.has(st.kind)) entries.push({ layer: li, index });
    });
  });
  return entries;
}

/** Where a selection stands against its budget; the greedy loop updates the mutable fields. */
interface Tally {
  /** Weights of all layers. */
  readonly total: number;
  /** Weights still kept. */
  keptCount: number;
  /** Σw² of all layers. */
  readonly salTotal: number;
  /** Σw² of the weights still kept. */
  salKept: number;
  /** Predicted ms of the layers' live ops. */
  ms: number;
  /** Predicted ms with nothing pruned. */
  readonly msDense: number;
}

/** The tally of the layers' current masks. */
function tallyOf(layers: readonly SelectLayer[]): Tally {
  let total = 0, keptCount = 0, salTotal = 0, salKept = 0, ms = 0, msDense = 0;
  for (const l of layers) {
    total += l.state.kept.length;
    for (let j = 0; j < l.w.length; j++) {
      const v = l.w[j] * l.w[j];
      salTotal += v;
      if (l.state.kept[j]) {
        keptCount++;
        salKept += v;
      }
    }
    ms += l.state.ms;
    msDense += denseMs(l.state);
  }
  return { total, keptCount, salTotal, salKept, ms, msDense };
}

/**
 * The still-kept weights of a structure: their summed score (`importance`, else the norm of w),
 * their Σw², and how many there are.
 */
function keptNorm(
  l: SelectLayer,
  weights: Int32Array,
  normKind: Norm,
): { norm: number; sal: number; n: number } {
  let norm = 0, sal = 0, n = 0;
  const imp = l.importance;
  for (const j of weights) {
    if (!l.state.kept[j]) continue;
    const v = l.w[j];
    sal += v * v;
    norm += imp ? imp[j] : normKind === "l1" ? Math.abs(v) : v * v;
    n++;
  }
  return { norm, sal, n };
}

/** Score of a candidate under the current mask: kept norm per ms deleted (∞ if none is). */
function structureScore(layers: readonly SelectLayer[], entry: Entry, normKind: Norm): number {
  const l = layers[entry.layer];
  const st = l.state.s.structures[entry.index];
  const gain = l.state.marginal(st.weights);
  if (gain <= 0) return Infinity;
  return keptNorm(l, st.weights, normKind).norm / gain;
}

/** Whether a sparsity or cost budget is met (a saliency budget stops the loop itself). */
function budgetMet(budget: Budget, t: Tally): boolean {
  if (budget.kind === "sparsity") return t.total - t.keptCount >= budget.ratio * t.total;
  if (budget.kind === "cost") return t.ms <= budget.fraction * t.msDense;
  return false;
}

/** Zero a structure's weights and account for its `n` kept weights and their Σw² `sal`. */
function pruneStructure(
  l: SelectLayer,
  st: { readonly weights: Int32Array },
  n: number,
  sal: number,
  t: Tally,
): void {
  const before = l.state.ms;
  for (const j of st.weights) l.state.set(j, 0);
  t.ms += l.state.ms - before;
  t.keptCount -= n;
  t.salKept -= sal;
}

const denseCache = new WeakMap<object, number>();

/** Predicted ms of a layer's structure model with nothing pruned.
 *
 * @example An unpruned layer costs its dense ms
 * ```ts
 * import { denseMs } from "./select.ts";
 * import { ProxyState } from "./_proxy.ts";
 * import { layerStructures } from "./structures.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec } from "../nn/mod.ts";
 * import { assertAlmostEquals } from "@std/assert";
 *
 * const s = layerStructures("f", parseLayerSpec("fc:in=64,out=10"), { framework: "gazelle", preset: getPreset("gazelle") });
 * const st = new ProxyState(s, new Uint8Array(s.weights).fill(1));
 * assertAlmostEquals(denseMs(st), st.ms, 1e-9);
 * ```
 */
export function denseMs(state: ProxyState): number {
  const s = state.s;
  let hit = denseCache.get(s.prodCost);
  if (hit === undefined) {
    hit = 0;
    for (const v of s.prodCost) hit += v;
    for (const v of s.rotCost) hit += v;
    for (const v of s.accCost) hit += v;
    denseCache.set(s.prodCost, hit);
  }
  return hit;
}

/**
 * The same sparsity in every linear layer of `net` (a `layers` budget): how the study prunes
 * trained models, and `prune --per-layer R`.
 *
 * @example One ratio for each of VGG-16's 14 linear layers
 * ```ts
 * import { perLayerBudget } from "./select.ts";
 * import { buildZoo } from "../nn/mod.ts";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const b = perLayerBudget(buildZoo("vgg16-cifar10", { width: 0.125 }), 0.3);
 * const ratios = b.kind === "layers" ? Object.values(b.ratios) : [];
 * assertEquals(ratios.length, 14);
 * assert(ratios.every((r) => r === 0.3));
 * ```
 */
export function perLayerBudget(net: Network, ratio: number): Budget {
  return {
    kind: "layers",
    ratios: Object.fromEntries(linearNodes(net).map((n) => [n.name, ratio])),
  };
}
