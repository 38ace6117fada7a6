/**
 * Shared CLI plumbing: one-line errors for bad input (no stack trace), progress on stderr.
 *
 * @module
 */
import {
  cheetahPreset,
  cryptflow2Preset,
  getPreset,
  type Preset,
  presetNames,
} from "../src/he/mod.ts";
import { checkOutputFile, UserError } from "../src/base/mod.ts";
import { frameworkMethods, type FrameworkName, FRAMEWORKS } from "../src/frameworks/mod.ts";
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

/**
 * The flags a script takes (see `parseFlags`): `string` flags take a value (`--name V` or
 * `--name=V`), `boolean` flags take none, `collect` flags take a value and may be repeated.
 */
export interface FlagSpec<S extends string, B extends string, C extends string> {
  /** Flags with one value: `--name V` or `--name=V`, at most once. */
  readonly string?: readonly S[];
  /** Flags without a value: true when given (else their `default`), at most once. */
  readonly boolean?: readonly B[];
  /** Of `boolean`, those `--no-name` sets false. */
  readonly negatable?: readonly B[];
  /** Boolean defaults other than false. */
  readonly default?: { readonly [K in B]?: boolean };
  /** Flags with a value that may be given again: every value, in order. */
  readonly collect?: readonly C[];
  /** How many positional arguments the script takes at most (default 0). */
  readonly positionals?: number;
  /** The script's help, printed by `--help` or `-h` (which then exits 0 before any other check). */
  readonly help?: Help;
}

/** One option as the help lists it. */
export interface HelpOption {
  /** The flag as written, with its value: `--ratio R` (`--name, --no-name` for negatable ones). */
  readonly flag: string;
  /** Its default, as the help shows it (none: the option is off or required). */
  readonly default?: string | number;
  /** What it does, one line. */
  readonly what: string;
}

/** A script's help (see `helpText`): usage, what it does, its options, examples. */
export interface Help {
  /** The usage line, after `Usage: `. */
  readonly usage: string;
  /** What the script does, a few lines. */
  readonly about?: string;
  /** Every option the script takes. */
  readonly options: readonly HelpOption[];
  /** At least two command lines. */
  readonly examples: readonly string[];
}

/** The exit codes every task shares, as the help lists them. */
export const EXIT_CODES = `Exit codes:
  0  ok
  1  internal error (one line on stderr; set MOSAIC_DEBUG=1 for a stack trace)
  2  bad input (one line on stderr naming the option, argument or file)`;

/** The flag names a help option line documents: `--ratio R` → ratio; `--a, --no-a` → a, no-a. */
function helpNames(flag: string): string[] {
  return [...flag.matchAll(/(?:^|[\s,])--([a-z0-9][a-z0-9-]*)/g)].map((m) => m[1]);
}

/**
 * The help text of a script: usage, about, options with defaults (and `-h, --help`), examples and
 * exit codes.
 */
export function helpText(help: Help): string {
  const rows: [string, string][] = help.options.map((o) => [
    o.flag,
    o.default === undefined ? o.what : `${o.what} (default ${o.default})`,
  ]);
  rows.push(["-h, --help", "print this help and exit"]);
  const w = Math.max(...rows.map(([f]) => f.length));
  return [
    `Usage: ${help.usage}`,
    ...(help.about ? ["", help.about] : []),
    "",
    "Options:",
    ...rows.map(([f, t]) => `  ${f.padEnd(w)}  ${t}`),
    "",
    "Examples:",
    ...help.examples.map((e) => `  ${e}`),
    "",
    EXIT_CODES,
  ].join("\n");
}

/** Levenshtein distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * The known name nearest `name` within edit distance 2 (the first on a tie), else the one known
 * name `name` begins (a shortened option such as `--out` for `--out-dir`), if any.
 *
 * @example A typo and a shortened option
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { nearestName } from "./_cli.ts";
 *
 * assertEquals(nearestName("ratoi", ["ratio", "seed"]), "ratio");
 * assertEquals(nearestName("out", ["out-dir", "from"]), "out-dir");
 * assertEquals(nearestName("o", ["out-dir", "op-weights"]), undefined);
 * ```
 */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  if (best !== undefined) return best;
  const longer = known.filter((k) => k.startsWith(name));
  return longer.length === 1 ? longer[0] : undefined;
}

