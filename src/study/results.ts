/**
 * The results store (`reports/results.json`): pruning and planning results, per-layer `deno bench`
 * timings and nonlinear costs of one study run, under one manifest. Runs with different manifests
 * are never mixed; shards of one run (same manifest, `--shard i/n`) merge into one.
 *
 * @module
 */
import { z } from "zod";
import type { OpCounts, TimingStatistic, UnitCosts, UnitCostsOrigin } from "../he/mod.ts";
import {
  checkFormat,
  checkJson,
  describeJson,
  type JsonSchema,
  parseJsonText,
  type SameType,
  UserError,
} from "../base/mod.ts";
import { type Manifest, manifestSchema } from "./manifest.ts";
import type { Recipe } from "../train/mod.ts";
import {
  BASIC_UNITS,
  type BasicUnit,
  type Importance,
  STRUCTURE_KINDS,
  type StructureKind,
} from "../prune/mod.ts";
import { FRAMEWORKS } from "../frameworks/mod.ts";
import { type RingCounts, unitCostsSchema } from "../cost/mod.ts";
import { type IsoRow, isoRows } from "./iso_accuracy.ts";

/** Format tag of results files (the `format` field of every `results.json`). */
export const RESULTS_FORMAT = "mosaic-bench-results/1";

/** The op counts kept per layer (all of them: predictions need every counter). */
export type LayerOps = OpCounts;

/** What a study covers. */
export interface StudySpec {
  /**
   * What `deno bench` times: quick, the representative layers (`REPRESENTATIVE_LAYERS`) of the
   * width-scaled models; full, every layer of the full-width models.
   */
  readonly profile: "quick" | "full";
  /** Zoo or shipped trained model names (e.g. `vgg16-cifar10`, `vgg16-fashionmnist-trained`). */
  readonly models: readonly string[];
  /** HE frameworks: `gazelle`, `cryptflow2`. */
  readonly frameworks: readonly string[];
  /** Weight-sparsity budgets (Hunter and MOSAIC at each). */
  readonly budgets: readonly number[];
  /** The budget of the per-model and per-layer charts. */
  readonly default_budget: number;
  /** Channel width of the zoo models (1 = full). */
  readonly width: number;
  /**
   * Seed of the zoo models' synthetic weights, and of pruning where the accuracy loop does not
   * give its own seeds.
   */
  readonly seed: number;
  /** How both methods rank and prune (absent in older results: lamp, 0.05, Hunter's kinds, kernel). */
  readonly pruning?: StudyPruning;
  /** The accuracy loop (trained models only): seeds, fine-tune recipe, test images, engine. */
  readonly accuracy?: AccuracySpec;
}

/** The pruning settings of a study: the same for Hunter and MOSAIC. */
export interface StudyPruning {
  /** How weights are ranked across layers. */
  readonly importance: Importance;
  /** Kept-fraction floor of every layer and output channel. */
  readonly floor: number;
  /** Structure kinds selection may prune. */
  readonly kinds: readonly StructureKind[];
  /** MOSAIC's basic unit. */
  readonly unit: BasicUnit;
}

/** What the accuracy loop of a study does. */
export interface AccuracySpec {
  /** Each seed prunes (MOSAIC's assembly) and fine-tunes (data order) once per budget. */
  readonly seeds: readonly number[];
  /** The masked fine-tune, one recipe for both methods (its seed is replaced by each seed). */
  readonly recipe: Recipe;
  /** Distillation from the unpruned model, or null. */
  readonly distill: { readonly alpha: number; readonly temperature: number } | null;
  /** Test images evaluated (the first N of the test split), or null for all. */
  readonly test_limit: number | null;
  /** Accuracy losses (points) of the iso-accuracy table. */
  readonly deltas: readonly number[];
}

/** The manifest of a results file: the run's identity plus what it covered. */
export interface ResultsManifest extends Manifest {
  /** The study the run covered (all shards, not only this file's). */
  readonly study: StudySpec;
  /** SHA-256 of each model and of each mask set (`model/framework/method/budget`). */
  readonly hashes: Readonly<Record<string, string>>;
  /** Unit costs the predictions use, per framework (each names its source). */
  readonly unit_costs: Readonly<Record<string, UnitCosts>>;
  /**
   * Unit costs measured at other ring degrees than the study preset's, per framework and N
   * (decimal keys): the rings the study's layers plan parts at (`LayerResult.rings`). Absent when
   * no layer needs one, and in results written before; a ring without them is priced with
   * `unit_costs` carried to its N (`unitCostsAtRing`).
   */
  readonly unit_costs_by_n?: Readonly<Record<string, Readonly<Record<string, UnitCosts>>>>;
  /** What those unit costs are (calibrated on this machine, or the built-in table). */
  readonly unit_costs_name?: string;
  /** Where and when those unit costs were measured (absent in results written before). */
  readonly unit_costs_origin?: UnitCostsOrigin;
  /**
   * How timings are read (absent in results written before: there the mean of the wall-clock
   * samples, against unit costs that were medians).
   */
  readonly timing?: TimingManifest;
  /**
   * The tool's own speed under `deno bench` (`deno task report --tool-benches`): cost tables,
   * MOSAIC's assembler, calibration; absent when not asked for.
   */
  readonly tool_benches?: readonly ToolBench[];
}

