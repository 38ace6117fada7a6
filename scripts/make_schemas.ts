/**
 * `deno task schemas`: write `schemas/*.schema.json`, the JSON Schemas (draft 2020-12) of every
 * JSON file this project writes and reads back, generated from the zod validators the readers use
 * (`toJsonSchema`, through zod's `z.toJSONSchema`), so other tools can check or read our files. A test fails when a published
 * file differs from what the validators generate: change a validator, run this task, commit both.
 *
 * The schemas say the shape and ranges of each file; what needs the model or the whole file (a
 * mask file covering exactly the model's layers, permutations being permutations, rows unique) is
 * checked by the readers only.
 *
 * @module
 */
import { type JsonSchema, toJsonSchema, writeFileAtomic } from "../src/base/mod.ts";
import { calibrationSchema, opWeightsSchema } from "../src/cost/mod.ts";
import { maskFileSchema, modelCardSchema } from "../src/nn/mod.ts";
import { pruneFileSchema, resultsSchema } from "../src/study/mod.ts";
import { type Help, parseFlags, progress, runMain } from "./_cli.ts";

const HELP: Help = {
  usage: "deno task schemas [--out-dir DIR]",
  about:
    "Write the JSON Schemas of every JSON file this project writes and reads back, generated\n" +
    "from the zod validators the readers use.",
  options: [{ flag: "--out-dir DIR", default: "schemas/", what: "where the schemas go" }],
  examples: ["deno task schemas", "deno task schemas --out-dir /tmp/schemas"],
};

/** One published schema: its file name under `schemas/`, what it describes, and the validator. */
export interface PublishedSchema {
  /** File name under `schemas/`. */
  readonly file: string;
  /** The schema's title. */
  readonly title: string;
  /** Which files it describes and who writes and reads them. */
  readonly description: string;
  /** The validator the reader uses (a zod schema). */
  readonly schema: JsonSchema<unknown>;
}

/** Every published schema, in README order. */
export const PUBLISHED_SCHEMAS: readonly PublishedSchema[] = [
  {
    file: "results.schema.json",
    title: "mosaic-bench results file (mosaic-bench-results/1)",
    description: "reports/results.json and results-shard-i-of-n.json: written by deno task " +
      "report, read back by deno task report --from and --merge.",
    schema: resultsSchema,
  },
  {
    file: "masks.schema.json",
    title: "mosaic-bench mask file (mosaic-bench-masks/1)",
    description: "Per-layer weight masks tied to a model by its SHA-256: read by deno task cost " +
      "--masks and deno task finetune --masks.",
    schema: maskFileSchema,
  },
  {
    file: "prune.schema.json",
    title: "mosaic-bench prune file (mosaic-bench-masks/1 with permutations)",
    description: "A mask file with MOSAIC's channel permutations, the pruning options, the " +
      "manifest and the report: written by deno task prune --out.",
    schema: pruneFileSchema,
  },
  {
    file: "calibration.schema.json",
    title: "mosaic-bench calibration file (mosaic-bench-calibration/1)",
    description: "reports/calibration.json: node-seal unit op costs (ms) per framework, written " +
      "by deno task calibrate, read by deno task report.",
    schema: calibrationSchema,
  },
  {
    file: "op-weights.schema.json",
    title: "mosaic-bench op weights (--op-weights)",
    description: "Op weights a user supplies to deno task report --op-weights, for every " +
      "framework or per framework; missing ops weigh 0.",
    schema: opWeightsSchema,
  },
  {
    file: "model-card.schema.json",
    title: "mosaic-bench model card (mosaic-bench-model-card/1)",
    description: "<model>.card.json beside a trained or fine-tuned ONNX model: written by deno " +
      "task train and deno task finetune, read for the shipped models in models/.",
    schema: modelCardSchema,
  },
];

/**
 * The text of every published schema file by name: JSON Schema 2020-12 of the input each reader
 * accepts, with its title and description, 2-space indented with a final newline.
 */
export function schemaFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of PUBLISHED_SCHEMAS) {
    const { $schema, ...rest } = toJsonSchema(s.schema);
    const doc = { $schema, title: s.title, description: s.description, ...rest };
    out.set(s.file, JSON.stringify(doc, null, 2) + "\n");
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseFlags(Deno.args, { string: ["out-dir"], help: HELP });
  const dir = args["out-dir"] ?? new URL("../schemas", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  for (const [file, text] of schemaFiles()) {
    await writeFileAtomic(`${dir}/${file}`, text);
    progress(`wrote ${dir}/${file}`);
  }
  return 0;
}

if (import.meta.main) await runMain(main);
