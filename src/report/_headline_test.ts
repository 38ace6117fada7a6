import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { parse } from "@std/csv";
import { MEASURED_UNIT_COSTS, zeroCounts } from "../he/mod.ts";
import { readResults, type Results } from "../study/mod.ts";
import type { Chart } from "./_charts.ts";
import { REFERENCE_UNIT_COSTS_NAME } from "./_compare.ts";
import { allDeltas, benchmarkEntries, HEADLINE_COLUMNS, headlineCsv } from "./_exports.ts";
import { headlineSections, HTML, MARKDOWN, metaLines } from "./_headline.ts";
import { summaryMarkdown } from "./html.ts";
import { renderReport, reportWeights } from "./report.ts";
import { allCharts } from "./_charts.ts";

const FIXTURE = new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname;

/** A pruning row of model `model` whose one layer keeps `mult` of 100 products. */
function row(model: string, method: string, budget: number, saliency: number, mult: number) {
  return {
    model,
    framework: "cryptflow2",
    method,
    budget,
    retained_saliency: saliency,
    cost_pct: mult, // what the pipeline stores: 100 × mult / 100
    layers: [{ dense: { ...zeroCounts(), mult: 100 }, pruned: { ...zeroCounts(), mult } }],
  };
}

/** Crafted results: models `win` (MOSAIC cheaper), `lose` (dearer) and `tie`, at 0.5 and 0.7. */
function crafted(): Results {
  const prune = [];
  for (const [model, m50, m70] of [["win", 45, 27], ["lose", 52, 31.5], ["tie", 50, 30]] as const) {
    prune.push(row(model, "hunter", 0.5, 0.9, 50), row(model, "hunter", 0.7, 0.8, 30));
    prune.push(row(model, "mosaic", 0.5, 0.9, m50), row(model, "mosaic", 0.7, 0.8, m70));
  }
  return {
    manifest: {
      study: { default_budget: 0.7, models: ["win", "lose", "tie"], frameworks: ["cryptflow2"] },
      unit_costs: { cryptflow2: MEASURED_UNIT_COSTS.cryptflow2 },
    },
    prune,
  } as unknown as Results;
}

Deno.test("the headline sentence names the winner for a negative, a positive and a zero Δ", () => {
  const [s] = headlineSections(crafted(), MARKDOWN);
  assertEquals(s.title, "CrypTFlow2");
  assertStringIncludes(
    s.sentence,
    "Under CrypTFlow2, MOSAIC leaves **3.00 points less** HE cost than Hunter on win at 70% " +
      "weight sparsity (27.00% vs 30.00% of unpruned), **3.00 points less** at equal retained " +
      "saliency",
  );
  assertStringIncludes(s.sentence, "; on lose **1.50 points more** at 70% weight sparsity");
  assertStringIncludes(s.sentence, "; on tie **as much** at 70% weight sparsity");
  const winners = s.rows.filter((r) => r.basis === "equal sparsity" && r.at === "70% sparsity")
    .map((r) => [r.model, r["Δ (MOSAIC − Hunter)"], r.winner]);
  assertEquals(winners, [
    ["win", "−3.00", "MOSAIC ✓"],
    ["lose", "+1.50", "Hunter ✓"],
    ["tie", "0.00", "tie"],
  ]);
  // The same words in HTML, with HTML emphasis; names from the results stay text.
  assertStringIncludes(headlineSections(crafted(), HTML)[0].sentence, "<strong>3.00 points less");
  const r = crafted();
  const hostile = {
    ...r,
    manifest: { ...r.manifest, study: { ...r.manifest.study, models: ["<b>win"] } },
    prune: r.prune.map((p) => p.model === "win" ? { ...p, model: "<b>win" } : p),
  } as Results;
  const html = headlineSections(hostile, HTML)[0].sentence;
  assert(html.includes("on &lt;b&gt;win at 70%") && !html.includes("<b>"), html);
});

