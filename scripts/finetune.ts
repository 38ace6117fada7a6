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
  boolean: ["distill", "json", "help"],
} as const;

const HELP = `deno task finetune --model M --masks F.json --out M2.onnx [options]

Fine-tune a pruned model with its masks fixed (pruned weights held at zero after every step) and,
for MOSAIC, its channel permutations applied. One recipe for every method (the study's).

  --model M                 a shipped trained model (vgg16-fashionmnist-trained, …), zoo name or .onnx
  --masks F.json            a prune file from deno task prune (made for the same model)
  --epochs E                passes over the training set, in (0, 1000] (default ${FINETUNE_RECIPE.epochs})
  --lr LR                   peak learning rate, cosine schedule, in (0, 10] (default ${FINETUNE_RECIPE.lr})
  --batch B                 batch size, 1..4096 (default ${FINETUNE_RECIPE.batchSize})
  --seed S                  data order and augmentation seed, 0..4294967295 (default 1)
  --width W                 the width of a zoo --model, in (0, 4]
  --distill                 distil from the unpruned model (α = ${DEFAULT_DISTILL.alpha}, T = ${DEFAULT_DISTILL.temperature})
  --engine auto|torch|tfjs  auto: torch when found, else tfjs
  --data DIR                Fashion-MNIST IDX files (default: Debian's full set, else the shipped subset)
  --test-limit N            evaluate on the first N test images, 1..1000000 (default all 10,000)
  --json                    print the card as JSON`;

async function main(): Promise<number> {
  const args = parseFlags(Deno.args, FLAGS);
  if (args.help) {
    console.log(HELP);
    return 0;
  }
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
