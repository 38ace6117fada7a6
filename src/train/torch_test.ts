import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import {
  buildZoo,
  fitToNetwork,
  forward,
  imageFloats,
  linearNodes,
  loadFashionMnist,
  maskNetwork,
} from "../nn/mod.ts";
import { SeededRng } from "../base/mod.ts";
import { compileSchedule, type Recipe } from "./schedule.ts";
import { findTorch, TorchEngine } from "./torch.ts";
import { finetune, prunedNonZero } from "./finetune.ts";
import { initForTraining } from "./init.ts";

const torch = await findTorch();
const ignore = torch === undefined;
if (ignore) {
  console.log("SKIPPED torch engine tests: no Python with torch (apt-get install python3-torch)");
}

const RECIPE: Recipe = {
  epochs: 1,
  batchSize: 16,
  lr: 0.05,
  lrSchedule: "constant",
  momentum: 0.9,
  weightDecay: 5e-4,
  augment: { flip: true, shift: 2 },
  seed: 3,
};

async function tinySetup() {
  const net = initForTraining(buildZoo("vgg16-fashionmnist", { width: 0.0625 }), 2);
  const train = fitToNetwork(await loadFashionMnist("train", { limit: 96 }), net);
  const test = fitToNetwork(await loadFashionMnist("test", { limit: 64 }), net);
  return { net, train, test };
}

Deno.test({
  name: "torch engine: training lowers the loss, is deterministic, and evaluate agrees with the IR",
  ignore,
  async fn() {
    const engine = new TorchEngine(torch!, { threads: 1 });
    const { net, train, test } = await tinySetup();
    const schedule = compileSchedule({ ...RECIPE, epochs: 4 }, train.n);
    const job = { net, data: train, schedule, optimizer: { momentum: 0.9, weightDecay: 5e-4 } };
    const a = await engine.train(job), b = await engine.train(job);
    assertEquals(a.losses.length, schedule.steps);
    assertEquals([...a.losses], [...b.losses], "same job, same losses");
    const first = a.losses.slice(0, 6).reduce((s, x) => s + x, 0);
    const last = a.losses.slice(-6).reduce((s, x) => s + x, 0);
    assert(last < first, `loss ${first / 6} → ${last / 6}`);
    const ev = await engine.evaluate(a.net, test);
    for (let i = 0; i < 16; i++) {
      const y = forward(a.net, imageFloats(test, i));
      let best = 0;
      for (let j = 1; j < y.length; j++) if (y[j] > y[best]) best = j;
      assertEquals(ev.predictions[i], best, `image ${i}`);
    }
    const hits = [...ev.predictions].filter((p, i) => p === test.labels[i]).length;
    assertAlmostEquals(ev.accuracy, hits / test.n, 1e-6);
    await engine.close();
  },
});

Deno.test({
  name: "torch engine: masked fine-tune leaves not one pruned weight non-zero",
  ignore,
  async fn() {
    const engine = new TorchEngine(torch!, { threads: 1 });
    const { net, train, test } = await tinySetup();
    const rng = new SeededRng(9);
    const masks = new Map(
      linearNodes(net).map((n) => [
        n.name,
        Uint8Array.from({ length: n.weight.length }, () => (rng.next() < 0.6 ? 0 : 1)),
      ]),
    );
    assert(prunedNonZero(net, masks) > 0, "the start has non-zero pruned weights");
    assertEquals(prunedNonZero(maskNetwork(net, masks), masks), 0);
    const r = await finetune({ engine, net, masks, train, test, recipe: RECIPE });
    assertEquals(prunedNonZero(r.net, masks), 0);
    // And the kept weights did move.
    const before = linearNodes(net)[2].weight, after = linearNodes(r.net)[2].weight;
    const mask = masks.get(linearNodes(net)[2].name)!;
    assert(before.some((w, j) => mask[j] === 1 && w !== after[j]), "kept weights were trained");
    assert(r.oneShot >= 0 && r.oneShot <= 1 && r.tuned >= 0 && r.tuned <= 1);
    await engine.close();
  },
});

Deno.test({
  name: "torch engine: a failing job is one line naming the problem",
  ignore,
  async fn() {
    const engine = new TorchEngine(torch!, { threads: 1 });
    const { net, train } = await tinySetup();
    const bad = { ...train, c: 3 };
    let msg = "";
    try {
      await engine.train({
        net,
        data: bad,
        schedule: compileSchedule(RECIPE, train.n),
        optimizer: { momentum: 0.9, weightDecay: 0 },
      });
    } catch (e) {
      msg = (e as Error).message;
    }
    assert(/takes 1×32×32/.test(msg), msg);
    await engine.close();
  },
});
