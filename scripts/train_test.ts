import { assert, assertEquals } from "@std/assert";
import { findTorch } from "../src/train/mod.ts";
import { loadModel, permuteMasks, prunedNonZero, readPruneFile } from "../mod.ts";

import { runScript } from "./_cli_testing.ts";

/** train and finetune spawn the torch engine: the tasks' permissions plus --allow-run. */
const run = (script: string, args: string[]) =>
  runScript(script, args, [
    "--allow-read",
    "--allow-env",
    "--allow-sys=cpus",
    "--allow-write",
    "--allow-run",
  ]);

Deno.test("train and finetune refuse bad input in one line, exit 2, write nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
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
        /--per-layer 2 must be in \(0, 1\]/,
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
      const r = await run(script, args);
      assertEquals(r.code, 2, `${script} ${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("error"));
      assertEquals(lines.length, 1, r.stderr);
      assert(want.test(lines[0]), `${lines[0]} !~ ${want}`);
    }
    const left = [...Deno.readDirSync(dir)].map((e) => e.name);
    assertEquals(left, [], "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const torch = await findTorch();
if (!torch) console.log("SKIPPED train CLI end-to-end test: no Python with torch");

Deno.test({
  name: "train writes an ONNX and a model card; finetune keeps the masks and writes its card",
  ignore: !torch,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const t = await run("train.ts", [
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
      ]);
      assertEquals(t.code, 0, t.stderr);
      const card = JSON.parse(await Deno.readTextFile(`${dir}/tiny.card.json`));
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
      const p = await run("prune.ts", [
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
      ]);
      assertEquals(p.code, 0, p.stderr);
      const f = await run("finetune.ts", [
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
      ]);
      assertEquals(f.code, 0, f.stderr);
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
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
