/**
 * `deno task fixtures`: regenerate `fixtures/` (small ONNX files, the golden per-layer op counts
 * of the zoo under the three frameworks, and a sample results file of a small real study, timings
 * included, that the report tests render). The golden test compares fresh counts against these
 * files, so any change to counting shows in review.
 *
 * @module
 */
import { writeFileAtomic } from "../src/base/mod.ts";
import { modelCost } from "../src/cost/mod.ts";
import { frameworkName } from "../src/frameworks/mod.ts";
import { cryptflow2Preset, getPreset } from "../src/he/mod.ts";
import { buildZoo, exportOnnx, tinyBatchNorm, tinyResidual, ZOO_MODELS } from "../src/nn/mod.ts";
import { calibratedWeights, runStudy } from "../src/study/mod.ts";
import { type Help, parseFlags, progress, runMain } from "./_cli.ts";

const HELP: Help = {
  usage: "deno task fixtures",
  about:
    "Regenerate fixtures/: small ONNX files, the golden per-layer op counts of the zoo under\n" +
    "the three frameworks, and a sample results file of a small real study. Takes no options.",
  options: [],
  examples: ["deno task fixtures", "deno task fixtures && git diff --stat fixtures/"],
};

/** Golden counts: per model and framework, per layer, the five headline op counts. */
export function goldenCounts(model: string, framework: string) {
  const preset = framework === "cryptflow2" ? cryptflow2Preset() : getPreset(framework);
  const t = modelCost(buildZoo(model), { framework: frameworkName(framework), preset });
  const pick = (o: typeof t.totals.ops) => [o.perm_in, o.perm_out, o.key_switches, o.mult, o.add];
  return {
    columns: ["perm_in", "perm_out", "key_switches", "mult", "add"],
    layers: Object.fromEntries(t.layers.map((l) => [l.name, pick(l.ops)])),
    totals: pick(t.totals.ops),
  };
}

async function main(): Promise<number> {
  parseFlags(Deno.args, { help: HELP });
  await Deno.mkdir("fixtures/golden", { recursive: true });
  await writeFileAtomic("fixtures/tiny_residual.onnx", exportOnnx(tinyResidual()));
  await writeFileAtomic("fixtures/tiny_batchnorm.onnx", exportOnnx(tinyBatchNorm()));
  for (const framework of ["gazelle", "cryptflow2", "cheetah"]) {
    const doc: Record<string, unknown> = {
      note:
        "Golden per-layer HE op counts of the zoo (full width, synthetic weights seed 1, 8-bit " +
        "per-layer quantization, pruning-aware); regenerate with deno task fixtures",
      framework,
    };
    for (const model of ZOO_MODELS) {
      progress(`${framework} ${model}`);
      doc[model] = goldenCounts(model, framework);
    }
    await writeFileAtomic(
      `fixtures/golden/zoo_counts_${framework}.json`,
      JSON.stringify(doc) + "\n",
    );
  }
  // A real (small) study: VGG-16 and ResNet-18 on CIFAR-10 at width 0.25, two budgets, timed.
  progress("sample results: a quick study of vgg16-cifar10 and resnet18-cifar10 (timed)");
  await Deno.mkdir("fixtures/results", { recursive: true });
  const results = await runStudy(
    {
      profile: "quick",
      width: 0.25,
      models: ["vgg16-cifar10", "resnet18-cifar10"],
      frameworks: ["gazelle", "cryptflow2"],
      budgets: [0.5, 0.7],
      default_budget: 0.7,
      seed: 1,
    },
    null,
    true,
    await calibratedWeights("reports"),
    progress,
  );
  // Indented as deno fmt keeps JSON, so a regenerated fixture passes `deno fmt --check`.
  await writeFileAtomic(
    "fixtures/results/quick_cifar10.json",
    JSON.stringify(results, null, 2) + "\n",
  );
  return 0;
}

if (import.meta.main) await runMain(main);
