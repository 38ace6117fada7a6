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

/** What a layer builder gets: the node, its IR input tensor, its constant operands. */
export interface LayerArgs {
  readonly node: NodeProto;
  readonly name: string;
  /** The IR tensor the node's first input is. */
  readonly x: string;
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

type Pads = readonly [number, number, number, number];

function weights(l: LayerArgs, i: number): { dims: readonly number[]; data: Float32Array } {
  const c = l.operand(i);
  if (!c) throw l.fail(`needs a constant (initializer) operand ${i}`);
  if (c.int) throw l.fail(`has an integer operand "${l.node.input![i]}"; weights must be FLOAT`);
  return { dims: c.dims, data: c.data as Float32Array };
}

function optionalWeights(l: LayerArgs, i: number): Float32Array | null {
  return l.node.input?.[i] ? weights(l, i).data : null;
}

/** Explicit [top, left, bottom, right] pads; auto_pad other than NOTSET/VALID is refused. */
function pads(l: LayerArgs): Pads {
  const autoPad = l.a.str("auto_pad", "NOTSET");
  if (autoPad !== "NOTSET" && autoPad !== "VALID") {
    throw l.fail(`uses auto_pad = ${autoPad}; use explicit pads`);
  }
  const p = l.a.ints("pads");
  return p.length === 4 ? [p[0], p[1], p[2], p[3]] : [0, 0, 0, 0];
}

/** The single stride of a square 2-D window; unequal strides and dilation are refused. */
function stride(l: LayerArgs): number {
  if (l.a.ints("dilations").some((d) => d !== 1)) {
    throw l.fail("is dilated; only dilation 1 is supported");
  }
  const s = l.a.ints("strides");
  if (s.length === 2 && s[0] !== s[1]) throw l.fail("has unequal strides");
  return s[0] ?? 1;
}

function conv(l: LayerArgs): ConvNode {
  const W = weights(l, 1);
  const [co, ci, kh, kw] = W.dims;
  const group = l.a.int("group", 1);
  if (group !== 1) throw l.fail(`has group = ${group}; only groups = 1 is supported`);
  if (W.dims.length !== 4) throw l.fail(`has a ${W.dims.length}-D weight; only 2-D convolutions`);
  if (kh !== kw) throw l.fail(`has a ${kh}×${kw} kernel; only square kernels are supported`);
  const s = stride(l);
  return {
    ...base(l),
    op: "Conv",
    ci,
    co,
    k: kh,
    stride: s,
    pads: pads(l),
    weight: W.data,
    bias: optionalWeights(l, 2),
  };
}

/** Gemm (any alpha, beta, transB; transA = 0) and MatMul by a constant as y = W x + b. */
function gemm(l: LayerArgs): GemmNode {
  const W = weights(l, 1);
  if (W.dims.length !== 2) throw l.fail(`needs a 2-D weight, got [${W.dims}]`);
  const isGemm = l.node.opType === "Gemm";
  if (isGemm && l.a.int("transA", 0) !== 0) throw l.fail("has transA = 1");
  const transB = isGemm && l.a.int("transB", 0) === 1;
  const [r, c] = W.dims;
  const outF = transB ? r : c, inF = transB ? c : r;
  const alpha = isGemm ? l.a.float("alpha", 1) : 1, beta = l.a.float("beta", 1);
  // The IR stores out × in; ONNX's B is in × out unless transB.
  const weight = Float32Array.from(
    { length: r * c },
    (_, i) => alpha * (transB ? W.data[i] : W.data[(i % inF) * c + Math.floor(i / inF)]),
  );
  const C = isGemm ? optionalWeights(l, 2) : null;
  if (C && C.length !== outF && C.length !== 1) {
    throw l.fail(`has a bias of ${C.length} values for ${outF} outputs`);
  }
  const bias = C && Float32Array.from({ length: outF }, (_, o) => beta * C[C.length === 1 ? 0 : o]);
  return { ...base(l), op: "Gemm", in: inF, out: outF, weight, bias };
}

function batchNorm(l: LayerArgs): BatchNormNode {
  if (l.a.int("training_mode", 0) !== 0 || (l.node.output ?? []).slice(1).some(Boolean)) {
    throw l.fail("is in training mode; export with the model in eval mode");
  }
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => weights(l, i).data);
  return {
    ...base(l),
    op: "BatchNormalization",
    scale,
    bias,
    mean,
    variance,
    epsilon: l.a.float("epsilon", 1e-5),
  };
}

function pool(l: LayerArgs): PoolNode {
  const k = l.a.ints("kernel_shape");
  if (k.length !== 2 || k[0] !== k[1]) throw l.fail("needs a square 2-D window");
  if (l.a.int("ceil_mode", 0) !== 0) throw l.fail("uses ceil_mode = 1");
  if ((l.node.output ?? []).slice(1).some(Boolean)) throw l.fail("returns indices");
  const p = pads(l);
  // The IR averages over the in-image part of a window, which is all of it when nothing is padded.
  if (l.node.opType === "AveragePool" && l.a.int("count_include_pad", 0) && p.some((v) => v)) {
    throw l.fail("uses count_include_pad = 1 with padding");
  }
  return { ...base(l), op: l.node.opType as PoolNode["op"], k: k[0], stride: stride(l), pads: p };
}

function base(l: LayerArgs) {
  return { name: l.name, inputs: [l.x], output: l.node.output![0] };
}

/** The IR node for one of `LAYER_OPS`. */
export function layerNode(l: LayerArgs): Node {
  switch (l.node.opType) {
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
    default:
      return { ...base(l), op: l.node.opType as "Relu" | "GlobalAveragePool" };
  }
}
