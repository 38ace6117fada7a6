/**
 * Linear layer descriptions with integer (quantized, signed) weights, as HE runs them, and the
 * parser of the compact specs the CLI accepts (`conv:h=16,w=16,ci=128,co=128,k=3,s=1,p=1`,
 * `fc:in=512,out=10`).
 *
 * @module
 */
import { UserError } from "../base/mod.ts";

/** A 2-D convolution, NCHW, square kernel, zero padding, no bias (bias is added in the clear). */
export interface ConvShape {
  /** Discriminant: a convolution. */
  readonly kind: "conv";
  /** Input height, in pixels. */
  readonly h: number;
  /** Input width, in pixels. */
  readonly w: number;
  /** Input channels. */
  readonly ci: number;
  /** Output channels (number of kernels). */
  readonly co: number;
  /** Kernel size (k × k). */
  readonly k: number;
  /** Stride. */
  readonly s: number;
  /** Zero padding on every side (unless `pads` says otherwise). */
  readonly p: number;
  /** Per-side zero padding [top, left, bottom, right] (ONNX order); overrides `p`. */
  readonly pads?: readonly [number, number, number, number];
}

/**
 * Zero padding [top, left, bottom, right] of a conv layer, in pixels: `pads` when set, else `p` on
 * every side.
 *
 * @example Symmetric and per-side padding
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { convPads, parseLayerSpec } from "./layers.ts";
 *
 * const same = parseLayerSpec("conv:h=8,w=8,ci=1,co=1,k=3");
 * assertEquals(same.kind === "conv" && convPads(same), [1, 1, 1, 1]);
 * const right = parseLayerSpec("conv:h=8,w=8,ci=1,co=1,k=3,p=0,pr=1");
 * assertEquals(right.kind === "conv" && convPads(right), [0, 0, 0, 1]);
 * ```
 */
export function convPads(c: ConvShape): readonly [number, number, number, number] {
  return c.pads ?? [c.p, c.p, c.p, c.p];
}

/** A fully connected layer y = W x with W of shape out × in. */
export interface FcShape {
  /** Discriminant: a fully connected layer. */
  readonly kind: "fc";
  /** Input length (columns of W). */
  readonly in: number;
  /** Output length (rows of W). */
  readonly out: number;
}

/**
 * An element-wise product by a per-channel scale (inference BatchNorm's multiplier; its bias is
 * added in the clear), on c channels of h × w maps.
 */
export interface BnShape {
  /** Discriminant: an element-wise per-channel product. */
  readonly kind: "bn";
  /** Channels (one scale each). */
  readonly c: number;
  /** Map height, in pixels. */
  readonly h: number;
  /** Map width, in pixels. */
  readonly w: number;
}

/** A linear layer shape. */
export type LayerShape = ConvShape | FcShape | BnShape;

/**
 * A linear layer with its integer weights, as HE runs it (a mask is applied to the weights with
 * `applyMask`: pruned weights are 0).
 */
export interface IntLayer<S extends LayerShape = LayerShape> {
  /** Layer name, e.g. `features.3` (a network's node name, or the shape label). */
  readonly name: string;
  /** The layer's geometry. */
  readonly shape: S;
  /**
   * Signed integer weights, `weightCount(shape)` of them: conv co × ci × k × k row-major, FC
   * out × in row-major, BN one scale per channel.
   */
  readonly weights: Int32Array;
}

/**
 * Output height of a conv layer, in pixels: ⌊(h + top + bottom − k) / s⌋ + 1.
 *
 * @example A stride-2 convolution halves the height, rounding up
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { convOutH, parseLayerSpec } from "./layers.ts";
 *
 * const s = parseLayerSpec("conv:h=7,w=7,ci=1,co=1,k=3,s=2,p=1");
 * assertEquals(s.kind === "conv" && convOutH(s), 4);
 * ```
 */
export function convOutH(c: ConvShape): number {
  const [top, , bottom] = convPads(c);
  return Math.floor((c.h + top + bottom - c.k) / c.s) + 1;
}

/**
 * Output width of a conv layer, in pixels: ⌊(w + left + right − k) / s⌋ + 1.
 *
 * @example A stride-2 convolution halves the width, rounding up
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { convOutW, parseLayerSpec } from "./layers.ts";
 *
 * const s = parseLayerSpec("conv:h=7,w=9,ci=1,co=1,k=3,s=2,p=1");
 * assertEquals(s.kind === "conv" && convOutW(s), 5);
 * ```
 */
export function convOutW(c: ConvShape): number {
  const [, left, , right] = convPads(c);
  return Math.floor((c.w + left + right - c.k) / c.s) + 1;
}

