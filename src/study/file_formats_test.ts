// Every JSON format we read, fed bad files: each is refused with one `UserError` line naming the
// file and the field (the path the reader shows), never a TypeError. Valid files still parse, and
// come back unchanged.
import { assert, assertEquals, assertInstanceOf } from "@std/assert";
import { smallMosaicPrune } from "../test_util.ts";
import { jsonPath, UserError } from "../base/mod.ts";
import { CALIBRATION_FORMAT, parseOpWeights, readCalibration } from "../cost/mod.ts";
import { MEASURED_UNIT_COSTS } from "../he/mod.ts";
import { channelTies, parseModelCard, readMaskFile } from "../nn/mod.ts";
import { tieKey } from "../prune/mod.ts";
import { parseResults, pruneFileText, readPruneFile } from "./mod.ts";

const root = new URL("../../", import.meta.url);
const RESULTS_TEXT = await Deno.readTextFile(new URL("fixtures/results/quick_cifar10.json", root));
const CARD_TEXT = await Deno.readTextFile(new URL("models/vgg16-fashionmnist.card.json", root));

const { net, pruned } = smallMosaicPrune("vgg16-cifar10");
const PRUNE_TEXT = await pruneFileText(net, pruned);
const tie = channelTies(net).find((t) => !t.fixed && pruned.permutations.has(tieKey(t)))!;
const TIE = tieKey(tie);
const CALIBRATION = {
  format: CALIBRATION_FORMAT,
  manifest: { cpu: "Test CPU" },
  unit_costs: { gazelle: MEASURED_UNIT_COSTS.gazelle, cryptflow2: MEASURED_UNIT_COSTS.cryptflow2 },
};
const ACCURACY = {
  dataset: "Fashion-MNIST",
  train_images: 12000,
  test_images: 2000,
  data_sha256: { train: "a", test: "b" },
  engine: "tfjs",
  unpruned: [{ model: "vgg16-cifar10", accuracy: 0.9 }],
  samples_per_second: 100,
  seconds: 10,
  iso: [],
};

/** Leave the field out (as opposed to setting it to a value). */
const DROP = Symbol("drop");
/** A number JSON can write but JavaScript cannot hold (parsed as Infinity). */
const HUGE = "\u0000huge";
type Path = readonly (string | number)[];

/** The JSON text of `doc` with the value at `path` replaced (or dropped); `[]` replaces all. */
function edit(doc: unknown, path: Path, value: unknown): string {
  if (path.length === 0) return JSON.stringify(value);
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === DROP) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else o[last] = value;
  return JSON.stringify(copy).replace(JSON.stringify(HUGE), "1e400");
}

type Reader = (text: string) => Promise<unknown> | unknown;

/** The UserError `read` refuses `text` with (any other outcome fails the test). */
async function refusal(read: Reader, text: string, what: string): Promise<UserError> {
  try {
    await read(text);
  } catch (e) {
    assertInstanceOf(e, UserError, `${what}: ${(e as Error).stack}`);
    return e as UserError;
  }
  throw new Error(`${what}: not refused`);
}

const tmp = await Deno.makeTempDir();
const readers: Record<string, { file: string; good: unknown; read: Reader }> = {
  results: {
    file: "r.json",
    good: JSON.parse(RESULTS_TEXT),
    read: (t) => parseResults(t, "r.json"),
  },
  masks: {
    file: "m.json",
    good: JSON.parse(PRUNE_TEXT),
    read: (t) => readMaskFile(t, "m.json", net),
  },
  prune: {
    file: "p.json",
    good: JSON.parse(PRUNE_TEXT),
    read: (t) => readPruneFile(t, "p.json", net),
  },
  calibration: {
    file: "calibration.json",
    good: CALIBRATION,
    read: async (t) => {
      await Deno.writeTextFile(`${tmp}/calibration.json`, t);
      return await readCalibration(`${tmp}/calibration.json`);
    },
  },
  "op weights": {
    file: "w.json",
    good: { name: "mine", keySwitch: 19, mult: 12, add: 1 },
    read: (t) => parseOpWeights(t, "w.json"),
  },
  "model card": {
    file: "c.card.json",
    good: JSON.parse(CARD_TEXT),
    read: (t) => parseModelCard(t, "c.card.json", "train it again"),
  },
};

