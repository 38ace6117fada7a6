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
