/**
 * Weight masks on disk: compact JSON with one base64 bit set per layer, tied to the model it was
 * made for by a SHA-256 of the network's structure and weights. A file that does not match the
 * model, or is corrupt, gives one clear error.
 *
 * @module
 */
import { decodeBase64, encodeBase64 } from "@std/encoding/base64";
import { UserError } from "../base/mod.ts";
import type { Network } from "./network.ts";

/** Format tag of mask files (their `format` field). */
export const MASK_FORMAT = "mosaic-bench-masks/1";

/**
 * SHA-256 (64 lowercase hex digits) of a network's structure (input, every node's op, name,
 * tensors and geometry) and weights: what mask files and reports are tied to. The network's name
 * and `weights` label are not hashed.
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
    const arrays = n.op === "Conv" || n.op === "Gemm"
      ? [n.weight, n.bias]
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

function unpackBits(b64: string, n: number): Uint8Array {
  const bytes = decodeBase64(b64) as Uint8Array;
  if (bytes.length !== Math.ceil(n / 8)) throw new Error("bit set length");
  return Uint8Array.from({ length: n }, (_, i) => (bytes[i >> 3] >> (i & 7)) & 1);
}

/**
 * The JSON text (one line and a newline) of a mask file for `net`: format, model name and hash,
 * and per layer its weight count, kept count and bit set; `extra` fields (e.g. permutations or a
 * manifest) are added at the top level.
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
  for (const [name, m] of masks) {
    layers[name] = { weights: m.length, kept: m.reduce((a, b) => a + b, 0), bits: packBits(m) };
  }
  return JSON.stringify({
    format: MASK_FORMAT,
    model: net.name,
    model_hash: await networkHash(net),
    layers,
    ...extra,
  }) + "\n";
}

/**
 * Parse a mask file's text and check it against `net`: format, model hash, layer names and sizes.
 * Returns the masks by layer name; any mismatch is one `UserError` line naming `source`.
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
  let doc: { format?: unknown; model?: unknown; model_hash?: unknown; layers?: unknown };
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UserError(
      `Mask file ${source} is not valid JSON (${
        (e as Error).message
      }): regenerate it with deno task prune`,
    );
  }
  if (doc.format !== MASK_FORMAT) {
    throw new UserError(
      `Mask file ${source} has format ${JSON.stringify(doc.format)}, expected "${MASK_FORMAT}"`,
    );
  }
  const hash = await networkHash(net);
  if (doc.model_hash !== hash) {
    throw new UserError(
      `Mask file ${source} was made for model ${JSON.stringify(doc.model)} (hash ${
        String(doc.model_hash).slice(0, 12)
      }…), ` +
        `not for ${net.name} (hash ${hash.slice(0, 12)}…): prune this model again`,
    );
  }
  const weights = new Map<string, number>();
  for (const n of net.nodes) {
    if (n.op === "Conv" || n.op === "Gemm") weights.set(n.name, n.weight.length);
  }
  const out = new Map<string, Uint8Array>();
  for (
    const [name, entry] of Object.entries(
      (doc.layers ?? {}) as Record<string, { weights?: number; bits?: string }>,
    )
  ) {
    const n = weights.get(name);
    if (n === undefined) {
      throw new UserError(
        `Mask file ${source} names layer "${name}", which ${net.name} does not have`,
      );
    }
    if (entry.weights !== n || typeof entry.bits !== "string") {
      throw new UserError(
        `Mask file ${source}: layer ${name} has ${entry.weights} weights in the file, ${n} in the model`,
      );
    }
    try {
      out.set(name, unpackBits(entry.bits, n));
    } catch {
      throw new UserError(`Mask file ${source}: layer ${name} has a corrupt bit set`);
    }
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
