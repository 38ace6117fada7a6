/**
 * The default study of `deno task report` and of the per-model benches: which models, frameworks,
 * budgets and layers, at which width for each profile, and the pruned variants of a model (the
 * same seeded computation in the report and in `deno bench`, so timings and counts describe the
 * same layers).
 *
 * @module
 */
import { cryptflow2Preset, getPreset, type Preset } from "../he/mod.ts";
import { modelCost, networkNonlinear } from "../cost/mod.ts";
import { type FrameworkName, frameworkName, structureMethod } from "../frameworks/mod.ts";
import { buildZoo, loadModel, type Network, TRAINED_MODELS, ZOO_MODELS } from "../nn/mod.ts";
import {
  DEFAULT_FLOOR,
  DEFAULT_IMPORTANCE,
  DEFAULT_KINDS,
  deployedNetwork,
  prune,
  type PruneResult,
} from "../prune/mod.ts";
import { UserError } from "../base/mod.ts";
import { DEFAULT_DISTILL, FINETUNE_RECIPE } from "../train/mod.ts";
import type { AccuracySpec, NonlinearRow, PruneRow, StudyPruning, StudySpec } from "./results.ts";

/** The study's profiles, quick first (the default). */
export const PROFILES = ["quick", "full"] as const;

/** A study profile: `quick` (width-scaled models, representative layers) or `full`. */
export type Profile = typeof PROFILES[number];

/**
 * The study `deno task report` runs with no arguments: the shipped trained models (VGG-16 and
 * ResNet-18 at width 0.25, trained on Fashion-MNIST), the three frameworks, five budgets, and the
 * accuracy loop of the profile (`PROFILE_ACCURACY`).
 */
export const DEFAULT_STUDY: Omit<StudySpec, "profile" | "width" | "accuracy"> & {
  readonly pruning: StudyPruning;
} = {
  models: ["vgg16-fashionmnist-trained", "resnet18-fashionmnist-trained"],
  frameworks: ["gazelle", "cryptflow2", "cheetah"],
  budgets: [0.1, 0.2, 0.3, 0.5, 0.7],
  default_budget: 0.5,
  seed: 1,
  pruning: {
    importance: DEFAULT_IMPORTANCE,
    floor: DEFAULT_FLOOR,
    kinds: DEFAULT_KINDS,
    unit: "kernel",
  },
};

/**
 * The accuracy loop of each profile, both with distillation from the unpruned model (it recovered
 * 0.8 points more than plain cross-entropy on VGG-16 at per-layer sparsity 0.3). quick (the
 * default report): one seed, 2,040 training images (0.17 pass over the shipped 12,000-image
 * subset, 16 steps; sized so the default report fits 15 minutes on 2 cores with the tfjs engine),
 * the first 2,000 test images; full: three seeds, one pass, the whole 10,000-image test split.
 */
export const PROFILE_ACCURACY: Readonly<Record<"quick" | "full", AccuracySpec>> = {
  quick: {
    seeds: [1],
    recipe: { ...FINETUNE_RECIPE, epochs: 0.17 },
    distill: DEFAULT_DISTILL,
    test_limit: 2000,
    deltas: [0.5, 1],
  },
  full: {
    seeds: [1, 2, 3],
    recipe: FINETUNE_RECIPE,
    distill: DEFAULT_DISTILL,
    test_limit: null,
    deltas: [0.5, 1],
  },
};

/** Is this a shipped trained model (pruned per layer, with the accuracy loop)? */
export function isTrained(model: string): boolean {
  return TRAINED_MODELS.includes(model);
}

/** Channel width of each profile: quick runs width-scaled models. */
export const PROFILE_WIDTH: Readonly<Record<Profile, number>> = { quick: 0.25, full: 1 };

/** Layers the quick profile times per architecture (first conv, a strided or middle one, last conv, FC). */
export const REPRESENTATIVE_LAYERS: Readonly<Record<string, readonly string[]>> = {
  vgg16: ["features.0", "features.14", "features.40", "classifier"],
  resnet18: ["conv1", "layer2.0.conv1", "layer4.1.conv2", "linear"],
  resnet50: ["conv1", "layer2.0.conv2", "layer4.2.conv3", "linear"],
};

