import { assert, assertEquals } from "@std/assert";
import { readResults, type Results } from "../study/mod.ts";
import { allCharts, type Chart, isoChart } from "./_charts.ts";
import { reportWeights } from "./report.ts";

const FIXTURE = new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname;

/** How many items each named mark of a chart draws, summed over facet cells (Vega, no canvas). */
async function markCounts(chart: Chart): Promise<Record<string, number>> {
  const vega = await import("vega"), vl = await import("vega-lite");
  // deno-lint-ignore no-explicit-any
  const compiled = vl.compile(chart.spec as any, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  await view.runAsync();
  const counts: Record<string, number> = {};
  // deno-lint-ignore no-explicit-any
  const walk = (mark: any) => {
    for (const item of mark.items ?? []) {
      if (mark.marktype === "group") { for (const child of item.items ?? []) walk(child); }
    }
    if (mark.role === "mark" && mark.marktype !== "group") {
      counts[mark.name] = (counts[mark.name] ?? 0) + (mark.items?.length ?? 0);
    }
  };
  // deno-lint-ignore no-explicit-any
  walk((view.scenegraph() as any).root);
  view.finalize();
  return counts;
}

/** The report's charts with first weights named `ours` (also the run's), beside `theirs`. */
function chartsNamed(r: Results, ours: string, theirs: string): Map<string, Chart> {
  const named = { ...r, manifest: { ...r.manifest, unit_costs_name: ours } };
  const [reference] = reportWeights(named, null);
  const weights = [
    { name: ours, byFramework: reference.byFramework },
    { name: theirs, byFramework: r.manifest.unit_costs },
  ];
  return new Map(allCharts(named, weights).map((c) => [c.name, c]));
}

Deno.test("names with quotes or expression syntax render and do not change which rows a chart shows", async (t) => {
  const r = await readResults(FIXTURE);
  const plain = chartsNamed(r, "calibrated node-seal (plain CPU)", "native");
  const want = await markCounts(plain.get("total_cost")!);
  const counts = Object.values(want);
  // Bars (ours), ticks (theirs): one per (model, framework, method) each; the fixture has no
  // paper row (no Tiny ImageNet model).
  assertEquals(counts.filter((n) => n > 0).sort(), [8, 8]);
  // [the run's unit costs name (from a calibration file's CPU), the user's op weights name]
  const cases: [string, string][] = [
    ["calibrated node-seal (Bob's CPU)", "native"],
    ["x' || true || '", "native"],
    ["calibrated node-seal (x' || true || ')", "native"],
    ["it's \"quoted\" \\ and \\' escaped", "native"],
    ["${datum}' + '", "native"],
    ["calibrated node-seal (plain CPU)", "O'Brien's weights"],
    ["calibrated node-seal (plain CPU)", "x' || true || '"],
  ];
  for (const [ours, theirs] of cases) {
    await t.step(`ours ${JSON.stringify(ours)}, theirs ${JSON.stringify(theirs)}`, async () => {
      const charts = chartsNamed(r, ours, theirs);
      assertEquals(await markCounts(charts.get("total_cost")!), want);
      // Every chart still renders (the apostrophe crashed Vega's expression parser before).
      for (const c of charts.values()) {
        const n = Object.values(await markCounts(c)).reduce((a, b) => a + b, 0);
        assert(n > 0, c.name);
      }
      assert(JSON.stringify(charts.get("total_cost")!.spec).includes(JSON.stringify(ours)));
    });
  }
});

Deno.test("no chart builds a Vega expression from text", async () => {
  const r = await readResults(FIXTURE);
  const row = (method: string, finetuned: number) => ({
    model: "vgg16-x",
    framework: "gazelle",
    method,
    budget: 0.5,
    seed: 1,
    cost_pct: 40,
    accuracy: { one_shot: 0.1, finetuned },
    layers: [],
  });
  const iso = isoChart({
    manifest: { study: { accuracy: { deltas: [0.5, 1] }, width: 0.25, profile: "quick" } },
    prune: [row("hunter", 0.92), row("mosaic", 0.5)],
    accuracy: { unpruned: [{ model: "vgg16-x", accuracy: 0.93 }] },
  } as unknown as Results)!;
  const charts = [...chartsNamed(r, "x' || true || '", "y").values(), iso];
  // The accuracy filter keeps the point near the unpruned accuracy, drops the one far below.
  assertEquals(await markCounts(iso), {
    child_layer_0_layer_0_marks: 1, // Hunter's line (MOSAIC's one point is off the axis)
    child_layer_0_layer_1_marks: 1, // its point
    child_layer_1_marks: 1, // the unpruned diamond
    child_layer_2_marks: 2, // the two δ rules
    child_layer_3_marks: 1, // the paper's cost (a VGG-16 panel)
    child_layer_4_marks: 1, // its label
  });
  for (const c of charts) {
    // deno-lint-ignore no-explicit-any
    const visit = (node: any): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (node === null || typeof node !== "object") return;
      for (const [k, v] of Object.entries(node)) {
        if (["filter", "calculate", "expr", "signal", "test"].includes(k)) {
          assert(typeof v !== "string", `${c.name}: ${k} is an expression string: ${v}`);
        }
        visit(v);
      }
    };
    visit(c.spec);
  }
});

