/**
 * The assembler measured against the exact optimum: a fixed suite of small assembly instances
 * (one free tie of at most 10 channels between convolutions with several channels per ciphertext
 * and two or more ciphertexts, under GAZELLE and CrypTFlow2), with masks of pruned kernels of two
 * kinds: i.i.d. random at 50/70/90 % and the lowest-norm kernels of sub-blocks of a trained
 * network's consecutive convolutions (BatchNorm folded). Each instance reports the identity order,
 * the assembler and the optimum in complete structures, Φ and deleted predicted ms.
 *
 * @module
 */
import { getPreset } from "../he/mod.ts";
import {
  type ChannelTie,
  foldedWeights,
  linearLayerSpecs,
  type Network,
  parseLayerSpec,
  shapeLabel,
} from "../nn/mod.ts";
import { SeededRng } from "../base/mod.ts";
import { assemble, type AssembleOptions } from "./assemble.ts";
import {
  type AssemblyValue,
  assemblyValue,
  instanceStates,
  optimum,
  type SmallInstance,
} from "./optimum.ts";
import type { LayerMove } from "./permute.ts";
import { layerStructures } from "./structures.ts";

/** A small instance's layers: a producer whose rows the tie orders, a consumer whose columns. */
export interface GapGeometry {
  /** Framework whose structures the instance has (planned under the preset of that name). */
  readonly framework: "gazelle" | "cryptflow2";
  /** Conv writing the tie, as a layer spec (its `co` is the tie's channels), or null for none. */
  readonly producer: string | null;
  /** Conv reading the tie, as a layer spec (its `ci` is the tie's channels), or null for none. */
  readonly consumer: string | null;
}

/**
 * The suite's geometries: each has several channels per ciphertext and two or more ciphertexts
 * (GAZELLE 20×20 and CrypTFlow2 32×32 maps: 4 channels per ciphertext; GAZELLE 16×16 and
 * CrypTFlow2 24×24: 8 channels per ciphertext, so a tie of 9 or 10 spans two).
 *
 * @example Every geometry ties at most 10 channels
 * ```ts
 * import { GAP_GEOMETRIES } from "./assembly_gap.ts";
 * import { parseLayerSpec } from "../nn/mod.ts";
 * import { assert, assertEquals } from "@std/assert";
 *
 * assertEquals(GAP_GEOMETRIES.length, 4);
 * for (const g of GAP_GEOMETRIES) {
 *   const s = parseLayerSpec(g.producer ?? g.consumer!);
 *   assert(s.kind === "conv" && (g.producer ? s.co : s.ci) <= 10);
 * }
 * ```
 */
export const GAP_GEOMETRIES: readonly GapGeometry[] = [
  {
    framework: "gazelle",
    producer: "conv:h=20,w=20,ci=8,co=8,k=3",
    consumer: "conv:h=20,w=20,ci=8,co=8,k=3",
  },
  { framework: "gazelle", producer: "conv:h=16,w=16,ci=8,co=10,k=3", consumer: null },
  {
    framework: "cryptflow2",
    producer: "conv:h=32,w=32,ci=8,co=8,k=3",
    consumer: "conv:h=32,w=32,ci=8,co=8,k=3",
  },
  { framework: "cryptflow2", producer: "conv:h=24,w=24,ci=8,co=9,k=3", consumer: null },
];

/** Mask kinds of the suite: i.i.d. random or trained lowest-norm kernels, at a sparsity. */
export const GAP_MASKS: readonly string[] = [
  "random-50",
  "random-70",
  "random-90",
  "trained-50",
  "trained-70",
  "trained-90",
];

/** One instance of the suite, labelled for the table. */
export interface GapCase {
  /** The tie, its layers and their masks, ready for the assembler and the optimum. */
  readonly instance: SmallInstance;
  /** The geometry's framework. */
  readonly framework: string;
  /** Producer and consumer shapes around the tie's channel count (`-` for a missing side). */
  readonly shape: string;
  /** The mask kind (one of `GAP_MASKS`). */
  readonly mask: string;
}

/** A conv's shape with the kernel matrix a mask is drawn from (co × ci kernels of k·k taps). */
interface KernelSource {
  readonly co: number;
  readonly ci: number;
  readonly kk: number;
  readonly w: Float32Array;
}

/** Kernel masks (1 = kept) pruning the `ratio` lowest-scored kernels, at k·k weights per kernel. */
function pruneLowest(score: Float64Array, ratio: number, kk: number): Uint8Array {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b] || a - b);
  const kept = new Uint8Array(n * kk).fill(1);
  for (let r = 0; r < Math.round(ratio * n); r++) kept.fill(0, order[r] * kk, (order[r] + 1) * kk);
  return kept;
}

/** A random subset of `size` of 0 … n − 1, in increasing order. */
function subset(n: number, size: number, rng: SeededRng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, size).sort((a, b) => a - b);
}

