import { assert, assertEquals } from "@std/assert";

import {
  assertRefusal,
  exists,
  listDir,
  readJson,
  runOk,
  runScript,
  stepRefusals,
  tempDir,
} from "./_cli_testing.ts";

Deno.test("deno task report runs a study, writes results and renders every chart", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const r = await runOk("report.ts", [
    "--models",
    "vgg16-cifar10",
    "--budgets",
    "0.3,0.9",
    "--no-bench",
    "--out-dir",
    dir,
  ]);
  assert(r.stderr.includes("[3/3] vgg16-cifar10@0.25 cheetah mosaic sparsity 0.9"), r.stderr);
  assert(r.stderr.includes("rendering"), "progress on stderr");
  assert(r.stderr.includes("mosaic: assembly, "), "MOSAIC's assembly shows its progress");
  const doc = await readJson(`${dir}/results.json`);
  assertEquals(doc.format, "mosaic-bench-results/1");
  assertEquals(doc.prune.length, 3 * 2 * 2); // frameworks × budgets × methods
  assertEquals(doc.manifest.study.default_budget, 0.9);
  assert(!doc.manifest.cpu.includes("unknown"), doc.manifest.cpu); // 0.5 (the default) is not a budget here: the middle one
  assert(doc.manifest.hashes["vgg16-cifar10"].length === 64);
  assert(doc.manifest.hashes["vgg16-cifar10/gazelle/mosaic/0.9"].length === 64);
  const pngs = r.stdout.trim().split("\n").slice(1).map((l) => l.trim());
  // Δ, savings by framework, total, 3 layer charts, trade-off, nonlinear; no timing chart under
  // --no-bench.
  assertEquals(pngs.length, 8, pngs.join());
  assert(!pngs.some((p) => p.includes("time_vs_predicted")), pngs.join());
  for (const p of pngs) assert((await Deno.stat(p)).size > 1000, p);
  const html = await Deno.readTextFile(`${dir}/index.html`);
  assert(html.includes("SYNTHETIC") && html.includes("charts/tradeoff.svg"));
  const md = await Deno.readTextFile(`${dir}/summary.md`);
  assert(md.includes("21.14%") && md.includes("No layers were timed"), md);
  // Re-render from the results file without re-running.
  const again = await runOk("report.ts", [
    "--from",
    `${dir}/results.json`,
    "--out-dir",
    `${dir}/b`,
  ]);
  assert(!again.stderr.includes("sparsity"), "nothing was pruned again");
});

Deno.test("deno task report shards merge; mismatched shards and bad inputs are one line", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const base = ["--models", "resnet18-cifar10", "--budgets", "0.5", "--no-bench", "--out-dir", dir];
  for (const s of ["1/2", "2/2"]) await runOk("report.ts", [...base, "--shard", s]);
  const a = `${dir}/results-shard-1-of-2.json`, b = `${dir}/results-shard-2-of-2.json`;
  const sa = await readJson(a), sb = await readJson(b);
  assertEquals(sa.prune.map((p: { framework: string }) => p.framework)[0], "gazelle");
  assertEquals(sb.prune.map((p: { framework: string }) => p.framework)[0], "cryptflow2");
  await runOk("report.ts", ["--merge", a, "--merge", b, "--out-dir", `${dir}/m`]);
  const doc = await readJson(`${dir}/m/results.json`);
  assertEquals(doc.prune.length, 6); // 3 frameworks × 2 methods
  assertEquals(doc.shards.length, 2);
  sb.manifest.git_sha = "0".repeat(40);
  await Deno.writeTextFile(`${dir}/other.json`, JSON.stringify(sb));
  await Deno.writeTextFile(`${dir}/corrupt.json`, '{"format":');
  await stepRefusals(t, "report.ts", [
    [["--merge", a, "--merge", `${dir}/other.json`], 'manifest field "git_sha"'],
    [["--merge", a, "--merge", a], "given twice"],
    [["--merge", a], "missing"],
    [["--from", `${dir}/none.json`], "does not exist"],
    [["--from", `${dir}/corrupt.json`], "is not valid JSON"],
    [["--models", "vgg99"], 'Unknown model "vgg99"'],
    [["--budgets", "1.5"], "each of --budgets must be a number in (0, 1) (got 1.5)"],
    [["--shard", "3/2"], "--shard"],
    [["--profile", "huge"], 'Unknown profile "huge"'],
    [["--tool-benches", "--from", FIXTURE], "--tool-benches runs with a study"],
  ], { extraArgs: ["--out-dir", `${dir}/x`], tmp: dir });
  // Nothing half-written: failed runs left no output directory.
  assert(!(await exists(`${dir}/x`)));
});

const FIXTURE = "fixtures/results/quick_cifar10.json";

