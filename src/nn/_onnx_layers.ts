/**
 * ONNX layer nodes (Conv, Gemm, MatMul, BatchNormalization, pools, Relu, GlobalAveragePool) as IR
 * nodes, with one-line refusals of what the IR cannot express. Private to the ONNX importer.
 *
 * @module
 */
import type onnxProto from "onnx-proto";
import type { Attrs, Const, Fail } from "./_onnx_tensor.ts";
import type { BatchNormNode, ConvNode, GemmNode, Node, PoolNode } from "./network.ts";

type NodeProto = onnxProto.onnx.INodeProto;

/** What a layer builder gets: the node, its IR input tensor and shape, its constant operands. */
export interface LayerArgs {
  readonly node: NodeProto;
  readonly name: string;
  /** The IR tensor the node's first input is. */
  readonly x: string;
  /** The full ONNX shape (batch 1 first) of the node's first input: [1, C, H, W] or [1, K]. */
  readonly shape: readonly number[];
  readonly a: Attrs;
  /** Input `i` as a constant (undefined if omitted); fails if it is image data. */
  readonly operand: (i: number) => Const | undefined;
  readonly fail: Fail;
}

/** The ops `layerNode` builds. */
export const LAYER_OPS = [
  "Conv",
  "Gemm",
  "MatMul",
  "BatchNormalization",
  "Relu",
  "MaxPool",
  "AveragePool",
  "GlobalAveragePool",
] as const;

/**
 * The attributes each layer op defines (opsets 11–21, including deprecated ones exporters still
 * write); any other attribute is refused, as onnx.checker would, since it may change the meaning.
 */
const LAYER_ATTRS: Record<(typeof LAYER_OPS)[number], readonly string[]> = {
  Conv: ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"],
  Gemm: ["alpha", "beta", "transA", "transB"],
  MatMul: [],
  BatchNormalization: ["epsilon", "momentum", "training_mode", "spatial", "is_test"],
  Relu: [],
  MaxPool: [
    "auto_pad",
    "ceil_mode",
    "dilations",
    "kernel_shape",
    "pads",
    "storage_order",
    "strides",
  ],
  AveragePool: [
    "auto_pad",
    "ceil_mode",
    "count_include_pad",
    "dilations",
    "kernel_shape",
    "pads",
    "strides",
  ],
  GlobalAveragePool: [],
};

type Pads = readonly [number, number, number, number];

/** The largest size (channels, features, kernel, stride, pad) an attribute or weight dim may have. */
const MAX_SIZE = 1 << 24;

const list = (v: readonly number[]) => `[${v.join(", ")}]`;
const isCount = (v: number, min: number) => Number.isSafeInteger(v) && v >= min && v <= MAX_SIZE;

function weights(
  l: LayerArgs,
  i: number,
  what: string,
): { dims: readonly number[]; data: Float32Array } {
  const c = l.operand(i);
  const t = l.node.input![i];
  if (!c) {
    throw l.fail(`needs a constant (initializer) ${what}; export the weights as initializers`);
  }
  if (c.int) {
    throw l.fail(
      `has an integer (INT64/INT32) ${what} "${t}"; weights must be FLOAT (export the model in ` +
        "float32, e.g. model.float())",
    );
  }
  // Initializers were checked when read; a folded constant (Div, Mul, ...) may not be finite.
  const bad = c.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw l.fail(
      `has ${c.data[bad]} in its ${what} "${t}" at index ${bad}; weights must be finite (fix ` +
        "the constant arithmetic that makes it, or the model)",
    );
  }
  if (c.dims.some((d) => !isCount(d, 1))) {
    throw l.fail(
      `has an empty or oversized ${what} "${t}" of dims ${list(c.dims)} (the file is corrupt)`,
    );
  }
  return { dims: c.dims, data: c.data as Float32Array };
}

