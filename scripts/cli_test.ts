import { assert, assertEquals } from "@std/assert";

import { runScript as run } from "./_cli_testing.ts";

Deno.test("deno task plan --json prints the documented fields", async () => {
  const r = await run("plan.ts", [
    "gazelle",
    "conv:h=16,w=16,ci=128,co=128,k=3,s=1,p=1",
    "--method",
    "or",
    "--json",
  ]);
  assertEquals(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (
    const k of ["framework", "preset", "slots", "channels_per_ct", "in_cts", "out_cts", "method"]
  ) {
    assert(k in j, k);
  }
  assertEquals(j.framework, "gazelle");
  assertEquals(j.slots, 2048);
  assertEquals(j.channels_per_ct, 8);
  assertEquals([j.in_cts, j.out_cts], [16, 16]);
  assertEquals(j.method, "or");
  assertEquals(j.ops.perm_in, 128);
  assertEquals(j.ops.perm_out, 112);
  assertEquals(j.ops.mult, 18432);
  assert(j.security.startsWith("NOT 128-bit secure"));
  assert(j.weights.startsWith("synthetic"));
  assertEquals(j.bytes.up, 16 * (113 + 2 * 2048 * 2 * 8));
  assertEquals(j.manifest.node_seal, "7.0.0");
  assert(j.manifest.presets[0].security.startsWith("NOT 128-bit secure"));
});

Deno.test("deno task plan --execute verifies the layer and reports times and noise", async () => {
  const r = await run("plan.ts", [
    "gazelle",
    "fc:in=512,out=10",
    "--execute",
    "--json",
    "--preset",
    "gazelle-secure",
  ]);
  assertEquals(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assertEquals(j.verified, true);
  assertEquals(j.ledger_matches_plan, true);
  assertEquals(j.security, "128-bit secure");
  for (const k of ["encrypt", "server", "decrypt"]) assert(j.times_ms[k] > 0, k);
  assert(j.noise_budget_bits >= 4);
  assertEquals(j.bytes.up, 113 + 2 * 4096 * 2 * 8);
  assertEquals(j.bytes.galois_keys, 56 + 8 * 4096 + j.keys.count * 2 * (113 + 2 * 3 * 4096 * 8));
});

Deno.test("bad plan requests exit non-zero with one line and no stack trace", async () => {
  const cases: [string[], string][] = [
    [["gazelle", "conv:h=16,w=16,ci=128,k=3"], 'missing field "co"'],
    [["gazelle", "conv:h=2,w=2,ci=1,co=1,k=5,p=0"], "larger than the padded"],
    [["gazelle", "conv:h=8,w=8,ci=0,co=1,k=3"], "zero channels"],
    [["gazelle", "conv:h=2,w=1500,ci=1,co=1,k=1"], "does not fit preset gazelle"],
    [["gazelle", "conv:h=64,w=64,ci=1,co=1,k=3", "--method", "ir"], "output-rotation method"],
    [["gazelle", "fc:in=4,out=4", "--preset", "huge"], 'Unknown --preset "huge"'],
    [["gazelle", "fc:in=4,out=4", "--method", "xx"], 'Unknown --method "xx"'],
    [["cheetah", "fc:in=4,out=4"], 'Unknown framework "cheetah"'],
    [["cryptflow2", "conv:h=128,w=128,ci=3,co=8,k=3"], "SCI would use N = 65536"],
    [["cryptflow2", "fc:in=4,out=4", "--bits", "50"], "--bits must be an integer in 32..41"],
    [["gazelle", "fc:in=4,out=4", "--bogus"], "Unknown option --bogus"],
    [["gazelle"], "missing arguments"],
  ];
  for (const [args, msg] of cases) {
    const r = await run("plan.ts", args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assertEquals(lines.length, 1, `${args.join(" ")}: ${r.stderr}`);
    assert(lines[0].startsWith("error: ") && lines[0].includes(msg), lines[0]);
    assertEquals(r.stdout, "");
  }
});

Deno.test("deno task report runs a study, writes results and renders every chart", async () => {
  const dir = await Deno.makeTempDir();
  const r = await run("report.ts", [
    "--models",
    "vgg16-cifar10",
    "--budgets",
    "0.3,0.9",
    "--no-bench",
    "--out-dir",
    dir,
  ]);
  assertEquals(r.code, 0, r.stderr);
  assert(r.stderr.includes("[2/2] vgg16-cifar10@0.25 cryptflow2 mosaic sparsity 0.9"), r.stderr);
  assert(r.stderr.includes("rendering"), "progress on stderr");
  const doc = JSON.parse(await Deno.readTextFile(`${dir}/results.json`));
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
  const again = await run("report.ts", ["--from", `${dir}/results.json`, "--out-dir", `${dir}/b`]);
  assertEquals(again.code, 0, again.stderr);
  assert(!again.stderr.includes("sparsity"), "nothing was pruned again");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task report shards merge; mismatched shards and bad inputs are one line", async () => {
  const dir = await Deno.makeTempDir();
  const base = ["--models", "resnet18-cifar10", "--budgets", "0.5", "--no-bench", "--out-dir", dir];
  for (const s of ["1/2", "2/2"]) {
    const r = await run("report.ts", [...base, "--shard", s]);
    assertEquals(r.code, 0, r.stderr);
  }
  const a = `${dir}/results-shard-1-of-2.json`, b = `${dir}/results-shard-2-of-2.json`;
  const sa = JSON.parse(await Deno.readTextFile(a)), sb = JSON.parse(await Deno.readTextFile(b));
  assertEquals(sa.prune.map((p: { framework: string }) => p.framework)[0], "gazelle");
  assertEquals(sb.prune.map((p: { framework: string }) => p.framework)[0], "cryptflow2");
  const merged = await run("report.ts", ["--merge", a, "--merge", b, "--out-dir", `${dir}/m`]);
  assertEquals(merged.code, 0, merged.stderr);
  const doc = JSON.parse(await Deno.readTextFile(`${dir}/m/results.json`));
  assertEquals(doc.prune.length, 4);
  assertEquals(doc.shards.length, 2);
  sb.manifest.git_sha = "0".repeat(40);
  await Deno.writeTextFile(`${dir}/other.json`, JSON.stringify(sb));
  await Deno.writeTextFile(`${dir}/corrupt.json`, '{"format":');
  const cases: [string[], string][] = [
    [["--merge", a, "--merge", `${dir}/other.json`], 'manifest field "git_sha"'],
    [["--merge", a, "--merge", a], "given twice"],
    [["--merge", a], "missing"],
    [["--from", `${dir}/none.json`], "does not exist"],
    [["--from", `${dir}/corrupt.json`], "is not valid JSON"],
    [["--models", "vgg99"], 'Unknown model "vgg99"'],
    [["--budgets", "1.5"], "not a sparsity"],
    [["--shard", "3/2"], "--shard"],
    [["--profile", "huge"], 'Unknown profile "huge"'],
  ];
  for (const [args, msg] of cases) {
    const r = await run("report.ts", [...args, "--out-dir", `${dir}/x`]);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    const errs = r.stderr.trim().split("\n").filter((l) => l.startsWith("error"));
    assertEquals(errs.length, 1, r.stderr);
    assert(errs[0].includes(msg), errs[0]);
  }
  // Nothing half-written: failed runs left no output directory.
  assert(!(await Deno.stat(`${dir}/x`).then(() => true, () => false)));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task plan cryptflow2 reports phases, slots per phase and column rotations", async () => {
  const r = await run("plan.ts", [
    "cryptflow2",
    "conv:h=14,w=14,ci=1024,co=2048,k=1,s=2,p=0",
    "--json",
  ]);
  assertEquals(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assertEquals([j.framework, j.phases, j.slots, j.method], ["cryptflow2", 1, 8192, "sci"]);
  assertEquals(j.slots_per_phase, [8192]);
  assertEquals(j.ops.perm_out, j.ops.rotate_rows - j.ops.perm_in + j.ops.rotate_columns);
  assertEquals(j.ops.rotate_columns, 16);
  assertEquals(j.security, "128-bit secure");
  const s2 = JSON.parse(
    (await run("plan.ts", ["cryptflow2", "conv:h=16,w=16,ci=8,co=8,k=3,s=2", "--json"])).stdout,
  );
  assertEquals([s2.phases, s2.slots_per_phase.length], [4, 4]);
});

Deno.test("deno task plan cryptflow2 --execute verifies fc and bn layers", async () => {
  for (const spec of ["fc:in=100,out=10", "bn:c=2,h=8,w=8"]) {
    const r = await run("plan.ts", ["cryptflow2", spec, "--execute", "--json", "--bits", "41"]);
    assertEquals(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assertEquals([j.verified, j.ledger_matches_plan, j.preset], [true, true, "cryptflow2-l41"]);
  }
});

Deno.test("deno task plan prints the nonlinear cost of relu and maxpool specs", async () => {
  const r = await run("plan.ts", ["cryptflow2", "relu:c=64,h=32,w=32", "--json"]);
  assertEquals(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assertEquals([j.eta, j.cost.relus, j.cost.rounds], [37, 65536, 10]);
  const g = JSON.parse(
    (await run("plan.ts", ["gazelle", "maxpool:c=8,h=8,w=8,k=2", "--json"])).stdout,
  );
  assertEquals([g.cost.relus, g.cost.bits], [8 * 16 * 3, null]);
});

Deno.test("deno task cost prints per-layer tables as text, JSON and CSV", async () => {
  const r = await run("cost.ts", [
    "--model",
    "vgg16-cifar10",
    "--framework",
    "cryptflow2",
    "--json",
  ]);
  assertEquals(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assertEquals([j.model, j.framework, j.layers.length], ["vgg16-cifar10", "cryptflow2", 14]);
  for (const k of ["perm_in", "perm_out", "key_switches", "mult", "add"]) {
    assert(k in j.totals.ops, k);
  }
  assertEquals(j.layers[0].name, "features.0");
  assert(j.weights.startsWith("SYNTHETIC"));
  assertEquals(j.manifest.model_hash.length, 64);
  assert(j.manifest.presets[0].security.length > 0 && j.manifest.git_sha.length > 0);
  const c = await run("cost.ts", ["--model", "resnet18-cifar10", "--width", "0.25", "--csv"]);
  assertEquals(c.code, 0, c.stderr);
  const lines = c.stdout.trim().split("\n");
  assertEquals(
    lines[0],
    "name,kind,shape,slots,channels_per_ct,perm_in,perm_out,key_switches,mult,add",
  );
  assertEquals(lines.length, 1 + 21 + 1);
  const t = await run("cost.ts", ["--model", "fixtures/tiny_residual.onnx"]);
  assertEquals(t.code, 0, t.stderr);
  assert(t.stdout.includes("block.conv2") && t.stdout.includes("fc"));
});

Deno.test("deno task cost rejects bad models and mask files with one line", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/m.json`,
    '{"format":"mosaic-bench-masks/1","model":"x","model_hash":"00","layers":{}}',
  );
  await Deno.writeFile(`${dir}/bad.onnx`, new Uint8Array([0xff, 0xff, 0xff, 0x0f]));
  const cases: [string[], string][] = [
    [["--model", "nope"], 'Unknown model "nope"'],
    [["--model", `${dir}/missing.onnx`], "does not exist"],
    [["--model", `${dir}/bad.onnx`], "is not a readable ONNX model"],
    [["--model", "vgg16-cifar10", "--masks", `${dir}/m.json`], "was made for model"],
    [["--model", "vgg16-cifar10", "--framework", "x"], 'Unknown --framework "x"'],
  ];
  for (const [args, msg] of cases) {
    const r = await run("cost.ts", args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    const errs = r.stderr.trim().split("\n").filter((l) => l.startsWith("error"));
    assertEquals(errs.length, 1, r.stderr);
    assert(errs[0].includes(msg), errs[0]);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task prune writes masks, permutations and ONNX; cost --masks shows before → after", async () => {
  const dir = await Deno.makeTempDir();
  const r = await run("prune.ts", [
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
  assertEquals(r.code, 0, r.stderr);
  assert(r.stdout.includes("HE cost") && r.stdout.includes("retained saliency"), r.stdout);
  assert(r.stdout.includes("SYNTHETIC"), "synthetic weights are labelled");
  assert(r.stderr.includes("assembled in"), r.stderr);
  const doc = JSON.parse(await Deno.readTextFile(`${dir}/masks/m.json`));
  assertEquals(doc.format, "mosaic-bench-masks/1");
  assertEquals(doc.prune.method, "mosaic");
  assert(Object.keys(doc.permutations).length > 0);
  assertEquals(doc.manifest.model_hash, doc.model_hash);
  assert((await Deno.stat(`${dir}/m.onnx`)).size > 1000);
  const c = await run("cost.ts", [
    "--model",
    "resnet18-cifar10",
    "--width",
    "0.125",
    "--framework",
    "cryptflow2",
    "--masks",
    `${dir}/masks/m.json`,
  ]);
  assertEquals(c.code, 0, c.stderr);
  const total = c.stdout.trim().split("\n").at(-1)!;
  assert(total.startsWith("total") && total.includes("→"), total);
  const cj = await run("cost.ts", [
    "--model",
    "resnet18-cifar10",
    "--width",
    "0.125",
    "--framework",
    "cryptflow2",
    "--masks",
    `${dir}/masks/m.json`,
    "--json",
  ]);
  const both = JSON.parse(cj.stdout);
  assertEquals(both.pruned.totals.ops.mult, doc.report.totals.pruned.mult);
  assertEquals(both.manifest.model_hash, doc.model_hash);
  assertEquals(both.manifest.mask_file_hash.length, 64);
  // The pruned mult count in the table is the report's.
  assert(
    total.includes(`→ ${doc.report.totals.pruned.mult}`),
    `${total} vs ${doc.report.totals.pruned.mult}`,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task prune rejects bad budgets and inputs with one line, writing nothing", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/r.json`, '{"features.99": 0.5}');
  await Deno.writeTextFile(`${dir}/bad.json`, "{oops");
  const base = ["--model", "vgg16-cifar10", "--width", "0.125", "--out", `${dir}/o.json`];
  const cases: [string[], string][] = [
    [base, "give exactly one budget"],
    [[...base, "--ratio", "0.5", "--cost", "0.3"], "give exactly one budget"],
    [[...base, "--ratio", "1.5"], "--ratio must be in [0, 1]"],
    [[...base, "--ratio", "x"], "--ratio must be a number"],
    [[...base, "--layer-ratios", `${dir}/r.json`], 'layer "features.99"'],
    [[...base, "--layer-ratios", `${dir}/bad.json`], "is not valid JSON"],
    [[...base, "--layer-ratios", `${dir}/none.json`], "cannot be read"],
    [[...base, "--ratio", "0.5", "--method", "magic"], 'Unknown --method "magic"'],
    [[...base, "--ratio", "0.5", "--kinds", "tiles"], 'Unknown structure kind "tiles"'],
    [[...base, "--ratio", "0.5", "--data", `${dir}/nodata`], "not found"],
  ];
  for (const [args, msg] of cases) {
    const r = await run("prune.ts", args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    const errs = r.stderr.trim().split("\n").filter((l) => l.startsWith("error"));
    assertEquals(errs.length, 1, r.stderr);
    assert(errs[0].includes(msg), errs[0]);
    assert(!r.stderr.includes("    at "), "no stack trace");
  }
  const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assertEquals(left, ["bad.json", "r.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task prune --data reports unpruned and pruned accuracy on real-format images", async () => {
  const dir = await Deno.makeTempDir();
  // A generated CIFAR-10 test batch: 4 random images with labels 0..3.
  const records = new Uint8Array(3073 * 4);
  for (let r = 0; r < 4; r++) {
    records[r * 3073] = r;
    for (let j = 1; j < 3073; j++) records[r * 3073 + j] = (j * 37 + r * 101) % 256;
  }
  await Deno.writeFile(`${dir}/test_batch.bin`, records);
  const r = await run("prune.ts", [
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
  assertEquals(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assertEquals(rep.accuracy.images, 4);
  assertEquals([rep.accuracy.dataset, rep.accuracy.fitted], ["cifar10/test", "none"]);
  assert(rep.accuracy.unpruned_top1 >= 0 && rep.accuracy.unpruned_top1 <= 1);
  assert(rep.accuracy.pruned_top1 >= 0 && rep.accuracy.pruned_top1 <= 1);
  assert(rep.accuracy.engine.startsWith("onnxruntime-web"), rep.accuracy.engine);
  // A 1-channel model on Fashion-MNIST: padded to its 32×32 input; the text report says so.
  const f = await run("prune.ts", [
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
  assertEquals(f.code, 0, f.stderr);
  const last = f.stdout.trim().split("\n").at(-1)!;
  assert(
    last.startsWith(
      "one-shot top-1 on 20 images of fashion-mnist/test (fitted: padded 28×28→32×32",
    ),
    last,
  );
  const doc = JSON.parse(await Deno.readTextFile(`${dir}/m.json`));
  assertEquals(doc.report.accuracy.images, 20);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task accuracy fits Fashion-MNIST to 1- and 3-channel models and reports throughput", async () => {
  const r = await run("accuracy.ts", [
    "--model",
    "vgg16-fashionmnist",
    "--width",
    "0.125",
    "--limit",
    "50",
    "--json",
  ]);
  assertEquals(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assertEquals([j.dataset, j.images, j.fitted], [
    "fashion-mnist/test",
    50,
    "padded 28×28→32×32 with 0",
  ]);
  assert(j.top1 >= 0 && j.top1 <= 1 && j.correct === Math.round(j.top1 * 50));
  assert(j.images_per_second > 0 && j.engine.startsWith("onnxruntime-web"), r.stdout);
  assert(j.weights.startsWith("SYNTHETIC"));
  assert(r.stderr.includes("50/50 images"), r.stderr);
  const rgb = await run("accuracy.ts", [
    "--model",
    "resnet18-cifar10",
    "--width",
    "0.125",
    "--data",
    "fashion-mnist",
    "--split",
    "train",
    "--limit",
    "20",
    "--json",
  ]);
  assertEquals(rgb.code, 0, rgb.stderr);
  const k = JSON.parse(rgb.stdout);
  assertEquals([k.dataset, k.images, k.fitted], [
    "fashion-mnist/train",
    20,
    "grey repeated to 3 channels, padded 28×28→32×32 with 0",
  ]);
  // A CIFAR-10 folder into a 1-channel model (luma), as text, through the IR oracle.
  const dir = await Deno.makeTempDir();
  const records = new Uint8Array(3073 * 3);
  for (let i = 0; i < records.length; i++) records[i] = i % 3073 === 0 ? i % 10 : (i * 7) % 256;
  await Deno.writeFile(`${dir}/test_batch.bin`, records);
  const t = await run("accuracy.ts", [
    "--model",
    "vgg16-fashionmnist",
    "--width",
    "0.125",
    "--data",
    dir,
    "--engine",
    "ir",
  ]);
  assertEquals(t.code, 0, t.stderr);
  assert(
    t.stdout.includes("on cifar10/test (3 images from") &&
      t.stdout.includes("fitted: RGB to luma (BT.601)"),
    t.stdout,
  );
  assert(t.stdout.includes("IR forward pass") && t.stdout.includes("images/s"), t.stdout);
  const help = await run("accuracy.ts", ["--help"]);
  assertEquals(help.code, 0);
  assert(help.stdout.startsWith("deno task accuracy --model") && help.stdout.includes("--limit N"));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task accuracy rejects bad data and flags with one line", async () => {
  const dir = await Deno.makeTempDir();
  const cases: [string[], string][] = [
    [
      ["--model", "vgg16-fashionmnist", "--data", `${dir}/none`],
      `--data ${dir}/none: folder not found`,
    ],
    [["--model", "vgg16-fashionmnist", "--data", dir], "holds no dataset"],
    [["--model", "vgg16-cifar10"], "give --data DIR"],
    [["--model", "vgg16-fashionmnist", "--split", "dev"], 'Unknown split "dev"'],
    [["--model", "vgg16-fashionmnist", "--limit", "0"], "--limit must be a positive integer"],
    [["--model", "vgg16-fashionmnist", "--engine", "gpu"], 'Unknown --engine "gpu"'],
    [["--data", "fashion-mnist"], "missing --model"],
    [["--model", "vgg16-fashionmnist", "--bogus"], "Unknown option --bogus"],
  ];
  for (const [args, msg] of cases) {
    const r = await run("accuracy.ts", args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assertEquals(lines.length, 1, r.stderr);
    assert(lines[0].startsWith("error: ") && lines[0].includes(msg), lines[0]);
    assertEquals(r.stdout, "");
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task calibrate writes unit costs the report then predicts with, beside user op weights", async () => {
  const dir = await Deno.makeTempDir();
  const cal = await run("calibrate.ts", ["--out", `${dir}/calibration.json`]);
  assertEquals(cal.code, 0, cal.stderr);
  const doc = JSON.parse(await Deno.readTextFile(`${dir}/calibration.json`));
  assertEquals(doc.format, "mosaic-bench-calibration/1");
  for (const fw of ["gazelle", "cryptflow2"]) {
    assert(doc.unit_costs[fw].keySwitch > doc.unit_costs[fw].mult, fw);
    assert(doc.unit_costs[fw].mult > doc.unit_costs[fw].add, fw);
  }
  assert(doc.manifest.presets.length === 2);
  await Deno.writeTextFile(
    `${dir}/w.json`,
    JSON.stringify({ name: "rotations only", keySwitch: 1 }),
  );
  const r = await run("report.ts", [
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
  assertEquals(r.code, 0, r.stderr);
  const results = JSON.parse(await Deno.readTextFile(`${dir}/results.json`));
  assert(results.manifest.unit_costs_name.startsWith("calibrated node-seal"));
  assertEquals(results.manifest.unit_costs.gazelle.keySwitch, doc.unit_costs.gazelle.keySwitch);
  const spec = JSON.parse(await Deno.readTextFile(`${dir}/charts/total_cost.vl.json`));
  const names = new Set(spec.data.values.map((v: { weights: string }) => v.weights));
  assert(
    names.has("rotations only") && names.has(results.manifest.unit_costs_name),
    [...names].join(),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task assembly-gap prints the gap table and refuses bad flags with one line", async () => {
  const r = await run("assembly_gap.ts", [
    "--masks",
    "random-90",
    "--trained",
    "none",
    "--max-channels",
    "8",
    "--json",
  ]);
  assertEquals(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assertEquals(j.rows.length, 2);
  for (const row of j.rows) {
    assert(row.assembler.deletedMs <= row.optimum.deletedMs + 1e-9, JSON.stringify(row));
    assertEquals(row.permutations, 40320);
  }
  assert(r.stderr.includes("1/2: "), r.stderr);
  const help = await run("assembly_gap.ts", ["--help"]);
  assertEquals(help.code, 0);
  assert(help.stdout.startsWith("deno task assembly-gap"));
  const cases: [string[], string][] = [
    [["--max-channels", "0"], "--max-channels must be a positive integer"],
    [["--masks", "random-40"], 'Unknown mask "random-40"'],
    [["--swaps", "x"], "--swaps must be a number"],
    [["--bogus"], "Unknown option --bogus"],
  ];
  for (const [args, msg] of cases) {
    const e = await run("assembly_gap.ts", args);
    assertEquals(e.code, 2, `${args.join(" ")}: ${e.stderr}`);
    assertEquals(e.stderr.trim().split("\n").length, 1, e.stderr);
    assert(e.stderr.includes(msg), e.stderr);
  }
});