/** One bench of the tool's own speed (`runToolBenches`). */
export interface ToolBench {
  /** The bench file, relative to the repository (`bench/…`). */
  readonly file: string;
  /** The bench's name (e.g. `cost_table/gazelle/vgg16-cifar10`). */
  readonly name: string;
  /** `deno bench`'s statistics of its wall-clock samples, ms. */
  readonly stats: BenchStats;
}

/** How a run's layer timings and unit costs are read, and the load they were read under. */
export interface TimingManifest {
  /**
   * The statistic of both sides of measured / predicted: the fastest sample's CPU time of the
   * timing process (`cpu-min`) or, where the runtime gives no CPU time, its wall time.
   */
  readonly statistic: TimingStatistic;
  /** The 1, 5 and 15 minute load averages before timing (null where the OS does not say). */
  readonly load_before: readonly number[] | null;
  /** The load averages after timing. */
  readonly load_after: readonly number[] | null;
  /**
   * What ran on the other cores while layers were timed: `fine-tuning` (timings read as CPU time,
   * one layer at a time, beside the accuracy loop's jobs) or `nothing` (absent in results written
   * before timing shared the cores: nothing).
   */
  readonly beside?: "fine-tuning" | "nothing";
}

/** One layer of a pruning row. */
export interface LayerResult {
  /** Layer name in the model (e.g. `features.0`, `layer2.0.conv1`). */
  readonly name: string;
  /** `conv` or `fc`. */
  readonly kind: string;
  /** Exact HE op counts of the unpruned layer. */
  readonly dense: LayerOps;
  /** Exact (pruning-aware) HE op counts of the pruned layer. */
  readonly pruned: LayerOps;
  /** Predicted server time of the unpruned layer, ms (the preset's node-seal unit costs). */
  readonly predicted_ms_dense: number;
  /** Predicted server time of the pruned layer, ms. */
  readonly predicted_ms: number;
  /** Ciphertext bytes of the unpruned layer, up and down (absent in results before Cheetah). */
  readonly bytes_dense?: { readonly up: number; readonly down: number };
  /** Ciphertext bytes of the pruned layer, up and down (absent in results before Cheetah). */
  readonly bytes?: { readonly up: number; readonly down: number };
  /**
   * `dense` and `pruned` split by ring degree N (ascending; each N's counts sum to the layer's),
   * present only when a part of the layer runs at another N than the framework's study preset
   * (CrypTFlow2 grows N for large maps): such parts are priced at their own N (`layerMs`). Absent
   * in results written before: there every part was priced at the study preset's N.
   */
  readonly rings?: readonly RingCounts[];
}

/** One (model, framework, method, budget) pruning result. */
export interface PruneRow {
  /** Model name, as in the study. */
  readonly model: string;
  /** `gazelle` or `cryptflow2`. */
  readonly framework: string;
  /** The pruning method. */
  readonly method: "hunter" | "mosaic";
  /** Requested weight sparsity in (0, 1). */
  readonly budget: number;
  /** Reached weight sparsity: fraction of the linear layers' weights pruned. */
  readonly sparsity: number;
  /** Fraction of the weights' squared L2 norm kept, in [0, 1]. */
  readonly retained_saliency: number;
  /** Predicted HE cost of the linear layers as % of unpruned (the preset's unit costs). */
  readonly cost_pct: number;
  /** Predicted server time of the unpruned linear layers, ms. */
  readonly predicted_ms_dense: number;
  /** Predicted server time of the pruned linear layers, ms. */
  readonly predicted_ms: number;
  /** Every linear layer, in model order. */
  readonly layers: readonly LayerResult[];
  /** The seed of pruning and fine-tuning (absent in results without the accuracy loop). */
  readonly seed?: number;
  /** How the budget was applied: global sparsity, or the same sparsity in every layer. */
  readonly budget_kind?: "global" | "per-layer";
  /** Top-1 test accuracy, pruned before fine-tuning and after (trained models only). */
  readonly accuracy?: { readonly one_shot: number; readonly finetuned: number };
  /**
   * MOSAIC only: structures complete in the final masks, summed over layers and structure kinds
   * (in the original channel order, after assembly, and the upper bound), and the assembler's
   * time in ms.
   */
  readonly assembly?: {
    readonly completed: number;
    readonly completed_identity: number;
    readonly bound: number;
    readonly ms: number;
  };
}

