import { assert, assertEquals } from "@std/assert";
import { closeEnvs, executeProgram, getPreset, simulatePlan } from "../he/mod.ts";
import { planLayer } from "../frameworks/mod.ts";
import { tinyResidual } from "./fixtures.ts";
import { forward } from "./forward.ts";
import { inputCount, weightCount } from "./layers.ts";
import {
  foldBatchNorm,
  foldedWeights,
  linearLayerSpecs,
  quantizedLayers,
  quantizeLayer,
  quantizeSymmetric,
  roundHalfUp,
  toResidues,
} from "./quantize.ts";
import { randomSigned, SeededRng } from "../base/mod.ts";
import { referenceLayer } from "./reference.ts";
import { buildZoo } from "./zoo.ts";

Deno.test("foldBatchNorm() keeps the network's function", () => {
  for (const net of [tinyResidual(), buildZoo("resnet18-cifar10", { width: 0.125 })]) {
    const rng = new SeededRng(2);
    const x = Float32Array.from(
      { length: 3 * net.input.h * net.input.w },
      () => 2 * rng.next() - 1,
    );
    const a = forward(net, x), b = forward(foldBatchNorm(net), x);
    const scale = Math.max(1, ...a.map(Math.abs));
    assert(a.every((v, i) => Math.abs(v - b[i]) <= 1e-5 * scale));
    assert(!foldBatchNorm(net).nodes.some((n) => n.op === "BatchNormalization"));
  }
});

Deno.test("quantizeSymmetric() rounds to b-bit integers within half a step", () => {
  const rng = new SeededRng(3);
  const v = Float32Array.from({ length: 1000 }, () => rng.next() * 4 - 2);
  for (const bits of [4, 8, 12]) {
    const { q, scale } = quantizeSymmetric(v, bits);
    const top = 2 ** (bits - 1) - 1;
    assert(q.every((x) => Math.abs(x) <= top));
    assert(v.every((x, i) => Math.abs(x - q[i] * scale) <= scale / 2 + 1e-12));
  }
  assertEquals([...toResidues(Int32Array.from([-1, 5]), 557057)], [557056, 5]);
});

Deno.test("a zoo model's quantized layers run through HE exactly (integer reference, mod t)", async () => {
  const net = buildZoo("resnet18-cifar10", { width: 0.125 });
  const layers = quantizedLayers(net);
  assertEquals(layers.map((l) => l.kind).filter((k) => k === "conv").length, 20);
  assert(layers.every((l) => l.layer.weights.every((w) => Math.abs(w) <= 127)));
  const preset = getPreset("gazelle");
  const rng = new SeededRng(4);
  // Every layer simulated for both frameworks; two executed on node-seal.
  for (const { layer } of layers) {
    const x = toResidues(randomSigned(inputCount(layer.shape), 8, rng), preset.plainModulus);
    const ref = referenceLayer(layer, x, preset.plainModulus);
    const prog = planLayer(layer, { framework: "gazelle", preset });
    const y = simulatePlan(prog.parts[0], x).result;
    assert(y.every((v, i) => v === ref[i]), layer.name);
  }
  for (const name of ["layer2.0.conv1", "linear"]) {
    const { layer } = layers.find((l) => l.layer.name === name)!;
    for (const [fw, p] of [["gazelle", preset], ["cryptflow2", getPreset("cryptflow2")]] as const) {
      const x = toResidues(randomSigned(inputCount(layer.shape), 8, rng), p.plainModulus);
      const run = await executeProgram(planLayer(layer, { framework: fw, preset: p }), x);
      const ref = referenceLayer(layer, x, p.plainModulus);
      assert(run.result.every((v, i) => v === ref[i]), `${fw} ${name}`);
    }
  }
  closeEnvs();
});

