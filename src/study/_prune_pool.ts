/**
 * The study's pruning jobs side by side: each (model, framework, method, budget, seed) job runs on
 * the next free of `workers` Workers (`_prune_worker.ts`), or on the main thread with one worker.
 * Either way every job is the same deterministic `pruneForStudy` call on the same network, so the
 * results are bit for bit those of the serial path, returned in the jobs' order.
 *
 * @module
 */
import { type ErrorData, errorFromData, UserError } from "../base/mod.ts";
import type { PruneResult } from "../prune/mod.ts";
import type { StudyPruning } from "./results.ts";
import { preloadStudyModels, studyModel, studyPrune } from "./study.ts";

/** One pruning job of a study, in data a Worker can rebuild the network from. */
export interface PruneJob {
  /** The study's model name (a zoo model or a shipped trained one). */
  readonly model: string;
  /** Channel width of a zoo model. */
  readonly width: number;
  /** Seed of a zoo model's synthetic weights (the study's seed). */
  readonly modelSeed: number;
  /** The framework pruned for. */
  readonly framework: string;
  /** Hunter or MOSAIC. */
  readonly method: "hunter" | "mosaic";
  /** The global weight-sparsity budget. */
  readonly budget: number;
  /** Seed of the pruning (MOSAIC's assembly). */
  readonly seed: number;
  /** How both methods rank and what they may prune. */
  readonly pruning?: StudyPruning;
}

/** What a pruning Worker posts: a progress line of its job, the job's result, or its error. */
export type PruneReply =
  | { readonly kind: "progress"; readonly line: string }
  | { readonly kind: "done"; readonly result: PruneResult }
  | { readonly kind: "error"; readonly error: ErrorData };

/** What a pool reports while it runs. */
export interface PrunePoolEvents {
  /** Job `index` starts. */
  readonly start?: (job: PruneJob, index: number) => void;
  /** A line of job `index`'s progress (MOSAIC's assembly: `isAssemblyLine`). */
  readonly line?: (job: PruneJob, index: number, line: string) => void;
}

/** The most Workers a pool starts. */
export const MAX_PRUNE_WORKERS = 64;

/**
 * Is this a progress line of MOSAIC's assembly (the long silent step, with an ETA)? Only these
 * are passed on: the per-layer structure lines would drown the study's own progress.
 */
export function isAssemblyLine(line: string): boolean {
  return line.startsWith("mosaic: assembly");
}

/** The network of a job, built (or loaded) the same way on every thread. */
export async function jobNetwork(job: PruneJob) {
  await preloadStudyModels([job.model]);
  return studyModel(job.model, job.width, job.modelSeed);
}

/**
 * Run every job and return the results in the jobs' order: on the main thread (through
 * `studyPrune`'s cache) when `workers` is 1 or there is one job, else on `min(workers, jobs)`
 * Workers (MOSAIC's jobs, the longer ones, handed out first). A job's error is rethrown as it
 * would be on the main thread (a `UserError` stays one); every Worker is terminated, on success
 * or failure.
 *
 * @example Two Workers give the main thread's results
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { pruneJobs, type PruneJob } from "./_prune_pool.ts";
 *
 * const job = { model: "vgg16-cifar10", width: 0.125, modelSeed: 1, framework: "gazelle", budget: 0.5, seed: 1 } as const;
 * const jobs: PruneJob[] = [{ ...job, method: "hunter" }, { ...job, method: "mosaic" }];
 * const [serial, pooled] = [await pruneJobs(jobs, 1), await pruneJobs(jobs, 2)];
 * assertEquals(pooled.map((r) => r.masks), serial.map((r) => r.masks));
 * assertEquals(pooled.map((r) => r.permutations), serial.map((r) => r.permutations));
 * ```
 */
export async function pruneJobs(
  jobs: readonly PruneJob[],
  workers: number,
  events: PrunePoolEvents = {},
): Promise<PruneResult[]> {
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_PRUNE_WORKERS) {
    throw new UserError(`jobs: ${workers} must be a whole number from 1 to ${MAX_PRUNE_WORKERS}`);
  }
  const n = Math.min(workers, jobs.length);
  if (n <= 1) {
    const out: PruneResult[] = [];
    for (const [index, job] of jobs.entries()) {
      events.start?.(job, index);
      const net = await jobNetwork(job);
      const say = (line: string) => {
        if (isAssemblyLine(line)) events.line?.(job, index, line);
      };
      out.push(
        studyPrune(net, job.framework, job.method, job.budget, job.seed, say, job.pruning),
      );
    }
    return out;
  }
  const pool = Array.from(
    { length: n },
    () => new Worker(new URL("./_prune_worker.ts", import.meta.url), { type: "module" }),
  );
  try {
    return await runOnWorkers(jobs, pool, events);
  } finally {
    for (const w of pool) w.terminate();
  }
}

/** The results of `jobs` run on `pool`; the first error rejects (the caller terminates). */
async function runOnWorkers(
  jobs: readonly PruneJob[],
  pool: readonly Worker[],
  events: PrunePoolEvents,
): Promise<PruneResult[]> {
  // MOSAIC's assembly makes its jobs the long ones: they go first, so no long job starts last.
  const queue = jobs.map((_, i) => i).sort((a, b) =>
    Number(jobs[a].method === "hunter") - Number(jobs[b].method === "hunter") || a - b
  );
  const out = new Array<PruneResult>(jobs.length);
  await Promise.all(pool.map((worker) =>
    new Promise<void>((resolve, reject) => {
      let index = -1;
      const next = () => {
        const i = queue.shift();
        if (i === undefined) return resolve();
        index = i;
        events.start?.(jobs[i], i);
        worker.postMessage(jobs[i]);
      };
      worker.onmessage = (ev: MessageEvent<PruneReply>) => {
        const reply = ev.data;
        if (reply.kind === "progress") return events.line?.(jobs[index], index, reply.line);
        if (reply.kind === "error") return reject(errorFromData(reply.error, "pruning worker"));
        out[index] = reply.result;
        next();
      };
      worker.onmessageerror = () => reject(new Error("pruning worker sent an unreadable reply"));
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`pruning worker failed: ${e.message}`));
      };
      next();
    })
  ));
  return out;
}