/**
 * Kernel scores of a co × ci sub-block: the squared norm of the source's kernels at rows `rows`
 * and columns `cols` (trained), or uniform random numbers (i.i.d. random masks).
 */
function blockScores(
  co: number,
  ci: number,
  src: { readonly k: KernelSource; readonly rows: number[]; readonly cols: number[] } | null,
  rng: SeededRng,
): Float64Array {
  const score = new Float64Array(co * ci);
  for (let o = 0; o < co; o++) {
    for (let i = 0; i < ci; i++) {
      if (!src) {
        score[o * ci + i] = rng.next();
        continue;
      }
      const { k, rows, cols } = src;
      const base = (rows[o] * k.ci + cols[i]) * k.kk;
      let s2 = 0;
      for (let t = 0; t < k.kk; t++) s2 += k.w[base + t] ** 2;
      score[o * ci + i] = s2;
    }
  }
  return score;
}

/**
 * Consecutive conv pairs of a network that share a tie (the first's output is the second's only
 * input), as kernel sources: BatchNorm-folded weights, the pruning's importance.
 */
function convPairs(net: Network): [KernelSource, KernelSource][] {
  const convs = linearLayerSpecs(net).filter((l) => l.kind === "conv");
  const out: [KernelSource, KernelSource][] = [];
  const src = (l: typeof convs[number]): KernelSource => {
    const s = l.shape;
    if (s.kind !== "conv") throw new Error("not a conv");
    return { co: s.co, ci: s.ci, kk: s.k * s.k, w: foldedWeights(l) };
  };
  for (let i = 0; i + 1 < convs.length; i++) {
    const a = src(convs[i]), b = src(convs[i + 1]);
    if (a.co === b.ci) out.push([a, b]);
  }
  return out;
}

/**
 * The suite: every geometry with every mask kind. Trained masks need `trained` (the trained
 * VGG-16, say); without it only the random masks are built.
 *
 * @example Random masks prune the asked fraction of kernels
 * ```ts
 * import { gapCases } from "./assembly_gap.ts";
 * import { assertAlmostEquals } from "@std/assert";
 *
 * const cases = gapCases({ seed: 1 });
 * const c = cases.find((x) => x.mask === "random-70")!;
 * for (const { kept } of c.instance.layers.values()) {
 *   const pruned = kept.length - kept.reduce((a, v) => a + v, 0);
 *   assertAlmostEquals(pruned / kept.length, 0.7, 0.02);
 * }
 * ```
 */
export function gapCases(opts: {
  /** Seed of the random masks and of the trained sub-blocks' channel subsets. */
  readonly seed: number;
  /** Network whose consecutive convolutions the trained masks come from; none: random only. */
  readonly trained?: Network;
  /** Geometries to build (default the suite's four). */
  readonly geometries?: readonly GapGeometry[];
  /** Mask kinds to build (default `GAP_MASKS`). */
  readonly masks?: readonly string[];
}): GapCase[] {
  const pairs = opts.trained ? convPairs(opts.trained) : [];
  const cases: GapCase[] = [];
  const geometries = opts.geometries ?? GAP_GEOMETRIES;
  geometries.forEach((g, gi) => {
    const preset = getPreset(g.framework);
    const prod = g.producer ? parseLayerSpec(g.producer) : null;
    const cons = g.consumer ? parseLayerSpec(g.consumer) : null;
    if ((prod && prod.kind !== "conv") || (cons && cons.kind !== "conv") || (!prod && !cons)) {
      throw new Error("a gap geometry is one or two convolutions");
    }
    const C = prod?.kind === "conv" ? prod.co : cons?.kind === "conv" ? cons.ci : 0;
    if (cons?.kind === "conv" && cons.ci !== C) throw new Error("producer and consumer disagree");
    (opts.masks ?? GAP_MASKS).forEach((mask, mi) => {
      const [kind, pct] = mask.split("-");
      const ratio = Number(pct) / 100;
      if (!(kind === "random" || kind === "trained") || !(ratio > 0 && ratio < 1)) {
        throw new Error(`bad gap mask "${mask}"`);
      }
      if (kind === "trained" && pairs.length === 0) return;
      const rng = new SeededRng(opts.seed * 7919 + gi * 104729 + mi * 131);
      // A trained pair wide enough for the geometry; the tie's channels are a random subset.
      const pair = kind !== "trained"
        ? null
        : pairs.find(([a, b], i) =>
          i >= gi % pairs.length && a.co >= C && (prod?.kind !== "conv" || a.ci >= prod.ci) &&
          (cons?.kind !== "conv" || b.co >= cons.co)
        ) ?? pairs.find(([a]) => a.co >= C);
      if (kind === "trained" && !pair) throw new Error(`no trained conv pair ties ${C} channels`);
      const tieCh = pair ? subset(pair[0].co, C, rng) : [];
      const tie: ChannelTie = {
        tensors: [`${mask}:tie`],
        channels: C,
        producers: prod ? ["producer"] : [],
        consumers: cons ? [{ layer: "consumer", block: 1 }] : [],
        followers: [],
        fixed: false,
      };
      const moves = new Map<string, LayerMove>();
      const layers = new Map<string, { s: ReturnType<typeof layerStructures>; kept: Uint8Array }>();
      for (const [name, shape] of [["producer", prod], ["consumer", cons]] as const) {
        if (shape?.kind !== "conv") continue;
        const kk = shape.k * shape.k;
        const out = name === "producer";
        let src = null;
        if (kind === "trained") {
          const k = out ? pair![0] : pair![1];
          src = {
            k,
            rows: out ? tieCh : subset(k.co, shape.co, rng),
            cols: out ? subset(k.ci, shape.ci, rng) : tieCh,
          };
        }
        const kept = pruneLowest(blockScores(shape.co, shape.ci, src, rng), ratio, kk);
        moves.set(name, {
          rows: shape.co,
          cols: shape.ci,
          inner: kk,
          block: 1,
          outTie: out ? tie : null,
          inTie: out ? null : tie,
        });
        layers.set(name, {
          s: layerStructures(name, shape, { framework: g.framework, preset }),
          kept,
        });
      }
      const label = [prod, cons].map((s) => s ? shapeLabel(s).replace(/,s=1,p=1$/, "") : "-");
      cases.push({
        instance: { name: `${g.framework} ${label.join(" → ")} ${mask}`, tie, moves, layers },
        framework: g.framework,
        shape: `${label[0]} →${C}→ ${label[1]}`,
        mask,
      });
    });
  });
  return cases;
}