/** Every path under `dir` (hidden ones too) with each file's size, sorted. */
function tree(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${prefix}`)) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory) out.push(`${rel}/`, ...tree(dir, `${rel}/`));
    else out.push(`${rel} ${Deno.statSync(`${dir}/${rel}`).size}`);
  }
  return out.sort();
}

/** The sample results with every `vgg16-cifar10` renamed `name` (study list and rows). */
async function renamed(name: string, models?: string[]): Promise<string> {
  const r = await readJson(FIXTURE);
  const re = (rows: { model: string }[]) =>
    rows.map((x) => x.model === "vgg16-cifar10" ? { ...x, model: name } : x);
  r.manifest.study.models = models ??
    r.manifest.study.models.map((m: string) => m === "vgg16-cifar10" ? name : m);
  for (const k of ["prune", "timings", "nonlinear"]) r[k] = re(r[k]);
  return JSON.stringify(r);
}

Deno.test("deno task report writes only inside --out-dir, whatever names the results hold", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // Renders with the names reduced to safe file names (exit 0); nothing lands outside.
  const cases = ["x/../../../../pwned", "/tmp/pwned", ".."];
  for (const [i, name] of cases.entries()) {
    await t.step(JSON.stringify(name), async () => {
      const root = `${dir}/${i}`, out = `${root}/a/b/report`;
      await Deno.mkdir(root);
      await Deno.writeTextFile(`${root}/r.json`, await renamed(name));
      const r = await runOk("report.ts", ["--from", `${root}/r.json`, "--out-dir", out]);
      const files = tree(root).filter((p) => !p.startsWith("r.json "));
      const outside = files.filter((p) =>
        !["a/", "a/b/"].includes(p) && !p.startsWith("a/b/report/")
      );
      assertEquals(outside, [], "nothing outside the report folder");
      const charts = listDir(`${out}/charts`);
      assertEquals(charts.length, 10 * 3);
      assert(charts.every((c) => /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(c)), charts.join());
      assert(!r.stdout.includes("pwned/"), r.stdout);
    });
  }
});

Deno.test("deno task report refuses an --out-dir that is a file or under one, in one line", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.writeTextFile(`${dir}/file`, "mine");
  await stepRefusals(t, "report.ts", [
    [
      ["--out-dir", `${dir}/file`],
      /^error: --out-dir \S+\/file is a file, not a folder: give a folder path$/,
    ],
    [
      ["--out-dir", `${dir}/file/sub`],
      /^error: --out-dir \S+\/file\/sub: \S+\/file is a file, not a folder/,
    ],
    [["--out-dir", ""], /^error: --out-dir needs (a value|a folder path)/],
  ], {
    alone: true,
    extraArgs: ["--from", FIXTURE],
    tmp: dir,
    also: () => assertEquals(listDir(dir), ["file"]),
  });
});

Deno.test("a refused results file leaves an existing --out-dir as it was", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // A model listed twice: refused when the file is read (a failure after charts were rendered is
  // tested on renderReport itself, in src/report/report_test.ts).
  await Deno.writeTextFile(
    `${dir}/r.json`,
    await renamed("vgg16-cifar10", ["resnet18-cifar10", "vgg16-cifar10", "vgg16-cifar10"]),
  );
  await runOk("report.ts", ["--from", FIXTURE, "--out-dir", `${dir}/report`]);
  const before = tree(dir);
  const r = await runScript("report.ts", ["--from", `${dir}/r.json`, "--out-dir", `${dir}/report`]);
  assertRefusal(r, /"vgg16-cifar10" is given twice/);
  assertEquals(tree(dir), before);
});

Deno.test("a CPU name with quotes, expression syntax or markup reaches the report as text", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const cpu = `Bob's "CPU" x' || true || ' <script>alert(1)</script>`;
  await Deno.writeTextFile(
    `${dir}/calibration.json`,
    JSON.stringify({
      format: "mosaic-bench-calibration/1",
      manifest: { cpu },
      unit_costs: { gazelle: { keySwitch: 10, mult: 1, add: 0.1 } },
    }),
  );
  await runOk("report.ts", [
    "--models",
    "vgg16-cifar10",
    "--frameworks",
    "gazelle",
    "--budgets",
    "0.7",
    "--no-bench",
    "--out-dir",
    dir,
  ]);
  const name = `calibrated node-seal (${cpu})`;
  assertEquals((await readJson(`${dir}/results.json`)).manifest.unit_costs_name, name);
  // Cost % charts filter on the reference table's name; the CPU's name stays text everywhere.
  const spec = await readJson(`${dir}/charts/total_cost.vl.json`);
  const dots = spec.spec.layer[0].transform[0].filter;
  assertEquals(dots, {
    field: "weights",
    equal: "the reference unit costs (the built-in node-seal table)",
  });
  const svg = await Deno.readTextFile(`${dir}/charts/total_cost.svg`);
  assert(!svg.includes("<script"), "the SVG escapes the title");
  const html = await Deno.readTextFile(`${dir}/index.html`);
  assert(!html.includes("<script") && html.includes("Bob's &quot;CPU&quot; x' || true || '"));
  const md = await Deno.readTextFile(`${dir}/summary.md`);
  assert(!/(?<!\\)<script/.test(md) && md.includes("Bob's \"CPU\" x' \\|\\| true \\|\\| '"), md);
});
