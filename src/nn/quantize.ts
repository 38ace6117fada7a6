/**
 * The integer path: BatchNorm folded into the convolution before it (as HE inference runs it), and
 * symmetric per-layer quantization of weights (and activations) to signed b-bit integers, giving
 * the `IntLayer`s the HE planners and the integer reference layers (mod t) use.
 *
 * @module
 */
import { scratchFloat32 } from "../base/mod.ts";
import type { ConvShape, IntLayer, LayerShape } from "./layers.ts";
import { type ConvNode, inferShapes, type Network, type Node } from "./network.ts";
import { type SyntheticConv, syntheticConvOf, syntheticConvWeights } from "./zoo.ts";

/**
 * Fold every BatchNorm that directly follows a Conv (and is that Conv's only reader) into the
 * Conv's weights and bias. Other BatchNorms stay.
 *
 * @example VGG-16's BatchNorms all fold into its convolutions
 * ```ts
 * import { assert } from "@std/assert";
 * import { foldBatchNorm } from "./quantize.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = foldBatchNorm(buildZoo("vgg16-cifar10", { width: 0.125 }));
 * assert(!net.nodes.some((n) => n.op === "BatchNormalization"));
 * ```
 */
export function foldBatchNorm(net: Network): Network {
  const readers = new Map<string, number>();
  for (const n of net.nodes) for (const t of n.inputs) readers.set(t, (readers.get(t) ?? 0) + 1);
  const producer = new Map<string, Node>(net.nodes.map((n) => [n.output, n]));
  const folded = new Map<string, ConvNode>(); // conv name → folded conv
  const dropped = new Set<string>(); // BN names folded away
  const rename = new Map<string, string>(); // BN output → conv output
  for (const n of net.nodes) {
    if (n.op !== "BatchNormalization") continue;
    const p = producer.get(n.inputs[0]);
    if (!p || p.op !== "Conv" || readers.get(p.output) !== 1) continue;
    const kk = p.ci * p.k * p.k;
    const weight = new Float32Array(p.weight.length);
    const bias = new Float32Array(p.co);
    for (let o = 0; o < p.co; o++) {
      const a = n.scale[o] / Math.sqrt(n.variance[o] + n.epsilon);
      for (let j = 0; j < kk; j++) weight[o * kk + j] = p.weight[o * kk + j] * a;
      bias[o] = n.bias[o] + a * ((p.bias ? p.bias[o] : 0) - n.mean[o]);
    }
    folded.set(p.name, { ...p, weight, bias });
    dropped.add(n.name);
    rename.set(n.output, p.output);
  }
  const nodes: Node[] = [];
  for (const n of net.nodes) {
    if (dropped.has(n.name)) continue;
    const base = folded.get(n.name) ?? n;
    nodes.push({ ...base, inputs: base.inputs.map((t) => rename.get(t) ?? t) } as Node);
  }
  return { ...net, nodes, output: rename.get(net.output) ?? net.output };
}

/** Signed integers and the scale they were quantized with (value ≈ q · scale). */
export interface Quantized {
  /** The signed integers, one per value. */
  readonly q: Int32Array;
  /** The float value of one integer step (1 when every value is 0). */
  readonly scale: number;
}

/**
 * Symmetric quantization to signed `bits`-bit integers: scale = max|v| / (2^(bits−1) − 1). The
 * integers go to the front of `into` (a view of it) when it is long enough, else to a new array.
 *
 * @example The largest magnitude maps to ±127 at 8 bits
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { quantizeSymmetric } from "./quantize.ts";
 *
 * const { q, scale } = quantizeSymmetric(Float32Array.from([0.5, -1, 0.25]), 8);
 * assertEquals(q, Int32Array.from([64, -127, 32]));
 * assertAlmostEquals(scale, 1 / 127);
 * ```
 */
export function quantizeSymmetric(v: Float32Array, bits: number, into?: Int32Array): Quantized {
  let max = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]);
    if (a > max) max = a;
  }
  const top = 2 ** (bits - 1) - 1;
  const scale = max > 0 ? max / top : 1;
  const q = intsFor(v.length, into);
  const inv = 1 / scale;
  for (let i = 0; i < v.length; i++) q[i] = roundHalfUp(v[i] * inv);
  return { q, scale };
}

/** The front `n` of `into` when it holds them, else a new array. */
function intsFor(n: number, into: Int32Array | undefined): Int32Array {
  return into && into.length >= n ? into.subarray(0, n) : new Int32Array(n);
}

