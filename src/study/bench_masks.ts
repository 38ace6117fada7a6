/**
 * The masks a study hands its bench subprocesses: the study writes the Hunter and MOSAIC results
 * it costed at the default budget as prune files in a temporary folder, named in
 * `MOSAIC_BENCH_MASKS`, and the per-model bench loads them instead of pruning again, so the
 * deployed networks it times are the ones the study's rows count, bit for bit.
 *
 * @module
 */
import { UserError } from "../base/mod.ts";
import type { Network } from "../nn/mod.ts";
import { deployedNetwork, type PruneResult } from "../prune/mod.ts";
import { pruneFileText, readPruneFile } from "./prune_file.ts";

/** The environment variable naming the folder of a study's masks for `deno bench`. */
export const BENCH_MASKS_ENV = "MOSAIC_BENCH_MASKS";

/** The pruned results of one framework that a model's bench times. */
export interface BenchMasks {
  /** The framework the results were pruned for. */
  readonly framework: string;
  /** Hunter's result. */
  readonly hunter: PruneResult;
  /** MOSAIC's result. */
  readonly mosaic: PruneResult;
}

/** The pruned methods a bench times, in the order it registers them. */
const METHODS = ["hunter", "mosaic"] as const;

/** The file of a framework's method in a masks folder. */
function maskFile(dir: string, framework: string, method: string): string {
  return `${dir}/${framework}-${method}.json`;
}

/**
 * Write the prune files of `masks` (for `net`) into a new temporary folder, run `use` with the
 * folder's path, and remove the folder afterwards, whether `use` succeeds or fails.
 *
 * @example The folder holds a file per framework and method while `use` runs, and is gone after
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { withBenchMasks } from "./bench_masks.ts";
 * import { studyModel, studyPrune } from "./study.ts";
 *
 * const net = studyModel("vgg16-cifar10", 0.125, 1);
 * const hunter = studyPrune(net, "gazelle", "hunter", 0.5, 1);
 * const mosaic = studyPrune(net, "gazelle", "mosaic", 0.5, 1);
 * const dir = await withBenchMasks(net, [{ framework: "gazelle", hunter, mosaic }], async (dir) => {
 *   const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
 *   assertEquals(names, ["gazelle-hunter.json", "gazelle-mosaic.json"]);
 *   return dir;
 * });
 * assert(!(await Deno.stat(dir).then(() => true, () => false)));
 * ```
 */
export async function withBenchMasks<T>(
  net: Network,
  masks: readonly BenchMasks[],
  use: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "mosaic-bench-masks-" });
  try {
    for (const m of masks) {
      for (const method of METHODS) {
        await Deno.writeTextFile(
          maskFile(dir, m.framework, method),
          await pruneFileText(net, m[method]),
        );
      }
    }
    return await use(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The unpruned, Hunter and MOSAIC networks of `net` under `framework` from the prune files a
 * study wrote into `dir` (`withBenchMasks`): the deployed networks (`deployedNetwork`) its rows
 * counted. A missing or unreadable file, masks of another model (or width), or a file pruned for
 * another framework is a `UserError` naming the file.
 *
 * @example A folder without the framework's files is refused in one line
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { readBenchVariants } from "./bench_masks.ts";
 * import { studyModel } from "./study.ts";
 *
 * const net = studyModel("vgg16-cifar10", 0.125, 1);
 * await assertRejects(
 *   () => readBenchVariants("/nonexistent", net, "gazelle"),
 *   Error,
 *   "MOSAIC_BENCH_MASKS: /nonexistent/gazelle-hunter.json cannot be read",
 * );
 * ```
 */
export async function readBenchVariants(
  dir: string,
  net: Network,
  framework: string,
): Promise<{ unpruned: Network; hunter: Network; mosaic: Network }> {
  const deployed: Network[] = [];
  for (const method of METHODS) {
    const path = maskFile(dir, framework, method);
    const text = await Deno.readTextFile(path).catch((e: Error) => {
      const why = e instanceof Deno.errors.NotFound ? "missing" : e.message.split("\n")[0];
      throw new UserError(
        `${BENCH_MASKS_ENV}: ${path} cannot be read (${why}): ` +
          `name the folder the study wrote, or unset ${BENCH_MASKS_ENV} to prune in the bench`,
      );
    });
    const file = await readPruneFile(text, path, net);
    if (file.framework !== framework) {
      throw new UserError(
        `${BENCH_MASKS_ENV}: ${path} was pruned for ${file.framework ?? "no framework"}, ` +
          `not ${framework}: write it again from the study`,
      );
    }
    deployed.push(deployedNetwork(net, file));
  }
  return { unpruned: net, hunter: deployed[0], mosaic: deployed[1] };
}
