/**
 * Op weights for the cost model: the calibration file `deno task calibrate` writes
 * (`reports/calibration.json`, node-seal unit costs measured on this machine), the built-in
 * measured table, and weights a user supplies (e.g. native SEAL ratios).
 *
 * @module
 */
import { z } from "zod";
import {
  type DownUnitCosts,
  type TimingStatistic,
  UNIT_COST_FIELDS,
  type UnitCosts,
  type UnitCostsOrigin,
} from "../he/mod.ts";
import { FRAMEWORKS } from "../frameworks/mod.ts";
import {
  checkFormat,
  checkJson,
  type JsonSchema,
  parseJsonText,
  safeFileName,
  type SameType,
  UserError,
} from "../base/mod.ts";

/** Format tag of calibration files. */
export const CALIBRATION_FORMAT = "mosaic-bench-calibration/1";

/** Named op weights per framework. */
export interface NamedWeights {
  /** Where the weights come from, shown with the results (e.g. "native SEAL ratios"). */
  readonly name: string;
  /** The op weights of each framework they cover (`gazelle`, `cryptflow2`). */
  readonly byFramework: Readonly<Record<string, UnitCosts>>;
  /**
   * Unit costs measured at other ring degrees N than each framework's (`byFramework`), per
   * framework and N (decimal keys): the rings CrypTFlow2 grows large maps to. A ring without them
   * is priced with `byFramework` carried to its N (`unitCostsAtRing`).
   */
  readonly byRing?: Readonly<Record<string, Readonly<Record<string, UnitCosts>>>>;
  /** Where they were measured, for measured unit costs (calibrated or built-in). */
  readonly origin?: UnitCostsOrigin;
  /** How measured unit costs were read from their samples (absent: not recorded). */
  readonly statistic?: TimingStatistic;
}

const FIELDS = UNIT_COST_FIELDS;

const cost = z.number().nonnegative();

const downUnitCostsObject = z.object({
  keySwitch: cost,
  mult: cost,
  multCoeff: cost,
  multScalar: cost,
  add: cost,
  ntt: cost,
  intt: cost,
  modSwitch: cost,
  flood: cost,
});
const _down: SameType<z.infer<typeof downUnitCostsObject>, DownUnitCosts> = true;

const unitCostsObject = z.object({
  keySwitch: cost,
  mult: cost,
  multCoeff: cost,
  add: cost,
  ntt: cost,
  intt: cost,
  modSwitch: cost,
  encPublic: cost,
  flood: cost,
  // Cheetah's ops; results and calibrations written before Cheetah lack them (0 there).
  multScalar: cost.default(0),
  extract: cost.default(0),
  // One level below the top; older files lack it (ops there are then priced as at the top).
  down: downUnitCostsObject.optional(),
  source: z.string(),
});

const _unitCostsSchemaIsUnitCosts: SameType<z.infer<typeof unitCostsObject>, UnitCosts> = true;

/**
 * The schema of a full set of unit costs (ms per op, each ≥ 0, and their source), as results files
 * carry them per framework: exactly `UnitCosts`.
 *
 * @example The built-in table passes; a negative cost does not
 * ```ts
 * import { assert } from "@std/assert";
 * import { unitCostsSchema } from "./op_weights.ts";
 * import { MEASURED_UNIT_COSTS } from "../he/mod.ts";
 *
 * assert(unitCostsSchema.safeParse(MEASURED_UNIT_COSTS.gazelle).success);
 * assert(!unitCostsSchema.safeParse({ ...MEASURED_UNIT_COSTS.gazelle, mult: -1 }).success);
 * ```
 */
export const unitCostsSchema: JsonSchema<UnitCosts> = unitCostsObject;

/** Op weights as people and `deno task calibrate` write them: every op optional (weighs 0). */
const partialUnit = unitCostsObject.partial();

/** A framework name as a key of per-framework tables. */
const frameworkKey = z.enum(FRAMEWORKS);

const opWeightsObject = partialUnit.extend({
  name: z.string().optional(),
  gazelle: partialUnit.optional(),
  cryptflow2: partialUnit.optional(),
  cheetah: partialUnit.optional(),
});
const _opWeights: SameType<z.infer<typeof opWeightsObject>, OpWeightsFile> = true;

