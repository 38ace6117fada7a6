/**
 * Op weights for the cost model: the calibration file `deno task calibrate` writes
 * (`reports/calibration.json`, node-seal unit costs measured on this machine), the built-in
 * measured table, and weights a user supplies (e.g. native SEAL ratios).
 *
 * @module
 */
import type { UnitCosts } from "../he/mod.ts";
import { UserError } from "../base/mod.ts";

/** Format tag of calibration files. */
export const CALIBRATION_FORMAT = "mosaic-bench-calibration/1";

/** Named op weights per framework. */
export interface NamedWeights {
  /** Where the weights come from, shown with the results (e.g. "native SEAL ratios"). */
  readonly name: string;
  /** The op weights of each framework they cover (`gazelle`, `cryptflow2`). */
  readonly byFramework: Readonly<Record<string, UnitCosts>>;
}

const FIELDS = [
  "keySwitch",
  "mult",
  "multCoeff",
  "add",
  "ntt",
  "intt",
  "modSwitch",
  "encPublic",
  "flood",
] as const;

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
    source: "native SEAL Rot:MulPt:AddPt = 19:12:1 (node-seal BENCHMARK.md, N = 8192)",
  };
  return { name: "native SEAL ratios", byFramework: { gazelle: w, cryptflow2: w } };
})();

function unitFrom(v: unknown, where: string): UnitCosts {
  if (typeof v !== "object" || v === null) {
    throw new UserError(`${where} must be an object of op weights`);
  }
  const o = v as Record<string, unknown>;
  const out: Record<string, number | string> = {};
  for (const f of FIELDS) {
    const x = o[f] ?? 0;
    if (typeof x !== "number" || !(x >= 0)) {
      throw new UserError(
        `${where}: "${f}" must be a non-negative number (got ${JSON.stringify(x)})`,
      );
    }
    out[f] = x;
  }
  if (!FIELDS.some((f) => (out[f] as number) > 0)) {
    throw new UserError(`${where}: give at least one of ${FIELDS.join(", ")}`);
  }
  out.source = typeof o.source === "string" ? o.source : where;
  return out as unknown as UnitCosts;
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
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UserError(`Op weights file ${source} is not valid JSON`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new UserError(`Op weights file ${source} must be a JSON object`);
  }
  const name = typeof doc.name === "string" ? doc.name : source;
  if ("gazelle" in doc || "cryptflow2" in doc) {
    const byFramework: Record<string, UnitCosts> = {};
    for (const fw of ["gazelle", "cryptflow2"]) {
      if (doc[fw] !== undefined) byFramework[fw] = unitFrom(doc[fw], `${source} ${fw}`);
    }
    return { name, byFramework };
  }
  const u = unitFrom(doc, source);
  return { name, byFramework: { gazelle: u, cryptflow2: u } };
}

/**
 * Read a calibration file; null if it does not exist, one clear error if it is corrupt.
 *
 * @example No calibration file yet: null
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readCalibration } from "./op_weights.ts";
 *
 * assertEquals(await readCalibration("/nonexistent/calibration.json"), null);
 * ```
 */
export async function readCalibration(path: string): Promise<NamedWeights | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new UserError(`Calibration file ${path} cannot be read: ${(e as Error).message}`);
  }
  let doc: { format?: unknown; unit_costs?: unknown; manifest?: { cpu?: string } };
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UserError(
      `Calibration file ${path} is not valid JSON: run deno task calibrate again or delete it`,
    );
  }
  if (doc.format !== CALIBRATION_FORMAT || typeof doc.unit_costs !== "object" || !doc.unit_costs) {
    throw new UserError(
      `Calibration file ${path} is not a ${CALIBRATION_FORMAT} file: run deno task calibrate again`,
    );
  }
  const byFramework: Record<string, UnitCosts> = {};
  for (const [fw, u] of Object.entries(doc.unit_costs as Record<string, unknown>)) {
    byFramework[fw] = unitFrom(u, `${path} ${fw}`);
  }
  return { name: `calibrated node-seal (${doc.manifest?.cpu ?? "this machine"})`, byFramework };
}
