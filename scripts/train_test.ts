import { assert, assertEquals } from "@std/assert";
import { findTorch } from "../src/train/mod.ts";
import { loadModel } from "../src/nn/mod.ts";
import { permuteMasks } from "../src/prune/mod.ts";
import { readPruneFile } from "../src/study/mod.ts";
import { prunedNonZero } from "../src/train/mod.ts";

import {
  assertRefusal,
  commandLine,
  listDir,
  readJson,
  RUN_PERMISSIONS,
  runOk,
  runScript,
  tempDir,
} from "./_cli_testing.ts";

Deno.test("train and finetune refuse bad input in one line, exit 2, write nothing", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const cases: [string, string[], RegExp][] = [
    [
      "train.ts",
      ["--model", "lenet", "--out", `${dir}/a.onnx`],
      /--model must be vgg16 or resnet18/,
    ],
    ["train.ts", ["--model", "vgg16", "--out", `${dir}/a.txt`], /must end in \.onnx/],
    ["train.ts", ["--model", "vgg16", "--out", dir + "/x.onnx", "--epochs", "-1"], /--epochs/],
    [
      "train.ts",
      ["--model", "vgg16", "--out", `${dir}/a.onnx`, "--lr", "abc"],
      /--lr must be a number/,
    ],
    [
      "train.ts",
      ["--model", "vgg16", "--out", `${dir}/a.onnx`, "--engine", "jax"],
      /Unknown --engine/,
    ],
    [
      "train.ts",
      ["--model", "vgg16", "--dataset", "mnist", "--out", `${dir}/a.onnx`],
      /only fashion-mnist/,
    ],
    [
      "train.ts",
      ["--model", "vgg16", "--out", `${dir}/a.onnx`, "--data", `${dir}/none`],
      /not found in/,
    ],
    ["train.ts", ["--bogus"], /Unknown option --bogus/],
    [
      "prune.ts",
      ["--model", "vgg16-fashionmnist", "--per-layer", "2", "--out", `${dir}/m.json`],
      /--per-layer must be a number in \(0, 1\] \(got 2\)/,
    ],
    [
      "prune.ts",
      ["--model", "vgg16-fashionmnist", "--per-layer", "0.5", "--ratio", "0.5", "--json"],
      /give exactly one budget/,
    ],
    [
      "finetune.ts",
      ["--model", "vgg16-fashionmnist-trained", "--out", `${dir}/b.onnx`],
      /--masks/,
    ],
    [
      "finetune.ts",
      [
        "--model",
        "vgg16-fashionmnist-trained",
        "--masks",
        `${dir}/none.json`,
        "--out",
        `${dir}/b.onnx`,
      ],
      /cannot read it/,
    ],
  ];
  for (const [script, args, want] of cases) {
    const line = commandLine(script, args, dir);
    await t.step(line, async () => {
      assertRefusal(await runScript(script, args, RUN_PERMISSIONS), want, false, line);
    });
  }
  assertEquals(listDir(dir), [], "nothing written");
});

const torch = await findTorch();
if (!torch) console.log("SKIPPED train CLI end-to-end test: no Python with torch");

Deno.test({
  name: "train writes an ONNX and a model card; finetune keeps the masks and writes its card",
  ignore: !torch,
  async fn() {
    await using tmp = await tempDir();
    const dir = tmp.path;
    await runOk("train.ts", [
      "--model",
      "vgg16",
      "--width",
      "0.0625",
      "--epochs",
      "0.02",
      "--batch",
      "32",
      "--out",
      `${dir}/tiny.onnx`,
      "--engine",
      "torch",
    ], RUN_PERMISSIONS);
    const card = await readJson(`${dir}/tiny.card.json`);
    for (
      const k of ["dataset", "recipe", "engine", "test_accuracy", "model_sha256", "manifest"]
    ) {
      assert(k in card, k);
    }
    assert(card.engine.startsWith("torch"));
    assertEquals(card.dataset.test.images, 10000);
    assert(
      card.test_accuracy > 0.1,
      `accuracy ${card.test_accuracy} (even 0.02 epoch beats chance)`,
    );
    await runOk("prune.ts", [
      "--model",
      `${dir}/tiny.onnx`,
      "--method",
      "mosaic",
      "--framework",
      "cryptflow2",
      "--per-layer",
      "0.5",
      "--out",
      `${dir}/m.json`,
    ], RUN_PERMISSIONS);
    const f = await runOk("finetune.ts", [
      "--model",
      `${dir}/tiny.onnx`,
      "--masks",
      `${dir}/m.json`,
      "--epochs",
      "0.02",
      "--test-limit",
      "500",
      "--out",
      `${dir}/tuned.onnx`,
      "--engine",
      "torch",
      "--json",
    ], RUN_PERMISSIONS);
    const fc = JSON.parse(f.stdout);
    assertEquals(fc.pruned_weights_nonzero, 0);
    // Read back: every weight the (permuted) masks prune is exactly 0 in the written model.
    const base = await loadModel(`${dir}/tiny.onnx`);
    const pf = await readPruneFile(await Deno.readTextFile(`${dir}/m.json`), "m.json", base);
    const masks = permuteMasks(base, pf.masks, pf.permutations);
    const tuned = await loadModel(`${dir}/tuned.onnx`);
    assertEquals(prunedNonZero(tuned, masks), 0);
    assert([...masks.values()].some((m) => m.includes(0)), "something was pruned");
    assertEquals(fc.dataset.test.images, 500);
    assert(fc.accuracy.finetuned >= 0 && fc.accuracy.one_shot >= 0);
  },
});

Deno.test("train and finetune refuse output paths that are folders or under files, before any work", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.mkdir(`${dir}/folder.onnx`);
  await Deno.mkdir(`${dir}/m.card.json`); // where m.onnx's model card would go
  await Deno.writeTextFile(`${dir}/file`, "mine");
  const before = listDir(dir);
  const train = ["--model", "vgg16", "--epochs", "0.01"];
  const tune = ["--model", "vgg16-fashionmnist-trained", "--masks", `${dir}/none.json`];
  const cases: [string, string[], RegExp][] = [
    ["train.ts", [...train, "--out", `${dir}/folder.onnx`], /^error: --out \S+ is a folder/],
    [
      "train.ts",
      [...train, "--out", `${dir}/file/m.onnx`],
      /^error: --out \S+: \S+\/file is a file/,
    ],
    [
      "train.ts",
      [...train, "--out", `${dir}/m.onnx`],
      /^error: --out \(its model card\) \S+\/m\.card\.json is a folder/,
    ],
    ["finetune.ts", [...tune, "--out", `${dir}/folder.onnx`], /^error: --out \S+ is a folder/],
    ["finetune.ts", [...tune, "--out", `${dir}/file/m.onnx`], /\/file is a file, not a folder/],
    ["finetune.ts", [...tune, "--out", `${dir}/m.onnx`], /m\.card\.json is a folder/],
  ];
  for (const [script, args, want] of cases) {
    const line = commandLine(script, args, dir);
    await t.step(line, async () => {
      assertRefusal(await runScript(script, args, RUN_PERMISSIONS), want, true, line);
      assertEquals(listDir(dir), before, "nothing written");
    });
  }
});
