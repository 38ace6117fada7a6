/**
 * ONNX import into the network IR and export of any IR, through `onnx-proto` (the ONNX protobuf
 * schema, protobufjs). Import takes ONNX as PyTorch writes it: Conv (groups = 1, dilation 1,
 * square kernels, equal strides), Gemm (transA = 0; alpha, beta, transB any), MatMul by a constant
 * (a following constant Add is its bias), BatchNormalization (inference), Relu, MaxPool,
 * AveragePool, GlobalAveragePool, Add (residual); Flatten (axis 1), Reshape, Squeeze and Unsqueeze
 * that flatten a map into a vector ([N, −1], [1, −1], [−1, K], [0, −1]) or do nothing; Identity,
 * Dropout, Cast to FLOAT and zero Pads as no-ops; `Constant` nodes and shape arithmetic on
 * constants (Shape, Gather, Unsqueeze, Squeeze, Concat, Reshape, Transpose, Cast, Add, Sub, Mul,
 * Div), folded over the known batch-1 shapes. Opsets 11–21 of the default domain; FLOAT, INT64 and
 * INT32 tensors; a static C×H×W input (the batch dimension may be dynamic, it is taken as 1). The
 * folding and the layer translation live in `_onnx_graph.ts`, `_onnx_fold.ts`, `_onnx_layers.ts`
 * and `_onnx_tensor.ts`.
 *
 * @module
 */
import onnxProto from "onnx-proto";
import { UserError } from "../base/mod.ts";
import { resolve, type Walk, walkNode } from "./_onnx_graph.ts";
import { type Const, printable, readTensor, toNumber } from "./_onnx_tensor.ts";
import type { Network } from "./network.ts";
import { inferShapes } from "./network.ts";

const { onnx } = onnxProto;
type GraphProto = onnxProto.onnx.IGraphProto;
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
 * Serialize a network as the bytes of an ONNX model (IR version 8, opset 13) that
 * onnxruntime-web and PyTorch tooling load; node and weight names follow the IR's node names.
 *
 * @example Round trip
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { exportOnnx, importOnnx } from "./onnx.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("resnet18-cifar10", { width: 0.125 });
 * const back = importOnnx(exportOnnx(net), "resnet18.onnx");
 * assertEquals(back.nodes.map((n) => n.name), net.nodes.map((n) => n.name));
 * ```
 *
 * @example A dynamic batch dimension
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { exportOnnx } from "./onnx.ts";
 * import { runOnnx } from "./ort.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("vgg16-fashionmnist", { width: 0.125 });
 * const y = await runOnnx(exportOnnx(net, { batch: "N" }), new Float32Array(3 * 1024), [3, 1, 32, 32]);
 * assertEquals(y.length, 3 * 10);
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

function decode(bytes: Uint8Array, source: string) {
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
  if (opset !== undefined && opset !== null && (toNumber(opset) < 11 || toNumber(opset) > 21)) {
    throw new UserError(
      `${source} uses opset ${toNumber(opset)}; supported: 11–21 (re-export with opset_version=13)`,
    );
  }
  return graph;
}

/** The largest C, H or W of the image input (far beyond any image HE can run on). */
const MAX_INPUT_DIM = 1 << 16;

/** The one image input (not an initializer), [N, C, H, W] with a static C×H×W. */
function imageInput(graph: GraphProto, consts: Map<string, Const>, source: string) {
  const dataInputs = (graph.input ?? []).filter((i) => !consts.has(i.name ?? ""));
  if (dataInputs.length !== 1) {
    throw new UserError(
      `${source} has ${dataInputs.length} non-constant inputs; exactly one image input is supported`,
    );
  }
  const inp = dataInputs[0];
  const dims = inp.type?.tensorType?.shape?.dim ?? [];
  if (dims.length !== 4 || dims.slice(1).some((d) => !d.dimValue || toNumber(d.dimValue) < 1)) {
    throw new UserError(
      `${source}: input "${inp.name}" must have a static shape [N, C, H, W] (N may be dynamic); ` +
        `got [${dims.map((d) => d.dimParam || toNumber(d.dimValue)).join(", ")}]`,
    );
  }
  const [c, h, w] = dims.slice(1).map((d) => toNumber(d.dimValue));
  if ([c, h, w].some((d) => !Number.isSafeInteger(d) || d > MAX_INPUT_DIM)) {
    throw new UserError(
      `${source}: input "${inp.name}" has shape [N, ${c}, ${h}, ${w}]; C, H and W must be at ` +
        `most ${MAX_INPUT_DIM} (is the input shape right? re-export with the real image size)`,
    );
  }
  return { name: inp.name ?? "input", c, h, w };
}

/**
 * Read an ONNX model into the IR, as PyTorch's `torch.onnx.export` writes it (BatchNorm folded or
 * kept, a dynamic or static batch). Layers become IR nodes; `Constant`, `Identity` of a weight and
 * shape arithmetic (`Shape`, `Gather`, `Unsqueeze`, `Concat`, …) are folded over the known batch-1
 * shapes; Identity, Dropout, a zero Pad and a no-op Cast alias their input; Reshape, Flatten,
 * Squeeze and Unsqueeze may flatten a map into a vector. Convolutions, linear layers and BatchNorms
 * take the PyTorch module path (`layer1.0.conv1`) their node name holds. Every attribute and
 * constant operand is checked against the op's ONNX definition before it is used (attribute types,
 * input counts, strides ≥ 1, 0 ≤ pad < kernel, windows that fit their map, kernel_shape agreeing
 * with the weight, weight ranks and channel counts, BatchNorm parameters one per channel, Gemm
 * transA/transB/alpha/beta, finite weights, INT64 only where a shape or axes are read). Anything
 * else — an unsupported op, a grouped or dilated convolution, a dynamic H×W, a malformed file — is
 * one `UserError` line naming the file, the node (name and op) and the fix. `source` names the
 * model in errors and becomes the network's name (its file name without `.onnx`).
 *
 * @example Import a PyTorch-exported VGG
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { importOnnx } from "./onnx.ts";
 * import { linearNodes } from "./network.ts";
 *
 * // A small VGG written by torch.onnx.export (this repository's test fixture).
 * const path = new URL("../../fixtures/torch_vgg.onnx", import.meta.url).pathname;
 * const net = importOnnx(await Deno.readFile(path), path);
 * assertEquals(net.name, "torch_vgg");
 * assertEquals(linearNodes(net).at(-1)?.op, "Gemm");
 * ```
 *
 * @example Importing an exported zoo model
 * ```ts
 * import { exportOnnx, importOnnx } from "./onnx.ts";
 * import { buildZoo } from "./zoo.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const net = importOnnx(exportOnnx(buildZoo("vgg16-cifar10", { width: 0.125 })), "vgg.onnx");
 * assertEquals([net.nodes[0].name, net.nodes[0].op], ["features.0", "Conv"]);
 * ```
 */