Deno.test("timeChart reads measured and predicted under one statistic: a loaded sample moves the mean, not the ratio", async () => {
  const { readResults } = await import("../study/mod.ts");
  const { timeChart } = await import("./_charts.ts");
  const { reportWeights } = await import("./report.ts");
  const r = await readResults(
    new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname,
  );
  const t = r.timings[0];
  // Samples of 10 ms CPU each, one wall-clock sample hit by load: mean 40, fastest 10.
  const loaded = {
    ...t,
    measured_ms: 40,
    samples: 3,
    cpu_ms: [10, 10.5, 11],
    stats: { n: 3, mean: 40, min: 10.2, max: 100, p75: 100, p99: 100 },
  };
  const timing = { statistic: "cpu-min" as const, load_before: [7, 6, 5], load_after: [7, 6, 5] };
  const run = { ...r, manifest: { ...r.manifest, timing }, timings: [loaded] };
  const [row] = timeChart(run, reportWeights(run, null)[0]).rows;
  assertEquals(row.measured_ms, 10);
  assertEquals(row.ratio, Number((10 / (row.predicted_ms as number)).toFixed(3)));
  const wall = {
    ...run,
    manifest: { ...run.manifest, timing: { ...timing, statistic: "wall-min" as const } },
  };
  assertEquals(timeChart(wall, reportWeights(wall, null)[0]).rows[0].measured_ms, 10.2);
  // A results file from before statistics were chosen keeps the mean it was read with.
  const old = { ...r, timings: [loaded] };
  assertEquals(timeChart(old, reportWeights(old, null)[0]).rows[0].measured_ms, 40);
});

