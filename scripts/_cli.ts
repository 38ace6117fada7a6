/**
 * Shared CLI plumbing: one-line errors for bad input (no stack trace), progress on stderr.
 *
 * @module
 */
import { cryptflow2Preset, getPreset, type Preset, presetNames } from "../src/he/mod.ts";
import { UserError } from "../src/base/mod.ts";
import { FRAMEWORKS } from "../src/frameworks/mod.ts";
import {
  BASIC_UNITS,
  type BasicUnit,
  DEFAULT_FLOOR,
  DEFAULT_IMPORTANCE,
  DEFAULT_KINDS,
  type Importance,
  IMPORTANCES,
  STRUCTURE_KINDS,
  type StructureKind,
} from "../src/prune/mod.ts";

/** Run a CLI main; a `UserError` prints its one line and exits 2, anything else exits 1. */
export async function runMain(main: () => Promise<number | void>): Promise<never> {
  try {
    const code = await main();
    Deno.exit(code ?? 0);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (
      err instanceof UserError || err instanceof RangeError ||
      err instanceof Deno.errors.PermissionDenied || err instanceof Deno.errors.NotFound ||
      err instanceof Deno.errors.NotCapable
    ) {
      // A size no guard predicted (the guards refuse known ones first, naming what and how much).
      const oom = err instanceof RangeError &&
        /Array buffer allocation failed|Invalid (typed )?array length/.test(err.message);
      console.error(
        `error: ${err.message}${
          oom ? " (out of memory: the input is too large for this machine; use a smaller one)" : ""
        }`,
      );
      Deno.exit(2);
    }
    console.error(`error: ${err.message}${err.cause ? ` (${String(err.cause)})` : ""}`);
    if (Deno.env.get("MOSAIC_DEBUG")) console.error(err.stack);
    else console.error("(internal error; set MOSAIC_DEBUG=1 for a stack trace)");
    Deno.exit(1);
  }
}

/** A progress line on stderr. */
export function progress(msg: string): void {
  console.error(msg);
}

/**
 * A progress callback for long image runs: a line on stderr every `seconds` (and at the end) with
 * the images done and the rate so far.
 */
export function imageProgress(label: string, seconds = 5): (done: number, total: number) => void {
  const start = performance.now();
  let last = start;
  return (done, total) => {
    const now = performance.now();
    if (done < total && now - last < seconds * 1000) return;
    last = now;
    const rate = done / Math.max(1e-3, (now - start) / 1000);
    progress(`  ${label}: ${done}/${total} images (${rate.toFixed(0)} images/s)`);
  };
}

/** A `--limit` flag: undefined is no limit; anything but a positive integer is one line. */
export function limitFlag(v: string | undefined): number {
  if (v === undefined) return Infinity;
  const x = Number(v);
  if (v.trim() === "" || !Number.isInteger(x) || x < 1) {
    throw new UserError(`--limit must be a positive integer (got "${v}")`);
  }
  return x;
}

/** Reject unknown flags with one line naming the flag and the accepted ones. */
export function checkFlags(args: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(args)) {
    if (k === "_" || known.includes(k)) continue;
    throw new UserError(
      `Unknown option --${k}: accepted options are ${known.map((x) => `--${x}`).join(", ")}`,
    );
  }
}

/** The preset named by `--preset` (default `gazelle`), or a one-line error listing the presets. */
export function presetFlag(value: string | undefined): Preset {
  const name = value ?? "gazelle";
  if (!presetNames().includes(name)) {
    throw new UserError(`Unknown --preset "${name}": use one of ${presetNames().join(", ")}`);
  }
  return getPreset(name);
}

/** The conv method named by `--method` (default `auto`), or a one-line error. */
export function methodFlag(value: string | undefined): "ir" | "or" | "auto" {
  const m = value ?? "auto";
  if (m !== "ir" && m !== "or" && m !== "auto") {
    throw new UserError(`Unknown --method "${m}": use ir, or or auto`);
  }
  return m;
}

