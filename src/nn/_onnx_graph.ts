/**
 * The ONNX importer's graph walk: every node either becomes an IR layer, folds into a constant
 * (shape arithmetic over the known batch-1 shapes, `Constant`, `Identity` of a weight), or
 * aliases its input (Identity, Dropout, Cast to FLOAT, a zero Pad, a reshape that leaves a map
 * alone or flattens it into a vector); a spatial ReduceMean is a global average pool. Private to the ONNX importer.
 *
 * @module
 */
import type onnxProto from "onnx-proto";
import { UserError } from "../base/mod.ts";
import {
  axesOf,
  FOLDABLE_OPS,
  foldConstant,
  reshapeDims,
  shapeConst,
  squeezeDims,
  unsqueezeDims,
} from "./_onnx_fold.ts";
import { LAYER_OPS, layerNode } from "./_onnx_layers.ts";
import {
  type Attrs,
  attrs,
  type Const,
  constantValue,
  type Fail,
  numel,
  printable,
} from "./_onnx_tensor.ts";
import { inferShapes, type Network, type Node, SUPPORTED_OPS } from "./network.ts";

type NodeProto = onnxProto.onnx.INodeProto;

/** The walk's state: IR nodes so far, constants, and what each ONNX tensor is in the IR. */
export interface Walk {
  readonly source: string;
  readonly input: Network["input"];
  readonly nodes: Node[];
  readonly consts: Map<string, Const>;
  /** ONNX image-data tensor → the IR tensor holding its values. */
  readonly alias: Map<string, string>;
  /** ONNX tensor → its full (batch-1) shape, where that is not [1, ...IR shape] (e.g. [1, K, 1]). */
  readonly full: Map<string, number[]>;
  /** ONNX tensor → how many nodes (and graph outputs) read it. */
  readonly uses: Map<string, number>;
  /** The image-data tensors known so far: the graph input and every non-constant output. */
  readonly data: Set<string>;
  /** Node names taken: every ONNX node name, and the module paths given to layers. */
  readonly names: Set<string>;
}

/** The IR tensor an ONNX image-data tensor is. */
export function resolve(w: Walk, t: string): string {
  return w.alias.get(t) ?? t;
}

/** Full ONNX shape (batch 1 first) of an image-data tensor. */
function shapeOf(w: Walk, t: string): number[] {
  const f = w.full.get(t);
  if (f) return f;
  const net = { name: w.source, input: w.input, output: w.input.name, nodes: w.nodes, weights: "" };
  const s = inferShapes(net).get(resolve(w, t));
  if (!s) throw new UserError(`${w.source}: tensor "${t}" has no known shape (fix the graph)`);
  return [1, ...s];
}

function setAlias(w: Walk, out: string, of: string) {
  w.alias.set(out, resolve(w, of));
  const f = w.full.get(of);
  if (f) w.full.set(out, f);
}

/**
 * A data-path reshape (Reshape, Flatten, Squeeze, Unsqueeze) to `to`: a no-op, or a flatten of a
 * map into a vector ([1, K], or [1, K, 1, …] on the way to one); anything else is refused.
 */
function reshapeData(w: Walk, n: NodeProto, name: string, to: number[], fail: Fail) {
  const x = n.input![0], out = n.output![0], from = shapeOf(w, x);
  if (to.join() === from.join()) return setAlias(w, out, x);
  const vector = to[0] === 1 && to.length > 1 && to.length !== 4 &&
    to.slice(2).every((d) => d === 1);
  if (!vector || numel(to) !== numel(from)) {
    throw fail(`reshapes [${from}] to [${to}]; only a flatten to [N, K] (or a no-op) is supported`);
  }
  if (from.length === 4) {
    w.nodes.push({ op: "Flatten", name, inputs: [resolve(w, x)], output: out });
  } else w.alias.set(out, resolve(w, x));
  w.full.set(out, to);
}

