// Property: every JSON file we read, mutated at random (keys dropped, values replaced by null,
// strings, huge or negative numbers, random JSON, other fields' values, list entries repeated) or
// replaced by random JSON, is either read or refused with one `UserError` line, never another
// exception. A results file that is read must also chart and render (index.html, summary.md), so
// what the schema lets through cannot crash the report.
//
// Seeded (MOSAIC_FUZZ_SEED, default 13) so a failure reproduces; MOSAIC_FUZZ_RUNS scales the runs.
import { assert } from "@std/assert";
import fc from "fast-check";
import { UserError } from "../base/mod.ts";
import { CALIBRATION_FORMAT, parseOpWeights, readCalibration } from "../cost/mod.ts";
import { getPreset, MEASURED_UNIT_COSTS } from "../he/mod.ts";
import { buildZoo, parseModelCard, readMaskFile } from "../nn/mod.ts";
import { prune } from "../prune/mod.ts";
import {
  mergeShards,
  parseResults,
  pruneFileText,
  readPruneFile,
  type Results,
} from "../study/mod.ts";
import { FINETUNE_RECIPE } from "../train/mod.ts";
import { allCharts } from "./_charts.ts";
import { indexHtml, summaryMarkdown } from "./html.ts";
import { reportWeights } from "./report.ts";

const SEED = Number(Deno.env.get("MOSAIC_FUZZ_SEED") ?? 13);
const SCALE = Number(Deno.env.get("MOSAIC_FUZZ_RUNS") ?? 1);

const root = new URL("../../", import.meta.url);
const net = buildZoo("vgg16-cifar10", { width: 0.125 });
const PRUNE_TEXT = await pruneFileText(
  net,
  prune(net, {
    method: "mosaic",
    framework: "gazelle",
    preset: getPreset("gazelle"),
    budget: { kind: "sparsity", ratio: 0.5 },
    fidelitySamples: 0,
  }),
);
const tmp = await Deno.makeTempDir();
const RESULTS = JSON.parse(
  await Deno.readTextFile(new URL("fixtures/results/quick_cifar10.json", root)),
) as Results;

/** The sample results as if the study had run the accuracy loop (seed 1, made-up accuracies). */
function withAccuracy(r: Results): Results {
  const study = {
    ...r.manifest.study,
    accuracy: {
      seeds: [1],
      recipe: FINETUNE_RECIPE,
      distill: null,
      test_limit: 2000,
      deltas: [0.5, 1],
    },
  };
  const prune = r.prune.map((p, i) => ({
    ...p,
    seed: 1,
    accuracy: { one_shot: 0.5 + 0.01 * i, finetuned: 0.95 - p.budget / 10 - 0.001 * i },
  }));
  const accuracy = {
    dataset: "Fashion-MNIST",
    train_images: 12000,
    test_images: 2000,
    data_sha256: { train: "a", test: "b" },
    engine: "tfjs",
    unpruned: study.models.map((model) => ({ model, accuracy: 0.93 })),
    samples_per_second: 100,
    seconds: 10,
    iso: [],
  };
  // Merging one shard recomputes the iso-accuracy table from the rows.
  return mergeShards([{ ...r, manifest: { ...r.manifest, study }, prune, accuracy }]);
}

/** Read a results file and, if it is read, chart and render it the way the report does. */
function reportFrom(text: string): void {
  const r = parseResults(text, "r.json");
  const weights = reportWeights(r, null);
  const charts = allCharts(r, weights);
  indexHtml(r, weights, charts);
  summaryMarkdown(r, weights, charts);
  mergeShards([r]);
}

/** One format: its valid document, how many mutated copies to try, and its reader. */
interface Format {
  readonly good: unknown;
  readonly runs: number;
  readonly read: (text: string) => unknown;
}

const FORMATS: Record<string, Format> = {
  results: { good: RESULTS, runs: 300, read: reportFrom },
  "results with accuracy": { good: withAccuracy(RESULTS), runs: 300, read: reportFrom },
  masks: {
    good: JSON.parse(PRUNE_TEXT),
    runs: 200,
    read: (t) => readMaskFile(t, "m.json", net),
  },
  prune: {
    good: JSON.parse(PRUNE_TEXT),
    runs: 200,
    read: (t) => readPruneFile(t, "p.json", net),
  },
  calibration: {
    good: {
      format: CALIBRATION_FORMAT,
      manifest: { cpu: "Test CPU" },
      unit_costs: {
        gazelle: MEASURED_UNIT_COSTS.gazelle,
        cryptflow2: MEASURED_UNIT_COSTS.cryptflow2,
      },
    },
    runs: 200,
    read: async (t) => {
      await Deno.writeTextFile(`${tmp}/calibration.json`, t);
      return await readCalibration(`${tmp}/calibration.json`);
    },
  },
  "op weights": {
    good: { name: "mine", gazelle: { keySwitch: 19, mult: 12, add: 1 }, cryptflow2: { add: 1 } },
    runs: 200,
    read: (t) => parseOpWeights(t, "w.json"),
  },
  "model card": {
    good: JSON.parse(
      await Deno.readTextFile(new URL("models/vgg16-fashionmnist.card.json", root)),
    ),
    runs: 200,
    read: (t) => parseModelCard(t, "c.card.json", "fix"),
  },
};

