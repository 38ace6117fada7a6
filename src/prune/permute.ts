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

/**
 * Permutations by tie key (`tieKey`: the tie's first tensor name); in each, position p holds
 * original channel perm[p]. A tie without an entry keeps its order.
 */
export type Permutations = ReadonlyMap<string, Int32Array>;

/** The key a tie's permutation is stored under.
 *
 * @example A tie's key is its first tensor
 * ```ts
 * import { tieKey } from "./permute.ts";
 * import { buildZoo, channelTies } from "../nn/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const [first] = channelTies(buildZoo("vgg16-cifar10", { width: 0.125 }));
 * assertEquals(tieKey(first), first.tensors[0]);
 * ```
 */
export function tieKey(tie: ChannelTie): string {
  return tie.tensors[0];
}

/** How one linear layer's weights move: output rows, input columns (in blocks). */
export interface LayerMove {
  /** Output rows: the layer's output channels (conv `co`, FC `out`). */
  readonly rows: number;
  /** Input columns: conv `ci`, FC `in` (a Gemm after a flatten: channels × `block`). */
  readonly cols: number;
  /** Weights per (row, column) pair: k·k for conv, 1 for FC. */
  readonly inner: number;
  /** Inputs per channel (h·w of a flattened map for a Gemm; 1 for conv). */
  readonly block: number;
  /** The tie of the layer's output channels; null if its output is no feature map (an FC). */
  readonly outTie: ChannelTie | null;
  /** The tie of the channels the layer reads; null if it reads no feature map (an FC after FC). */
  readonly inTie: ChannelTie | null;
}

/**
 * Where every Conv/Gemm layer's rows and columns come from (the ties it writes and reads).
 *
 * @example The classifier writes no tie and reads the last one
 * ```ts
 * import { layerMoves } from "./permute.ts";
 * import { buildZoo } from "../nn/mod.ts";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const moves = layerMoves(buildZoo("vgg16-cifar10", { width: 0.125 }));
 * const fc = moves.get("classifier")!;
 * assertEquals(fc.outTie, null);
 * assert(fc.inTie !== null);
 * // Its input is a 1 × 1 map: one input per channel.
 * assertEquals(fc.block, 1);
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
 * @example Swapping the rows of a 2 × 2 matrix
 * ```ts
 * import { permuteWeights } from "./permute.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const geo = { rows: 2, cols: 2, inner: 1, block: 1 };
 * const w = permuteWeights(Float32Array.from([1, 2, 3, 4]), geo, Int32Array.from([1, 0]), null);
 * assertEquals([...w], [3, 4, 1, 2]);
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
 * @example A conv follows the permutation of the tie it reads
 * ```ts
 * import { layerMoves, movePerms } from "./permute.ts";
 * import { buildZoo } from "../nn/mod.ts";
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 *
 * const mv = layerMoves(buildZoo("vgg16-cifar10", { width: 0.125 })).get("features.3")!;
 * const p = Int32Array.from({ length: 8 }, (_, i) => 7 - i);
 * const { out, inp } = movePerms(mv, new Map([[mv.inTie!.tensors[0], p]]));
 * assertEquals(out, null);
 * assertStrictEquals(inp, p);
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
 * @example Inverting a 3-cycle
 * ```ts
 * import { invert } from "./permute.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([...invert(Int32Array.from([2, 0, 1]))], [1, 2, 0]);
 * ```
 */
export function invert(perm: Int32Array): Int32Array {
  const inv = new Int32Array(perm.length);
  perm.forEach((v, p) => inv[v] = p);
  return inv;
}

