import { assert, assertEquals } from "@std/assert";
import { cryptflow2Preset, getPreset } from "../he/mod.ts";
import { buildZoo, linearLayerSpecs, maskNetwork, quantizeLayer, ZOO_MODELS } from "../nn/mod.ts";
import { costRow, floatCostRow, modelCost, modelCostParallel } from "./model_cost.ts";

/** Each framework with the preset these tests plan it under. */
const PRESETS = [
  ["gazelle", getPreset("gazelle")],
  ["cryptflow2", cryptflow2Preset()],
  ["cheetah", getPreset("cheetah")],
] as const;

Deno.test("zoo op counts equal the golden fixtures (any counting change shows in review)", async () => {
  for (const [framework, preset] of PRESETS) {
    const golden = JSON.parse(
      await Deno.readTextFile(
        new URL(`../../fixtures/golden/zoo_counts_${framework}.json`, import.meta.url),
      ),
    );
    for (const model of ZOO_MODELS) {
      const t = modelCost(buildZoo(model), { framework, preset });
      const pick = (
        o: typeof t.totals.ops,
      ) => [o.perm_in, o.perm_out, o.key_switches, o.mult, o.add];
      assertEquals(
        Object.fromEntries(t.layers.map((l) => [l.name, pick(l.ops)])),
        golden[model].layers,
        `${framework} ${model}`,
      );
      assertEquals(pick(t.totals.ops), golden[model].totals);
    }
  }
});

Deno.test("modelCost() plans a masked network's zeros away and totals the rows", () => {
  const net = buildZoo("vgg16-cifar10", { width: 0.25 });
  const preset = getPreset("gazelle");
  const base = modelCost(net, { framework: "gazelle", preset });
  const sum = base.layers.reduce((a, l) => a + l.ops.mult, 0);
  assertEquals(base.totals.ops.mult, sum);
  const conv = net.nodes.find((n) => n.name === "features.10");
  if (!conv || conv.op !== "Conv") throw new Error();
  const masks = new Map([["features.10", new Uint8Array(conv.weight.length)]]); // prune all
  const pruned = modelCost(maskNetwork(net, masks), { framework: "gazelle", preset });
  const row = (t: typeof base) => t.layers.find((l) => l.name === "features.10")!;
  assertEquals(row(pruned).ops.mult, 0);
  assert(pruned.totals.ops.mult < base.totals.ops.mult);
});

Deno.test("modelCostParallel() gives the same table as modelCost()", async () => {
  const net = buildZoo("resnet18-cifar10", { width: 0.5 });
  for (const [framework, preset] of PRESETS) {
    const seq = modelCost(net, { framework, preset });
    const par = await modelCostParallel(net, { framework, preset }, 2);
    assertEquals(par.layers.map((l) => [l.name, l.ops]), seq.layers.map((l) => [l.name, l.ops]));
    assertEquals(par.totals, seq.totals);
  }
});

Deno.test("floatCostRow() reuses its thread's buffers: every row as planned from fresh arrays", () => {
  const specs = linearLayerSpecs(buildZoo("resnet18-tinyimagenet", { width: 0.25 }));
  for (const [framework, preset] of PRESETS) {
    const opts = { framework, preset };
    const fresh = specs.map((spec) => {
      const { layer, kind } = quantizeLayer(spec);
      return costRow(layer, kind, opts);
    });
    // Largest layers last, then first: each buffer has held a larger and a smaller layer before.
    for (const order of [specs.map((_, i) => i), specs.map((_, i) => specs.length - 1 - i)]) {
      for (const i of order) assertEquals(floatCostRow(specs[i], opts), fresh[i], specs[i].name);
    }
  }
});