/**
 * `deno bench`'s statistics of one timed layer, as its `--json` output gives them per bench,
 * converted from ns to ms.
 */
export interface BenchStats {
  /** Timed samples. */
  readonly n: number;
  /** Mean of the samples, ms (deno's `avg`). */
  readonly mean: number;
  /** Fastest sample, ms. */
  readonly min: number;
  /** Slowest sample, ms. */
  readonly max: number;
  /** 75th percentile, ms. */
  readonly p75: number;
  /** 99th percentile, ms. */
  readonly p99: number;
  /** 99.5th percentile, ms (where `deno bench` gives it). */
  readonly p995?: number;
  /** 99.9th percentile, ms (where `deno bench` gives it). */
  readonly p999?: number;
  /** Whether the clock resolved below a millisecond (deno's `highPrecision`). */
  readonly high_precision?: boolean;
  /** Whether only the span between `b.start()` and `b.end()` was timed (`usedExplicitTimers`). */
  readonly explicit_timers?: boolean;
}

/** One timed layer (`deno bench`, server compute only, verified before timing). */
export interface TimingRow {
  /** Model name. */
  readonly model: string;
  /** Layer name in the model. */
  readonly layer: string;
  /** `gazelle` or `cryptflow2`. */
  readonly framework: string;
  /** Which network was timed: unpruned, or pruned at the study's default budget. */
  readonly variant: "unpruned" | "hunter" | "mosaic";
  /** Mean of the bench samples, ms (to 3 decimals). */
  readonly measured_ms: number;
  /** Number of bench samples. */
  readonly samples: number;
  /** All of `deno bench`'s statistics (absent in results written before they were kept). */
  readonly stats?: BenchStats;
  /**
   * Every timed call's CPU time of the timing process, ms, in the order run (the warm-up call
   * included; absent where the runtime gives no CPU time, and in results written before).
   */
  readonly cpu_ms?: readonly number[];
}

/**
 * A timing row's milliseconds under the run's statistic (`ResultsManifest.timing`): the fastest
 * call's CPU time (`cpu-min`, where the row has CPU samples), else the fastest wall-clock sample;
 * for results written before statistics were chosen, the mean they were read with.
 *
 * @example A loaded sample moves the mean, not the minimum
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { timedMs, type TimingRow } from "./results.ts";
 *
 * const row = {
 *   measured_ms: 20, samples: 3, cpu_ms: [9, 10, 30],
 *   stats: { n: 3, mean: 20, min: 10, max: 40, p75: 40, p99: 40 },
 * } as unknown as TimingRow;
 * const timing = (statistic: "cpu-min" | "wall-min") => ({ statistic, load_before: null, load_after: null });
 * assertEquals(timedMs(row, timing("cpu-min")), 9);
 * assertEquals(timedMs(row, timing("wall-min")), 10);
 * assertEquals(timedMs(row, undefined), 20);
 * ```
 */
export function timedMs(t: TimingRow, timing: TimingManifest | undefined): number {
  if (!timing) return t.measured_ms;
  if (timing.statistic === "cpu-min" && t.cpu_ms && t.cpu_ms.length > 0) {
    return Math.min(...t.cpu_ms);
  }
  return t.stats?.min ?? t.measured_ms;
}

/** Communication of one model's linear (HE) and nonlinear (OT / GC) layers. */
export interface NonlinearRow {
  /** Model name. */
  readonly model: string;
  /** `gazelle` or `cryptflow2`. */
  readonly framework: string;
  /** HE ciphertexts up and down, MB (10^6 bytes), unpruned (pruning does not change them). */
  readonly linear_mb: number;
  /** ReLU and MaxPool protocols, MB; null where no published formula exists. */
  readonly nonlinear_mb: number | null;
  /** ReLU (comparison) instances per inference, MaxPool windows counted as their comparisons. */
  readonly relus: number;
  /** Share width η and the protocol formulas used, in words. */
  readonly source: string;
}

/** The accuracy loop's results: data, engine, unpruned accuracies and the iso-accuracy table. */
export interface AccuracyResults {
  /** Dataset name (`Fashion-MNIST`). */
  readonly dataset: string;
  /** Training images each fine-tune draws from. */
  readonly train_images: number;
  /** Test images every accuracy is measured on. */
  readonly test_images: number;
  /** SHA-256 of the training and test image sets. */
  readonly data_sha256: { readonly train: string; readonly test: string };
  /** The training engine, as it describes itself (e.g. tfjs with its backend, or torch). */
  readonly engine: string;
  /** Top-1 test accuracy in [0, 1] of each unpruned model. */
  readonly unpruned: readonly { readonly model: string; readonly accuracy: number }[];
  /** Fine-tuning throughput, samples per second per job. */
  readonly samples_per_second: number;
  /** Wall time of the accuracy loop, s (summed over merged shards). */
  readonly seconds: number;
  /** The iso-accuracy table. */
  readonly iso: readonly IsoRow[];
}