Deno.test("with the accuracy loop the sentence adds each δ, or says it was not reached", () => {
  const iso = (method: string, delta: number, cost_pct: number | null) => ({
    model: "win",
    framework: "cryptflow2",
    method,
    delta,
    unpruned: 0.9,
    cost_pct,
    cost_min: cost_pct,
    cost_max: cost_pct,
    seeds: [{ seed: 1, cost_pct, reading: "interpolated" }],
  });
  const r = {
    ...crafted(),
    accuracy: {
      iso: [
        iso("hunter", 1, 30),
        iso("mosaic", 1, 28.8),
        iso("hunter", 2, 25),
        iso("mosaic", 2, 26),
        iso("hunter", 0.5, null),
        iso("mosaic", 0.5, 54.891),
      ],
    },
  } as unknown as Results;
  const [s] = headlineSections(r, MARKDOWN);
  assertStringIncludes(
    s.sentence,
    // One method reaching the accuracy where the other does not is said, with its cost.
    "**3.00 points less** at equal retained saliency, only **MOSAIC** reaches the accuracy at " +
      "δ = 0.5 points (54.89% of unpruned), **1.20 points less** at equal accuracy (δ = 1 point) " +
      "and **1.00 points more** at equal accuracy (δ = 2 points); on lose",
  );
  // Models without accuracy rows say so.
  assertStringIncludes(s.sentence, "no equal-accuracy point (its accuracy was not measured)");
  assertEquals(s.rows.filter((x) => x.basis === "equal accuracy").map((x) => x.winner), [
    "MOSAIC ✓",
    "Hunter ✓",
  ]);
});

Deno.test("a model that is the first with a tie reads 'as much … as Hunter'", () => {
  const r = crafted();
  const onlyTie = {
    ...r,
    manifest: { ...r.manifest, study: { ...r.manifest.study, models: ["tie"] } },
  };
  const [s] = headlineSections(onlyTie as Results, MARKDOWN);
  assertStringIncludes(s.sentence, "MOSAIC leaves **as much** HE cost as Hunter on tie");
});

Deno.test("the prediction warning appears exactly when a median ratio is outside [0.87, 1.15]", async () => {
  const r = await readResults(FIXTURE);
  const chart = (ratios: number[]) =>
    [{
      name: "time_vs_predicted",
      rows: ratios.map((ratio) => ({ framework: "gazelle", ratio })),
    }] as unknown as Chart[];
  const warned = (ratios: number[]) =>
    metaLines(r, chart(ratios), MARKDOWN).join("\n").includes("Predictions are off");
  assertEquals(warned([0.87]), false);
  assertEquals(warned([1.15]), false);
  assertEquals(warned([1, 1.1, 0.9]), false);
  assertEquals(warned([0.86]), true);
  assertEquals(warned([1.16]), true);
  // The median of an even count is the mean of the middle two: (0.8 + 0.9) / 2 = 0.85.
  assertEquals(warned([0.8, 0.9, 0.5, 1.3]), true);
  assertStringIncludes(
    metaLines(r, chart([2]), MARKDOWN).join("\n"),
    "under GAZELLE measured time is 2.00× the predicted, outside 0.87–1.15",
  );
});

Deno.test("the meta lines say where the unit costs were measured", async () => {
  const r = await readResults(FIXTURE);
  const words = (origin: Results["manifest"]["unit_costs_origin"]) =>
    metaLines({ ...r, manifest: { ...r.manifest, unit_costs_origin: origin } }, [], MARKDOWN)
      .find((l) => l.startsWith("Unit costs of the predictions"))!;
  // A file without unit_costs_origin whose unit costs are the built-in table's says so.
  assertStringIncludes(
    words(undefined),
    "the built-in table, measured on a 2-vCPU AMD EPYC on 2026-11-23, not on this machine " +
      "(run `deno task calibrate` to measure this one)",
  );
  const here = {
    kind: "calibrated",
    cpu: r.manifest.cpu,
    measured: "2026-12-01T09:30:00Z",
  } as const;
  assertStringIncludes(
    words(here),
    "calibrated on this machine by `deno task calibrate` on 2026-12-01 09:30 UTC " +
      `(${r.manifest.cpu})`,
  );
  assertStringIncludes(
    words({ ...here, cpu: "Other CPU" }),
    `on another CPU (Other CPU), not this run's (${r.manifest.cpu})`,
  );
});

