/**
 * Reading our JSON files against their zod schemas: a file that is not JSON, or whose content
 * does not match its schema, is one `UserError` line naming the file, the field path
 * (`prune[3].layers[0].dense.mult`), what was expected and what was found, and the fix.
 *
 * Schemas here describe files as they are on disk: they validate and never transform, so the value
 * a reader gets back is the parsed JSON itself, key order and unknown fields included (written
 * files and reports stay byte-identical). `SameType` lets a module check at compile time that a
 * schema and the interface it stands for describe the same thing.
 *
 * @module
 */
import { z } from "zod";
import { UserError } from "./errors.ts";

/** One problem a schema found in a value: where it is, and zod's issue code and message. */
export interface JsonIssue {
  /** zod's issue code (`invalid_type`, `too_small`, `custom`, …). */
  readonly code?: string;
  /** Where, as keys and list indices from the document down. */
  readonly path: readonly PropertyKey[];
  /** zod's own message. */
  readonly message: string;
}

/** What a schema says of a value: valid (the value, typed), or the problems it found. */
export type JsonCheck<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: { readonly issues: readonly JsonIssue[] } };

/**
 * The schema of one of our JSON files: a zod 4 schema (`z.object(…)` and friends; it validates and
 * never transforms) seen through the one method readers call, so zod's own types stay out of the
 * public API. `checkJson` reads with it; `toJsonSchema` publishes it. Every `JsonSchema` of this
 * project is a zod schema; a folder composing another's (an intersection, a record of them) may
 * cast it back to `z.ZodType<T>`.
 *
 * @example A zod schema is a JsonSchema
 * ```ts
 * import { assert } from "@std/assert";
 * import { z } from "zod";
 * import type { JsonSchema } from "./json_file.ts";
 *
 * const schema: JsonSchema<{ x: number }> = z.object({ x: z.number() });
 * assert(schema.safeParse({ x: 1 }).success);
 * assert(!schema.safeParse({ x: "1" }).success);
 * ```
 */
export interface JsonSchema<T> {
  /** Check `value` against the schema: the value, typed, or the problems found. */
  safeParse(value: unknown): JsonCheck<T>;
}

/**
 * The JSON Schema (draft 2020-12) of a `JsonSchema`: of the input it accepts, so objects stay open
 * to unknown fields as the readers are. Checks that JSON Schema cannot say (refinements) are left
 * out; enumerations given as metadata are kept.
 *
 * @example A required number
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { z } from "zod";
 * import { toJsonSchema } from "./json_file.ts";
 *
 * const doc = toJsonSchema(z.object({ x: z.number().int() }));
 * assertEquals(doc.$schema, "https://json-schema.org/draft/2020-12/schema");
 * assertEquals(doc.required, ["x"]);
 * ```
 */
