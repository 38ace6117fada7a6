/**
 * Running a study and rendering a report: pruning and counting every (model, framework) pair at
 * every budget, timing the profile's layers with `deno bench` (a subprocess per model: a failing
 * or wrong layer is an error), and writing charts (Vega-Lite JSON, SVG, PNG), `index.html`,
 * `summary.md`.
 *
 * @module
 */
import {
  closeEnvs,
  isCurrentMeasurement,
  MEASURED_UNIT_COSTS,
  MEASURED_UNIT_COSTS_ORIGIN,
  type MeasureOptions,
  measureUnitCosts,
  NODE_SEAL_VERSION,
  type Preset,
  timingClock,
  type UnitCosts,
  unitCostsFor,
  type UnitCostsOrigin,
  withSlots,
} from "../he/mod.ts";
import { writeFileAtomic } from "../base/mod.ts";
import {
  CALIBRATION_FORMAT,
  modelCost,
  type NamedWeights,
  readCalibration,
  unitCostCachePath,
} from "../cost/mod.ts";
import { frameworkName, structureMethod } from "../frameworks/mod.ts";
import { networkHash } from "../nn/mod.ts";
import { benchFileOf } from "./_bench_files.ts";
import { BenchProgress, benchTimings } from "./_bench_output.ts";
import { runDenoBench } from "./_deno_bench.ts";
import { buildManifest, cpuModel } from "./manifest.ts";
import {
  type PruneRow,
  type Results,
  RESULTS_FORMAT,
  type ResultsManifest,
  type StudySpec,
  type TimingRow,
} from "./results.ts";
import {
  DEFAULT_STUDY,
  inShard,
  isTrained,
  nonlinearRow,
  preloadStudyModels,
  pruneRow,
  REPRESENTATIVE_LAYERS,
  type Shard,
  studyModel,
  studyPreset,
} from "./study.ts";
import { type FinetuneTask, runAccuracyLoop } from "./_accuracy_study.ts";
import { type PruneJob, pruneJobs } from "./_prune_pool.ts";
import { BENCH_MASKS_ENV, withBenchMasks } from "./bench_masks.ts";
import { CoreSlots } from "./_core_slots.ts";
import { maskHash } from "./_mask_hash.ts";
import { isoOf } from "./results.ts";
import type { EngineName } from "../train/mod.ts";
import type { PruneResult } from "../prune/mod.ts";

/** How the accuracy loop of a study runs (trained models only). */
export interface LoopOptions {
  /** false skips fine-tuning (rows then carry no accuracy). */
  readonly enabled: boolean;
  /** The training engine (`auto` picks torch where present, else tfjs). */
  readonly engine: EngineName;
  /** Fashion-MNIST folder; default: the shipped files. */
  readonly data?: string;
  /**
   * Time layers while the fine-tunes run on the other cores (timings read as CPU time only;
   * default false: every fine-tune ends first). Faster, but the other cores' work can slow a
   * timed layer's own CPU time (docs/methods.md §2, "Timing beside fine-tuning").
   */
  readonly timeBeside?: boolean;
}

/** The name results give the built-in unit costs (`unit_costs_name`). */
const BUILT_IN_NAME = "measured node-seal (built-in)";

/** Options of `calibratedWeights`. */
export interface CalibrationOptions {
  /**
   * Measure the unit ops (seconds) when neither a calibration file nor a cached measurement
   * exists (default true); false falls back to the built-in table.
   */
  readonly measure?: boolean;
  /** Where the cache folder is read from (`XDG_CACHE_HOME`, `HOME`; default `Deno.env`). */
  readonly env?: { get(name: string): string | undefined };
  /** The frameworks whose study presets are measured (default gazelle and cryptflow2). */
  readonly frameworks?: readonly string[];
  /**
   * The study's models (zoo models at `width` from `seed`, or shipped trained ones): their layers
   * are planned under each framework's study preset, and every other ring degree N a part runs
   * at (CrypTFlow2 grows N for large maps) is measured too (`byRing`). Without it only the study
   * presets are measured.
   */
  readonly study?: Pick<StudySpec, "models" | "width" | "seed">;
  /** How each op is measured (batches, warm-up). */
  readonly measureOptions?: MeasureOptions;
  /** Receives a line when the unit ops are measured or the cache cannot be written. */
  readonly progress?: (line: string) => void;
}