const calibrationObject = z.object({
  format: z.literal(CALIBRATION_FORMAT),
  manifest: z.object({
    cpu: z.string(),
    created: z.string().optional(),
    deno: z.string().optional(),
    node_seal: z.string().optional(),
  }).optional(),
  statistic: z.enum(["cpu-min", "wall-min"]).optional(),
  unit_costs: z.partialRecord(frameworkKey, partialUnit),
  unit_costs_by_n: z.partialRecord(
    frameworkKey,
    z.record(z.string().regex(/^[1-9][0-9]*$/, "expected a ring degree N in decimal"), partialUnit),
  ).optional(),
});
const _calibration: SameType<z.infer<typeof calibrationObject>, CalibrationFile> = true;

/** Op weights as a file gives them: any of the unit costs (a missing op weighs 0). */
export type PartialUnitCosts = Partial<UnitCosts>;

/** An op weights file (`--op-weights`), as `opWeightsSchema` accepts it. */
export interface OpWeightsFile extends PartialUnitCosts {
  /** What the weights are, as the report labels them (default: the file name). */
  readonly name?: string;
  /** GAZELLE's own weights (then no weights sit at the top level). */
  readonly gazelle?: PartialUnitCosts;
  /** CrypTFlow2's own weights. */
  readonly cryptflow2?: PartialUnitCosts;
  /** Cheetah's own weights. */
  readonly cheetah?: PartialUnitCosts;
}

/** A calibration file, as `calibrationSchema` accepts it. */
export interface CalibrationFile {
  /** Always `CALIBRATION_FORMAT`. */
  readonly format: typeof CALIBRATION_FORMAT;
  /**
   * The manifest of the machine measured; its `cpu` names the weights, its `created` dates the
   * measurement (`deno` and `node_seal` name the runtime measured, when given).
   */
  readonly manifest?: {
    readonly cpu: string;
    readonly created?: string;
    readonly deno?: string;
    readonly node_seal?: string;
  };
  /** How each op was read: the fastest batch's CPU or wall time (absent in older files). */
  readonly statistic?: TimingStatistic;
  /** Measured unit costs per framework. */
  readonly unit_costs: {
    readonly gazelle?: PartialUnitCosts;
    readonly cryptflow2?: PartialUnitCosts;
    readonly cheetah?: PartialUnitCosts;
  };
  /**
   * Unit costs measured at other ring degrees than the framework's preset, per framework and N
   * (decimal keys; the study measures the rings its layers need; absent in older files).
   */
  readonly unit_costs_by_n?: {
    readonly gazelle?: Readonly<Record<string, PartialUnitCosts>>;
    readonly cryptflow2?: Readonly<Record<string, PartialUnitCosts>>;
    readonly cheetah?: Readonly<Record<string, PartialUnitCosts>>;
  };
}

/**
 * The schema of an op weights file (`--op-weights`): `{"name", "keySwitch", "mult", …}` for every
 * framework, or `{"name", "gazelle": {…}, "cryptflow2": {…}}`; missing ops weigh 0. Mixing the two
 * forms and giving no weight above 0 are refused by `parseOpWeights`.
 *
 * @example Both forms pass
 * ```ts
 * import { assert } from "@std/assert";
 * import { opWeightsSchema } from "./op_weights.ts";
 *
 * assert(opWeightsSchema.safeParse({ name: "n", keySwitch: 19, mult: 12, add: 1 }).success);
 * assert(opWeightsSchema.safeParse({ gazelle: { add: 1 }, cryptflow2: { add: 2 } }).success);
 * assert(!opWeightsSchema.safeParse({ gazelle: null }).success);
 * ```
 */
export const opWeightsSchema: JsonSchema<OpWeightsFile> = opWeightsObject;

/**
 * The schema of a calibration file (`deno task calibrate`, `reports/calibration.json`): the
 * format tag, the manifest of the machine (its `cpu` names the weights) and the unit costs per
 * framework.
 *
 * @example What calibrate writes passes; a null file does not
 * ```ts
 * import { assert } from "@std/assert";
 * import { CALIBRATION_FORMAT, calibrationSchema } from "./op_weights.ts";
 * import { MEASURED_UNIT_COSTS } from "../he/mod.ts";
 *
 * const doc = { format: CALIBRATION_FORMAT, manifest: { cpu: "x" }, unit_costs: { gazelle: MEASURED_UNIT_COSTS.gazelle } };
 * assert(calibrationSchema.safeParse(doc).success);
 * assert(!calibrationSchema.safeParse(null).success);
 * ```
 */
