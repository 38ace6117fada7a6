import { assert, assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import { SeededRng, UserError } from "../base/mod.ts";
import { maskFileText, networkHash, readMaskFile } from "./masks.ts";
import type { ConvNode } from "./network.ts";
import { buildZoo, syntheticConvOf } from "./zoo.ts";

const net = buildZoo("vgg16-cifar10", { width: 0.125 });

Deno.test("mask files round-trip bit sets per layer", async () => {
  const rng = new SeededRng(1);
  const m = Uint8Array.from({ length: 8 * 8 * 9 }, () => (rng.next() < 0.3 ? 1 : 0));
  const text = await maskFileText(net, new Map([["features.3", m]]), { note: "test" });
  const back = await readMaskFile(text, "m.json", net);
  assertEquals(back.get("features.3"), m);
  assertEquals(JSON.parse(text).note, "test");
});

Deno.test("a mask file that does not match the model, or is corrupt, is one clear error", async () => {
  const good = JSON.parse(
    await maskFileText(net, new Map([["classifier", new Uint8Array(640).fill(1)]])),
  );
  const cases: [string, string][] = [
    ["{oops", "is not valid JSON"],
    [JSON.stringify({ ...good, format: "other/1" }), 'has format "other/1"'],
    [JSON.stringify({ ...good, model_hash: "00" }), "was made for model"],
    [
      JSON.stringify({
        ...good,
        layers: { ...good.layers, "features.99": { weights: 1, kept: 1, bits: "AQ==" } },
      }),
      'names layer "features.99"',
    ],
    [
      JSON.stringify({
        ...good,
        layers: { ...good.layers, classifier: { weights: 5, kept: 1, bits: "AQ==" } },
      }),
      "has 5 weights in the file, 640 in the model",
    ],
    [
      JSON.stringify({
        ...good,
        layers: { ...good.layers, classifier: { weights: 640, kept: 1, bits: "AQ==" } },
      }),
      "corrupt bit set",
    ],
  ];
  for (const [text, msg] of cases) {
    await assertRejects(() => readMaskFile(text, "m.json", net), UserError, msg);
  }
  const other = buildZoo("vgg16-cifar10", { width: 0.125, seed: 9 });
  await assertRejects(
    () => readMaskFile(JSON.stringify(good), "m.json", other),
    UserError,
    "prune this model again",
  );
});

Deno.test("networkHash: a zoo model hashes as its recipe until one weight differs from it", async () => {
  const build = (seed = 1) => buildZoo("resnet18-cifar10", { width: 0.125, seed });
  const recipe = await networkHash(build());
  // The same weights, drawn (on the node, and on a copy sharing the array): the same hash.
  const drawn = build();
  for (const n of drawn.nodes) if (n.op === "Conv") n.weight;
  assertEquals(await networkHash(drawn), recipe);
  const copied = { ...drawn, nodes: drawn.nodes.map((n) => ({ ...n })) };
  assertEquals(await networkHash(copied), recipe);
  // One weight edited in place, in the middle of the model: another hash.
  const edited = build();
  const conv = edited.nodes.find((n): n is ConvNode => n.name === "layer2.1.conv1")!;
  conv.weight[17] = Math.fround(conv.weight[17] * 1.5);
  assertNotEquals(await networkHash(edited), recipe);
  // Other seeds, other hashes; nothing drawn to compute them.
  const other = build(2);
  assertNotEquals(await networkHash(other), recipe);
  assert(other.nodes.every((n) => n.op !== "Conv" || syntheticConvOf(n)));
});

Deno.test("a mask file made from a model whose weights were drawn fits the same model undrawn", async () => {
  const drawn = buildZoo("vgg16-cifar10", { width: 0.125 });
  for (const n of drawn.nodes) if (n.op === "Conv") n.weight;
  const text = await maskFileText(drawn, new Map());
  const fresh = buildZoo("vgg16-cifar10", { width: 0.125 });
  assertEquals((await readMaskFile(text, "m.json", fresh)).size, 14);
});

Deno.test("writing and reading a zoo model's mask file draws none of its weights", async () => {
  const net = buildZoo("resnet18-cifar10", { width: 0.125 });
  const text = await maskFileText(net, new Map([["linear", new Uint8Array(640)]]));
  assertEquals((await readMaskFile(text, "m.json", net)).get("linear"), new Uint8Array(640));
  assert(net.nodes.every((n) => n.op !== "Conv" || syntheticConvOf(n)));
});