/** Whether `argv` asks for help: `--help` or `-h` before `--`, not as the value of a flag. */
function wantsHelp(argv: readonly string[], values: ReadonlySet<string>): boolean {
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === "--") return false;
    if (tok === "--help" || tok === "-h") return true;
    if (tok.startsWith("--") && !tok.includes("=") && values.has(tok.slice(2))) {
      if (!argv[i + 1]?.startsWith("--")) i++;
    }
  }
  return false;
}

/**
 * The help of `spec`, checked to document exactly its flags (an internal error otherwise, so a new
 * flag without help fails the help test).
 */
function checkedHelp(spec: FlagSpec<string, string, string>, help: Help): string {
  const documented = new Set(help.options.flatMap((o) => helpNames(o.flag)));
  const negatable = new Set<string>(spec.negatable ?? []);
  const flags = [
    ...spec.string ?? [],
    ...spec.boolean ?? [],
    ...spec.collect ?? [],
    ...[...negatable].map((n) => `no-${n}`),
  ];
  const missing = flags.filter((f) => !documented.has(f));
  const extra = [...documented].filter((d) => !flags.includes(d));
  if (missing.length || extra.length) {
    throw new Error(
      `the help does not match the flags: undocumented ${missing.join(", ") || "none"}; ` +
        `unknown ${extra.join(", ") || "none"}`,
    );
  }
  return helpText(help);
}

/** Parsed flags: each string flag's value (undefined when not given), booleans, collected lists. */
export type Flags<S extends string, B extends string, C extends string> =
  & { readonly [K in S]?: string }
  & { readonly [K in B]: boolean }
  & { readonly [K in C]: readonly string[] }
  & { readonly _: readonly string[] };

/** Decimal numbers as flags take them: `12`, `-3`, `0.5`, `.5`, `1e-3` (no hex, no Infinity). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Text as an error line quotes it: a JSON string, cut after 60 characters (one line, always). */
function quoted(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** A value as an error line shows it: a number bare, anything else `quoted`. */
function shown(text: string): string {
  return DECIMAL.test(text) ? text : quoted(text);
}

/**
 * Parse a script's arguments. Every flag must be one `spec` names and be given once (`collect`
 * flags may repeat); a value flag needs a non-empty value and a boolean flag takes none. The token
 * after a value flag is its value unless it starts with `--`, so `--swaps -5` gives `--swaps` the
 * value "-5" for the numeric check to refuse by name. At most `spec.positionals` other arguments.
 * Anything else is one `UserError` line naming the flag or the argument.
 *
 * @example Values, booleans, and a refusal that names the flag
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { parseFlags } from "./_cli.ts";
 *
 * const spec = { string: ["swaps", "data"], boolean: ["json"] } as const;
 * const args = parseFlags(["--swaps=8", "--json", "--data", "d"], spec);
 * assertEquals([args.swaps, args.json, args.data], ["8", true, "d"]);
 * assertEquals(parseFlags(["--swaps", "-5"], spec).swaps, "-5");
 * assertThrows(() => parseFlags(["--data"], spec), Error, "--data needs a value");
 * assertThrows(() => parseFlags(["--json", "3"], spec), Error, 'unexpected argument "3" after --json');
 * ```
 */
export function parseFlags<
  const S extends string = never,
  const B extends string = never,
  const C extends string = never,
>(argv: readonly string[], spec: FlagSpec<S, B, C>): Flags<S, B, C> {
  const strings = new Set<string>(spec.string ?? []);
  const bools = new Set<string>(spec.boolean ?? []);
  const negatable = new Set<string>(spec.negatable ?? []);
  const collect = new Set<string>(spec.collect ?? []);
  if (spec.help && wantsHelp(argv, new Set([...strings, ...collect]))) {
    console.log(checkedHelp(spec, spec.help));
    Deno.exit(0);
  }
  const defaults = (spec.default ?? {}) as Readonly<Record<string, boolean | undefined>>;
  const out: Record<string, unknown> = {};
  for (const b of bools) out[b] = defaults[b] ?? false;
  for (const c of collect) out[c] = [];
  const positional: string[] = [];
  const seen = new Set<string>();
  const once = (name: string) => {
    if (seen.has(name)) {
      const both = negatable.has(name) ? ` (as --${name} or --no-${name})` : "";
      throw new UserError(`--${name} is given twice${both}: give it once`);
    }
    seen.add(name);
  };
  let previous = ""; // the boolean flag just before, for a stray value's message
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!tok.startsWith("-") || tok === "-") {
      const max = spec.positionals ?? 0;
      if (positional.length >= max) {
        const after = previous ? ` after --${previous}, which takes no value` : "";
        const takes = max > 0 ? `at most ${max} argument${max > 1 ? "s" : ""}` : "options only";
        throw new UserError(`unexpected argument ${quoted(tok)}${after}: this task takes ${takes}`);
      }
      positional.push(tok);
      previous = "";
      continue;
    }
    const eq = tok.indexOf("=");
    const name = tok.startsWith("--") ? tok.slice(2, eq < 0 ? undefined : eq) : "";
    previous = "";
    if (strings.has(name) || collect.has(name)) {
      const next = argv[i + 1];
      const value = eq >= 0 ? tok.slice(eq + 1) : next?.startsWith("--") ? undefined : next;
      if (eq < 0 && value !== undefined) i++;
      if (!value) {
        const got = value === "" ? " (got an empty one)" : next ? ` (got the option ${next})` : "";
        throw new UserError(`--${name} needs a value: --${name} VALUE${got}`);
      }
      if (collect.has(name)) (out[name] as string[]).push(value);
      else {
        once(name);
        out[name] = value;
      }
      continue;
    }
    const base = name.startsWith("no-") && negatable.has(name.slice(3)) ? name.slice(3) : name;
    if (bools.has(base)) {
      if (eq >= 0) {
        throw new UserError(`--${name} takes no value (got ${shown(tok.slice(eq + 1))})`);
      }
      once(base);
      out[base] = base === name;
      previous = name;
      continue;
    }
    const flag = eq < 0 ? tok : tok.slice(0, eq);
    const known = [...strings, ...collect, ...bools];
    const near = name
      ? nearestName(name, [...known, ...[...negatable].map((n) => `no-${n}`)])
      : undefined;
    const helpHint = spec.help ? " (see --help)" : "";
    throw new UserError(
      `Unknown option ${flag.length > 60 || /[^\x21-\x7e]/.test(flag) ? quoted(flag) : flag}: ${
        near
          ? `did you mean --${near}?`
          : known.length
          ? `accepted options are ${known.map((k) => `--${k}`).join(", ")}${helpHint}`
          : `this task takes none${helpHint}`
      }`,
    );
  }
  out._ = positional;
  return out as Flags<S, B, C>;
}

