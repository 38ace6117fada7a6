import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { smallMosaicPrune } from "../test_util.ts";
import { prune, type PruneOptions } from "./prune.ts";
import {
  buildZoo,
  inputCount,
  type IntLayer,
  linearLayerSpecs,
  maskNetwork,
  type Network,
  quantizedLayers,
  referenceLayer,
  toResidues,
} from "../nn/mod.ts";
import { pruneFileText, readPruneFile } from "../study/mod.ts";
import { randomSigned, SeededRng } from "../base/mod.ts";
import { permuteMasks, permuteNetwork } from "./permute.ts";
import { deployedNetwork } from "./deployed.ts";
import { layerStructures } from "./structures.ts";
import type { Budget } from "./select.ts";
import { closeEnvs, countProgram, executeProgram, getPreset } from "../he/mod.ts";
import { planLayer } from "../frameworks/mod.ts";

const FW = [
  ["gazelle", getPreset("gazelle")],
  ["cryptflow2", getPreset("cryptflow2")],
  ["cheetah", getPreset("cheetah")],
] as const;

function run(model: string, fw: typeof FW[number], method: "hunter" | "mosaic", budget: Budget) {
  const opts: PruneOptions = {
    method,
    framework: fw[0],
    preset: fw[1],
    budget,
    fidelitySamples: 0,
  };
  return prune(buildZoo(model, { width: 0.25 }), opts);
}

/** MOSAIC on a given network at a sparsity budget. */
function mosaic(
  net: Network,
  fw: typeof FW[number],
  ratio: number,
  fidelitySamples: number,
  granularity: Pick<PruneOptions, "kinds" | "unit"> = {},
) {
  return prune(net, {
    method: "mosaic",
    framework: fw[0],
    preset: fw[1],
    budget: { kind: "sparsity", ratio },
    fidelitySamples,
    ...granularity,
  });
}

Deno.test("Hunter and MOSAIC meet the same budget (sparsity, cost, saliency, per layer)", () => {
  const fw = FW[0];
  for (const method of ["hunter", "mosaic"] as const) {
    const s = run("vgg16-cifar10", fw, method, { kind: "sparsity", ratio: 0.6 }).report;
    assert(s.totals.sparsity >= 0.6 && s.totals.sparsity < 0.62, `${method} ${s.totals.sparsity}`);
    const c = run("vgg16-cifar10", fw, method, { kind: "cost", fraction: 0.3 }).report;
    // The budget is met on the search's cost model; the exact counts land close to it.
    assert(c.totals.cost_pct <= 31 && c.totals.cost_pct >= 25, `${method} ${c.totals.cost_pct}`);
    const k = run("vgg16-cifar10", fw, method, { kind: "saliency", keep: 0.8 }).report;
    assert(k.totals.retained_saliency >= 0.8 && k.totals.retained_saliency < 0.82);
    const l = run("vgg16-cifar10", fw, method, {
      kind: "layers",
      ratios: { "features.34": 0.5, "features.37": 0.9 },
    }).report;
    const by = new Map(l.layers.map((x) => [x.name, x.sparsity]));
    assert(by.get("features.34")! >= 0.5 && by.get("features.37")! >= 0.9);
    assertEquals(by.get("features.0"), 0);
  }
  assertThrows(
    () => run("vgg16-cifar10", fw, "hunter", { kind: "layers", ratios: { nope: 0.5 } }),
    Error,
    "does not have",
  );
  assertThrows(
    () => run("vgg16-cifar10", fw, "hunter", { kind: "sparsity", ratio: 2 }),
    Error,
    "[0, 1]",
  );
});

Deno.test("MOSAIC deletes at least as much HE cost as Hunter at equal retained saliency (synthetic zoo)", () => {
  for (const model of ["vgg16-cifar10", "resnet18-cifar10"]) {
    for (const fw of FW) {
      const budget: Budget = { kind: "saliency", keep: 0.7 };
      const h = run(model, fw, "hunter", budget).report.totals;
      const m = run(model, fw, "mosaic", budget).report.totals;
      console.log(
        `${model}@0.25 ${
          fw[0]
        }, retained saliency ${h.retained_saliency} / ${m.retained_saliency}:` +
          ` HE cost Hunter ${h.cost_pct}%, MOSAIC ${m.cost_pct}% of unpruned`,
      );
      assert(m.cost_pct <= h.cost_pct, `${model} ${fw[0]}`);
    }
  }
});

