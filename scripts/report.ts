/**
 * `deno task report`, the main job. With no arguments it runs the default study end to end:
 * prune VGG-16 and ResNet-18 (CIFAR-10, Tiny ImageNet) with Hunter and MOSAIC at every budget
 * under GAZELLE, CrypTFlow2 and Cheetah, take the pruning-aware counts of every layer, time the quick
 * profile with `deno bench`, and render the charts into `reports/`.
 *
 * Options: `--profile quick|full` (default `MOSAIC_BENCH_PROFILE` or quick), `--models a,b`,
 * `--frameworks gazelle,cryptflow2,cheetah`, `--budgets 0.5,0.7,0.9`, `--default-budget 0.7`,
 * `--importance lamp|share|raw`, `--floor F`, `--kinds a,b`, `--unit kernel|weight` (how both
 * methods prune; recorded in results.json), `--no-bench`, `--shard i/n` (do every n-th (model, framework) pair and write
 * `results-shard-i-of-n.json`), `--merge F1 F2 …` (merge shards and render), `--from FILE`
 * (re-render a results file, copied into the report folder), `--op-weights FILE.json` (user op weights beside the calibrated
 * ones), `--allow-mixed-cpu`, `--out-dir DIR` (default `reports`), `--jobs N` (cores the study uses:
 * pruning Workers and fine-tunes side by side; default `MOSAIC_JOBS`, else one per core),
 * `--time-beside` (time layers while the fine-tunes run; CPU time), `--tool-benches` (also time
 * the tool itself into the manifest). Bounds: `--budgets` at most
 * 20 distinct sparsities in (0, 1), `--default-budget` one of them, `--floor` in [0, 1), `--seeds`
 * at most 20 distinct integers in 0..4294967295, `--shard i/n` with n ≤ 1000; `--models`,
 * `--frameworks` and `--kinds` name each item once.
 *
 * @module
 */
import { OutputDir, UserError } from "../src/base/mod.ts";
import { parseOpWeights } from "../src/cost/mod.ts";
import { renderReport } from "../src/report/mod.ts";
import {
  calibratedWeights,
  checkStudy,
  DEFAULT_STUDY,
  isTrained,
  mergeShards,
  parseShard,
  PROFILE_ACCURACY,
  PROFILE_WIDTH,
  profileOf,
  readResults,
  type Results,
  runStudy,
  runToolBenches,
  type StudySpec,
} from "../src/study/mod.ts";
import { engineFlag } from "../src/train/mod.ts";
import {
  type Help,
  intFlag,
  intItem,
  type IntRange,
  intRangeText,
  intValue,
  listFlag,
  parseFlags,
  progress,
  PRUNING_HELP,
  pruningFlags,
  realFlag,
  realItem,
  type RealRange,
  runMain,
  SEED_RANGE,
} from "./_cli.ts";

const FLAGS = {
  string: [
    "profile",
    "models",
    "frameworks",
    "budgets",
    "default-budget",
    "from",
    "op-weights",
    "out-dir",
    "engine",
    "seeds",
    "shard",
    "data",
    "importance",
    "floor",
    "kinds",
    "unit",
    "jobs",
  ],
  boolean: ["bench", "allow-mixed-cpu", "finetune", "tool-benches", "time-beside"],
  negatable: ["bench", "finetune"],
  default: { bench: true, finetune: true },
  collect: ["merge"],
  positionals: Infinity,
} as const;

/** A sparsity budget of the study. */
const BUDGET_RANGE: RealRange = { min: 0, max: 1, minOpen: true, maxOpen: true };

/** Jobs side by side: pruning Workers, fine-tunes (`--jobs`, `MOSAIC_JOBS`). */
const JOBS_RANGE: IntRange = { min: 1, max: 64 };

/** A comma-list item taken as written (the study checks the names). */
const asWritten = (text: string) => text;