/** An integer range `min..max`, both included. */
export interface IntRange {
  /** The least value accepted. */
  readonly min: number;
  /** The greatest value accepted. */
  readonly max: number;
}

/** A range of reals: `[min, max]`, either end open when asked (`(0, 1]`). */
export interface RealRange {
  /** The lower end. */
  readonly min: number;
  /** The upper end. */
  readonly max: number;
  /** Exclude `min` itself. */
  readonly minOpen?: boolean;
  /** Exclude `max` itself. */
  readonly maxOpen?: boolean;
}

/** An integer range as help texts and error lines write it: `1..1000`. */
export function intRangeText(r: IntRange): string {
  return `${r.min}..${r.max}`;
}

/** A real range as help texts and error lines write it: `(0, 4]`. */
export function realRangeText(r: RealRange): string {
  return `${r.minOpen ? "(" : "["}${r.min}, ${r.max}${r.maxOpen ? ")" : "]"}`;
}

/** `text` as an integer in `r`, or a `UserError`: `<what> must be an integer in 1..100 (got 2.5)`. */
export function intValue(text: string, what: string, r: IntRange): number {
  const x = DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(x) || x < r.min || x > r.max) {
    throw new UserError(`${what} must be an integer in ${intRangeText(r)} (got ${shown(text)})`);
  }
  return x;
}

/** `text` as a number in `r`, or a `UserError`: `<what> must be a number in (0, 1] (got 2)`. */
export function realValue(text: string, what: string, r: RealRange): number {
  const x = DECIMAL.test(text) ? Number(text) : NaN;
  const inside = Number.isFinite(x) && (r.minOpen ? x > r.min : x >= r.min) &&
    (r.maxOpen ? x < r.max : x <= r.max);
  if (!inside) {
    throw new UserError(`${what} must be a number in ${realRangeText(r)} (got ${shown(text)})`);
  }
  return x;
}

/** Choices as an error line lists them: `a, b or c`. */
function choiceText(choices: readonly string[]): string {
  return choices.length < 2
    ? choices.join("")
    : `${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`;
}