/** A per-channel vector (bias, BatchNorm parameter): `n` values, as [n] (or [1, n, 1, 1]). */
function vector(l: LayerArgs, i: number, what: string, n: number, per: string): Float32Array {
  const w = weights(l, i, what);
  if (w.data.length !== n || w.dims.filter((d) => d !== 1).length > 1) {
    throw l.fail(
      `has a ${what} "${l.node.input![i]}" of dims ${list(w.dims)} for ${n} ${per}; it needs ` +
        `one value per ${per.replace(/s$/, "")} ([${n}]): fix or re-export the model`,
    );
  }
  return w.data;
}

function optionalVector(
  l: LayerArgs,
  i: number,
  what: string,
  n: number,
  per: string,
): Float32Array | null {
  return l.node.input?.[i] ? vector(l, i, what, n, per) : null;
}

/** An INT attribute that must be one of `allowed` (ONNX's default `d`). */
function flag(l: LayerArgs, k: string, d: number, allowed: readonly number[], why: string): number {
  const v = l.a.int(k, d);
  if (!allowed.includes(v)) throw l.fail(`has ${k} = ${v}; ${why}`);
  return v;
}

/** The [N, C, H, W] input's C, H, W; a vector input is refused. */
function mapShape(l: LayerArgs): readonly [number, number, number] {
  if (l.shape.length !== 4) {
    throw l.fail(
      `needs an image map [N, C, H, W] as input, got ${list(l.shape)}; apply it before the flatten`,
    );
  }
  return [l.shape[1], l.shape[2], l.shape[3]];
}

/**
 * A square 2-D window (kernel `k`, from the weight or `kernel_shape`): its single stride and
 * explicit [top, left, bottom, right] pads, each checked against ONNX's rules and the IR's (strides
 * ≥ 1 and equal, dilation 1, 0 ≤ pad < k, no SAME auto_pad) and the window fitting the padded map.
 */
function window(l: LayerArgs, k: number): { stride: number; pads: Pads } {
  const [, h, w] = mapShape(l);
  const dil = l.a.ints("dilations");
  if (l.a.has("dilations") && (dil.length !== 2 || dil.some((d) => d !== 1))) {
    throw l.fail(`has dilations ${list(dil)}; only dilation 1 is supported (undilate the layer)`);
  }
  const s = l.a.ints("strides");
  if (l.a.has("strides") && s.length !== 2) {
    throw l.fail(`has strides ${list(s)}; a 2-D ${l.node.opType} needs two strides`);
  }
  if (s.some((v) => !isCount(v, 1))) {
    throw l.fail(`has strides ${list(s)}; strides must be at least 1 (fix the model's stride)`);
  }
  if (s.length === 2 && s[0] !== s[1]) {
    throw l.fail(`has unequal strides ${list(s)}; only equal strides are supported`);
  }
  const autoPad = l.a.str("auto_pad", "NOTSET");
  if (autoPad !== "NOTSET" && autoPad !== "VALID") {
    throw l.fail(`uses auto_pad = ${autoPad}; re-export with explicit pads`);
  }
  const p = l.a.ints("pads");
  if (autoPad === "VALID" && p.some((v) => v !== 0)) {
    throw l.fail(`has auto_pad = VALID and pads ${list(p)}; keep one of them`);
  }
  if (l.a.has("pads") && p.length !== 4) {
    throw l.fail(
      `has pads ${list(p)}; a 2-D ${l.node.opType} needs four [top, left, bottom, right]`,
    );
  }
  if (p.some((v) => !Number.isSafeInteger(v) || v < 0 || v >= k)) {
    throw l.fail(
      `has pads ${list(p)}; each pad must be in [0, ${k}) for a ${k}×${k} window (negative ` +
        "pads crop, pads ≥ the window see only padding): fix the model's padding",
    );
  }
  const pads: Pads = p.length === 4 ? [p[0], p[1], p[2], p[3]] : [0, 0, 0, 0];
  if (k > h + pads[0] + pads[2] || k > w + pads[1] + pads[3]) {
    throw l.fail(
      `has a ${k}×${k} window larger than its padded ${h + pads[0] + pads[2]}×` +
        `${w + pads[1] + pads[3]} input map; the window must fit (check the model's input size)`,
    );
  }
  return { stride: s[0] ?? 1, pads };
}

