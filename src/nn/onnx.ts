/**
 * ONNX import into the network IR and export of any IR, through `onnx-proto` (the ONNX protobuf
 * schema, protobufjs). Supported: Conv (groups = 1, dilation 1, square kernels, equal strides),
 * Gemm (transA = 0, alpha = beta = 1), MatMul with a constant right operand (and a following
 * constant bias Add), BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, Add,
 * Flatten and Reshape to [N, −1]; opsets 11–21 of the default domain; FLOAT initializers; a static
 * C×H×W input (the batch dimension may be dynamic, it is taken as 1).
 *
 * @module
 */
import onnxProto from "onnx-proto";
import { UserError } from "../he/errors.ts";
import type { BatchNormNode, ConvNode, GemmNode, Network, Node, PoolNode } from "./network.ts";
import { inferShapes, SUPPORTED_OPS } from "./network.ts";

const { onnx } = onnxProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;
type NodeProto = onnxProto.onnx.INodeProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const A = onnx.AttributeProto.AttributeType;

function f32Initializer(name: string, dims: number[], data: Float32Array) {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: FLOAT,
    rawData: new Uint8Array(data.slice().buffer),
  });
}
const ints = (name: string, v: number[]) =>
  onnx.AttributeProto.create({ name, type: A.INTS, ints: v });
const int = (name: string, v: number) => onnx.AttributeProto.create({ name, type: A.INT, i: v });
const float = (name: string, v: number) =>
  onnx.AttributeProto.create({ name, type: A.FLOAT, f: v });
/** A float tensor's value info; a string dimension is symbolic (e.g. a dynamic batch "N"). */
const valueInfo = (name: string, dims: (number | string)[]) =>
  onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: {
          dim: dims.map((d) => typeof d === "string" ? { dimParam: d } : { dimValue: d }),
        },
      },
    },
  });

/** Options of `exportOnnx`. */
export interface ExportOptions {
  /**
   * The batch dimension: a number fixes it (default 1, what HE and most tools expect); a name
   * makes it symbolic, so one session runs batches of any size (batched accuracy).
   */
  readonly batch?: number | string;
}

/**
 * Serialize a network as an ONNX model (opset 13) that onnxruntime-web loads.
 *
 * @example Round trip
 * ```ts
 * import { exportOnnx, importOnnx } from "./onnx.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("resnet18-cifar10", { width: 0.125 });
 * const back = importOnnx(exportOnnx(net), "resnet18.onnx");
 * if (back.nodes.length !== net.nodes.length) throw new Error();
 * ```
 *
 * @example A dynamic batch dimension
 * ```ts
 * import { exportOnnx } from "./onnx.ts";
 * import { runOnnx } from "./ort.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("vgg16-fashionmnist", { width: 0.125 });
 * const y = await runOnnx(exportOnnx(net, { batch: "N" }), new Float32Array(3 * 1024), [3, 1, 32, 32]);
 * if (y.length !== 3 * 10) throw new Error();
 * ```
 */