/**
 * `text` if it is one of `choices`, else a `UserError`: `Unknown --split "x": use test, train or
 * val`, or with a `noun`, `Unknown split "x" in --split: use …`.
 */
export function enumValue<T extends string>(
  text: string,
  what: string,
  choices: readonly T[],
  noun?: string,
): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  const name = noun ? `${noun} ${quoted(text)} in ${what}` : `${what} ${quoted(text)}`;
  throw new UserError(`Unknown ${name}: use ${choiceText(choices)}`);
}

/** The value of string flag `name` of `args`, checked to be a string when given. */
function valueOf<A extends object>(args: A, name: keyof A & string): string | undefined {
  const v = (args as Record<string, unknown>)[name];
  if (v !== undefined && typeof v !== "string") {
    throw new Error(`flag --${name} is not declared as a value flag`);
  }
  return v;
}

/**
 * Integer flag `--name` of parsed `args` in `r`: its `default` (or undefined) when not given, else
 * the value or one line, e.g. `--passes must be an integer in 1..100 (got 2.5)`.
 *
 * @example A bound and a default
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { intFlag } from "./_cli.ts";
 *
 * const r = { min: 1, max: 100, default: 4 };
 * assertEquals(intFlag({ passes: undefined }, "passes", r), 4);
 * assertEquals(intFlag({ passes: "7" }, "passes", r), 7);
 * assertThrows(() => intFlag({ passes: "2.5" }, "passes", r), Error, "--passes must be an integer in 1..100 (got 2.5)");
 * ```
 */
export function intFlag<A extends object>(
  args: A,
  name: keyof A & string,
  r: IntRange & { readonly default: number },
): number;
/** Integer flag `--name` in `r`, undefined when not given. */
export function intFlag<A extends object>(
  args: A,
  name: keyof A & string,
  r: IntRange,
): number | undefined;
export function intFlag<A extends object>(
  args: A,
  name: keyof A & string,
  r: IntRange & { readonly default?: number },
): number | undefined {
  const v = valueOf(args, name);
  return v === undefined ? r.default : intValue(v, `--${name}`, r);
}

/**
 * Real flag `--name` of parsed `args` in `r`: its `default` (or undefined) when not given, else the
 * value or one line, e.g. `--ratio must be a number in [0, 1] (got 1.5)`.
 */
export function realFlag<A extends object>(
  args: A,
  name: keyof A & string,
  r: RealRange & { readonly default: number },
): number;
/** Real flag `--name` in `r`, undefined when not given. */
export function realFlag<A extends object>(
  args: A,
  name: keyof A & string,
  r: RealRange,
): number | undefined;
export function realFlag<A extends object>(
  args: A,
  name: keyof A & string,
  r: RealRange & { readonly default?: number },
): number | undefined {
  const v = valueOf(args, name);
  return v === undefined ? r.default : realValue(v, `--${name}`, r);
}

/** Choice flag `--name` of parsed `args`: `fallback` when not given, else one of `choices`. */
export function enumFlag<A extends object, T extends string>(
  args: A,
  name: keyof A & string,
  choices: readonly T[],
  fallback: T,
): T;
/** Choice flag `--name`, undefined when not given. */
export function enumFlag<A extends object, T extends string>(
  args: A,
  name: keyof A & string,
  choices: readonly T[],
): T | undefined;
export function enumFlag<A extends object, T extends string>(
  args: A,
  name: keyof A & string,
  choices: readonly T[],
  fallback?: T,
): T | undefined {
  const v = valueOf(args, name);
  return v === undefined ? fallback : enumValue(v, `--${name}`, choices);
}

/** Reads one item of a comma list flag (`flag` is `--name`, for its error line). */
export type ItemParser<T> = (text: string, flag: string) => T;

/** List items that are integers in `r`: `each of --seeds must be an integer in …`. */
export function intItem(r: IntRange): ItemParser<number> {
  return (text, flag) => intValue(text, `each of ${flag}`, r);
}

/** List items that are numbers in `r`: `each of --budgets must be a number in (0, 1) (got 1.5)`. */
export function realItem(r: RealRange): ItemParser<number> {
  return (text, flag) => realValue(text, `each of ${flag}`, r);
}

/** List items among `choices`: `Unknown <noun> "x" in --kinds: use …`. */
export function enumItem<T extends string>(choices: readonly T[], noun: string): ItemParser<T> {
  return (text, flag) => enumValue(text, flag, choices, noun);
}

