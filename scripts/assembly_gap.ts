/**
 * `deno task assembly-gap [--seed N] [--swaps N] [--passes N] [--min-trials N]
 * [--trained NAME|none] [--masks random-50,...] [--max-channels N] [--json]`: the assembler
 * measured against the exact optimum on the small-instance suite (`gapCases`), per instance and
 * in total.
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { UserError } from "../src/base/mod.ts";
import { getPreset } from "../src/he/mod.ts";
import { loadModel, type Network } from "../src/nn/mod.ts";
import {
  ASSEMBLE_DEFAULTS,
  GAP_MASKS,
  gapCases,
  type GapRow,
  measureGap,
} from "../src/prune/mod.ts";
import { buildManifest } from "../src/study/mod.ts";
import { checkFlags, numberFlag, progress, runMain } from "./_cli.ts";

const FLAGS = [
  "seed",
  "swaps",
  "passes",
  "min-trials",
  "trained",
  "masks",
  "max-channels",
  "json",
  "help",
] as const;

const HELP =
  `deno task assembly-gap [--seed N] [--swaps N] [--passes N] [--min-trials N] [--trained NAME|none]
  [--masks random-50,random-70,...] [--max-channels N] [--json]

The MOSAIC assembler against the exact optimum on small instances: one free channel tie of at most
10 channels between convolutions with several channels per ciphertext and two or more ciphertexts,
under GAZELLE and CrypTFlow2, with masks of pruned kernels drawn i.i.d. at random (random-50,
random-70, random-90) or as the lowest BatchNorm-folded norms of sub-blocks of a trained network's
consecutive convolutions (trained-50, trained-70, trained-90; from --trained, default
vgg16-fashionmnist-trained; none skips them). The optimum enumerates every permutation of the tie
(up to 10! = 3.6 million, a few seconds each). Each row gives complete structures, the potential Φ
and the predicted ms deleted by complete structures, for the masks' own order (id), the assembler
(asm) and the optimum (opt), and the gaps 1 − asm/opt. --seed seeds the masks and the assembler
(default 1); --swaps, --passes and --min-trials are the assembler's knobs (defaults ${ASSEMBLE_DEFAULTS.swapsPerChannel}, ${ASSEMBLE_DEFAULTS.passes}, ${ASSEMBLE_DEFAULTS.minTrials});
--max-channels N skips larger ties. Progress goes to stderr; the table (or JSON with --json) to
stdout.`;

function posInt(v: string | undefined, flag: string, fallback: number): number {
  const x = numberFlag(v, flag, fallback);
  if (!Number.isInteger(x) || x < 1) {
    throw new UserError(`--${flag} must be a positive integer (got "${v}")`);
  }
  return x;
}

const pct = (g: number) => `${(100 * g).toFixed(1)}%`;

function table(rows: readonly GapRow[]): string {
  const head = [
    "framework",
    "layers",
    "mask",
    "C",
    "complete id/asm/opt",
    "Φ asm/opt",
    "deleted ms id/asm/opt",
    "gap complete",
    "gap Φ",
    "gap ms",
  ];
  const f = (v: number) => v.toFixed(2);
  const body = rows.map((r) => [
    r.framework,
    r.shape,
    r.mask,
    String(r.channels),
    `${r.identity.completeTotal}/${r.assembler.completeTotal}/${r.optimum.complete}`,
    `${f(r.assembler.phi)}/${f(r.optimum.phi)}`,
    `${f(r.identity.deletedMs)}/${f(r.assembler.deletedMs)}/${f(r.optimum.deletedMs)}`,
    pct(r.gap.complete),
    pct(r.gap.phi),
    pct(r.gap.deletedMs),
  ]);
  const w = head.map((h, j) => Math.max(h.length, ...body.map((x) => x[j].length)));
  const line = (x: string[]) =>
    x.map((s, j) => (j < 3 ? s.padEnd(w[j]) : s.padStart(w[j]))).join("  ");
  const s = summary(rows);
  return [
    line(head),
    ...body.map(line),
    `${rows.length} instances: mean gap ${pct(s.meanComplete)} complete, ${
      pct(s.meanDeletedMs)
    } deleted ms; worst ${pct(s.worstComplete)}, ${pct(s.worstDeletedMs)}; ` +
    `${s.over5} above 5%`,
  ].join("\n");
}

function summary(rows: readonly GapRow[]) {
  const n = Math.max(1, rows.length);
  return {
    meanComplete: rows.reduce((a, r) => a + r.gap.complete, 0) / n,
    meanDeletedMs: rows.reduce((a, r) => a + r.gap.deletedMs, 0) / n,
    worstComplete: Math.max(0, ...rows.map((r) => r.gap.complete)),
    worstDeletedMs: Math.max(0, ...rows.map((r) => r.gap.deletedMs)),
    over5: rows.filter((r) => r.gap.complete > 0.05 || r.gap.deletedMs > 0.05).length,
  };
}

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
  const seed = numberFlag(args.seed, "seed", 1);
  if (!Number.isInteger(seed)) {
    throw new UserError(`--seed must be an integer (got "${args.seed}")`);
  }
  const opts = {
    seed,
    swapsPerChannel: posInt(args.swaps, "swaps", ASSEMBLE_DEFAULTS.swapsPerChannel),
    passes: posInt(args.passes, "passes", ASSEMBLE_DEFAULTS.passes),
    minTrials: posInt(args["min-trials"], "min-trials", ASSEMBLE_DEFAULTS.minTrials),
  };
  const maxChannels = posInt(args["max-channels"], "max-channels", 10);
  const masks: readonly string[] = args.masks === undefined ? GAP_MASKS : args.masks.split(",");
  const bad = masks.find((m) => !GAP_MASKS.includes(m));
  if (bad !== undefined) {
    throw new UserError(`Unknown mask "${bad}" in --masks: use ${GAP_MASKS.join(", ")}`);
  }
  const trainedName = args.trained ?? "vgg16-fashionmnist-trained";
  let trained: Network | undefined;
  if (trainedName !== "none" && masks.some((m) => m.startsWith("trained"))) {
    progress(`loading ${trainedName} for the trained masks`);
    trained = await loadModel(trainedName);
  }
  const cases = gapCases({ seed, trained, masks }).filter((c) =>
    c.instance.tie.channels <= maxChannels
  );
  if (cases.length === 0) {
    throw new UserError("no instance left: raise --max-channels or add masks");
  }
  const rows: GapRow[] = [];
  for (const [i, c] of cases.entries()) {
    progress(`${i + 1}/${cases.length}: ${c.instance.name}`);
    rows.push(measureGap(c, opts));
  }
  if (args.json) {
    console.log(JSON.stringify(
      {
        manifest: buildManifest(
          [getPreset("gazelle"), getPreset("cryptflow2")],
          { masks: seed, assemble: seed },
          trained?.weights ?? "random masks only",
        ),
        assembler: opts,
        summary: summary(rows),
        rows,
      },
      null,
      2,
    ));
  } else {
    console.log(table(rows));
  }
  return 0;
}

if (import.meta.main) await runMain(main);
