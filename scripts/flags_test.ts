/**
 * Bad flags of every task, one table per script: each must exit 2 with one `error:` line naming
 * the flag (no stack trace, nothing on stdout) and write nothing.
 */
import { assertEquals } from "@std/assert";

import {
  assertRefusal,
  type BadCase,
  listDir,
  stepRefusals,
  TASK_PERMISSIONS,
  tempDir,
} from "./_cli_testing.ts";

Deno.test("plan, cost and accuracy refuse bad numeric and choice flags by name", async (t) => {
  const fc = ["gazelle", "fc:in=4,out=2"];
  await stepRefusals(t, "plan.ts", [
    [[...fc, "--seed", "abc"], '--seed must be an integer in 0..4294967295 (got "abc")'],
    [[...fc, "--seed", "-1"], "--seed must be an integer in 0..4294967295 (got -1)"],
    [
      ["cryptflow2", "fc:in=4,out=2", "--bits=2.5"],
      "--bits must be an integer in 32..41 (got 2.5)",
    ],
    [[...fc, "extra"], 'unexpected argument "extra": this task takes at most 2 arguments'],
    [[...fc, "--method"], "--method needs a value"],
  ], { alone: true });
  const m = ["--model", "vgg16-cifar10"];
  await stepRefusals(t, "cost.ts", [
    [[...m, "--width", "0"], "--width must be a number in (0, 4] (got 0)"],
    [[...m, "--width=1e999"], "--width must be a number in (0, 4] (got 1e999)"],
    [[...m, "--seed", "1.5"], "--seed must be an integer in 0..4294967295 (got 1.5)"],
    [[...m, "--json", "--json"], "--json is given twice"],
  ], { alone: true });
  const a = ["--model", "vgg16-fashionmnist"];
  await stepRefusals(t, "accuracy.ts", [
    [[...a, "--limit=-3"], "--limit must be an integer in 1..1000000 (got -3)"],
    [[...a, "--limit", "abc"], '--limit must be an integer in 1..1000000 (got "abc")'],
    [[...a, "--split", "bogus"], 'Unknown split "bogus" in --split: use test, train or val'],
    [[...a, "--seed", "abc"], '--seed must be an integer in 0..4294967295 (got "abc")'],
    [[...a, "--batch", "0"], "--batch must be an integer in 1..4096 (got 0)"],
    [[...a, "--json", "3"], 'unexpected argument "3" after --json, which takes no value'],
    [[...a, "-5"], "Unknown option -5"],
  ], { alone: true });
});

Deno.test("prune and assembly-gap refuse the assembler's knobs out of bounds, writing nothing", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const base = ["--model", "vgg16-cifar10", "--width", "0.125", "--ratio", "0.5"];
  await stepRefusals(t, "prune.ts", [
    [[...base, "--swaps", "-5"], "--swaps must be an integer in 1..10000 (got -5)"],
    [[...base, "--swaps=-5"], "--swaps must be an integer in 1..10000 (got -5)"],
    [[...base, "--passes=2.5"], "--passes must be an integer in 1..100 (got 2.5)"],
    [[...base, "--passes=1000000"], "--passes must be an integer in 1..100 (got 1000000)"],
    [[...base, "--fidelity=1e9"], "--fidelity must be an integer in 0..1000 (got 1e9)"],
    [[...base.slice(0, 4), "--per-layer", "0"], "--per-layer must be a number in (0, 1] (got 0)"],
    [[...base, "--floor", "1"], "--floor must be a number in [0, 1) (got 1)"],
    [[...base, "--kinds", "multiplier,multiplier"], '--kinds names "multiplier" twice'],
    [
      [...base, "--data", "fashion-mnist", "--limit=-3"],
      "--limit must be an integer in 1..1000000",
    ],
    [[...base, "--norm", "l3"], 'Unknown --norm "l3": use l2 or l1'],
  ], {
    alone: true,
    tmp: dir,
    extraArgs: ["--out", `${dir}/p/m.json`, "--onnx", `${dir}/p/m.onnx`],
  });
  await stepRefusals(t, "assembly_gap.ts", [
    [["--swaps", "-5"], "--swaps must be an integer in 1..10000 (got -5)"],
    [["--passes=2.5"], "--passes must be an integer in 1..100 (got 2.5)"],
    [["--min-trials", "0"], "--min-trials must be an integer in 1..1000000 (got 0)"],
    [["--max-channels", "11"], "--max-channels must be an integer in 1..10 (got 11)"],
    [["--masks", "random-50,random-50"], '--masks names "random-50" twice'],
  ], { alone: true });
  assertEquals(listDir(dir), [], "nothing written");
});