/** How `listFlag` reads a comma list. */
export interface ListOptions<T> {
  /** The list when the flag is not given (else undefined). */
  readonly default?: readonly T[];
  /** At most this many items (default 100). */
  readonly max?: number;
}

/**
 * Comma-list flag `--name` of parsed `args`: items trimmed and read by `item`; an empty list or
 * item, more than `opts.max` items or an item given twice (`--budgets 0.5,0.5`) is one line.
 *
 * @example Budgets, each once
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { listFlag, realItem } from "./_cli.ts";
 *
 * const budget = realItem({ min: 0, max: 1, minOpen: true, maxOpen: true });
 * assertEquals(listFlag({ budgets: "0.3, 0.7" }, "budgets", budget), [0.3, 0.7]);
 * assertThrows(() => listFlag({ budgets: "0.5,0.5" }, "budgets", budget), Error, "--budgets names 0.5 twice");
 * ```
 */
export function listFlag<A extends object, T>(
  args: A,
  name: keyof A & string,
  item: ItemParser<T>,
  opts: ListOptions<T> & { readonly default: readonly T[] },
): T[];
/** Comma-list flag `--name`, undefined when not given. */
export function listFlag<A extends object, T>(
  args: A,
  name: keyof A & string,
  item: ItemParser<T>,
  opts?: ListOptions<T>,
): T[] | undefined;
export function listFlag<A extends object, T>(
  args: A,
  name: keyof A & string,
  item: ItemParser<T>,
  opts: ListOptions<T> = {},
): T[] | undefined {
  const v = valueOf(args, name);
  if (v === undefined) return opts.default === undefined ? undefined : [...opts.default];
  const flag = `--${name}`;
  const texts = v.split(",").map((s) => s.trim());
  if (texts.some((s) => s === "")) {
    throw new UserError(`${flag} ${shown(v)} has an empty item: write a comma list such as a,b`);
  }
  const max = opts.max ?? 100;
  if (texts.length > max) {
    throw new UserError(`${flag} takes at most ${max} items (got ${texts.length})`);
  }
  const seen = new Set<string>();
  return texts.map((t) => {
    const x = item(t, flag);
    const key = String(x);
    if (seen.has(key)) throw new UserError(`${flag} names ${shown(key)} twice: give each once`);
    seen.add(key);
    return x;
  });
}

/** Seeds: the generator takes an unsigned 32-bit integer. */
export const SEED_RANGE: IntRange = { min: 0, max: 4294967295 };
/** `--limit` and `--test-limit`: images, at most a million (the largest split is 100,000). */
export const LIMIT_RANGE: IntRange = { min: 1, max: 1_000_000 };
/** `--batch`: images per batch (inference or training). */
export const BATCH_RANGE: IntRange = { min: 1, max: 4096 };
/** `--width`: the zoo's channel multiplier. */
export const WIDTH_RANGE: RealRange = { min: 0, max: 4, minOpen: true };
/** `--epochs`: passes over the training set (fractions allowed). */
export const EPOCHS_RANGE: RealRange = { min: 0, max: 1000, minOpen: true };
/** `--lr`: the peak learning rate. */
export const LR_RANGE: RealRange = { min: 0, max: 10, minOpen: true };
/** `--swaps`: the assembler's swap trials per channel and pass. */
export const SWAPS_RANGE: IntRange = { min: 1, max: 10_000 };
/** `--passes`: the assembler's passes over the channel ties. */
export const PASSES_RANGE: IntRange = { min: 1, max: 100 };
/** `--floor`: the kept fraction of every layer and output channel. */
export const FLOOR_RANGE: RealRange = { min: 0, max: 1, maxOpen: true };

/** The preset named by `--preset` (default `gazelle`), or a one-line error listing the presets. */
export function presetFlag(value: string | undefined): Preset {
  return getPreset(enumValue(value ?? "gazelle", "--preset", presetNames()));
}

/**
 * The plan method named by `--method` (default `auto`), one of `framework`'s own
 * (`frameworkMethods`), or a one-line error listing them.
 */
export function methodFlag(value: string | undefined, framework: FrameworkName): string {
  return enumValue(value ?? "auto", "--method", frameworkMethods(framework).all);
}

/** Help text of `--method`: every framework's methods. */
export const METHOD_HELP = "the framework's plan method: " +
  FRAMEWORKS.map((f) => `${f} ${frameworkMethods(f).all.join("|")}`).join(", ");

