/**
 * Weight masks on disk: compact JSON with one base64 bit set per layer, tied to the model it was
 * made for by a SHA-256 of the network's structure and weights. A file that does not match the
 * model, or is corrupt, gives one clear error.
 *
 * @module
 */
import { decodeBase64, encodeBase64 } from "@std/encoding/base64";
import { z } from "zod";
import {
  checkFormat,
  checkJson,
  type JsonSchema,
  parseJsonText,
  type SameType,
  UserError,
} from "../base/mod.ts";
import type { Network } from "./network.ts";
import { syntheticConvOf, uneditedRecipeOf, ZOO_WEIGHTS_VERSION } from "./zoo.ts";

/** Format tag of mask files (their `format` field). */
export const MASK_FORMAT = "mosaic-bench-masks/1";

/** Standard base64 with padding (what `encodeBase64` writes). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const maskFileObject = z.object({
  format: z.literal(MASK_FORMAT),
  model: z.string(),
  model_hash: z.string(),
  layers: z.record(
    z.string(),
    z.object({
      weights: z.number().int().nonnegative(),
      kept: z.number().int().nonnegative(),
      bits: z.string().regex(BASE64, "expected a base64 bit set"),
    }),
  ),
});

/** One layer of a mask file. */
export interface MaskFileLayer {
  /** Weights of the layer (its weight tensor's length). */
  readonly weights: number;
  /** Weights kept (1 bits). */
  readonly kept: number;
  /** The bit set, base64: weight i is bit i % 8 of byte ⌊i / 8⌋, 1 = kept. */
  readonly bits: string;
}

/** A mask file, as `maskFileSchema` accepts it. */
export interface MaskFile {
  /** Always `MASK_FORMAT`. */
  readonly format: typeof MASK_FORMAT;
  /** Name of the model the masks were made for. */
  readonly model: string;
  /** `networkHash` of that model. */
  readonly model_hash: string;
  /** Every linear layer's masks, by layer name. */
  readonly layers: Readonly<Record<string, MaskFileLayer>>;
}

const _maskFile: SameType<z.infer<typeof maskFileObject>, MaskFile> = true;

/**
 * The schema of a mask file (`MASK_FORMAT`): the model it was made for (name and `networkHash`) and,
 * per linear layer, its weight count, kept count and bit set (base64, one bit per weight, least
 * significant bit first). Unknown fields are allowed (prune files add theirs). What it cannot say,
 * `readMaskFile` checks against the model: every linear layer present, sizes, kept counts.
 *
 * @example A null layer entry is refused by the schema
 * ```ts
 * import { assert } from "@std/assert";
 * import { MASK_FORMAT, maskFileSchema } from "./masks.ts";
 *
 * const doc = { format: MASK_FORMAT, model: "m", model_hash: "0".repeat(64), layers: {} };
 * assert(maskFileSchema.safeParse(doc).success);
 * assert(!maskFileSchema.safeParse({ ...doc, layers: { fc: null } }).success);
 * ```
 */
export const maskFileSchema: JsonSchema<MaskFile> = maskFileObject;

/**
 * SHA-256 (64 lowercase hex digits) of a network's structure (input, every node's op, name,
 * tensors and geometry) and weights: what mask files and reports are tied to. The network's name
 * and `weights` label are not hashed.
 *
 * The rule for weights: every weight and parameter array is hashed as its bytes, except a zoo
 * conv's weights while they are exactly what its synthetic recipe draws (`uneditedRecipeOf`): those
 * are hashed as the recipe (generator version `ZOO_WEIGHTS_VERSION`, generator state, ci, co, k),
 * which determines them, so a zoo model is hashed without drawing its weights. The recipe is
 * withdrawn as soon as one value differs from it (a copy with other arrays, an edit in place), so
 * the hash changes whenever the weights do; the same weights hash the same whether or not they
 * have been drawn yet.
 *
 * @example Other weights, another hash
 * ```ts
 * import { assertMatch, assertNotEquals } from "@std/assert";
 * import { networkHash } from "./masks.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const a = await networkHash(buildZoo("vgg16-cifar10", { width: 0.125, seed: 1 }));
 * const b = await networkHash(buildZoo("vgg16-cifar10", { width: 0.125, seed: 2 }));
 * assertNotEquals(a, b);
 * assertMatch(a, /^[0-9a-f]{64}$/);
 * ```
 */