/** Add of a constant: a bias folded into the Gemm/MatMul it follows, else refused. */
function addBias(w: Walk, n: NodeProto, fail: Fail) {
  const [x, b] = w.consts.has(n.input![0])
    ? [n.input![1], n.input![0]]
    : [n.input![0], n.input![1]];
  const c = w.consts.get(b)!;
  const i = w.nodes.findIndex((m) => m.output === x);
  const g = w.nodes[i];
  const fits = g?.op === "Gemm" && w.uses.get(x) === 1 && !c.int && numel(c.dims) === g.out &&
    c.dims.filter((d) => d !== 1).length <= 1;
  if (!fits) {
    throw fail(
      `adds a constant to "${x}"; supported: tensor + tensor, or a bias after MatMul/Gemm`,
    );
  }
  w.nodes[i] = { ...g, bias: Float32Array.from(c.data, (v, o) => v + (g.bias?.[o] ?? 0)) };
  w.alias.set(n.output![0], x);
}

function add(w: Walk, n: NodeProto, name: string, fail: Fail) {
  const [x, y] = n.input!;
  if (w.consts.has(x) || w.consts.has(y)) return addBias(w, n, fail);
  if (shapeOf(w, x).join() !== shapeOf(w, y).join()) {
    throw fail(
      `adds [${shapeOf(w, x)}] and [${shapeOf(w, y)}]; only equal shapes are supported (a ` +
        "residual Add whose branches disagree: fix the shortcut's stride or channels)",
    );
  }
  w.nodes.push({ op: "Add", name, inputs: [resolve(w, x), resolve(w, y)], output: n.output![0] });
  const f = w.full.get(x);
  if (f) w.full.set(n.output![0], f);
}

/** A constant operand, or a refusal if the input is image data. */
function operand(w: Walk, n: NodeProto, i: number, fail: Fail): Const | undefined {
  const t = n.input?.[i];
  if (!t) return undefined;
  const c = w.consts.get(t);
  if (!c) throw fail(`needs a constant (initializer) operand "${t}"`);
  return c;
}

/** A constant integer operand (a shape, pads): present and INT64/INT32, else a refusal. */
function intOperand(c: Const | undefined, what: string, fail: Fail): Float64Array | Float32Array {
  if (!c) throw fail(`needs a constant ${what} (an INT64 initializer or Constant)`);
  if (!c.int) {
    throw fail(`has a FLOAT ${what}; ONNX defines it as INT64 (fix the exporter or the file)`);
  }
  return c.data;
}

/** Image-data ops that are not layers: no-ops, reshapes, a spatial mean. */
export const DATA_OPS = [
  "Identity",
  "Dropout",
  "Cast",
  "Pad",
  "Flatten",
  "Reshape",
  "Squeeze",
  "Unsqueeze",
  "ReduceMean",
];

/** `x.mean((2, 3))`: a global average pool, flattened unless keepdims. */
function spatialMean(
  w: Walk,
  n: NodeProto,
  name: string,
  axes: number[],
  keep: boolean,
  fail: Fail,
) {
  const x = n.input![0], out = n.output![0], rank = shapeOf(w, x).length;
  const set = axes.map((v) => (v < 0 ? v + rank : v)).sort().join();
  if (rank !== 4 || set !== "2,3") {
    throw fail(`averages over axes [${axes}]; only the spatial mean (axes 2, 3) is supported`);
  }
  const gap = keep ? out : `${out}/gap`;
  w.nodes.push({ op: "GlobalAveragePool", name, inputs: [resolve(w, x)], output: gap });
  if (!keep) w.nodes.push({ op: "Flatten", name: `${name}/flatten`, inputs: [gap], output: out });
}