type Key = string | number;
type Json = Record<Key, unknown>;

/** Every path into `doc` (the document itself first), depth first. */
function pathsOf(doc: unknown, at: Key[] = [], out: Key[][] = []): Key[][] {
  out.push(at);
  if (Array.isArray(doc)) doc.forEach((v, i) => pathsOf(v, [...at, i], out));
  else if (doc !== null && typeof doc === "object") {
    for (const [k, v] of Object.entries(doc)) pathsOf(v, [...at, k], out);
  }
  return out;
}

/** What a mutation puts at a path. */
type Change =
  | { readonly kind: "drop" }
  | { readonly kind: "set"; readonly value: unknown }
  | { readonly kind: "copy"; readonly from: number }
  | { readonly kind: "repeat" };

/** A number JSON can write but JavaScript cannot hold (parsed as Infinity). */
const HUGE = "\u0000huge";

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.constant<Change>({ kind: "drop" }),
  fc.constant<Change>({ kind: "repeat" }),
  fc.nat().map((from): Change => ({ kind: "copy", from })),
  fc.oneof(
    fc.constant(null),
    fc.constant(HUGE),
    fc.constantFrom(2 ** 32 + 2, -1, 1e308, 0.5, -0.5, 2 ** 53 + 2, 0, 1, 1e-300, 3),
    fc.string({ maxLength: 8 }),
    fc.boolean(),
    fc.constant([]),
    fc.constant({}),
    fc.jsonValue({ maxDepth: 2 }),
  ).map((value): Change => ({ kind: "set", value })),
);

/** `doc` with each (path index, change) applied in turn; paths that no longer exist are skipped. */
function mutate(doc: unknown, changes: readonly { at: number; change: Change }[]): string {
  let copy = structuredClone(doc);
  const paths = pathsOf(doc);
  const get = (path: Key[]) => {
    let v: unknown = copy;
    for (const k of path) {
      if (v === null || typeof v !== "object" || !Object.hasOwn(v, k)) return undefined;
      v = (v as Json)[k];
    }
    return v;
  };
  for (const { at, change } of changes) {
    const path = paths[at % paths.length];
    const value = change.kind === "set"
      ? change.value
      : change.kind === "copy"
      ? structuredClone(get(paths[change.from % paths.length]))
      : undefined;
    if (path.length === 0) {
      if (change.kind === "set" || change.kind === "copy") copy = value;
      continue;
    }
    const parent = get(path.slice(0, -1));
    if (parent === null || typeof parent !== "object") continue;
    const key = path[path.length - 1];
    if (!Object.hasOwn(parent, key)) continue;
    if (change.kind === "drop") {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Json)[key];
    } else if (change.kind === "repeat") {
      if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
    } else (parent as Json)[key] = value;
  }
  return (JSON.stringify(copy) ?? "null").replaceAll(JSON.stringify(HUGE), "1e400");
}

/** Read `text`; anything thrown must be a one-line UserError. */
async function readOrRefuse(format: Format, text: string): Promise<boolean> {
  try {
    await format.read(text);
    return true;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    assert(!e.message.includes("\n"), `more than one line: ${e.message}`);
    return false;
  }
}

for (const [name, format] of Object.entries(FORMATS)) {
  Deno.test(`${name}: mutated files are read or refused with one UserError line, never a crash`, async () => {
    assert(await readOrRefuse(format, JSON.stringify(format.good)), "the unmutated file is read");
    let read = 0, refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat(), change }), { minLength: 1, maxLength: 3 }),
        async (changes) => {
          if (await readOrRefuse(format, mutate(format.good, changes))) read++;
          else refused++;
        },
      ),
      { seed: SEED, numRuns: Math.ceil(format.runs * SCALE) },
    );
    // Both outcomes happen: the property is not vacuous.
    assert(refused > 0, `${name}: nothing was refused`);
    assert(read > 0, `${name}: nothing was read`);
  });
}

Deno.test("random JSON documents and random text are refused with one UserError line by every reader", async () => {
  for (const [name, format] of Object.entries(FORMATS)) {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json({ maxDepth: 3 }), fc.string()), async (text) => {
        assert(!(await readOrRefuse(format, text)), `${name} read ${text}`);
      }),
      { seed: SEED, numRuns: Math.ceil(100 * SCALE) },
    );
  }
});

Deno.test("fuzz cleanup", () => {
  Deno.removeSync(tmp, { recursive: true });
});
