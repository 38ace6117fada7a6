import { assert, assertEquals } from "@std/assert";

import { runJson, runOk, runScript, stepRefusals, tempDir } from "./_cli_testing.ts";

Deno.test("deno task accuracy fits Fashion-MNIST to 1- and 3-channel models and reports throughput", async () => {
  const r = await runOk("accuracy.ts", [
    "--model",
    "vgg16-fashionmnist",
    "--width",
    "0.125",
    "--limit",
    "50",
    "--json",
  ]);
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
  const k = await runJson("accuracy.ts", [
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
  assertEquals([k.dataset, k.images, k.fitted], [
    "fashion-mnist/train",
    20,
    "grey repeated to 3 channels, padded 28×28→32×32 with 0",
  ]);
  // A CIFAR-10 folder into a 1-channel model (luma), as text, through the IR oracle.
  await using tmp = await tempDir();
  const dir = tmp.path;
  const records = new Uint8Array(3073 * 3);
  for (let i = 0; i < records.length; i++) records[i] = i % 3073 === 0 ? i % 10 : (i * 7) % 256;
  await Deno.writeFile(`${dir}/test_batch.bin`, records);
  const t = await runOk("accuracy.ts", [
    "--model",
    "vgg16-fashionmnist",
    "--width",
    "0.125",
    "--data",
    dir,
    "--engine",
    "ir",
  ]);
  assert(
    t.stdout.includes("on cifar10/test (3 images from") &&
      t.stdout.includes("fitted: RGB to luma (BT.601)"),
    t.stdout,
  );
  assert(t.stdout.includes("IR forward pass") && t.stdout.includes("images/s"), t.stdout);
  const help = await runScript("accuracy.ts", ["--help"]);
  assertEquals(help.code, 0);
  assert(
    help.stdout.startsWith("Usage: deno task accuracy --model") &&
      help.stdout.includes("--limit N"),
  );
});

Deno.test("deno task accuracy rejects bad data and flags with one line", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await stepRefusals(t, "accuracy.ts", [
    [
      ["--model", "vgg16-fashionmnist", "--data", `${dir}/none`],
      `--data ${dir}/none: folder not found`,
    ],
    [["--model", "vgg16-fashionmnist", "--data", dir], "holds no dataset"],
    [["--model", "vgg16-cifar10"], "give --data DIR"],
    [["--model", "vgg16-fashionmnist", "--split", "dev"], 'Unknown split "dev"'],
    [
      ["--model", "vgg16-fashionmnist", "--limit", "0"],
      "--limit must be an integer in 1..1000000 (got 0)",
    ],
    [["--model", "vgg16-fashionmnist", "--engine", "gpu"], 'Unknown --engine "gpu"'],
    [["--data", "fashion-mnist"], "missing --model"],
    [["--model", "vgg16-fashionmnist", "--bogus"], "Unknown option --bogus"],
  ], { alone: true, tmp: dir });
});
