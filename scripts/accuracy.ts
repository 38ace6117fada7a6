/**
 * `deno task accuracy --model NAME|FILE.onnx [--data fashion-mnist|DIR] [--split test|train|val]
 * [--limit N] [--engine ort|ir] [--batch B] [--width W] [--seed S] [--json]`: top-1 accuracy of a
 * model on Fashion-MNIST, CIFAR-10 (binary format) or Tiny ImageNet (folder layout), fitted to the
 * model's input, batched through onnxruntime-web. Nothing is downloaded. Bounds: `--limit`
 * 1..1000000, `--batch` 1..4096, `--width` (0, 4], `--seed` 0..4294967295.
 *
 * @module
 */
import { UserError } from "../src/base/mod.ts";
import {
  evaluateAccuracy,
  type InferenceEngine,
  loadDatasetFor,
  loadModel,
} from "../src/nn/mod.ts";
import {
  BATCH_RANGE,
  enumFlag,
  enumValue,
  type Help,
  imageProgress,
  intFlag,
  intRangeText,
  LIMIT_RANGE,
  parseFlags,
  progress,
  realFlag,
  realRangeText,
  runMain,
  SEED_RANGE,
  WIDTH_RANGE,
} from "./_cli.ts";

const FLAGS = {
  string: ["model", "data", "split", "limit", "engine", "batch", "width", "seed"],
  boolean: ["json"],
} as const;

const HELP: Help = {
  usage: "deno task accuracy --model NAME|FILE.onnx [options]",
  about:
    `Top-1 accuracy of a model (a zoo name such as vgg16-fashionmnist, a shipped trained model such as
vgg16-fashionmnist-trained, or a .onnx file; --width and --seed shape zoo models) on a labelled
image set: --data fashion-mnist (the default for 1-channel models: Debian's
/usr/share/datasets/fashion-mnist, else the shipped data/fashion-mnist), or a folder holding
Fashion-MNIST IDX files (gz or raw), the CIFAR-10 binary batches or Tiny ImageNet. --split is test
(default; Tiny ImageNet's val) or train, --limit N keeps the first N images. Images are fitted to
the model's input the documented way (grey repeated to 3 channels or RGB to luma, padded with 0 when
larger, else resized bilinearly) and the output says how. Inference is batched (--batch, default
256) through onnxruntime-web; --engine ir uses the IR's own forward pass instead (slow: the
oracle). Progress goes to stderr; the result (with throughput) to stdout, as JSON with --json.
Bounds: --limit ${intRangeText(LIMIT_RANGE)}, --batch ${intRangeText(BATCH_RANGE)}, --width ${
      realRangeText(WIDTH_RANGE)
    }, --seed ${intRangeText(SEED_RANGE)}.`,
  options: [
    { flag: "--model NAME|FILE.onnx", what: "zoo name, shipped trained model or .onnx (required)" },
    {
      flag: "--data fashion-mnist|DIR",
      default: "fashion-mnist for 1-channel models",
      what: "the labelled images",
    },
    { flag: "--split test|train|val", default: "test (Tiny ImageNet: val)", what: "the split" },
    { flag: "--limit N", default: "all", what: "keep the first N images, 1..1000000" },
    { flag: "--engine ort|ir", default: "ort", what: "onnxruntime-web, or the IR's forward pass" },
    { flag: "--batch B", default: 256, what: "images per batch, 1..4096" },
    { flag: "--width W", default: "the zoo's", what: "width of a zoo model, in (0, 4]" },
    { flag: "--seed S", default: "the zoo's", what: "weight seed of a zoo model, 0..4294967295" },
    { flag: "--json", what: "print the result as JSON" },
  ],
  examples: [
    "deno task accuracy --model vgg16-fashionmnist-trained",
    "deno task accuracy --model pruned.onnx --data fashion-mnist --limit 1000 --json",
  ],
};

async function main(): Promise<number> {
  const args = parseFlags(Deno.args, { ...FLAGS, help: HELP });
  if (!args.model) {
    throw new UserError(
      "missing --model: deno task accuracy --model NAME|FILE.onnx [--data fashion-mnist|DIR] (see --help)",
    );
  }
  const engine = enumFlag(args, "engine", ["ort", "ir"] as const, "ort") as InferenceEngine;
  const batch = intFlag(args, "batch", { ...BATCH_RANGE, default: 256 });
  const limit = intFlag(args, "limit", LIMIT_RANGE) ?? Infinity;
  const split = args.split === undefined
    ? undefined
    : enumValue(args.split, "--split", ["test", "train", "val"], "split");
  const width = realFlag(args, "width", WIDTH_RANGE);
  const seed = intFlag(args, "seed", SEED_RANGE);
  const net = await loadModel(args.model, { width, seed });
  const set = await loadDatasetFor(net, { data: args.data, split, limit });
  const fitted = set.fitted || "none";
  progress(
    `evaluating ${net.name} on ${set.n} images of ${set.name} from ${set.source} (fitted: ${fitted})`,
  );
  const r = await evaluateAccuracy(net, set, {
    engine,
    batch,
    progress: imageProgress(engine === "ir" ? "IR forward pass" : "onnxruntime-web"),
  });
  if (args.json) {
    console.log(JSON.stringify({
      model: net.name,
      weights: net.weights,
      dataset: set.name,
      source: set.source,
      images: r.images,
      fitted,
      top1: r.accuracy,
      correct: r.correct,
      engine: r.engine,
      seconds: Number(r.seconds.toFixed(3)),
      images_per_second: Math.round(r.samplesPerSecond),
    }));
  } else {
    console.log(
      `${net.name} (weights: ${net.weights}) on ${set.name} (${r.images} images from ${set.source}; fitted: ${fitted})\n` +
        `top-1 ${(100 * r.accuracy).toFixed(2)}% (${r.correct}/${r.images}); ${r.engine}: ${
          Math.round(r.samplesPerSecond)
        } images/s (${r.seconds.toFixed(1)} s)`,
    );
  }
  return 0;
}

if (import.meta.main) await runMain(main);
