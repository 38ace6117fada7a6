/**
 * The network IR: a topologically ordered list of nodes over named tensors (batch 1, NCHW), with
 * Float32 weights, shape inference, and the channel graph pruning needs (which tensors must share
 * one channel permutation, who produces and who consumes them).
 *
 * @module
 */
import { UserError } from "../base/mod.ts";

/** Shape of a tensor without the batch dimension: [c, h, w] for maps, [n] for vectors. */
export type TensorShape = readonly [number, number, number] | readonly [number];

/** The fields every IR node has: its name and the tensors it reads and writes. */
export interface NodeBase {
  /** Stable, human-readable name (e.g. `features.3`, `layer2.0.conv1`); masks are keyed by it. */
  readonly name: string;
  /** Names of the tensors read: one, or two for `Add`. */
  readonly inputs: readonly string[];
  /** Name of the tensor written (each tensor has one producer). */
  readonly output: string;
}

/** 2-D convolution (groups = 1, dilation = 1). Weight layout co × ci × k × k. */
export interface ConvNode extends NodeBase {
  /** Discriminant. */
  readonly op: "Conv";
  /** Input channels. */
  readonly ci: number;
  /** Output channels. */
  readonly co: number;
  /** Kernel size (k × k). */
  readonly k: number;
  /** Stride, the same along both axes. */
  readonly stride: number;
  /** Zero padding [top, left, bottom, right], in pixels. */
  readonly pads: readonly [number, number, number, number];
  /** co·ci·k·k weights, row-major co × ci × k × k. */
  readonly weight: Float32Array;
  /** co biases, or null for none. */
  readonly bias: Float32Array | null;
}

/** Fully connected layer y = W x + b, W of shape out × in. */
export interface GemmNode extends NodeBase {
  /** Discriminant. */
  readonly op: "Gemm";
  /** Input length (a flattened map is read in CHW order). */
  readonly in: number;
  /** Output length. */
  readonly out: number;
  /** out·in weights, row-major out × in. */
  readonly weight: Float32Array;
  /** out biases, or null for none. */
  readonly bias: Float32Array | null;
}

/** Inference BatchNorm: y = scale·(x − mean)/sqrt(var + eps) + bias, per channel. */
export interface BatchNormNode extends NodeBase {
  /** Discriminant. */
  readonly op: "BatchNormalization";
  /** γ, one per channel. */
  readonly scale: Float32Array;
  /** β, one per channel. */
  readonly bias: Float32Array;
  /** Running mean, one per channel. */
  readonly mean: Float32Array;
  /** Running variance, one per channel. */
  readonly variance: Float32Array;
  /** ε added to the variance. */
  readonly epsilon: number;
}

/** Max or average pooling with a square window. */
export interface PoolNode extends NodeBase {
  /** Max, or average over the window's in-image pixels (ONNX `count_include_pad = 0`). */
  readonly op: "MaxPool" | "AveragePool";
  /** Window size (k × k). */
  readonly k: number;
  /** Stride, the same along both axes. */
  readonly stride: number;
  /** Padding [top, left, bottom, right], in pixels (padded pixels are never pooled). */
  readonly pads: readonly [number, number, number, number];
}

/** Element-wise and shape ops without parameters. */
export interface SimpleNode extends NodeBase {
  /**
   * `Relu`; `GlobalAveragePool` (C×H×W → C×1×1); `Add` of two tensors of one shape (a residual);
   * `Flatten` of a map into a vector, CHW order.
   */
  readonly op: "Relu" | "GlobalAveragePool" | "Add" | "Flatten";
}

/** Any IR node. */
export type Node = ConvNode | GemmNode | BatchNormNode | PoolNode | SimpleNode;

/** A network: one input map, one output, nodes in topological order. */
export interface Network {
  /** Model name, e.g. `vgg16-cifar10@0.25`, or an ONNX file's name without `.onnx`. */
  readonly name: string;
  /** The input tensor: its name and its C×H×W shape (batch 1). */
  readonly input: {
    /** Tensor name. */
    readonly name: string;
    /** Channels. */
    readonly c: number;
    /** Height, in pixels. */
    readonly h: number;
    /** Width, in pixels. */
    readonly w: number;
  };
  /** Name of the output tensor (the logits). */
  readonly output: string;
  /** Every node, in topological order (a node reads only the input and earlier outputs). */
  readonly nodes: readonly Node[];
  /** Where the weights come from, shown wherever results appear (e.g. "synthetic, seed 1"). */
  readonly weights: string;
}

/**
 * The ONNX ops the importer accepts: the IR's layers, MatMul, ops that flatten a map or are no-ops
 * in inference, and shape arithmetic it folds on constants.
 */