/** The MOSAIC paper's only public numbers: total cost as % of unpruned (VGG-16, Tiny ImageNet). */
export const PAPER_NUMBERS: readonly {
  model: string;
  framework: string;
  method: "mosaic";
  cost_pct: number;
  source: string;
}[] = [
  {
    model: "vgg16-tinyimagenet",
    framework: "gazelle",
    method: "mosaic",
    cost_pct: 21.14,
    source: "MOSAIC (AsiaCCS'24) abstract",
  },
  {
    model: "vgg16-tinyimagenet",
    framework: "cryptflow2",
    method: "mosaic",
    cost_pct: 29.49,
    source: "MOSAIC (AsiaCCS'24) abstract",
  },
];

/**
 * The preset a framework runs under in the study (SCI at ℓ = 37, as its code); a `UserError` for
 * an unknown framework.
 *
 * @example CrypTFlow2 runs at N = 8192
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { studyPreset } from "./study.ts";
 *
 * assertEquals(studyPreset("cryptflow2").polyModulusDegree, 8192);
 * ```
 */
export function studyPreset(framework: string): Preset {
  if (framework === "gazelle") return getPreset("gazelle");
  if (framework === "cryptflow2") return cryptflow2Preset();
  // OpenCheetah's own parameters (N = 4096, labelled NOT 128-bit secure in every report).
  if (framework === "cheetah") return getPreset("cheetah");
  throw new UserError(`Unknown framework "${framework}": use gazelle, cryptflow2 or cheetah`);
}

/**
 * Parse the profile from a flag or `MOSAIC_BENCH_PROFILE` (default quick); a `UserError` for
 * another value.
 *
 * @example Unset means quick
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { profileOf } from "./study.ts";
 *
 * assertEquals(profileOf(undefined), "quick");
 * assertEquals(profileOf("full"), "full");
 * ```
 */
export function profileOf(value: string | undefined): Profile {
  const p = value ?? "quick";
  if (!(PROFILES as readonly string[]).includes(p)) {
    throw new UserError(`Unknown profile "${p}": use quick or full (MOSAIC_BENCH_PROFILE)`);
  }
  return p as Profile;
}

/** One of n shards (1-based). */
export interface Shard {
  /** Which shard, 1 ≤ index ≤ count. */
  readonly index: number;
  /** How many shards the work is split into. */
  readonly count: number;
}

/** The most shards a study splits into. */
const MAX_SHARDS = 1000;

/**
 * Parse `i/n` (1 ≤ i ≤ n ≤ 1000) from a flag or variable named `what`; null when unset or
 * empty, a `UserError` naming `what` when malformed.
 *
 * @example Shard 2 of 3 takes every third item from the second
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { inShard, parseShard } from "./study.ts";
 *
 * const s = parseShard("2/3", "--shard");
 * assertEquals(s, { index: 2, count: 3 });
 * assertEquals([0, 1, 2, 3, 4].filter((i) => inShard(i, s)), [1, 4]);
 * assertEquals(parseShard(undefined, "--shard"), null);
 * ```
 */
export function parseShard(value: string | undefined, what: string): Shard | null {
  if (value === undefined || value === "") return null;
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(m?.[1]), count = Number(m?.[2]);
  if (!m || index < 1 || index > count || count > MAX_SHARDS) {
    const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    throw new UserError(`${what} ${shown} must be i/n with 1 ≤ i ≤ n ≤ ${MAX_SHARDS} (e.g. 2/4)`);
  }
  return { index, count };
}

/**
 * Is work item `i` (0-based) in the shard? Every n-th item, so big and small items spread; every
 * item is in the null shard (no sharding).
 */
export function inShard(i: number, shard: Shard | null): boolean {
  return shard === null || i % shard.count === shard.index - 1;
}

