/**
 * Constant folding for the ONNX importer: the shape arithmetic PyTorch emits around a flatten
 * (`x.view(x.size(0), -1)` becomes `Shape → Gather → Unsqueeze → Concat → Reshape`), weight
 * transposes and casts, evaluated once over the known batch-1 shapes so only layers reach the IR.
 * Private to the ONNX importer.
 *
 * @module
 */
import type onnxProto from "onnx-proto";
import {
  type Attrs,
  type Const,
  CONST_TYPES,
  constKind,
  type Fail,
  makeConst,
  numel,
} from "./_onnx_tensor.ts";

type NodeProto = onnxProto.onnx.INodeProto;

/**
 * Ops evaluated when all their inputs are constants. Identity, Cast, Reshape, Squeeze, Unsqueeze
 * and Add also mean something on the image data (the graph walker handles that); `Constant` and
 * `Shape` (which needs only its input's shape) are read by the walker too.
 */
export const FOLDABLE_OPS = [
  "Identity",
  "Cast",
  "Reshape",
  "Squeeze",
  "Unsqueeze",
  "Gather",
  "Concat",
  "Transpose",
  "Add",
  "Sub",
  "Mul",
  "Div",
] as const;

function axis(a: number, rank: number, fail: Fail): number {
  const r = a < 0 ? a + rank : a;
  if (r < 0 || r >= rank) throw fail(`has axis ${a} out of range for rank ${rank}`);
  return r;
}

/** The most elements a folded constant may have (shape arithmetic needs a handful). */
const MAX_FOLDED = 1 << 22;

function checkSize(dims: readonly number[], fail: Fail): void {
  if (numel(dims) > MAX_FOLDED) {
    throw fail(
      `would make a constant of dims [${dims}] (more than ${MAX_FOLDED} values); only shape ` +
        "arithmetic and weights are folded: fix the model",
    );
  }
}

/** An integer constant input (a shape, axes, indices), else a refusal naming `what`. */
function ints(c: Const | undefined, what: string, fail: Fail): number[] {
  if (!c) throw fail(`needs a constant ${what} input`);
  if (!c.int) throw fail(`has FLOAT ${what}; ONNX defines them as INT64 (fix the file)`);
  return Array.from(c.data);
}

/** ONNX Reshape's target (0 copies the input dim unless `allowzero`, −1 takes the rest). */
export function reshapeDims(
  from: readonly number[],
  target: readonly number[],
  allowzero: boolean,
  fail: Fail,
): number[] {
  const bad = target.findIndex((d, i) =>
    !Number.isSafeInteger(d) || d < -1 || (d === 0 && !allowzero && i >= from.length)
  );
  if (bad >= 0) {
    throw fail(
      `cannot reshape [${from}] to [${target}]: each dim must be a size, -1 (the rest) or 0 ` +
        "(copy an input dim): fix the shape",
    );
  }
  const dims = target.map((d, i) => (d === 0 && !allowzero ? from[i] : d));
  const known = numel(dims.filter((d) => d !== -1)), n = numel(from);
  const free = dims.filter((d) => d === -1).length;
  if (free > 1 || (free === 0 && known !== n) || (free === 1 && (known === 0 || n % known))) {
    throw fail(`cannot reshape [${from}] to [${target}]`);
  }
  return dims.map((d) => (d === -1 ? n / known : d));
}

/** Dims after removing `axes` (all 1-dims when no axes are given). */
export function squeezeDims(
  dims: readonly number[],
  axes: readonly number[],
  fail: Fail,
): number[] {
  if (axes.length === 0) return dims.filter((d) => d !== 1);
  const drop = new Set(axes.map((a) => axis(a, dims.length, fail)));
  for (const a of drop) if (dims[a] !== 1) throw fail(`squeezes axis ${a} of size ${dims[a]}`);
  return dims.filter((_, i) => !drop.has(i));
}

/** Dims after inserting 1s at `axes` (positions in the output). */
export function unsqueezeDims(
  dims: readonly number[],
  axes: readonly number[],
  fail: Fail,
): number[] {
  const rank = dims.length + axes.length;
  const add = new Set(axes.map((a) => axis(a, rank, fail)));
  if (add.size !== axes.length) throw fail(`repeats an axis in [${axes}]; fix the axes`);
  const rest = [...dims];
  return Array.from({ length: rank }, (_, i) => (add.has(i) ? 1 : rest.shift()!));
}

/** The axes of Squeeze/Unsqueeze: the second input from opset 13 on, an attribute before. */
export function axesOf(ins: readonly (Const | undefined)[], a: Attrs, fail: Fail): number[] {
  return ins[1] ? ints(ins[1], "axes", fail) : a.ints("axes");
}

/** `Shape` of a tensor whose full (batch-1) shape is known, with opset 15's start/end. */
export function shapeConst(shape: readonly number[], a: Attrs): Const {
  const r = shape.length;
  const clamp = (v: number) => Math.min(r, Math.max(0, v < 0 ? v + r : v));
  const s = shape.slice(clamp(a.int("start", 0)), clamp(a.int("end", r)));
  return makeConst([s.length], true, s);
}

function gather(x: Const, idx: Const, ax: number, fail: Fail): Const {
  ints(idx, "indices", fail);
  checkSize([...x.dims.slice(0, ax), ...idx.dims, ...x.dims.slice(ax + 1)], fail);
  const n = x.dims[ax], inner = numel(x.dims.slice(ax + 1));
  const out: number[] = [];
  for (let o = 0; o < numel(x.dims.slice(0, ax)); o++) {
    for (const i of idx.data) {
      const j = i < 0 ? i + n : i;
      if (j < 0 || j >= n) throw fail(`gathers index ${i} from a dimension of ${n}`);
      for (let k = 0; k < inner; k++) out.push(x.data[(o * n + j) * inner + k]);
    }
  }
  return makeConst([...x.dims.slice(0, ax), ...idx.dims, ...x.dims.slice(ax + 1)], x.int, out);
}

