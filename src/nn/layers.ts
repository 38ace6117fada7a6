/**
 * Linear layer descriptions with integer (quantized, signed) weights, as HE runs them, and the
 * parser of the compact specs the CLI accepts (`conv:h=16,w=16,ci=128,co=128,k=3,s=1,p=1`,
 * `fc:in=512,out=10`).
 *
 * @module
 */
import { UserError } from "../he/errors.ts";

/** A 2-D convolution, NCHW, square kernel, zero padding, no bias (bias is added in the clear). */
export interface ConvShape {
  readonly kind: "conv";
  /** Input height and width. */
  readonly h: number;
  readonly w: number;
  /** Input and output channels. */
  readonly ci: number;
  readonly co: number;
  /** Kernel size (k × k). */
  readonly k: number;
  /** Stride. */
  readonly s: number;
  /** Zero padding on every side. */
  readonly p: number;
}

/** A fully connected layer y = W x with W of shape out × in. */
export interface FcShape {
  readonly kind: "fc";
  readonly in: number;
  readonly out: number;
}

/** A conv or FC layer shape. */
export type LayerShape = ConvShape | FcShape;

/** A layer with its integer weights (conv: co·ci·k·k row-major; FC: out·in) and optional mask. */
export interface IntLayer<S extends LayerShape = LayerShape> {
  readonly name: string;
  readonly shape: S;
  readonly weights: Int32Array;
}

/**
 * Output height of a conv layer.
 *
 * @example
 * ```ts
 * import { convOutH, parseLayerSpec } from "./layers.ts";
 *
 * const s = parseLayerSpec("conv:h=7,w=7,ci=1,co=1,k=3,s=2,p=1");
 * if (s.kind !== "conv" || convOutH(s) !== 4) throw new Error();
 * ```
 */
export function convOutH(c: ConvShape): number {
  return Math.floor((c.h + 2 * c.p - c.k) / c.s) + 1;
}

/**
 * Output width of a conv layer.
 *
 * @example
 * ```ts
 * import { convOutW, parseLayerSpec } from "./layers.ts";
 *
 * const s = parseLayerSpec("conv:h=7,w=9,ci=1,co=1,k=3,s=2,p=1");
 * if (s.kind !== "conv" || convOutW(s) !== 5) throw new Error();
 * ```
 */
export function convOutW(c: ConvShape): number {
  return Math.floor((c.w + 2 * c.p - c.k) / c.s) + 1;
}

/**
 * Number of weights of a layer shape.
 *
 * @example
 * ```ts
 * import { parseLayerSpec, weightCount } from "./layers.ts";
 *
 * if (weightCount(parseLayerSpec("conv:h=8,w=8,ci=2,co=3,k=3")) !== 54) throw new Error();
 * ```
 */
export function weightCount(s: LayerShape): number {
  return s.kind === "conv" ? s.co * s.ci * s.k * s.k : s.out * s.in;
}

/**
 * Number of input elements of a layer shape.
 *
 * @example
 * ```ts
 * import { inputCount, parseLayerSpec } from "./layers.ts";
 *
 * if (inputCount(parseLayerSpec("conv:h=8,w=8,ci=2,co=3,k=3")) !== 128) throw new Error();
 * ```
 */
export function inputCount(s: LayerShape): number {
  return s.kind === "conv" ? s.ci * s.h * s.w : s.in;
}

/**
 * Number of output elements of a layer shape.
 *
 * @example
 * ```ts
 * import { outputCount, parseLayerSpec } from "./layers.ts";
 *
 * if (outputCount(parseLayerSpec("fc:in=8,out=3")) !== 3) throw new Error();
 * ```
 */
export function outputCount(s: LayerShape): number {
  return s.kind === "conv" ? s.co * convOutH(s) * convOutW(s) : s.out;
}

const CONV_FIELDS = ["h", "w", "ci", "co", "k", "s", "p"] as const;
const FC_FIELDS = ["in", "out"] as const;

/**
 * Parse a compact layer spec; bad specs throw a one-line `UserError`.
 *
 * @example
 * ```ts
 * import { parseLayerSpec } from "./layers.ts";
 *
 * const s = parseLayerSpec("conv:h=16,w=16,ci=128,co=128,k=3");
 * if (s.kind !== "conv" || s.p !== 1 || s.s !== 1) throw new Error();
 * ```
 */