/**
 * Number of weights of a layer shape: conv co·ci·k², FC out·in, BN c.
 *
 * @example A 3×3 convolution from 2 to 3 channels has 54 weights
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseLayerSpec, weightCount } from "./layers.ts";
 *
 * assertEquals(weightCount(parseLayerSpec("conv:h=8,w=8,ci=2,co=3,k=3")), 54);
 * ```
 */
export function weightCount(s: LayerShape): number {
  if (s.kind === "bn") return s.c;
  return s.kind === "conv" ? s.co * s.ci * s.k * s.k : s.out * s.in;
}

/**
 * Number of input elements of a layer shape: conv ci·h·w, FC in, BN c·h·w.
 *
 * @example A 2-channel 8×8 input has 128 elements
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { inputCount, parseLayerSpec } from "./layers.ts";
 *
 * assertEquals(inputCount(parseLayerSpec("conv:h=8,w=8,ci=2,co=3,k=3")), 128);
 * ```
 */
export function inputCount(s: LayerShape): number {
  if (s.kind === "bn") return s.c * s.h * s.w;
  return s.kind === "conv" ? s.ci * s.h * s.w : s.in;
}

/**
 * Number of output elements of a layer shape: conv co·outH·outW, FC out, BN c·h·w.
 *
 * @example An FC layer has `out` outputs
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { outputCount, parseLayerSpec } from "./layers.ts";
 *
 * assertEquals(outputCount(parseLayerSpec("fc:in=8,out=3")), 3);
 * ```
 */
export function outputCount(s: LayerShape): number {
  if (s.kind === "bn") return s.c * s.h * s.w;
  return s.kind === "conv" ? s.co * convOutH(s) * convOutW(s) : s.out;
}

const CONV_FIELDS = ["h", "w", "ci", "co", "k", "s", "p"] as const;
const PAD_FIELDS = ["pt", "pl", "pb", "pr"] as const;
const FC_FIELDS = ["in", "out"] as const;
const BN_FIELDS = ["c", "h", "w"] as const;

/**
 * The ranges a layer spec's fields may take (padding: 0 to k − 1). The upper bounds sit well above
 * any CNN layer (VGG-16's ImageNet FC has in = 25088) and keep a typo (an extra zero) from
 * allocating gigabytes; a larger layer can still be planned from code (see `parseLayerSpec`).
 *
 * @example A spec may ask for kernels up to 32×32
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { LAYER_SPEC_LIMITS } from "./layers.ts";
 *
 * assertEquals(LAYER_SPEC_LIMITS.k, [1, 32]);
 * ```
 */
export const LAYER_SPEC_LIMITS: Readonly<Record<string, readonly [number, number]>> = {
  h: [1, 16384],
  w: [1, 16384],
  c: [1, 65536],
  ci: [1, 65536],
  co: [1, 65536],
  k: [1, 32],
  s: [1, 32],
  in: [1, 1048576],
  out: [1, 1048576],
};

/** The most weights (2^27, above VGG-16's 102.8M-weight ImageNet FC) a layer spec may have. */
const MAX_SPEC_WEIGHTS = 2 ** 27;
/** The most input or output values (2^24) a layer spec may have. */
const MAX_SPEC_VALUES = 2 ** 24;
const BEYOND = "build the LayerShape in code and call planLayer to plan a larger layer";

/**
 * Parse a compact layer spec: `conv:h=..,w=..,ci=..,co=..,k=..[,s=1][,p=(k−1)/2]` (per-side
 * padding `pt`, `pl`, `pb`, `pr` override `p`), `fc:in=..,out=..` or `bn:c=..,h=..,w=..`. Every
 * field is a decimal integer given once, in `LAYER_SPEC_LIMITS` (padding 0 to k − 1); the kernel
 * must fit the padded image, and a layer may have at most 2^27 weights and 2^24 input or output
 * values. A bad spec throws a one-line `UserError` naming the spec and the field; the limits are
 * the parser's (a typo guard), so a larger shape built in code still plans.
 *
 * @example Stride 1 and "same" padding are the defaults
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseLayerSpec } from "./layers.ts";
 *
 * assertEquals(parseLayerSpec("conv:h=16,w=16,ci=128,co=128,k=3"), {
 *   kind: "conv", h: 16, w: 16, ci: 128, co: 128, k: 3, s: 1, p: 1,
 * });
 * ```
 *
 * @example A bad spec is one line naming the spec and the field
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { parseLayerSpec } from "./layers.ts";
 *
 * assertThrows(() => parseLayerSpec("fc:in=4"), Error, `is missing field "out"`);
 * assertThrows(() => parseLayerSpec("fc:in=4,out=2,in=8"), Error, `gives field "in" twice`);
 * assertThrows(() => parseLayerSpec("conv:h=8,w=8,ci=1,co=1,k=3,s=0"), Error, "field s = 0");
 * ```
 */