export const calibrationSchema: JsonSchema<CalibrationFile> = calibrationObject;

/**
 * Native SEAL's relative op costs at N = 8192 (node-seal's BENCHMARK.md, native column):
 * Rot : MulPt : AddPt ≈ 19 : 12 : 1. Only those three ops carry weight; the others are 0.
 *
 * @example A key switch weighs 19 additions, a plaintext product 12
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { NATIVE_SEAL_RATIOS } from "./op_weights.ts";
 *
 * const w = NATIVE_SEAL_RATIOS.byFramework.gazelle;
 * assertEquals([w.keySwitch, w.mult, w.add, w.ntt], [19, 12, 1, 0]);
 * ```
 */
export const NATIVE_SEAL_RATIOS: NamedWeights = (() => {
  const w: UnitCosts = {
    keySwitch: 19,
    mult: 12,
    multCoeff: 12,
    add: 1,
    ntt: 0,
    intt: 0,
    modSwitch: 0,
    encPublic: 0,
    flood: 0,
    multScalar: 0,
    extract: 0,
    source: "native SEAL Rot:MulPt:AddPt = 19:12:1 (node-seal BENCHMARK.md, N = 8192)",
  };
  return { name: "native SEAL ratios", byFramework: { gazelle: w, cryptflow2: w, cheetah: w } };
})();

/** Checked op weights with missing ops at 0; all zero is one line naming `where`. */
function unitFrom(o: PartialUnitCosts, where: string, fix: string): UnitCosts {
  const out = Object.fromEntries(FIELDS.map((f) => [f, o[f] ?? 0])) as Record<
    (typeof FIELDS)[number],
    number
  >;
  if (!FIELDS.some((f) => out[f] > 0)) {
    throw new UserError(`${where}: give at least one of ${FIELDS.join(", ")} above 0: ${fix}`);
  }
  return { ...out, ...(o.down ? { down: o.down } : {}), source: o.source ?? where };
}

/**
 * Parse user op weights: `{"name": "...", "keySwitch": 19, "mult": 12, "add": 1, ...}` for every
 * framework, or `{"name": "...", "gazelle": {...}, "cryptflow2": {...}}`; missing ops weigh 0.
 *
 * @example One set of weights for every framework; missing ops weigh 0
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseOpWeights } from "./op_weights.ts";
 *
 * const w = parseOpWeights('{"name": "mine", "keySwitch": 10, "mult": 1, "add": 0.1}', "w.json");
 * assertEquals(w.name, "mine");
 * assertEquals([w.byFramework.cryptflow2.mult, w.byFramework.gazelle.ntt], [1, 0]);
 * ```
 */
export function parseOpWeights(text: string, source: string): NamedWeights {
  const what = `Op weights file ${source}`;
  const fix = 'write {"name": "…", "keySwitch": 19, "mult": 12, "add": 1} or one such object per ' +
    "framework under gazelle / cryptflow2";
  const raw = parseJsonText(text, what, fix);
  const doc = checkJson(opWeightsSchema, raw, what, fix);
  const name = doc.name ?? source;
  const perFramework = FRAMEWORKS.filter((fw) => doc[fw] !== undefined);
  if (perFramework.length > 0) {
    // What the file itself gives: the schema fills defaults (Cheetah's ops weigh 0 when absent).
    const given = raw as Record<string, unknown>;
    const flat = FIELDS.find((f) => given[f] !== undefined);
    if (flat !== undefined) {
      throw new UserError(
        `${what}: "${flat}" sits beside per-framework weights (${perFramework.join(", ")}): ` +
          "give op weights for every framework or per framework, not both",
      );
    }
    const byFramework: Record<string, UnitCosts> = {};
    for (const fw of perFramework) byFramework[fw] = unitFrom(doc[fw]!, `${what}: ${fw}`, fix);
    return { name, byFramework };
  }
  const u = unitFrom(doc, what, fix);
  return { name, byFramework: { gazelle: u, cryptflow2: u, cheetah: u } };
}

/**
 * Read a calibration file; null if it does not exist, one clear error if it is corrupt (with
 * `ignoreCorrupt`, one line on stderr and null instead: a cache that is simply measured again).
 * `how` records how the run got the file (`UnitCostsOrigin.how`).
 *
 * @example No calibration file yet: null; a corrupt cache: null too
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readCalibration } from "./op_weights.ts";
 *
 * assertEquals(await readCalibration("/nonexistent/calibration.json"), null);
 * const bad = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(bad, "{");
 * assertEquals(await readCalibration(bad, { ignoreCorrupt: true, how: "cached" }), null);
 * await Deno.remove(bad);
 * ```
 */