/** A results file. */
export interface Results {
  /** Always `RESULTS_FORMAT`. */
  readonly format: typeof RESULTS_FORMAT;
  /** The run's identity and what it covered. */
  readonly manifest: ResultsManifest;
  /** The shards this file holds (1-based index of count); `[{ index: 1, count: 1 }]` unsharded. */
  readonly shards: { readonly index: number; readonly count: number }[];
  /** One row per (model, framework, method, budget, seed). */
  readonly prune: readonly PruneRow[];
  /** Timed layers; empty when the run did not time. */
  readonly timings: readonly TimingRow[];
  /** One row per (model, framework). */
  readonly nonlinear: readonly NonlinearRow[];
  /** Present when the study fine-tuned trained models. */
  readonly accuracy?: AccuracyResults;
}

// The schema of results files: the interfaces above, field for field (each pinned by `SameType`),
// with the ranges a run can produce.

/** A string that must be one of `values` (the interfaces keep such fields as plain strings). */
function oneOf(values: readonly string[]) {
  return z.string().refine((v) => values.includes(v), {
    error: (iss) =>
      `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}, got ${
        describeJson(iss.input)
      }`,
  }).meta({ enum: [...values] }); // the published JSON Schema says it too
}

// Schemas from other files come as `JsonSchema`s, each a zod schema: composed as such.
const manifestZod = manifestSchema as z.ZodType<Manifest>;
const unitCostsZod = unitCostsSchema as z.ZodType<UnitCosts>;

const count = z.number().int().nonnegative();
const loadAverage = z.array(z.number().nonnegative()).length(3).nullable();
const ms = z.number().nonnegative();
const fraction = z.number().min(0).max(1);
const sparsity = z.number().gt(0).lt(1);
const framework = oneOf(FRAMEWORKS);
/** A ring degree N: a power of two SEAL supports. */
const ringDegree = z.number().int().min(1024).max(65536).refine((n) => (n & (n - 1)) === 0, {
  error: (iss) => `expected a power of two, got ${describeJson(iss.input)}`,
});
/** A ring degree N as a record key (decimal). */
const ringKey = z.string().regex(/^[1-9][0-9]*$/, "expected a ring degree N in decimal");

const opCountsSchema = z.object({
  perm_in: count,
  perm_out: count,
  rotate_rows: count,
  rotate_columns: count,
  key_switches: count,
  mult: count,
  mult_coeff: count,
  add: count,
  // Cheetah's counters; results written before Cheetah lack them (0 there).
  mult_scalar: count.default(0),
  extract: count.default(0),
  ntt: count,
  intt: count,
  cts_up: count,
  cts_down: count,
  mod_switch: count,
  add_mask: count,
  enc_server: count,
  flood: count,
  // Ops below the top level; present only when above 0 (and absent in results written before
  // levels were counted: everything then counts at the top).
  key_switches_down: count.optional(),
  mult_down: count.optional(),
  mult_coeff_down: count.optional(),
  mult_scalar_down: count.optional(),
  add_down: count.optional(),
  add_mask_down: count.optional(),
  ntt_down: count.optional(),
  intt_down: count.optional(),
  mod_switch_down: count.optional(),
  flood_down: count.optional(),
});
const _opCounts: SameType<z.infer<typeof opCountsSchema>, OpCounts> = true;

const recipeSchema = z.object({
  epochs: z.number().positive(),
  batchSize: z.number().int().positive(),
  lr: z.number().positive(),
  lrSchedule: z.enum(["onecycle", "cosine", "constant"]),
  momentum: z.number().min(0).lt(1),
  weightDecay: z.number().min(0).lt(1),
  augment: z.object({ flip: z.boolean(), shift: count }),
  seed: z.number().int(),
});
const _recipe: SameType<z.infer<typeof recipeSchema>, Recipe> = true;

const studyPruningSchema = z.object({
  importance: z.enum(["lamp", "share", "raw"]),
  floor: z.number().min(0).lt(1),
  kinds: z.array(z.enum(STRUCTURE_KINDS)),
  unit: z.enum(BASIC_UNITS),
});
const _studyPruning: SameType<z.infer<typeof studyPruningSchema>, StudyPruning> = true;

const accuracySpecSchema = z.object({
  seeds: z.array(z.number().int().nonnegative()).min(1),
  recipe: recipeSchema,
  distill: z.object({ alpha: fraction, temperature: z.number().positive() }).nullable(),
  test_limit: z.number().int().positive().nullable(),
  deltas: z.array(z.number().nonnegative()),
});
const _accuracySpec: SameType<z.infer<typeof accuracySpecSchema>, AccuracySpec> = true;