const HELP: Help = {
  usage: "deno task report [options] | --merge F1 F2 … | --from FILE",
  about:
    "Run the study end to end: prune the models with Hunter and MOSAIC at every budget under\n" +
    "GAZELLE, CrypTFlow2 and Cheetah, count every layer, time the quick profile with deno bench,\n" +
    "and render the charts into the output folder.",
  options: [
    {
      flag: "--profile quick|full",
      default: "$MOSAIC_BENCH_PROFILE, else quick",
      what: "the study profile",
    },
    {
      flag: "--models LIST",
      default: DEFAULT_STUDY.models.join(","),
      what: "comma list of models",
    },
    {
      flag: "--frameworks LIST",
      default: DEFAULT_STUDY.frameworks.join(","),
      what: "comma list of frameworks",
    },
    {
      flag: "--budgets LIST",
      default: DEFAULT_STUDY.budgets.join(","),
      what: "at most 20 distinct sparsities in (0, 1)",
    },
    {
      flag: "--default-budget B",
      default: DEFAULT_STUDY.default_budget,
      what: "the headline budget, one of --budgets",
    },
    ...PRUNING_HELP,
    { flag: "--seeds LIST", default: "the profile's", what: "fine-tuning seeds, at most 20" },
    { flag: "--engine auto|torch|tfjs", default: "auto", what: "the fine-tuning engine" },
    { flag: "--data DIR", default: "Debian's, else the shipped subset", what: "Fashion-MNIST" },
    { flag: "--bench, --no-bench", default: "on", what: "time the profile with deno bench" },
    { flag: "--finetune, --no-finetune", default: "on", what: "fine-tune trained models" },
    {
      flag: "--time-beside",
      default: "off",
      what: "time layers while fine-tunes run on the other cores (faster; CPU time, but " +
        "shared caches can slow a timed layer)",
    },
    {
      flag: "--tool-benches",
      default: "off",
      what: "also time the tool itself (cost tables, assembler, calibration) into the manifest",
    },
    {
      flag: "--jobs N",
      default: "$MOSAIC_JOBS, else one per core",
      what: `cores the study uses: pruning Workers and fine-tunes side by side (1: one at a ` +
        `time), ${intRangeText(JOBS_RANGE)}`,
    },
    { flag: "--shard i/n", what: "do every n-th (model, framework) pair only (n ≤ 1000)" },
    { flag: "--merge F1 F2 …", what: "merge shard results files and render (repeatable)" },
    { flag: "--from FILE", what: "re-render a results file (copied into the report folder)" },
    { flag: "--op-weights FILE.json", what: "user op weights beside the calibrated ones" },
    { flag: "--allow-mixed-cpu", what: "merge shards timed on different CPUs" },
    { flag: "--out-dir DIR", default: "reports", what: "where results and charts go" },
  ],
  examples: [
    "deno task report --profile quick --no-bench",
    "deno task report --merge reports/results-shard-1-of-2.json reports/results-shard-2-of-2.json",
  ],
};