export async function networkHash(net: Network): Promise<string> {
  const parts: Uint8Array[] = [];
  const text = new TextEncoder();
  parts.push(text.encode(JSON.stringify(net.input)));
  for (const n of net.nodes) {
    const { op, name, inputs, output } = n;
    const geometry = n.op === "Conv"
      ? [n.ci, n.co, n.k, n.stride, ...n.pads]
      : n.op === "Gemm"
      ? [n.in, n.out]
      : n.op === "MaxPool" || n.op === "AveragePool"
      ? [n.k, n.stride, ...n.pads]
      : [];
    parts.push(text.encode(JSON.stringify({ op, name, inputs, output, geometry })));
    const recipe = n.op === "Conv" ? uneditedRecipeOf(n) : undefined;
    if (recipe) {
      const { state, ci, co, k } = recipe;
      parts.push(text.encode(JSON.stringify({ synthetic: ZOO_WEIGHTS_VERSION, state, ci, co, k })));
    }
    const arrays = n.op === "Conv" || n.op === "Gemm"
      ? [recipe ? null : n.weight, n.bias]
      : n.op === "BatchNormalization"
      ? [n.scale, n.bias, n.mean, n.variance]
      : [];
    for (const a of arrays) if (a) parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return await sha256Hex(parts);
}

/**
 * SHA-256 (64 lowercase hex digits) of byte strings taken in order, as one message.
 *
 * @example The parts are hashed as one message
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sha256Hex } from "./masks.ts";
 *
 * const ab = await sha256Hex([Uint8Array.from([1]), Uint8Array.from([2])]);
 * assertEquals(ab, await sha256Hex([Uint8Array.from([1, 2])]));
 * assertEquals(
 *   await sha256Hex([]),
 *   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 * );
 * ```
 */
export async function sha256Hex(parts: readonly Uint8Array[]): Promise<string> {
  const total = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    total.set(p, off);
    off += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", total));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Per-layer 0/1 masks by layer (node) name: one entry per weight in the node's weight layout,
 * 0 = pruned. A layer without an entry is dense.
 */
export type MaskSet = ReadonlyMap<string, Uint8Array>;

function packBits(m: Uint8Array): string {
  const bytes = new Uint8Array(Math.ceil(m.length / 8));
  for (let i = 0; i < m.length; i++) if (m[i]) bytes[i >> 3] |= 1 << (i & 7);
  return encodeBase64(bytes);
}

/** The n bits of a base64 bit set, or null if it does not hold exactly n (unused bits 0). */
function unpackBits(b64: string, n: number): Uint8Array | null {
  if (b64.length !== 4 * Math.ceil(Math.ceil(n / 8) / 3)) return null;
  const bytes = decodeBase64(b64) as Uint8Array;
  if (bytes.length !== Math.ceil(n / 8)) return null;
  if (n % 8 !== 0 && bytes[bytes.length - 1] >> (n % 8) !== 0) return null;
  return Uint8Array.from({ length: n }, (_, i) => (bytes[i >> 3] >> (i & 7)) & 1);
}

/**
 * The JSON text (one line and a newline) of a mask file for `net`: format, model name and hash,
 * and per linear layer its weight count, kept count and bit set (layers without a mask are written
 * dense, so the file covers the model); `extra` fields (e.g. permutations or a manifest) are added
 * at the top level.
 *
 * @example Write and read back
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { maskFileText, readMaskFile } from "./masks.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const mask = Uint8Array.from({ length: 640 }, (_, i) => i % 2);
 * const text = await maskFileText(net, new Map([["classifier", mask]]));
 * assertEquals(JSON.parse(text).layers.classifier.kept, 320);
 * assertEquals((await readMaskFile(text, "m.json", net)).get("classifier"), mask);
 * ```
 */
export async function maskFileText(
  net: Network,
  masks: MaskSet,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const layers: Record<string, { weights: number; kept: number; bits: string }> = {};
  const put = (name: string, m: Uint8Array) => {
    layers[name] = { weights: m.length, kept: m.reduce((a, b) => a + b, 0), bits: packBits(m) };
  };
  for (const [name, m] of masks) put(name, m);
  for (const [name, n] of linearWeights(net)) {
    if (!masks.has(name)) put(name, new Uint8Array(n).fill(1));
  }
  return JSON.stringify({
    format: MASK_FORMAT,
    model: net.name,
    model_hash: await networkHash(net),
    layers,
    ...extra,
  }) + "\n";
}

/** Weight count of every linear (Conv, Gemm) layer of `net`, by name, in model order. */
function linearWeights(net: Network): Map<string, number> {
  const weights = new Map<string, number>();
  for (const n of net.nodes) {
    // A zoo conv's count from its recipe: reading `weight` would draw every weight of the model.
    const recipe = n.op === "Conv" ? syntheticConvOf(n) : undefined;
    if (recipe) weights.set(n.name, recipe.co * recipe.ci * recipe.k * recipe.k);
    else if (n.op === "Conv" || n.op === "Gemm") weights.set(n.name, n.weight.length);
  }
  return weights;
}

/** What a refusal of a mask file tells the user to do. */
const MASK_FIX = "regenerate it with deno task prune";

/**
 * Parse a mask file's text and check it against `net`: format, schema, model hash, layer names and
 * sizes. Returns the masks by layer name; any mismatch is one `UserError` line naming `source`.
 *
 * @example A corrupt file is one clear error
 * ```ts
 * import { readMaskFile } from "./masks.ts";
 * import { buildZoo } from "./zoo.ts";
 * import { assertRejects } from "@std/assert";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * await assertRejects(
 *   () => readMaskFile("{not json", "bad.json", net),
 *   Error,
 *   "Mask file bad.json is not valid JSON",
 * );
 * ```
 */
export async function readMaskFile(
  text: string,
  source: string,
  net: Network,
): Promise<Map<string, Uint8Array>> {
  const what = `Mask file ${source}`;
  const raw = parseJsonText(text, what, MASK_FIX);
  return await checkMaskFile(checkMaskFormat(maskFileSchema, raw, source), source, net);
}

/**
 * Check a parsed mask (or prune) file's format tag, then its schema: one `UserError` line naming
 * `source` and the field. Returns the document, typed by `schema`.
 *
 * @example Another file's format is named
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkMaskFormat, maskFileSchema } from "./masks.ts";
 *
 * assertThrows(() => checkMaskFormat(maskFileSchema, { format: "x" }, "m.json"), Error, 'has format "x"');
 * assertThrows(() => checkMaskFormat(maskFileSchema, null, "m.json"), Error, "expected an object, got null");
 * ```
 */
export function checkMaskFormat<T>(schema: JsonSchema<T>, raw: unknown, source: string): T {
  const what = `Mask file ${source}`;
  checkFormat(raw, MASK_FORMAT, what, MASK_FIX);
  return checkJson(schema, raw, what, MASK_FIX);
}

/**
 * The masks of a mask file that passed its schema, checked against `net`: the model hash, exactly
 * the model's linear layers (none missing, none extra), each layer's weight count, bit set and
 * kept count. One `UserError` line naming `source` and the layer for any mismatch.
 *
 * @example A file that leaves out a layer is refused
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { checkMaskFile, maskFileText } from "./masks.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const doc = JSON.parse(await maskFileText(net, new Map()));
 * delete doc.layers["features.0"];
 * await assertRejects(() => checkMaskFile(doc, "m.json", net), Error, 'no entry for layer "features.0"');
 * ```
 */
export async function checkMaskFile(
  doc: MaskFile,
  source: string,
  net: Network,
): Promise<Map<string, Uint8Array>> {
  const what = `Mask file ${source}`;
  const hash = await networkHash(net);
  if (doc.model_hash !== hash) {
    throw new UserError(
      `${what} was made for model ${JSON.stringify(doc.model)} (hash ${
        doc.model_hash.slice(0, 12)
      }…), ` +
        `not for ${net.name} (hash ${hash.slice(0, 12)}…): prune this model again`,
    );
  }
  const weights = linearWeights(net);
  const out = new Map<string, Uint8Array>();
  for (const [name, entry] of Object.entries(doc.layers)) {
    const n = weights.get(name);
    if (n === undefined) {
      throw new UserError(
        `${what} names layer ${JSON.stringify(name)}, which ${net.name} does not have: ${MASK_FIX}`,
      );
    }
    const at = `${what}: layer ${name}`;
    if (entry.weights !== n) {
      throw new UserError(
        `${at} has ${entry.weights} weights in the file, ${n} in the model: prune this model again`,
      );
    }
    const m = unpackBits(entry.bits, n);
    if (!m) {
      throw new UserError(
        `${at} has a corrupt bit set (not ${Math.ceil(n / 8)} bytes of ${n} bits): ${MASK_FIX}`,
      );
    }
    const kept = m.reduce((a, b) => a + b, 0);
    if (entry.kept !== kept) {
      throw new UserError(
        `${at} says it keeps ${entry.kept} weights but its bit set keeps ${kept}: the file was ` +
          `edited; ${MASK_FIX}`,
      );
    }
    out.set(name, m);
  }
  const missing = [...weights.keys()].filter((name) => !out.has(name));
  if (missing.length > 0) {
    throw new UserError(
      `${what} has no entry for layer ${JSON.stringify(missing[0])}${
        missing.length > 1 ? ` (nor ${missing.length - 1} more)` : ""
      } of ${net.name}: a mask file covers every linear layer; ${MASK_FIX}`,
    );
  }
  return out;
}

/**
 * A copy of the network with masked weights zeroed (masks in the network's own channel order;
 * layers without a mask, and biases, unchanged). A mask of the wrong length is a `UserError`.
 *
 * @example Pruning the whole classifier
 * ```ts
 * import { assert } from "@std/assert";
 * import { maskNetwork } from "./masks.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const m = maskNetwork(net, new Map([["classifier", new Uint8Array(640)]]));
 * const fc = m.nodes.find((n) => n.name === "classifier")!;
 * assert(fc.op === "Gemm" && fc.weight.every((v) => v === 0));
 * ```
 */
export function maskNetwork(net: Network, masks: ReadonlyMap<string, Uint8Array>): Network {
  return {
    ...net,
    nodes: net.nodes.map((n) => {
      const m = masks.get(n.name);
      if (!m || (n.op !== "Conv" && n.op !== "Gemm")) return n;
      if (m.length !== n.weight.length) {
        throw new UserError(
          `Mask for ${n.name} has ${m.length} entries but the layer has ${n.weight.length} weights: prune this model again`,
        );
      }
      return { ...n, weight: n.weight.map((v, j) => (m[j] ? v : 0)) };
    }),
  };
}