const studySpecSchema = z.object({
  profile: z.enum(["quick", "full"]),
  models: z.array(z.string().min(1)).min(1),
  frameworks: z.array(framework).min(1),
  budgets: z.array(sparsity).min(1),
  default_budget: sparsity,
  width: z.number().gt(0).max(1),
  seed: z.number().int(),
  pruning: studyPruningSchema.optional(),
  accuracy: accuracySpecSchema.optional(),
});
const _studySpec: SameType<z.infer<typeof studySpecSchema>, StudySpec> = true;

/** The order statistics must keep, fastest to slowest (absent percentiles skipped). */
const ORDER = ["min", "p75", "p99", "p995", "p999", "max"] as const;

const benchStatsSchema = z.object({
  n: z.number().int().positive(),
  mean: ms,
  min: ms,
  max: ms,
  p75: ms,
  p99: ms,
  p995: ms.optional(),
  p999: ms.optional(),
  high_precision: z.boolean().optional(),
  explicit_timers: z.boolean().optional(),
}).superRefine((st, ctx) => {
  const present = ORDER.filter((k) => st[k] !== undefined);
  for (let i = 1; i < present.length; i++) {
    const a = present[i - 1], b = present[i];
    if (st[b]! < st[a]!) {
      ctx.addIssue({
        code: "custom",
        path: [b],
        message: `${st[b]} is below ${a} ${st[a]} (expected ${present.join(" ≤ ")})`,
      });
      return;
    }
  }
  if (st.mean < st.min || st.mean > st.max) {
    ctx.addIssue({
      code: "custom",
      path: ["mean"],
      message: `${st.mean} is outside min ${st.min} … max ${st.max}`,
    });
  }
});

const resultsManifestSchema = z.intersection(
  manifestZod,
  z.object({
    study: studySpecSchema,
    hashes: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/, "expected 64 hex digits")),
    unit_costs: z.record(z.string(), unitCostsZod),
    unit_costs_by_n: z.record(z.string(), z.record(ringKey, unitCostsZod)).optional(),
    unit_costs_name: z.string().optional(),
    unit_costs_origin: z.object({
      kind: z.enum(["calibrated", "built-in"]),
      cpu: z.string().nullable(),
      measured: z.string().nullable(),
      how: z.enum(["file", "cached", "measured"]).optional(),
    }).optional(),
    timing: z.object({
      statistic: z.enum(["cpu-min", "wall-min"]),
      load_before: loadAverage,
      load_after: loadAverage,
      beside: z.enum(["fine-tuning", "nothing"]).optional(),
    }).optional(),
    tool_benches: z.array(z.object({
      file: z.string(),
      name: z.string(),
      stats: benchStatsSchema,
    })).optional(),
  }),
);
const _resultsManifest: SameType<z.infer<typeof resultsManifestSchema>, ResultsManifest> = true;

const layerResultSchema = z.object({
  name: z.string(),
  kind: z.string(),
  dense: opCountsSchema,
  pruned: opCountsSchema,
  predicted_ms_dense: ms,
  predicted_ms: ms,
  bytes_dense: z.object({ up: count, down: count }).optional(),
  bytes: z.object({ up: count, down: count }).optional(),
  rings: z.array(z.object({ n: ringDegree, dense: opCountsSchema, pruned: opCountsSchema }))
    .optional(),
});
const _layerResult: SameType<z.infer<typeof layerResultSchema>, LayerResult> = true;

const pruneRowSchema = z.object({
  model: z.string(),
  framework,
  method: z.enum(["hunter", "mosaic"]),
  budget: sparsity,
  sparsity: fraction,
  retained_saliency: fraction,
  cost_pct: z.number().nonnegative(),
  predicted_ms_dense: ms,
  predicted_ms: ms,
  layers: z.array(layerResultSchema),
  seed: z.number().int().optional(),
  budget_kind: z.enum(["global", "per-layer"]).optional(),
  accuracy: z.object({ one_shot: fraction, finetuned: fraction }).optional(),
  assembly: z.object({ completed: count, completed_identity: count, bound: count, ms })
    .optional(),
});
const _pruneRow: SameType<z.infer<typeof pruneRowSchema>, PruneRow> = true;

const _benchStats: SameType<z.infer<typeof benchStatsSchema>, BenchStats> = true;

const timingRowSchema = z.object({
  model: z.string(),
  layer: z.string(),
  framework,
  variant: z.enum(["unpruned", "hunter", "mosaic"]),
  measured_ms: ms,
  samples: count,
  stats: benchStatsSchema.optional(),
  cpu_ms: z.array(ms).min(1).optional(),
}).superRefine((t, ctx) => {
  if (!t.stats) return;
  if (t.samples !== t.stats.n) {
    ctx.addIssue({
      code: "custom",
      path: ["samples"],
      message: `${t.samples} differs from stats.n ${t.stats.n} (both count the bench samples)`,
    });
  } else if (Math.abs(t.measured_ms - t.stats.mean) > 0.001) {
    ctx.addIssue({
      code: "custom",
      path: ["measured_ms"],
      message: `${t.measured_ms} differs from stats.mean ${t.stats.mean} (it is the mean, ` +
        `to 3 decimals)`,
    });
  }
});
const _timingRow: SameType<z.infer<typeof timingRowSchema>, TimingRow> = true;