/**
 * Unit costs predictions use, in this order: `<outDir>/calibration.json` (written by `deno task
 * calibrate`); the study's own measurement of an earlier run on this CPU and runtime, cached in
 * the user's cache folder (`unitCostCachePath`; a corrupt cache is ignored with one line on
 * stderr); a measurement made now (seconds: the fastest batches of each unit op of every
 * framework's study preset, CPU time), then cached; the built-in table (`MEASURED_UNIT_COSTS`,
 * measured on the reference machine) only with `measure: false`. Each says where, when and how
 * it was measured. Given the `study`, the ring degrees its layers plan parts at besides the study
 * presets' (`studyRings`) get unit costs of their own (`byRing`): measured (only what the cache
 * lacks) with the rest, or the built-in table's where it has that N; a calibration file is taken
 * as it is (a ring it lacks is priced with its costs carried to that N, `unitCostsAtRing`).
 *
 * @example Without a calibration file and not measuring: the built-in table
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { calibratedWeights } from "./run.ts";
 *
 * const w = await calibratedWeights("/nonexistent", { measure: false });
 * assertEquals(w.name, "measured node-seal (built-in)");
 * assertEquals(w.origin?.kind, "built-in");
 * assertEquals(Object.keys(w.byFramework), ["gazelle", "cryptflow2", "cheetah"]);
 * ```
 *
 * @example A Tiny ImageNet study needs CrypTFlow2's N = 16384 too: the built-in table's
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { calibratedWeights } from "./run.ts";
 * import { MEASURED_UNIT_COSTS } from "../he/mod.ts";
 *
 * const study = { models: ["vgg16-tinyimagenet"], width: 0.125, seed: 1 };
 * const w = await calibratedWeights("/nonexistent", { measure: false, study });
 * assertEquals(w.byRing, { cryptflow2: { "16384": MEASURED_UNIT_COSTS["cryptflow2-N16384"] } });
 * ```
 */
export async function calibratedWeights(
  outDir: string,
  opts: CalibrationOptions = {},
): Promise<NamedWeights> {
  const cal = await readCalibration(`${outDir}/calibration.json`);
  if (cal) return cal;
  const builtIn = builtInUnitCosts();
  const frameworks = opts.frameworks ?? Object.keys(builtIn);
  const rings = opts.study ? await studyRings(opts.study, frameworks) : {};
  if (opts.measure === false) {
    return {
      name: BUILT_IN_NAME,
      byFramework: builtIn,
      ...withRings(builtInRings(rings)),
      origin: MEASURED_UNIT_COSTS_ORIGIN,
    };
  }
  const cpu = cpuModel();
  const path = unitCostCachePath(
    { cpu, deno: Deno.version.deno, nodeSeal: NODE_SEAL_VERSION },
    opts.env,
  );
  const cached = path ? await readCalibration(path, { ignoreCorrupt: true, how: "cached" }) : null;
  // What the cache lacks: a framework's study preset (or one measured before levels were, or by
  // older unit ops), or a ring the study needs.
  const unit: Record<string, UnitCosts> = {};
  const byRing: Record<string, Record<string, UnitCosts>> = {};
  for (const fw of frameworks) {
    const u = cached?.byFramework[fw];
    if (u?.down !== undefined && isCurrentMeasurement(u)) unit[fw] = u;
    for (const n of rings[fw] ?? []) {
      const r = cached?.byRing?.[fw]?.[String(n)];
      if (r?.down !== undefined && isCurrentMeasurement(r)) (byRing[fw] ??= {})[String(n)] = r;
    }
  }
  const missing: { fw: string; preset: Preset; n?: number }[] = frameworks.flatMap((fw) => [
    ...(unit[fw] ? [] : [{ fw, preset: studyPreset(fw) }]),
    ...(rings[fw] ?? []).filter((n) => !byRing[fw]?.[String(n)])
      .map((n) => ({ fw, preset: withSlots(studyPreset(fw), n), n })),
  ]);
  if (cached && missing.length === 0) {
    // The rings of this study only: a ring cached for another study is not this run's.
    const { byRing: _, ...rest } = cached;
    return { ...rest, ...withRings(byRing) };
  }
  const say = opts.progress ?? (() => {});
  for (const { fw, preset, n } of missing) {
    say(`measuring the unit ops of ${preset.name} (${fw}) on this machine`);
    const u = await measureUnitCosts(preset, opts.measureOptions);
    if (n === undefined) unit[fw] = u;
    else (byRing[fw] ??= {})[String(n)] = u;
    closeEnvs();
  }
  const created = new Date().toISOString();
  const statistic = timingClock().statistic;
  if (path) {
    // Everything cached before stays (other frameworks' and rings' costs, for other studies).
    const doc = {
      format: CALIBRATION_FORMAT,
      manifest: { cpu, created, deno: Deno.version.deno, node_seal: NODE_SEAL_VERSION },
      statistic,
      unit_costs: { ...cached?.byFramework, ...unit },
      unit_costs_by_n: mergeRings(cached?.byRing ?? {}, byRing),
    };
    try {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await writeFileAtomic(path, JSON.stringify(doc, null, 2) + "\n");
    } catch (e) {
      console.error(`unit costs not cached (${path}): ${(e as Error).message}`);
    }
  }
  return {
    name: `calibrated node-seal (${cpu})`,
    byFramework: unit,
    ...withRings(byRing),
    origin: { kind: "calibrated", cpu, measured: created, how: "measured" },
    statistic,
  };
}