/** The image-data ops that are not layers: no-ops, and reshapes that flatten a map. */
function dataOp(w: Walk, n: NodeProto, name: string, a: Attrs, fail: Fail) {
  const x = n.input![0], out = n.output![0];
  const ins = (n.input ?? []).map((_, i) => (i === 0 ? undefined : operand(w, n, i, fail)));
  const reshape = (to: number[]) => reshapeData(w, n, name, to, fail);
  switch (n.opType) {
    case "Dropout":
      if (ins[2]?.data[0]) throw fail("is in training mode; export in eval mode");
      return setAlias(w, out, x);
    case "Identity":
      return setAlias(w, out, x);
    case "Cast":
      if (a.int("to", 0) !== 1) throw fail(`casts the image data to type ${a.int("to", 0)}`);
      return setAlias(w, out, x);
    case "Pad": {
      const p = ins[1] ? Array.from(intOperand(ins[1], "pads", fail)) : a.ints("pads");
      if (p.some((v) => v !== 0)) {
        throw fail(
          `pads by [${p}]; only a no-op Pad is supported (for avg_pool2d with padding, export ` +
            "with count_include_pad=False)",
        );
      }
      return setAlias(w, out, x);
    }
    case "Flatten":
      if (![1, 1 - shapeOf(w, x).length].includes(a.int("axis", 1))) {
        throw fail("flattens with axis ≠ 1");
      }
      return reshape([1, numel(shapeOf(w, x))]);
    case "Reshape": {
      const to = Array.from(intOperand(ins[1], "shape", fail));
      return reshape(reshapeDims(shapeOf(w, x), to, a.int("allowzero", 0) === 1, fail));
    }
    case "Squeeze":
      return reshape(squeezeDims(shapeOf(w, x), axesOf(ins, a, fail), fail));
    case "Unsqueeze":
      return reshape(unsqueezeDims(shapeOf(w, x), axesOf(ins, a, fail), fail));
    case "ReduceMean":
      return spatialMean(w, n, name, axesOf(ins, a, fail), a.int("keepdims", 1) === 1, fail);
  }
}

/**
 * PyTorch (1.13 on) names a node by its module scopes and op, `/layer2/layer2.0/shortcut/
 * shortcut.1/BatchNormalization`; a weighted layer takes its module's path instead,
 * `layer2.0.shortcut.1` as in the state dict, if no other node has that name.
 */
function layerName(w: Walk, n: NodeProto): string | undefined {
  const parts = (n.name ?? "").split("/"), op = n.opType ?? "";
  const weighted = ["Conv", "Gemm", "MatMul", "BatchNormalization"].includes(op);
  if (!weighted || parts[0] !== "" || parts.length < 3 || parts.at(-1) !== op) return undefined;
  let path = "", prev = "";
  for (const s of parts.slice(1, -1)) {
    // A Sequential child's scope repeats its parent's: `layer2`, then `layer2.0`.
    path = prev && s.startsWith(`${prev}.`)
      ? path + s.slice(prev.length)
      : path
      ? `${path}.${s}`
      : s;
    prev = s;
  }
  if (w.names.has(path)) return undefined;
  w.names.add(path);
  return path;
}

/**
 * How many inputs each supported op takes, [required, most] (an omitted optional input is an
 * empty name); ONNX's definitions, opsets 11–21.
 */
export const ARITY: Readonly<Record<(typeof SUPPORTED_OPS)[number], readonly [number, number]>> = {
  Conv: [2, 3],
  Gemm: [2, 3],
  MatMul: [2, 2],
  BatchNormalization: [5, 5],
  Relu: [1, 1],
  MaxPool: [1, 1],
  AveragePool: [1, 1],
  GlobalAveragePool: [1, 1],
  ReduceMean: [1, 2],
  Add: [2, 2],
  Flatten: [1, 1],
  Reshape: [2, 2],
  Squeeze: [1, 2],
  Unsqueeze: [1, 2],
  Identity: [1, 1],
  Dropout: [1, 3],
  Cast: [1, 1],
  Pad: [1, 4],
  Constant: [0, 0],
  Shape: [1, 1],
  Gather: [2, 2],
  Concat: [1, Infinity],
  Transpose: [1, 1],
  Sub: [2, 2],
  Mul: [2, 2],
  Div: [2, 2],
};