const nonlinearRowSchema = z.object({
  model: z.string(),
  framework,
  linear_mb: z.number().nonnegative(),
  nonlinear_mb: z.number().nonnegative().nullable(),
  relus: count,
  source: z.string(),
});
const _nonlinearRow: SameType<z.infer<typeof nonlinearRowSchema>, NonlinearRow> = true;

const costOrNull = z.number().nullable();
const isoRowSchema = z.object({
  model: z.string(),
  framework: z.string(),
  method: z.string(),
  delta: z.number().nonnegative(),
  unpruned: fraction,
  cost_pct: costOrNull,
  cost_min: costOrNull,
  cost_max: costOrNull,
  cost_sd: costOrNull,
  seeds: z.array(z.object({
    seed: z.number().int(),
    cost_pct: costOrNull,
    reading: z.enum(["interpolated", "cheapest-measured", "not-reached"]),
  })),
});
const _isoRow: SameType<z.infer<typeof isoRowSchema>, IsoRow> = true;

const accuracyResultsSchema = z.object({
  dataset: z.string(),
  train_images: count,
  test_images: count,
  data_sha256: z.object({ train: z.string(), test: z.string() }),
  engine: z.string(),
  unpruned: z.array(z.object({ model: z.string(), accuracy: fraction })),
  samples_per_second: z.number().nonnegative(),
  seconds: z.number().nonnegative(),
  iso: z.array(isoRowSchema),
});
const _accuracyResults: SameType<z.infer<typeof accuracyResultsSchema>, AccuracyResults> = true;

const resultsObject = z.object({
  format: z.literal(RESULTS_FORMAT),
  manifest: resultsManifestSchema,
  shards: z.array(
    z.object({ index: z.number().int().positive(), count: z.number().int().positive() }),
  )
    .min(1),
  prune: z.array(pruneRowSchema),
  timings: z.array(timingRowSchema),
  nonlinear: z.array(nonlinearRowSchema),
  accuracy: accuracyResultsSchema.optional(),
});
const _results: SameType<z.infer<typeof resultsObject>, Results> = true;

/**
 * The schema of a results file (`RESULTS_FORMAT`), field for field `Results` (unknown fields
 * allowed). What it cannot say, `parseResults` checks: rows unique and inside the study, budgets
 * unique, shards consistent.
 *
 * @example The shipped sample results pass; a null row does not
 * ```ts
 * import { assert } from "@std/assert";
 * import { resultsSchema } from "./results.ts";
 *
 * const path = new URL("../../fixtures/results/quick_cifar10.json", import.meta.url);
 * const doc = JSON.parse(await Deno.readTextFile(path));
 * assert(resultsSchema.safeParse(doc).success);
 * assert(!resultsSchema.safeParse({ ...doc, prune: [null] }).success);
 * ```
 */
export const resultsSchema: JsonSchema<Results> = resultsObject;

/** Manifest fields that must agree for results to be merged (all but the creation time). */
const IDENTITY = [
  "git_sha",
  "deno",
  "v8",
  "node_seal",
  "seal",
  "cpu",
  "presets",
  "seeds",
  "weights",
  "study",
  "unit_costs",
  "unit_costs_by_n",
] as const;

/**
 * Parse and check a results file; one clear `UserError` for a missing, corrupt or foreign file.
 * `source` names the file in error messages.
 *
 * @example Corrupt JSON is refused in one line naming the file
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { parseResults } from "./results.ts";
 *
 * assertThrows(() => parseResults("{", "r.json"), Error, "Results file r.json is not valid JSON");
 * ```
 */
export function parseResults(text: string, source: string): Results {
  const what = `Results file ${source}`;
  const fix = "the file is truncated or edited; re-run deno task report to regenerate it";
  const raw = parseJsonText(text, what, "re-run deno task report to regenerate it");
  checkFormat(raw, RESULTS_FORMAT, what, "it was not written by deno task report");
  const doc = checkJson(resultsSchema, raw, what, fix);
  checkResults(doc, what, fix);
  return doc;
}

