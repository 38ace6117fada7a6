import { assert, assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../base/mod.ts";
import { accuracy, evaluateAccuracy, predictIr, predictOrt } from "./accuracy.ts";
import { loadDatasetFor } from "./datasets.ts";
import { loadFashionMnist } from "./images.ts";
import { buildZoo } from "./zoo.ts";
import { loadModel, TRAINED_MODELS } from "./load.ts";

Deno.test("batched onnxruntime-web and the IR forward pass agree on top-1 for 300 Fashion-MNIST images", async () => {
  // Seed 5's synthetic weights spread their predictions over several classes, so agreement is
  // not the trivial agreement of two constant classifiers.
  const net = buildZoo("vgg16-fashionmnist", { width: 0.125, seed: 5 });
  const set = await loadDatasetFor(net, { data: "fashion-mnist", limit: 300 });
  const ir = predictIr(net, set);
  // An odd batch size: the last batch is short, through the same session.
  const ort = await predictOrt(net, set, { batch: 64 });
  assertEquals([...ort], [...ir]);
  assert(new Set(ir).size >= 3, `predicted classes: ${[...new Set(ir)]}`);
  const r = await evaluateAccuracy(net, set, { batch: 128 });
  assertEquals([...r.predictions], [...ir]);
  assertEquals(r.correct, ir.filter((k, i) => k === set.labels[i]).length);
  assertEquals(r.accuracy, r.correct / 300);
  assert(r.samplesPerSecond > 0 && r.engine.startsWith("onnxruntime-web"), r.engine);
});

Deno.test("evaluateAccuracy() reports progress and refuses an unfitted set in one line", async () => {
  const net = buildZoo("resnet18-fashionmnist", { width: 0.125 });
  const set = await loadDatasetFor(net, { limit: 10 });
  const seen: number[] = [];
  const r = await evaluateAccuracy(net, set, { batch: 4, progress: (done) => seen.push(done) });
  assertEquals(seen, [4, 8, 10]);
  assertEquals(r.images, 10);
  const ir = await evaluateAccuracy(net, set, { engine: "ir" });
  assertEquals([...ir.predictions], [...r.predictions]);
  assertEquals(accuracy(net, set), ir.accuracy);
  const raw = await loadFashionMnist("test", { limit: 2 });
  const e = await assertRejects(
    () => evaluateAccuracy(net, raw),
    UserError,
    "takes 1×32×32 inputs",
  );
  assert(e.message.includes("fashion-mnist/test has 1×28×28") && !e.message.includes("\n"));
});

Deno.test("shipped trained models: onnxruntime-web and the IR forward pass give the same accuracy", async () => {
  for (const name of TRAINED_MODELS) {
    const net = await loadModel(name);
    assert(net.weights.startsWith("trained on Fashion-MNIST"), net.weights);
    const set = await loadDatasetFor(net, { data: "fashion-mnist", limit: 60 });
    const ir = predictIr(net, set);
    const ort = await predictOrt(net, set, { batch: 32 });
    assertEquals([...ort], [...ir], name);
    const hits = ir.filter((k, i) => k === set.labels[i]).length;
    // Trained to ≥ 92% on the whole split; the first 60 images are no exception.
    assert(hits / 60 > 0.85, `${name}: ${hits}/60`);
  }
});