export function parseLayerSpec(spec: string): LayerShape {
  const m = /^(conv|fc|bn):(.*)$/s.exec(spec.trim());
  const show = JSON.stringify(spec.length > 200 ? `${spec.slice(0, 199)}…` : spec);
  const bad = (why: string) => new UserError(`Layer spec ${show}: ${why}`);
  if (!m) {
    throw new UserError(
      `Bad layer spec ${show}: expected conv:h=..,w=..,ci=..,co=..,k=..[,s=1][,p=(k-1)/2], ` +
        `fc:in=..,out=.. or bn:c=..,h=..,w=..`,
    );
  }
  const kind = m[1] as "conv" | "fc" | "bn";
  const allowed: readonly string[] = kind === "conv"
    ? [...CONV_FIELDS, ...PAD_FIELDS]
    : kind === "fc"
    ? FC_FIELDS
    : BN_FIELDS;
  const fields: Record<string, number> = {};
  const texts: Record<string, string> = {};
  for (const part of m[2].split(",").filter((x) => x.length > 0)) {
    const kv = /^([a-z]+)=(-?\d+)$/.exec(part.trim());
    if (!kv) {
      throw bad(
        `bad field ${JSON.stringify(part.length > 40 ? `${part.slice(0, 39)}…` : part)}: ` +
          "expected name=integer",
      );
    }
    const [, f, text] = kv;
    if (!allowed.includes(f)) {
      throw bad(`unknown field "${f}": ${kind} takes ${allowed.join(", ")}`);
    }
    if (f in fields) throw bad(`gives field "${f}" twice; give each field once`);
    fields[f] = Number(text);
    texts[f] = text.length > 20 ? `${text.slice(0, 19)}…` : text;
  }
  const need = (f: string): number => {
    const v = fields[f];
    if (v === undefined) throw bad(`is missing field "${f}"`);
    return v;
  };
  let shape: LayerShape = kind === "bn"
    ? { kind, c: need("c"), h: need("h"), w: need("w") }
    : kind === "conv"
    ? {
      kind,
      h: need("h"),
      w: need("w"),
      ci: need("ci"),
      co: need("co"),
      k: need("k"),
      s: fields.s ?? 1,
      p: fields.p ?? Math.floor((need("k") - 1) / 2),
    }
    : { kind, in: need("in"), out: need("out") };
  const isPad = (f: string) => f === "p" || (PAD_FIELDS as readonly string[]).includes(f);
  // Sizes first, then the padding, whose range depends on k.
  const order = Object.keys(fields).sort((a, b) => Number(isPad(a)) - Number(isPad(b)));
  for (const f of order) {
    const v = fields[f], pad = isPad(f);
    const [lo, hi] = pad ? [0, Math.max(0, fields.k - 1)] : LAYER_SPEC_LIMITS[f];
    if (!Number.isSafeInteger(v) || v < lo || v > hi) {
      const why = pad
        ? `padding must be less than k = ${fields.k}`
        : v < lo
        ? `${f} must be at least ${lo}`
        : `larger values are refused as a likely typo; ${BEYOND}`;
      throw bad(`field ${f} = ${texts[f]} is out of range ${lo}..${hi} (${why})`);
    }
  }
  if (shape.kind === "conv" && PAD_FIELDS.some((f) => fields[f] !== undefined)) {
    const p = shape.p;
    const pads = [fields.pt ?? p, fields.pl ?? p, fields.pb ?? p, fields.pr ?? p] as const;
    shape = { ...shape, pads };
  }
  if (shape.kind === "conv") {
    const [t, l, b, r] = convPads(shape);
    if (shape.k > shape.h + t + b || shape.k > shape.w + l + r) {
      throw bad(
        `kernel k = ${shape.k} is larger than the padded ${shape.h + t + b}×${shape.w + l + r} ` +
          `image (h = ${shape.h}, w = ${shape.w}, pads [${t}, ${l}, ${b}, ${r}]); lower k or ` +
          "raise h, w or the padding",
      );
    }
  }
  validateShape(shape, show);
  const weights = weightCount(shape);
  if (weights > MAX_SPEC_WEIGHTS) {
    throw bad(`has ${weights} weights, more than ${MAX_SPEC_WEIGHTS} (2^27); ${BEYOND}`);
  }
  const values = Math.max(inputCount(shape), outputCount(shape));
  if (values > MAX_SPEC_VALUES) {
    throw bad(
      `has ${values} input or output values, more than ${MAX_SPEC_VALUES} (2^24); ${BEYOND}`,
    );
  }
  return shape;
}

