/**
 * One interface to every pruning method: `prune(network, options)` → masks (in the model's own
 * channel order), channel permutations, and a report (per layer: structures pruned by kind, exact
 * pruning-aware op counts before and after, retained saliency; per model: totals, assembly
 * statistics, output fidelity on random inputs).
 *
 * - `none`: nothing pruned (the baseline row).
 * - `hunter`: structure selection in the model's own channel order.
 * - `mosaic`: (i) prune basic units (2-D kernels; FC weights) by norm to the budget, (ii) assemble
 *   them into structures by channel permutations, (iii) structure selection in the permuted order,
 *   which completes near-complete structures (their few kept weights have small norm) and restores
 *   pruned units that complete nothing (they are in no selected structure).
 *
 * @module
 */
import type { OpCounts, Preset } from "../he/mod.ts";
import { securityLabel } from "../he/mod.ts";
import { SeededRng, UserError } from "../base/mod.ts";
import { frameworkName, structureMethod } from "../frameworks/mod.ts";
import {
  costPercent,
  type CostRow,
  layerRings,
  type ModelCost,
  modelCost,
  type RingCounts,
} from "../cost/mod.ts";
import {
  channelTies,
  foldedWeights,
  forward,
  linearLayerSpecs,
  maskNetwork,
  type Network,
} from "../nn/mod.ts";
import { assemble } from "./assemble.ts";
import { deployedNetwork } from "./deployed.ts";
import { invert, type LayerMove, layerMoves, movePerms, permuteWeights } from "./permute.ts";
import { ProxyState } from "./_proxy.ts";
import { type Budget, budgetLabel, checkBudget, selectStructures } from "./select.ts";
import { DEFAULT_FLOOR, Floors } from "./floors.ts";
import { DEFAULT_IMPORTANCE, type Importance, importanceOf, type Norm } from "./importance.ts";
import {
  DEFAULT_KINDS,
  type LayerStructures,
  layerStructures,
  type StructureKind,
} from "./structures.ts";

/** Pruning methods.
 *
 * @example The methods, baseline first
 * ```ts
 * import { PRUNE_METHODS } from "./prune.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([...PRUNE_METHODS], ["none", "hunter", "mosaic"]);
 * ```
 */
export const PRUNE_METHODS = ["none", "hunter", "mosaic"] as const;

/**
 * A pruning method: `none` prunes nothing (the baseline); `hunter` selects structures in the
 * model's own channel order; `mosaic` prunes basic units, assembles them into structures by
 * channel permutations, then selects structures in the permuted order.
 */
export type PruneMethod = typeof PRUNE_METHODS[number];

/** MOSAIC's basic pruning units: a whole 2-D kernel (an FC weight) or one weight.
 *
 * @example The units, default first
 * ```ts
 * import { BASIC_UNITS } from "./prune.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([...BASIC_UNITS], ["kernel", "weight"]);
 * ```
 */
export const BASIC_UNITS = ["kernel", "weight"] as const;

/** A basic pruning unit of MOSAIC's first step: `kernel` or `weight`. */
export type BasicUnit = typeof BASIC_UNITS[number];

