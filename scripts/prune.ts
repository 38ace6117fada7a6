/**
 * `deno task prune --model NAME|FILE.onnx --method none|hunter|mosaic [--framework gazelle|cryptflow2|cheetah]
 * (--ratio R | --per-layer R | --cost F | --saliency S | --layer-ratios FILE.json) --out FILE.json [--onnx OUT.onnx]
 * [--conv-method M] [--norm l2|l1] [--importance lamp|share|raw] [--floor F] [--unit kernel|weight]
 * [--kinds multiplier,output-rotation,...,product] [--seed N]
 * [--width W] [--preset NAME] [--bits L] [--swaps N] [--passes N] [--fidelity N]
 * [--data fashion-mnist|DIR [--limit N]] [--json]`: prune a model for a framework, write masks
 * and permutations (with the manifest and the report) and optionally the pruned, permuted ONNX;
 * print the per-layer report. With `--data`, the one-shot (not fine-tuned) top-1 accuracy of the unpruned and the
 * pruned model on the data fitted to the model's input (see `deno task accuracy --help`).
 * Bounds: `--ratio`, `--cost`, `--saliency` in [0, 1], `--per-layer` in (0, 1], `--floor` in
 * [0, 1), `--seed` 0..4294967295, `--width` (0, 4], `--bits` 32..41, `--swaps` 1..10000,
 * `--passes` 1..100, `--fidelity` 0..1000, `--limit` 1..1000000.
 *
 * @module
 */
import { checkOutputFile, OutputStage, UserError } from "../src/base/mod.ts";
import { subCounts } from "../src/he/mod.ts";
import {
  evaluateAccuracy,
  exportOnnx,
  loadDatasetFor,
  loadModel,
  maskNetwork,
  type Network,
  networkHash,
} from "../src/nn/mod.ts";
import {
  ASSEMBLE_DEFAULTS,
  type Budget,
  deployedNetwork,
  perLayerBudget,
  prune,
  PRUNE_METHODS,
  type PruneReport,
} from "../src/prune/mod.ts";
import { frameworkMethods } from "../src/frameworks/mod.ts";
import { buildManifest, pruneFileText } from "../src/study/mod.ts";
import {
  enumFlag,
  frameworkFlag,
  frameworkPreset,
  type Help,
  imageProgress,
  intFlag,
  type IntRange,
  LIMIT_RANGE,
  parseFlags,
  PASSES_RANGE,
  progress,
  PRUNING_HELP,
  pruningFlags,
  realFlag,
  type RealRange,
  runMain,
  SEED_RANGE,
  SWAPS_RANGE,
  WIDTH_RANGE,
} from "./_cli.ts";

const STRINGS = [
  "model",
  "method",
  "framework",
  "ratio",
  "per-layer",
  "cost",
  "saliency",
  "layer-ratios",
  "out",
  "onnx",
  "conv-method",
  "norm",
  "importance",
  "floor",
  "unit",
  "kinds",
  "seed",
  "width",
  "preset",
  "bits",
  "swaps",
  "passes",
  "fidelity",
  "data",
  "limit",
] as const;

/** `--fidelity`: random inputs of the output-fidelity check (0 skips it). */
const FIDELITY_RANGE: IntRange = { min: 0, max: 1000 };

/** The numeric budget flags and their ranges. */
const BUDGET_RANGES = {
  ratio: { min: 0, max: 1 },
  "per-layer": { min: 0, max: 1, minOpen: true },
  cost: { min: 0, max: 1 },
  saliency: { min: 0, max: 1 },
} as const satisfies Record<string, RealRange>;

type BudgetFlag = keyof typeof BUDGET_RANGES | "layer-ratios";

/** The one budget flag given, its number checked before any work (the ratio file is read later). */
function budgetFlag(
  args: { readonly [K in BudgetFlag]?: string },
): { readonly flag: BudgetFlag; readonly value: number } {
  const given = (["ratio", "per-layer", "cost", "saliency", "layer-ratios"] as const).filter((k) =>
    args[k] !== undefined
  );
  if (given.length !== 1) {
    throw new UserError(
      "give exactly one budget: --ratio R (global weight sparsity), --per-layer R (sparsity R in " +
        "every linear layer, as the study prunes trained models), --cost F (HE cost as a " +
        "fraction of unpruned), --saliency S (retained squared-L2 fraction) or --layer-ratios " +
        "FILE.json",
    );
  }
  const flag = given[0];
  const value = flag === "layer-ratios" ? NaN : realFlag(args, flag, BUDGET_RANGES[flag])!;
  return { flag, value };
}

