import { assert, assertEquals } from "@std/assert";

import { listDir, readJson, runOk, stepRefusals, tempDir } from "./_cli_testing.ts";

Deno.test("deno task calibrate writes unit costs the report then predicts with, beside user op weights", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await runOk("calibrate.ts", ["--out", `${dir}/calibration.json`]);
  const doc = await readJson(`${dir}/calibration.json`);
  assertEquals(doc.format, "mosaic-bench-calibration/1");
  for (const fw of ["gazelle", "cryptflow2", "cheetah"]) {
    assert(doc.unit_costs[fw].keySwitch > doc.unit_costs[fw].mult, fw);
    assert(doc.unit_costs[fw].mult > doc.unit_costs[fw].add, fw);
  }
  // Cheetah's own ops: a coefficient-form product costs more than a scalar one.
  assert(doc.unit_costs.cheetah.multCoeff > doc.unit_costs.cheetah.multScalar);
  assert(doc.manifest.presets.length === 3);
  await Deno.writeTextFile(
    `${dir}/w.json`,
    JSON.stringify({ name: "rotations only", keySwitch: 1 }),
  );
  await runOk("report.ts", [
    "--models",
    "vgg16-cifar10",
    "--frameworks",
    "gazelle",
    "--budgets",
    "0.7",
    "--no-bench",
    "--op-weights",
    `${dir}/w.json`,
    "--out-dir",
    dir,
  ]);
  const results = await readJson(`${dir}/results.json`);
  assert(results.manifest.unit_costs_name.startsWith("calibrated node-seal"));
  assertEquals(results.manifest.unit_costs.gazelle.keySwitch, doc.unit_costs.gazelle.keySwitch);
  // The results say where and when the unit costs were measured, and the headline says so.
  assertEquals(results.manifest.unit_costs_origin, {
    kind: "calibrated",
    cpu: doc.manifest.cpu,
    measured: doc.manifest.created,
    how: "file",
  });
  assert(
    (await Deno.readTextFile(`${dir}/summary.md`)).includes(
      "calibrated on this machine by `deno task calibrate` on ",
    ),
  );
  const spec = await readJson(`${dir}/charts/total_cost.vl.json`);
  const names = new Set(spec.data.values.map((v: { weights: string }) => v.weights));
  // Cost % is priced with the reference table and the user's weights; the calibration prices
  // predicted ms against measured ones (no timing here: --no-bench).
  assert(
    names.has("rotations only") &&
      names.has("the reference unit costs (the built-in node-seal table)"),
    [...names].join(),
  );
});

Deno.test("deno task calibrate refuses an --out that is a folder or under a file, before measuring", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.mkdir(`${dir}/folder.json`);
  await Deno.writeTextFile(`${dir}/file`, "mine");
  await stepRefusals(t, "calibrate.ts", [
    [["--out", `${dir}/folder.json`], /^error: --out \S+ is a folder: give a file path$/],
    [["--out", `${dir}/file/c.json`], /^error: --out \S+: \S+\/file is a file, not a folder/],
  ], { alone: true, tmp: dir, also: () => assertEquals(listDir(dir), ["file", "folder.json"]) });
});
