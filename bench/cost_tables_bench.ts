/**
 * Cost tables: each `Deno.bench` times one full-width zoo model's cost table under one framework as
 * `deno task cost --model M --framework F --json` computes it, without the process start (loading
 * the main thread's modules): the model built, every layer planned on the threads
 * `plannerThreads` chooses (one for every zoo table; Workers, each loading its modules, for
 * larger ones), the model hashed and the manifest built, the JSON the command prints serialized.
 * Names `cost_table/<framework>/<model>`, one group per framework. Nothing is encrypted, so only
 * `--allow-read --allow-env` are needed.
 *
 * Environment: `MOSAIC_BENCH_MODELS=vgg16-cifar10,…` (default: the six CIFAR-10 and Tiny ImageNet
 * models), `MOSAIC_BENCH_FRAMEWORKS=gazelle,…` (default: all three).
 */
import { type FrameworkName, FRAMEWORKS } from "../src/frameworks/mod.ts";
import { modelCostParallel } from "../src/cost/mod.ts";
import { cheetahPreset, cryptflow2Preset, getPreset, type Preset } from "../src/he/mod.ts";
import { loadModel, networkHash } from "../src/nn/mod.ts";
import { buildManifest } from "../src/study/mod.ts";

const DEFAULT_MODELS = [
  "vgg16-cifar10",
  "vgg16-tinyimagenet",
  "resnet18-cifar10",
  "resnet18-tinyimagenet",
  "resnet50-cifar10",
  "resnet50-tinyimagenet",
];

const list = (name: string, fallback: readonly string[]) =>
  Deno.env.get(name)?.split(",").map((s) => s.trim()).filter((s) => s) ?? fallback;

/** The preset `deno task cost` uses when neither `--preset` nor `--bits` is given. */
function defaultPreset(framework: FrameworkName): Preset {
  if (framework === "cryptflow2") return cryptflow2Preset();
  if (framework === "cheetah") return cheetahPreset();
  return getPreset(framework);
}

for (const framework of list("MOSAIC_BENCH_FRAMEWORKS", FRAMEWORKS) as FrameworkName[]) {
  if (!FRAMEWORKS.includes(framework)) {
    throw new Error(`MOSAIC_BENCH_FRAMEWORKS names ${framework}: use ${FRAMEWORKS.join(", ")}`);
  }
  const preset = defaultPreset(framework);
  for (const model of list("MOSAIC_BENCH_MODELS", DEFAULT_MODELS)) {
    Deno.bench({
      name: `cost_table/${framework}/${model}`,
      group: `cost_table/${framework}`,
      n: 3,
      warmup: 1,
    }, async () => {
      const net = await loadModel(model);
      const table = await modelCostParallel(net, { framework, preset, method: "auto" });
      const manifest = {
        ...buildManifest([preset], {}, net.weights),
        model_hash: await networkHash(net),
      };
      const json = JSON.stringify({ ...table, manifest }, null, 2);
      if (table.layers.length === 0 || !json.includes(manifest.model_hash)) {
        throw new Error(`${model}: no table`);
      }
    });
  }
}
