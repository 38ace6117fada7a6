/**
 * Prune files: a mask file (`mosaic-bench-masks/1`, masks in the model's own channel order) that
 * also carries the channel permutations, the options that made it, the manifest and the report.
 *
 * @module
 */
import { z } from "zod";
import {
  checkMaskFile,
  checkMaskFormat,
  type MaskFile,
  maskFileSchema,
  maskFileText,
  type Network,
} from "../nn/mod.ts";
import { type Manifest, manifestSchema } from "./manifest.ts";
import {
  checkPermutations,
  PRUNE_METHODS,
  type PruneMethod,
  type PruneResult,
} from "../prune/mod.ts";
import { FRAMEWORKS } from "../frameworks/mod.ts";
import { type JsonSchema, parseJsonText, type SameType } from "../base/mod.ts";

/** A prune file read back and checked against its model. */
export interface PruneFile {
  /** Layer name → mask (1 = kept), in the model's own channel order. */
  readonly masks: Map<string, Uint8Array>;
  /** Channel tie → permutation (MOSAIC); empty for a plain mask file or Hunter. */
  readonly permutations: Map<string, Int32Array>;
  /** Framework the masks were made for, if recorded. */
  readonly framework?: string;
  /**
   * The framework's plan method the masks were made for (GAZELLE `ir` or `or`, CrypTFlow2 `sci`,
   * Cheetah `coeff` or `ntt`), if recorded.
   */
  readonly convMethod?: string;
}

/** What a prune file adds to a mask file, as `pruneFileSchema` accepts it. */
export interface PruneFileJson extends MaskFile {
  /** MOSAIC's channel permutations by tie key: position p holds original channel perm[p]. */
  readonly permutations?: Readonly<Record<string, readonly number[]>>;
  /** The options that made the masks. */
  readonly prune?: {
    /** `none`, `hunter` or `mosaic`. */
    readonly method?: PruneMethod;
    /** The framework the masks were made for. */
    readonly framework?: (typeof FRAMEWORKS)[number];
    /** Plan method of the convolutions (`or`, `ir`, CrypTFlow2 `sci`; `-` without a conv). */
    readonly conv_method?: string;
    /** The preset's name. */
    readonly preset?: string;
    /** The preset's security level, in words. */
    readonly security?: string;
    /** The budget, in words. */
    readonly budget?: string;
    /** The weight norm of the ranking. */
    readonly norm?: string;
    /** Seed of MOSAIC's assembly. */
    readonly seed?: number;
  };
  /** The manifest of the run that pruned. */
  readonly manifest?: Manifest;
  /** The prune report (free-form). */
  readonly report?: Readonly<Record<string, unknown>>;
}

// Schemas from other files come as `JsonSchema`s, each a zod schema: composed as such.
const maskFileZod = maskFileSchema as z.ZodType<MaskFile>;
const manifestZod = manifestSchema as z.ZodType<Manifest>;

const pruneExtras = z.object({
  permutations: z.record(z.string(), z.array(z.number().int().nonnegative())).optional(),
  prune: z.object({
    method: z.enum(PRUNE_METHODS).optional(),
    framework: z.enum(FRAMEWORKS).optional(),
    conv_method: z.string().optional(),
    preset: z.string().optional(),
    security: z.string().optional(),
    budget: z.string().optional(),
    norm: z.string().optional(),
    seed: z.number().int().optional(),
  }).optional(),
  manifest: manifestZod.optional(),
  report: z.record(z.string(), z.unknown()).optional(),
});
const pruneFileObject = z.intersection(maskFileZod, pruneExtras);
const _pruneFile: SameType<z.infer<typeof pruneFileObject>, PruneFileJson> = true;

/**
 * The schema of a prune file: a mask file (`maskFileSchema`) with, optionally, MOSAIC's channel
 * permutations (tie key → position p holds original channel perm[p]), the options that made it,
 * the manifest and the prune report (free-form). `readPruneFile` checks the rest against the model:
 * every permutation one of its tie's channels, values in range, no channel twice.
 *
 * @example A permutation of strings is refused by the schema
 * ```ts
 * import { assert } from "@std/assert";
 * import { pruneFileSchema } from "./prune_file.ts";
 *
 * const doc = { format: "mosaic-bench-masks/1", model: "m", model_hash: "0".repeat(64), layers: {} };
 * assert(pruneFileSchema.safeParse({ ...doc, permutations: { x: [1, 0] } }).success);
 * assert(!pruneFileSchema.safeParse({ ...doc, permutations: { x: ["1", "0"] } }).success);
 * ```
 */
export const pruneFileSchema: JsonSchema<PruneFileJson> = pruneFileObject;

/**
 * The JSON text of a prune file: the result's masks and permutations, the options that made them,
 * the run's `manifest` if given, and the prune report.
 *
 * @example A MOSAIC result survives the round trip
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { pruneFileText, readPruneFile } from "./prune_file.ts";
 * import { prune } from "../prune/mod.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const r = prune(net, { method: "mosaic", framework: "gazelle", preset: getPreset("gazelle"), budget: { kind: "sparsity", ratio: 0.5 }, fidelitySamples: 0 });
 * const back = await readPruneFile(await pruneFileText(net, r), "m.json", net);
 * assertEquals(back.masks, r.masks);
 * assertEquals(back.permutations, r.permutations);
 * assertEquals(back.framework, "gazelle");
 * ```
 */
export async function pruneFileText(
  net: Network,
  result: PruneResult,
  manifest?: Manifest,
): Promise<string> {
  const r = result.report;
  return await maskFileText(net, result.masks, {
    permutations: Object.fromEntries(
      [...result.permutations].map(([k, p]) => [k, Array.from(p)]),
    ),
    prune: {
      method: r.method,
      framework: r.framework,
      conv_method: r.conv_method,
      preset: r.preset,
      security: r.security,
      budget: r.budget,
      norm: r.norm,
      seed: r.seed,
    },
    ...(manifest ? { manifest } : {}),
    report: r,
  });
}

/**
 * Read a prune file (or a plain mask file) and check masks and permutations against `net`;
 * `source` names the file in error messages.
 *
 * @example Something else than a mask file is refused, naming the file
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { readPruneFile } from "./prune_file.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * await assertRejects(() => readPruneFile("[]", "x.json", net), Error, "x.json");
 * ```
 */
export async function readPruneFile(
  text: string,
  source: string,
  net: Network,
): Promise<PruneFile> {
  const raw = parseJsonText(text, `Mask file ${source}`, "regenerate it with deno task prune");
  const doc = checkMaskFormat(pruneFileSchema, raw, source);
  const masks = await checkMaskFile(doc, source, net);
  const permutations = new Map<string, Int32Array>();
  if (doc.permutations !== undefined) {
    // Checked as read (plain numbers), before any conversion could wrap a value.
    checkPermutations(net, new Map(Object.entries(doc.permutations)), `Mask file ${source}`);
    for (const [k, v] of Object.entries(doc.permutations)) permutations.set(k, Int32Array.from(v));
  }
  const fw = doc.prune?.framework, cm = doc.prune?.conv_method;
  return {
    masks,
    permutations,
    ...(fw !== undefined ? { framework: fw } : {}),
    ...(cm !== undefined && cm !== "-" ? { convMethod: cm } : {}),
  };
}