export async function readCalibration(
  path: string,
  opts: { readonly ignoreCorrupt?: boolean; readonly how?: "file" | "cached" } = {},
): Promise<NamedWeights | null> {
  try {
    return await parseCalibration(path, opts.how ?? "file");
  } catch (e) {
    if (!opts.ignoreCorrupt || !(e instanceof UserError)) throw e;
    console.error(`${e.message.split(": run deno task calibrate")[0]}: ignored, measuring again`);
    return null;
  }
}

async function parseCalibration(
  path: string,
  how: "file" | "cached",
): Promise<NamedWeights | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new UserError(`Calibration file ${path} cannot be read: ${(e as Error).message}`);
  }
  const what = `Calibration file ${path}`;
  const fix = "run deno task calibrate again or delete it";
  const raw = parseJsonText(text, what, fix);
  checkFormat(raw, CALIBRATION_FORMAT, what, fix);
  const doc = checkJson(calibrationSchema, raw, what, fix);
  const byFramework: Record<string, UnitCosts> = {};
  for (const fw of FRAMEWORKS) {
    const u = doc.unit_costs[fw];
    if (u) byFramework[fw] = unitFrom(u, `${what}: unit_costs.${fw}`, fix);
  }
  if (Object.keys(byFramework).length === 0) {
    throw new UserError(
      `${what}: unit_costs names no framework (${FRAMEWORKS.join(", ")}): ${fix}`,
    );
  }
  const byRing: Record<string, Record<string, UnitCosts>> = {};
  for (const fw of FRAMEWORKS) {
    for (const [n, u] of Object.entries(doc.unit_costs_by_n?.[fw] ?? {})) {
      (byRing[fw] ??= {})[n] = unitFrom(u, `${what}: unit_costs_by_n.${fw}.${n}`, fix);
    }
  }
  return {
    name: `calibrated node-seal (${doc.manifest?.cpu ?? "this machine"})`,
    byFramework,
    ...(Object.keys(byRing).length > 0 ? { byRing } : {}),
    origin: {
      kind: "calibrated",
      cpu: doc.manifest?.cpu ?? null,
      measured: doc.manifest?.created ?? null,
      how,
    },
    ...(doc.statistic ? { statistic: doc.statistic } : {}),
  };
}

/**
 * Where the study caches the unit costs it measures for one CPU and runtime:
 * `$XDG_CACHE_HOME/mosaic-bench/` (else `$HOME/.cache/mosaic-bench/`),
 * `unit-costs-<cpu>-<deno>-<node-seal>.json`, the CPU's name made a safe file name; null when
 * neither variable names a folder.
 *
 * @example Keyed by CPU and runtime, under the XDG cache folder
 * ```ts
 * import { assertEquals, assertMatch } from "@std/assert";
 * import { unitCostCachePath } from "./op_weights.ts";
 *
 * const env = (vars: Record<string, string>) => ({ get: (k: string) => vars[k] });
 * const key = { cpu: "AMD EPYC 7B13", deno: "2.9.6", nodeSeal: "7.0.0" };
 * assertMatch(
 *   unitCostCachePath(key, env({ HOME: "/home/u" }))!,
 *   /^\/home\/u\/\.cache\/mosaic-bench\/unit-costs-AMD_EPYC_7B13-[0-9a-f]{8}-2\.9\.6-7\.0\.0\.json$/,
 * );
 * assertEquals(unitCostCachePath(key, env({ XDG_CACHE_HOME: "/c", HOME: "/h" }))!.startsWith("/c/mosaic-bench/"), true);
 * assertEquals(unitCostCachePath(key, env({})), null);
 * ```
 */
export function unitCostCachePath(
  key: { readonly cpu: string; readonly deno: string; readonly nodeSeal: string },
  env: { get(name: string): string | undefined } = Deno.env,
): string | null {
  const xdg = env.get("XDG_CACHE_HOME"), home = env.get("HOME");
  const root = xdg ? xdg : home ? `${home}/.cache` : null;
  if (root === null) return null;
  const runtime = safeFileName(`${key.deno}-${key.nodeSeal}`);
  return `${root}/mosaic-bench/unit-costs-${safeFileName(key.cpu)}-${runtime}.json`;
}
