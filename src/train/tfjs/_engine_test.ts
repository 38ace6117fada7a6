import { assert, assertEquals, assertRejects } from "@std/assert";
import { fitToNetwork, loadFashionMnist } from "../../nn/mod.ts";
import { UserError } from "../../base/mod.ts";
import { SHIPPED } from "./_test_util.ts";
import { compileSchedule } from "../schedule.ts";
import type { TrainJob } from "../engine.ts";
import { TfjsEngine } from "./_engine.ts";
import { evaluateInProcess, trainInProcess } from "./runner.ts";
import { tinyNet } from "./_test_util.ts";

async function smallJob(seed: number): Promise<TrainJob> {
  const net = tinyNet(seed);
  const data = fitToNetwork(await loadFashionMnist("train", { dir: SHIPPED, limit: 64 }), net);
  const schedule = compileSchedule({
    epochs: 1,
    batchSize: 16,
    lr: 0.05,
    lrSchedule: "onecycle",
    momentum: 0.9,
    weightDecay: 5e-4,
    augment: { flip: true, shift: 2 },
    seed,
  }, data.n);
  return { net, data, schedule, optimizer: { momentum: 0.9, weightDecay: 5e-4 } };
}

Deno.test("concurrent jobs run in separate Workers and match the in-process runner", async () => {
  const engine = new TfjsEngine({ workers: 2 });
  try {
    const jobs = [await smallJob(1), await smallJob(2), await smallJob(3)];
    const lines: string[] = [];
    // Three jobs on two Workers: the third waits for a free one.
    const results = await Promise.all(
      jobs.map((j, i) => engine.train({ ...j, progress: (l) => lines.push(`${i}: ${l}`) })),
    );
    for (const [i, j] of jobs.entries()) {
      const local = await trainInProcess(j);
      assertEquals(results[i].losses, local.losses, `job ${i}`);
      const w = (n: typeof local.net) => (n.nodes[0] as { weight: Float32Array }).weight;
      assertEquals(w(results[i].net), w(local.net));
      assert(lines.some((l) => l.startsWith(`${i}: tiny: step 4/4`)), `job ${i} progress`);
    }
    const ev = await engine.evaluate(results[0].net, jobs[0].data);
    assertEquals(
      ev.predictions,
      (await evaluateInProcess(results[0].net, jobs[0].data)).predictions,
    );
  } finally {
    await engine.close();
  }
});

Deno.test("engine errors: checked before a Worker starts, UserErrors from Workers, closed", async () => {
  const engine = new TfjsEngine({ workers: 1 });
  const job = await smallJob(4);
  const raw = await loadFashionMnist("train", { dir: SHIPPED, limit: 8 });
  await assertRejects(() => engine.train({ ...job, data: raw }), UserError, "fitToNetwork");
  const lrs = new Float32Array(job.schedule.steps).fill(1e30);
  await assertRejects(
    () => engine.train({ ...job, schedule: { ...job.schedule, lrs } }),
    UserError,
    "diverged",
  );
  // A running job and one waiting for the only Worker both fail when the engine closes.
  const running = engine.train(job), waiting = engine.evaluate(job.net, job.data);
  const failures = Promise.all([
    assertRejects(() => running, Error, "closed during a job"),
    assertRejects(() => waiting, Error, "closed"),
  ]);
  await engine.close();
  await failures;
  await assertRejects(() => engine.evaluate(job.net, job.data), Error, "closed");
  assert(engine.description.startsWith("tfjs 4.22"));
});