Deno.test("the report's counts are the planner's counts of the deployed (masked, permuted) layers, every op kind (kernel units and all kinds; single weights and products)", () => {
  const net = buildZoo("resnet18-cifar10", { width: 0.125 });
  const fine = { kinds: ["product"], unit: "weight" } as const;
  for (
    const [fw, granularity] of [[FW[0], {}], [FW[1], {}], [FW[2], {}], [FW[0], fine], [
      FW[1],
      fine,
    ]] as const
  ) {
    const r = mosaic(net, fw, 0.7, 2, granularity);
    if (granularity === fine) {
      assertEquals([r.report.kinds, r.report.unit], [["product"], "weight"]);
      assert(r.report.layers.every((l) => Object.keys(l.structures).every((k) => k === "product")));
    } else assertEquals(r.report.unit, "kernel");
    // Planned here from the layers themselves: masked and permuted by hand, not by deployedNetwork.
    const moved = maskNetwork(
      permuteNetwork(net, r.permutations),
      permuteMasks(net, r.masks, r.permutations),
    );
    const countOf = (layer: IntLayer, kind: string) => {
      const method = kind === "conv" && fw[0] === "gazelle" ? "or" : undefined;
      return countProgram(planLayer(layer, { framework: fw[0], preset: fw[1], method }));
    };
    const dense = new Map(quantizedLayers(net).map((q) => [q.layer.name, q]));
    for (const { layer, kind } of quantizedLayers(moved)) {
      const row = r.report.layers.find((l) => l.name === layer.name)!;
      assertEquals(row.pruned, countOf(layer, kind), `${fw[0]} ${layer.name} pruned`);
      assertEquals(row.dense, countOf(dense.get(layer.name)!.layer, kind), `${layer.name} dense`);
    }
    // Structures deleted by kind are consistent with the op drop.
    const t = r.report.totals;
    assert(t.pruned.mult < t.dense.mult);
    if (fw[0] === "cheetah") assertEquals(t.dense.perm_in + t.dense.perm_out, 0); // no rotation
    else assert(t.pruned.perm_out < t.dense.perm_out);
    for (const l of r.report.layers) {
      for (const c of Object.values(l.assembly ?? {})) {
        assert(c.assembled <= c.structures && c.identity <= c.structures, l.name);
      }
    }
    assert(r.report.fidelity.top1_agreement !== null);
  }
});

Deno.test("a pruned layer is counted under its own Galois keys, not the unpruned plan's (one key switch per rotation once exact keys fit)", () => {
  // VGG-16's last stage under CrypTFlow2 uses more rotation steps than 256 MiB of exact keys hold,
  // so the unpruned plan asks for the ±2^i set; pruned, it keeps few enough steps for exact keys.
  const net = buildZoo("vgg16-cifar10", { width: 0.25 });
  const fw = FW[1];
  const name = "features.34";
  for (const method of ["hunter", "mosaic"] as const) {
    const r = prune(net, {
      method,
      framework: fw[0],
      preset: fw[1],
      budget: { kind: "sparsity", ratio: 0.7 },
      fidelitySamples: 0,
    });
    const row = r.report.layers.find((l) => l.name === name)!;
    const keysOf = (n: Network) => {
      const { layer } = quantizedLayers(n).find((q) => q.layer.name === name)!;
      return planLayer(layer, { framework: fw[0], preset: fw[1] }).parts.map((p) => p.keys.kind);
    };
    assertEquals(keysOf(net), ["pow2"], "the unpruned plan's keys");
    assertEquals(keysOf(deployedNetwork(net, r)), ["exact"], `${method}: the pruned plan's keys`);
    // Exact keys: every SEAL rotation call is one key switch.
    const p = row.pruned, d = row.dense;
    assertEquals(p.key_switches, p.rotate_rows + p.rotate_columns, method);
    // The ±2^i set: a step that is not a power of two costs one key switch per NAF digit.
    assert(d.key_switches > d.rotate_rows + d.rotate_columns, method);
    // The old rule (the pruned layer under the unpruned plan's keys) counts the same rotations at
    // more key switches; `cost_pct` must not come from it.
    const shape = linearLayerSpecs(net).find((l) => l.name === name)!.shape;
    const s = layerStructures(name, shape, { framework: fw[0], preset: fw[1] });
    const position = permuteMasks(net, r.masks, r.permutations).get(name)!;
    const old = s.counts(position);
    assertEquals([old.rotate_rows, old.rotate_columns], [p.rotate_rows, p.rotate_columns], method);
    assert(
      old.key_switches > p.key_switches,
      `${method}: ${old.key_switches} vs ${p.key_switches}`,
    );
  }
});

Deno.test("pruned layers still run exactly under HE (masks executed on node-seal)", async () => {
  const net = buildZoo("vgg16-cifar10", { width: 0.125 });
  const rng = new SeededRng(11);
  for (const fw of FW) {
    const r = mosaic(net, fw, 0.6, 0);
    const moved = maskNetwork(
      permuteNetwork(net, r.permutations),
      permuteMasks(net, r.masks, r.permutations),
    );
    for (const name of ["features.37", "classifier"]) {
      const { layer } = quantizedLayers(moved).find((l) => l.layer.name === name)!;
      const x = toResidues(randomSigned(inputCount(layer.shape), 8, rng), fw[1].plainModulus);
      const prog = planLayer(layer, { framework: fw[0], preset: fw[1] });
      const out = await executeProgram(prog, x);
      const ref = referenceLayer(layer, x, fw[1].plainModulus);
      assert(out.result.every((v, i) => v === ref[i]), `${fw[0]} ${name}`);
    }
  }
  closeEnvs();
});

Deno.test("prune files round-trip and refuse another model or corrupt permutations", async () => {
  const { net, pruned: r } = smallMosaicPrune("resnet18-cifar10");
  const text = await pruneFileText(net, r);
  const back = await readPruneFile(text, "m.json", net);
  assertEquals(back.framework, "gazelle");
  assertEquals(back.convMethod, "or");
  for (const [k, m] of r.masks) assertEquals([...back.masks.get(k)!], [...m]);
  for (const [k, p] of r.permutations) assertEquals([...back.permutations.get(k)!], [...p]);
  await assertRejects(
    () => readPruneFile(text, "m.json", buildZoo("resnet18-cifar10", { width: 0.25 })),
    Error,
    "prune this model again",
  );
  const doc = JSON.parse(text);
  const key = Object.keys(doc.permutations)[0];
  doc.permutations[key][0] = doc.permutations[key][1];
  await assertRejects(
    () => readPruneFile(JSON.stringify(doc), "m.json", net),
    Error,
    "is not a permutation",
  );
});
