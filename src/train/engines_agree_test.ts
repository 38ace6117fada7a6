import { assert, assertEquals } from "@std/assert";
import { buildZoo, fitToNetwork, linearNodes, loadFashionMnist } from "../nn/mod.ts";
import { SeededRng } from "../base/mod.ts";
import { compileSchedule } from "./schedule.ts";
import { findTorch, TorchEngine } from "./torch.ts";
import { TfjsEngine } from "./tfjs/_engine.ts";
import { initForTraining } from "./init.ts";
import { prunedNonZero } from "./finetune.ts";

const torch = await findTorch();
if (!torch) {
  console.log("SKIPPED engines-agree test: no Python with torch (apt-get install python3-torch)");
}

/** Stated tolerance: per-step losses agree within this relative difference over 8 steps (measured: 3e-6). */
const LOSS_TOLERANCE = 1e-4;

Deno.test({
  name: "tfjs and torch run the same schedule from the same weights to the same losses",
  ignore: !torch,
  async fn() {
    const net = initForTraining(buildZoo("resnet18-fashionmnist", { width: 0.0625 }), 4);
    const data = fitToNetwork(await loadFashionMnist("train", { limit: 128 }), net);
    const schedule = compileSchedule({
      epochs: 1,
      batchSize: 16,
      lr: 0.02,
      lrSchedule: "cosine",
      momentum: 0.9,
      weightDecay: 5e-4,
      augment: { flip: true, shift: 2 },
      seed: 7,
    }, data.n);
    const rng = new SeededRng(3);
    const masks = new Map(
      linearNodes(net).map((n) => [
        n.name,
        Uint8Array.from({ length: n.weight.length }, () => (rng.next() < 0.5 ? 0 : 1)),
      ]),
    );
    const job = {
      net,
      data,
      schedule,
      optimizer: { momentum: 0.9, weightDecay: 5e-4 },
      masks,
    };
    const tf = new TfjsEngine({ workers: 1 });
    const th = new TorchEngine(torch!, { threads: 1 });
    try {
      const [a, b] = [await tf.train(job), await th.train(job)];
      assertEquals(a.losses.length, schedule.steps);
      assertEquals(b.losses.length, schedule.steps);
      let worst = 0;
      for (let i = 0; i < schedule.steps; i++) {
        worst = Math.max(worst, Math.abs(a.losses[i] - b.losses[i]) / Math.abs(b.losses[i]));
      }
      console.log(
        `losses tfjs ${[...a.losses].map((x) => x.toFixed(4))}, torch ${
          [...b.losses].map((x) => x.toFixed(4))
        }; worst relative difference ${worst.toExponential(2)}`,
      );
      assert(worst <= LOSS_TOLERANCE, `worst relative loss difference ${worst}`);
      assertEquals(prunedNonZero(a.net, masks), 0);
      assertEquals(prunedNonZero(b.net, masks), 0);
    } finally {
      await tf.close();
      await th.close();
    }
  },
});