/** What the schema cannot say: unique rows and budgets, rows inside the study, sane shards. */
function checkResults(r: Results, what: string, fix: string): void {
  const bad = (where: string, why: string): never => {
    throw new UserError(`${what}: ${where}: ${why}: ${fix}`);
  };
  const s = r.manifest.study;
  for (const k of ["models", "frameworks", "budgets"] as const) {
    const list: readonly unknown[] = s[k];
    const i = list.findIndex((v, j) => list.indexOf(v) !== j);
    if (i >= 0) {
      bad(`manifest.study.${k}[${i}]`, `${describeJson(list[i])} is given twice`);
    }
  }
  if (!s.budgets.includes(s.default_budget)) {
    bad("manifest.study.default_budget", `${s.default_budget} is not one of the budgets`);
  }
  const count = r.shards[0].count;
  const seenShard = new Set<number>();
  for (const [i, sh] of r.shards.entries()) {
    if (sh.count !== count) bad(`shards[${i}].count`, `${sh.count} differs from ${count}`);
    if (sh.index > sh.count) bad(`shards[${i}].index`, `${sh.index} is above the count ${count}`);
    if (seenShard.has(sh.index)) bad(`shards[${i}].index`, `shard ${sh.index} is given twice`);
    seenShard.add(sh.index);
  }
  const unique = <T>(rows: readonly T[], name: string, key: (row: T) => readonly unknown[]) => {
    const seen = new Map<string, number>();
    for (const [i, row] of rows.entries()) {
      const k = JSON.stringify(key(row)), j = seen.get(k);
      if (j !== undefined) bad(`${name}[${i}]`, `repeats ${name}[${j}] (${k})`);
      seen.set(k, i);
    }
  };
  unique(r.prune, "prune", (p) => [p.model, p.framework, p.method, p.budget, p.seed ?? null]);
  unique(r.timings, "timings", (t) => [t.model, t.layer, t.framework, t.variant]);
  unique(r.nonlinear, "nonlinear", (n) => [n.model, n.framework]);
  // Rows of one model and framework list the same layers, in the same order, each once.
  const firstRow = new Map<string, number>();
  for (const [i, p] of r.prune.entries()) {
    const names = p.layers.map((l) => l.name);
    const twice = names.findIndex((n, j) => names.indexOf(n) !== j);
    if (twice >= 0) {
      bad(`prune[${i}].layers[${twice}].name`, `${describeJson(names[twice])} is given twice`);
    }
    const key = JSON.stringify([p.model, p.framework]), first = firstRow.get(key);
    if (first === undefined) {
      firstRow.set(key, i);
      continue;
    }
    const want = r.prune[first].layers.map((l) => l.name);
    if (names.length !== want.length) {
      bad(`prune[${i}].layers`, `${names.length} layers where prune[${first}] has ${want.length}`);
    }
    const j = names.findIndex((n, k) => n !== want[k]);
    if (j >= 0) {
      bad(
        `prune[${i}].layers[${j}].name`,
        `${describeJson(names[j])} where prune[${first}] has ${describeJson(want[j])}`,
      );
    }
  }
  for (const [i, p] of r.prune.entries()) {
    if (!s.models.includes(p.model)) {
      bad(`prune[${i}].model`, `${describeJson(p.model)} is not in the study`);
    }
    if (!s.frameworks.includes(p.framework)) {
      bad(`prune[${i}].framework`, `${describeJson(p.framework)} is not in the study`);
    }
    if (!s.budgets.includes(p.budget)) bad(`prune[${i}].budget`, `${p.budget} is not in the study`);
  }
}

/**
 * Read a results file from disk (one clear error if it is missing).
 *
 * @example A missing file is refused in one line
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { readResults } from "./results.ts";
 *
 * await assertRejects(() => readResults("/nonexistent/results.json"), Error, "does not exist");
 * ```
 */
export async function readResults(path: string): Promise<Results> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new UserError(
      `Results file ${path} does not exist or cannot be read: run deno task report first`,
    );
  }
  return parseResults(text, path);
}

/**
 * Merge shards of one run: every manifest identity field must agree, each shard may appear once,
 * and together they must be the complete set 1..n. `names` label the parts in error messages
 * (default `shard 1`, `shard 2`, …); `allowMixedCpu` lets shards from different CPUs merge (the
 * merged `cpu` lists them all).
 *
 * @example Two halves of a run merge into one
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mergeShards, type Results } from "./results.ts";
 *
 * const shard = (index: number) => ({
 *   format: "mosaic-bench-results/1",
 *   manifest: { git_sha: "a", study: { models: [], budgets: [] } },
 *   shards: [{ index, count: 2 }],
 *   prune: [],
 *   timings: [],
 *   nonlinear: [],
 * }) as unknown as Results;
 * assertEquals(mergeShards([shard(1), shard(2)]).shards, [{ index: 1, count: 2 }, { index: 2, count: 2 }]);
 * ```
 */
