/**
 * `deno task accuracy --model NAME|FILE.onnx [--data fashion-mnist|DIR] [--split test|train|val]
 * [--limit N] [--engine ort|ir] [--batch B] [--width W] [--seed S] [--json]`: top-1 accuracy of a
 * model on Fashion-MNIST, CIFAR-10 (binary format) or Tiny ImageNet (folder layout), fitted to the
 * model's input, batched through onnxruntime-web. Nothing is downloaded.
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { UserError } from "../src/base/mod.ts";
import {
  evaluateAccuracy,
  type InferenceEngine,
  loadDatasetFor,
  loadModel,
} from "../src/nn/mod.ts";
import { checkFlags, imageProgress, limitFlag, numberFlag, progress, runMain } from "./_cli.ts";

const FLAGS = [
  "model",
  "data",
  "split",
  "limit",
  "engine",
  "batch",
  "width",
  "seed",
  "json",
  "help",
] as const;

const HELP =
  `deno task accuracy --model NAME|FILE.onnx [--data fashion-mnist|DIR] [--split test|train|val]
  [--limit N] [--engine ort|ir] [--batch B] [--width W] [--seed S] [--json]

Top-1 accuracy of a model (a zoo name such as vgg16-fashionmnist, a shipped trained model such as
vgg16-fashionmnist-trained, or a .onnx file; --width and --seed shape zoo models) on a labelled
image set: --data fashion-mnist (the default for 1-channel models: Debian's
/usr/share/datasets/fashion-mnist, else the shipped data/fashion-mnist), or a folder holding
Fashion-MNIST IDX files (gz or raw), the CIFAR-10 binary batches or Tiny ImageNet. --split is test
(default; Tiny ImageNet's val) or train, --limit N keeps the first N images. Images are fitted to
the model's input the documented way (grey repeated to 3 channels or RGB to luma, padded with 0 when
larger, else resized bilinearly) and the output says how. Inference is batched (--batch, default
256) through onnxruntime-web; --engine ir uses the IR's own forward pass instead (slow: the
oracle). Progress goes to stderr; the result (with throughput) to stdout, as JSON with --json.`;

async function main(): Promise<number> {
  const args = parseArgs(Deno.args, {
    string: FLAGS.filter((f) => f !== "json" && f !== "help"),
    boolean: ["json", "help"],
  });
  checkFlags(args, FLAGS);
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  if (!args.model) {
    throw new UserError(
      "missing --model: deno task accuracy --model NAME|FILE.onnx [--data fashion-mnist|DIR] (see --help)",
    );
  }
  const engine = (args.engine ?? "ort") as InferenceEngine;
  if (engine !== "ort" && engine !== "ir") {
    throw new UserError(`Unknown --engine "${args.engine}": use ort or ir`);
  }
  const batch = numberFlag(args.batch, "batch", 256);
  if (!Number.isInteger(batch) || batch < 1) {
    throw new UserError(`--batch must be a positive integer (got "${args.batch}")`);
  }
  const limit = limitFlag(args.limit);
  const net = await loadModel(args.model, {
    width: args.width === undefined ? undefined : numberFlag(args.width, "width", 1),
    seed: args.seed === undefined ? undefined : numberFlag(args.seed, "seed", 1),
  });
  const set = await loadDatasetFor(net, { data: args.data, split: args.split, limit });
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
