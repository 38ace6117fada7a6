import { assert, assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { z } from "zod";
import {
  checkJson,
  describeJson,
  parseJsonText,
  type SameType,
  toJsonSchema,
} from "./json_file.ts";
import { UserError } from "./errors.ts";

/** The one line `checkJson` refuses `doc` with. */
function line(schema: z.ZodType, doc: unknown): string {
  const e = assertThrows(() => checkJson(schema, doc, "f.json", "fix it"), UserError);
  assert(!e.message.includes("\n"), e.message);
  return e.message;
}

Deno.test("every kind of zod issue becomes one line naming the field, the problem and the fix", () => {
  const cases: [z.ZodType, unknown, string][] = [
    [z.object({ a: z.number() }), { a: true }, "f.json: a: expected a number, got true: fix it"],
    [z.object({ a: z.number() }), {}, "f.json: a: missing (expected a number): fix it"],
    [z.object({ a: z.array(z.string()) }), { a: [1] }, "a[0]: expected a string, got 1"],
    [z.object({ a: z.string().min(2) }), { a: "x" }, 'a: must have at least 2 characters, got "x"'],
    [z.object({ a: z.array(z.number()).max(1) }), { a: [1, 2] }, "a: must have at most 1 entry"],
    [z.object({ a: z.number().gt(0) }), { a: 0 }, "a: must be > 0, got 0"],
    [z.object({ a: z.number().multipleOf(3) }), { a: 4 }, "a: must be a multiple of 3, got 4"],
    [z.object({ a: z.literal("x") }), {}, 'a: missing (expected "x")'],
    [z.object({ a: z.enum(["x", "y"]) }), { a: "z" }, 'a: expected one of "x", "y", got "z"'],
    [z.strictObject({ a: z.number() }), { a: 1, b: 2 }, 'unknown field "b"'],
    [
      z.object({ a: z.union([z.string(), z.number()]) }),
      { a: null },
      "a: expected a string or a number, got null",
    ],
    [
      z.object({ a: z.union([z.object({ b: z.string() }), z.number()]) }),
      { a: { b: 1 } },
      "a.b: expected a string, got 1",
    ],
    [
      z.object({ a: z.number().refine((v) => v !== 2, "two is not allowed") }),
      { a: 2 },
      "a: two is not allowed",
    ],
    [z.object({ "a b": z.number() }), { "a b": null }, '["a b"]: expected a number, got null'],
    [z.number(), "1", 'f.json: expected a number, got "1": fix it'],
  ];
  for (const [schema, doc, want] of cases) {
    const msg = line(schema, doc);
    assert(msg.includes(want), `${msg} !~ ${want}`);
  }
});

Deno.test("a value that passes comes back as it was: the same object, unknown fields kept", () => {
  const doc = { b: [1], a: 1, extra: { x: 1 } };
  assertStrictEquals(
    checkJson(z.object({ a: z.number(), b: z.array(z.number()) }), doc, "f", ""),
    doc,
  );
});

Deno.test("refusals stay one line however long or odd the value", () => {
  const long = "x".repeat(100) + "\n\u2028y";
  const msg = line(z.object({ a: z.number() }), { a: long });
  assert(msg.includes(`got "${"x".repeat(40)}…"`), msg);
  assertEquals(describeJson(-0), "0");
  assertEquals(describeJson(true), "true");
  const e = assertThrows(() => parseJsonText('{"a":\n\n 1,,}', "f.json", "fix"), UserError);
  assert(!e.message.includes("\n") && e.message.endsWith(": fix"), e.message);
});

Deno.test("SameType tells a matching schema from a drifted one at compile time", () => {
  const s = z.object({ a: z.number(), b: z.array(z.string()).optional() });
  const same: SameType<z.infer<typeof s>, { readonly a: number; readonly b?: readonly string[] }> =
    true;
  const renamed: SameType<z.infer<typeof s>, { a: number; c?: string[] }> = false;
  const required: SameType<z.infer<typeof s>, { a: number; b: string[] }> = false;
  const retyped: SameType<z.infer<typeof s>, { a: string; b?: string[] }> = false;
  assertEquals([same, renamed, required, retyped], [true, false, false, false]);
});

Deno.test("toJsonSchema keeps objects open and enumerations given as metadata", () => {
  const doc = toJsonSchema(
    z.object({ f: z.string().refine((v) => v === "a").meta({ enum: ["a"] }) }),
  );
  assertEquals(doc.additionalProperties, undefined);
  assertEquals((doc.properties as Record<string, unknown>).f, { type: "string", enum: ["a"] });
});
