/**
 * Prune files: a mask file (`mosaic-bench-masks/1`, masks in the model's own channel order) that
 * also carries the channel permutations, the options that made it, the manifest and the report.
 *
 * @module
 */
import { maskFileText, type Network, readMaskFile } from "../nn/mod.ts";
import type { Manifest } from "./manifest.ts";
import { checkPermutations, type PruneResult } from "../prune/mod.ts";
import { UserError } from "../base/mod.ts";

/** A prune file read back and checked against its model. */
export interface PruneFile {
  /** Layer name → mask (1 = kept), in the model's own channel order. */
  readonly masks: Map<string, Uint8Array>;
  /** Channel tie → permutation (MOSAIC); empty for a plain mask file or Hunter. */
  readonly permutations: Map<string, Int32Array>;
  /** Framework the masks were made for, if recorded. */
  readonly framework?: string;
  /** GAZELLE conv method the masks were made for (`ir` input, `or` output rotation), if recorded. */
  readonly convMethod?: "ir" | "or";
}

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
  const masks = await readMaskFile(text, source, net);
  const doc = JSON.parse(text) as {
    permutations?: unknown;
    prune?: { framework?: unknown; conv_method?: unknown };
  };
  const permutations = new Map<string, Int32Array>();
  if (doc.permutations !== undefined) {
    if (typeof doc.permutations !== "object" || doc.permutations === null) {
      throw new UserError(`${source}: "permutations" must be an object of arrays`);
    }
    for (const [k, v] of Object.entries(doc.permutations)) {
      if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) {
        throw new UserError(`${source}: permutation "${k}" must be an array of integers`);
      }
      permutations.set(k, Int32Array.from(v));
    }
    checkPermutations(net, permutations, source);
  }
  const fw = doc.prune?.framework, cm = doc.prune?.conv_method;
  return {
    masks,
    permutations,
    ...(typeof fw === "string" ? { framework: fw } : {}),
    ...(cm === "ir" || cm === "or" ? { convMethod: cm } : {}),
  };
}
