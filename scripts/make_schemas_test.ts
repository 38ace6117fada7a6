import { assert, assertEquals } from "@std/assert";
import { PUBLISHED_SCHEMAS, schemaFiles } from "./make_schemas.ts";
import { listDir, runOk, tempDir } from "./_cli_testing.ts";

const SCHEMAS = new URL("../schemas/", import.meta.url).pathname;

Deno.test("schemas/ holds exactly what the validators generate (run deno task schemas after a change)", async () => {
  const files = schemaFiles();
  assertEquals(listDir(SCHEMAS), [...files.keys()].sort(), "stale or missing files in schemas/");
  for (const [file, text] of files) {
    assertEquals(
      await Deno.readTextFile(`${SCHEMAS}${file}`),
      text,
      `schemas/${file} differs from its validator: run deno task schemas`,
    );
  }
});

Deno.test("every published schema is JSON Schema 2020-12 with a title, and names its format tag", () => {
  for (const [file, text] of schemaFiles()) {
    const doc = JSON.parse(text);
    assertEquals(doc.$schema, "https://json-schema.org/draft/2020-12/schema", file);
    assertEquals(doc.type, "object", file);
    assert(doc.title.length > 0 && doc.description.length > 0, file);
    if (file !== "op-weights.schema.json") {
      assert(typeof doc.properties.format.const === "string", `${file}: format tag`);
    }
  }
  assertEquals(PUBLISHED_SCHEMAS.length, 6);
});

Deno.test("deno task schemas writes the same files into another folder", async () => {
  await using tmp = await tempDir();
  await runOk("make_schemas.ts", ["--out-dir", tmp.path]);
  for (const [file, text] of schemaFiles()) {
    assertEquals(await Deno.readTextFile(`${tmp.path}/${file}`), text, file);
  }
});