/**
 * The ring degrees N, per framework, that the layers of a study's models plan parts at besides
 * the framework's study preset's (ascending; a framework without any is left out). The ring
 * degree of a part follows from the layer's geometry alone (SCI's `sciSlots`), so planning the
 * unpruned models before pruning finds every N the pruned ones use.
 *
 * @example VGG-16 on Tiny ImageNet: CrypTFlow2 grows its first two convolutions to N = 16384
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { studyRings } from "./run.ts";
 *
 * const study = { models: ["vgg16-tinyimagenet", "vgg16-cifar10"], width: 0.125, seed: 1 };
 * assertEquals(await studyRings(study, ["gazelle", "cryptflow2"]), { cryptflow2: [16384] });
 * ```
 */
export async function studyRings(
  study: Pick<StudySpec, "models" | "width" | "seed">,
  frameworks: readonly string[],
): Promise<Record<string, number[]>> {
  await preloadStudyModels(study.models);
  const out: Record<string, number[]> = {};
  for (const fw of frameworks) {
    const name = frameworkName(fw);
    const preset = studyPreset(fw);
    const ns = new Set<number>();
    for (const model of study.models) {
      const net = studyModel(model, study.width, study.seed);
      const table = modelCost(net, { framework: name, preset, method: structureMethod(name) });
      for (const row of table.layers) for (const r of row.rings ?? []) ns.add(r.n);
    }
    ns.delete(preset.polyModulusDegree);
    if (ns.size > 0) out[fw] = [...ns].sort((a, b) => a - b);
  }
  return out;
}

/** `{ byRing }` when it names any ring, else nothing (results stay as they were without rings). */
function withRings(
  byRing: Record<string, Record<string, UnitCosts>>,
): { byRing?: Record<string, Record<string, UnitCosts>> } {
  return Object.keys(byRing).length > 0 ? { byRing } : {};
}

/** The built-in table's costs of the rings a study needs, where it has them. */
function builtInRings(rings: Record<string, number[]>): Record<string, Record<string, UnitCosts>> {
  const out: Record<string, Record<string, UnitCosts>> = {};
  for (const [fw, ns] of Object.entries(rings)) {
    for (const n of ns) {
      const u = unitCostsFor(withSlots(studyPreset(fw), n).name);
      if (u) (out[fw] ??= {})[String(n)] = u;
    }
  }
  return out;
}

/** Two sets of per-ring unit costs joined, `b`'s winning. */
function mergeRings(
  a: Readonly<Record<string, Readonly<Record<string, UnitCosts>>>>,
  b: Readonly<Record<string, Readonly<Record<string, UnitCosts>>>>,
): Record<string, Record<string, UnitCosts>> {
  const out: Record<string, Record<string, UnitCosts>> = {};
  for (const [fw, m] of [...Object.entries(a), ...Object.entries(b)]) {
    out[fw] = { ...out[fw], ...m };
  }
  return out;
}