/** The budget; `--per-layer R` becomes `{ layer: R }` for every linear layer of `net`. */
async function budgetOf(
  { flag, value }: ReturnType<typeof budgetFlag>,
  path: string | undefined,
  net: Network,
): Promise<Budget> {
  if (flag === "per-layer") return perLayerBudget(net, value);
  if (flag === "ratio") return { kind: "sparsity", ratio: value };
  if (flag === "cost") return { kind: "cost", fraction: value };
  if (flag === "saliency") return { kind: "saliency", keep: value };
  path = path!;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new UserError(`Per-layer ratio file ${path} cannot be read: check the path`);
  }
  let ratios: unknown;
  try {
    ratios = JSON.parse(text);
  } catch {
    throw new UserError(`Per-layer ratio file ${path} is not valid JSON: write {"layer": ratio}`);
  }
  if (typeof ratios !== "object" || ratios === null || Array.isArray(ratios)) {
    throw new UserError(`Per-layer ratio file ${path} must be a JSON object {"layer": ratio}`);
  }
  return { kind: "layers", ratios: ratios as Record<string, number> };
}

/** The one-shot accuracy block `--data` adds to the report. */
interface PruneAccuracy {
  dataset: string;
  source: string;
  images: number;
  fitted: string;
  unpruned_top1: number;
  pruned_top1: number;
  engine: string;
  images_per_second: number;
}

/** The assembler's completions summed over layers, per kind: "kind a → b / bound, …". */
function completedByKind(r: PruneReport): string {
  const sum = new Map<string, [number, number, number]>();
  for (const l of r.layers) {
    for (const [kind, c] of Object.entries(l.assembly ?? {})) {
      const t = sum.get(kind) ?? [0, 0, 0];
      sum.set(kind, [t[0] + c.identity, t[1] + c.assembled, t[2] + c.bound]);
    }
  }
  return [...sum].map(([k, [a, b, n]]) => `${k} ${a} → ${b} / ${n}`).join(", ");
}

function table(r: PruneReport): string {
  const head = [
    "layer",
    "sparsity",
    "saliency",
    "structures (out-rot/in-rot/mult/fc/prod)",
    "perm",
    "ks",
    "mult",
    "add",
    "ms",
    "assembled out-rot/bound",
  ];
  type Counts = PruneReport["totals"]["dense"];
  const perm = (c: Counts) => c.perm_in + c.perm_out;
  const ops = (d: Counts, p: Counts) => [
    `${perm(d)} → ${perm(p)}`,
    `${d.key_switches} → ${p.key_switches}`,
    `${d.mult} → ${p.mult}`,
    `${d.add} → ${p.add}`,
  ];
  const rows = r.layers.map((l) => {
    const s = l.structures;
    const a = l.assembly?.["output-rotation"];
    return [
      l.name,
      l.sparsity.toFixed(3),
      l.retained_saliency.toFixed(3),
      [s["output-rotation"], s["input-rotation"], s.multiplier, s["fc-diagonal"], s.product]
        .map((v) => v ?? 0).join("/"),
      ...ops(l.dense, l.pruned),
      `${l.predicted_ms_dense.toFixed(0)} → ${l.predicted_ms.toFixed(0)}`,
      a ? `${a.identity} → ${a.assembled} / ${a.bound}` : "",
    ];
  });
  const t = r.totals;
  // The totals are the whole models' (standalone BatchNorm layers too, which pruning leaves).
  const rest = (pick: (l: PruneReport["layers"][number]) => Counts, total: Counts): Counts => {
    const c = { ...total };
    for (const l of r.layers) subCounts(c, pick(l));
    return c;
  };
  const restDense = rest((l) => l.dense, t.dense), restPruned = rest((l) => l.pruned, t.pruned);
  if (Object.values(restDense).some((v) => v !== 0)) {
    const ms = (total: number, pick: (l: PruneReport["layers"][number]) => number) =>
      (total - r.layers.reduce((a, l) => a + pick(l), 0)).toFixed(0);
    rows.push([
      "BatchNorm (not pruned)",
      "",
      "",
      "",
      ...ops(restDense, restPruned),
      `${ms(t.predicted_ms_dense, (l) => l.predicted_ms_dense)} → ${
        ms(t.predicted_ms, (l) => l.predicted_ms)
      }`,
      "",
    ]);
  }
  rows.push([
    "total",
    t.sparsity.toFixed(3),
    t.retained_saliency.toFixed(3),
    "",
    ...ops(t.dense, t.pruned),
    `${t.predicted_ms_dense.toFixed(0)} → ${t.predicted_ms.toFixed(0)}`,
    "",
  ]);
  const w = head.map((h, j) => Math.max(h.length, ...rows.map((x) => x[j].length)));
  const line = (x: string[]) =>
    x.map((s, j) => (j === 0 ? s.padEnd(w[j]) : s.padStart(w[j]))).join("  ");
  const fid = r.fidelity.top1_agreement === null
    ? ""
    : `; top-1 agreement with unpruned on ${r.fidelity.samples} random inputs: ${r.fidelity.top1_agreement}` +
      (r.weights_source.startsWith("SYNTHETIC")
        ? " (synthetic weights: agreement, not accuracy)"
        : "");
  return [
    `${r.model} (weights: ${r.weights_source}) pruned by ${r.method} for ${r.framework}` +
    ` (${r.preset}: ${r.security}; conv method ${r.conv_method}), budget: ${r.budget}, norm ${r.norm}, ` +
    `importance ${r.importance}, floor ${r.floor}, kinds ${r.kinds.join("+")}` +
    (r.unit === "-" ? "" : `, unit ${r.unit}`) + `, seed ${r.seed}`,
    line(head),
    ...rows.map(line),
    `HE cost ${t.cost_pct}% of unpruned (pruning-aware counts × measured node-seal unit costs; ` +
    `each model planned with its own Galois keys, ks = key switches)` +
    `, retained saliency ${t.retained_saliency}${fid}` +
    (r.assembly
      ? `; assembly ${
        (r.assembly.ms / 1000).toFixed(1)
      } s, ${r.assembly.accepted}/${r.assembly.trials} swaps kept; completed by kind ` +
        `(original → assembled / bound): ${completedByKind(r)}`
      : ""),
  ].join("\n");
}