const results = readers.results.good as {
  prune: unknown[];
  manifest: { study: { budgets: number[] } };
};
const layerBits = (JSON.parse(PRUNE_TEXT).layers["features.0"] as { bits: string }).bits;
const perm = Array.from(pruned.permutations.get(TIE)!);

/** A bad file: which reader, what is wrong, the path edited and its new value, and the line. */
type Case = readonly [format: string, path: Path, value: unknown, want: string];

const CASES: readonly Case[] = [
  // results.json
  ["results", [], null, "r.json: expected an object, got null"],
  ["results", [], [], "r.json: expected an object, got an empty list"],
  ["results", ["format"], "x/1", 'r.json has format "x/1", expected "mosaic-bench-results/1"'],
  ["results", ["manifest"], null, "r.json: manifest: expected an object, got null"],
  [
    "results",
    ["manifest", "unit_costs"],
    DROP,
    "manifest.unit_costs: missing (expected an object)",
  ],
  [
    "results",
    ["manifest", "unit_costs", "gazelle"],
    null,
    "manifest.unit_costs.gazelle: expected an object, got null",
  ],
  [
    "results",
    ["manifest", "unit_costs", "gazelle", "mult"],
    "0.07",
    'manifest.unit_costs.gazelle.mult: expected a number, got "0.07"',
  ],
  [
    "results",
    ["manifest", "study", "frameworks"],
    null,
    "manifest.study.frameworks: expected a list, got null",
  ],
  [
    "results",
    ["manifest", "study", "frameworks", 1],
    "tfhe",
    'manifest.study.frameworks[1]: expected one of "gazelle", "cryptflow2", "cheetah", got "tfhe"',
  ],
  [
    "results",
    ["manifest", "study", "budgets"],
    [0.5, 0.5, 0.7],
    "manifest.study.budgets[1]: 0.5 is given twice",
  ],
  [
    "results",
    ["manifest", "study", "default_budget"],
    0.3,
    "manifest.study.default_budget: 0.3 is not one of the budgets",
  ],
  [
    "results",
    ["manifest", "hashes", "vgg16-cifar10"],
    "zz",
    'manifest.hashes["vgg16-cifar10"]: expected 64 hex digits, got "zz"',
  ],
  ["results", ["manifest", "git_sha"], 7, "manifest.git_sha: expected a string, got 7"],
  ["results", ["timings"], DROP, "timings: missing (expected a list)"],
  ["results", ["nonlinear"], null, "nonlinear: expected a list, got null"],
  ["results", ["prune", 2], null, "prune[2]: expected an object, got null"],
  [
    "results",
    ["prune", 3, "layers", 0, "dense", "mult"],
    null,
    "prune[3].layers[0].dense.mult: expected a number, got null",
  ],
  [
    "results",
    ["prune", 3, "layers", 1, "pruned"],
    DROP,
    "prune[3].layers[1].pruned: missing (expected an object)",
  ],
  [
    "results",
    ["prune", 0, "method"],
    "magnitude",
    'prune[0].method: expected one of "hunter", "mosaic", got "magnitude"',
  ],
  ["results", ["prune", 0, "budget"], 1.5, "prune[0].budget: must be < 1, got 1.5"],
  ["results", ["prune", 0, "budget"], 0.3, "prune[0].budget: 0.3 is not in the study"],
  [
    "results",
    ["prune", 0, "cost_pct"],
    HUGE,
    "prune[0].cost_pct: expected a number, got Infinity",
  ],
  [
    "results",
    ["prune", 16],
    results.prune[0],
    `prune[16]: repeats prune[0] (["vgg16-cifar10","gazelle","hunter",0.5,null])`,
  ],
  [
    "results",
    ["prune", 1, "layers", 1, "name"],
    "features.0",
    'prune[1].layers[1].name: "features.0" is given twice',
  ],
  [
    "results",
    ["prune", 1, "layers", 1, "name"],
    "features.4",
    'prune[1].layers[1].name: "features.4" where prune[0] has "features.3"',
  ],
  ["results", ["prune", 1, "layers", 2], DROP, "prune[1].layers: 13 layers where prune[0] has 14"],
  ["results", ["timings", 0, "samples"], 2.5, "timings[0].samples: expected an integer, got 2.5"],
  ["results", ["nonlinear", 0, "relus"], -1, "nonlinear[0].relus: must be ≥ 0, got -1"],
  ["results", ["shards"], [], "shards: must have at least 1 entry, got an empty list"],
  ["results", ["shards", 0], { index: 3, count: 2 }, "shards[0].index: 3 is above the count 2"],
  ["results", ["accuracy"], { ...ACCURACY, iso: null }, "accuracy.iso: expected a list, got null"],
  [
    "results",
    ["accuracy"],
    { ...ACCURACY, unpruned: [{ model: "m", accuracy: 92 }] },
    "accuracy.unpruned[0].accuracy: must be ≤ 1, got 92",
  ],
  // mask files
  ["masks", [], null, "Mask file m.json: expected an object, got null"],
  ["masks", ["format"], DROP, "Mask file m.json has format (none), expected"],
  ["masks", ["layers"], null, "m.json: layers: expected an object, got null"],
  [
    "masks",
    ["layers", "features.0"],
    null,
    'm.json: layers["features.0"]: expected an object, got null',
  ],
  [
    "masks",
    ["layers", "features.0", "bits"],
    [1, 0, 1],
    'layers["features.0"].bits: expected a string, got a list of 3',
  ],
  [
    "masks",
    ["layers", "features.0", "bits"],
    "!!!!",
    'layers["features.0"].bits: expected a base64 bit set, got "!!!!"',
  ],
  [
    "masks",
    ["layers", "features.0", "bits"],
    layerBits.slice(0, 8),
    "layer features.0 has a corrupt bit set",
  ],
  [
    "masks",
    ["layers", "features.0", "weights"],
    5,
    "layer features.0 has 5 weights in the file, 216 in the model",
  ],
  [
    "masks",
    ["layers", "features.0", "kept"],
    0,
    "layer features.0 says it keeps 0 weights but its bit set keeps",
  ],
  [
    "masks",
    ["layers", "features.0"],
    DROP,
    'm.json has no entry for layer "features.0" of vgg16-cifar10',
  ],
  [
    "masks",
    ["layers", "features.99"],
    { weights: 8, kept: 1, bits: "AQ==" },
    'names layer "features.99"',
  ],
  ["masks", ["model_hash"], null, "m.json: model_hash: expected a string, got null"],
  ["masks", ["model_hash"], "0".repeat(64), "was made for model"],
  // prune files
  ["prune", ["permutations"], null, "p.json: permutations: expected an object, got null"],
  ["prune", ["permutations", TIE, 0], 2 ** 32 + 2, "entry 0 is 4294967298, not a channel index"],
  ["prune", ["permutations", TIE, 0], perm[1], `channel ${perm[1]} appears twice`],
  [
    "prune",
    ["permutations", TIE, 0],
    -1,
    `${jsonPath(["permutations", TIE, 0])}: must be ≥ 0, got -1`,
  ],
  [
    "prune",
    ["permutations", TIE, 0],
    1.5,
    `${jsonPath(["permutations", TIE, 0])}: expected an integer, got 1.5`,
  ],
  ["prune", ["permutations", TIE], perm.slice(1), `has ${perm.length - 1} entries`],
  [
    "prune",
    ["permutations", "nowhere"],
    [0],
    'permutation for "nowhere", which is not a channel tie',
  ],
  [
    "prune",
    ["prune", "framework"],
    "tfhe",
    'p.json: prune.framework: expected one of "gazelle", "cryptflow2", "cheetah", got "tfhe"',
  ],
  ["prune", ["manifest"], null, "p.json: manifest: expected an object, got null"],
  [
    "prune",
    ["layers", "classifier", "bits"],
    null,
    "p.json: layers.classifier.bits: expected a string, got null",
  ],
  // calibration files
  ["calibration", [], null, "calibration.json: expected an object, got null"],
  ["calibration", ["format"], DROP, "calibration.json has format (none)"],
  [
    "calibration",
    ["unit_costs"],
    null,
    "calibration.json: unit_costs: expected an object, got null",
  ],
  [
    "calibration",
    ["unit_costs", "gazelle", "mult"],
    null,
    "unit_costs.gazelle.mult: expected a number, got null",
  ],
  [
    "calibration",
    ["unit_costs", "gazelle"],
    null,
    "unit_costs.gazelle: expected an object, got null",
  ],
  ["calibration", ["unit_costs"], {}, "unit_costs names no framework"],
  ["calibration", ["unit_costs", "tfhe"], { mult: 1 }, 'unit_costs: unknown field "tfhe"'],
  [
    "calibration",
    ["manifest", "cpu"],
    null,
    "calibration.json: manifest.cpu: expected a string, got null",
  ],
  // op weights
  ["op weights", [], null, "w.json: expected an object, got null"],
  ["op weights", ["name"], 5, "w.json: name: expected a string, got 5"],
  ["op weights", ["add"], -1, "w.json: add: must be ≥ 0, got -1"],
  ["op weights", ["gazelle"], null, "w.json: gazelle: expected an object, got null"],
  ["op weights", ["gazelle"], { add: 1 }, '"keySwitch" sits beside per-framework weights'],
  ["op weights", [], { name: "zero", mult: 0 }, "give at least one of"],
  // model cards
  ["model card", [], null, "c.card.json: expected an object, got null"],
  ["model card", ["weights"], null, "c.card.json: weights: expected a string, got null"],
  ["model card", ["test_accuracy"], 92.6, "c.card.json: test_accuracy: must be ≤ 1, got 92.6"],
  ["model card", ["format"], "x", 'c.card.json has format "x"'],
];