function conv(l: LayerArgs): ConvNode {
  const W = weights(l, 1, "weight");
  if (W.dims.length !== 4) {
    throw l.fail(
      `has a weight of dims ${list(W.dims)}; only 2-D convolutions are supported (weight ` +
        "[out channels, in channels, kh, kw]; export a Conv2d)",
    );
  }
  const [co, ci, kh, kw] = W.dims;
  const group = l.a.int("group", 1);
  if (group !== 1) {
    throw l.fail(
      `has group = ${group}; only groups = 1 is supported (no grouped or depthwise convolutions)`,
    );
  }
  if (kh !== kw) throw l.fail(`has a ${kh}×${kw} kernel; only square kernels are supported`);
  const ks = l.a.ints("kernel_shape");
  if (l.a.has("kernel_shape") && (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw)) {
    throw l.fail(
      `has kernel_shape ${list(ks)} but a ${kh}×${kw} weight; they must agree (fix or re-export)`,
    );
  }
  const [c] = mapShape(l);
  if (ci !== c) {
    throw l.fail(
      `has a weight for ${ci} input channels, but its input has ${c}; the weight must be ` +
        `[${co}, ${c}, ${kh}, ${kw}] (fix or re-export the model)`,
    );
  }
  const { stride, pads } = window(l, kh);
  return {
    ...base(l),
    op: "Conv",
    ci,
    co,
    k: kh,
    stride,
    pads,
    weight: W.data,
    bias: optionalVector(l, 2, "bias", co, "output channels"),
  };
}

/** Gemm (any finite alpha, beta; transB 0 or 1; transA = 0) and MatMul by a constant. */
function gemm(l: LayerArgs): GemmNode {
  const W = weights(l, 1, "weight");
  if (W.dims.length !== 2) {
    throw l.fail(`needs a 2-D weight, got dims ${list(W.dims)} (fix or re-export the model)`);
  }
  const isGemm = l.node.opType === "Gemm";
  if (isGemm) {
    flag(l, "transA", 0, [0], "only transA = 0 is supported (the input is a row vector)");
  }
  const transB = isGemm && flag(l, "transB", 0, [0, 1], "transB must be 0 or 1") === 1;
  const [r, c] = W.dims;
  const outF = transB ? r : c, inF = transB ? c : r;
  const K = l.shape[1];
  if (inF !== K) {
    throw l.fail(
      `has a weight ${list(W.dims)}${isGemm ? ` (transB = ${Number(transB)})` : ""} for ${inF} ` +
        `inputs, but its input has ${K} features; fix the weight's shape or the flatten before it`,
    );
  }
  const alpha = isGemm ? l.a.float("alpha", 1) : 1, beta = isGemm ? l.a.float("beta", 1) : 1;
  for (const [k, v] of [["alpha", alpha], ["beta", beta]] as const) {
    if (!Number.isFinite(v)) throw l.fail(`has ${k} = ${v}; it must be finite (fix the model)`);
  }
  // The IR stores out × in; ONNX's B is in × out unless transB.
  const weight = Float32Array.from(
    { length: r * c },
    (_, i) => alpha * (transB ? W.data[i] : W.data[(i % inF) * c + Math.floor(i / inF)]),
  );
  const Cw = isGemm && l.node.input?.[2] ? weights(l, 2, "bias") : null;
  const C = Cw && Cw.data;
  if (
    Cw &&
    (Cw.data.length !== outF && Cw.data.length !== 1 || Cw.dims.filter((d) => d !== 1).length > 1)
  ) {
    throw l.fail(
      `has a bias of dims ${list(Cw.dims)} for ${outF} outputs; it needs [${outF}] (or one ` +
        "value, broadcast): fix or re-export the model",
    );
  }
  const bias = C && Float32Array.from({ length: outF }, (_, o) => beta * C[C.length === 1 ? 0 : o]);
  if (!weight.every(Number.isFinite) || (bias && !bias.every(Number.isFinite))) {
    throw l.fail("overflows float32 when alpha and beta scale its weights; fix alpha or beta");
  }
  return { ...base(l), op: "Gemm", in: inF, out: outF, weight, bias };
}