/** The framework named by `--framework` (default `gazelle`), or a one-line error. */
export function frameworkFlag(value: string | undefined): FrameworkName {
  return enumValue(value ?? "gazelle", "--framework", FRAMEWORKS);
}

/** CrypTFlow2's share width ℓ: `--bits`, as SCI supports it. */
export const BITS_RANGE: IntRange = { min: 32, max: 41 };

/**
 * The preset of a framework: `--preset NAME`, or for CrypTFlow2 the SCI preset of share width
 * `--bits` (32..41, default 37, as SCI), for Cheetah its preset of t = 2^bits (default 37);
 * `--bits` with any other preset is an error.
 */
export function frameworkPreset(
  framework: string,
  preset: string | undefined,
  bitsFlag: string | undefined,
): Preset {
  if (framework === "cryptflow2" && preset === undefined) {
    return cryptflow2Preset(bitsFlag === undefined ? 37 : intValue(bitsFlag, "--bits", BITS_RANGE));
  }
  if (framework === "cheetah" && preset === undefined) {
    return cheetahPreset(bitsFlag === undefined ? 37 : intValue(bitsFlag, "--bits", BITS_RANGE));
  }
  if (bitsFlag !== undefined) {
    throw new UserError(
      "--bits applies to the default preset of cryptflow2 or cheetah only; drop --preset or --bits",
    );
  }
  return presetFlag(preset);
}

/**
 * An output file flag: required, with the given extension, not a folder, not under a regular
 * file (missing folders are created when the file is written, at the end of the run).
 */
export async function outputPath(
  v: string | undefined,
  ext: string,
  flag = "out",
): Promise<string> {
  if (!v) throw new UserError(`--${flag} FILE${ext} is required`);
  if (!v.endsWith(ext)) throw new UserError(`--${flag} ${v}: the file name must end in ${ext}`);
  await checkOutputFile(v, `--${flag}`);
  return v;
}

/** The model card written beside an ONNX output: `F.onnx` → `F.card.json`. */
export function cardPath(onnx: string): string {
  return onnx.replace(/\.onnx$/, ".card.json");
}

/** The help of the pruning flags (`pruningFlags`), shared by prune and report. */
export const PRUNING_HELP: readonly HelpOption[] = [
  {
    flag: `--importance ${IMPORTANCES.join("|")}`,
    default: DEFAULT_IMPORTANCE,
    what: "how weights are ranked across layers",
  },
  {
    flag: "--floor F",
    default: DEFAULT_FLOOR,
    what: "kept fraction of every layer and output channel, in [0, 1)",
  },
  {
    flag: "--kinds LIST",
    default: DEFAULT_KINDS.join(","),
    what: `comma list of structure kinds (${STRUCTURE_KINDS.join(", ")})`,
  },
  { flag: `--unit ${BASIC_UNITS.join("|")}`, default: "kernel", what: "MOSAIC's basic unit" },
];

/** How both methods rank and prune, from `--importance`, `--floor`, `--kinds` and `--unit`. */
export interface PruningFlags {
  readonly importance: Importance;
  readonly floor: number;
  readonly kinds: readonly StructureKind[];
  readonly unit: BasicUnit;
}

/** The pruning flags as `parseFlags` gives them. */
export interface PruningArgs {
  /** `--importance`: how weights are ranked across layers. */
  readonly importance?: string;
  /** `--floor`: the kept fraction of every layer and output channel. */
  readonly floor?: string;
  /** `--kinds`: a comma list of structure kinds. */
  readonly kinds?: string;
  /** `--unit`: MOSAIC's basic unit. */
  readonly unit?: string;
}

/**
 * Read and check the pruning flags (defaults: `DEFAULT_IMPORTANCE`, `DEFAULT_FLOOR` with `--floor`
 * in [0, 1), Hunter's kinds, each at most once, kernel).
 */
export function pruningFlags(args: PruningArgs): PruningFlags {
  return {
    importance: enumFlag(args, "importance", IMPORTANCES, DEFAULT_IMPORTANCE),
    floor: realFlag(args, "floor", { ...FLOOR_RANGE, default: DEFAULT_FLOOR }),
    kinds: listFlag(args, "kinds", enumItem(STRUCTURE_KINDS, "structure kind"), {
      default: DEFAULT_KINDS,
    }),
    unit: enumFlag(args, "unit", BASIC_UNITS, "kernel"),
  };
}
