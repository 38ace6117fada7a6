/**
 * `deno task report`, the main job. With no arguments it runs the default study end to end:
 * prune VGG-16 and ResNet-18 (CIFAR-10, Tiny ImageNet) with Hunter and MOSAIC at every budget
 * under GAZELLE and CrypTFlow2, take the pruning-aware counts of every layer, time the quick
 * profile with `deno bench`, and render the charts into `reports/`.
 *
 * Options: `--profile quick|full` (default `MOSAIC_BENCH_PROFILE` or quick), `--models a,b`,
 * `--frameworks gazelle,cryptflow2`, `--budgets 0.5,0.7,0.9`, `--default-budget 0.7`,
 * `--importance lamp|share|raw`, `--floor F`, `--kinds a,b`, `--unit kernel|weight` (how both
 * methods prune; recorded in results.json), `--no-bench`, `--shard i/n` (do every n-th (model, framework) pair and write
 * `results-shard-i-of-n.json`), `--merge F1 F2 …` (merge shards and render), `--from FILE`
 * (re-render a results file), `--op-weights FILE.json` (user op weights beside the calibrated
 * ones), `--allow-mixed-cpu`, `--out-dir DIR` (default `reports`).
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
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
  type StudySpec,
} from "../src/study/mod.ts";
import { engineFlag } from "../src/train/mod.ts";
import { checkFlags, progress, pruningFlags, runMain } from "./_cli.ts";

const FLAGS = [
  "profile",
  "models",
  "frameworks",
  "budgets",
  "default-budget",
  "bench",
  "shard",
  "merge",
  "from",
  "op-weights",
  "allow-mixed-cpu",
  "out-dir",
  "finetune",
  "engine",
  "seeds",
  "data",
  "importance",
  "floor",
  "kinds",
  "unit",
] as const;

function list(v: string | undefined, fallback: readonly string[]): string[] {
  return v === undefined ? [...fallback] : v.split(",").map((s) => s.trim()).filter((s) => s);
}

async function main(): Promise<number> {
  const args = parseArgs(Deno.args, {
    boolean: ["bench", "allow-mixed-cpu", "finetune"],
    negatable: ["bench", "finetune"],
    default: { bench: true, finetune: true },
    string: FLAGS.filter((f) =>
      f !== "bench" && f !== "allow-mixed-cpu" && f !== "merge" && f !== "finetune"
    ),
    collect: ["merge"],
  });
  checkFlags(args, FLAGS);
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
  const t0 = performance.now();
  let results: Results;
  const merge = (args.merge as string[] | undefined) ?? [];
  if (args.from) {
    results = await readResults(args.from);
  } else if (merge.length > 0) {
    const files = [...merge, ...args._.map(String)];
    const parts = [];
    for (const f of files) parts.push(await readResults(f));
    results = mergeShards(parts, files, { allowMixedCpu: args["allow-mixed-cpu"] });
  } else {
    const profile = profileOf(args.profile ?? Deno.env.get("MOSAIC_BENCH_PROFILE"));
    const budgets = list(args.budgets, DEFAULT_STUDY.budgets.map(String)).map(Number);
    let spec: StudySpec = {
      profile,
      width: PROFILE_WIDTH[profile],
      models: list(args.models, DEFAULT_STUDY.models),
      frameworks: list(args.frameworks, DEFAULT_STUDY.frameworks),
      budgets,
      default_budget: args["default-budget"] !== undefined
        ? Number(args["default-budget"])
        : budgets.includes(DEFAULT_STUDY.default_budget)
        ? DEFAULT_STUDY.default_budget
        : budgets[Math.floor(budgets.length / 2)],
      seed: DEFAULT_STUDY.seed,
      pruning: pruningFlags(args),
    };
    const models = spec.models;
    if (models.some(isTrained)) {
      const acc = PROFILE_ACCURACY[profile];
      const seeds = args.seeds === undefined ? acc.seeds : list(args.seeds, []).map(Number);
      if (!seeds.length || !seeds.every((s) => Number.isInteger(s) && s >= 0)) {
        throw new UserError(`--seeds "${args.seeds}" must be a comma list of integers ≥ 0`);
      }
      spec = { ...spec, accuracy: { ...acc, seeds } };
    }
    checkStudy(spec);
    const engine = engineFlag(args.engine);
    const shard = parseShard(args.shard, "--shard");
    results = await runStudy(
      spec,
      shard,
      args.bench,
      await calibratedWeights(outDir),
      progress,
      { enabled: args.finetune, engine, data: args.data },
    );
    if (shard && shard.count > 1) {
      const name = `results-shard-${shard.index}-of-${shard.count}.json`;
      await out.write(name, JSON.stringify(results, null, 1));
      await out.commit();
      progress(`wrote ${outDir}/${name}; merge the shards with deno task report --merge FILES`);
      return 0;
    }
  }
  if (!args.from) await out.write("results.json", JSON.stringify(results, null, 1));
  const pngs = await renderReport(results, out, extra, progress);
  await out.commit();
  const s = ((performance.now() - t0) / 1000).toFixed(0);
  console.log(`${outDir}/index.html, ${outDir}/summary.md, ${pngs.length} charts (${s} s):`);
  for (const p of pngs) console.log(`  ${outDir}/${p}`);
  return 0;
}

if (import.meta.main) await runMain(main);