async function main(): Promise<number> {
  const args = parseFlags(Deno.args, { ...FLAGS, help: HELP });
  const merge = args.merge;
  if (args._.length > 0 && merge.length === 0) {
    throw new UserError(
      `unexpected argument ${JSON.stringify(args._[0])}: only --merge takes further files`,
    );
  }
  const outDir = args["out-dir"] ?? "reports";
  // Checked before anything runs; every file is staged and appears only when all were written.
  await using out = await OutputDir.open(outDir, "--out-dir");
  const extra = args["op-weights"]
    ? parseOpWeights(
      await Deno.readTextFile(args["op-weights"]).catch(() => {
        throw new UserError(`Op weights file ${args["op-weights"]} cannot be read: check the path`);
      }),
      args["op-weights"],
    )
    : null;
  if (args["tool-benches"] && (args.from || merge.length > 0)) {
    throw new UserError("--tool-benches runs with a study: drop --from and --merge");
  }
  const t0 = performance.now();
  let results: Results;
  if (args.from) {
    results = await readResults(args.from);
  } else if (merge.length > 0) {
    const files = [...merge, ...args._];
    const parts = [];
    for (const f of files) parts.push(await readResults(f));
    results = mergeShards(parts, files, { allowMixedCpu: args["allow-mixed-cpu"] });
  } else {
    const profile = profileOf(args.profile ?? Deno.env.get("MOSAIC_BENCH_PROFILE"));
    const budgets = listFlag(args, "budgets", realItem(BUDGET_RANGE), {
      default: DEFAULT_STUDY.budgets,
      max: 20,
    });
    const defaultBudget = realFlag(args, "default-budget", BUDGET_RANGE);
    let spec: StudySpec = {
      profile,
      width: PROFILE_WIDTH[profile],
      models: listFlag(args, "models", asWritten, { default: DEFAULT_STUDY.models }),
      frameworks: listFlag(args, "frameworks", asWritten, { default: DEFAULT_STUDY.frameworks }),
      budgets,
      default_budget: defaultBudget !== undefined
        ? defaultBudget
        : budgets.includes(DEFAULT_STUDY.default_budget)
        ? DEFAULT_STUDY.default_budget
        : budgets[Math.floor(budgets.length / 2)],
      seed: DEFAULT_STUDY.seed,
      pruning: pruningFlags(args),
    };
    const seeds = listFlag(args, "seeds", intItem(SEED_RANGE), { max: 20 });
    const models = spec.models;
    if (models.some(isTrained)) {
      const acc = PROFILE_ACCURACY[profile];
      spec = { ...spec, accuracy: { ...acc, seeds: seeds ?? acc.seeds } };
    }
    checkStudy(spec);
    const engine = engineFlag(args.engine);
    const shard = parseShard(args.shard, "--shard");
    const envJobs = Deno.env.get("MOSAIC_JOBS");
    const jobs = intFlag(args, "jobs", JOBS_RANGE) ??
      (envJobs ? intValue(envJobs, "MOSAIC_JOBS", JOBS_RANGE) : navigator.hardwareConcurrency || 1);
    results = await runStudy(
      spec,
      shard,
      args.bench,
      // The study's own frameworks are calibrated (Cheetah's too), so every timed layer has a
      // prediction from this machine; without timing nothing would use the measurement.
      await calibratedWeights(outDir, {
        progress,
        frameworks: spec.frameworks,
        // The rings SCI grows large maps to get costs of their own (planned from the models).
        study: spec,
        measure: args.bench,
      }),
      progress,
      { enabled: args.finetune, engine, data: args.data, timeBeside: args["time-beside"] },
      jobs,
    );
    if (args["tool-benches"]) {
      // After the study, alone: the cost tables use every core.
      const toolBenches = await runToolBenches(progress);
      results = { ...results, manifest: { ...results.manifest, tool_benches: toolBenches } };
    }
    if (shard && shard.count > 1) {
      const name = `results-shard-${shard.index}-of-${shard.count}.json`;
      await out.write(name, JSON.stringify(results, null, 1));
      await out.commit();
      progress(`wrote ${outDir}/${name}; merge the shards with deno task report --merge FILES`);
      return 0;
    }
  }
  // The report folder always holds the results its pages link: a re-rendered file is copied as
  // it is (re-rendering in place leaves it byte for byte).
  await out.write(
    "results.json",
    args.from ? await Deno.readFile(args.from) : JSON.stringify(results, null, 1),
  );
  const pngs = await renderReport(results, out, extra, progress);
  await out.commit();
  const s = ((performance.now() - t0) / 1000).toFixed(0);
  console.log(`${outDir}/index.html, ${outDir}/summary.md, ${pngs.length} charts (${s} s):`);
  for (const p of pngs) console.log(`  ${outDir}/${p}`);
  return 0;
}

if (import.meta.main) await runMain(main);
