/**
 * `deno task train --model vgg16|resnet18 [--dataset fashion-mnist] [--width W] [--epochs E]
 * [--seed S] [--lr LR] [--batch B] [--engine auto|torch|tfjs] [--data DIR] --out F.onnx`: train a zoo
 * architecture from scratch on Fashion-MNIST and write the ONNX and its model card
 * (`F.card.json`: data hashes, recipe, seed, engine, test accuracy, time). Bounds: `--width`
 * (0, 4], `--epochs` (0, 1000], `--seed` 0..4294967295, `--lr` (0, 10], `--batch` 1..4096.
 *
 * @module
 */
import { checkOutputFile, OutputStage, UserError } from "../src/base/mod.ts";
import {
  buildZoo,
  exportOnnx,
  fitToNetwork,
  imageSetHash,
  loadFashionMnist,
  networkHash,
  sha256Hex,
} from "../src/nn/mod.ts";
import { buildManifest } from "../src/study/mod.ts";
import {
  compileSchedule,
  engineFlag,
  initForTraining,
  openEngine,
  type Recipe,
  scheduleHash,
} from "../src/train/mod.ts";
import {
  BATCH_RANGE,
  cardPath,
  EPOCHS_RANGE,
  type Help,
  intFlag,
  LR_RANGE,
  outputPath,
  parseFlags,
  progress,
  realFlag,
  runMain,
  SEED_RANGE,
  WIDTH_RANGE,
} from "./_cli.ts";

const FLAGS = {
  string: ["model", "dataset", "width", "epochs", "seed", "lr", "batch", "engine", "data", "out"],
} as const;

const HELP: Help = {
  usage: "deno task train --model vgg16|resnet18 --out F.onnx [options]",
  about:
    "Train a zoo architecture from scratch on Fashion-MNIST (28×28 padded to 32×32, 1 channel)\n" +
    "and write F.onnx and its model card F.card.json.",
  options: [
    { flag: "--model vgg16|resnet18", what: "the architecture (required)" },
    { flag: "--out F.onnx", what: "the trained model; its card goes beside it (required)" },
    { flag: "--dataset fashion-mnist", default: "fashion-mnist", what: "the only dataset here" },
    { flag: "--width W", default: 0.25, what: "channel width multiplier in (0, 4]" },
    { flag: "--epochs E", default: 4, what: "passes over the training set, in (0, 1000]" },
    { flag: "--seed S", default: 1, what: "init, data order and augmentation seed, 0..4294967295" },
    { flag: "--lr LR", default: 0.05, what: "peak learning rate (one-cycle), in (0, 10]" },
    { flag: "--batch B", default: 128, what: "batch size, 1..4096" },
    {
      flag: "--engine auto|torch|tfjs",
      default: "auto",
      what: "auto: torch when found, else tfjs",
    },
    {
      flag: "--data DIR",
      default: "Debian's full set, else the shipped subset",
      what: "Fashion-MNIST IDX files",
    },
  ],
  examples: [
    "deno task train --model vgg16 --out reports/vgg16.onnx",
    "deno task train --model resnet18 --width 0.5 --epochs 8 --seed 2 --out reports/r18.onnx",
  ],
};

async function main(): Promise<number> {
  const args = parseFlags(Deno.args, { ...FLAGS, help: HELP });
  const arch = args.model;
  if (arch !== "vgg16" && arch !== "resnet18") {
    throw new UserError(`--model must be vgg16 or resnet18 (got ${arch ?? "nothing"})`);
  }
  if ((args.dataset ?? "fashion-mnist") !== "fashion-mnist") {
    throw new UserError(`--dataset ${args.dataset}: only fashion-mnist is supported`);
  }
  const width = realFlag(args, "width", { ...WIDTH_RANGE, default: 0.25 });
  const seed = intFlag(args, "seed", { ...SEED_RANGE, default: 1 });
  const recipe: Recipe = {
    epochs: realFlag(args, "epochs", { ...EPOCHS_RANGE, default: 4 }),
    batchSize: intFlag(args, "batch", { ...BATCH_RANGE, default: 128 }),
    lr: realFlag(args, "lr", { ...LR_RANGE, default: 0.05 }),
    lrSchedule: "onecycle",
    momentum: 0.9,
    weightDecay: 5e-4,
    augment: { flip: true, shift: 2 },
    seed,
  };
  const engineName = engineFlag(args.engine);
  const out = await outputPath(args.out, ".onnx");
  await checkOutputFile(cardPath(out), "--out (its model card)");
  const net = initForTraining(buildZoo(`${arch}-fashionmnist`, { width }), seed);
  const train = await loadFashionMnist("train", { dir: args.data });
  const test = await loadFashionMnist("test", { dir: args.data });
  const trainSet = fitToNetwork(train, net), testSet = fitToNetwork(test, net);
  const schedule = compileSchedule(recipe, trainSet.n);
  const engine = await openEngine(engineName);
  try {
    progress(
      `training ${net.name} on ${train.n} images of ${train.name} (${train.source}), ${schedule.steps} steps, ${engine.description}`,
    );
    const started = performance.now();
    const result = await engine.train({
      net,
      data: trainSet,
      schedule,
      optimizer: { momentum: recipe.momentum, weightDecay: recipe.weightDecay },
      progress: (l) => progress(`  ${l}`),
    });
    const evaluation = await engine.evaluate(result.net, testSet);
    const trained = {
      ...result.net,
      name: `${arch}-fashionmnist@${width}`,
      weights: `trained on Fashion-MNIST (${engine.name}, seed ${seed}, ${recipe.epochs} epochs)`,
    };
    const onnx = exportOnnx(trained);
    const card = {
      format: "mosaic-bench-model-card/1",
      model: trained.name,
      architecture: arch,
      width,
      weights: trained.weights,
      dataset: {
        name: "Fashion-MNIST",
        train: { images: train.n, source: train.source, sha256: await imageSetHash(train) },
        test: { images: test.n, source: test.source, sha256: await imageSetHash(test) },
        fitted: trainSet.fitted,
      },
      recipe,
      schedule: { steps: schedule.steps, sha256: await scheduleHash(schedule) },
      engine: engine.description,
      test_accuracy: evaluation.accuracy,
      final_loss: result.losses.at(-1),
      train_seconds: result.seconds,
      train_samples_per_second: result.samplesPerSecond,
      total_seconds: (performance.now() - started) / 1000,
      model_sha256: await networkHash(trained),
      onnx_sha256: await sha256Hex([onnx]),
      manifest: buildManifest([], { train: seed }, trained.weights),
    };
    // The model and its card appear together, or neither does.
    await using stage = new OutputStage();
    await stage.write(out, onnx, "--out");
    await stage.write(cardPath(out), JSON.stringify(card, null, 2) + "\n", "--out");
    await stage.commit();
    progress(`test accuracy ${(100 * evaluation.accuracy).toFixed(2)}% → ${out}`);
    console.log(JSON.stringify({ model: trained.name, test_accuracy: evaluation.accuracy, out }));
  } finally {
    await engine.close();
  }
  return 0;
}

if (import.meta.main) await runMain(main);