function concat(xs: readonly Const[], ax: number, fail: Fail): Const {
  for (const x of xs) {
    const fits = x.int === xs[0].int && x.dims.length === xs[0].dims.length &&
      x.dims.every((d, i) => i === ax || d === xs[0].dims[i]);
    if (!fits) {
      throw fail(
        `concatenates [${xs[0].dims}] and [${x.dims}] on axis ${ax}; the inputs must share ` +
          "their type and every other dim (fix the model)",
      );
    }
  }
  const outer = numel(xs[0].dims.slice(0, ax)), inner = numel(xs[0].dims.slice(ax + 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const x of xs) {
      const len = x.dims[ax] * inner;
      out.push(...x.data.subarray(o * len, (o + 1) * len));
    }
  }
  const dims = [...xs[0].dims];
  dims[ax] = xs.reduce((s, x) => s + x.dims[ax], 0);
  return makeConst(dims, xs[0].int, out);
}

/** Row-major strides of dims. */
function strides(dims: readonly number[]): number[] {
  const s = dims.map(() => 1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

function transpose(x: Const, perm: readonly number[], fail: Fail): Const {
  const p = perm.length ? perm : x.dims.map((_, i) => x.dims.length - 1 - i);
  if ([...p].sort((a, b) => a - b).some((v, i) => v !== i) || p.length !== x.dims.length) {
    throw fail(`has perm [${perm}], no permutation of the ${x.dims.length} axes; fix the perm`);
  }
  const dims = p.map((i) => x.dims[i]), inS = strides(x.dims), outS = strides(dims);
  const out = new Array<number>(x.data.length);
  for (let i = 0; i < out.length; i++) {
    let src = 0;
    for (let k = 0; k < dims.length; k++) src += (Math.floor(i / outS[k]) % dims[k]) * inS[p[k]];
    out[i] = x.data[src];
  }
  return makeConst(dims, x.int, out);
}

const ARITH: Record<string, (a: number, b: number, int: boolean) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  // ONNX integer division truncates toward zero.
  Div: (a, b, int) => (int ? Math.trunc(a / b) : a / b),
};

/** Element-wise arithmetic with ONNX (numpy) multidirectional broadcasting. */
function arith(op: string, a: Const, b: Const, fail: Fail): Const {
  if (a.int !== b.int) throw fail("mixes integer and FLOAT constants; ONNX needs one type");
  if (op === "Div" && a.int && b.data.includes(0)) throw fail("divides an integer by 0");
  const r = Math.max(a.dims.length, b.dims.length);
  const pad = (d: readonly number[]) => [...Array(r - d.length).fill(1), ...d];
  const da = pad(a.dims), db = pad(b.dims);
  const dims = da.map((d, i) => (d === db[i] || db[i] === 1 ? d : d === 1 ? db[i] : -1));
  if (dims.includes(-1)) throw fail(`cannot broadcast [${a.dims}] with [${b.dims}]`);
  checkSize(dims, fail);
  const sa = strides(da).map((s, i) => (da[i] === 1 ? 0 : s));
  const sb = strides(db).map((s, i) => (db[i] === 1 ? 0 : s));
  const so = strides(dims);
  const out = Array.from({ length: numel(dims) }, (_, i) => {
    let ia = 0, ib = 0;
    for (let k = 0; k < r; k++) {
      const c = Math.floor(i / so[k]) % dims[k];
      ia += c * sa[k];
      ib += c * sb[k];
    }
    return ARITH[op](a.data[ia], b.data[ib], a.int);
  });
  return makeConst(dims, a.int, out);
}

function cast(x: Const, to: number, fail: Fail): Const {
  const kind = constKind(to);
  if (!kind) throw fail(`casts to type ${to}; supported: ${CONST_TYPES}`);
  return kind === "int"
    ? makeConst(x.dims, true, x.data.map(Math.trunc))
    : makeConst(x.dims, false, x.data);
}

/**
 * Evaluate one node whose inputs are all constants (`ins`, in input order, `undefined` for an
 * omitted optional input). `Constant` and `Shape` are read by the caller.
 */
export function foldConstant(
  n: NodeProto,
  ins: readonly (Const | undefined)[],
  a: Attrs,
  fail: Fail,
): Const {
  const [x] = ins as Const[];
  switch (n.opType) {
    case "Identity":
      return x;
    case "Cast":
      return cast(x, a.int("to", 0), fail);
    case "Gather":
      return gather(x, ins[1]!, axis(a.int("axis", 0), x.dims.length, fail), fail);
    case "Concat":
      if (ins.some((c) => !c)) throw fail("has an empty input; Concat needs every input");
      return concat(ins as Const[], axis(a.int("axis", 0), x.dims.length, fail), fail);
    case "Unsqueeze":
      return { ...x, dims: unsqueezeDims(x.dims, axesOf(ins, a, fail), fail) };
    case "Squeeze":
      return { ...x, dims: squeezeDims(x.dims, axesOf(ins, a, fail), fail) };
    case "Reshape":
      return {
        ...x,
        dims: reshapeDims(x.dims, ints(ins[1], "shape", fail), a.int("allowzero", 0) === 1, fail),
      };
    case "Transpose":
      return transpose(x, a.ints("perm"), fail);
    case "Add":
    case "Sub":
    case "Mul":
    case "Div":
      return arith(n.opType, x, ins[1]!, fail);
    default:
      throw fail("cannot be folded");
  }
}