export function exportOnnx(net: Network, opts: ExportOptions = {}): Uint8Array {
  const batch = opts.batch ?? 1;
  const shapes = inferShapes(net);
  const nodes: NodeProto[] = [];
  const inits = [];
  for (const n of net.nodes) {
    const base = { name: n.name, input: [...n.inputs], output: [n.output] };
    switch (n.op) {
      case "Conv": {
        inits.push(f32Initializer(`${n.name}.weight`, [n.co, n.ci, n.k, n.k], n.weight));
        const input = [n.inputs[0], `${n.name}.weight`];
        if (n.bias) {
          inits.push(f32Initializer(`${n.name}.bias`, [n.co], n.bias));
          input.push(`${n.name}.bias`);
        }
        nodes.push(onnx.NodeProto.create({
          ...base,
          input,
          opType: "Conv",
          attribute: [
            ints("kernel_shape", [n.k, n.k]),
            ints("strides", [n.stride, n.stride]),
            ints("pads", [n.pads[0], n.pads[1], n.pads[2], n.pads[3]]),
          ],
        }));
        break;
      }
      case "Gemm": {
        inits.push(f32Initializer(`${n.name}.weight`, [n.out, n.in], n.weight));
        const input = [n.inputs[0], `${n.name}.weight`];
        if (n.bias) {
          inits.push(f32Initializer(`${n.name}.bias`, [n.out], n.bias));
          input.push(`${n.name}.bias`);
        }
        nodes.push(
          onnx.NodeProto.create({ ...base, input, opType: "Gemm", attribute: [int("transB", 1)] }),
        );
        break;
      }
      case "BatchNormalization": {
        const c = n.scale.length;
        const names = ["scale", "bias", "mean", "var"].map((p) => `${n.name}.${p}`);
        [n.scale, n.bias, n.mean, n.variance].forEach((d, i) =>
          inits.push(f32Initializer(names[i], [c], d))
        );
        nodes.push(onnx.NodeProto.create({
          ...base,
          input: [n.inputs[0], ...names],
          opType: "BatchNormalization",
          attribute: [float("epsilon", n.epsilon)],
        }));
        break;
      }
      case "MaxPool":
      case "AveragePool":
        nodes.push(onnx.NodeProto.create({
          ...base,
          opType: n.op,
          attribute: [
            ints("kernel_shape", [n.k, n.k]),
            ints("strides", [n.stride, n.stride]),
            ints("pads", [...n.pads]),
          ],
        }));
        break;
      case "Flatten":
        nodes.push(
          onnx.NodeProto.create({ ...base, opType: "Flatten", attribute: [int("axis", 1)] }),
        );
        break;
      default:
        nodes.push(onnx.NodeProto.create({ ...base, opType: n.op }));
    }
  }
  const outShape = shapes.get(net.output)!;
  const graph = onnx.GraphProto.create({
    name: net.name,
    node: nodes,
    initializer: inits,
    input: [valueInfo(net.input.name, [batch, net.input.c, net.input.h, net.input.w])],
    output: [valueInfo(net.output, [batch, ...outShape])],
    docString: `mosaic-bench export; weights: ${net.weights}`,
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "mosaic-bench",
    opsetImport: [{ domain: "", version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

const num = (v: unknown): number => Number(v ?? 0);

function attrs(node: NodeProto): Map<string, AttributeProto> {
  return new Map((node.attribute ?? []).map((a) => [a.name ?? "", a]));
}

/**
 * Read an ONNX model into the IR. Unsupported ops, grouped or dilated convolutions, dynamic
 * shapes and malformed files give one `UserError` line naming the node, the op and what is
 * supported.
 *
 * @example
 * ```ts
 * import { exportOnnx, importOnnx } from "./onnx.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = importOnnx(exportOnnx(buildZoo("vgg16-cifar10", { width: 0.125 })), "vgg.onnx");
 * console.log(net.nodes[0].name, net.nodes[0].op); // features.0 Conv
 * ```
 */
export function importOnnx(bytes: Uint8Array, source: string): Network {
  let model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new UserError(
      `${source} is not a readable ONNX model (${
        (e as Error).message
      }): re-export it with torch.onnx.export`,
    );
  }
  const graph = model.graph;
  if (!graph || !graph.node || graph.node.length === 0) {
    throw new UserError(`${source} has no graph nodes: is it an ONNX model?`);
  }
  const opset = (model.opsetImport ?? []).find((o) => !o.domain)?.version;
  if (opset !== undefined && opset !== null && (num(opset) < 11 || num(opset) > 21)) {
    throw new UserError(
      `${source} uses opset ${num(opset)}; supported: 11–21 (re-export with opset_version=13)`,
    );
  }
  const init = new Map<string, { dims: number[]; data: Float32Array }>();
  for (const t of graph.initializer ?? []) {
    const dims = (t.dims ?? []).map(num);
    if (t.dataType !== FLOAT) {
      throw new UserError(
        `${source}: initializer ${t.name} has data type ${t.dataType}; only FLOAT (1) is supported`,
      );
    }
    const n = dims.reduce((a, b) => a * b, 1);
    const data = t.rawData && t.rawData.length > 0
      ? new Float32Array(new Uint8Array(t.rawData).buffer)
      : Float32Array.from(t.floatData ?? []);
    if (data.length !== n) {
      throw new UserError(
        `${source}: initializer ${t.name} holds ${data.length} values, dims say ${n}`,
      );
    }
    init.set(t.name ?? "", { dims, data });
  }
  const dataInputs = (graph.input ?? []).filter((i) => !init.has(i.name ?? ""));
  if (dataInputs.length !== 1) {
    throw new UserError(
      `${source} has ${dataInputs.length} non-constant inputs; exactly one image input is supported`,
    );
  }
  const inp = dataInputs[0];
  const dims = inp.type?.tensorType?.shape?.dim ?? [];
  if (dims.length !== 4 || dims.slice(1).some((d) => !d.dimValue || num(d.dimValue) < 1)) {
    throw new UserError(
      `${source}: input "${inp.name}" must have a static shape [N, C, H, W] (N may be dynamic); ` +
        `got [${dims.map((d) => d.dimParam || num(d.dimValue)).join(", ")}]`,
    );
  }
  const [c, h, w] = dims.slice(1).map((d) => num(d.dimValue));
  const output = graph.output?.[0]?.name;
  if (!output) throw new UserError(`${source} declares no graph output`);
  const nodes: Node[] = [];
  const onnxNodes = graph.node;
  const skip = new Set<number>();
  const unsupported = (n: NodeProto, name: string, why: string) =>
    new UserError(
      `${source}: node ${name} (${n.opType}) ${why}; supported ops: ${SUPPORTED_OPS.join(", ")}`,
    );
  const constant = (n: NodeProto, name: string, t: string | undefined) => {
    const v = init.get(t ?? "");
    if (!v) throw unsupported(n, name, `needs a constant (initializer) operand "${t}"`);
    return v;
  };
  onnxNodes.forEach((n, idx) => {
    if (skip.has(idx)) return;
    const name = n.name || `${n.opType}_${idx}`;
    const a = attrs(n);
    const intsOf = (k: string) => (a.get(k)?.ints ?? []).map(num);
    const intOf = (k: string, d: number) => (a.has(k) ? num(a.get(k)!.i) : d);
    const input = n.input ?? [], out = n.output?.[0] ?? "";
    switch (n.opType) {
      case "Conv": {
        const W = constant(n, name, input[1]);
        const [co, cig, kh, kw] = W.dims;
        if (intOf("group", 1) !== 1) {
          throw unsupported(
            n,
            name,
            `has group = ${intOf("group", 1)}; only groups = 1 is supported`,
          );
        }
        if (intsOf("dilations").some((d) => d !== 1)) {
          throw unsupported(n, name, "is dilated; only dilation 1 is supported");
        }
        if (kh !== kw) {
          throw unsupported(n, name, `has a ${kh}×${kw} kernel; only square kernels are supported`);
        }
        const s = intsOf("strides");
        if (s.length === 2 && s[0] !== s[1]) throw unsupported(n, name, "has unequal strides");
        const autoPad = a.get("auto_pad")?.s
          ? new TextDecoder().decode(a.get("auto_pad")!.s!)
          : "NOTSET";
        if (autoPad !== "NOTSET" && autoPad !== "VALID") {
          throw unsupported(n, name, `uses auto_pad = ${autoPad}; use explicit pads`);
        }
        const p = intsOf("pads");
        const pads = (p.length === 4 ? [p[0], p[1], p[2], p[3]] : [0, 0, 0, 0]) as [
          number,
          number,
          number,
          number,
        ];
        const node: ConvNode = {
          op: "Conv",
          name,
          inputs: [input[0]],
          output: out,
          ci: cig,
          co,
          k: kh,
          stride: s[0] ?? 1,
          pads,
          weight: W.data,
          bias: input[2] ? constant(n, name, input[2]).data : null,
        };
        nodes.push(node);
        return;
      }
      case "Gemm":
      case "MatMul": {
        const W = constant(n, name, input[1]);
        if (W.dims.length !== 2) throw unsupported(n, name, "needs a 2-D weight");
        if (n.opType === "Gemm") {
          if (intOf("transA", 0) !== 0) throw unsupported(n, name, "has transA = 1");
          for (const k of ["alpha", "beta"]) {
            if (a.has(k) && a.get(k)!.f !== 1) throw unsupported(n, name, `has ${k} ≠ 1`);
          }
        }
        const transB = n.opType === "Gemm" && intOf("transB", 0) === 1;
        const [r, cc] = W.dims;
        const outF = transB ? r : cc, inF = transB ? cc : r;
        const weight = transB
          ? W.data
          : Float32Array.from({ length: r * cc }, (_, i) =>
            W.data[(i % inF) * cc + Math.floor(i / inF)]);
        let bias: Float32Array | null = input[2] ? constant(n, name, input[2]).data : null;
        let output2 = out;
        // MatMul followed by Add(constant): a linear layer with bias.
        const next = onnxNodes[idx + 1];
        if (n.opType === "MatMul" && next?.opType === "Add" && next.input?.includes(out)) {
          const other = next.input.find((t) => t !== out);
          const b = other ? init.get(other) : undefined;
          if (b && b.data.length === outF) {
            bias = b.data;
            output2 = next.output?.[0] ?? out;
            skip.add(idx + 1);
          }
        }
        const node: GemmNode = {
          op: "Gemm",
          name,
          inputs: [input[0]],
          output: output2,
          in: inF,
          out: outF,
          weight,
          bias,
        };
        nodes.push(node);
        return;
      }
      case "BatchNormalization": {
        const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) =>
          constant(n, name, input[i]).data
        );
        const node: BatchNormNode = {
          op: "BatchNormalization",
          name,
          inputs: [input[0]],
          output: out,
          scale,
          bias,
          mean,
          variance,
          epsilon: a.has("epsilon") ? Number(a.get("epsilon")!.f) : 1e-5,
        };
        nodes.push(node);
        return;
      }
      case "MaxPool":
      case "AveragePool": {
        const k = intsOf("kernel_shape");
        if (k.length !== 2 || k[0] !== k[1]) {
          throw unsupported(n, name, "needs a square 2-D window");
        }
        if (intOf("ceil_mode", 0) !== 0) throw unsupported(n, name, "uses ceil_mode = 1");
        if (n.opType === "AveragePool" && intOf("count_include_pad", 0) !== 0) {
          throw unsupported(n, name, "uses count_include_pad = 1");
        }
        const s = intsOf("strides"), p = intsOf("pads");
        const node: PoolNode = {
          op: n.opType,
          name,
          inputs: [input[0]],
          output: out,
          k: k[0],
          stride: s[0] ?? 1,
          pads: (p.length === 4 ? [p[0], p[1], p[2], p[3]] : [0, 0, 0, 0]) as [
            number,
            number,
            number,
            number,
          ],
        };
        nodes.push(node);
        return;
      }
      case "Relu":
      case "GlobalAveragePool":
        nodes.push({ op: n.opType, name, inputs: [input[0]], output: out });
        return;
      case "Add":
        if (input.some((t) => init.has(t))) {
          throw unsupported(
            n,
            name,
            "adds a constant; only tensor + tensor (residual) is supported",
          );
        }
        nodes.push({ op: "Add", name, inputs: [input[0], input[1]], output: out });
        return;
      case "Flatten":
        if (intOf("axis", 1) !== 1) throw unsupported(n, name, "flattens with axis ≠ 1");
        nodes.push({ op: "Flatten", name, inputs: [input[0]], output: out });
        return;
      case "Reshape": {
        const shape = init.get(input[1] ?? "");
        const target = shape ? shape.data : undefined;
        // int64 shape initializers are not FLOAT: read them from the raw tensor instead.
        const raw = (graph.initializer ?? []).find((t) => t.name === input[1]);
        const dimsTarget = raw && raw.dataType === onnx.TensorProto.DataType.INT64
          ? Array.from(new BigInt64Array(new Uint8Array(raw.rawData!).buffer), Number)
          : target
          ? Array.from(target)
          : undefined;
        if (!dimsTarget || dimsTarget.length !== 2 || dimsTarget[1] !== -1) {
          throw unsupported(n, name, "reshapes to something other than [N, -1]");
        }
        nodes.push({ op: "Flatten", name, inputs: [input[0]], output: out });
        return;
      }
      default:
        throw unsupported(n, name, "is not supported");
    }
  });
  const net: Network = {
    name: source.replace(/^.*\//, "").replace(/\.onnx$/, ""),
    input: { name: inp.name ?? "input", c, h, w },
    output,
    nodes,
    weights: `from ${source}`,
  };
  inferShapes(net); // validates the graph with one-line errors
  return net;
}