/**
 * Check a shape is a real layer (positive sizes; a conv's padding in [0, k) and its kernel within
 * the padded image); throws a one-line `UserError` naming `label` and the problem.
 *
 * @example A kernel larger than its input is refused
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { validateShape } from "./layers.ts";
 *
 * validateShape({ kind: "fc", in: 4, out: 2 }, "fc1"); // fine
 * assertThrows(
 *   () => validateShape({ kind: "conv", h: 2, w: 2, ci: 1, co: 1, k: 5, s: 1, p: 0 }, "c1"),
 *   Error,
 *   "Layer c1: kernel 5×5 is larger than the padded 2×2 image",
 * );
 * ```
 */
export function validateShape(shape: LayerShape, label: string): void {
  const bad = (why: string) => new UserError(`Layer ${label}: ${why}`);
  if (shape.kind === "fc") {
    if (shape.in < 1 || shape.out < 1) throw bad("in and out must be at least 1");
    return;
  }
  if (shape.kind === "bn") {
    if (shape.c < 1 || shape.h < 1 || shape.w < 1) throw bad("c, h and w must be at least 1");
    return;
  }
  for (const f of CONV_FIELDS) {
    if (!Number.isInteger(shape[f])) throw bad(`${f} must be an integer`);
  }
  if (shape.h < 1 || shape.w < 1) throw bad("h and w must be at least 1");
  if (shape.ci < 1 || shape.co < 1) throw bad("ci and co must be at least 1 (zero channels)");
  if (shape.k < 1) throw bad("k must be at least 1");
  if (shape.s < 1) throw bad("stride s must be at least 1");
  const [top, left, bottom, right] = convPads(shape);
  for (const v of [top, left, bottom, right]) {
    if (!Number.isInteger(v) || v < 0 || v >= shape.k) {
      throw bad(`padding must be in [0, k) (got ${v})`);
    }
  }
  if (shape.k > shape.h + top + bottom || shape.k > shape.w + left + right) {
    throw bad(`kernel ${shape.k}×${shape.k} is larger than the padded ${shape.h}×${shape.w} image`);
  }
}

/**
 * A short canonical name for a shape (used as the default layer name): the spec
 * `parseLayerSpec` reads back, with every conv field spelled out.
 *
 * @example The label of a parsed spec spells out the defaults
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseLayerSpec, shapeLabel } from "./layers.ts";
 *
 * assertEquals(shapeLabel(parseLayerSpec("fc:in=4,out=2")), "fc:in=4,out=2");
 * assertEquals(
 *   shapeLabel(parseLayerSpec("conv:h=8,w=8,ci=1,co=2,k=3")),
 *   "conv:h=8,w=8,ci=1,co=2,k=3,s=1,p=1",
 * );
 * ```
 */
export function shapeLabel(s: LayerShape): string {
  if (s.kind === "fc") return `fc:in=${s.in},out=${s.out}`;
  if (s.kind === "bn") return `bn:c=${s.c},h=${s.h},w=${s.w}`;
  const pads = s.pads ? `,pt=${s.pads[0]},pl=${s.pads[1]},pb=${s.pads[2]},pr=${s.pads[3]}` : "";
  return `conv:h=${s.h},w=${s.w},ci=${s.ci},co=${s.co},k=${s.k},s=${s.s},p=${s.p}${pads}`;
}

/**
 * Apply a 0/1 mask (one entry per weight, 0 = pruned) to a layer's weights, giving a copy with
 * pruned weights 0; no mask returns the layer itself. A mask of the wrong length is a one-line
 * `UserError`.
 *
 * @example Pruned weights become 0
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { applyMask, parseLayerSpec } from "./layers.ts";
 *
 * const layer = { name: "f", shape: parseLayerSpec("fc:in=2,out=1"), weights: Int32Array.from([5, 6]) };
 * assertEquals(applyMask(layer, Uint8Array.from([0, 1])).weights, Int32Array.from([0, 6]));
 * ```
 */
export function applyMask(layer: IntLayer, mask: Uint8Array | undefined): IntLayer {
  if (!mask) return layer;
  if (mask.length !== layer.weights.length) {
    throw new UserError(
      `Mask for ${layer.name} has ${mask.length} entries but the layer has ` +
        `${layer.weights.length} weights: regenerate the mask for this layer`,
    );
  }
  const w = layer.weights.map((v, i) => (mask[i] ? v : 0));
  return { ...layer, weights: w };
}