/** Whether two sets of unit costs have the same fields with the same values. */
function sameUnitCosts(a: UnitCosts, b: UnitCosts | undefined): boolean {
  const keys = Object.keys(a) as (keyof UnitCosts)[];
  return b !== undefined && keys.length === Object.keys(b).length &&
    keys.every((k) => a[k] === b[k]);
}

/** The built-in unit costs of each framework's study preset. */
function builtInUnitCosts(): Record<string, UnitCosts> {
  return {
    gazelle: MEASURED_UNIT_COSTS.gazelle,
    cryptflow2: unitCostsFor(studyPreset("cryptflow2").name)!,
    cheetah: unitCostsFor(studyPreset("cheetah").name)!,
  };
}

/**
 * Where the unit costs of a results file were measured: its `unit_costs_origin`, or for results
 * written before that field, the built-in table's origin when they name the built-in table or
 * (older still, without a name) hold exactly its numbers and sources; null when the file does not
 * say (an older calibrated run).
 *
 * @example Older results files of the built-in table
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { unitCostsOrigin } from "./run.ts";
 * import { MEASURED_UNIT_COSTS, MEASURED_UNIT_COSTS_ORIGIN } from "../he/mod.ts";
 * import type { ResultsManifest } from "./results.ts";
 *
 * const named = { unit_costs_name: "measured node-seal (built-in)" } as ResultsManifest;
 * assertEquals(unitCostsOrigin(named), MEASURED_UNIT_COSTS_ORIGIN);
 * const unnamed = { unit_costs: { gazelle: MEASURED_UNIT_COSTS.gazelle } } as unknown as ResultsManifest;
 * assertEquals(unitCostsOrigin(unnamed), MEASURED_UNIT_COSTS_ORIGIN);
 * const other = { unit_costs: { gazelle: { ...MEASURED_UNIT_COSTS.gazelle, add: 1 } } } as unknown as ResultsManifest;
 * assertEquals(unitCostsOrigin(other), null);
 * ```
 */
export function unitCostsOrigin(m: ResultsManifest): UnitCostsOrigin | null {
  if (m.unit_costs_origin) return m.unit_costs_origin;
  if (m.unit_costs_name !== undefined) {
    return m.unit_costs_name === BUILT_IN_NAME ? MEASURED_UNIT_COSTS_ORIGIN : null;
  }
  const builtIn = builtInUnitCosts();
  const costs = Object.entries(m.unit_costs ?? {});
  const same = costs.length > 0 &&
    costs.every(([fw, u]) => sameUnitCosts(u, builtIn[fw]));
  return same ? MEASURED_UNIT_COSTS_ORIGIN : null;
}

/**
 * Predicted server ms of each bench a model's bench file will run, keyed
 * `<layer>/<framework>/<variant>`, from the study's pruning rows at its default budget (unpruned:
 * the dense prediction): the weights of the progress estimate while `deno bench` runs. The quick
 * profile times only the representative layers.
 *
 * @example Three variants per layer and framework
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { expectedBenchMs } from "./run.ts";
 * import type { PruneRow, StudySpec } from "./results.ts";
 *
 * const layer = (name: string, dense: number, ms: number) =>
 *   ({ name, predicted_ms_dense: dense, predicted_ms: ms });
 * const row = (method: string, ms: number) => ({
 *   model: "vgg16-cifar10", framework: "gazelle", method, budget: 0.7,
 *   layers: [layer("features.0", 10, ms), layer("features.2", 30, 3 * ms)],
 * }) as unknown as PruneRow;
 * const spec = { profile: "full", default_budget: 0.7 } as StudySpec;
 * const ms = expectedBenchMs([row("hunter", 4), row("mosaic", 2)], "vgg16-cifar10", ["gazelle"], spec);
 * assertEquals(ms.get("features.2/gazelle/unpruned"), 30);
 * assertEquals(ms.get("features.2/gazelle/mosaic"), 6);
 * assertEquals(ms.size, 6);
 * ```
 */
