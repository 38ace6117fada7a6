/**
 * `deno task assembly-gap [--seed N] [--swaps N] [--passes N] [--min-trials N]
 * [--trained NAME|none] [--masks random-50,...] [--max-channels N] [--json]`: the assembler
 * measured against the exact optimum on the small-instance suite (`gapCases`), per instance and
 * in total. Bounds: `--seed` 0..4294967295, `--swaps` 1..10000, `--passes` 1..100,
 * `--min-trials` 1..1000000, `--max-channels` 1..10; `--masks` names each mask once.
 *
 * @module
 */
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
import {
  enumItem,
  type Help,
  intFlag,
  type IntRange,
  intRangeText,
  listFlag,
  parseFlags,
  PASSES_RANGE,
  progress,
  runMain,
  SEED_RANGE,
  SWAPS_RANGE,
} from "./_cli.ts";

const FLAGS = {
  string: ["seed", "swaps", "passes", "min-trials", "trained", "masks", "max-channels"],
  boolean: ["json"],
} as const;

/** `--min-trials`: the assembler's least swap trials per tie and pass. */
const MIN_TRIALS_RANGE: IntRange = { min: 1, max: 1_000_000 };
/** `--max-channels`: the optimum enumerates every permutation of a tie (10! at most). */
const MAX_CHANNELS_RANGE: IntRange = { min: 1, max: 10 };

const HELP: Help = {
  usage: "deno task assembly-gap [options]",
  about:
    `The MOSAIC assembler against the exact optimum on small instances: one free channel tie of at most
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
stdout. Bounds: --seed ${intRangeText(SEED_RANGE)}, --swaps ${
      intRangeText(SWAPS_RANGE)
    }, --passes ${intRangeText(PASSES_RANGE)}, --min-trials ${
      intRangeText(MIN_TRIALS_RANGE)
    }, --max-channels ${intRangeText(MAX_CHANNELS_RANGE)}.`,
  options: [
    { flag: "--seed N", default: 1, what: "seeds the masks and the assembler, 0..4294967295" },
    {
      flag: "--swaps N",
      default: ASSEMBLE_DEFAULTS.swapsPerChannel,
      what: "swap trials per channel and pass, 1..10000",
    },
    { flag: "--passes N", default: ASSEMBLE_DEFAULTS.passes, what: "assembler passes, 1..100" },
    {
      flag: "--min-trials N",
      default: ASSEMBLE_DEFAULTS.minTrials,
      what: "least swap trials per tie and pass, 1..1000000",
    },
    {
      flag: "--trained NAME|none",
      default: "vgg16-fashionmnist-trained",
      what: "the network of the trained masks; none skips them",
    },
    { flag: "--masks LIST", default: "all six", what: "comma list of random-50, …, trained-90" },
    { flag: "--max-channels N", default: 10, what: "skip ties of more channels, 1..10" },
    { flag: "--json", what: "print JSON instead of a table" },
  ],
  examples: [
    "deno task assembly-gap",
    "deno task assembly-gap --trained none --masks random-50,random-90 --max-channels 8 --json",
  ],
};

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
  const args = parseFlags(Deno.args, { ...FLAGS, help: HELP });
  const seed = intFlag(args, "seed", { ...SEED_RANGE, default: 1 });
  const opts = {
    seed,
    swapsPerChannel: intFlag(args, "swaps", {
      ...SWAPS_RANGE,
      default: ASSEMBLE_DEFAULTS.swapsPerChannel,
    }),
    passes: intFlag(args, "passes", { ...PASSES_RANGE, default: ASSEMBLE_DEFAULTS.passes }),
    minTrials: intFlag(args, "min-trials", {
      ...MIN_TRIALS_RANGE,
      default: ASSEMBLE_DEFAULTS.minTrials,
    }),
  };
  const maxChannels = intFlag(args, "max-channels", { ...MAX_CHANNELS_RANGE, default: 10 });
  const masks: readonly string[] = listFlag(args, "masks", enumItem(GAP_MASKS, "mask"), {
    default: GAP_MASKS,
  });
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
