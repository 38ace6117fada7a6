/**
 * The model zoo, defined in code: the CIFAR-style architectures the pruning literature uses
 * (kuangliu/pytorch-cifar conventions, with their layer names), for CIFAR-10 (32×32, 10 classes)
 * and Tiny ImageNet (64×64, 200 classes):
 *
 * - `vgg16`: 13 3×3 convolutions [64, 64, M, 128, 128, M, 256×3, M, 512×3, M, 512×3, M], each
 *   followed by BatchNorm and ReLU, then one linear classifier (512 inputs on CIFAR-10, 2048 on
 *   Tiny ImageNet, whose 64×64 input leaves 2×2 maps).
 * - `resnet18`: 3×3 stem (64, stride 1, no max pool), BasicBlocks [2, 2, 2, 2] with widths 64, 128,
 *   256, 512 and strides 1, 2, 2, 2, 1×1 projection shortcuts, global average pool, linear.
 * - `resnet50`: the same stem, Bottleneck blocks [3, 4, 6, 3] (expansion 4), linear on 2048.
 *
 * Weights are SYNTHETIC, drawn from a seed: He-uniform weights times a per-kernel log-normal scale
 * (σ = 1, variance-normalized; drawn from its 4096 mid-quantiles), so 2-D kernel norms spread over
 * orders of magnitude as in trained networks; BatchNorm statistics are mildly random. They are
 * never trained weights.
 *
 * @module
 */
import { SeededRng, UserError } from "../base/mod.ts";
import type { BatchNormNode, ConvNode, GemmNode, Network, Node } from "./network.ts";

/** Inverse standard-normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376,
    220.9460984245205,
    -275.9285104469687,
    138.357751867269,
    -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406,
    161.5858368580409,
    -155.6989798598866,
    66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293,
    -0.3223964580411365,
    -2.400758277161838,
    -2.549732539343734,
    4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** e^(Z − 1) at the 4096 mid-quantiles of Z ~ N(0, 1): the per-kernel log-normal scales. */
const LOGNORMAL_SCALES = Float64Array.from(
  { length: 4096 },
  (_, i) => Math.exp(normalQuantile((i + 0.5) / 4096) - 1),
);

/** Zoo architectures: the first part of a zoo model name. */
export const ZOO_ARCHS = ["vgg16", "resnet18", "resnet50"] as const;
/** Zoo datasets (the second part of a zoo model name): input size, classes and channels. */
export const ZOO_DATASETS = {
  cifar10: { size: 32, classes: 10, channels: 3 },
  tinyimagenet: { size: 64, classes: 200, channels: 3 },
  /** Fashion-MNIST's 28×28 grey images padded to 32×32: CIFAR-10's geometry but for conv 1. */
  fashionmnist: { size: 32, classes: 10, channels: 1 },
} as const;

/** All zoo model names, `<arch>-<dataset>` (e.g. `vgg16-cifar10`): what `buildZoo` builds. */
export const ZOO_MODELS: readonly string[] = ZOO_ARCHS.flatMap((a) =>
  Object.keys(ZOO_DATASETS).map((d) => `${a}-${d}`)
);

/** Options of a zoo build. */
export interface ZooOptions {
  /**
   * Channel width multiplier in (0, 4], default 1 (e.g. 0.25 keeps the geometry but quarters the
   * channels, each rounded, at least 1); a width other than 1 is appended to the name (`@0.25`).
   */
  readonly width?: number;
  /** Seed of the synthetic weights (default 1). */
  readonly seed?: number;
}

/**
 * What a zoo conv's synthetic weights are generated from: the generator state and geometry (a few
 * numbers that travel to planning workers instead of the weights).
 */
export interface SyntheticConv {
  /** State of the model's `SeededRng` when this conv was built. */
  readonly state: number;
  /** Input channels. */
  readonly ci: number;
  /** Output channels. */
  readonly co: number;
  /** Kernel size (k × k). */
  readonly k: number;
}

const RECIPE = "__syntheticConv";

/**
 * Version of the synthetic-weight generator (`syntheticConvWeights`): part of every recipe's hash
 * (`networkHash` hashes a zoo conv's recipe, not its weights). Bump it whenever the generator's
 * output changes, so that the hashes of the models it draws change with their weights.
 */
export const ZOO_WEIGHTS_VERSION = 1;

/** Every weight array a zoo conv generated, with the recipe it was generated from. */
const GENERATED = new WeakMap<Float32Array, SyntheticConv>();