/**
 * Check the models, frameworks and budgets of a study: a `UserError` (one line naming a bad one)
 * or nothing.
 *
 * @example The default study passes; a budget outside (0, 1) does not
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkStudy, DEFAULT_STUDY } from "./study.ts";
 *
 * checkStudy({ ...DEFAULT_STUDY, profile: "quick", width: 0.25 });
 * assertThrows(
 *   () => checkStudy({ ...DEFAULT_STUDY, profile: "quick", width: 0.25, budgets: [0.5, 1] }),
 *   Error,
 *   "--budgets: 1 is not a sparsity in (0, 1)",
 * );
 * assertThrows(
 *   () => checkStudy({ ...DEFAULT_STUDY, profile: "quick", width: 0.25, budgets: [0.5, 0.5] }),
 *   Error,
 *   "--budgets: 0.5 is given twice",
 * );
 * ```
 */
export function checkStudy(spec: StudySpec): void {
  for (const m of spec.models) {
    if (!ZOO_MODELS.includes(m) && !isTrained(m)) {
      throw new UserError(
        `Unknown model "${m}" in --models: use ${[...TRAINED_MODELS, ...ZOO_MODELS].join(", ")}`,
      );
    }
  }
  for (const f of spec.frameworks) studyPreset(f);
  for (const b of spec.budgets) {
    if (!(b > 0 && b < 1)) throw new UserError(`--budgets: ${b} is not a sparsity in (0, 1)`);
  }
  const lists: [string, readonly (string | number)[]][] = [
    ["--models", spec.models],
    ["--frameworks", spec.frameworks],
    ["--budgets", spec.budgets],
  ];
  for (const [flag, list] of lists) {
    const twice = list.find((v, i) => list.indexOf(v) !== i);
    if (twice !== undefined) {
      throw new UserError(`${flag}: ${twice} is given twice: name each once`);
    }
  }
  if (!spec.budgets.includes(spec.default_budget)) {
    throw new UserError(`the default budget ${spec.default_budget} must be one of --budgets`);
  }
}

const nets = new Map<string, Network>();

/**
 * Load a study's shipped trained models into the cache `studyModel` reads (zoo models need no
 * loading).
 */
export async function preloadStudyModels(models: readonly string[]): Promise<void> {
  for (const m of models) {
    if (isTrained(m) && !nets.has(`${m}|trained`)) nets.set(`${m}|trained`, await loadModel(m));
  }
}

/**
 * The model of a study (cached): a shipped trained model (preloaded with `preloadStudyModels`;
 * width and seed do not apply) or a zoo model at channel `width` with synthetic weights from
 * `seed`.
 *
 * @example The same arguments give the same network object
 * ```ts
 * import { assertStrictEquals } from "@std/assert";
 * import { studyModel } from "./study.ts";
 *
 * assertStrictEquals(studyModel("vgg16-cifar10", 0.25, 1), studyModel("vgg16-cifar10", 0.25, 1));
 * ```
 */
export function studyModel(model: string, width: number, seed: number): Network {
  if (isTrained(model)) {
    const net = nets.get(`${model}|trained`);
    if (!net) throw new Error(`studyModel: ${model} was not preloaded (preloadStudyModels)`);
    return net;
  }
  const key = `${model}|${width}|${seed}`;
  let net = nets.get(key);
  if (!net) nets.set(key, net = buildZoo(model, { width, seed }));
  return net;
}

const pruned = new Map<string, PruneResult>();

/**
 * Hunter or MOSAIC on a study model at a global weight-sparsity budget (cached; deterministic),
 * ranked by each weight's share of its BN-folded layer's norm under the default floors. On the
 * trained VGG-16 under CrypTFlow2 at 0.5 this fine-tunes to 92.48% (unpruned 92.61%) where the
 * same sparsity in every layer reached 91.60%, at about the same HE cost (35.45% vs 35.68%).
 *
 * @example Hunter at sparsity 0.7 deletes HE cost
 * ```ts
 * import { assert } from "@std/assert";
 * import { studyModel, studyPrune } from "./study.ts";
 *
 * const net = studyModel("vgg16-cifar10", 0.125, 1);
 * const cost = studyPrune(net, "gazelle", "hunter", 0.7, 1).report.totals.cost_pct;
 * assert(cost > 0 && cost < 100);
 * ```
 */