/** One row of the gap table. */
export interface GapRow {
  /** The case's framework. */
  readonly framework: string;
  /** The case's shapes (`GapCase.shape`). */
  readonly shape: string;
  /** The case's mask kind. */
  readonly mask: string;
  /** Channels of the tie. */
  readonly channels: number;
  /** Permutations the optimum enumerated (channels!). */
  readonly permutations: number;
  /** What the masks achieve in their own order. */
  readonly identity: AssemblyValue;
  /** What they achieve in the assembler's order. */
  readonly assembler: AssemblyValue;
  /** Each objective's optimum. */
  readonly optimum: {
    /** Max Φ over all permutations. */
    readonly phi: number;
    /** Max predicted ms deleted by complete structures over all permutations. */
    readonly deletedMs: number;
    /** Max complete structures over all permutations. */
    readonly complete: number;
    /** Complete structures by kind at the max-complete permutation. */
    readonly completeByKind: AssemblyValue["complete"];
  };
  /** 1 − assembler / optimum per objective (0 when the optimum is 0; never below 0). */
  readonly gap: {
    /** Gap in complete structures. */
    readonly complete: number;
    /** Gap in Φ. */
    readonly phi: number;
    /** Gap in deleted ms. */
    readonly deletedMs: number;
  };
  /** Wall-clock ms of the assembler on the case. */
  readonly assemblerMs: number;
  /** Wall-clock ms of the enumeration. */
  readonly optimumMs: number;
}

function relGap(asm: number, opt: number): number {
  return opt > 1e-12 ? Math.max(0, 1 - asm / opt) : 0;
}

/**
 * Run the assembler and the exact optimum on one case.
 *
 * @example The assembler never beats the optimum
 * ```ts
 * import { gapCases, measureGap } from "./assembly_gap.ts";
 * import { assertEquals, assertLessOrEqual } from "@std/assert";
 *
 * const [c] = gapCases({ seed: 3, geometries: [{
 *   framework: "gazelle",
 *   producer: "conv:h=20,w=20,ci=4,co=6,k=3",
 *   consumer: null,
 * }], masks: ["random-70"] });
 * const row = measureGap(c, { seed: 1 });
 * assertLessOrEqual(row.assembler.deletedMs, row.optimum.deletedMs + 1e-9);
 * assertEquals(row.permutations, 720); // 6!
 * ```
 */
export function measureGap(c: GapCase, opts: AssembleOptions): GapRow {
  const inst = c.instance;
  const identity = assemblyValue(instanceStates(inst));
  const states = instanceStates(inst);
  const r = assemble([inst.tie], inst.moves, states, opts);
  const asm = assemblyValue(states);
  const opt = optimum(inst);
  return {
    framework: c.framework,
    shape: c.shape,
    mask: c.mask,
    channels: inst.tie.channels,
    permutations: opt.permutations,
    identity,
    assembler: asm,
    optimum: {
      phi: opt.phi.value.phi,
      deletedMs: opt.deleted.value.deletedMs,
      complete: opt.complete.value.completeTotal,
      completeByKind: opt.complete.value.complete,
    },
    gap: {
      complete: relGap(asm.completeTotal, opt.complete.value.completeTotal),
      phi: relGap(asm.phi, opt.phi.value.phi),
      deletedMs: relGap(asm.deletedMs, opt.deleted.value.deletedMs),
    },
    assemblerMs: r.ms,
    optimumMs: opt.ms,
  };
}