/**
 * `Math.round(x)` (halves toward +∞) for |x| < 2^52, through `Math.floor`: the same integers, about
 * twice as fast over millions of weights in this V8. ⌊x + ½⌋ is off by one only when x + ½ rounds
 * up to the next integer; r − ½ > x (exact for such x) detects it.
 *
 * @example Halves go up, as Math.round's do
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { roundHalfUp } from "./quantize.ts";
 *
 * const xs = [2.5, -2.5, -0.4, 0.49999999999999994, 126.7];
 * assertEquals(xs.map(roundHalfUp), xs.map((x) => Math.round(x) + 0));
 * ```
 */
export function roundHalfUp(x: number): number {
  const r = Math.floor(x + 0.5);
  return r - 0.5 > x ? r - 1 : r;
}

/**
 * Residues mod t of quantized activations (negative values wrap to t − |q|), the client input of an
 * HE layer: the input `referenceLayer` and the HE executors take.
 *
 * @example −1 wraps to t − 1
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { toResidues } from "./quantize.ts";
 *
 * assertEquals(toResidues(Int32Array.from([3, -1]), 97), Float64Array.from([3, 96]));
 * ```
 */
export function toResidues(q: Int32Array, t: number): Float64Array {
  return Float64Array.from(q, (v) => ((v % t) + t) % t);
}

/** An HE-ready linear layer of a network with its quantization scale. */
export interface QuantizedLayer {
  /** The integer layer, named after the network's node. */
  readonly layer: IntLayer;
  /** The layer's kind (the same as `layer.shape.kind`). */
  readonly kind: "conv" | "fc" | "bn";
  /** The float value of one integer weight step (folded weight ≈ integer × weightScale). */
  readonly weightScale: number;
}

/**
 * The network's linear layers as integer layers for HE: BatchNorm folded, weights quantized to
 * `bits` (default 8) per layer; a BatchNorm that cannot be folded becomes an element-wise layer.
 * Layers come in network order.
 *
 * @example ResNet-18's 21 linear layers, the stem first
 * ```ts
 * import { quantizedLayers } from "./quantize.ts";
 * import { buildZoo } from "./zoo.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const layers = quantizedLayers(buildZoo("resnet18-cifar10", { width: 0.25 }));
 * assertEquals([layers.length, layers[0].layer.name, layers[0].kind], [21, "conv1", "conv"]);
 * const { shape } = layers[0].layer;
 * assertEquals(shape, { kind: "conv", h: 32, w: 32, ci: 3, co: 16, k: 3, s: 1, p: 1 });
 * ```
 */
export function quantizedLayers(net: Network, bits = 8): QuantizedLayer[] {
  return linearLayerSpecs(net).map((spec) => quantizeLayer(spec, bits));
}

/** A linear layer after BatchNorm folding, with float weights (conv, fc) or per-channel scales (bn). */
export interface FloatLayer {
  /** The network node's name. */
  readonly name: string;
  /** The layer's kind (the same as `shape.kind`). */
  readonly kind: "conv" | "fc" | "bn";
  /** The layer's geometry (a conv's input size comes from shape inference). */
  readonly shape: LayerShape;
  /**
   * The layer's own weights; with `rowScale`, row o of the folded layer is row o × rowScale[o].
   * Empty when `synthetic` is set: read them with `foldedWeights`.
   */
  readonly weights: Float32Array;
  /** A zoo conv's synthetic-weight recipe (weights regenerated where they are used). */
  readonly synthetic?: SyntheticConv;
  /**
   * A folded BatchNorm's per-output-channel factor γ/√(σ² + ε), applied when quantizing (so the
   * folded weights are never materialized: big models fold on the planning workers).
   */
  readonly rowScale?: Float64Array;
}

/**
 * The folded float weights of a layer (Float32, exactly as folding the BatchNorm into the conv
 * stores them): the synthetic recipe's weights or `weights`, each row o times `rowScale[o]` when
 * there is one.
 *
 * @example Row scales multiply the rows
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { foldedWeights } from "./quantize.ts";
 *
 * const spec = {
 *   name: "fc", kind: "fc" as const, shape: { kind: "fc" as const, in: 2, out: 2 },
 *   weights: Float32Array.from([1, 2, 3, 4]), rowScale: Float64Array.from([1, 0.5]),
 * };
 * assertEquals(foldedWeights(spec), Float32Array.from([1, 2, 1.5, 2]));
 * ```
 */
