/**
 * The published JSON Schemas (schemas/) accept the files the tools really write and refuse
 * broken ones, checked by an independent JSON Schema 2020-12 validator (Ajv), not by the zod
 * validators the schemas were generated from.
 */
import { assert } from "@std/assert";
import { Ajv2020 } from "ajv/dist/2020.js";
import { readJson, runOk, tempDir } from "./_cli_testing.ts";

const root = (p: string) => new URL(`../${p}`, import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
async function validator(schema: string): Promise<(doc: unknown) => any> {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(await readJson(root(`schemas/${schema}`)));
  return (doc: unknown) => validate(doc) ? null : ajv.errorsText(validate.errors);
}

async function assertValid(schema: string, doc: unknown, what: string): Promise<void> {
  const errors = (await validator(schema))(doc);
  assert(errors === null, `${what} against schemas/${schema}: ${errors}`);
}

async function assertInvalid(schema: string, doc: unknown, what: string): Promise<void> {
  assert((await validator(schema))(doc) !== null, `${what} passed schemas/${schema}`);
}

Deno.test("schemas/results.schema.json accepts the shipped results and refuses broken copies", async () => {
  const doc = await readJson(root("fixtures/results/quick_cifar10.json"));
  await assertValid("results.schema.json", doc, "fixtures/results/quick_cifar10.json");
  await assertInvalid("results.schema.json", { ...doc, format: "x" }, "a wrong format tag");
  await assertInvalid("results.schema.json", { ...doc, prune: undefined }, "no prune rows");
  const t = doc.timings[0];
  const stats = { n: t.samples, mean: t.measured_ms, min: 0, max: 1e6, p75: 1, p99: 2 };
  await assertValid(
    "results.schema.json",
    { ...doc, timings: [{ ...t, stats }] },
    "a timing row with deno bench statistics",
  );
  await assertInvalid(
    "results.schema.json",
    { ...doc, timings: [{ ...t, stats: { ...stats, min: -1 } }] },
    "a negative minimum",
  );
});

Deno.test("schemas/prune.schema.json accepts a prune file deno task prune just wrote", async () => {
  await using tmp = await tempDir();
  const out = `${tmp.path}/p.json`;
  await runOk("prune.ts", [
    "--model",
    "vgg16-cifar10",
    "--width",
    "0.125",
    "--method",
    "mosaic",
    "--framework",
    "gazelle",
    "--ratio",
    "0.5",
    "--out",
    out,
  ]);
  const doc = await readJson(out);
  await assertValid("prune.schema.json", doc, "a fresh prune file");
  await assertInvalid("prune.schema.json", { ...doc, format: "x" }, "a wrong format tag");
  await assertInvalid("prune.schema.json", { ...doc, layers: 3 }, "layers that are a number");
});

Deno.test("schemas/model-card.schema.json accepts the shipped model cards", async () => {
  for (const e of Deno.readDirSync(root("models"))) {
    if (!e.name.endsWith(".card.json")) continue;
    const doc = await readJson(root(`models/${e.name}`));
    await assertValid("model-card.schema.json", doc, `models/${e.name}`);
    await assertInvalid("model-card.schema.json", { ...doc, format: 7 }, `broken ${e.name}`);
  }
});
