import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { decode } from "fast-png";
import { allCharts, type OpWeights } from "./_charts.ts";
import { mergeShards, parseResults, readResults, type Results } from "../study/mod.ts";
import { predictMs } from "../he/mod.ts";
import { renderReport, reportWeights } from "./report.ts";
import { costPct, isoLines, rowCostPct } from "./_compare.ts";

const FIXTURE = new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname;

async function fixture(): Promise<Results> {
  return await readResults(FIXTURE);
}

function runWeights(r: Results): OpWeights[] {
  return reportWeights(r, null);
}

Deno.test("the report renders from fixture results: PNGs decode, SVGs have axis titles, index links every chart", async () => {
  const r = await fixture();
  assert(r.timings.length > 0, "the fixture was timed");
  const dir = await Deno.makeTempDir();
  const pngs = await renderReport(r, dir, null);
  const charts = allCharts(r, runWeights(r));
  assertEquals(pngs.length, charts.length);
  const html = await Deno.readTextFile(`${dir}/index.html`);
  const titles: Record<string, string[]> = {
    mosaic_minus_hunter: ["Δ (points)", "weight sparsity budget"],
    total_cost: ["HE cost (% of unpruned)", "model"],
    time_vs_predicted: ["predicted (ms)", "measured (ms)"],
    tradeoff: ["retained saliency", "HE cost deleted (%)"],
    savings_by_framework: ["HE cost deleted (% of unpruned)", "framework"],
    nonlinear: ["MB (log scale)"],
  };
  for (const c of charts) {
    const png = decode(await Deno.readFile(`${dir}/charts/${c.name}.png`));
    assert(png.width > 200 && png.height > 100, `${c.name}: ${png.width}×${png.height}`);
    // Not a blank image: some pixels are dark (text, marks).
    let dark = 0;
    for (let i = 0; i < png.data.length; i += png.channels) if (png.data[i] < 100) dark++;
    assert(dark > 100, `${c.name} has ink`);
    const svg = await Deno.readTextFile(`${dir}/charts/${c.name}.svg`);
    for (const t of titles[c.name] ?? ["layer", "ops"]) assert(svg.includes(t), `${c.name}: ${t}`);
    assert(html.includes(`charts/${c.name}.svg`) && html.includes(`charts/${c.name}.png`), c.name);
    const spec = JSON.parse(await Deno.readTextFile(`${dir}/charts/${c.name}.vl.json`));
    assertEquals(spec.data?.values ?? spec.layer?.[1]?.data?.values, c.rows, c.name);
  }
  assert(html.includes(r.manifest.git_sha) && html.includes("SYNTHETIC"));
  const md = await Deno.readTextFile(`${dir}/summary.md`);
  assert(md.includes("Median measured / predicted"), md);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("chart data equals the results' numbers", async () => {
  const r = await fixture();
  const w = runWeights(r);
  const charts = new Map(allCharts(r, w).map((c) => [c.name, c]));
  const b = r.manifest.study.default_budget;
  const total = charts.get("total_cost")!;
  for (const p of r.prune.filter((x) => x.budget === b)) {
    const row = total.rows.find((x) =>
      x.model === p.model && x.framework === p.framework && x.method === p.method &&
      x.weights === w[0].name
    )!;
    // The run's own cost % (the number prune and cost --masks print) is what the chart shows.
    assertEquals(row.cost_pct, p.cost_pct, `${p.model} ${p.method}`);
    assertEquals(row.retained_saliency, p.retained_saliency);
  }
  const paper = total.rows.filter((x) => x.weights === "paper");
  assertEquals(paper.length, 0, "the fixture has no Tiny ImageNet model, so no paper number");
  const lay = charts.get("layers_vgg16-cifar10_gazelle")!;
  const h = r.prune.find((p) =>
    p.model === "vgg16-cifar10" && p.framework === "gazelle" && p.method === "hunter" &&
    p.budget === b
  )!;
  for (const l of h.layers) {
    const get = (variant: string, op: string) =>
      lay.rows.find((x) => x.layer === l.name && x.variant === variant && x.op === op)!.count;
    assertEquals(get("unpruned", "Perm"), l.dense.perm_in + l.dense.perm_out);
    assertEquals(get("hunter", "Mult"), l.pruned.mult);
    assertEquals(get("hunter", "Add"), l.pruned.add);
  }
  const trade = charts.get("tradeoff")!;
  assertEquals(trade.rows.length, r.prune.length);
  for (const row of trade.rows) {
    const p = r.prune.find((x) =>
      x.model === row.model && x.framework === row.framework && x.method === row.method &&
      x.budget === row.budget
    )!;
    assertEquals(
      row.cost_deleted_pct,
      Number((100 - rowCostPct(p, w[0].byFramework[p.framework])).toFixed(2)),
    );
  }
  const time = charts.get("time_vs_predicted")!;
  assertEquals(time.rows.length, r.timings.length);
  for (const row of time.rows) {
    const t = r.timings.find((x) =>
      x.model === row.model && x.layer === row.layer && x.framework === row.framework &&
      x.variant === row.variant
    )!;
    assertEquals(row.measured_ms, t.measured_ms);
    const p = r.prune.find((x) =>
      x.model === t.model && x.framework === t.framework && x.budget === b &&
      x.method === (t.variant === "mosaic" ? "mosaic" : "hunter")
    )!;
    const l = p.layers.find((x) => x.name === t.layer)!;
    const c = t.variant === "unpruned" ? l.dense : l.pruned;
    // Predicted ms are priced with the run's own unit costs (what it measured), not the reference.
    const own = r.manifest.unit_costs[t.framework];
    assertEquals(row.predicted_ms, Number(predictMs(c, own).toFixed(2)));
  }
});

Deno.test("a missing or corrupt results file, or mismatched shards, is one clear error", async () => {
  await assertRejects(() => readResults("/nonexistent/r.json"), Error, "does not exist");
  assertThrows(() => parseResults("{", "r.json"), Error, "not valid JSON");
  assertThrows(() => parseResults('{"format":"x"}', "r.json"), Error, "was not written");
  assertThrows(
    () => parseResults('{"format":"mosaic-bench-results/1","manifest":{}}', "r.json"),
    Error,
    "truncated",
  );
  const r = await fixture();
  const shard = (i: number, patch: Partial<Results["manifest"]> = {}): Results => ({
    ...r,
    manifest: { ...r.manifest, ...patch },
    shards: [{ index: i, count: 2 }],
    prune: r.prune.filter((p) => (p.framework === "gazelle") === (i === 1)),
  });
  const merged = mergeShards([shard(1), shard(2)]);
  assertEquals(merged.prune.length, r.prune.length);
  assertThrows(() => mergeShards([shard(1), shard(2, { deno: "0.0.0" })]), Error, '"deno"');
  assertThrows(
    () => mergeShards([shard(1), shard(2, { cpu: "other" })]),
    Error,
    "--allow-mixed-cpu",
  );
  assertEquals(
    mergeShards([shard(1), shard(2, { cpu: "other" })], undefined, { allowMixedCpu: true })
      .manifest.cpu,
    `${r.manifest.cpu} | other`,
  );
  assertThrows(() => mergeShards([shard(1)]), Error, "missing");
});

Deno.test("the iso-accuracy table says how many seeds reached the accuracy and marks bounds", () => {
  const iso = (
    method: string,
    seeds: { seed: number; cost_pct: number | null; reading: string }[],
  ) => {
    const costs = seeds.map((s) => s.cost_pct).filter((c): c is number => c !== null);
    return {
      model: "m",
      framework: "f",
      method,
      delta: 0.5,
      unpruned: 0.9,
      cost_pct: costs.length ? costs.reduce((a, b) => a + b) / costs.length : null,
      cost_min: costs.length ? Math.min(...costs) : null,
      cost_max: costs.length ? Math.max(...costs) : null,
      seeds,
    };
  };
  const r = {
    accuracy: {
      iso: [
        iso("hunter", [
          { seed: 1, cost_pct: null, reading: "not-reached" },
          { seed: 2, cost_pct: 74.42, reading: "interpolated" },
        ]),
        iso("mosaic", [
          { seed: 1, cost_pct: 60, reading: "cheapest-measured" },
          { seed: 2, cost_pct: 50, reading: "interpolated" },
        ]),
      ],
    },
  } as unknown as Results;
  const [line] = isoLines(r);
  assertEquals(line.hunter, "74.42 (1 of 2 seeds)");
  assertEquals(line.mosaic, "≤ 55.00 [50.00, 60.00]");
  // Paired by seed: only seed 2 reached the target with both methods (50 − 74.42).
  assertEquals([line.mosaic_minus_hunter, line.paired_seeds], [-24.42, 1]);
});

/** Every path under `dir` (hidden ones too) with the size of each file, sorted. */
function tree(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${prefix}`)) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory) out.push(`${rel}/`, ...tree(dir, `${rel}/`));
    else out.push(`${rel} ${Deno.statSync(`${dir}/${rel}`).size}`);
  }
  return out.sort();
}

Deno.test("names from a results file cannot place a chart outside the report folder", async () => {
  const r = structuredClone(await fixture());
  // The report folder is <tmp>/a/b/report: a name climbing 1 to 4 levels lands in one of them.
  const bad = "x/../../../../pwned";
  const rename = <T extends { model: string }>(rows: readonly T[]) =>
    rows.map((row) => row.model === "vgg16-cifar10" ? { ...row, model: bad } : row);
  const hostile: Results = {
    ...r,
    manifest: {
      ...r.manifest,
      study: {
        ...r.manifest.study,
        models: [bad, "resnet18-cifar10"],
        frameworks: ["gazelle", "../fw"],
      },
    },
    prune: rename(r.prune).map((p) =>
      p.framework === "cryptflow2" ? { ...p, framework: "../fw" } : p
    ),
    timings: rename(r.timings),
    nonlinear: rename(r.nonlinear),
  };
  const tmp = await Deno.makeTempDir();
  const dir = `${tmp}/a/b/report`;
  const pngs = await renderReport(hostile, dir, null);
  const inside = tree(tmp);
  assert(inside.every((p) => p.startsWith("a/")), inside.join("\n"));
  assert(!inside.some((p) => p.startsWith("a/b/pwned") || p.startsWith("a/pwned")));
  const layerCharts = pngs.filter((p) => p.startsWith("charts/layers_"));
  assertEquals(layerCharts.length, 4);
  for (const p of layerCharts) {
    assert(/^charts\/layers_[A-Za-z0-9_-][A-Za-z0-9._-]*\.png$/.test(p), p);
    assert((await Deno.stat(`${dir}/${p}`)).isFile);
  }
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("a report that fails part way leaves its folder exactly as it was", async (t) => {
  const r = await fixture();
  const n = allCharts(r, runWeights(r)).length;
  // [the chart whose turn throws (1-based), whether an older report is in the folder]
  const cases: [number, boolean][] = [[1, false], [n, false], [1, true], [n, true]];
  for (const [failAt, older] of cases) {
    await t.step(
      `fails at chart ${failAt} of ${n}, ${older ? "over" : "without"} an older report`,
      async () => {
        const tmp = await Deno.makeTempDir();
        const dir = `${tmp}/report`;
        if (older) {
          await Deno.mkdir(`${dir}/charts`, { recursive: true });
          await Deno.writeTextFile(`${dir}/index.html`, "older");
          await Deno.writeTextFile(`${dir}/charts/total_cost.svg`, "older");
          await Deno.writeTextFile(`${dir}/results.json`, "older");
        }
        const before = tree(tmp);
        let seen = 0;
        // The progress callback is the seam: it runs before each chart is rendered.
        const failing = () => {
          if (++seen === failAt) throw new Error("injected failure");
        };
        await assertRejects(() => renderReport(r, dir, null, failing), Error, "injected failure");
        assertEquals(tree(tmp), before);
        await Deno.remove(tmp, { recursive: true });
      },
    );
  }
});

Deno.test("results written before Cheetah's ops existed price them at 0, not NaN", async () => {
  const r = await fixture();
  const strip = <T extends object>(o: T) => {
    const { mult_scalar: _a, extract: _b, multScalar: _c, ...rest } = o as Record<string, unknown>;
    return rest as T;
  };
  const old = {
    ...r,
    manifest: {
      ...r.manifest,
      unit_costs: Object.fromEntries(
        Object.entries(r.manifest.unit_costs).map(([k, u]) => [k, strip(u)]),
      ),
    },
    prune: r.prune.map((p) => ({
      ...p,
      layers: p.layers.map((l) => ({ ...l, dense: strip(l.dense), pruned: strip(l.pruned) })),
    })),
  } as Results;
  const native = runWeights(r)[1];
  for (const [i, p] of old.prune.entries()) {
    const before = costPct(r.prune[i], native.byFramework[p.framework]);
    assertEquals(costPct(p, native.byFramework[p.framework]), before);
    assert(before < 100, `${p.model} ${p.method}: ${before}`);
  }
});