export function expectedBenchMs(
  rows: readonly PruneRow[],
  model: string,
  frameworks: readonly string[],
  spec: StudySpec,
): Map<string, number> {
  const timed = spec.profile === "quick" ? REPRESENTATIVE_LAYERS[model.split("-")[0]] ?? [] : null;
  const out = new Map<string, number>();
  for (const r of rows) {
    if (r.model !== model || !frameworks.includes(r.framework)) continue;
    if (r.budget !== spec.default_budget) continue;
    for (const l of r.layers) {
      if (timed && !timed.includes(l.name)) continue;
      const at = `${l.name}/${r.framework}`;
      if (!out.has(`${at}/unpruned`)) out.set(`${at}/unpruned`, l.predicted_ms_dense);
      if (!out.has(`${at}/${r.method}`)) out.set(`${at}/${r.method}`, l.predicted_ms);
    }
  }
  return out;
}

/** Run one model's bench file (found in the registry, `_bench_files.ts`) and read its timings,
 * every statistic `deno bench` gives included (a failing or wrong layer is an error). `progress`
 * receives a line per bench (at most one a second) with the benches done and an estimate of the
 * time left, weighted by `expected` (`expectedBenchMs`) where it covers the benches. `masks`, a
 * folder written by `withBenchMasks`, hands the bench the study's pruned masks (without it the
 * bench prunes them itself).
 *
 * @example A model with no registered bench file is refused before anything runs
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { benchModel } from "./run.ts";
 *
 * const spec = { profile: "quick", models: [], frameworks: [], budgets: [0.7], default_budget: 0.7, width: 0.25, seed: 1 } as const;
 * await assertRejects(() => benchModel("lenet-mnist", ["gazelle"], spec), Error, "no bench file");
 * ```
 */
export async function benchModel(
  model: string,
  frameworks: readonly string[],
  spec: StudySpec,
  progress: (line: string) => void = () => {},
  expected: ReadonlyMap<string, number> = new Map(),
  masks?: string,
): Promise<TimingRow[]> {
  const cpuMs = new Map<string, number[]>();
  const meter = new BenchProgress(progress, expected);
  const text = await runDenoBench({
    file: benchFileOf(model),
    permissions: ["--allow-read", "--allow-env"],
    env: {
      MOSAIC_BENCH_PROFILE: spec.profile,
      MOSAIC_BENCH_FRAMEWORKS: frameworks.join(","),
      MOSAIC_BENCH_BUDGET: String(spec.default_budget),
      MOSAIC_BENCH_PRUNING: JSON.stringify(spec.pruning ?? DEFAULT_STUDY.pruning),
      ...(masks !== undefined ? { [BENCH_MASKS_ENV]: masks } : {}),
    },
    // Each timed call's CPU time comes as a `cpu-ms` line; the rest is the benches' progress.
    line: (line) => {
      const cpu = line.match(/^cpu-ms (\S+) ([0-9.]+)$/);
      if (!cpu) return meter.line(line);
      const key = cpuKey(cpu[1]);
      cpuMs.set(key, [...cpuMs.get(key) ?? [], Number(cpu[2])]);
    },
    what: `deno bench of ${model}`,
  });
  meter.end();
  return benchTimings(text, `deno bench of ${model}`).map((t) => {
    const cpu = cpuMs.get(`${t.model}/${t.layer}/${t.framework}/${t.variant}`);
    return cpu ? { ...t, cpu_ms: cpu } : t;
  });
}

/**
 * What the study's weights are, every model named when they differ (e.g. one trained, one
 * synthetic): the report labels a run synthetic when any model is.
 */
function weightsOf(spec: StudySpec): string {
  const all = spec.models.map((m) => [m, studyModel(m, spec.width, spec.seed).weights] as const);
  const kinds = new Set(all.map(([, w]) => w));
  return kinds.size === 1 ? all[0][1] : all.map(([m, w]) => `${m}: ${w}`).join("; ");
}

/** A bench name as timing rows key it: the model without its `@width`. */
function cpuKey(benchName: string): string {
  const [model, ...rest] = benchName.split("/");
  return [model.split("@")[0], ...rest].join("/");
}

/**
 * The 1, 5 and 15 minute load averages (`Deno.loadavg`, else `/proc/loadavg`); null where
 * neither is readable.
 *
 * @example Three non-negative numbers on Linux
 * ```ts
 * import { assert } from "@std/assert";
 * import { loadAverage } from "./run.ts";
 *
 * const l = loadAverage();
 * assert(l === null || (l.length === 3 && l.every((v) => v >= 0)));
 * ```
 */
