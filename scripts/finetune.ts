/**
 * `deno task finetune --model M --masks F.json --out M2.onnx [--epochs E] [--distill] [--seed S]
 * [--lr LR] [--batch B] [--engine auto|torch|tfjs] [--data DIR] [--test-limit N] [--json]`:
 * fine-tune a pruned model with its masks (and MOSAIC's permutations) fixed; write the pruned,
 * permuted, fine-tuned ONNX and its card (`M2.card.json`: recipe, seed, engine, data and mask
 * hashes, test accuracy before and after). Bounds: `--epochs` (0, 1000], `--seed` 0..4294967295,
 * `--lr` (0, 10], `--batch` 1..4096, `--width` (0, 4], `--test-limit` 1..1000000.
 *
 * @module
 */
import { checkOutputFile, OutputStage, UserError } from "../src/base/mod.ts";
import {
  exportOnnx,
  fitToNetwork,
  imageSetHash,
  loadFashionMnist,
  loadModel,
  networkHash,
  sha256Hex,
} from "../src/nn/mod.ts";
import { permuteMasks, permuteNetwork } from "../src/prune/mod.ts";
import { buildManifest, readPruneFile } from "../src/study/mod.ts";
import {
  DEFAULT_DISTILL,
  engineFlag,
  finetune,
  FINETUNE_RECIPE,
  openEngine,
  prunedNonZero,
  type Recipe,
} from "../src/train/mod.ts";
import {
  BATCH_RANGE,
  cardPath,
  EPOCHS_RANGE,
  type Help,
  intFlag,
  LIMIT_RANGE,
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
  string: [
    "model",
    "masks",
    "out",
    "epochs",
    "seed",
    "lr",
    "batch",
    "engine",
    "data",
    "test-limit",
    "width",
  ],
  boolean: ["distill", "json"],
} as const;

const HELP: Help = {
  usage: "deno task finetune --model M --masks F.json --out M2.onnx [options]",
  about:
    "Fine-tune a pruned model with its masks fixed (pruned weights held at zero after every step)\n" +
    "and, for MOSAIC, its channel permutations applied. One recipe for every method (the study's).",
  options: [
    {
      flag: "--model M",
      what: "a shipped trained model (vgg16-fashionmnist-trained, …), zoo name or .onnx (required)",
    },
    { flag: "--masks F.json", what: "a prune file from deno task prune, same model (required)" },
    { flag: "--out M2.onnx", what: "the fine-tuned model; its card goes beside it (required)" },
    {
      flag: "--epochs E",
      default: FINETUNE_RECIPE.epochs,
      what: "passes over the training set, in (0, 1000]",
    },
    {
      flag: "--lr LR",
      default: FINETUNE_RECIPE.lr,
      what: "peak learning rate (cosine), in (0, 10]",
    },
    { flag: "--batch B", default: FINETUNE_RECIPE.batchSize, what: "batch size, 1..4096" },
    { flag: "--seed S", default: 1, what: "data order and augmentation seed, 0..4294967295" },
    { flag: "--width W", default: "the zoo's", what: "the width of a zoo --model, in (0, 4]" },
    {
      flag: "--distill",
      what:
        `distil from the unpruned model (α = ${DEFAULT_DISTILL.alpha}, T = ${DEFAULT_DISTILL.temperature})`,
    },
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
    { flag: "--test-limit N", default: "all 10,000", what: "first N test images, 1..1000000" },
    { flag: "--json", what: "print the card as JSON" },
  ],
  examples: [
    "deno task finetune --model vgg16-fashionmnist-trained --masks reports/m.json --out reports/m.onnx",
    "deno task finetune --model vgg16-fashionmnist-trained --masks reports/m.json --out reports/m.onnx --distill --epochs 2 --json",
  ],
};