Deno.test("benchmark.json has one ms entry per timing row; none timed is an empty array", async () => {
  const r = await readResults(FIXTURE);
  const parsed = JSON.parse(JSON.stringify(benchmarkEntries(r)));
  assertEquals(parsed.length, r.timings.length);
  assertEquals(new Set(parsed.map((e: { name: string }) => e.name)).size, r.timings.length);
  for (const [i, e] of parsed.entries()) {
    assertEquals(e.unit, "ms");
    assertEquals(e.value, r.timings[i].measured_ms);
    assertEquals(typeof e.name, "string");
    assertEquals(typeof e.extra, "string");
  }
  assertEquals(benchmarkEntries({ ...r, timings: [] }), []);
});

Deno.test("headline.csv parses back to every comparison, quoting what needs it", async () => {
  const r = await readResults(FIXTURE);
  // A hostile model name: a comma, a quote and a line break must survive the round trip.
  const hostile = 'a, "b"\nc';
  const rename = <T extends { model: string }>(x: T) => ({ ...x, model: hostile });
  const named = {
    ...r,
    manifest: { ...r.manifest, study: { ...r.manifest.study, models: [hostile] } },
    prune: r.prune.filter((p) => p.model === "vgg16-cifar10").map(rename),
  };
  const text = headlineCsv(named);
  assert(text.endsWith("\r\n"), "RFC 4180 line ends");
  const rows = parse(text, { skipFirstRow: true });
  const expected = allDeltas(named).map((d) =>
    Object.fromEntries(
      HEADLINE_COLUMNS.map((c) => [
        c,
        c === "unit_costs"
          ? REFERENCE_UNIT_COSTS_NAME
          : String((d as unknown as Record<string, unknown>)[c]),
      ]),
    )
  );
  assertEquals(rows, expected);
  assert(expected.every((row) => row.model === hostile));
  assert(
    expected.some((e) => e.basis === "sparsity") && expected.some((e) => e.basis === "saliency"),
  );
});

Deno.test("the summary of the shipped sample opens with the headline", async () => {
  const r = await readResults(FIXTURE);
  const w = reportWeights(r, null);
  const md = summaryMarkdown(r, w, allCharts(r, w));
  const head = md.slice(0, md.indexOf("## HE cost of the linear layers"));
  assertStringIncludes(head, "Under GAZELLE, MOSAIC leaves **");
  assertStringIncludes(head, "Under CrypTFlow2, MOSAIC leaves **");
  assertStringIncludes(
    head,
    "| model | basis | at | Hunter % | MOSAIC % | Δ (MOSAIC − Hunter) | winner |",
  );
  assertStringIncludes(head, r.manifest.git_sha);
  assertStringIncludes(head, "Median measured / predicted server time per layer: GAZELLE");
  assertStringIncludes(head, "synthetic, not trained");
});

Deno.test("renderReport writes the data files and index.html links them", async () => {
  const r = await readResults(FIXTURE);
  const dir = await Deno.makeTempDir();
  await renderReport(r, dir, null);
  const html = await Deno.readTextFile(`${dir}/index.html`);
  for (const f of ["results.json", "benchmark.json", "headline.csv"]) {
    assertStringIncludes(html, `<a href="${f}">`);
    assert((await Deno.stat(`${dir}/${f}`)).isFile, f);
  }
  assertEquals(
    JSON.parse(await Deno.readTextFile(`${dir}/benchmark.json`)).length,
    r.timings.length,
  );
  assertEquals(
    JSON.parse(await Deno.readTextFile(`${dir}/results.json`)).prune.length,
    r.prune.length,
  );
  assertStringIncludes(html, "<details><summary>manifest (");
  assert(!html.includes("max-width:1200px"), "the page fills its window");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a budget the floors kept a method from reaching is named as a budget, with what was reached", () => {
  const r = crafted();
  const short = {
    ...r,
    prune: r.prune.map((p) => ({
      ...p,
      sparsity: Math.min((p as { budget: number }).budget, 0.085),
    })),
  } as unknown as Results;
  const [s] = headlineSections(short, MARKDOWN);
  assertStringIncludes(s.sentence, "at the 70% weight-sparsity budget (reached 8.5% and 8.5%)");
  const [plain] = headlineSections(r, MARKDOWN);
  assertStringIncludes(plain.sentence, "at 70% weight sparsity (");
});
