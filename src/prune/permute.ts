/**
 * Channel transformations: function-preserving permutations of a network's channels. A channel
 * tie (tensors joined by BatchNorm, ReLU, pooling or a residual add) shares one permutation
 * `perm`, where position p holds original channel `perm[p]`; it reorders the producers' output
 * channels (weights, bias), the BatchNorm parameters, and the consumers' input channels (a Gemm
 * after a flatten: blocks of h·w inputs).
 *
 * @module
 */
import { type ChannelTie, channelTies, type Network, type Node } from "../nn/mod.ts";
import { UserError } from "../base/mod.ts";

/** Permutations by tie key (the tie's first tensor name). */
export type Permutations = ReadonlyMap<string, Int32Array>;

/** The key a tie's permutation is stored under.
 *
 * @example
 * ```ts
 * import { tieKey } from "./permute.ts";
 * import { channelTies } from "../nn/mod.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const [first] = channelTies(buildZoo("vgg16-cifar10", { width: 0.125 }));
 * if (tieKey(first) !== first.tensors[0]) throw new Error();
 * ```
 */
export function tieKey(tie: ChannelTie): string {
  return tie.tensors[0];
}

/** How one linear layer's weights move: output rows, input columns (in blocks). */
export interface LayerMove {
  readonly rows: number;
  readonly cols: number;
  /** Weights per (row, column) pair: k·k for conv, 1 for FC. */
  readonly inner: number;
  /** Inputs per channel (h·w of a flattened map for a Gemm; 1 for conv). */
  readonly block: number;
  readonly outTie: ChannelTie | null;
  readonly inTie: ChannelTie | null;
}

/**
 * Where every Conv/Gemm layer's rows and columns come from (the ties it writes and reads).
 *
 * @example
 * ```ts
 * import { layerMoves } from "./permute.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const moves = layerMoves(buildZoo("vgg16-cifar10", { width: 0.125 }));
 * const fc = moves.get("classifier")!;
 * if (fc.outTie !== null || fc.inTie === null || fc.block !== 1) throw new Error();
 * ```
 */
export function layerMoves(
  net: Network,
  ties: readonly ChannelTie[] = channelTies(net),
): Map<string, LayerMove> {
  const moves = new Map<string, LayerMove>();
  const writer = new Map<string, ChannelTie>();
  const reader = new Map<string, { tie: ChannelTie; block: number }>();
  for (const t of ties) {
    for (const p of t.producers) writer.set(p, t);
    for (const c of t.consumers) reader.set(c.layer, { tie: t, block: c.block });
  }
  for (const n of net.nodes) {
    if (n.op !== "Conv" && n.op !== "Gemm") continue;
    const r = reader.get(n.name);
    moves.set(n.name, {
      rows: n.op === "Conv" ? n.co : n.out,
      cols: n.op === "Conv" ? n.ci : n.in,
      inner: n.op === "Conv" ? n.k * n.k : 1,
      block: r?.block ?? 1,
      outTie: writer.get(n.name) ?? null,
      inTie: r?.tie ?? null,
    });
  }
  return moves;
}

/**
 * Reorder a layer's weight array (or mask): new[p][q] = old[outPerm[p]][inPerm[q]], columns in
 * blocks of `block`. A null permutation leaves that axis alone.
 *
 * @example
 * ```ts
 * import { permuteWeights } from "./permute.ts";
 *
 * // 2 × 2 matrix, swap the rows.
 * const w = permuteWeights(Float32Array.from([1, 2, 3, 4]), { rows: 2, cols: 2, inner: 1, block: 1 }, Int32Array.from([1, 0]), null);
 * if (w.join() !== "3,4,1,2") throw new Error();
 * ```
 */
export function permuteWeights<T extends Float64Array | Float32Array | Uint8Array | Int32Array>(
  w: T,
  geo: { rows: number; cols: number; inner: number; block: number },
  outPerm: Int32Array | null,
  inPerm: Int32Array | null,
): T {
  const { rows, cols, inner, block } = geo;
  const out = w.slice() as T;
  if (!outPerm && !inPerm) return out;
  const colSrc = new Int32Array(cols);
  for (let q = 0; q < cols; q++) {
    colSrc[q] = inPerm ? inPerm[Math.floor(q / block)] * block + (q % block) : q;
  }
  for (let p = 0; p < rows; p++) {
    const sp = outPerm ? outPerm[p] : p;
    for (let q = 0; q < cols; q++) {
      const dst = (p * cols + q) * inner, src = (sp * cols + colSrc[q]) * inner;
      for (let t = 0; t < inner; t++) out[dst + t] = w[src + t];
    }
  }
  return out;
}

/**
 * The permutations a layer's rows (`out`) and columns (`inp`) follow; null for an unpermuted side.
 *
 * @example
 * ```ts
 * import { layerMoves, movePerms } from "./permute.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const mv = layerMoves(buildZoo("vgg16-cifar10", { width: 0.125 })).get("features.3")!;
 * const p = Int32Array.from({ length: 8 }, (_, i) => 7 - i);
 * const { out, inp } = movePerms(mv, new Map([[mv.inTie!.tensors[0], p]]));
 * if (out !== null || inp !== p) throw new Error();
 * ```
 */