export function loadAverage(): number[] | null {
  try {
    return Deno.loadavg().map((v) => Number(v.toFixed(2)));
  } catch {
    try {
      const f = Deno.readTextFileSync("/proc/loadavg").trim().split(/\s+/).slice(0, 3);
      return f.map(Number);
    } catch {
      return null;
    }
  }
}

/**
 * Run a study (or one shard of it: every n-th (model, framework) pair): prune and count every
 * pair at every budget, cost the nonlinear layers, fine-tune trained models (the accuracy loop,
 * `loop`) and, `withBench`, time the profile with `deno bench`. `unit` are the unit costs recorded
 * for predictions; `progress` receives one line per step. The pruning jobs run `jobs` at a time on
 * Workers (default: one per core; 1 prunes on the main thread), with the same results in the same
 * order either way; they all end before fine-tuning (one per core) starts, and the benches, one
 * model and one layer at a time, start after both, on the masks pruned here.
 *
 * @example One model, one framework, one budget, untimed: a Hunter row and a MOSAIC row
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { runStudy } from "./run.ts";
 * import { NATIVE_SEAL_RATIOS } from "../cost/mod.ts";
 *
 * const r = await runStudy(
 *   { profile: "quick", width: 0.25, models: ["vgg16-cifar10"], frameworks: ["gazelle"], budgets: [0.5], default_budget: 0.5, seed: 1 },
 *   null,
 *   false, // no timing
 *   NATIVE_SEAL_RATIOS,
 * );
 * assertEquals(r.prune.map((p) => p.method), ["hunter", "mosaic"]);
 * ```
 */