/** The framework named by `--framework` (default `gazelle`), or a one-line error. */
export function frameworkFlag(value: string | undefined): string {
  const framework = value ?? "gazelle";
  if (!(FRAMEWORKS as readonly string[]).includes(framework)) {
    throw new UserError(`Unknown --framework "${framework}": use ${FRAMEWORKS.join(" or ")}`);
  }
  return framework;
}

/**
 * The preset of a framework: `--preset NAME`, or for CrypTFlow2 the SCI preset of share width
 * `--bits` (default 37, as SCI); `--bits` with any other preset is an error.
 */
export function frameworkPreset(
  framework: string,
  preset: string | undefined,
  bitsFlag: string | undefined,
): Preset {
  if (framework === "cryptflow2" && preset === undefined) {
    const bits = Number(bitsFlag ?? 37);
    if (!Number.isInteger(bits) || bits < 32 || bits > 41) {
      throw new UserError(`--bits must be an integer in 32..41 (got "${bitsFlag}")`);
    }
    return cryptflow2Preset(bits);
  }
  if (bitsFlag !== undefined) {
    throw new UserError(
      "--bits applies to cryptflow2's default preset only; drop --preset or --bits",
    );
  }
  return presetFlag(preset);
}

/** A numeric flag: undefined gives the default; anything not a finite number is one line. */
export function numberFlag(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x)) {
    throw new UserError(`--${flag} must be a number (got "${v}")`);
  }
  return x;
}

/**
 * An output file flag: required, with the given extension, not a directory, in a folder that
 * exists (created when missing, like `prune --out`).
 */
export async function outputPath(
  v: string | undefined,
  ext: string,
  flag = "out",
): Promise<string> {
  if (!v) throw new UserError(`--${flag} FILE${ext} is required`);
  if (!v.endsWith(ext)) throw new UserError(`--${flag} ${v}: the file name must end in ${ext}`);
  try {
    if ((await Deno.stat(v)).isDirectory) {
      throw new UserError(`--${flag} ${v} is a directory: name a file`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const dir = v.includes("/") ? v.slice(0, v.lastIndexOf("/")) : ".";
  try {
    await Deno.mkdir(dir || "/", { recursive: true });
  } catch (e) {
    throw new UserError(`--${flag} ${v}: cannot create its folder (${(e as Error).message})`);
  }
  return v;
}

/** How both methods rank and prune, from `--importance`, `--floor`, `--kinds` and `--unit`. */
export interface PruningFlags {
  readonly importance: Importance;
  readonly floor: number;
  readonly kinds: readonly StructureKind[];
  readonly unit: BasicUnit;
}

/** Read and check the pruning flags (defaults: `DEFAULT_IMPORTANCE`, `DEFAULT_FLOOR`, Hunter's kinds, kernel). */
export function pruningFlags(args: Record<string, unknown>): PruningFlags {
  const str = (k: string) => args[k] === undefined ? undefined : String(args[k]);
  const importance = str("importance") ?? DEFAULT_IMPORTANCE;
  if (!IMPORTANCES.includes(importance as Importance)) {
    throw new UserError(`Unknown --importance "${importance}": use ${IMPORTANCES.join(", ")}`);
  }
  const floor = numberFlag(str("floor"), "floor", DEFAULT_FLOOR);
  if (!(floor >= 0 && floor < 1)) throw new UserError(`--floor must be in [0, 1) (got ${floor})`);
  const kinds = (str("kinds")?.split(",") ?? [...DEFAULT_KINDS]) as StructureKind[];
  const bad = kinds.find((k) => !STRUCTURE_KINDS.includes(k));
  if (bad !== undefined) {
    throw new UserError(`Unknown structure kind "${bad}": use ${STRUCTURE_KINDS.join(", ")}`);
  }
  const unit = str("unit") ?? "kernel";
  if (!BASIC_UNITS.includes(unit as BasicUnit)) {
    throw new UserError(`Unknown --unit "${unit}": use ${BASIC_UNITS.join(" or ")}`);
  }
  return { importance: importance as Importance, floor, kinds, unit: unit as BasicUnit };
}