/**
 * A zoo conv's synthetic weights from its recipe: He-uniform weights (xorshift32 seeded from the
 * model's generator, one cheap draw per weight) times a per-kernel log-normal scale; co·ci·k·k
 * values, layout co × ci × k × k. Drawn into the front of `into` (and returned as a view of it)
 * when it is long enough, so a caller drawing layer after layer reuses one buffer instead of
 * touching fresh memory for each (on a VM, first touches of fresh pages cost as much as the draw).
 *
 * @example The recipe regenerates the node's weights
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { buildZoo, syntheticConvOf, syntheticConvWeights } from "./zoo.ts";
 *
 * const conv = buildZoo("vgg16-cifar10", { width: 0.125 }).nodes[0];
 * const recipe = syntheticConvOf(conv)!;
 * const fresh = syntheticConvWeights(recipe);
 * assertEquals(fresh, (conv as { weight: Float32Array }).weight);
 * ```
 */
export function syntheticConvWeights(s: SyntheticConv, into?: Float32Array): Float32Array {
  const { ci, co, k } = s;
  const rng = new SeededRng(s.state);
  const size = co * ci * k * k;
  const weight = into && into.length >= size ? into.subarray(0, size) : new Float32Array(size);
  const amp = Math.sqrt(3) * Math.sqrt(2 / (ci * k * k)) / 2147483648;
  const kk = k * k;
  // xorshift32 seeded from the model's generator: one cheap draw per weight (millions of them).
  let r = rng.nextU32() | 1;
  for (let kernel = 0; kernel < co * ci; kernel++) {
    // He-uniform U(−√3, √3)·std (the He-normal variance at one draw per weight) times a
    // log-normal kernel scale e^(Z − 1), E[s²] = 1, drawn from a 4096-point quantile table.
    const a = amp * LOGNORMAL_SCALES[rng.nextU32() >>> 20];
    const base = kernel * kk;
    for (let t = 0; t < kk; t++) {
      r ^= r << 13;
      r ^= r >>> 17;
      r ^= r << 5;
      weight[base + t] = r * a; // r is a signed 32-bit value, uniform over ±2^31
    }
  }
  return weight;
}

/**
 * The recipe a conv node's weights are drawn from, when they are exactly what it draws: the node's
 * recipe while its weights have not been generated (nothing to check), or, once they have been (on
 * this node or a copy of it sharing the array), the recipe that generated the array if every value
 * is still what the recipe gives (checked by generating them again: an edit in place withdraws it).
 * Undefined for every other node, and for weights that are not, or no longer, the zoo's.
 *
 * @example Editing one weight in place withdraws the recipe
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { buildZoo, uneditedRecipeOf } from "./zoo.ts";
 * import type { ConvNode } from "./network.ts";
 *
 * const conv = buildZoo("vgg16-cifar10", { width: 0.125 }).nodes[0] as ConvNode;
 * const lazy = uneditedRecipeOf(conv);
 * assert(lazy);
 * conv.weight; // generates the weights: still the recipe's
 * assertEquals(uneditedRecipeOf(conv), lazy);
 * conv.weight[5] += 1;
 * assertEquals(uneditedRecipeOf(conv), undefined);
 * ```
 */
export function uneditedRecipeOf(node: object): SyntheticConv | undefined {
  const lazy = syntheticConvOf(node);
  if (lazy) return lazy;
  const weight = (node as { weight?: unknown }).weight;
  if (!(weight instanceof Float32Array)) return undefined;
  const recipe = GENERATED.get(weight);
  if (!recipe) return undefined;
  const fresh = new Uint32Array(syntheticConvWeights(recipe).buffer);
  const now = new Uint32Array(weight.buffer, weight.byteOffset, weight.length);
  if (now.length !== fresh.length) return undefined;
  for (let i = 0; i < fresh.length; i++) if (now[i] !== fresh[i]) return undefined;
  return recipe;
}

/**
 * The recipe of a zoo conv node's synthetic weights, while they have not been generated
 * (undefined for any other node, a copy, or once the weights exist).
 *
 * @example Reading the weights withdraws the recipe
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { buildZoo, syntheticConvOf } from "./zoo.ts";
 *
 * const conv = buildZoo("vgg16-cifar10", { width: 0.125 }).nodes[0];
 * assert(syntheticConvOf(conv));
 * const copy = { ...conv }; // reads the weights: the recipe is withdrawn
 * assertEquals([syntheticConvOf(copy), syntheticConvOf(conv)], [undefined, undefined]);
 * ```
 */