export function parseLayerSpec(spec: string): LayerShape {
  const m = /^(conv|fc):(.*)$/.exec(spec.trim());
  if (!m) {
    throw new UserError(
      `Bad layer spec "${spec}": expected conv:h=..,w=..,ci=..,co=..,k=..[,s=1][,p=(k-1)/2] ` +
        `or fc:in=..,out=..`,
    );
  }
  const kind = m[1] as "conv" | "fc";
  const fields: Record<string, number> = {};
  for (const part of m[2].split(",").filter((x) => x.length > 0)) {
    const kv = /^([a-z]+)=(-?\d+)$/.exec(part.trim());
    if (!kv) {
      throw new UserError(`Bad field "${part}" in layer spec "${spec}": expected name=integer`);
    }
    fields[kv[1]] = Number(kv[2]);
  }
  const allowed: readonly string[] = kind === "conv" ? CONV_FIELDS : FC_FIELDS;
  for (const f of Object.keys(fields)) {
    if (!allowed.includes(f)) {
      throw new UserError(
        `Unknown field "${f}" in layer spec "${spec}": ${kind} takes ${allowed.join(", ")}`,
      );
    }
  }
  const need = (f: string): number => {
    const v = fields[f];
    if (v === undefined) throw new UserError(`Layer spec "${spec}" is missing field "${f}"`);
    return v;
  };
  const shape: LayerShape = kind === "conv"
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
  validateShape(shape, spec);
  return shape;
}

/**
 * Check a shape is a real layer; throws a one-line `UserError` naming the problem.
 *
 * @example
 * ```ts
 * import { validateShape } from "./layers.ts";
 *
 * validateShape({ kind: "fc", in: 4, out: 2 }, "fc1"); // fine; bad shapes throw a UserError
 * ```
 */
export function validateShape(shape: LayerShape, label: string): void {
  const bad = (why: string) => new UserError(`Layer ${label}: ${why}`);
  if (shape.kind === "fc") {
    if (shape.in < 1 || shape.out < 1) throw bad("in and out must be at least 1");
    return;
  }
  for (const f of CONV_FIELDS) {
    if (!Number.isInteger(shape[f])) throw bad(`${f} must be an integer`);
  }
  if (shape.h < 1 || shape.w < 1) throw bad("h and w must be at least 1");
  if (shape.ci < 1 || shape.co < 1) throw bad("ci and co must be at least 1 (zero channels)");
  if (shape.k < 1) throw bad("k must be at least 1");
  if (shape.s < 1) throw bad("stride s must be at least 1");
  if (shape.p < 0 || shape.p >= shape.k) throw bad(`padding p must be in [0, k) (got ${shape.p})`);
  if (shape.k > shape.h + 2 * shape.p || shape.k > shape.w + 2 * shape.p) {
    throw bad(`kernel ${shape.k}×${shape.k} is larger than the padded ${shape.h}×${shape.w} image`);
  }
}

/**
 * A short canonical name for a shape (used as the default layer name).
 *
 * @example
 * ```ts
 * import { parseLayerSpec, shapeLabel } from "./layers.ts";
 *
 * if (shapeLabel(parseLayerSpec("fc:in=4,out=2")) !== "fc:in=4,out=2") throw new Error();
 * ```
 */
export function shapeLabel(s: LayerShape): string {
  return s.kind === "conv"
    ? `conv:h=${s.h},w=${s.w},ci=${s.ci},co=${s.co},k=${s.k},s=${s.s},p=${s.p}`
    : `fc:in=${s.in},out=${s.out}`;
}

/**
 * Apply a 0/1 mask to weights (a mask of the wrong length is a one-line `UserError`).
 *
 * @example
 * ```ts
 * import { applyMask, parseLayerSpec } from "./layers.ts";
 *
 * const layer = { name: "f", shape: parseLayerSpec("fc:in=2,out=1"), weights: Int32Array.from([5, 6]) };
 * if (applyMask(layer, Uint8Array.from([0, 1])).weights.join() !== "0,6") throw new Error();
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