Deno.test("the fixtures and shipped files parse, and come back unchanged", async () => {
  const r = parseResults(RESULTS_TEXT, "r.json");
  assertEquals(JSON.stringify(r), JSON.stringify(JSON.parse(RESULTS_TEXT)));
  const withAcc = parseResults(edit(readers.results.good, ["accuracy"], ACCURACY), "r.json");
  assertEquals(withAcc.accuracy?.engine, "tfjs");
  const back = await readPruneFile(PRUNE_TEXT, "p.json", net);
  assertEquals(back.masks, pruned.masks);
  assertEquals(back.permutations, pruned.permutations);
  for (const name of ["vgg16-fashionmnist", "resnet18-fashionmnist"]) {
    const text = await Deno.readTextFile(new URL(`models/${name}.card.json`, root));
    assert(parseModelCard(text, name, "fix").test_accuracy! > 0.9, name);
  }
  for (const [format, { good, read }] of Object.entries(readers)) {
    assert(await read(JSON.stringify(good)), format);
  }
});

Deno.test(`${CASES.length} bad files, each refused with one line naming the file and the field`, async (t) => {
  for (const [format, path, value, want] of CASES) {
    const { file, good, read } = readers[format];
    const shown = value === DROP ? "dropped" : JSON.stringify(value)?.slice(0, 40);
    await t.step(`${format}: ${path.join(".") || "(file)"} = ${shown}`, async () => {
      const msg = (await refusal(read, edit(good, path, value), `${format} ${path}`)).message;
      assert(!msg.includes("\n"), `one line: ${msg}`);
      assert(msg.includes(file), `names the file: ${msg}`);
      assert(msg.includes(want), `${msg}\n  !~ ${want}`);
    });
  }
  // Table coverage: every format has refusals, and enough of them.
  for (const format of Object.keys(readers)) {
    assert(CASES.filter((c) => c[0] === format).length >= 4, format);
  }
  assert(CASES.length >= 25);
});

Deno.test("text that is not JSON is refused in one line by every reader", async () => {
  for (const [format, { file, read }] of Object.entries(readers)) {
    const { message } = await refusal(read, '{"format": "x",\n oops', format);
    assert(message.includes(`${file} is not valid JSON`), message);
    assert(!message.includes("\n"), message);
  }
});

Deno.test("the tie used by the permutation cases is a real one", () => {
  assertEquals(perm.length, tie.channels);
  assertEquals(results.manifest.study.budgets, [0.5, 0.7]);
  Deno.removeSync(tmp, { recursive: true });
});