async function main(): Promise<number> {
  const args = parseFlags(Deno.args, { ...FLAGS, help: HELP });
  if (!args.model) throw new UserError("--model is required (deno task finetune --help)");
  if (!args.masks) throw new UserError("--masks FILE.json is required (deno task finetune --help)");
  const seed = intFlag(args, "seed", { ...SEED_RANGE, default: 1 });
  const recipe: Recipe = {
    ...FINETUNE_RECIPE,
    epochs: realFlag(args, "epochs", { ...EPOCHS_RANGE, default: FINETUNE_RECIPE.epochs }),
    lr: realFlag(args, "lr", { ...LR_RANGE, default: FINETUNE_RECIPE.lr }),
    batchSize: intFlag(args, "batch", { ...BATCH_RANGE, default: FINETUNE_RECIPE.batchSize }),
    seed,
  };
  const engineName = engineFlag(args.engine);
  const width = realFlag(args, "width", WIDTH_RANGE);
  const testLimit = intFlag(args, "test-limit", LIMIT_RANGE);
  const out = await outputPath(args.out, ".onnx");
  await checkOutputFile(cardPath(out), "--out (its model card)");
  const net = await loadModel(args.model, { width });
  let text: string;
  try {
    text = await Deno.readTextFile(args.masks);
  } catch (e) {
    throw new UserError(`--masks ${args.masks}: cannot read it (${(e as Error).message})`);
  }
  const pf = await readPruneFile(text, args.masks, net);
  const permuted = permuteNetwork(net, pf.permutations);
  const masks = permuteMasks(net, pf.masks, pf.permutations);
  const train = await loadFashionMnist("train", { dir: args.data });
  const test = await loadFashionMnist("test", { dir: args.data, limit: testLimit });
  const engine = await openEngine(engineName);
  try {
    progress(
      `fine-tuning ${net.name} with ${args.masks} on ${train.n} images, ${engine.description}`,
    );
    const r = await finetune({
      engine,
      net: permuted,
      masks,
      train: fitToNetwork(train, net),
      test: fitToNetwork(test, net),
      recipe,
      ...(args.distill ? { distill: DEFAULT_DISTILL } : {}),
      progress: (l) => progress(`  ${l}`),
    });
    const tuned = {
      ...r.net,
      name: `${net.name}+finetuned`,
      weights: `${net.weights}; pruned by ${args.masks}, fine-tuned (${engine.name}, seed ${seed})`,
    };
    const onnx = exportOnnx(tuned);
    const card = {
      format: "mosaic-bench-model-card/1",
      model: tuned.name,
      weights: tuned.weights,
      base_model: { name: net.name, sha256: await networkHash(net) },
      masks: { file: args.masks, sha256: await sha256Hex([new TextEncoder().encode(text)]) },
      dataset: {
        train: {
          name: train.name,
          images: train.n,
          source: train.source,
          sha256: await imageSetHash(train),
        },
        test: {
          name: test.name,
          images: test.n,
          source: test.source,
          sha256: await imageSetHash(test),
        },
      },
      recipe,
      distill: args.distill ? DEFAULT_DISTILL : null,
      engine: engine.description,
      accuracy: { one_shot: r.oneShot, finetuned: r.tuned },
      train_seconds: r.run.seconds,
      train_samples_per_second: r.run.samplesPerSecond,
      pruned_weights_nonzero: prunedNonZero(r.net, masks),
      manifest: buildManifest([], { finetune: seed }, tuned.weights),
    };
    // The model and its card appear together, or neither does.
    await using stage = new OutputStage();
    await stage.write(out, onnx, "--out");
    await stage.write(cardPath(out), JSON.stringify(card, null, 2) + "\n", "--out");
    await stage.commit();
    progress(
      `test accuracy one-shot ${(100 * r.oneShot).toFixed(2)}% → fine-tuned ${
        (100 * r.tuned).toFixed(2)
      }% → ${out}`,
    );
    console.log(args.json ? JSON.stringify(card, null, 2) : JSON.stringify(card.accuracy));
  } finally {
    await engine.close();
  }
  return 0;
}

if (import.meta.main) await runMain(main);
