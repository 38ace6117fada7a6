/**
 * Constant tensors of an ONNX graph (initializers, `Constant` nodes and what folding makes of them)
 * and node attributes. Private to the ONNX importer.
 *
 * @module
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;

const DT = onnx.TensorProto.DataType;

/**
 * A constant tensor: FLOAT values, or integers (INT64, INT32) held as doubles — exact below 2^53,
 * which covers every shape and index; INT64's ±2^63 "to the end" sentinels stay huge.
 */
export interface Const {
  readonly dims: readonly number[];
  readonly int: boolean;
  readonly data: Float32Array | Float64Array;
}

/** A protobuf integer (a number, or a `Long` for int64 fields) as a number. */
export function toNumber(v: unknown): number {
  if (typeof v === "object" && v !== null && "toNumber" in v) {
    return (v as { toNumber(): number }).toNumber();
  }
  return Number(v ?? 0);
}

/** Product of dims (1 for a scalar). */
export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** A constant from dims and values (integers are kept as doubles, floats rounded to float32). */
export function makeConst(dims: readonly number[], int: boolean, values: ArrayLike<number>): Const {
  return {
    dims: [...dims],
    int,
    data: int ? Float64Array.from(values) : Float32Array.from(values),
  };
}

/** The element type a `Cast` or tensor names, as a `Const` kind; undefined if not supported. */
export function constKind(dataType: number): "float" | "int" | undefined {
  if (dataType === DT.FLOAT) return "float";
  if (dataType === DT.INT64 || dataType === DT.INT32) return "int";
  return undefined;
}

/** The data types `readTensor` accepts, for error messages. */
export const CONST_TYPES = "FLOAT (1), INT32 (6), INT64 (7)";

function rawValues(t: TensorProto): number[] {
  // Copy first: raw_data may sit at an unaligned offset in the decoded buffer. ONNX is little-endian.
  const view = new DataView(new Uint8Array(t.rawData!).buffer);
  const size = t.dataType === DT.INT64 ? 8 : 4;
  return Array.from({ length: Math.floor(view.byteLength / size) }, (_, i) => {
    if (t.dataType === DT.FLOAT) return view.getFloat32(4 * i, true);
    if (t.dataType === DT.INT32) return view.getInt32(4 * i, true);
    return Number(view.getBigInt64(8 * i, true));
  });
}

/**
 * A name or string from the file as it may appear in a one-line message: control characters
 * escaped (`\n`, `\u0000`), and cut to `max` characters.
 */
export function printable(s: string, max = 120): string {
  const t = s.replace(
    // deno-lint-ignore no-control-regex -- control characters are what is escaped
    /[\u0000-\u001f\u007f\u2028\u2029]/g,
    (c) => c === "\n" ? "\\n" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** Makes the one-line error for the thing being read (a node, an initializer) from a reason. */
export type Fail = (why: string) => Error;

/**
 * Read a FLOAT, INT64 or INT32 tensor from raw_data or its typed field; `fail` if the type is not
 * supported, a dimension is negative, the data lives in an external file, the value count does not
 * fit the dims, or a FLOAT value is NaN or infinite (a corrupt or diverged model: its layers would
 * count 0 ops and keep every weight).
 */
export function readTensor(t: TensorProto, fail: Fail): Const {
  const dims = (t.dims ?? []).map(toNumber);
  const kind = constKind(t.dataType ?? 0);
  if (!kind) {
    throw fail(`has data type ${t.dataType}; supported: ${CONST_TYPES} (re-export in float32)`);
  }
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw fail(`has dims [${dims}]; dimensions must be integers ≥ 0 (the file is corrupt)`);
  }
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw fail(
      "keeps its data in an external file; re-export with the weights inside the .onnx file " +
        "(torch.onnx.export without external data, or onnx.save_model(..., " +
        "save_as_external_data=False))",
    );
  }
  const n = numel(dims);
  const values: ArrayLike<number> = t.rawData && t.rawData.length > 0
    ? rawValues(t)
    : t.dataType === DT.FLOAT
    ? t.floatData ?? []
    : t.dataType === DT.INT32
    ? t.int32Data ?? []
    : (t.int64Data ?? []).map(toNumber);
  if (values.length !== n) {
    throw fail(`holds ${values.length} values, dims [${dims}] say ${n} (the file is corrupt)`);
  }
  const c = makeConst(dims, kind === "int", values);
  const bad = c.int ? -1 : c.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw fail(
      `holds ${c.data[bad]} at index ${bad}; weights must be finite (the model is corrupt or ` +
        "diverged in training: retrain it or export a good checkpoint)",
    );
  }
  return c;
}

/** Typed access to a node's attributes, with ONNX defaults. */
export interface Attrs {
  /** The names of the attributes the node has. */
  names(): string[];
  has(k: string): boolean;
  int(k: string, d: number): number;
  ints(k: string): number[];
  float(k: string, d: number): number;
  str(k: string, d: string): string;
  tensor(k: string): TensorProto | undefined;
}

const AT = onnx.AttributeProto.AttributeType;

/**
 * The attributes of a node; `fail` refuses an attribute read as a type other than the one it
 * declares (a `strides` written as one INT instead of INTS would otherwise read as the default).
 * An attribute with no declared type (UNDEFINED) is read from the field asked for.
 */
export function attrs(node: NodeProto, fail: Fail): Attrs {
  const m = new Map<string, AttributeProto>((node.attribute ?? []).map((a) => [a.name ?? "", a]));
  const get = (k: string, type: number) => {
    const a = m.get(k);
    if (a && a.type && a.type !== type) {
      throw fail(
        `has attribute ${k} of type ${AT[a.type] ?? a.type}; ONNX defines it as ${AT[type]} ` +
          "(fix the exporter or the file)",
      );
    }
    return a;
  };
  return {
    names: () => [...m.keys()],
    has: (k) => m.has(k),
    int: (k, d) => {
      const a = get(k, AT.INT);
      return a ? toNumber(a.i) : d;
    },
    ints: (k) => (get(k, AT.INTS)?.ints ?? []).map(toNumber),
    float: (k, d) => {
      const a = get(k, AT.FLOAT);
      return a ? Number(a.f ?? 0) : d;
    },
    str: (k, d) => {
      const s = get(k, AT.STRING)?.s;
      return s && s.length ? new TextDecoder().decode(s) : d;
    },
    tensor: (k) => get(k, AT.TENSOR)?.t ?? undefined,
  };
}

/** The value of a `Constant` node: its `value` tensor, `value_float(s)` or `value_int(s)`. */
export function constantValue(node: NodeProto, fail: Fail): Const {
  const a = attrs(node, fail);
  const t = a.tensor("value");
  if (t) return readTensor(t, (why) => fail(`value ${why}`));
  if (a.has("value_float")) {
    const v = a.float("value_float", 0);
    if (!Number.isFinite(v)) throw fail(`has value_float ${v}; constants must be finite`);
    return makeConst([], false, [v]);
  }
  if (a.has("value_int")) return makeConst([], true, [a.int("value_int", 0)]);
  const list = (node.attribute ?? []).find((x) => x.name === "value_floats")?.floats;
  if (list) {
    if (list.some((v) => !Number.isFinite(v))) throw fail("has a NaN or infinite value_floats");
    return makeConst([list.length], false, list);
  }
  if (a.has("value_ints")) {
    return makeConst([a.ints("value_ints").length], true, a.ints("value_ints"));
  }
  throw fail("has no tensor value (value, value_float(s) or value_int(s))");
}
