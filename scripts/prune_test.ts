import { assert, assertEquals } from "@std/assert";

import {
  listDir,
  readJson,
  runJson,
  runOk,
  runScript,
  stepRefusals,
  tempDir,
} from "./_cli_testing.ts";

Deno.test("deno task prune writes masks, permutations and ONNX; cost --masks shows before → after", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const r = await runOk("prune.ts", [
    "--model",
    "resnet18-cifar10",
    "--width",
    "0.125",
    "--method",
    "mosaic",
    "--framework",
    "cryptflow2",
    "--ratio",
    "0.7",
    "--out",
    `${dir}/masks/m.json`,
    "--onnx",
    `${dir}/m.onnx`,
  ]);
  assert(r.stdout.includes("HE cost") && r.stdout.includes("retained saliency"), r.stdout);
  assert(r.stdout.includes("SYNTHETIC"), "synthetic weights are labelled");
  assert(r.stderr.includes("assembled in"), r.stderr);
  assert(
    /mosaic: assembly, (\d+)\/\1 tie searches, /.test(r.stderr),
    "assembly progress ends on n/n",
  );
  const doc = await readJson(`${dir}/masks/m.json`);
  assertEquals(doc.format, "mosaic-bench-masks/1");
  assertEquals(doc.prune.method, "mosaic");
  assert(Object.keys(doc.permutations).length > 0);
  assertEquals(doc.manifest.model_hash, doc.model_hash);
  assert((await Deno.stat(`${dir}/m.onnx`)).size > 1000);
  const costArgs = [
    "--model",
    "resnet18-cifar10",
    "--width",
    "0.125",
    "--framework",
    "cryptflow2",
    "--masks",
    `${dir}/masks/m.json`,
  ];
  const c = await runOk("cost.ts", costArgs);
  const lines = c.stdout.trim().split("\n");
  const total = lines.find((l) => l.startsWith("total"))!;
  assert(total.includes("→"), total);
  assertEquals(
    lines.at(-1),
    `HE cost ${doc.report.totals.cost_pct}% of unpruned ` +
      "(each model planned with its own Galois keys; ks = key switches)",
  );
  const both = JSON.parse((await runScript("cost.ts", [...costArgs, "--json"])).stdout);
  assertEquals(both.pruned.totals.ops.mult, doc.report.totals.pruned.mult);
  assertEquals(both.manifest.model_hash, doc.model_hash);
  assertEquals(both.manifest.mask_file_hash.length, 64);
  // The pruned mult count in the table is the report's.
  assert(
    total.includes(`→ ${doc.report.totals.pruned.mult}`),
    `${total} vs ${doc.report.totals.pruned.mult}`,
  );
});

Deno.test("deno task prune rejects bad budgets and inputs with one line, writing nothing", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.writeTextFile(`${dir}/r.json`, '{"features.99": 0.5}');
  await Deno.writeTextFile(`${dir}/bad.json`, "{oops");
  const base = ["--model", "vgg16-cifar10", "--width", "0.125", "--out", `${dir}/o.json`];
  await stepRefusals(t, "prune.ts", [
    [base, "give exactly one budget"],
    [[...base, "--ratio", "0.5", "--cost", "0.3"], "give exactly one budget"],
    [[...base, "--ratio", "1.5"], "--ratio must be a number in [0, 1] (got 1.5)"],
    [[...base, "--ratio", "x"], "--ratio must be a number"],
    [[...base, "--layer-ratios", `${dir}/r.json`], 'layer "features.99"'],
    [[...base, "--layer-ratios", `${dir}/bad.json`], "is not valid JSON"],
    [[...base, "--layer-ratios", `${dir}/none.json`], "cannot be read"],
    [[...base, "--ratio", "0.5", "--method", "magic"], 'Unknown --method "magic"'],
    [
      [...base, "--ratio", "0.5", "--framework", "cheetah", "--conv-method", "or"],
      'Unknown --conv-method "or": use coeff',
    ],
    [[...base, "--ratio", "0.5", "--kinds", "tiles"], 'Unknown structure kind "tiles"'],
    [[...base, "--ratio", "0.5", "--data", `${dir}/nodata`], "not found"],
  ], { tmp: dir, also: (r) => assert(!r.stderr.includes("    at "), "no stack trace") });
  assertEquals(listDir(dir), ["bad.json", "r.json"]);
});