export function movePerms(
  move: LayerMove,
  perms: Permutations,
): { out: Int32Array | null; inp: Int32Array | null } {
  const of = (t: ChannelTie | null) => (t ? perms.get(tieKey(t)) ?? null : null);
  return { out: of(move.outTie), inp: of(move.inTie) };
}

/**
 * The inverse permutation.
 *
 * @example
 * ```ts
 * import { invert } from "./permute.ts";
 *
 * if (invert(Int32Array.from([2, 0, 1])).join() !== "1,2,0") throw new Error();
 * ```
 */
export function invert(perm: Int32Array): Int32Array {
  const inv = new Int32Array(perm.length);
  perm.forEach((v, p) => inv[v] = p);
  return inv;
}

/** Check that every permutation is one of its tie's channel count, and that fixed ties stay put.
 *
 * @example
 * ```ts
 * import { checkPermutations } from "./permute.ts";
 * import { buildZoo } from "../nn/mod.ts";
 * import { assertThrows } from "@std/assert";
 *
 * assertThrows(
 *   () => checkPermutations(buildZoo("vgg16-cifar10", { width: 0.125 }), new Map([["x", Int32Array.from([0])]]), "m.json"),
 *   Error,
 *   'm.json: permutation for "x", which is not a channel tie',
 * );
 * ```
 */
export function checkPermutations(net: Network, perms: Permutations, source: string): void {
  const ties = new Map(channelTies(net).map((t) => [tieKey(t), t]));
  for (const [key, perm] of perms) {
    const tie = ties.get(key);
    if (!tie) {
      throw new UserError(
        `${source}: permutation for "${key}", which is not a channel tie of ${net.name}`,
      );
    }
    const seen = new Uint8Array(perm.length);
    const ok = perm.length === tie.channels &&
      perm.every((v) => v >= 0 && v < perm.length && !seen[v] && (seen[v] = 1));
    if (!ok) {
      throw new UserError(
        `${source}: permutation for "${key}" is not a permutation of ${tie.channels} channels`,
      );
    }
    if (tie.fixed && perm.some((v, p) => v !== p)) {
      throw new UserError(
        `${source}: "${key}" touches the network input or output, whose channel order is fixed`,
      );
    }
  }
}

/**
 * The network with its channels permuted: the same function, up to float rounding.
 *
 * @example
 * ```ts
 * import { permuteNetwork } from "./permute.ts";
 * import { forward } from "../nn/mod.ts";
 * import { channelTies } from "../nn/mod.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const net = buildZoo("resnet18-cifar10", { width: 0.125 });
 * const tie = channelTies(net).find((t) => !t.fixed)!;
 * const perm = Int32Array.from({ length: tie.channels }, (_, i) => tie.channels - 1 - i);
 * const moved = permuteNetwork(net, new Map([[tie.tensors[0], perm]]));
 * const x = new Float32Array(3 * 32 * 32).map((_, i) => Math.sin(i));
 * const a = forward(net, x), b = forward(moved, x);
 * if (a.some((v, i) => Math.abs(v - b[i]) > 1e-4)) throw new Error();
 * ```
 */
export function permuteNetwork(net: Network, perms: Permutations): Network {
  checkPermutations(net, perms, "permutations");
  const ties = channelTies(net);
  const moves = layerMoves(net, ties);
  const bnPerm = new Map<string, Int32Array>();
  for (const t of ties) {
    const p = perms.get(tieKey(t));
    if (p) { for (const f of t.followers) bnPerm.set(f, p); }
  }
  const nodes: Node[] = net.nodes.map((n) => {
    if (n.op === "Conv" || n.op === "Gemm") {
      const mv = moves.get(n.name)!;
      const { out, inp } = movePerms(mv, perms);
      if (!out && !inp) return n;
      return {
        ...n,
        weight: permuteWeights(n.weight, mv, out, inp),
        bias: n.bias && out ? Float32Array.from(out, (c) => n.bias![c]) : n.bias,
      };
    }
    if (n.op === "BatchNormalization") {
      const p = bnPerm.get(n.name);
      if (!p) return n;
      const pick = (a: Float32Array) => Float32Array.from(p, (c) => a[c]);
      return {
        ...n,
        scale: pick(n.scale),
        bias: pick(n.bias),
        mean: pick(n.mean),
        variance: pick(n.variance),
      };
    }
    return n;
  });
  return { ...net, nodes };
}

/**
 * Masks (model's own channel order) moved into the permuted order of `permuteNetwork(net, perms)`.
 *
 * @example
 * ```ts
 * import { permuteMasks } from "./permute.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const m = permuteMasks(net, new Map([["classifier", new Uint8Array(640).fill(1)]]), new Map());
 * if (m.get("classifier")?.length !== 640) throw new Error();
 * ```
 */
export function permuteMasks(
  net: Network,
  masks: ReadonlyMap<string, Uint8Array>,
  perms: Permutations,
): Map<string, Uint8Array> {
  const moves = layerMoves(net);
  const out = new Map<string, Uint8Array>();
  for (const [name, m] of masks) {
    const mv = moves.get(name);
    if (!mv) throw new UserError(`Mask for "${name}", which ${net.name} does not have`);
    const { out: rows, inp: cols } = movePerms(mv, perms);
    out.set(name, permuteWeights(m, mv, rows, cols));
  }
  return out;
}