export function importOnnx(bytes: Uint8Array, source: string): Network {
  try {
    return importGraph(decode(bytes, source), source);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    // Every refusal names the file (a check below the walk, shape inference, may not) and is one
    // line, whatever names the file holds.
    const msg = e.message.startsWith(source) ? e.message : `${source}: ${e.message}`;
    throw new UserError(printable(msg, 2000));
  }
}

function importGraph(graph: GraphProto, source: string): Network {
  const consts = new Map<string, Const>();
  for (const t of graph.initializer ?? []) {
    const fail = (why: string) =>
      new UserError(`${source}: initializer ${printable(t.name ?? "")} ${why}`);
    consts.set(t.name ?? "", readTensor(t, fail));
  }
  const input = imageInput(graph, consts, source);
  const output = graph.output?.[0]?.name;
  if (!output) throw new UserError(`${source} declares no graph output`);
  const uses = new Map<string, number>();
  for (const t of [...graph.node!.flatMap((n) => n.input ?? []), output]) {
    uses.set(t, (uses.get(t) ?? 0) + 1);
  }
  const walk: Walk = {
    source,
    input,
    nodes: [],
    consts,
    alias: new Map(),
    full: new Map(),
    uses,
    data: new Set([input.name]),
    names: new Set(graph.node!.map((n) => n.name ?? "")),
  };
  graph.node!.forEach((n, i) => walkNode(walk, n, i));
  const seen = new Set<string>();
  for (const n of walk.nodes) {
    if (seen.has(n.name)) {
      throw new UserError(
        `${source}: two layers are named "${n.name}"; layer names key the masks, so they must be ` +
          "unique (rename one node)",
      );
    }
    seen.add(n.name);
  }
  if (!walk.data.has(output)) {
    throw new UserError(`${source}: graph output "${output}" is no image-data result of a node`);
  }
  const net: Network = {
    name: source.replace(/^.*\//, "").replace(/\.onnx$/, ""),
    input,
    output: resolve(walk, output),
    nodes: walk.nodes,
    weights: `from ${source}`,
  };
  inferShapes(net); // validates the graph with one-line errors
  return net;
}