const HELP: Help = {
  usage: "deno task prune --model NAME|FILE.onnx --method none|hunter|mosaic " +
    "(--ratio R | --per-layer R | --cost F | --saliency S | --layer-ratios FILE.json) " +
    "(--out FILE.json | --json) [options]",
  about:
    "Prune a model for a framework, write masks and permutations (with the manifest and the\n" +
    "report) and optionally the pruned, permuted ONNX; print the per-layer report. With --data,\n" +
    "the one-shot top-1 accuracy of the unpruned and the pruned model too. Give one budget flag.",
  options: [
    {
      flag: "--model NAME|FILE.onnx",
      what: "a zoo name such as vgg16-cifar10, or a .onnx (required)",
    },
    { flag: `--method ${PRUNE_METHODS.join("|")}`, default: "mosaic", what: "the pruning method" },
    {
      flag: "--framework gazelle|cryptflow2|cheetah",
      default: "gazelle",
      what: "the HE framework",
    },
    { flag: "--ratio R", what: "budget: pruned fraction of the weights, in [0, 1]" },
    { flag: "--per-layer R", what: "budget: the same pruned fraction in every layer, in (0, 1]" },
    { flag: "--cost F", what: "budget: HE cost fraction to remove, in [0, 1]" },
    { flag: "--saliency S", what: "budget: saliency fraction to give up, in [0, 1]" },
    { flag: "--layer-ratios FILE.json", what: "budget: a pruned fraction per layer" },
    { flag: "--out FILE.json", what: "the prune file (masks, permutations, manifest, report)" },
    { flag: "--onnx OUT.onnx", what: "also write the pruned, permuted model" },
    {
      flag: "--conv-method M",
      default: "gazelle or, cryptflow2 sci, cheetah coeff",
      what: "the framework's plan method the structures follow: gazelle ir|or, cheetah coeff|ntt",
    },
    { flag: "--norm l2|l1", default: "l2", what: "the weight norm ranked" },
    ...PRUNING_HELP,
    { flag: "--seed N", default: 1, what: "weights and assembler seed, 0..4294967295" },
    { flag: "--width W", default: "the zoo's", what: "width of a zoo model, in (0, 4]" },
    { flag: "--preset NAME", default: "the framework's", what: "HE parameter preset" },
    { flag: "--bits L", default: 37, what: "cryptflow2's share width, 32..41" },
    {
      flag: "--swaps N",
      default: ASSEMBLE_DEFAULTS.swapsPerChannel,
      what: "assembler swap trials per channel and pass, 1..10000",
    },
    { flag: "--passes N", default: ASSEMBLE_DEFAULTS.passes, what: "assembler passes, 1..100" },
    {
      flag: "--fidelity N",
      default: 8,
      what: "random inputs of the output check, 0..1000 (0 skips)",
    },
    { flag: "--data fashion-mnist|DIR", what: "measure one-shot accuracy on these images" },
    { flag: "--limit N", default: "all", what: "with --data: the first N images, 1..1000000" },
    { flag: "--json", what: "print the prune file as JSON" },
  ],
  examples: [
    "deno task prune --model vgg16-cifar10 --method mosaic --ratio 0.7 --out reports/m.json",
    "deno task prune --model vgg16-fashionmnist-trained --method hunter --framework cryptflow2 --cost 0.5 --data fashion-mnist --json",
  ],
};