export function foldedWeights(spec: FloatLayer): Float32Array {
  const { rowScale } = spec;
  const weights = spec.synthetic ? syntheticConvWeights(spec.synthetic) : spec.weights;
  if (!rowScale) return weights;
  const per = weights.length / rowScale.length;
  const out = new Float32Array(weights.length);
  for (let o = 0; o < rowScale.length; o++) {
    const a = rowScale[o];
    for (let j = o * per; j < (o + 1) * per; j++) out[j] = weights[j] * a;
  }
  return out;
}

/**
 * The network's linear layers after BatchNorm folding, still in float (quantize each with
 * `quantizeLayer`, e.g. on worker threads). Layers come in network order.
 *
 * @example VGG-16: 13 convolutions with their BatchNorms folded, then the classifier
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { linearLayerSpecs } from "./quantize.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const specs = linearLayerSpecs(buildZoo("vgg16-cifar10", { width: 0.125 }));
 * assertEquals(specs.map((s) => s.kind).join(), "conv,".repeat(13) + "fc");
 * assertEquals(specs[0].rowScale?.length, 8); // BatchNorm factors of the first conv's 8 channels
 * ```
 */
export function linearLayerSpecs(net: Network): FloatLayer[] {
  // The BatchNorms foldBatchNorm folds (a Conv's only reader), found without folding anything.
  const readers = new Map<string, number>();
  for (const n of net.nodes) for (const t of n.inputs) readers.set(t, (readers.get(t) ?? 0) + 1);
  const producer = new Map<string, Node>(net.nodes.map((n) => [n.output, n]));
  const rowScale = new Map<string, Float64Array>();
  const folded = new Set<string>();
  for (const n of net.nodes) {
    if (n.op !== "BatchNormalization") continue;
    const p = producer.get(n.inputs[0]);
    if (!p || p.op !== "Conv" || readers.get(p.output) !== 1) continue;
    rowScale.set(
      p.name,
      Float64Array.from(n.scale, (g, o) => g / Math.sqrt(n.variance[o] + n.epsilon)),
    );
    folded.add(n.name);
  }
  const shapes = inferShapes(net);
  const out: FloatLayer[] = [];
  for (const n of net.nodes) {
    if (n.op === "Conv") {
      const [, h, w] = shapes.get(n.inputs[0]) as [number, number, number];
      const r = rowScale.get(n.name);
      // A synthetic zoo conv travels as its recipe (a few numbers), not as millions of floats.
      const recipe = syntheticConvOf(n);
      out.push({
        name: n.name,
        kind: "conv",
        shape: convShape(n, h, w),
        weights: recipe ? new Float32Array(0) : n.weight,
        ...(recipe ? { synthetic: recipe } : {}),
        ...(r ? { rowScale: r } : {}),
      });
    } else if (n.op === "Gemm") {
      out.push({
        name: n.name,
        kind: "fc",
        shape: { kind: "fc", in: n.in, out: n.out },
        weights: n.weight,
      });
    } else if (n.op === "BatchNormalization" && !folded.has(n.name)) {
      const [c, h, w] = shapes.get(n.inputs[0]) as [number, number, number];
      const mul = Float32Array.from(n.scale, (s, i) => s / Math.sqrt(n.variance[i] + n.epsilon));
      out.push({ name: n.name, kind: "bn", shape: { kind: "bn", c, h, w }, weights: mul });
    }
  }
  return out;
}

/**
 * Quantize one folded layer symmetrically to `bits`-bit (default 8) integer weights. With `into`
 * long enough, the weights are a view of its front, valid until `into` is written again: for a
 * caller that plans layer after layer and keeps nothing of each (a cost table), one buffer instead
 * of fresh memory per layer, whose first touches cost about as much as quantizing (on a VM).
 *
 * @example 8-bit weights span ±127
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { linearLayerSpecs, quantizeLayer } from "./quantize.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const [first] = linearLayerSpecs(buildZoo("vgg16-cifar10", { width: 0.125 }));
 * const q = quantizeLayer(first, 8);
 * assertEquals(Math.max(...q.layer.weights.map(Math.abs)), 127);
 * ```
 */
export function quantizeLayer(spec: FloatLayer, bits = 8, into?: Int32Array): QuantizedLayer {
  const { q, scale } = quantizeFolded(spec, bits, into);
  return {
    layer: { name: spec.name, shape: spec.shape, weights: q },
    kind: spec.kind,
    weightScale: scale,
  };
}