function batchNorm(l: LayerArgs): BatchNormNode {
  const training = l.a.int("training_mode", 0);
  if (training !== 0) {
    throw l.fail(
      `is in training mode (training_mode = ${training}); export with the model in eval mode ` +
        "(model.eval())",
    );
  }
  if ((l.node.output ?? []).slice(1).some(Boolean)) {
    throw l.fail("is in training mode (it outputs running statistics); export after model.eval()");
  }
  if (l.a.has("spatial")) flag(l, "spatial", 1, [1], "only spatial = 1 (per-channel) is supported");
  const [c] = mapShape(l);
  const [scale, bias, mean, variance] = (["scale", "bias", "mean", "variance"] as const).map((
    what,
    i,
  ) => vector(l, i + 1, what, c, "channels"));
  const epsilon = l.a.float("epsilon", 1e-5);
  if (!Number.isFinite(epsilon) || epsilon < 0) {
    throw l.fail(`has epsilon = ${epsilon}; it must be finite and ≥ 0 (PyTorch uses 1e-5)`);
  }
  const bad = variance.findIndex((v) => !(v + epsilon > 0));
  if (bad >= 0) {
    throw l.fail(
      `has variance ${variance[bad]} for channel ${bad} in "${l.node.input![4]}" (with epsilon ` +
        `${epsilon}); variance + epsilon must be > 0: the running statistics are corrupt`,
    );
  }
  return { ...base(l), op: "BatchNormalization", scale, bias, mean, variance, epsilon };
}

function pool(l: LayerArgs): PoolNode {
  const ks = l.a.ints("kernel_shape");
  if (ks.length !== 2 || ks[0] !== ks[1] || !isCount(ks[0], 1)) {
    throw l.fail(
      `has kernel_shape ${list(ks)}; it needs a square 2-D window of at least 1×1 (fix the model)`,
    );
  }
  flag(l, "ceil_mode", 0, [0], "only ceil_mode = 0 is supported (export with ceil_mode=False)");
  if ((l.node.output ?? []).slice(1).some(Boolean)) {
    throw l.fail("returns indices; only the pooled values are supported");
  }
  const k = ks[0];
  const { stride, pads } = window(l, k);
  // The IR averages over the in-image part of a window, which is all of it when nothing is padded.
  if (l.node.opType === "AveragePool") {
    const include = flag(l, "count_include_pad", 0, [0, 1], "count_include_pad must be 0 or 1");
    if (include && pads.some((v) => v)) {
      throw l.fail("uses count_include_pad = 1 with padding; export with count_include_pad=False");
    }
  }
  return { ...base(l), op: l.node.opType as PoolNode["op"], k, stride, pads };
}

function base(l: LayerArgs) {
  return { name: l.name, inputs: [l.x], output: l.node.output![0] };
}

/**
 * The IR node for one of `LAYER_OPS`, after checking every attribute and constant operand against
 * the op's ONNX definition and what the IR can express; a refusal is `l.fail`'s one line.
 */
export function layerNode(l: LayerArgs): Node {
  const op = l.node.opType as (typeof LAYER_OPS)[number];
  const unknown = l.a.names().find((k) => !LAYER_ATTRS[op].includes(k));
  if (unknown !== undefined) {
    throw l.fail(
      `has attribute "${unknown}", which ${op} does not define; remove it (onnx.checker ` +
        "refuses it too)",
    );
  }
  switch (op) {
    case "Conv":
      return conv(l);
    case "Gemm":
    case "MatMul":
      return gemm(l);
    case "BatchNormalization":
      return batchNorm(l);
    case "MaxPool":
    case "AveragePool":
      return pool(l);
    case "GlobalAveragePool":
      mapShape(l);
      return { ...base(l), op };
    default:
      return { ...base(l), op };
  }
}