async function main(): Promise<number> {
  const args = parseFlags(Deno.args, { string: STRINGS, boolean: ["json"], help: HELP });
  if (!args.model) {
    throw new UserError("missing --model (a zoo name such as vgg16-cifar10, or a .onnx file)");
  }
  const method = enumFlag(args, "method", PRUNE_METHODS, "mosaic");
  const framework = frameworkFlag(args.framework);
  const preset = frameworkPreset(framework, args.preset, args.bits);
  const convMethod = enumFlag(
    args,
    "conv-method",
    frameworkMethods(framework).fixed,
    frameworkMethods(framework).fixed[0],
  );
  const norm = enumFlag(args, "norm", ["l2", "l1"] as const, "l2");
  const { importance, floor, kinds, unit } = pruningFlags(args);
  const weightSeed = intFlag(args, "seed", SEED_RANGE);
  const seed = weightSeed ?? 1;
  const width = realFlag(args, "width", WIDTH_RANGE);
  const swapsPerChannel = intFlag(args, "swaps", SWAPS_RANGE);
  const passes = intFlag(args, "passes", PASSES_RANGE);
  const fidelitySamples = intFlag(args, "fidelity", FIDELITY_RANGE);
  const limit = intFlag(args, "limit", LIMIT_RANGE) ?? Infinity;
  const budgetGiven = budgetFlag(args);
  if (!args.out && !args.json) {
    throw new UserError("give --out FILE.json for the masks (or --json to print the report only)");
  }
  // Output paths are checked before the work; both files appear together at the end, or neither.
  if (args.out !== undefined) await checkOutputFile(args.out, "--out");
  if (args.onnx !== undefined) await checkOutputFile(args.onnx, "--onnx");
  progress(`loading ${args.model}`);
  const net = await loadModel(args.model, { width, seed: weightSeed });
  const budget = await budgetOf(budgetGiven, args["layer-ratios"], net);
  // Read the dataset before the long work, so a bad path fails at once.
  const data = args.data === undefined
    ? undefined
    : await loadDatasetFor(net, { data: args.data, limit });
  const result = prune(net, {
    method,
    framework,
    preset,
    convMethod,
    budget,
    seed,
    norm,
    importance,
    floor,
    unit,
    kinds,
    swapsPerChannel,
    passes,
    fidelitySamples,
    progress,
  });
  let report: PruneReport & { accuracy?: PruneAccuracy } = result.report;
  if (data) {
    const fitted = data.fitted || "none";
    progress(`one-shot accuracy on ${data.n} images of ${data.name} (fitted: ${fitted})`);
    const unpruned = await evaluateAccuracy(net, data, { progress: imageProgress("unpruned") });
    const pruned = await evaluateAccuracy(maskNetwork(net, result.masks), data, {
      progress: imageProgress("pruned"),
    });
    report = {
      ...report,
      accuracy: {
        dataset: data.name,
        source: data.source,
        images: data.n,
        fitted,
        unpruned_top1: unpruned.accuracy,
        pruned_top1: pruned.accuracy,
        engine: pruned.engine,
        images_per_second: Math.round(
          (unpruned.images + pruned.images) / (unpruned.seconds + pruned.seconds),
        ),
      },
    };
  }
  const manifest = {
    ...buildManifest([preset], { prune: seed }, net.weights),
    model: net.name,
    model_hash: await networkHash(net),
  };
  {
    await using stage = new OutputStage();
    if (args.out !== undefined) {
      await stage.write(
        args.out,
        await pruneFileText(net, { ...result, report }, manifest),
        "--out",
      );
    }
    if (args.onnx !== undefined) {
      await stage.write(args.onnx, exportOnnx(deployedNetwork(net, result)), "--onnx");
    }
    await stage.commit();
  }
  if (args.out !== undefined) progress(`wrote ${args.out}`);
  if (args.onnx !== undefined) {
    progress(`wrote ${args.onnx} (pruned and permuted: the same function as the pruned model)`);
  }
  const acc = report.accuracy;
  console.log(
    args.json
      ? JSON.stringify(report, null, 2)
      : table(report) + (acc
        ? `\none-shot top-1 on ${acc.images} images of ${acc.dataset} (fitted: ${acc.fitted}): ` +
          `unpruned ${(100 * acc.unpruned_top1).toFixed(2)}%, pruned ${
            (100 * acc.pruned_top1).toFixed(2)
          }% (${acc.engine}, ${acc.images_per_second} images/s)`
        : ""),
  );
  return 0;
}

if (import.meta.main) await runMain(main);
