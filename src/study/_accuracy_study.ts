/**
 * The study's accuracy loop: every pruned trained model (each method, framework, budget and seed)
 * is fine-tuned with its masks fixed, by one recipe, and its test accuracy is measured before and
 * after. Jobs run side by side, one per core (torch processes or tfjs Workers).
 *
 * @module
 */
import {
  convOutH,
  convOutW,
  fitToNetwork,
  type ImageSet,
  imageSetHash,
  linearLayerSpecs,
  loadFashionMnist,
  type Network,
  SHIPPED_FASHION_MNIST,
} from "../nn/mod.ts";
import { permuteMasks, permuteNetwork, type PruneResult } from "../prune/mod.ts";
import { type EngineName, finetune, openEngine } from "../train/mod.ts";
import type { AccuracyResults, AccuracySpec } from "./results.ts";
import { CoreSlots } from "./_core_slots.ts";

/** One fine-tune of the loop. */
export interface FinetuneTask {
  readonly label: string;
  /** The unpruned trained network. */
  readonly net: Network;
  readonly pruned: PruneResult;
  /** `maskHash` of the pruned masks and permutations (the hash results record). */
  readonly masksHash: string;
  readonly seed: number;
}

/** Where the loop's data comes from: the shipped files unless a folder is named. */
export interface AccuracyData {
  readonly dir?: string;
}

/**
 * Multiply-accumulates of one image through the network's linear layers: what a fine-tune's and
 * an evaluation's time follow, to start the longest jobs first.
 */
function forwardMacs(net: Network): number {
  let macs = 0;
  for (const { shape: s } of linearLayerSpecs(net)) {
    if (s.kind === "conv") macs += s.co * s.ci * s.k * s.k * convOutH(s) * convOutW(s);
    else if (s.kind === "fc") macs += s.in * s.out;
  }
  return macs;
}

/**
 * Run `items` through `work`, each holding one of `slots` (at most `slots.size` at a time, fewer
 * while other work holds slots), started in order; results in the items' order.
 */
async function pool<T, R>(
  items: readonly T[],
  slots: CoreSlots,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(slots.size, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await slots.run(() => work(items[i], i));
    }
  });
  await Promise.all(runners);
  return out;
}

/**
 * Fine-tune every task and measure accuracy; also the unpruned accuracy of every model. Returns
 * the (one-shot, fine-tuned) accuracy of each task, in order, and the loop's summary (without the
 * iso-accuracy table, which is computed from the rows). Each fine-tune holds one of `slots`
 * (default: one per core) while it runs; the engine is opened for `slots.size` jobs side by side,
 * one torch thread each, so neither the core count nor sharing slots with other work changes
 * what a fine-tune computes, only when it runs.
 */
export async function runAccuracyLoop(
  spec: AccuracySpec,
  engineName: EngineName,
  models: readonly Network[],
  tasks: readonly FinetuneTask[],
  data: AccuracyData = {},
  progress: (line: string) => void = () => {},
  slots: CoreSlots = new CoreSlots(Math.max(1, navigator.hardwareConcurrency || 1)),
): Promise<{
  perTask: { one_shot: number; finetuned: number }[];
  summary: Omit<AccuracyResults, "iso">;
}> {
  const t0 = performance.now();
  const dir = data.dir ?? SHIPPED_FASHION_MNIST.pathname.replace(/\/$/, "");
  const train = await loadFashionMnist("train", { dir });
  const test = await loadFashionMnist("test", { dir, limit: spec.test_limit ?? undefined });
  const jobs = slots.size;
  // One torch thread per job: the fine-tuned weights are then the same whatever the core count
  // or the number of jobs (torch's sums depend on its thread count).
  const engine = await openEngine(engineName, { jobs, threads: 1 });
  const fitted = new Map<string, { train: ImageSet; test: ImageSet }>();
  const fit = (net: Network) => {
    const key = `${net.input.c}×${net.input.h}×${net.input.w}`;
    let f = fitted.get(key);
    if (!f) fitted.set(key, f = { train: fitToNetwork(train, net), test: fitToNetwork(test, net) });
    return f;
  };
  try {
    progress(
      `accuracy loop: ${tasks.length} fine-tunes on ${train.n} images (${spec.recipe.epochs} epoch), ` +
        `test on ${test.n}, ${engine.description}, ${jobs} at a time`,
    );
    const unpruned = await pool(models, slots, async (net) => {
      const e = await engine.evaluate(net, fit(net).test);
      progress(`  ${net.name} unpruned: ${(100 * e.accuracy).toFixed(2)}%`);
      return { model: net.name, accuracy: e.accuracy };
    });
    // Pruning results that fine-tune the same network the same way (same masks, permutations
    // and seed; e.g. Hunter at two budgets its floors stop at the same masks) are fine-tuned once:
    // the engines are deterministic, so a second run would give the same numbers.
    const keys = tasks.map((t) => `${t.net.name} ${t.seed} ${t.masksHash}`);
    const firstOf = new Map<string, number>();
    keys.forEach((k, i) => firstOf.has(k) || firstOf.set(k, i));
    const unique = [...firstOf.values()];
    if (unique.length < tasks.length) {
      progress(
        `  ${tasks.length - unique.length} of ${tasks.length} fine-tunes repeat another's ` +
          `network, masks and seed: each is run once`,
      );
    }
    // Longest first (largest networks; the sort is stable): the jobs that end the loop are short,
    // so no core waits long for the last one. Each job's result is the same in any order.
    const macs = new Map<Network, number>();
    for (const i of unique) {
      if (!macs.has(tasks[i].net)) macs.set(tasks[i].net, forwardMacs(tasks[i].net));
    }
    const order = [...unique].sort((a, b) => macs.get(tasks[b].net)! - macs.get(tasks[a].net)!);
    let done = 0, samples = 0, seconds = 0;
    const ran = await pool(order.map((i) => tasks[i]), slots, async (task) => {
      const { net, pruned, seed } = task;
      const r = await finetune({
        engine,
        net: permuteNetwork(net, pruned.permutations),
        masks: permuteMasks(net, pruned.masks, pruned.permutations),
        ...fit(net),
        recipe: { ...spec.recipe, seed },
        ...(spec.distill ? { distill: spec.distill } : {}),
      });
      samples += r.run.samplesPerSecond * r.run.seconds;
      seconds += r.run.seconds;
      progress(
        `  [${++done}/${unique.length}] ${task.label}: ${
          (100 * r.oneShot).toFixed(2)
        }% one-shot → ` +
          `${(100 * r.tuned).toFixed(2)}% fine-tuned (${r.run.seconds.toFixed(0)} s, ` +
          `${((performance.now() - t0) / 1000).toFixed(0)} s in all)`,
      );
      return { one_shot: r.oneShot, finetuned: r.tuned };
    });
    const byKey = new Map(order.map((i, j) => [keys[i], ran[j]]));
    const perTask = keys.map((k) => byKey.get(k)!);
    return {
      perTask,
      summary: {
        dataset: "Fashion-MNIST",
        train_images: train.n,
        test_images: test.n,
        data_sha256: { train: await imageSetHash(train), test: await imageSetHash(test) },
        engine: engine.description,
        unpruned,
        samples_per_second: seconds > 0 ? samples / seconds : 0,
        seconds: (performance.now() - t0) / 1000,
      },
    };
  } finally {
    await engine.close();
  }
}