export async function runStudy(
  spec: StudySpec,
  shard: Shard | null,
  withBench: boolean,
  unit: NamedWeights,
  progress: (line: string) => void = () => {},
  loop: LoopOptions = { enabled: true, engine: "auto" },
  jobs: number = navigator.hardwareConcurrency || 1,
): Promise<Results> {
  await preloadStudyModels(spec.models);
  const pairs = spec.models.flatMap((m) => spec.frameworks.map((f) => [m, f] as const));
  const mine = pairs.filter((_, i) => inShard(i, shard));
  const prune: PruneRow[] = [];
  const nonlinear = [];
  const timings: TimingRow[] = [];
  const hashes: Record<string, string> = {};
  const t0 = performance.now();
  const tasks: (FinetuneTask & { row: number })[] = [];
  const withLoop = loop.enabled && spec.accuracy !== undefined;
  // Every pruning job first, `jobs` at a time; then the rows, in the serial path's order.
  const trainedIn = (model: string) => isTrained(model) && spec.accuracy !== undefined;
  const seedsOf = (model: string) => trainedIn(model) ? spec.accuracy!.seeds : [spec.seed];
  const work: (PruneJob & { pair: number })[] = [];
  for (const [pair, [model, framework]] of mine.entries()) {
    for (const budget of spec.budgets) {
      for (const method of ["hunter", "mosaic"] as const) {
        for (const seed of seedsOf(model)) {
          work.push({
            pair,
            model,
            width: spec.width,
            modelSeed: spec.seed,
            framework,
            method,
            budget,
            seed,
            pruning: spec.pruning,
          });
        }
      }
    }
  }
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  const jobName = (j: PruneJob) =>
    `${studyModel(j.model, j.width, j.modelSeed).name} ${j.framework} ${j.method} ` +
    `sparsity ${j.budget}${trainedIn(j.model) ? ` seed ${j.seed}` : ""}`;
  const results = await pruneJobs(work, jobs, {
    start: (j, k) => progress(`[${work[k].pair + 1}/${mine.length}] ${jobName(j)} (${elapsed()})`),
    // MOSAIC's assembly is the long silent step: its progress (with an ETA) is passed on, named
    // by its job when jobs run side by side.
    line: (j, _, line) => progress(`  ${jobs > 1 ? `${jobName(j)}: ` : ""}${line}`),
  });
  const benchMasks = new Map<string, PruneResult>();
  for (const [k, job] of work.entries()) {
    const { model, framework, method, budget, seed } = job;
    const net = studyModel(model, spec.width, spec.seed);
    hashes[model] ??= await networkHash(net);
    const trained = trainedIn(model);
    const r = results[k];
    const label = `${model}/${framework}/${method}/${budget}${trained ? `/${seed}` : ""}`;
    hashes[label] = await maskHash(r.masks, r.permutations);
    if (trained && withLoop) {
      tasks.push({ label, net, pruned: r, masksHash: hashes[label], seed, row: prune.length });
    }
    prune.push(pruneRow(model, framework, method, budget, r, trained ? seed : undefined));
    // The bench times the default budget pruned with the first seed.
    if (budget === spec.default_budget && seed === seedsOf(model)[0]) {
      benchMasks.set(`${model}/${framework}/${method}`, r);
    }
  }
  for (const [model, framework] of mine) {
    nonlinear.push(nonlinearRow(model, studyModel(model, spec.width, spec.seed), framework));
  }
  // Fine-tunes and timing share the cores: each fine-tune and each model's timing subprocess
  // holds a slot. Timing runs one model (one layer) at a time, after every fine-tune; beside
  // them only when asked (`timeBeside`) and timings are read as CPU time, which the other cores'
  // work does not add to (though it can slow the timed process: shared caches and memory).
  const slots = new CoreSlots(Math.max(1, jobs));
  const overlap = withBench && jobs > 1 && (loop.timeBeside ?? false) &&
    timingClock().statistic === "cpu-min";
  const fineTune = async (): Promise<Results["accuracy"]> => {
    if (!withLoop || tasks.length === 0) return undefined;
    const models = [...new Set(tasks.map((t) => t.net))];
    const { perTask, summary } = await runAccuracyLoop(
      spec.accuracy!,
      loop.engine,
      models,
      tasks,
      { dir: loop.data },
      progress,
      slots,
    );
    tasks.forEach((t, k) => prune[t.row] = { ...prune[t.row], accuracy: perTask[k] });
    return { ...summary, iso: isoOf(prune, summary.unpruned, spec.accuracy!.deltas) };
  };
  const timeModels = async () => {
    for (const model of spec.models) {
      const fws = mine.filter(([m]) => m === model).map(([, f]) => f);
      if (fws.length === 0) continue;
      progress(`timing ${model} (${spec.profile} profile, ${fws.join(" and ")}) with deno bench`);
      const expected = expectedBenchMs(prune, model, fws, spec);
      // The bench loads the masks pruned above instead of pruning again.
      const masks = fws.map((framework) => ({
        framework,
        hunter: benchMasks.get(`${model}/${framework}/hunter`)!,
        mosaic: benchMasks.get(`${model}/${framework}/mosaic`)!,
      }));
      const net = studyModel(model, spec.width, spec.seed);
      timings.push(
        ...await withBenchMasks(
          net,
          masks,
          (dir) => benchModel(model, fws, spec, progress, expected, dir),
        ),
      );
    }
  };
  let accuracy: Results["accuracy"];
  let loadBefore: number[] | null = null;
  if (overlap) {
    // Timing takes its slot first (synchronously), so fine-tunes fill the others meanwhile.
    loadBefore = loadAverage();
    const timed = slots.run(timeModels);
    [accuracy] = await Promise.all([fineTune(), timed]);
  } else {
    accuracy = await fineTune();
    loadBefore = withBench ? loadAverage() : null;
    if (withBench) await timeModels();
  }
  const timing = withBench
    ? {
      timing: {
        statistic: unit.statistic ?? timingClock().statistic,
        load_before: loadBefore,
        load_after: loadAverage(),
        beside: overlap && withLoop && tasks.length > 0
          ? "fine-tuning" as const
          : "nothing" as const,
      },
    }
    : {};
  const presets = spec.frameworks.map(studyPreset);
  const manifest: ResultsManifest = {
    ...buildManifest(presets, { study: spec.seed }, weightsOf(spec)),
    study: spec,
    hashes,
    unit_costs: unit.byFramework,
    ...(unit.byRing ? { unit_costs_by_n: unit.byRing } : {}),
    unit_costs_name: unit.name,
    ...(unit.origin ? { unit_costs_origin: unit.origin } : {}),
    ...timing,
  };
  return {
    format: RESULTS_FORMAT,
    manifest,
    shards: [shard ?? { index: 1, count: 1 }],
    prune,
    timings,
    nonlinear,
    ...(accuracy ? { accuracy } : {}),
  };
}