/** Translate one node (the `index`-th, which names it if it has no name) into the walk. */
export function walkNode(w: Walk, n: NodeProto, index: number) {
  const name = layerName(w, n) ?? (n.name || `${n.opType}_${index}`), op = n.opType ?? "";
  const fail: Fail = (why) =>
    new UserError(`${w.source}: node ${printable(name)} (${printable(op, 40)}) ${why}`);
  const arity = (ARITY as Record<string, readonly [number, number]>)[op];
  const inputs = n.input ?? [];
  if (arity) {
    const [least, most] = arity;
    if (inputs.length < least || inputs.length > most || inputs.slice(0, least).some((t) => !t)) {
      throw fail(
        `has inputs [${inputs.map((t) => `"${t}"`).join(", ")}]; ${op} takes ` +
          (least === most ? `${least}` : `${least} to ${most}`) + " (fix or re-export the model)",
      );
    }
  }
  for (const t of inputs.filter(Boolean)) {
    if (!w.consts.has(t) && !w.data.has(t)) {
      throw fail(
        `reads "${t}", which is no initializer, graph input or earlier node's output (nodes ` +
          "must come in topological order: fix or re-export the model)",
      );
    }
  }
  const out = n.output?.[0] ?? "";
  if (!out) throw fail("has no output; every node must name its output (fix the file)");
  if (w.consts.has(out) || w.data.has(out)) {
    throw fail(
      `writes "${out}", which an initializer, the graph input or an earlier node already ` +
        "defines; tensor names must be unique (fix the file)",
    );
  }
  translate(w, n, name, fail);
  if (!w.consts.has(out)) w.data.add(out);
}

function translate(w: Walk, n: NodeProto, name: string, fail: Fail) {
  const op = n.opType ?? "", out = n.output?.[0] ?? "", a = attrs(n, fail);
  const inputs = (n.input ?? []).filter(Boolean);
  if (op === "Constant") return void w.consts.set(out, constantValue(n, fail));
  if (op === "Shape") {
    const c = w.consts.get(inputs[0]);
    return void w.consts.set(out, shapeConst(c ? c.dims : shapeOf(w, inputs[0]), a));
  }
  const foldable = (FOLDABLE_OPS as readonly string[]).includes(op);
  if (foldable && inputs.every((t) => w.consts.has(t))) {
    const ins = (n.input ?? []).map((t) => (t ? w.consts.get(t) : undefined));
    return void w.consts.set(out, foldConstant(n, ins, a, fail));
  }
  if (op === "Add") return add(w, n, name, fail);
  if (inputs[0] !== undefined && w.consts.has(inputs[0]) && SUPPORTED_OPS.includes(op as "Add")) {
    throw fail(
      `reads the constant "${inputs[0]}" as its data input; ${op} is only supported on the ` +
        "image data (fold constants before export)",
    );
  }
  if (DATA_OPS.includes(op)) return dataOp(w, n, name, a, fail);
  if ((LAYER_OPS as readonly string[]).includes(op)) return layer(w, n, name, a, fail);
  if (foldable) {
    const t = inputs.find((t) => !w.consts.has(t));
    throw fail(`reads the image data "${t}"; ${op} is only supported on constants`);
  }
  throw fail(`is not supported; supported ops: ${SUPPORTED_OPS.join(", ")}`);
}

function layer(w: Walk, n: NodeProto, name: string, a: Attrs, fail: Fail) {
  const x = n.input![0];
  if ((n.opType === "Gemm" || n.opType === "MatMul") && shapeOf(w, x).length !== 2) {
    throw fail(`needs a [N, K] input, got [${shapeOf(w, x)}]; flatten first`);
  }
  const operandOf = (i: number) => operand(w, n, i, fail);
  const shape = shapeOf(w, x);
  w.nodes.push(layerNode({ node: n, name, x: resolve(w, x), shape, a, operand: operandOf, fail }));
  if (n.opType === "Relu" && w.full.has(x)) w.full.set(n.output![0], w.full.get(x)!);
}
