/// <reference lib="deno.worker" />
/**
 * Worker side of `pruneJobs`: prunes each job it is sent with `pruneForStudy` (no cache: a result
 * is posted once and dropped) and posts MOSAIC's assembly progress as it
 * goes. An error comes back as data (`errorData`), so no Worker stack trace is printed and the
 * parent rethrows a `UserError` as one.
 *
 * @module
 */
import { errorData } from "../base/mod.ts";
import { pruneForStudy } from "./study.ts";
import { isAssemblyLine, jobNetwork, type PruneJob, type PruneReply } from "./_prune_pool.ts";

function post(reply: PruneReply): void {
  self.postMessage(reply);
}

self.onmessage = async (ev: MessageEvent<PruneJob>) => {
  const job = ev.data;
  try {
    const net = await jobNetwork(job);
    const say = (line: string) => {
      if (isAssemblyLine(line)) post({ kind: "progress", line });
    };
    const result = pruneForStudy(
      net,
      job.framework,
      job.method,
      job.budget,
      job.seed,
      say,
      job.pruning,
    );
    post({ kind: "done", result });
  } catch (e) {
    post({ kind: "error", error: errorData(e) });
  }
};