/**
 * A zoo conv's quantized weights, by its recipe: what the recipe draws never changes while the node
 * has it (`syntheticConvOf`), so the layer is drawn, folded and quantized at most twice however
 * often it is costed (a study or pruning costs one model under every framework and budget): kept
 * from its second quantization on (`QUANTIZED_ONCE`), at the narrowest integer width that holds
 * `bits`; dropped with the network (a WeakMap).
 */
const QUANTIZED = new WeakMap<SyntheticConv, {
  readonly bits: number;
  readonly rowScale: Float64Array | undefined;
  readonly q: Int8Array | Int16Array | Int32Array;
  readonly scale: number;
}>();

/** Recipes quantized once and not yet kept in `QUANTIZED`. */
const QUANTIZED_ONCE = new WeakSet<SyntheticConv>();

/**
 * `quantizeSymmetric(foldedWeights(spec), bits)` in one pass over the layer's own weights (no folded
 * copy), each folded value rounded to Float32 as folding stores it, so the integers are the same
 * bit for bit; a zoo conv's result is remembered by its recipe.
 */
function quantizeFolded(spec: FloatLayer, bits: number, into?: Int32Array): Quantized {
  const { synthetic, rowScale } = spec;
  const known = synthetic && QUANTIZED.get(synthetic);
  if (known && known.bits === bits && sameValues(known.rowScale, rowScale)) {
    const q = intsFor(known.q.length, into);
    q.set(known.q);
    return { q, scale: known.scale };
  }
  // The drawn floats die here: inside `withScratch` (a cost table) they reuse scratch memory.
  const weights = synthetic
    ? syntheticConvWeights(
      synthetic,
      scratchFloat32(synthetic.co * synthetic.ci * synthetic.k ** 2),
    )
    : spec.weights;
  const result = rowScale
    ? quantizeRows(weights, rowScale, bits, into)
    : quantizeSymmetric(weights, bits, into);
  // Kept from the second time a recipe is quantized: a one-shot cost table (a Worker gets its
  // own copy of each recipe) would only pay for the copy.
  if (synthetic && !QUANTIZED_ONCE.has(synthetic)) QUANTIZED_ONCE.add(synthetic);
  else if (synthetic) {
    const q = bits <= 8
      ? new Int8Array(result.q)
      : bits <= 16
      ? new Int16Array(result.q)
      : result.q.slice();
    QUANTIZED.set(synthetic, { bits, rowScale: rowScale?.slice(), q, scale: result.scale });
  }
  return result;
}

/** Symmetric quantization of `weights` with row o (of equal rows) scaled by `rowScale[o]`. */
function quantizeRows(
  weights: Float32Array,
  rowScale: Float64Array,
  bits: number,
  into: Int32Array | undefined,
): Quantized {
  const per = weights.length / rowScale.length;
  // Flat loops, the row's scale changing every `per` weights: V8 runs a loop nested in a function
  // called once in on-stack-replaced code and leaves it at every exit of the inner loop.
  let max = 0;
  for (let j = 0, o = 0, end = per, a = rowScale[0]; j < weights.length; j++) {
    if (j === end) {
      a = rowScale[++o];
      end += per;
    }
    const v = Math.abs(Math.fround(weights[j] * a));
    if (v > max) max = v;
  }
  const top = 2 ** (bits - 1) - 1;
  const scale = max > 0 ? max / top : 1;
  const inv = 1 / scale;
  const q = intsFor(weights.length, into);
  for (let j = 0, o = 0, end = per, a = rowScale[0]; j < weights.length; j++) {
    if (j === end) {
      a = rowScale[++o];
      end += per;
    }
    q[j] = roundHalfUp(Math.fround(weights[j] * a) * inv);
  }
  return { q, scale };
}

function sameValues(a: Float64Array | undefined, b: Float64Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/**
 * The `ConvShape` of a conv node on an h × w input (`pads` only when they differ per side).
 *
 * @example VGG-16's first convolution
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { convShape } from "./quantize.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const conv = buildZoo("vgg16-cifar10", { width: 0.125 }).nodes[0];
 * assertEquals(conv.op === "Conv" && convShape(conv, 32, 32), {
 *   kind: "conv", h: 32, w: 32, ci: 3, co: 8, k: 3, s: 1, p: 1,
 * });
 * ```
 */
export function convShape(n: ConvNode, h: number, w: number): ConvShape {
  const [t, l, b, r] = n.pads;
  const symmetric = t === l && t === b && t === r;
  return {
    kind: "conv",
    h,
    w,
    ci: n.ci,
    co: n.co,
    k: n.k,
    s: n.stride,
    p: t,
    ...(symmetric ? {} : { pads: [t, l, b, r] as const }),
  };
}
