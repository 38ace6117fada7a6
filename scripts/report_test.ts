import { assert, assertEquals } from "@std/assert";

import { exists, readJson, runOk, stepRefusals, tempDir } from "./_cli_testing.ts";

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
  assert(r.stderr.includes("[2/2] vgg16-cifar10@0.25 cryptflow2 mosaic sparsity 0.9"), r.stderr);
  assert(r.stderr.includes("rendering"), "progress on stderr");
  const doc = await readJson(`${dir}/results.json`);
  assertEquals(doc.format, "mosaic-bench-results/1");
  assertEquals(doc.prune.length, 2 * 2 * 2);
  assertEquals(doc.manifest.study.default_budget, 0.9);
  assert(!doc.manifest.cpu.includes("unknown"), doc.manifest.cpu); // 0.5 (the default) is not a budget here: the middle one
  assert(doc.manifest.hashes["vgg16-cifar10"].length === 64);
  assert(doc.manifest.hashes["vgg16-cifar10/gazelle/mosaic/0.9"].length === 64);
  const pngs = r.stdout.trim().split("\n").slice(1).map((l) => l.trim());
  assertEquals(pngs.length, 6); // total, 2 layer charts, time, trade-off, nonlinear
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
  assertEquals(doc.prune.length, 4);
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
  ], { extraArgs: ["--out-dir", `${dir}/x`], tmp: dir });
  // Nothing half-written: failed runs left no output directory.
  assert(!(await exists(`${dir}/x`)));
});