Deno.test("report refuses bad lists, budgets, seeds and shards before any work, writing nothing", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const cases: BadCase[] = [
    [["--budgets", "0.5,0.5"], "--budgets names 0.5 twice: give each once"],
    [["--budgets", "0.3,,0.5"], '--budgets "0.3,,0.5" has an empty item'],
    [["--budgets", "abc"], 'each of --budgets must be a number in (0, 1) (got "abc")'],
    [["--models", ""], "--models needs a value: --models VALUE (got an empty one)"],
    [["--models", "vgg16-cifar10,vgg16-cifar10"], '--models names "vgg16-cifar10" twice'],
    [["--seeds", "1,x"], 'each of --seeds must be an integer in 0..4294967295 (got "x")'],
    [["--default-budget", "2"], "--default-budget must be a number in (0, 1) (got 2)"],
    [["--shard", "1/5000"], '--shard "1/5000" must be i/n with 1 ≤ i ≤ n ≤ 1000'],
    [["--floor=-0.1"], "--floor must be a number in [0, 1) (got -0.1)"],
    [["--no-bench", "--bench"], "--bench is given twice (as --bench or --no-bench)"],
    [["foo"], 'unexpected argument "foo": only --merge takes further files'],
    [["--jobs", "0"], "--jobs must be an integer in 1..64 (got 0)"],
    [["--jobs=1.5"], "--jobs must be an integer in 1..64 (got 1.5)"],
  ];
  await stepRefusals(t, "report.ts", cases, {
    alone: true,
    tmp: dir,
    extraArgs: ["--out-dir", `${dir}/x`],
  });
  await t.step("report.ts with MOSAIC_JOBS=two", async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...TASK_PERMISSIONS, "scripts/report.ts", "--out-dir", `${dir}/x`],
      cwd: new URL("..", import.meta.url),
      env: { NO_COLOR: "1", MOSAIC_JOBS: "two" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    const r = { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    assertRefusal(r, 'MOSAIC_JOBS must be an integer in 1..64 (got "two")', true);
  });
  await stepRefusals(t, "calibrate.ts", [
    [["--out"], "--out needs a value"],
    [["--out", `${dir}/c.json`, "--bogus"], "Unknown option --bogus: accepted options are --out"],
    [["--out", `${dir}/c.json`, "--out", `${dir}/d.json`], "--out is given twice"],
  ], { alone: true, tmp: dir });
  assertEquals(listDir(dir), [], "nothing written");
});

Deno.test("train and finetune refuse bad recipes by flag before creating any folder", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const train = ["--model", "vgg16", "--out", `${dir}/t/a.onnx`];
  await stepRefusals(t, "train.ts", [
    [[...train, "--epochs", "0"], "--epochs must be a number in (0, 1000] (got 0)"],
    [[...train, "--epochs", "-1"], "--epochs must be a number in (0, 1000] (got -1)"],
    [[...train, "--batch", "0.5"], "--batch must be an integer in 1..4096 (got 0.5)"],
    [[...train, "--seed", "abc"], '--seed must be an integer in 0..4294967295 (got "abc")'],
    [[...train, "--lr", "0"], "--lr must be a number in (0, 10] (got 0)"],
  ], { alone: true, tmp: dir });
  const ft = [
    "--model",
    "vgg16-fashionmnist-trained",
    "--masks",
    `${dir}/m.json`,
    "--out",
    `${dir}/f/b.onnx`,
  ];
  await stepRefusals(t, "finetune.ts", [
    [[...ft, "--test-limit", "0"], "--test-limit must be an integer in 1..1000000 (got 0)"],
    [[...ft, "--epochs", "1e6"], "--epochs must be a number in (0, 1000] (got 1e6)"],
    [[...ft, "--batch", "99999"], "--batch must be an integer in 1..4096 (got 99999)"],
  ], { alone: true, tmp: dir });
  assertEquals(listDir(dir), [], "nothing written");
});