export function syntheticConvOf(node: object): SyntheticConv | undefined {
  return (node as Record<string, SyntheticConv | undefined>)[RECIPE];
}

class Builder {
  nodes: Node[] = [];
  #rng: SeededRng;
  #n = 0;
  constructor(seed: number) {
    this.#rng = new SeededRng(seed);
  }
  #spare: number | null = null;
  /** Standard normal (Box–Muller; both values of each pair are used). */
  #normal(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.#rng.next())), a = 2 * Math.PI * this.#rng.next();
    this.#spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
  tensor(): string {
    return `t${this.#n++}`;
  }
  conv(
    name: string,
    x: string,
    ci: number,
    co: number,
    k: number,
    stride: number,
    pad: number,
  ): string {
    // The weights are a pure function of the generator state here, so they are generated on
    // first use (planning workers regenerate them from `syntheticConv` instead of receiving them).
    const spec: SyntheticConv = { state: this.#rng.state, ci, co, k };
    this.#rng.skip(1 + co * ci);
    const output = this.tensor();
    const node = {
      op: "Conv",
      name,
      inputs: [x],
      output,
      ci,
      co,
      k,
      stride,
      pads: [pad, pad, pad, pad],
      bias: null,
    } as unknown as ConvNode;
    let weight: Float32Array | null = null;
    const generate = () => {
      const w = syntheticConvWeights(spec);
      GENERATED.set(w, spec);
      return w;
    };
    Object.defineProperty(node, "weight", {
      get: () => weight ??= generate(),
      enumerable: true,
    });
    // Not enumerable: a copy of the node (masked, permuted) has its own weights and no recipe.
    // Once the weights exist (and could have been changed in place) the recipe is withdrawn.
    Object.defineProperty(node, RECIPE, {
      get: () => (weight === null ? spec : undefined),
      enumerable: false,
    });
    this.nodes.push(node);
    return output;
  }
  /** `n` values `draw()`, in order (a loop: `Float32Array.from` with a map is slow per element). */
  #array(n: number, draw: () => number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = draw();
    return a;
  }
  bn(name: string, x: string, c: number): string {
    const f = (m: number, s: number) => this.#array(c, () => m + s * this.#normal());
    const output = this.tensor();
    const node: BatchNormNode = {
      op: "BatchNormalization",
      name,
      inputs: [x],
      output,
      scale: f(1, 0.1),
      bias: f(0, 0.1),
      mean: f(0, 0.1),
      variance: this.#array(c, () => 1 + 0.1 * Math.abs(this.#normal())),
      epsilon: 1e-5,
    };
    this.nodes.push(node);
    return output;
  }
  simple(op: "Relu" | "GlobalAveragePool" | "Flatten", name: string, x: string): string {
    const output = this.tensor();
    this.nodes.push({ op, name, inputs: [x], output });
    return output;
  }
  add(name: string, a: string, b: string): string {
    const output = this.tensor();
    this.nodes.push({ op: "Add", name, inputs: [a, b], output });
    return output;
  }
  maxpool(name: string, x: string): string {
    const output = this.tensor();
    this.nodes.push({
      op: "MaxPool",
      name,
      inputs: [x],
      output,
      k: 2,
      stride: 2,
      pads: [0, 0, 0, 0],
    });
    return output;
  }
  linear(name: string, x: string, inp: number, out: number): string {
    const std = Math.sqrt(1 / inp);
    const weight = this.#array(out * inp, () => this.#normal() * std);
    const bias = this.#array(out, () => 0.01 * this.#normal());
    const output = this.tensor();
    const node: GemmNode = { op: "Gemm", name, inputs: [x], output, in: inp, out, weight, bias };
    this.nodes.push(node);
    return output;
  }
}

function vgg16(
  b: Builder,
  x: string,
  channels: number,
  size: number,
  classes: number,
  w: (c: number) => number,
): string {
  const cfg: (number | "M")[] = [
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    "M",
  ];
  cfg.push(512, 512, 512, "M");
  let ci = channels, idx = 0, h = size;
  for (const v of cfg) {
    if (v === "M") {
      x = b.maxpool(`features.${idx++}`, x);
      h /= 2;
      continue;
    }
    const co = w(v);
    x = b.conv(`features.${idx++}`, x, ci, co, 3, 1, 1);
    x = b.bn(`features.${idx++}`, x, co);
    x = b.simple("Relu", `features.${idx++}`, x);
    ci = co;
  }
  x = b.simple("Flatten", "flatten", x);
  return b.linear("classifier", x, ci * h * h, classes);
}