Deno.test("deno task prune --data reports unpruned and pruned accuracy on real-format images", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  // A generated CIFAR-10 test batch: 4 random images with labels 0..3.
  const records = new Uint8Array(3073 * 4);
  for (let r = 0; r < 4; r++) {
    records[r * 3073] = r;
    for (let j = 1; j < 3073; j++) records[r * 3073 + j] = (j * 37 + r * 101) % 256;
  }
  await Deno.writeFile(`${dir}/test_batch.bin`, records);
  const rep = await runJson("prune.ts", [
    "--model",
    "vgg16-cifar10",
    "--width",
    "0.125",
    "--method",
    "hunter",
    "--ratio",
    "0.3",
    "--data",
    dir,
    "--json",
  ]);
  assertEquals(rep.accuracy.images, 4);
  assertEquals([rep.accuracy.dataset, rep.accuracy.fitted], ["cifar10/test", "none"]);
  assert(rep.accuracy.unpruned_top1 >= 0 && rep.accuracy.unpruned_top1 <= 1);
  assert(rep.accuracy.pruned_top1 >= 0 && rep.accuracy.pruned_top1 <= 1);
  assert(rep.accuracy.engine.startsWith("onnxruntime-web"), rep.accuracy.engine);
  // A 1-channel model on Fashion-MNIST: padded to its 32×32 input; the text report says so.
  const f = await runOk("prune.ts", [
    "--model",
    "vgg16-fashionmnist",
    "--width",
    "0.125",
    "--method",
    "hunter",
    "--ratio",
    "0.3",
    "--data",
    "fashion-mnist",
    "--limit",
    "20",
    "--out",
    `${dir}/m.json`,
  ]);
  const last = f.stdout.trim().split("\n").at(-1)!;
  assert(
    last.startsWith(
      "one-shot top-1 on 20 images of fashion-mnist/test (fitted: padded 28×28→32×32",
    ),
    last,
  );
  const doc = await readJson(`${dir}/m.json`);
  assertEquals(doc.report.accuracy.images, 20);
});

Deno.test("deno task prune refuses output paths that are folders or under files; writes both files or neither", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.mkdir(`${dir}/folder`);
  await Deno.writeTextFile(`${dir}/file`, "mine");
  const base = ["--model", "fixtures/tiny_residual.onnx", "--method", "hunter", "--ratio", "0.5"];
  const m = `${dir}/m.json`;
  await stepRefusals(t, "prune.ts", [
    [
      [...base, "--out", `${dir}/folder`],
      /^error: --out \S+\/folder is a folder: give a file path$/,
    ],
    [[...base, "--out", `${dir}/new/`], /^error: --out \S+\/new\/ is a folder/],
    [
      [...base, "--out", `${dir}/file/m.json`],
      /^error: --out \S+\/file\/m\.json: \S+\/file is a file, not a folder/,
    ],
    [[...base, "--out", `${dir}/file/a/b/m.json`], /\/file is a file, not a folder/],
    [[...base, "--out", ""], /^error: --out needs a value/],
    [[...base, "--out", "", "--json"], /^error: --out needs a value/],
    // The mask file is not written when the ONNX cannot be.
    [[...base, "--out", m, "--onnx", `${dir}/folder`], /^error: --onnx \S+\/folder is a folder/],
    [
      [...base, "--out", m, "--onnx", `${dir}/file/m.onnx`],
      /^error: --onnx \S+: \S+\/file is a file/,
    ],
    // Found only when the second file is staged, after pruning: the first one is not written.
    [
      [...base, "--out", m, "--onnx", `${dir}/./m.json`],
      /^error: --onnx \S+: two outputs of this run/,
    ],
  ], {
    tmp: dir,
    also: (r) => {
      assert(!r.stderr.includes("    at "), "no stack trace");
      assertEquals(listDir(dir), ["file", "folder"], "nothing written, no temporary file left");
      assertEquals(listDir(`${dir}/folder`), []);
    },
  });
  assertEquals(Deno.readTextFileSync(`${dir}/file`), "mine");
});