Deno.test("timeChart prices a part at N = 16384 with the run's N = 16384 costs, or says it carried N = 8192's there", async () => {
  const { timeChart } = await import("./_charts.ts");
  const { metaLines, MARKDOWN } = await import("./_headline.ts");
  const { MEASURED_UNIT_COSTS, predictMs, zeroCounts } = await import("../he/mod.ts");
  const r = await readResults(FIXTURE);
  const t = r.timings.find((x) => x.framework === "cryptflow2" && x.variant === "unpruned")!;
  const b = r.manifest.study.default_budget;
  // The timed layer, made one with a part at each ring: its counts split in two.
  const small = { ...zeroCounts(), key_switches: 10, mult: 100, add: 100 };
  const big = { ...zeroCounts(), key_switches: 4, mult: 30, add: 30 };
  const dense = { ...zeroCounts(), key_switches: 14, mult: 130, add: 130 };
  const rings = [{ n: 8192, dense: small, pruned: small }, { n: 16384, dense: big, pruned: big }];
  const prune = r.prune.map((p) =>
    p.model === t.model && p.framework === t.framework && p.budget === b
      ? {
        ...p,
        layers: p.layers.map((l) => l.name === t.layer ? { ...l, dense, pruned: dense, rings } : l),
      }
      : p
  );
  const at8k = { ...MEASURED_UNIT_COSTS.cryptflow2, source: "run at 8192" };
  const at16k = { ...MEASURED_UNIT_COSTS["cryptflow2-N16384"], keySwitch: 20, source: "run" };
  const base = { ...r, prune, timings: [t] };
  const manifest = { ...r.manifest, unit_costs: { ...r.manifest.unit_costs, cryptflow2: at8k } };
  const measured: Results = {
    ...base,
    manifest: { ...manifest, unit_costs_by_n: { cryptflow2: { "16384": at16k } } },
  };
  const run = (x: Results) => ({
    name: "run",
    byFramework: x.manifest.unit_costs,
    byRing: x.manifest.unit_costs_by_n,
  });
  const c = timeChart(measured, run(measured));
  const want = predictMs(small, at8k) + predictMs(big, at16k);
  assertEquals([c.rows[0].predicted_ms, c.rows[0].n], [Number(want.toFixed(2)), "8192+16384"]);
  assertEquals(c.rows[0].carried_n, "");
  assert(!c.description.includes("carried"));
  // Priced as one N = 8192 layer (the bug this fixes) it would be well below.
  assert(predictMs(dense, at8k) < 0.8 * want);

  // An older run without costs at 16384: the N = 8192 ones carried by the built-in ratio, said so.
  const older: Results = { ...base, manifest };
  const o = timeChart(older, run(older));
  assertEquals(o.rows[0].carried_n, "16384");
  assert(o.description.includes("N = 16384 by the built-in table's N = 16384 / N = 8192 ratio"));
  const head = metaLines(older, [o], MARKDOWN).join("\n");
  assert(head.includes("Parts at N = 16384 (CrypTFlow2) are predicted with unit costs carried"));
  assert(!metaLines(measured, [c], MARKDOWN).join("\n").includes("carried"));
  assert(
    metaLines(measured, [c], MARKDOWN).join("\n").includes("CrypTFlow2 unit costs at N = 16384"),
  );
  // The chart of the report itself uses the run's costs at 16384.
  const all = allCharts(measured, reportWeights(measured, null));
  assertEquals(
    all.find((x) => x.name === "time_vs_predicted")!.rows[0].predicted_ms,
    c.rows[0].predicted_ms,
  );
});

Deno.test("cost % re-priced ring by ring: the built-in table carried to N = 16384 gives the stored number", async () => {
  const { costPct, rowCostPct } = await import("./_compare.ts");
  const { MEASURED_UNIT_COSTS, predictMs, zeroCounts, addCounts } = await import("../he/mod.ts");
  const { NATIVE_SEAL_RATIOS } = await import("../cost/mod.ts");
  const at8k = MEASURED_UNIT_COSTS.cryptflow2, at16k = MEASURED_UNIT_COSTS["cryptflow2-N16384"];
  const c = (ks: number, mult: number) => ({ ...zeroCounts(), key_switches: ks, mult, add: mult });
  const rings = [
    { n: 8192, dense: c(10, 100), pruned: c(6, 50) },
    { n: 16384, dense: c(8, 60), pruned: c(2, 20) },
  ];
  const sum = (side: "dense" | "pruned") =>
    rings.reduce((a, x) => addCounts(a, x[side]), zeroCounts());
  const ms = (side: "dense" | "pruned") =>
    predictMs(rings[0][side], at8k) + predictMs(rings[1][side], at16k);
  const stored = Number((100 * ms("pruned") / ms("dense")).toFixed(2));
  const layer = {
    name: "features.0",
    kind: "conv",
    dense: sum("dense"),
    pruned: sum("pruned"),
    predicted_ms_dense: ms("dense"),
    predicted_ms: ms("pruned"),
    rings,
  };
  const row = { framework: "cryptflow2", layers: [layer], cost_pct: stored } as never;
  assertEquals(costPct(row, at8k), stored);
  assertEquals(rowCostPct(row, at8k), stored);
  // Priced as one N = 8192 layer, it would differ.
  const flat = { framework: "cryptflow2", layers: [{ ...layer, rings: undefined }] } as never;
  assert(costPct(flat, at8k) !== stored);
  // Other op weights: 16384's part carried by the built-in ratio, not priced as at 8192.
  const native = NATIVE_SEAL_RATIOS.byFramework.cryptflow2;
  assert(costPct(row, native) !== costPct(flat, native));
  assertEquals(costPct(row, native, { "16384": native }), costPct(flat, native));
});