export function mergeShards(
  parts: readonly Results[],
  names?: readonly string[],
  opts: { readonly allowMixedCpu?: boolean } = {},
): Results {
  if (parts.length === 0) throw new UserError("no results to merge");
  const [first] = parts;
  const label = (i: number) => names?.[i] ?? `shard ${i + 1}`;
  for (const [i, p] of parts.entries()) {
    for (const k of IDENTITY) {
      if (k === "cpu" && opts.allowMixedCpu) continue;
      const a = JSON.stringify(first.manifest[k]), b = JSON.stringify(p.manifest[k]);
      if (a !== b) {
        throw new UserError(
          `${label(i)} does not match ${label(0)} in manifest field "${k}": ` +
            `shards must come from one run (same commit, runtime, CPU, study); re-run the shards` +
            (k === "cpu" ? " or pass --allow-mixed-cpu (timings then mix machines)" : ""),
        );
      }
    }
  }
  const shards = parts.flatMap((p) => p.shards);
  const count = shards[0]?.count ?? 1;
  const seen = new Set<number>();
  for (const s of shards) {
    if (s.count !== count) {
      throw new UserError(`shards of ${s.count} and ${count} cannot be merged`);
    }
    if (seen.has(s.index)) throw new UserError(`shard ${s.index}/${count} is given twice`);
    seen.add(s.index);
  }
  if (seen.size !== count) {
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
    throw new UserError(`shards ${missing.map((i) => `${i}/${count}`).join(", ")} are missing`);
  }
  const uniq = <T>(rows: T[], key: (r: T) => string): T[] => {
    const m = new Map<string, T>();
    for (const r of rows) m.set(key(r), r);
    return [...m.values()];
  };
  const hashes: Record<string, string> = {};
  for (const [i, p] of parts.entries()) {
    for (const [k, v] of Object.entries(p.manifest.hashes ?? {})) {
      if (hashes[k] !== undefined && hashes[k] !== v) {
        throw new UserError(
          `${label(i)} has another ${k} (hash ${v.slice(0, 12)}…) than an earlier shard`,
        );
      }
      hashes[k] = v;
    }
  }
  const cpus = [...new Set(parts.map((p) => p.manifest.cpu))];
  return {
    format: RESULTS_FORMAT,
    manifest: { ...first.manifest, hashes, cpu: cpus.join(" | ") },
    shards: shards.sort((a, b) => a.index - b.index),
    prune: uniq(
      parts.flatMap((p) => [...p.prune]),
      (r) => `${r.model}/${r.framework}/${r.method}/${r.budget}/${r.seed ?? ""}`,
    ),
    timings: uniq(
      parts.flatMap((p) => [...p.timings]),
      (r) => `${r.model}/${r.layer}/${r.framework}/${r.variant}`,
    ),
    nonlinear: uniq(parts.flatMap((p) => [...p.nonlinear]), (r) => `${r.model}/${r.framework}`),
    ...mergedAccuracy(parts),
  };
}

/** The accuracy results of merged shards: unpruned accuracies joined, iso-accuracy recomputed. */
function mergedAccuracy(parts: readonly Results[]): { accuracy?: AccuracyResults } {
  const accs = parts.map((p) => p.accuracy).filter((a): a is AccuracyResults => !!a);
  if (accs.length === 0) return {};
  const unpruned = [...new Map(accs.flatMap((a) => a.unpruned).map((u) => [u.model, u])).values()];
  const rows = parts.flatMap((p) => [...p.prune]);
  const deltas = parts[0].manifest.study.accuracy?.deltas ?? [0.5, 1];
  return {
    accuracy: {
      ...accs[0],
      unpruned,
      seconds: accs.reduce((s, a) => s + a.seconds, 0),
      samples_per_second: accs.reduce((s, a) => s + a.samples_per_second, 0) / accs.length,
      iso: isoOf(rows, unpruned, deltas),
    },
  };
}

/**
 * The iso-accuracy table of pruning rows that carry fine-tuned accuracy.
 *
 * @example Cost read between a budget that holds the accuracy and one that does not
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { isoOf, type PruneRow } from "./results.ts";
 *
 * const row = (budget: number, cost_pct: number, finetuned: number) =>
 *   ({ model: "m", framework: "f", method: "mosaic", budget, cost_pct, seed: 1,
 *     accuracy: { one_shot: 0.1, finetuned } }) as unknown as PruneRow;
 * const iso = isoOf([row(0.5, 40, 0.9), row(0.9, 10, 0.5)], [{ model: "m", accuracy: 0.9 }], [0.5]);
 * assertEquals(iso[0].seeds[0].reading, "interpolated");
 * ```
 */
export function isoOf(
  rows: readonly PruneRow[],
  unpruned: readonly { readonly model: string; readonly accuracy: number }[],
  deltas: readonly number[],
): IsoRow[] {
  const points = rows.filter((r) => r.accuracy).map((r) => ({
    model: r.model,
    framework: r.framework,
    method: r.method,
    budget: r.budget,
    seed: r.seed ?? 0,
    cost_pct: r.cost_pct,
    accuracy: r.accuracy!.finetuned,
  }));
  return isoRows(points, new Map(unpruned.map((u) => [u.model, u.accuracy])), deltas);
}
