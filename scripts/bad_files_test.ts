// Bad JSON files through the CLI: every task that reads one of our files (cost --masks,
// finetune --masks, report --from / --merge / --op-weights, the calibration report reads) exits 2
// with one error line naming the file and the field, and writes nothing.
import { assert } from "@std/assert";
import { smallMosaicPrune } from "../src/test_util.ts";
import { loadModel, maskFileText } from "../src/nn/mod.ts";
import { pruneFileText } from "../src/study/mod.ts";
import {
  assertRefusal,
  type BadCase,
  exists,
  RUN_PERMISSIONS,
  runScript,
  stepRefusals,
  tempDir,
} from "./_cli_testing.ts";

const root = new URL("..", import.meta.url).pathname;
const RESULTS = JSON.parse(await Deno.readTextFile(`${root}fixtures/results/quick_cifar10.json`));

/** Write `doc` (with `patch` applied to a copy) as JSON into `dir/name`; returns the path. */
async function write(dir: string, name: string, doc: unknown): Promise<string> {
  await Deno.writeTextFile(`${dir}/${name}`, JSON.stringify(doc));
  return `${dir}/${name}`;
}

Deno.test("deno task cost --masks refuses bad mask and prune files in one line", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const { net, pruned: r } = smallMosaicPrune("vgg16-cifar10");
  const good = JSON.parse(await pruneFileText(net, r));
  const tie = Object.keys(good.permutations)[0];
  const edit = (f: (d: typeof good) => void) => {
    const d = structuredClone(good);
    f(d);
    return d;
  };
  const cases: [string, unknown, string][] = [
    ["null.json", null, "null.json: expected an object, got null"],
    [
      "null-layer.json",
      edit((d) => d.layers["features.0"] = null),
      'layers["features.0"]: expected an object, got null',
    ],
    [
      "array-bits.json",
      edit((d) => d.layers["features.0"].bits = [1, 0, 1]),
      'layers["features.0"].bits: expected a string, got a list of 3',
    ],
    [
      "missing-layer.json",
      edit((d) => delete d.layers.classifier),
      'has no entry for layer "classifier"',
    ],
    [
      "wrapping-permutation.json",
      edit((d) => d.permutations[tie][0] = 2 ** 32 + 2),
      "entry 0 is 4294967298, not a channel index",
    ],
  ];
  const bad: BadCase[] = [];
  for (const [name, doc, want] of cases) {
    const path = await write(dir, name, doc);
    bad.push([["--model", "vgg16-cifar10", "--width", "0.125", "--masks", path], want]);
  }
  await stepRefusals(t, "cost.ts", bad, { tmp: dir });
});

Deno.test("deno task report refuses bad results, shards, op weights and calibration in one line, writing nothing", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const out = `${dir}/out`;
  const results = (f: (d: typeof RESULTS) => void) => {
    const d = structuredClone(RESULTS);
    f(d);
    return d;
  };
  const from = async (name: string, doc: unknown) => ["--from", await write(dir, name, doc)];
  const shard = (i: number) =>
    results((d) => {
      d.shards = [{ index: i, count: 2 }];
    });
  await write(dir, "shard1.json", shard(1));
  const cal = `${dir}/cal`;
  await Deno.mkdir(cal);
  await write(cal, "calibration.json", null);
  const cases: BadCase[] = [
    [await from("null.json", null), "null.json: expected an object, got null"],
    [
      await from("unit-costs.json", results((d) => d.manifest.unit_costs = null)),
      "manifest.unit_costs: expected an object, got null",
    ],
    [
      await from("timings.json", results((d) => delete d.timings)),
      "timings: missing (expected a list)",
    ],
    [
      await from("frameworks.json", results((d) => d.manifest.study.frameworks = null)),
      "manifest.study.frameworks: expected a list, got null",
    ],
    [
      await from("null-op.json", results((d) => d.prune[3].layers[0].dense.mult = null)),
      "prune[3].layers[0].dense.mult: expected a number, got null",
    ],
    [
      await from("twice.json", results((d) => d.prune.push(d.prune[0]))),
      "prune[16]: repeats prune[0]",
    ],
    [
      await from("budgets.json", results((d) => d.manifest.study.budgets = [0.5, 0.5, 0.7])),
      "manifest.study.budgets[1]: 0.5 is given twice",
    ],
    [
      ["--merge", `${dir}/shard1.json`, "--merge", await write(dir, "shard2.json", null)],
      "shard2.json: expected an object, got null",
    ],
    [
      ["--from", `${dir}/shard1.json`, "--op-weights", await write(dir, "w.json", { add: null })],
      "Op weights file",
    ],
    [["--budgets", "0.5,0.5"], "--budgets names 0.5 twice: give each once"],
  ];
  await stepRefusals(t, "report.ts", cases, { extraArgs: ["--out-dir", out], tmp: dir });
  assert(!(await exists(out)), "a refused run wrote nothing");
  // The calibration file is read from the output folder before the study runs.
  const r = await runScript("report.ts", [
    "--models",
    "vgg16-cifar10",
    "--budgets",
    "0.5",
    "--no-bench",
    "--no-finetune",
    "--out-dir",
    cal,
  ]);
  assertRefusal(r, "calibration.json: expected an object, got null");
});

Deno.test("deno task finetune --masks refuses a bad mask file before training", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const model = `${root}fixtures/torch_vgg.onnx`;
  const good = JSON.parse(await maskFileText(await loadModel(model), new Map()));
  const layer = Object.keys(good.layers)[0];
  const missing = structuredClone(good);
  delete missing.layers[layer];
  const cases: BadCase[] = [
    [["--masks", await write(dir, "null.json", null)], "null.json: expected an object, got null"],
    [
      ["--masks", await write(dir, "null-layer.json", { ...good, layers: { [layer]: null } })],
      `layers${layer.includes(".") ? `["${layer}"]` : `.${layer}`}: expected an object, got null`,
    ],
    [["--masks", await write(dir, "missing.json", missing)], `no entry for layer "${layer}"`],
  ];
  const extraArgs = ["--model", model, "--out", `${dir}/out/tuned.onnx`, "--engine", "tfjs"];
  for (const [args, want] of cases) {
    await t.step(args[1].replace(dir, "$TMP"), async () => {
      const r = await runScript("finetune.ts", [...args, ...extraArgs], RUN_PERMISSIONS);
      assertRefusal(r, want);
      assert(!r.stderr.includes("fine-tuning"), "refused before training");
    });
  }
  assert(!(await exists(`${dir}/out/tuned.onnx`)));
});
