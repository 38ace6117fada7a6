/**
 * Training speed of the tfjs engine: one SGD step (forward, backward, update; batch 64, seeded
 * random data) of VGG-16 and ResNet-18 at width 0.25 on Fashion-MNIST's 1×32×32 input, in this
 * isolate (single-threaded tfjs-wasm, as each engine Worker runs). samples/s = 64 / (time per
 * step); e.g. 440 ms per step is 145 samples/s.
 *
 * `deno bench --allow-read --allow-env bench/train_bench.ts`
 */
import { buildZoo } from "../src/nn/mod.ts";
import { prepareStep } from "../src/train/tfjs/mod.ts";

const BATCH = 64;

for (const model of ["vgg16-fashionmnist", "resnet18-fashionmnist"]) {
  const net = buildZoo(model, { width: 0.25 });
  const bench = await prepareStep(net, BATCH);
  Deno.bench({
    name: `tfjs/${model}@0.25/step (batch ${BATCH})`,
    group: "tfjs training step",
    n: 10,
    warmup: 2,
    fn: () => {
      bench.step();
    },
  });
}
