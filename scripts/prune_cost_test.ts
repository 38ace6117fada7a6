import { assert, assertEquals } from "@std/assert";
import { parse } from "@std/csv";

import { readJson, runJson, runOk, tempDir } from "./_cli_testing.ts";
import { exportOnnx, type Network, type Node, tinyBatchNorm } from "../src/nn/mod.ts";

// VGG-16 at width 0.25: under CrypTFlow2 its last stage needs the ±2^i key set unpruned and exact
// keys pruned, so the two commands agree only if both count each model under its own keys.
const MODEL = ["--model", "vgg16-cifar10", "--width", "0.25"];

Deno.test("deno task cost --masks gives exactly the HE cost deno task prune reported (every op kind, key switches included)", async (t) => {
  await using tmp = await tempDir();
  for (const framework of ["gazelle", "cryptflow2"]) {
    for (const method of ["hunter", "mosaic"]) {
      await t.step(`${framework} ${method}`, async () => {
        const out = `${tmp.path}/${framework}-${method}.json`;
        await runOk("prune.ts", [
          ...MODEL,
          "--framework",
          framework,
          "--method",
          method,
          "--ratio",
          "0.7",
          "--fidelity",
          "0",
          "--out",
          out,
        ]);
        const report = (await readJson(out)).report;
        const cost = await runJson("cost.ts", [
          ...MODEL,
          "--framework",
          framework,
          "--masks",
          out,
          "--json",
        ]);
        const rt = report.totals;
        assertEquals(rt.dense, cost.unpruned.totals.ops);
        assertEquals(rt.pruned, cost.pruned.totals.ops);
        assertEquals(
          [rt.predicted_ms_dense, rt.predicted_ms, rt.cost_pct],
          [
            cost.unpruned.totals.predicted_server_ms,
            cost.pruned.totals.predicted_server_ms,
            cost.cost_pct,
          ],
        );
        // deno-lint-ignore no-explicit-any -- rows of the JSON the scripts print
        const pruned = new Map(cost.pruned.layers.map((l: any) => [l.name, l]));
        for (const l of report.layers) {
          // deno-lint-ignore no-explicit-any -- a row of the JSON cost prints
          const row = pruned.get(l.name) as any;
          assertEquals(l.pruned, row.ops, l.name);
          assertEquals(l.predicted_ms, row.predicted_server_ms, l.name);
        }
        if (framework === "cryptflow2") {
          // The case the convention is about: a layer whose pruned plan has its own, smaller keys.
          const changed = cost.unpruned.layers.filter(
            // deno-lint-ignore no-explicit-any -- a row of the JSON cost prints
            (l: any, i: number) => l.keys.kind !== cost.pruned.layers[i].keys.kind,
          );
          assert(changed.length > 0, "no layer changed key set: the test lost its point");
        }
      });
    }
  }
  await t.step("--csv with --masks is one table with a variant column", async () => {
    const out = `${tmp.path}/cryptflow2-mosaic.json`;
    const report = (await readJson(out)).report;
    const csv = await runOk("cost.ts", [
      ...MODEL,
      "--framework",
      "cryptflow2",
      "--masks",
      out,
      "--csv",
    ]);
    const lines: string[][] = parse(csv.stdout);
    const head = lines[0];
    assertEquals(head.slice(0, 2), ["variant", "name"]);
    assert(head.includes("key_switches"), head.join());
    assertEquals(lines.filter((l) => l[1] === "name").length, 1, "one header");
    for (const l of lines) assertEquals(l.length, head.length, l.join());
    // 14 layers and a total row per variant.
    const rows = lines.slice(1);
    assertEquals(rows.map((r) => r[0]), [
      ...Array(15).fill("unpruned"),
      ...Array(15).fill("pruned"),
    ]);
    const total = rows.find((r) => r[0] === "pruned" && r[1] === "total")!;
    assertEquals(
      Number(total[head.indexOf("key_switches")]),
      report.totals.pruned.key_switches,
    );
  });
});

Deno.test("a standalone BatchNorm (not pruned) is in both commands' totals, and in prune's table as its own row", async () => {
  await using tmp = await tempDir();
  // tinyBatchNorm with its BatchNorm moved after the ReLU: it no longer folds into the conv.
  const net = tinyBatchNorm();
  const [conv, bn, relu, ...rest] = net.nodes;
  const moved: Network = {
    ...net,
    nodes: [
      conv,
      { ...relu, inputs: ["c"], output: "r0" } as Node,
      { ...bn, inputs: ["r0"], output: "r" } as Node,
      ...rest,
    ],
  };
  const model = `${tmp.path}/bn.onnx`, out = `${tmp.path}/m.json`;
  await Deno.writeFile(model, exportOnnx(moved));
  const p = await runOk("prune.ts", [
    "--model",
    model,
    "--method",
    "hunter",
    "--ratio",
    "0.5",
    "--out",
    out,
  ]);
  assert(p.stdout.includes("\nBatchNorm (not pruned)"), p.stdout);
  const report = (await readJson(out)).report;
  const cost = await runJson("cost.ts", ["--model", model, "--masks", out, "--json"]);
  // deno-lint-ignore no-explicit-any -- rows of the JSON cost prints
  assertEquals(cost.unpruned.layers.map((l: any) => l.kind), ["conv", "bn", "fc"]);
  assertEquals(report.totals.dense, cost.unpruned.totals.ops);
  assertEquals(report.totals.pruned, cost.pruned.totals.ops);
  assertEquals(report.totals.cost_pct, cost.cost_pct);
});