export function toJsonSchema(schema: JsonSchema<unknown>): Record<string, unknown> {
  return z.toJSONSchema(schema as z.ZodType, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
}

/**
 * Whether two types are the same, `readonly` aside: `true` or `false` at compile time. Pin a schema
 * to its interface with `const _same: SameType<z.infer<typeof schema>, Interface> = true;`, which
 * stops compiling as soon as either drifts (a field added, dropped, made optional or retyped).
 *
 * @example A schema matches its interface; a missing field does not
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { z } from "zod";
 * import type { SameType } from "./json_file.ts";
 *
 * const point = z.object({ x: z.number(), tags: z.array(z.string()).optional() });
 * interface Point {
 *   readonly x: number;
 *   readonly tags?: readonly string[];
 * }
 * const same: SameType<z.infer<typeof point>, Point> = true;
 * const other: SameType<z.infer<typeof point>, { x: number }> = false;
 * assertEquals([same, other], [true, false]);
 * ```
 */
export type SameType<A, B> = (<T>() => T extends Mutable<A> ? 1 : 2) extends
  (<T>() => T extends Mutable<B> ? 1 : 2) ? true : false;

/**
 * A type with `readonly` dropped at every depth (arrays, objects, records), intersections flattened
 * into one object (the `as K` remapping keeps modifiers but does not distribute): what `SameType`
 * compares.
 */
export type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[]
  : T extends object ? { -readonly [K in keyof T as K]: Mutable<T[K]> }
  : T;

/**
 * Parse JSON text; text that is not JSON is one `UserError` line: `<what> is not valid JSON (<why>):
 * <fix>`.
 *
 * @example Not JSON: one line naming the file
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { parseJsonText } from "./json_file.ts";
 *
 * assertThrows(
 *   () => parseJsonText("{", "Mask file m.json", "prune again"),
 *   Error,
 *   "Mask file m.json is not valid JSON",
 * );
 * ```
 */
export function parseJsonText(text: string, what: string, fix: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${what} is not valid JSON (${oneLine((e as Error).message)}): ${fix}`);
  }
}

/**
 * Refuse a parsed JSON object whose `format` tag is not `format`, in one line: `<what> has format
 * <found>, expected "<format>": <fix>`. Anything that is not an object passes (its schema then says
 * what it should be), so a foreign file is named as such before any field is looked at.
 *
 * @example Another tool's file
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkFormat } from "./json_file.ts";
 *
 * checkFormat({ format: "mine/1" }, "mine/1", "f.json", "fix");
 * assertThrows(
 *   () => checkFormat({ format: "other/2" }, "mine/1", "f.json", "fix"),
 *   Error,
 *   'f.json has format "other/2", expected "mine/1": fix',
 * );
 * assertThrows(() => checkFormat({}, "mine/1", "f.json", "fix"), Error, "has format (none)");
 * ```
 */
export function checkFormat(raw: unknown, format: string, what: string, fix: string): void {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return;
  const found = (raw as { format?: unknown }).format;
  if (found === format) return;
  const shown = found === undefined ? "(none)" : describeJson(found);
  throw new UserError(`${what} has format ${shown}, expected "${format}": ${fix}`);
}

/**
 * Check a parsed JSON value against `schema` and return it unchanged, typed; the first problem is
 * one `UserError` line: `<what>: <path>: <problem>: <fix>`. The schema must not transform (the
 * value itself comes back).
 *
 * @example A null where a number belongs
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { z } from "zod";
 * import { checkJson } from "./json_file.ts";
 *
 * const schema = z.object({ prune: z.array(z.object({ cost_pct: z.number() })) });
 * assertThrows(
 *   () => checkJson(schema, { prune: [{ cost_pct: 1 }, { cost_pct: null }] }, "r.json", "re-run"),
 *   Error,
 *   "r.json: prune[1].cost_pct: expected a number, got null: re-run",
 * );
 * ```
 */
export function checkJson<T>(schema: JsonSchema<T>, doc: unknown, what: string, fix: string): T {
  const r = schema.safeParse(doc);
  if (r.success) return doc as T;
  // Every JsonSchema is a zod schema: its issues are zod's.
  throw new UserError(`${what}: ${issueLine(r.error.issues[0] as z.core.$ZodIssue, doc)}: ${fix}`);
}

/**
 * Parse JSON text and check it against `schema` (`parseJsonText`, then `checkJson`): the value,
 * typed, or one `UserError` line naming `what`, the field and `fix`.
 *
 * @example A missing field, named by its path
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { z } from "zod";
 * import { parseJsonFile } from "./json_file.ts";
 *
 * const schema = z.object({ layers: z.record(z.string(), z.object({ bits: z.string() })) });
 * const fix = "prune the model again";
 * assertEquals(parseJsonFile(schema, '{"layers":{}}', "m.json", fix), { layers: {} });
 * assertThrows(
 *   () => parseJsonFile(schema, '{"layers":{"features.0":{}}}', "m.json", fix),
 *   Error,
 *   'm.json: layers["features.0"].bits: missing (expected a string): prune the model again',
 * );
 * ```
 */
export function parseJsonFile<T>(
  schema: JsonSchema<T>,
  text: string,
  what: string,
  fix: string,
): T {
  return checkJson(schema, parseJsonText(text, what, fix), what, fix);
}

/**
 * A JSON path as JavaScript would write it: `prune[3].ops.mult`, `layers["features.0"]`; empty for
 * the document itself.
 *
 * @example Identifiers with dots, other keys in brackets
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { jsonPath } from "./json_file.ts";
 *
 * assertEquals(jsonPath(["prune", 3, "ops", "mult"]), "prune[3].ops.mult");
 * assertEquals(jsonPath(["layers", "features.0", "bits"]), 'layers["features.0"].bits');
 * assertEquals(jsonPath([]), "");
 * ```
 */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    else if (typeof k === "string" && /^[A-Za-z_$][\w$]*$/.test(k)) out += out ? `.${k}` : k;
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out;
}

/**
 * How a JSON value is named in a refusal: strings quoted (and cut at 40 characters), numbers as
 * written, lists and objects by kind.
 *
 * @example Short, one line, never the whole value
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeJson } from "./json_file.ts";
 *
 * assertEquals(describeJson(null), "null");
 * assertEquals(describeJson("a\nb"), '"a\\nb"');
 * assertEquals(describeJson([1, 2]), "a list of 2");
 * assertEquals(describeJson({ a: 1 }), "an object");
 * assertEquals(describeJson(2 ** 32 + 2), "4294967298");
 * ```
 */
export function describeJson(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (typeof v === "string") {
    const s = v.length > 40 ? `${v.slice(0, 40)}…` : v;
    return oneLine(JSON.stringify(s));
  }
  if (Array.isArray(v)) return v.length === 0 ? "an empty list" : `a list of ${v.length}`;
  if (typeof v === "object") return "an object";
  return oneLine(String(v));
}

/** Expected kinds as a refusal says them. */
const KINDS: Readonly<Record<string, string>> = {
  number: "a number",
  int: "an integer",
  string: "a string",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "a list",
  tuple: "a list",
  null: "null",
};

/** The value at `path` in `doc`, or undefined where the path leaves it. */
function at(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v = doc;
  for (const k of path) {
    if (v === null || typeof v !== "object" || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Numbers in a bound as a refusal writes them. */
function bound(n: number | bigint): string {
  return typeof n === "number" && Math.abs(n) > 1e15 ? n.toExponential(3) : String(n);
}

/**
 * One zod issue as `<path>: <problem>` (or `<problem>` for the document), reading the offending
 * value from `doc`. Union issues report the branch that got furthest.
 */
function issueLine(
  issue: z.core.$ZodIssue,
  doc: unknown,
  prefix: readonly PropertyKey[] = [],
): string {
  const path = [...prefix, ...issue.path];
  const value = at(doc, path);
  const got = describeJson(value);
  let problem: string;
  switch (issue.code) {
    case "invalid_type": {
      const want = KINDS[issue.expected] ?? issue.expected;
      problem = value === undefined ? `missing (expected ${want})` : `expected ${want}, got ${got}`;
      break;
    }
    case "invalid_value":
      problem = issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}, got ${got}`
        : `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${got}`;
      if (value === undefined) problem = `missing (${problem.replace(/, got nothing$/, "")})`;
      break;
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const limit = small ? issue.minimum : issue.maximum;
      const op = small ? (issue.inclusive ? "≥" : ">") : (issue.inclusive ? "≤" : "<");
      const most = `${small ? "at least" : "at most"} ${bound(limit)}`;
      if (issue.origin === "array" || issue.origin === "set") {
        problem = `must have ${most} ${Number(limit) === 1 ? "entry" : "entries"}, got ${got}`;
      } else if (issue.origin === "string") {
        problem = `must have ${most} character${Number(limit) === 1 ? "" : "s"}, got ${got}`;
      } else problem = `must be ${op} ${bound(limit)}, got ${got}`;
      break;
    }
    case "invalid_format":
      problem = `${
        /^Invalid/.test(issue.message) ? `must be a ${issue.format}` : issue.message
      }, got ${got}`;
      break;
    case "not_multiple_of":
      problem = `must be a multiple of ${bound(issue.divisor)}, got ${got}`;
      break;
    case "unrecognized_keys":
      problem = `unknown field${issue.keys.length > 1 ? "s" : ""} ${
        issue.keys.map((k) => JSON.stringify(k)).join(", ")
      }`;
      break;
    case "invalid_union": {
      const branches = issue.errors.filter((e) => e.length > 0).map((e) => e[0]);
      const shallow = branches.every((b) => b.code === "invalid_type" && b.path.length === 0);
      if (shallow && branches.length > 0) {
        const kinds = branches.map((b) => KINDS[(b as { expected: string }).expected] ?? "");
        problem = `expected ${[...new Set(kinds)].join(" or ")}, got ${got}`;
        break;
      }
      const best = branches.reduce<z.core.$ZodIssue | undefined>(
        (a, b) => (a === undefined || b.path.length > a.path.length ? b : a),
        undefined,
      );
      if (best) return issueLine(best, doc, path);
      problem = `does not match, got ${got}`;
      break;
    }
    case "invalid_key":
    case "invalid_element": {
      const inner = issue.issues[0];
      if (inner && issue.code === "invalid_element") return issueLine(inner, doc, path);
      problem = `has a key that is not allowed${inner ? ` (${inner.message})` : ""}`;
      break;
    }
    default:
      problem = issue.message;
  }
  const where = jsonPath(path);
  return oneLine(where ? `${where}: ${problem}` : problem);
}

/** Whitespace runs (line breaks included) as single spaces. */
function oneLine(s: string): string {
  return s.replace(/[\s\u2028\u2029]+/g, " ").trim();
}
