import { assert, assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../base/mod.ts";
import { tinyResidual } from "./fixtures.ts";
import { channelTies, inferShapes, linearNodes, type Network } from "./network.ts";
import { buildZoo, ZOO_MODELS } from "./zoo.ts";

Deno.test("zoo models have the documented shapes and stable layer names", () => {
  const expect: Record<string, [number, number, string[]]> = {
    "vgg16-cifar10": [14, 10, ["features.0", "features.3", "features.7", "classifier"]],
    "vgg16-tinyimagenet": [14, 200, ["features.40", "classifier"]],
    "resnet18-cifar10": [21, 10, ["conv1", "layer1.0.conv1", "layer2.0.shortcut.0", "linear"]],
    "resnet18-tinyimagenet": [21, 200, ["layer4.1.conv2", "linear"]],
    "resnet50-cifar10": [54, 10, [
      "layer1.0.conv3",
      "layer1.0.shortcut.0",
      "layer4.2.conv3",
      "linear",
    ]],
    "resnet50-tinyimagenet": [54, 200, ["layer3.5.conv2", "linear"]],
    "vgg16-fashionmnist": [14, 10, ["features.0", "classifier"]],
    "resnet18-fashionmnist": [21, 10, ["conv1", "layer2.0.shortcut.0", "linear"]],
    "resnet50-fashionmnist": [54, 10, ["conv1", "layer4.2.conv3", "linear"]],
  };
  for (const model of ZOO_MODELS) {
    const net = buildZoo(model, { width: 0.25 });
    const [linear, classes, names] = expect[model];
    const lin = linearNodes(net);
    assertEquals(lin.length, linear, model);
    assertEquals(inferShapes(net).get(net.output), [classes], model);
    for (const n of names) assert(lin.some((l) => l.name === n), `${model} has ${n}`);
    assert(net.weights.startsWith("SYNTHETIC"));
    assertEquals(net.input.c, model.endsWith("fashionmnist") ? 1 : 3, model);
  }
  // Tiny ImageNet VGG-16 leaves 2×2 maps: the classifier reads 2048 values at full width.
  const vgg = buildZoo("vgg16-tinyimagenet");
  const cls = linearNodes(vgg).at(-1)!;
  assertEquals(cls.op === "Gemm" && cls.in, 2048);
  // --width keeps shapes and scales channels.
  const quarter = linearNodes(buildZoo("vgg16-cifar10", { width: 0.25 }))[0];
  assertEquals(quarter.op === "Conv" && quarter.co, 16);
});

Deno.test("synthetic weights are seeded and heavy-tailed per kernel", () => {
  const a = buildZoo("vgg16-cifar10", { width: 0.25, seed: 7 });
  const b = buildZoo("vgg16-cifar10", { width: 0.25, seed: 7 });
  const conv = linearNodes(a)[3], conv2 = linearNodes(b)[3];
  assertEquals(conv.weight, conv2.weight);
  if (conv.op !== "Conv") throw new Error();
  const norms = Array.from({ length: conv.co * conv.ci }, (_, i) => {
    let s = 0;
    for (let t = 0; t < 9; t++) s += conv.weight[i * 9 + t] ** 2;
    return Math.sqrt(s);
  }).sort((x, y) => x - y);
  // Kernel norms spread over more than an order of magnitude between the 10th and 90th percentile.
  const p = (q: number) => norms[Math.floor(q * (norms.length - 1))];
  assert(p(0.9) / p(0.1) > 10, `spread ${p(0.9) / p(0.1)}`);
});

Deno.test("channelTies() ties residual streams and records flatten consumers", () => {
  const ties = channelTies(buildZoo("resnet18-cifar10", { width: 0.25 }));
  const stem = ties.find((t) => t.producers.includes("conv1"))!;
  assertEquals([...stem.producers].sort(), ["conv1", "layer1.0.conv2", "layer1.1.conv2"]);
  assertEquals(
    stem.consumers.map((c) => c.layer).sort(),
    ["layer1.0.conv1", "layer1.1.conv1", "layer2.0.conv1", "layer2.0.shortcut.0"],
  );
  assert(stem.followers.includes("bn1") && stem.followers.includes("layer1.0.bn2"));
  const last = ties.find((t) => t.producers.includes("layer4.1.conv2"))!;
  assertEquals([...last.producers].sort(), [
    "layer4.0.conv2",
    "layer4.0.shortcut.0",
    "layer4.1.conv2",
  ]);
  assertEquals(last.consumers, [{ layer: "layer4.1.conv1", block: 1 }, {
    layer: "linear",
    block: 1,
  }]);
  const vgg = channelTies(buildZoo("vgg16-tinyimagenet", { width: 0.25 }));
  const top = vgg.find((t) => t.producers.includes("features.40"))!;
  assertEquals(top.consumers, [{ layer: "classifier", block: 4 }]); // 2×2 maps flattened
  assert(vgg.find((t) => t.tensors.includes("input"))!.fixed);
  assertEquals(channelTies(tinyResidual()).filter((t) => t.producers.length === 2).length, 1);
});

Deno.test("inferShapes() names the node when shapes do not fit", () => {
  const net = tinyResidual();
  const bad: Network = {
    ...net,
    nodes: net.nodes.map((
      n,
    ) => (n.name === "block.conv1" && n.op === "Conv" ? { ...n, ci: 5 } : n)),
  };
  assertThrows(
    () => inferShapes(bad),
    UserError,
    "Conv block.conv1 expects 5 input channels, tensor has 4",
  );
});