/**
 * Check that every permutation is one of its tie's channel count, and that fixed ties stay put.
 * Takes plain arrays as read from a file as well as `Int32Array`s: check a file's values here
 * before converting them, so a value such as 2^32 + 2 is refused rather than wrapped to 2.
 *
 * @example A key that names no tie is rejected
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
 *
 * @example A value out of range is named, not wrapped
 * ```ts
 * import { checkPermutations, tieKey } from "./permute.ts";
 * import { buildZoo, channelTies } from "../nn/mod.ts";
 * import { assertThrows } from "@std/assert";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const tie = channelTies(net).find((t) => !t.fixed)!;
 * const perm = Array.from({ length: tie.channels }, (_, i) => i);
 * perm[2] = 2 ** 32 + 2;
 * assertThrows(
 *   () => checkPermutations(net, new Map([[tieKey(tie), perm]]), "m.json"),
 *   Error,
 *   "entry 2 is 4294967298, not a channel index in [0, ",
 * );
 * ```
 */
export function checkPermutations(
  net: Network,
  perms: ReadonlyMap<string, Int32Array | readonly number[]>,
  source: string,
): void {
  const ties = new Map(channelTies(net).map((t) => [tieKey(t), t]));
  for (const [key, perm] of perms) {
    const tie = ties.get(key);
    if (!tie) {
      throw new UserError(
        `${source}: permutation for ${
          JSON.stringify(key)
        }, which is not a channel tie of ${net.name}`,
      );
    }
    const n = tie.channels;
    const where = `${source}: permutation for ${JSON.stringify(key)}`;
    if (perm.length !== n) {
      throw new UserError(
        `${where} has ${perm.length} entries: it is not a permutation of ${n} channels`,
      );
    }
    const seen = new Uint8Array(n);
    for (let p = 0; p < n; p++) {
      const v = perm[p];
      if (!(Number.isInteger(v) && v >= 0 && v < n)) {
        throw new UserError(
          `${where}: entry ${p} is ${v}, not a channel index in [0, ${n}): ` +
            `it is not a permutation of ${n} channels`,
        );
      }
      if (seen[v]) {
        throw new UserError(
          `${where}: channel ${v} appears twice: it is not a permutation of ${n} channels`,
        );
      }
      seen[v] = 1;
    }
    if (tie.fixed && perm.some((v, p) => v !== p)) {
      throw new UserError(
        `${source}: ${
          JSON.stringify(key)
        } touches the network input or output, whose channel order is fixed`,
      );
    }
  }
}

/**
 * The network with its channels permuted: the same function, up to float rounding.
 *
 * @example Reversing a tie's channels keeps the network's outputs
 * ```ts
 * import { permuteNetwork } from "./permute.ts";
 * import { buildZoo, channelTies, forward } from "../nn/mod.ts";
 * import { assertAlmostEquals } from "@std/assert";
 *
 * const net = buildZoo("resnet18-cifar10", { width: 0.125 });
 * const tie = channelTies(net).find((t) => !t.fixed)!;
 * const perm = Int32Array.from({ length: tie.channels }, (_, i) => tie.channels - 1 - i);
 * const moved = permuteNetwork(net, new Map([[tie.tensors[0], perm]]));
 * const x = new Float32Array(3 * 32 * 32).map((_, i) => Math.sin(i));
 * const a = forward(net, x), b = forward(moved, x);
 * a.forEach((v, i) => assertAlmostEquals(b[i], v, 1e-4));
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
 * @example A mask follows its layer's permuted columns
 * ```ts
 * import { permuteMasks, tieKey } from "./permute.ts";
 * import { buildZoo, channelTies } from "../nn/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const tie = channelTies(net).find((t) => t.consumers.some((c) => c.layer === "classifier"))!;
 * // The classifier (10 outputs × 64 inputs) keeps input column 0 only; the tie is reversed.
 * const mask = Uint8Array.from({ length: 640 }, (_, j) => j % 64 === 0 ? 1 : 0);
 * const perm = Int32Array.from({ length: 64 }, (_, i) => 63 - i);
 * const m = permuteMasks(net, new Map([["classifier", mask]]), new Map([[tieKey(tie), perm]]));
 * const row0 = m.get("classifier")!.subarray(0, 64);
 * assertEquals([row0[0], row0[63]], [0, 1]);
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