function resnet(
  b: Builder,
  x: string,
  channels: number,
  classes: number,
  w: (c: number) => number,
  blocks: readonly number[],
  bottleneck: boolean,
): string {
  const expansion = bottleneck ? 4 : 1;
  let ci = w(64);
  x = b.simple("Relu", "relu", b.bn("bn1", b.conv("conv1", x, channels, ci, 3, 1, 1), ci));
  [64, 128, 256, 512].forEach((planes, li) => {
    for (let j = 0; j < blocks[li]; j++) {
      const p = `layer${li + 1}.${j}`;
      const stride = j === 0 && li > 0 ? 2 : 1;
      const mid = w(planes), co = w(planes * expansion);
      let y: string;
      if (bottleneck) {
        y = b.simple(
          "Relu",
          `${p}.relu1`,
          b.bn(`${p}.bn1`, b.conv(`${p}.conv1`, x, ci, mid, 1, 1, 0), mid),
        );
        y = b.simple(
          "Relu",
          `${p}.relu2`,
          b.bn(`${p}.bn2`, b.conv(`${p}.conv2`, y, mid, mid, 3, stride, 1), mid),
        );
        y = b.bn(`${p}.bn3`, b.conv(`${p}.conv3`, y, mid, co, 1, 1, 0), co);
      } else {
        y = b.simple(
          "Relu",
          `${p}.relu1`,
          b.bn(`${p}.bn1`, b.conv(`${p}.conv1`, x, ci, mid, 3, stride, 1), mid),
        );
        y = b.bn(`${p}.bn2`, b.conv(`${p}.conv2`, y, mid, co, 3, 1, 1), co);
      }
      const shortcut = stride !== 1 || ci !== co
        ? b.bn(`${p}.shortcut.1`, b.conv(`${p}.shortcut.0`, x, ci, co, 1, stride, 0), co)
        : x;
      x = b.simple("Relu", `${p}.relu`, b.add(`${p}.add`, y, shortcut));
      ci = co;
    }
  });
  x = b.simple("Flatten", "flatten", b.simple("GlobalAveragePool", "avgpool", x));
  return b.linear("linear", x, ci, classes);
}

/**
 * Build a zoo model by name (one of `ZOO_MODELS`: `vgg16-cifar10`, `resnet50-tinyimagenet`, …)
 * with synthetic weights; an unknown name or a width outside (0, 4] is a one-line `UserError`.
 *
 * @example A quarter-width ResNet-18 for Tiny ImageNet
 * ```ts
 * import { buildZoo } from "./zoo.ts";
 * import { linearNodes } from "./network.ts";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const net = buildZoo("resnet18-tinyimagenet", { width: 0.25, seed: 3 });
 * assertEquals([net.name, linearNodes(net).length], ["resnet18-tinyimagenet@0.25", 21]);
 * assert(net.weights.startsWith("SYNTHETIC (seed 3"));
 * ```
 */
export function buildZoo(model: string, opts: ZooOptions = {}): Network {
  const m = /^(vgg16|resnet18|resnet50)-(cifar10|tinyimagenet|fashionmnist)$/.exec(model);
  if (!m) {
    throw new UserError(
      `Unknown model "${model}": use one of ${ZOO_MODELS.join(", ")} or a .onnx file`,
    );
  }
  const width = opts.width ?? 1;
  if (!(width > 0 && width <= 4)) throw new UserError(`--width must be in (0, 4] (got ${width})`);
  const seed = opts.seed ?? 1;
  const { size, classes, channels } = ZOO_DATASETS[m[2] as keyof typeof ZOO_DATASETS];
  const w = (c: number) => Math.max(1, Math.round(c * width));
  const b = new Builder(seed);
  const input = "input";
  const output = m[1] === "vgg16" ? vgg16(b, input, channels, size, classes, w) : resnet(
    b,
    input,
    channels,
    classes,
    w,
    m[1] === "resnet18" ? [2, 2, 2, 2] : [3, 4, 6, 3],
    m[1] === "resnet50",
  );
  return {
    name: width === 1 ? model : `${model}@${width}`,
    input: { name: input, c: channels, h: size, w: size },
    output,
    nodes: b.nodes,
    weights: `SYNTHETIC (seed ${seed}, He-uniform × per-kernel log-normal scale; not trained)`,
  };
}