Deno.test("zoo convs travel as weight recipes and quantize to exactly the materialized integers", () => {
  for (const model of ["vgg16-cifar10", "resnet50-tinyimagenet"]) {
    const lazy = linearLayerSpecs(buildZoo(model, { width: 0.125 }));
    const eager = buildZoo(model, { width: 0.125 });
    // Reading every weight withdraws the recipes: specs then carry the arrays themselves.
    for (const n of eager.nodes) if (n.op === "Conv") assert(n.weight.length > 0);
    const full = linearLayerSpecs(eager);
    assertEquals(lazy.length, full.length);
    lazy.forEach((spec, i) => {
      if (spec.kind === "conv") {
        assert(spec.synthetic && spec.weights.length === 0, spec.name);
        assert(!full[i].synthetic && full[i].weights.length > 0, spec.name);
      }
      assertEquals(
        [...quantizeLayer(spec).layer.weights],
        [...quantizeLayer(full[i]).layer.weights],
        `${model} ${spec.name}`,
      );
    });
  }
});

Deno.test("quantizeLayer() gives the integers of quantizing the folded weights, remembered per zoo conv", () => {
  const net = buildZoo("resnet18-tinyimagenet", { width: 0.125, seed: 5 });
  for (const bits of [8, 12, 8]) {
    for (const spec of linearLayerSpecs(net)) {
      const want = quantizeSymmetric(foldedWeights(spec), bits);
      const got = quantizeLayer(spec, bits);
      assertEquals([got.layer.weights, got.weightScale], [want.q, want.scale], spec.name);
      // A remembered layer comes back as a fresh array: editing it changes nothing later.
      got.layer.weights.fill(0);
      assertEquals(quantizeLayer(spec, bits).layer.weights, want.q, spec.name);
    }
  }
  // Another BatchNorm in front of the same recipe: its own integers, not the remembered ones.
  const [conv] = linearLayerSpecs(net);
  const doubled = { ...conv, rowScale: conv.rowScale!.map((a) => 2 * a) };
  assertEquals(
    quantizeLayer(doubled).layer.weights,
    quantizeSymmetric(foldedWeights(doubled), 8).q,
  );
  assertEquals(quantizeLayer(conv).layer.weights, quantizeSymmetric(foldedWeights(conv), 8).q);
});

Deno.test("quantizeLayer() into a buffer: the same integers, as a view of the buffer's front", () => {
  const specs = linearLayerSpecs(buildZoo("resnet18-tinyimagenet", { width: 0.125, seed: 6 }));
  const sizes = specs.map((s) => weightCount(s.shape));
  const into = new Int32Array(Math.max(...sizes) + 3);
  // Three rounds (a recipe is remembered from its second quantization on), the largest and the
  // smallest layers in turn: whatever the buffer held before never shows.
  for (let round = 0; round < 3; round++) {
    for (const spec of specs) {
      into.fill(99);
      const want = quantizeSymmetric(foldedWeights(spec), 8);
      const got = quantizeLayer(spec, 8, into);
      assertEquals(got.layer.weights.buffer, into.buffer, spec.name);
      assertEquals([got.layer.weights, got.weightScale], [want.q, want.scale], spec.name);
    }
  }
  // Too short a buffer: the integers go to a new array.
  const short = new Int32Array(1);
  const got = quantizeLayer(specs[0], 8, short);
  assert(got.layer.weights.buffer !== short.buffer && got.layer.weights.length === sizes[0]);
});

Deno.test("roundHalfUp() is Math.round at every half, next to it, and on random values", () => {
  const xs = [0.49999999999999994, -0.49999999999999994, 0, 1e-300, -1e-300, 2 ** 31 - 0.5];
  for (let n = -300; n <= 300; n++) {
    for (const h of [n + 0.5, n - 0.5]) {
      let below = h, above = h;
      for (let k = 0; k < 4; k++) {
        xs.push(below, above);
        below -= Math.max(Math.abs(below) * 2 ** -52, Number.MIN_VALUE);
        above += Math.max(Math.abs(above) * 2 ** -52, Number.MIN_VALUE);
      }
    }
  }
  const rng = new SeededRng(9);
  for (let i = 0; i < 100_000; i++) xs.push((rng.next() - 0.5) * 2 ** (rng.int(0, 32)));
  const bad = xs.filter((x) => roundHalfUp(x) !== Math.round(x) + 0);
  assertEquals(bad, []);
});