/** Options of `prune`. */
export interface PruneOptions {
  /** The pruning method. */
  readonly method: PruneMethod;
  /** Framework whose HE plans the structures follow and the counts count (`FRAMEWORKS`). */
  readonly framework: string;
  /** HE parameters the layers are planned under; its measured unit costs price the ops. */
  readonly preset: Preset;
  /**
   * The framework's plan method the structures follow (`structureMethod`: default GAZELLE `or`,
   * CrypTFlow2 `sci`, Cheetah `coeff`); a method of another framework is a `UserError`.
   */
  readonly convMethod?: string;
  /** How much to prune; a bad number is a `UserError` before any work. */
  readonly budget: Budget;
  /** Seed of MOSAIC's assembly search and of the fidelity check's random inputs (default 1). */
  readonly seed?: number;
  /** Structure and unit score (default `l2`: squared L2 norm, the saliency removed). */
  readonly norm?: Norm;
  /** How weights are ranked across layers (default `DEFAULT_IMPORTANCE`, on BN-folded weights). */
  readonly importance?: Importance;
  /** Kept-fraction floor of every layer and output channel (default `DEFAULT_FLOOR`; 0: none). */
  readonly floor?: number;
  /** Structure kinds selection may prune (default `DEFAULT_KINDS`: all but `product`). */
  readonly kinds?: readonly StructureKind[];
  /** MOSAIC's basic pruning unit: a whole 2-D kernel (default) or a single weight. */
  readonly unit?: BasicUnit;
  /** MOSAIC: local-search swap trials per channel and pass (default `ASSEMBLE_DEFAULTS`). */
  readonly swapsPerChannel?: number;
  /** MOSAIC: passes over the channel ties (default `ASSEMBLE_DEFAULTS`). */
  readonly passes?: number;
  /** Random inputs for the output-fidelity check (default 8; 0 skips it). */
  readonly fidelitySamples?: number;
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

/** Completion of one structure kind by the assembler, against its upper bound. */
export interface Completion {
  /** Complete structures of the pruned basic units in the original channel order. */
  readonly identity: number;
  /** … after assembly. */
  readonly assembled: number;
  /** Upper bound: pruned weights / weights per structure (at most the number of structures). */
  readonly bound: number;
  /** Structures of this kind in the layer. */
  readonly structures: number;
}

/** One layer of a prune report. */
export interface PruneLayerReport {
  /** Layer (network node) name. */
  readonly name: string;
  /** Convolution or fully connected (Gemm). */
  readonly kind: "conv" | "fc";
  /** Number of weights. */
  readonly weights: number;
  /** Weights the mask keeps. */
  readonly kept: number;
  /** Fraction of weights pruned, 1 − kept / weights (4 decimals). */
  readonly sparsity: number;
  /**
   * Fraction of the layer's squared L2 norm kept (BN-folded weights; the raw weights for importance
   * `raw`), 4 decimals.
   */
  readonly retained_saliency: number;
  /** Structures completely pruned in the final mask, by kind. */
  readonly structures: Partial<Record<StructureKind, number>>;
  /**
   * Mean weights per structure, by kind: the size of what must be zeroed to delete ops (it grows
   * with channels per ciphertext: pruning structure inflation).
   */
  readonly structure_size: Partial<Record<StructureKind, number>>;
  /**
   * Exact counts of the unpruned layer: its plan (8-bit weights, pruning-aware) under its own
   * Galois keys, as `modelCost` counts it.
   */
  readonly dense: OpCounts;
  /**
   * Exact counts of the deployed pruned layer (`deployedNetwork`): its own plan under its own
   * Galois keys, which may be fewer than the unpruned layer's (docs/methods.md, "HE cost
   * convention"), so `key_switches` shows what each kept rotation costs.
   */
  readonly pruned: OpCounts;
  /** Predicted ms of `dense` (counts × the measured unit costs of each plan's preset; 2 decimals). */
  readonly predicted_ms_dense: number;
  /** Predicted ms of `pruned` (2 decimals). */
  readonly predicted_ms: number;
  /** Bytes of the unpruned layer's ciphertexts, up (client → server) and down (`programSummary`). */
  readonly bytes_dense: LayerBytes;
  /** Bytes of the deployed pruned layer's ciphertexts, up and down. */
  readonly bytes: LayerBytes;
  /**
   * `dense` and `pruned` split by the parts' ring degree N (ascending; each N's counts sum to the
   * layer's): present only when a part runs at another N than the preset's (CrypTFlow2 grows N
   * for large maps), so each part can be priced at its own N.
   */
  readonly rings?: readonly RingCounts[];
  /** MOSAIC only: structures the assembler completed, by kind. */
  readonly assembly?: Partial<Record<StructureKind, Completion>>;
}

/** The report of one pruning run. */
export interface PruneReport {
  /** The network's name. */
  readonly model: string;
  /** Where the network's weights come from (`Network.weights`). */
  readonly weights_source: string;
  /** The pruning method. */
  readonly method: PruneMethod;
  /** The framework the structures and counts follow. */
  readonly framework: string;
  /** Plan method of the convolutions (`or`, `ir`, CrypTFlow2 `sci`); `-` without a conv. */
  readonly conv_method: string;
  /** The preset's name. */
  readonly preset: string;
  /** The preset's security in words (`securityLabel`). */
  readonly security: string;
  /** The budget in words (e.g. `weight sparsity 0.7`). */
  readonly budget: string;
  /** Structure and unit score used. */
  readonly norm: Norm;
  /** Cross-layer ranking used. */
  readonly importance: Importance;
  /** Kept-fraction floor used (0: none). */
  readonly floor: number;
  /** Structure kinds selection could prune. */
  readonly kinds: readonly StructureKind[];
  /** MOSAIC's basic unit (`-` for other methods). */
  readonly unit: BasicUnit | "-";
  /** Seed used. */
  readonly seed: number;
  /** One row per linear layer, in network order. */
  readonly layers: PruneLayerReport[];
  /**
   * The layers summed (fractions recomputed from the sums); the counts and ms are the totals of
   * the unpruned and deployed models' cost tables (`modelCost`: standalone BatchNorm layers, which
   * pruning leaves as they are, included), the same numbers `deno task cost --masks` prints.
   */
  readonly totals: {
    /** Weights of all linear layers. */
    readonly weights: number;
    /** Weights kept. */
    readonly kept: number;
    /** Fraction of weights pruned (4 decimals). */
    readonly sparsity: number;
    /** Fraction of the squared L2 norm kept, over all layers (4 decimals). */
    readonly retained_saliency: number;
    /** Predicted ms of the unpruned model's linear layers (2 decimals). */
    readonly predicted_ms_dense: number;
    /** Predicted ms of the deployed pruned model's linear layers (2 decimals). */
    readonly predicted_ms: number;
    /** Predicted HE cost as % of unpruned (`costPercent`: measured node-seal unit costs). */
    readonly cost_pct: number;
    /** Exact op counts of the unpruned layers. */
    readonly dense: OpCounts;
    /** Exact op counts of the pruned layers. */
    readonly pruned: OpCounts;
  };
  /** MOSAIC only: what the assembler did. */
  readonly assembly?: {
    /** Swap trials of the local search, over all ties and passes. */
    readonly trials: number;
    /** Swaps kept. */
    readonly accepted: number;
    /** Wall-clock ms of the assembly (rounded). */
    readonly ms: number;
    /** Predicted ms deleted by complete structures of the basic units in the original order. */
    readonly deleted_ms_identity: number;
    /** … in the assembled order (both 3 decimals; before the final structure selection). */
    readonly deleted_ms_assembled: number;
  };
  /** Top-1 agreement with the unpruned model on random inputs (not accuracy). */
  readonly fidelity: {
    /** Random inputs compared (0 for method `none`). */
    readonly samples: number;
    /** Fraction with the same top-1 class; null if not measured (no samples, or `none`). */
    readonly top1_agreement: number | null;
  };
  /** Wall-clock ms of the whole `prune` call. */
  readonly time_ms: number;
}

/** Masks, permutations and report of a pruning run. */
export interface PruneResult {
  /** 1 = kept, per layer, in the model's own channel order. */
  readonly masks: Map<string, Uint8Array>;
  /** Tie key → permutation (position p holds original channel perm[p]); empty unless MOSAIC. */
  readonly permutations: Map<string, Int32Array>;
  /** What was pruned, what it costs, and how it was found. */
  readonly report: PruneReport;
}

interface Layer {
  readonly name: string;
  readonly kind: "conv" | "fc";
  readonly s: LayerStructures;
  readonly move: LayerMove;
  /** Float weights (original order): BN-folded, or the raw weights for `raw`. */
  readonly w: Float32Array;
  /** Per-weight importance (original order), comparable across layers. */
  readonly imp: Float64Array;
}

/** The selection settings shared by Hunter, MOSAIC's unit step and MOSAIC's final selection. */
interface Ranking {
  readonly norm: Norm;
  readonly floor: number;
  readonly kinds: readonly StructureKind[];
}

/**
 * Prune a network's linear layers for a framework.
 *
 * @example Hunter and MOSAIC at one budget
 * ```ts
 * import { prune } from "./prune.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo } from "../nn/mod.ts";
 * import { assert, assertAlmostEquals } from "@std/assert";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const opts = { framework: "gazelle", preset: getPreset("gazelle"), budget: { kind: "sparsity", ratio: 0.5 } } as const;
 * const h = prune(net, { ...opts, method: "hunter" });
 * const m = prune(net, { ...opts, method: "mosaic" });
 * for (const r of [h, m]) {
 *   assertAlmostEquals(r.report.totals.sparsity, 0.5, 0.01);
 *   assert(r.report.totals.cost_pct < 100);
 * }
 * // Only MOSAIC permutes channels.
 * assert(h.permutations.size === 0 && m.permutations.size > 0);
 * ```
 */
export function prune(net: Network, opts: PruneOptions): PruneResult {
  const t0 = performance.now();
  const say = opts.progress ?? (() => {});
  const o = settingsOf(opts);
  const ties = channelTies(net);
  const moves = layerMoves(net, ties);
  const layers = prepareLayers(net, opts, o, moves, say);
  const sel = selectMasks(layers, ties, moves, opts, o, say);
  const { masks, rows, totals } = layerReports(net, layers, sel, o.rank.kinds, {
    framework: frameworkName(opts.framework),
    preset: opts.preset,
    method: structureMethod(frameworkName(opts.framework), opts.convMethod),
  });
  const samples = opts.fidelitySamples ?? 8;
  let agreement: number | null = null;
  if (samples > 0 && opts.method !== "none") {
    say(`fidelity on ${samples} random inputs`);
    agreement = topOneAgreement(net, maskNetwork(net, masks), samples, o.seed);
  }
  const report: PruneReport = {
    model: net.name,
    weights_source: net.weights,
    method: opts.method,
    framework: opts.framework,
    conv_method: layers.find((l) => l.kind === "conv")?.s.method ?? "-",
    preset: opts.preset.name,
    security: securityLabel(opts.preset),
    budget: budgetLabel(opts.budget),
    norm: o.rank.norm,
    importance: o.importance,
    floor: o.rank.floor,
    kinds: o.rank.kinds,
    unit: opts.method === "mosaic" ? o.unitKind : "-",
    seed: o.seed,
    layers: rows,
    totals,
    ...(sel.assembly ? { assembly: sel.assembly } : {}),
    fidelity: { samples: opts.method === "none" ? 0 : samples, top1_agreement: agreement },
    time_ms: Math.round(performance.now() - t0),
  };
  return { masks, permutations: sel.permutations, report };
}

function round(v: number, digits = 3): number {
  return Number(v.toFixed(digits));
}

/** `PruneOptions` with defaults filled in, so `prune`'s steps share one reading of them. */
interface Settings {
  readonly rank: Ranking;
  readonly importance: Importance;
  readonly unitKind: BasicUnit;
  readonly seed: number;
}

/** `prune`'s defaults in one place; a floor outside [0, 1) is a `UserError` before any work. */
function settingsOf(opts: PruneOptions): Settings {
  const norm = opts.norm ?? "l2";
  const importance = opts.importance ?? DEFAULT_IMPORTANCE;
  const floor = opts.floor ?? DEFAULT_FLOOR;
  if (!(floor >= 0 && floor < 1)) throw new UserError(`--floor must be in [0, 1), got ${floor}`);
  const kinds = opts.kinds ?? DEFAULT_KINDS;
  const unitKind: BasicUnit = opts.unit ?? "kernel";
  return { rank: { norm, floor, kinds }, importance, unitKind, seed: opts.seed ?? 1 };
}

/** Step 1: the linear layers with structures, moves, weights and importance (budget checked). */
function prepareLayers(
  net: Network,
  opts: PruneOptions,
  o: Settings,
  moves: ReadonlyMap<string, LayerMove>,
  say: (line: string) => void,
): Layer[] {
  const weightsOf = new Map<string, Float32Array>();
  for (const n of net.nodes) {
    if (n.op === "Conv" || n.op === "Gemm") weightsOf.set(n.name, n.weight);
  }
  const layers: Layer[] = [];
  const specs = linearLayerSpecs(net).filter((l) => l.kind !== "bn");
  checkBudget(opts.budget, specs.map((l) => l.name));
  specs.forEach((spec, i) => {
    say(`structures ${i + 1}/${specs.length}: ${spec.name}`);
    const s = layerStructures(spec.name, spec.shape, {
      framework: opts.framework,
      preset: opts.preset,
      method: opts.convMethod,
    });
    const w = o.importance === "raw" ? weightsOf.get(spec.name)! : foldedWeights(spec);
    layers.push({
      name: spec.name,
      kind: spec.kind as "conv" | "fc",
      s,
      move: moves.get(spec.name)!,
      w,
      imp: importanceOf(w, o.importance, o.rank.norm),
    });
  });
  return layers;
}

/** What a method decides: position-space masks, plus MOSAIC's permutations and assembly stats. */
interface Selection {
  readonly positionKept: Map<string, Uint8Array>;
  readonly permutations: Map<string, Int32Array>;
  readonly assembly?: PruneReport["assembly"];
  readonly completion?: Map<string, Partial<Record<StructureKind, Completion>>>;
}

/** Step 2, the method dispatch: none keeps all, Hunter selects in place, MOSAIC assembles first. */
function selectMasks(
  layers: readonly Layer[],
  ties: ReturnType<typeof channelTies>,
  moves: ReadonlyMap<string, LayerMove>,
  opts: PruneOptions,
  o: Settings,
  say: (line: string) => void,
): Selection {
  if (opts.method === "none") {
    const all = (l: Layer) => new Uint8Array(l.s.weights).fill(1);
    return { positionKept: new Map(layers.map((l) => [l.name, all(l)])), permutations: new Map() };
  } else if (opts.method === "hunter") {
    say("hunter: selecting structures");
    const positionKept = selectOn(layers, new Map(), opts.budget, o.rank);
    return { positionKept, permutations: new Map() };
  } else if (opts.method === "mosaic") {
    return mosaicMasks(layers, ties, moves, opts, o, say);
  } else {
    throw new UserError(`Unknown method "${opts.method}": use one of ${PRUNE_METHODS.join(", ")}`);
  }
}

/** MOSAIC's three steps (units, assembly, selection), with what assembly completed by kind. */
function mosaicMasks(
  layers: readonly Layer[],
  ties: ReturnType<typeof channelTies>,
  moves: ReadonlyMap<string, LayerMove>,
  opts: PruneOptions,
  o: Settings,
  say: (line: string) => void,
): Selection {
  const kinds = o.rank.kinds;
  const permutations = new Map<string, Int32Array>();
  const units = basicUnits(layers, opts.budget, o.rank, o.unitKind);
  say(`mosaic: pruned ${units.pruned} of ${units.total} weights as basic units; assembling`);
  const states = new Map(
    layers.map((l) => [l.name, new ProxyState(l.s, units.kept.get(l.name)!)]),
  );
  const before = new Map(layers.map((l) => [l.name, completeByKind(states.get(l.name)!, kinds)]));
  const r = assemble(ties, moves, states, {
    seed: o.seed,
    swapsPerChannel: opts.swapsPerChannel,
    passes: opts.passes,
    progress: opts.progress,
  });
  for (const [k, p] of r.perms) if (p.some((v, i) => v !== i)) permutations.set(k, p);
  const completion = new Map(layers.map((l) => {
    const st = states.get(l.name)!;
    const after = completeByKind(st, kinds);
    const b = before.get(l.name)!;
    const prunedW = st.kept.length - st.kept.reduce((a, v) => a + v, 0);
    const out: Partial<Record<StructureKind, Completion>> = {};
    for (const kind of Object.keys(after) as StructureKind[]) {
      const { count, size } = after[kind]!;
      out[kind] = {
        identity: b[kind]!.complete,
        assembled: after[kind]!.complete,
        bound: Math.min(count, Math.floor(prunedW / size)),
        structures: count,
      };
    }
    return [l.name, out];
  }));
  const assembly = {
    trials: r.trials,
    accepted: r.accepted,
    ms: Math.round(r.ms),
    deleted_ms_identity: round(r.deletedBefore),
    deleted_ms_assembled: round(r.deletedAfter),
  };
  say(
    `mosaic: assembled in ${(r.ms / 1000).toFixed(1)} s (${r.trials} swap trials, ` +
      `Φ ${r.phiBefore.toFixed(3)} → ${r.phiAfter.toFixed(3)}); selecting structures`,
  );
  const positionKept = selectOn(layers, permutations, opts.budget, o.rank);
  return { positionKept, permutations, assembly, completion };
}

/**
 * Step 3: masks back in the model's channel order, a report row per layer, and the totals. The
 * search counted under the dense plans' Galois keys; the reported counts are the cost tables of the
 * unpruned and the deployed model, each layer planned on its own (the HE cost convention).
 */
function layerReports(
  net: Network,
  layers: readonly Layer[],
  sel: Selection,
  kinds: readonly StructureKind[],
  costOptions: Parameters<typeof modelCost>[1],
): { masks: Map<string, Uint8Array>; rows: PruneLayerReport[]; totals: PruneReport["totals"] } {
  const masks = new Map<string, Uint8Array>();
  for (const l of layers) {
    const { out, inp } = movePerms(l.move, sel.permutations);
    const kept = sel.positionKept.get(l.name)!;
    masks.set(l.name, permuteWeights(kept, l.move, out && invert(out), inp && invert(inp)));
  }
  const unpruned = modelCost(net, costOptions);
  const pruned = modelCost(
    deployedNetwork(net, { masks, permutations: sel.permutations }),
    costOptions,
  );
  const pct = costPercent(unpruned, pruned);
  if (pct === null) {
    throw new Error(`no measured unit costs for a preset of ${net.name}'s plans`);
  }
  const rowsOf = (t: ModelCost) => new Map(t.layers.map((r) => [r.name, r]));
  const before = rowsOf(unpruned), after = rowsOf(pruned);
  const rows: PruneLayerReport[] = [];
  let W = 0, K = 0, sal = 0, salKept = 0;
  for (const l of layers) {
    const { row, s2, k2 } = layerRow(
      l,
      sel.positionKept.get(l.name)!,
      masks.get(l.name)!,
      kinds,
      sel.completion,
      before.get(l.name)!,
      after.get(l.name)!,
      costOptions.preset.polyModulusDegree,
    );
    rows.push(row);
    W += l.w.length;
    K += row.kept;
    sal += s2;
    salKept += k2;
  }
  const totals = {
    weights: W,
    kept: K,
    sparsity: round(1 - K / W, 4),
    retained_saliency: round(sal > 0 ? salKept / sal : 1, 4),
    predicted_ms_dense: unpruned.totals.predicted_server_ms!,
    predicted_ms: pruned.totals.predicted_server_ms!,
    cost_pct: pct,
    dense: unpruned.totals.ops,
    pruned: pruned.totals.ops,
  };
  return { masks, rows, totals };
}

/** Ciphertext bytes of a layer each way (the Galois keys are counted apart, per model). */
export interface LayerBytes {
  /** Client → server: the input ciphertexts. */
  readonly up: number;
  /** Server → client: the output ciphertexts returned. */
  readonly down: number;
}

/** One layer's report row, with the squared norms `layerReports` sums into the totals. */
function layerRow(
  l: Layer,
  kept: Uint8Array,
  mask: Uint8Array,
  kinds: readonly StructureKind[],
  completion: Selection["completion"],
  dense: CostRow,
  pruned: CostRow,
  ringDegree: number,
): { row: PruneLayerReport; s2: number; k2: number } {
  let s2 = 0, k2 = 0, k = 0;
  for (let j = 0; j < l.w.length; j++) {
    const v = l.w[j] * l.w[j];
    s2 += v;
    if (mask[j]) {
      k2 += v;
      k++;
    }
  }
  const structures: Partial<Record<StructureKind, number>> = {};
  const sizes: Partial<Record<StructureKind, number>> = {};
  const per: Partial<Record<StructureKind, number>> = {};
  for (const st of l.s.structures) {
    if (!kinds.includes(st.kind)) continue;
    if (st.weights.every((j) => kept[j] === 0)) {
      structures[st.kind] = (structures[st.kind] ?? 0) + 1;
    }
    sizes[st.kind] = (sizes[st.kind] ?? 0) + st.weights.length;
    per[st.kind] = (per[st.kind] ?? 0) + 1;
  }
  for (const k of Object.keys(sizes) as StructureKind[]) sizes[k] = round(sizes[k]! / per[k]!, 1);
  const row: PruneLayerReport = {
    name: l.name,
    kind: l.kind,
    weights: l.w.length,
    kept: k,
    sparsity: round(1 - k / l.w.length, 4),
    retained_saliency: round(s2 > 0 ? k2 / s2 : 1, 4),
    structures,
    structure_size: sizes,
    dense: dense.ops,
    pruned: pruned.ops,
    predicted_ms_dense: dense.predicted_server_ms!,
    predicted_ms: pruned.predicted_server_ms!,
    bytes_dense: { up: dense.bytes.up, down: dense.bytes.down },
    bytes: { up: pruned.bytes.up, down: pruned.bytes.down },
    ...ringsOf(dense, pruned, ringDegree),
    ...(completion ? { assembly: completion.get(l.name) } : {}),
  };
  return { row, s2, k2 };
}

/** A report row's `rings` field, when the layer has a part at another N than `ringDegree`. */
function ringsOf(dense: CostRow, pruned: CostRow, ringDegree: number): { rings?: RingCounts[] } {
  const rings = layerRings(
    { ops: dense.ops, rings: dense.rings },
    { ops: pruned.ops, rings: pruned.rings },
    ringDegree,
  );
  return rings ? { rings } : {};
}

/** Structure selection on fresh (all-kept) states in the permuted order; position-space masks. */
function selectOn(
  layers: readonly Layer[],
  perms: ReadonlyMap<string, Int32Array>,
  budget: Budget,
  rank: Ranking,
): Map<string, Uint8Array> {
  const sel = layers.map((l) => {
    const { out, inp } = movePerms(l.move, perms);
    return {
      name: l.name,
      state: new ProxyState(l.s, new Uint8Array(l.s.weights).fill(1)),
      w: permuteWeights(l.w, l.move, out, inp),
      importance: permuteWeights(l.imp, l.move, out, inp),
    };
  });
  selectStructures(sel, budget, rank);
  return new Map(sel.map((x) => [x.name, x.state.kept]));
}

/**
 * MOSAIC step (i): prune basic units (2-D kernels and FC weights, or single weights) by mean
 * squared weight (or mean |w|) times the layer's factor, globally, to the budget, under the same
 * floors as structure selection. A cost budget first finds the sparsity structure selection needs
 * to reach that cost in the original order and prunes units to that sparsity.
 */
function basicUnits(
  layers: readonly Layer[],
  budget: Budget,
  rank: Ranking,
  unitKind: BasicUnit,
): { kept: Map<string, Uint8Array>; pruned: number; total: number } {
  const kept = new Map(layers.map((l) => [l.name, new Uint8Array(l.s.weights).fill(1)]));
  const total = layers.reduce((a, l) => a + l.s.weights, 0);
  let ratios: Map<string, number> | null = null;
  let ratio = 0, keepSal = 0;
  if (budget.kind === "sparsity") ratio = budget.ratio;
  else if (budget.kind === "saliency") keepSal = budget.keep;
  else if (budget.kind === "layers") ratios = new Map(Object.entries(budget.ratios));
  else {
    const probe = selectOn(layers, new Map(), budget, rank);
    let pruned = 0;
    for (const m of probe.values()) for (const v of m) pruned += 1 - v;
    ratio = pruned / total;
  }
  // Units: (layer, first weight, size, score, saliency).
  const units: { l: number; start: number; size: number; score: number; sal: number }[] = [];
  let salTotal = 0;
  layers.forEach((l, li) => {
    const u = unitKind === "weight" ? 1 : l.s.unitSize;
    for (let start = 0; start < l.w.length; start += u) {
      let s2 = 0, score = 0;
      for (let t = 0; t < u; t++) {
        s2 += l.w[start + t] ** 2;
        score += l.imp[start + t];
      }
      score /= u;
      salTotal += s2;
      units.push({ l: li, start, size: u, score, sal: s2 });
    }
  });
  const floors = new Map(layers.map((l) => {
    const state = { kept: kept.get(l.name)!, s: l.s };
    // Per-layer budgets at 1 may empty their layer; everything else keeps the floor.
    const r = ratios?.get(l.name);
    return [l.name, new Floors(state, r === 1 ? 0 : rank.floor)];
  }));
  units.sort((a, b) => a.score - b.score || a.l - b.l || a.start - b.start);
  let pruned = 0, salKept = salTotal;
  const prunedIn = new Map<string, number>();
  for (const u of units) {
    const l = layers[u.l];
    const done = prunedIn.get(l.name) ?? 0;
    if (ratios) {
      if (done >= (ratios.get(l.name) ?? 0) * l.s.weights) continue;
    } else if (budget.kind === "saliency") {
      if (salKept - u.sal < keepSal * salTotal) break;
    } else if (pruned >= ratio * total) break;
    const range = unitRange(u.start, u.size);
    const floor = floors.get(l.name)!;
    if (!floor.allows(range)) continue;
    floor.remove(range);
    prunedIn.set(l.name, done + u.size);
    kept.get(l.name)!.fill(0, u.start, u.start + u.size);
    pruned += u.size;
    salKept -= u.sal;
  }
  return { kept, pruned, total };
}

/** The flat indices start … start + size − 1. */
function unitRange(start: number, size: number): Int32Array {
  return Int32Array.from({ length: size }, (_, t) => start + t);
}

/** Complete structures of a state, by kind, with the count and mean size of each kind. */
function completeByKind(
  st: ProxyState,
  kinds: readonly StructureKind[],
): Partial<Record<StructureKind, { complete: number; count: number; size: number }>> {
  const out: Partial<Record<StructureKind, { complete: number; count: number; size: number }>> = {};
  for (const s of st.s.structures) {
    if (!kinds.includes(s.kind)) continue;
    const e = out[s.kind] ??= { complete: 0, count: 0, size: 0 };
    e.count++;
    e.size += s.weights.length;
    if (st.complete(s.weights)) e.complete++;
  }
  for (const e of Object.values(out)) e.size /= e.count;
  return out;
}

/**
 * Fraction of random inputs on which two networks pick the same top-1 class (output fidelity;
 * with synthetic weights this is not an accuracy).
 *
 * @example A network agrees with itself
 * ```ts
 * import { topOneAgreement } from "./prune.ts";
 * import { buildZoo } from "../nn/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * assertEquals(topOneAgreement(net, net, 2, 1), 1);
 * ```
 */
export function topOneAgreement(a: Network, b: Network, samples: number, seed: number): number {
  const rng = new SeededRng(seed);
  const { c, h, w } = a.input;
  let same = 0;
  for (let i = 0; i < samples; i++) {
    const x = Float32Array.from({ length: c * h * w }, () => 2 * rng.next() - 1);
    same += argmax(forward(a, x)) === argmax(forward(b, x)) ? 1 : 0;
  }
  return same / samples;
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