export function studyPrune(
  net: Network,
  framework: string,
  method: "hunter" | "mosaic",
  budget: number,
  seed: number,
  progress?: (line: string) => void,
  pruning: StudyPruning = DEFAULT_STUDY.pruning,
): PruneResult {
  const key = `${net.name}|${net.weights}|${framework}|${method}|${budget}|${seed}|${
    JSON.stringify(pruning)
  }`;
  let r = pruned.get(key);
  if (!r) {
    r = pruneForStudy(net, framework, method, budget, seed, progress, pruning);
    pruned.set(key, r);
  }
  return r;
}

/**
 * `studyPrune` without its cache: the one place the study's pruning options are set, shared by
 * the cached main-thread path and the pruning Workers (which post each result away once and keep
 * nothing).
 *
 * @example The same result as the cached call
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { pruneForStudy, studyModel, studyPrune } from "./study.ts";
 *
 * const net = studyModel("vgg16-cifar10", 0.125, 1);
 * const a = pruneForStudy(net, "gazelle", "hunter", 0.5, 1);
 * assertEquals(a.masks, studyPrune(net, "gazelle", "hunter", 0.5, 1).masks);
 * ```
 */
export function pruneForStudy(
  net: Network,
  framework: string,
  method: "hunter" | "mosaic",
  budget: number,
  seed: number,
  progress?: (line: string) => void,
  pruning: StudyPruning = DEFAULT_STUDY.pruning,
): PruneResult {
  return prune(net, {
    method,
    framework,
    preset: studyPreset(framework),
    budget: { kind: "sparsity", ratio: budget },
    ...pruning,
    seed,
    fidelitySamples: 0,
    progress,
  });
}

/**
 * The unpruned, Hunter and MOSAIC networks of a model at a budget (pruned weights zeroed, MOSAIC's
 * channels permuted): what the per-model benches time.
 *
 * @example Three networks, the first the model itself
 * ```ts
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { studyModel, studyVariants } from "./study.ts";
 *
 * const net = studyModel("vgg16-cifar10", 0.125, 1);
 * const v = studyVariants(net, "gazelle", 0.7, 1);
 * assertEquals(Object.keys(v), ["unpruned", "hunter", "mosaic"]);
 * assertStrictEquals(v.unpruned, net);
 * ```
 */
export function studyVariants(
  net: Network,
  framework: string,
  budget: number,
  seed: number,
  pruning: StudyPruning = DEFAULT_STUDY.pruning,
): { unpruned: Network; hunter: Network; mosaic: Network } {
  const h = studyPrune(net, framework, "hunter", budget, seed, undefined, pruning);
  const m = studyPrune(net, framework, "mosaic", budget, seed, undefined, pruning);
  // The deployed networks: the ones the prune rows count (`deployedNetwork`), so timings and
  // counts describe the same plans, Galois keys included.
  return { unpruned: net, hunter: deployedNetwork(net, h), mosaic: deployedNetwork(net, m) };
}

/**
 * A pruning result as a results row.
 *
 * @example A MOSAIC row carries the assembler's completion
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { pruneRow, studyModel, studyPrune } from "./study.ts";
 *
 * const r = studyPrune(studyModel("vgg16-cifar10", 0.125, 1), "gazelle", "mosaic", 0.7, 1);
 * const row = pruneRow("vgg16-cifar10", "gazelle", "mosaic", 0.7, r);
 * assertEquals(row.cost_pct, r.report.totals.cost_pct);
 * assert(row.assembly !== undefined && row.assembly.completed <= row.assembly.bound);
 * ```
 */
