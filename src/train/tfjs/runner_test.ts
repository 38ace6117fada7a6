import { assert, assertEquals, assertRejects } from "@std/assert";
import * as tf from "@tensorflow/tfjs-core";
import {
  buildZoo,
  fitToNetwork,
  forward,
  imageFloats,
  loadFashionMnist,
  type Network,
  type Node,
} from "../../nn/mod.ts";
import { SeededRng, UserError } from "../../base/mod.ts";
import { SHIPPED } from "./_test_util.ts";
import type { TrainJob } from "../engine.ts";
import { compileSchedule } from "../schedule.ts";
import { loadTfjs } from "./_backend.ts";
import { tinyNet } from "./_test_util.ts";
import { evaluateInProcess, logitsInProcess, trainInProcess } from "./runner.ts";

async function fashion(net: Network, n: number) {
  return fitToNetwork(await loadFashionMnist("train", { dir: SHIPPED, limit: n }), net);
}

function job(
  net: Network,
  data: Awaited<ReturnType<typeof fashion>>,
  epochs: number,
  lr = 0.05,
): TrainJob {
  const schedule = compileSchedule({
    epochs,
    batchSize: 32,
    lr,
    lrSchedule: "constant",
    momentum: 0.9,
    weightDecay: 5e-4,
    augment: { flip: true, shift: 1 },
    seed: 3,
  }, data.n);
  return { net, data, schedule, optimizer: { momentum: 0.9, weightDecay: 5e-4 } };
}

const mean = (a: ArrayLike<number>, from: number, to: number) =>
  Array.from(a).slice(from, to).reduce((s, v) => s + v, 0) / (to - from);

Deno.test("a tiny network learns real Fashion-MNIST: the loss falls", async () => {
  const net = tinyNet();
  const data = await fashion(net, 320);
  const lines: string[] = [];
  const r = await trainInProcess({ ...job(net, data, 3, 0.1), progress: (l) => lines.push(l) });
  assertEquals(r.losses.length, 30);
  const first = mean(r.losses, 0, 5), last = mean(r.losses, 25, 30);
  assert(last < 0.85 * first, `loss ${first} → ${last}`);
  assert(lines.length >= 9 && lines.length <= 11, `${lines.length} progress lines`);
  assert(/step 30\/30 loss \d+\.\d{4} [\d.]+ samples\/s/.test(lines.at(-1)!), lines.at(-1));
  assert(r.samplesPerSecond > 0 && r.seconds > 0);
  // Every parameter and running statistic is new; the input network is untouched.
  const bn = r.net.nodes.find((n) => n.name === "bn1") as Extract<
    Node,
    { op: "BatchNormalization" }
  >;
  assert(bn.mean.some((v) => v !== 0) && bn.variance.some((v) => v !== 1));
  const before = net.nodes.find((n) => n.name === "bn1") as typeof bn;
  assert(before.mean.every((v) => v === 0));
});

Deno.test("masked training keeps every masked weight exactly 0 (ResNet-18 w/16)", async () => {
  const net = buildZoo("resnet18-fashionmnist", { width: 0.0625 });
  const data = await fashion(net, 64);
  const rng = new SeededRng(9);
  const masks = new Map<string, Uint8Array>();
  for (const n of net.nodes) {
    if (n.op === "Conv" || n.op === "Gemm") {
      masks.set(n.name, Uint8Array.from(n.weight, () => (rng.next() < 0.6 ? 0 : 1)));
    }
  }
  const r = await trainInProcess({ ...job(net, data, 1), masks });
  let pruned = 0, kept = 0;
  for (const n of r.net.nodes) {
    if (n.op !== "Conv" && n.op !== "Gemm") continue;
    const m = masks.get(n.name)!;
    n.weight.forEach((w, i) => {
      if (!m[i]) {
        assert(w === 0, `${n.name}[${i}] = ${w} is pruned`);
        pruned++;
      } else if (w !== 0) kept++;
    });
  }
  assert(pruned > 0 && kept > 0);
});

Deno.test("same job twice: identical losses and weights; no tensor survives", async () => {
  const net = tinyNet(2);
  const data = await fashion(net, 96);
  await loadTfjs();
  const before = tf.memory().numTensors;
  const a = await trainInProcess(job(net, data, 1));
  const mid = tf.memory().numTensors;
  const b = await trainInProcess(job(net, data, 1));
  assertEquals(tf.memory().numTensors, before, "tensors leaked by training");
  assertEquals(mid, before);
  assertEquals(a.losses, b.losses);
  const w = (r: typeof a) =>
    (r.net.nodes.find((n) => n.name === "conv2") as { weight: Float32Array }).weight;
  assertEquals(w(a), w(b));
});

Deno.test("distillation with α = 0 is plain training; with α > 0 it differs", async () => {
  const net = tinyNet(3);
  const data = await fashion(net, 64);
  const plain = await trainInProcess(job(net, data, 1));
  const teacher = tinyNet(4);
  const opt = (alpha: number) => ({
    momentum: 0.9,
    weightDecay: 5e-4,
    distill: { alpha, temperature: 4 },
  });
  const zero = await trainInProcess({ ...job(net, data, 1), teacher, optimizer: opt(0) });
  assertEquals(zero.losses, plain.losses);
  const half = await trainInProcess({ ...job(net, data, 1), teacher, optimizer: opt(0.5) });
  assert(half.losses[1] !== plain.losses[1]);
});

Deno.test("evaluate and logits agree with the IR forward pass on real images", async () => {
  const net = buildZoo("resnet18-fashionmnist", { width: 0.0625 });
  const data = await fashion(net, 40);
  const ev = await evaluateInProcess(net, data);
  const logits = await logitsInProcess(net, data, 0, 6);
  assertEquals(ev.predictions.length, 40);
  for (let i = 0; i < 6; i++) {
    const want = forward(net, imageFloats(data, i));
    const scale = Math.max(...want.map(Math.abs));
    want.forEach((v, k) => {
      const got = logits[i * 10 + k];
      assert(Math.abs(got - v) <= 1e-4 * scale, `image ${i} logit ${k}: ${got} vs ${v}`);
    });
    const top = want.indexOf(Math.max(...want));
    assertEquals(ev.predictions[i], top);
  }
  const correct = ev.predictions.filter((p, i) => p === data.labels[i]).length;
  assertEquals(ev.accuracy, correct / 40);
});

Deno.test("bad jobs are one UserError line", async () => {
  const net = tinyNet();
  const data = await fashion(net, 96);
  const raw = await loadFashionMnist("train", { dir: SHIPPED, limit: 32 });
  await assertRejects(() => trainInProcess(job(net, raw, 1)), UserError, "fitToNetwork");
  const masks = new Map([["nope", new Uint8Array(3)]]);
  await assertRejects(() => trainInProcess({ ...job(net, data, 1), masks }), UserError, "nope");
  const distill = { momentum: 0.9, weightDecay: 0, distill: { alpha: 0.5, temperature: 4 } };
  await assertRejects(
    () => trainInProcess({ ...job(net, data, 1), optimizer: distill }),
    UserError,
    "teacher",
  );
  const diverge = job(net, data, 1);
  const lrs = new Float32Array(diverge.schedule.lrs.length).fill(1e30);
  await assertRejects(
    () => trainInProcess({ ...diverge, schedule: { ...diverge.schedule, lrs } }),
    UserError,
    "diverged",
  );
});