export const SUPPORTED_OPS = [
  "Conv",
  "Gemm",
  "MatMul",
  "BatchNormalization",
  "Relu",
  "MaxPool",
  "AveragePool",
  "GlobalAveragePool",
  "ReduceMean",
  "Add",
  "Flatten",
  "Reshape",
  "Squeeze",
  "Unsqueeze",
  "Identity",
  "Dropout",
  "Cast",
  "Pad",
  "Constant",
  "Shape",
  "Gather",
  "Concat",
  "Transpose",
  "Sub",
  "Mul",
  "Div",
] as const;

function outSize(h: number, k: number, s: number, p0: number, p1: number): number {
  return Math.floor((h + p0 + p1 - k) / s) + 1;
}

/**
 * Shapes of every tensor (the input, then every node's output) by name; throws a one-line
 * `UserError` naming the node when shapes do not fit or a tensor is read before it is written.
 *
 * @example VGG-16 on CIFAR-10 ends in 10 logits
 * ```ts
 * import { inferShapes } from "./network.ts";
 * import { buildZoo } from "./zoo.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.25 });
 * assertEquals(inferShapes(net).get(net.output), [10]);
 * ```
 */
export function inferShapes(net: Network): Map<string, TensorShape> {
  const shapes = new Map<string, TensorShape>([[net.input.name, [
    net.input.c,
    net.input.h,
    net.input.w,
  ]]]);
  const need = (node: Node, t: string): TensorShape => {
    const s = shapes.get(t);
    if (!s) throw new UserError(`Node ${node.name} (${node.op}) reads unknown tensor "${t}"`);
    return s;
  };
  const map = (node: Node, t: string): readonly [number, number, number] => {
    const s = need(node, t);
    if (s.length !== 3) {
      throw new UserError(`Node ${node.name} (${node.op}) needs a C×H×W input, got [${s}]`);
    }
    return s;
  };
  const window = (node: Node & { k: number; stride: number; pads: readonly number[] }) => {
    const ok = Number.isInteger(node.k) && node.k >= 1 && Number.isInteger(node.stride) &&
      node.stride >= 1 && node.pads.every((p) => Number.isInteger(p) && p >= 0 && p < node.k);
    if (!ok) {
      throw new UserError(
        `${node.op} ${node.name} has k = ${node.k}, stride ${node.stride}, pads [${node.pads}]; ` +
          "k and the stride must be at least 1 and each pad in [0, k)",
      );
    }
  };
  for (const node of net.nodes) {
    let out: TensorShape;
    switch (node.op) {
      case "Conv": {
        window(node);
        const [c, h, w] = map(node, node.inputs[0]);
        if (c !== node.ci) {
          throw new UserError(
            `Conv ${node.name} expects ${node.ci} input channels, tensor has ${c}`,
          );
        }
        const [t, l, b, r] = node.pads;
        const oh = outSize(h, node.k, node.stride, t, b),
          ow = outSize(w, node.k, node.stride, l, r);
        if (oh < 1 || ow < 1) {
          throw new UserError(`Conv ${node.name}: kernel larger than its padded input`);
        }
        out = [node.co, oh, ow];
        break;
      }
      case "Gemm": {
        const s = need(node, node.inputs[0]);
        const n = s.reduce((a, b) => a * b, 1);
        if (s.length !== 1 || n !== node.in) {
          throw new UserError(`Gemm ${node.name} expects a vector of ${node.in}, got [${s}]`);
        }
        out = [node.out];
        break;
      }
      case "BatchNormalization": {
        const s = map(node, node.inputs[0]);
        if (s[0] !== node.scale.length) {
          throw new UserError(
            `BatchNormalization ${node.name} has ${node.scale.length} channels, input ${s[0]}`,
          );
        }
        out = s;
        break;
      }
      case "MaxPool":
      case "AveragePool": {
        window(node);
        const [c, h, w] = map(node, node.inputs[0]);
        const [t, l, b, r] = node.pads;
        out = [c, outSize(h, node.k, node.stride, t, b), outSize(w, node.k, node.stride, l, r)];
        if (out[1] < 1 || out[2] < 1) {
          throw new UserError(`${node.op} ${node.name}: window larger than its padded input`);
        }
        break;
      }
      case "Relu":
        out = need(node, node.inputs[0]);
        break;
      case "GlobalAveragePool": {
        const [c] = map(node, node.inputs[0]);
        out = [c, 1, 1];
        break;
      }
      case "Add": {
        const a = need(node, node.inputs[0]), b = need(node, node.inputs[1]);
        if (a.join() !== b.join()) throw new UserError(`Add ${node.name} adds [${a}] and [${b}]`);
        out = a;
        break;
      }
      case "Flatten": {
        const s = need(node, node.inputs[0]);
        out = [s.reduce((x, y) => x * y, 1)];
        break;
      }
    }
    shapes.set(node.output, out);
  }
  if (!shapes.has(net.output)) {
    throw new UserError(`Network ${net.name}: output "${net.output}" is never produced`);
  }
  return shapes;
}