export function pruneRow(
  model: string,
  framework: string,
  method: "hunter" | "mosaic",
  budget: number,
  r: PruneResult,
  seed?: number,
): PruneRow {
  const t = r.report.totals;
  let completed = 0, identity = 0, bound = 0;
  for (const l of r.report.layers) {
    for (const c of Object.values(l.assembly ?? {})) {
      completed += c.assembled;
      identity += c.identity;
      bound += c.bound;
    }
  }
  return {
    model,
    framework,
    method,
    budget,
    sparsity: t.sparsity,
    retained_saliency: t.retained_saliency,
    cost_pct: t.cost_pct,
    predicted_ms_dense: t.predicted_ms_dense,
    predicted_ms: t.predicted_ms,
    budget_kind: "global",
    ...(seed !== undefined ? { seed } : {}),
    layers: r.report.layers.map((l) => ({
      name: l.name,
      kind: l.kind,
      dense: l.dense,
      pruned: l.pruned,
      predicted_ms_dense: l.predicted_ms_dense,
      predicted_ms: l.predicted_ms,
      bytes_dense: l.bytes_dense,
      bytes: l.bytes,
      // Parts at another N than the study preset's (the preset pruning planned with): kept per
      // ring so each is priced at its own N.
      ...(l.rings ? { rings: l.rings } : {}),
    })),
    ...(r.report.assembly
      ? {
        assembly: {
          completed,
          completed_identity: identity,
          bound,
          ms: r.report.assembly.ms,
        },
      }
      : {}),
  };
}

/**
 * Communication of a model's linear layers (HE ciphertexts) and nonlinear layers (OT / GC).
 *
 * @example Both parts cost something under CrypTFlow2
 * ```ts
 * import { assert } from "@std/assert";
 * import { nonlinearRow, studyModel } from "./study.ts";
 *
 * const row = nonlinearRow("vgg16-cifar10", studyModel("vgg16-cifar10", 0.125, 1), "cryptflow2");
 * assert(row.linear_mb > 0 && row.nonlinear_mb !== null && row.nonlinear_mb > 0);
 * ```
 *
 * @example Cheetah: its ReLUs are counted, their communication not modelled (null)
 * ```ts
 * import { assert, assertEquals, assertStringIncludes } from "@std/assert";
 * import { nonlinearRow, studyModel } from "./study.ts";
 *
 * const row = nonlinearRow("vgg16-cifar10", studyModel("vgg16-cifar10", 0.125, 1), "cheetah");
 * assert(row.linear_mb > 0 && row.relus > 0);
 * assertEquals(row.nonlinear_mb, null);
 * assertStringIncludes(row.source, "not modelled");
 * ```
 */
export function nonlinearRow(model: string, net: Network, framework: string): NonlinearRow {
  const preset = studyPreset(framework);
  const fw = frameworkName(framework);
  const table = modelCost(net, { framework: fw, preset, method: structureMethod(fw) });
  let bytes = 0;
  for (const row of table.layers) {
    const b = row.bytes as { up: number; down: number } | undefined;
    if (b) bytes += b.up + b.down;
  }
  // Shares are η-bit: the bits of t (GAZELLE) or SCI's ℓ.
  const eta = Math.ceil(Math.log2(preset.plainModulus));
  const nl = networkNonlinear(net, framework, eta);
  const uncosted = nl.uncosted.length;
  return {
    model,
    framework,
    linear_mb: round(bytes / 1e6),
    // Nothing costed at all (Cheetah): not modelled, so null rather than a made-up 0.
    nonlinear_mb: nl.bits === 0 && uncosted > 0 ? null : round(nl.bits / 8e6),
    relus: nl.relus,
    source: `η = ${eta}; ${NONLINEAR_SOURCE[fw]}${
      uncosted && fw !== "cheetah"
        ? `; ${uncosted} MaxPool layers not costed (no published GC formula)`
        : ""
    }`,
  };
}

/** What the nonlinear column of each framework counts. */
const NONLINEAR_SOURCE: Readonly<Record<FrameworkName, string>> = {
  gazelle: "garbled-circuit ReLU (18λη − 6λ bits)",
  cryptflow2: "CrypTFlow2 ReLU over Z_p",
  cheetah: "Cheetah ReLU and MaxPool not modelled (silent-OT protocols, no published formula): " +
    "nonlinear_mb is null",
};

function round(v: number): number {
  return Number(v.toPrecision(4));
}
