import { assert, assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import { UserError } from "../base/mod.ts";
import { NATIVE_SEAL_RATIOS } from "../cost/mod.ts";
import { type PruneJob, pruneJobs } from "./_prune_pool.ts";
import type { Results, StudySpec } from "./results.ts";
import { runStudy } from "./run.ts";

/** A results file as written, without what depends on the clock: the date, the assembly's ms. */
function timingFree(r: Results): unknown {
  const doc = JSON.parse(JSON.stringify(r));
  delete doc.manifest.created;
  for (const row of doc.prune) delete row.assembly?.ms;
  return doc;
}

Deno.test("a tiny study gives the same results.json with 1 and 2 jobs, bit for bit", async () => {
  const spec: StudySpec = {
    profile: "quick",
    width: 0.125,
    models: ["resnet18-cifar10"],
    frameworks: ["gazelle", "cryptflow2"],
    budgets: [0.3, 0.7],
    default_budget: 0.7,
    seed: 1,
  };
  const lines: string[][] = [[], []];
  const run = (jobs: number) =>
    runStudy(
      spec,
      null,
      false,
      NATIVE_SEAL_RATIOS,
      (l) => lines[jobs - 1].push(l),
      undefined,
      jobs,
    );
  const serial = await run(1);
  const pooled = await run(2);
  // 2 frameworks × 2 budgets × 2 methods, in the serial order; MOSAIC rows time their assembly.
  assertEquals(pooled.prune.length, 8);
  assert(serial.prune.some((r) => r.assembly !== undefined && r.assembly.ms > 0));
  assertEquals(JSON.stringify(timingFree(pooled)), JSON.stringify(timingFree(serial)));
  // Each job announced once either way, and the pool's assembly lines name their job.
  const starts = (l: string[]) => l.filter((x) => x.startsWith("[")).length;
  assertEquals([starts(lines[0]), starts(lines[1])], [8, 8]);
  assert(
    lines[1].some((l) => /^ {2}resnet18-cifar10@0\.125 \S+ mosaic .*: mosaic: assembly/.test(l)),
  );
});

Deno.test("pruning Workers load a shipped trained model and prune it as the main thread does", async () => {
  const job = {
    model: "vgg16-fashionmnist-trained",
    width: 0.25,
    modelSeed: 1,
    framework: "cryptflow2",
    budget: 0.5,
    seed: 2,
  } as const;
  const jobs: PruneJob[] = [{ ...job, method: "mosaic" }, { ...job, method: "hunter" }];
  const [serial, pooled] = [await pruneJobs(jobs, 1), await pruneJobs(jobs, 2)];
  assertEquals(pooled.map((r) => r.report.method), ["mosaic", "hunter"]);
  assertEquals(pooled.map((r) => r.masks), serial.map((r) => r.masks));
  assertEquals(pooled.map((r) => r.permutations), serial.map((r) => r.permutations));
  assertEquals(pooled[0].report.totals, serial[0].report.totals);
  assertNotEquals(pooled[0].masks, pooled[1].masks);
});

Deno.test("a job's UserError comes back from its Worker as a UserError; a bad count is refused", async () => {
  const job = { model: "vgg16-cifar10", width: 0.125, modelSeed: 1, budget: 0.5, seed: 1 } as const;
  const jobs: PruneJob[] = [
    { ...job, framework: "gazelle", method: "hunter" },
    { ...job, framework: "nope", method: "hunter" },
  ];
  await assertRejects(() => pruneJobs(jobs, 2), UserError, 'Unknown framework "nope"');
  await assertRejects(() => pruneJobs(jobs, 0), UserError, "jobs: 0 must be a whole number");
});