/**
 * The linear layers (Conv, Gemm) in network order: the layers pruning masks and HE plans cover.
 *
 * @example VGG-16 has 13 convolutions and a classifier
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { linearNodes } from "./network.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const layers = linearNodes(buildZoo("vgg16-cifar10", { width: 0.125 }));
 * assertEquals(layers.map((n) => n.op).join(), "Conv,".repeat(13) + "Gemm");
 * ```
 */
export function linearNodes(net: Network): (ConvNode | GemmNode)[] {
  return net.nodes.filter((n): n is ConvNode | GemmNode => n.op === "Conv" || n.op === "Gemm");
}

/** A set of tensors that must share one channel order, with the layers writing and reading it. */
export interface ChannelTie {
  /** The C×H×W tensors of the group (vectors are not tied). */
  readonly tensors: readonly string[];
  /** Channels every tensor of the group has. */
  readonly channels: number;
  /** Conv/Gemm layers whose output channels define these tensors. */
  readonly producers: readonly string[];
  /** Conv layers reading these channels (input channels), and Gemm layers reading them after a
   * flatten (each channel is a block of `block` consecutive inputs). */
  readonly consumers: readonly { readonly layer: string; readonly block: number }[];
  /** Per-channel parameters that move with the channels (BatchNorm nodes). */
  readonly followers: readonly string[];
  /** True if the network input or output is in the tie (their channel order is fixed). */
  readonly fixed: boolean;
}

/**
 * Channel ties: tensors joined by channel-preserving ops (BatchNorm, Relu, pools, Add) form one
 * group; permuting a group's channels means permuting its producers' output channels (with their
 * bias and BatchNorm), its consumers' input channels, and every tensor in it at once. Residual
 * adds tie the two branches.
 *
 * @example The residual stream of a ResNet is one tie
 * ```ts
 * import { channelTies } from "./network.ts";
 * import { buildZoo } from "./zoo.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const ties = channelTies(buildZoo("resnet18-cifar10", { width: 0.25 }));
 * // The residual stream of layer1 ties conv1 and both blocks' second convolutions.
 * const stream = ties.find((t) => t.producers.includes("conv1"))!;
 * assertEquals(stream.producers, ["conv1", "layer1.0.conv2", "layer1.1.conv2"]);
 * assertEquals(stream.channels, 16);
 * ```
 */
export function channelTies(net: Network): ChannelTie[] {
  const shapes = inferShapes(net);
  const parent = new Map<string, string>();
  const find = (t: string): string => {
    let r = t;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(t, r);
    return r;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  for (const t of shapes.keys()) parent.set(t, t);
  for (const node of net.nodes) {
    switch (node.op) {
      case "BatchNormalization":
      case "Relu":
      case "MaxPool":
      case "AveragePool":
      case "GlobalAveragePool":
        union(node.output, node.inputs[0]);
        break;
      case "Add":
        union(node.output, node.inputs[0]);
        union(node.output, node.inputs[1]);
        break;
      default:
        break;
    }
  }
  const groups = new Map<
    string,
    ChannelTie & {
      tensors: string[];
      producers: string[];
      consumers: { layer: string; block: number }[];
      followers: string[];
      fixed: boolean;
    }
  >();
  const group = (t: string) => {
    const r = find(t);
    let g = groups.get(r);
    if (!g) {
      const s = shapes.get(t)!;
      groups.set(
        r,
        g = {
          tensors: [],
          channels: s[0],
          producers: [],
          consumers: [],
          followers: [],
          fixed: false,
        },
      );
    }
    return g;
  };
  for (const t of shapes.keys()) {
    if (shapes.get(t)!.length === 3) group(t).tensors.push(t);
  }
  group(net.input.name).fixed = true;
  const flattenOf = new Map<string, { src: string; block: number }>();
  for (const node of net.nodes) {
    if (node.op === "Flatten") {
      const s = shapes.get(node.inputs[0])!;
      if (s.length === 3) flattenOf.set(node.output, { src: node.inputs[0], block: s[1] * s[2] });
    }
  }
  for (const node of net.nodes) {
    if (node.op === "Conv") {
      group(node.output).producers.push(node.name);
      group(node.inputs[0]).consumers.push({ layer: node.name, block: 1 });
    } else if (node.op === "Gemm") {
      const f = flattenOf.get(node.inputs[0]);
      if (f) group(f.src).consumers.push({ layer: node.name, block: f.block });
    } else if (node.op === "BatchNormalization") {
      group(node.output).followers.push(node.name);
    }
  }
  if (shapes.get(net.output)!.length === 3) group(net.output).fixed = true;
  return [...groups.values()].filter((g) => g.tensors.length > 0);
}
