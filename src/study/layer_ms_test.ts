import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { addCounts, MEASURED_UNIT_COSTS, predictMs, zeroCounts } from "../he/mod.ts";
import { layerMs } from "./layer_ms.ts";
import { pruneRow, studyModel, studyPrune } from "./study.ts";
import { parseResults } from "./results.ts";

const FIXTURE = new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname;

Deno.test("vgg16-tinyimagenet under CrypTFlow2: the first convolutions are kept and priced at N = 16384", () => {
  const net = studyModel("vgg16-tinyimagenet", 0.125, 1);
  const r = studyPrune(net, "cryptflow2", "hunter", 0.5, 1);
  const row = pruneRow("vgg16-tinyimagenet", "cryptflow2", "hunter", 0.5, r);
  const first = row.layers.find((l) => l.name === "features.0")!;
  // The 64×64 map, padded to 66×66, does not fit N = 8192's halves: SCI plans it at 16384.
  assertEquals(first.rings?.map((x) => x.n), [16384]);
  assertEquals(first.rings![0].dense, first.dense);
  assertEquals(first.rings![0].pruned, first.pruned);
  // Layers at the study preset's N carry no rings: files stay as they were.
  const last = row.layers.find((l) => l.name === "features.40")!;
  assertEquals(last.rings, undefined);
  for (const l of row.layers) {
    if (!l.rings) continue;
    const sum = { dense: zeroCounts(), pruned: zeroCounts() };
    for (const x of l.rings) {
      addCounts(sum.dense, x.dense);
      addCounts(sum.pruned, x.pruned);
    }
    assertEquals(sum, { dense: l.dense, pruned: l.pruned }, l.name);
  }

  const at8k = MEASURED_UNIT_COSTS.cryptflow2, at16k = MEASURED_UNIT_COSTS["cryptflow2-N16384"];
  // Priced with the N = 16384 costs given for that ring, not the N = 8192 ones.
  const p = layerMs(first, "dense", "cryptflow2", at8k, { "16384": at16k });
  assertEquals(p.ms, predictMs(first.dense, at16k));
  assert(p.ms > 1.5 * predictMs(first.dense, at8k));
  // As the row stored it (each part at its own preset's built-in table), to the 0.01 ms stored.
  for (const l of row.layers) {
    const priced = layerMs(l, "pruned", "cryptflow2", at8k, { "16384": at16k }).ms;
    assertAlmostEquals(priced, l.predicted_ms, 0.006, l.name);
  }
  // Without costs measured at 16384: the N = 8192 ones carried there, said so.
  const carried = layerMs(first, "dense", "cryptflow2", at8k);
  assertEquals(carried.carried, [16384]);
  assertAlmostEquals(carried.ms, p.ms, 1e-9 * p.ms);

  // The rings survive a results file's round trip through the schema.
  const fixture = JSON.parse(Deno.readTextFileSync(FIXTURE));
  const doc = {
    ...fixture,
    manifest: { ...fixture.manifest, study: { ...fixture.manifest.study, models: [row.model] } },
    prune: [row],
    timings: [],
  };
  const back = parseResults(JSON.stringify(doc), "r.json");
  assertEquals(back.prune[0].layers.find((l) => l.name === "features.0")!.rings, first.rings);
  const bad = structuredClone(doc);
  bad.prune[0].layers[0].rings[0].n = 12000;
  assertThrows(() => parseResults(JSON.stringify(bad), "r.json"), Error, "power of two");
});

Deno.test("a layer of an older results file, without rings, is priced as before at the study preset's N", () => {
  const dense = { ...zeroCounts(), key_switches: 7, mult: 40, add: 40 };
  const pruned = { ...zeroCounts(), key_switches: 3, mult: 20, add: 20 };
  const unit = MEASURED_UNIT_COSTS.cryptflow2;
  for (const side of ["dense", "pruned"] as const) {
    const p = layerMs({ dense, pruned }, side, "cryptflow2", unit, {
      "16384": MEASURED_UNIT_COSTS["cryptflow2-N16384"],
    });
    assertEquals(p, {
      ms: predictMs(side === "dense" ? dense : pruned, unit),
      rings: [8192],
      carried: [],
    });
  }
});
