import { assert, assertEquals, assertMatch } from "@std/assert";
import { calibratedWeights, runStudy } from "./run.ts";
import { DEFAULT_STUDY } from "./study.ts";
import type { Results, StudySpec, TimingRow } from "./results.ts";
import { FINETUNE_RECIPE } from "../train/mod.ts";
import { cpuModel } from "./manifest.ts";
import { NATIVE_SEAL_RATIOS, unitCostCachePath } from "../cost/mod.ts";
import { NODE_SEAL_VERSION, UNIT_OPS_REVISION } from "../he/mod.ts";

Deno.test("the study measures its unit costs once, caches them per CPU and runtime, and re-measures a corrupt cache", async () => {
  const home = await Deno.makeTempDir();
  const out = await Deno.makeTempDir(); // no calibration.json
  const env = { get: (k: string) => (k === "HOME" ? home : undefined) };
  const opts = {
    env,
    frameworks: ["gazelle"],
    measureOptions: { reps: 2, warmupMs: 1, batchMs: 0.1 },
  };
  const path = unitCostCachePath(
    { cpu: cpuModel(), deno: Deno.version.deno, nodeSeal: NODE_SEAL_VERSION },
    env,
  )!;
  assert(path.startsWith(`${home}/.cache/mosaic-bench/unit-costs-`));
  assert(path.includes(Deno.version.deno) && path.endsWith(`-${NODE_SEAL_VERSION}.json`));

  const first = await calibratedWeights(out, opts);
  assertEquals(first.origin?.how, "measured");
  assertEquals(first.origin?.cpu, cpuModel());
  assert(first.byFramework.gazelle.down!.keySwitch > 0);
  const written = await Deno.readTextFile(path);

  const again = await calibratedWeights(out, opts);
  assertEquals(again.origin?.how, "cached");
  assertEquals(again.byFramework.gazelle, first.byFramework.gazelle);
  assertEquals(await Deno.readTextFile(path), written, "a cache hit does not rewrite the cache");

  // Another runtime misses the cache (its key differs); nothing else is written.
  const other = unitCostCachePath(
    { cpu: cpuModel(), deno: "0.0.0", nodeSeal: NODE_SEAL_VERSION },
    env,
  );
  assert(other !== path);

  // Costs cached by older unit ops (which timed other work) are measured again.
  const doc = JSON.parse(written);
  const olderSource = doc.unit_costs.gazelle.source.replace(/ \(unit ops r[0-9]+\)/, "");
  assert(olderSource !== doc.unit_costs.gazelle.source);
  doc.unit_costs.gazelle.source = olderSource;
  await Deno.writeTextFile(path, JSON.stringify(doc));
  const older = await calibratedWeights(out, opts);
  assertEquals(older.origin?.how, "measured");
  assertMatch(older.byFramework.gazelle.source, new RegExp(`unit ops r${UNIT_OPS_REVISION}`));

  await Deno.writeTextFile(path, "{ not json");
  const remeasured = await calibratedWeights(out, opts);
  assertEquals(remeasured.origin?.how, "measured");
  assertMatch(await Deno.readTextFile(path), /"format": "mosaic-bench-calibration\/1"/);

  // Only the cache folder was written under HOME, and nothing in the output folder.
  const names: string[] = [];
  for await (const e of Deno.readDir(`${home}/.cache/mosaic-bench`)) names.push(e.name);
  assertEquals(names.filter((n) => !n.startsWith(".")), [path.split("/").at(-1)!]);
  const outNames: string[] = [];
  for await (const e of Deno.readDir(out)) outNames.push(e.name);
  assertEquals(outNames, []);
  await Deno.remove(home, { recursive: true });
  await Deno.remove(out, { recursive: true });
});

Deno.test("a calibration file in the output folder wins over the cache and measuring", async () => {
  const home = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  const { MEASURED_UNIT_COSTS } = await import("../he/mod.ts");
  await Deno.writeTextFile(
    `${out}/calibration.json`,
    JSON.stringify({
      format: "mosaic-bench-calibration/1",
      manifest: { cpu: "Pinned CPU" },
      unit_costs: { gazelle: MEASURED_UNIT_COSTS.gazelle },
    }),
  );
  const w = await calibratedWeights(out, {
    env: { get: (k) => (k === "HOME" ? home : undefined) },
  });
  assertEquals([w.origin?.cpu, w.origin?.how], ["Pinned CPU", "file"]);
  for await (const _ of Deno.readDir(home)) throw new Error("the cache folder was written");
  await Deno.remove(home, { recursive: true });
  await Deno.remove(out, { recursive: true });
});

/** A results file without what depends on the clock or the machine's load. */
function clockFree(r: Results): unknown {
  const doc = JSON.parse(JSON.stringify(r));
  delete doc.manifest.created;
  delete doc.manifest.timing;
  delete doc.accuracy.seconds;
  delete doc.accuracy.samples_per_second;
  for (const row of doc.prune) delete row.assembly?.ms;
  doc.timings = doc.timings.map((t: TimingRow) =>
    `${t.model}/${t.layer}/${t.framework}/${t.variant}`
  );
  return doc;
}

Deno.test("a study with 2 jobs, timing after or beside its fine-tunes, gives what one job gives, bit for bit", async () => {
  const spec: StudySpec = {
    profile: "quick",
    width: 0.25,
    models: ["vgg16-fashionmnist-trained"],
    frameworks: ["cheetah"],
    budgets: [0.3, 0.5],
    default_budget: 0.5,
    seed: 1,
    pruning: DEFAULT_STUDY.pruning,
    accuracy: {
      seeds: [1, 2],
      recipe: { ...FINETUNE_RECIPE, epochs: 0.01 },
      distill: null,
      test_limit: 200,
      deltas: [1],
    },
  };
  const run = async (jobs: number, timeBeside?: boolean) => {
    const lines: string[] = [];
    const r = await runStudy(spec, null, true, NATIVE_SEAL_RATIOS, (l) => lines.push(l), {
      enabled: true,
      engine: "auto",
      ...(timeBeside !== undefined ? { timeBeside } : {}),
    }, jobs);
    return { r, lines };
  };
  const one = await run(1, true);
  const two = await run(2, true);
  const after = await run(2);
  assertEquals(one.r.manifest.timing?.beside, "nothing");
  assertEquals(two.r.manifest.timing?.beside, "fine-tuning");
  assertEquals(after.r.manifest.timing?.beside, "nothing", "timing beside is asked for");
  // One job, or not asked: every fine-tune before timing starts. Asked with two jobs: timing
  // starts before the last fine-tune.
  const at = (l: string[], re: RegExp) => l.findIndex((x) => re.test(x));
  const last = (l: string[]) => l.findLastIndex((x) => x.includes("fine-tuned"));
  assert(at(one.lines, /^timing /) > last(one.lines), one.lines.join("\n"));
  assert(at(after.lines, /^timing /) > last(after.lines), after.lines.join("\n"));
  assert(at(two.lines, /^timing /) < last(two.lines), two.lines.join("\n"));
  assertEquals(JSON.stringify(clockFree(after.r)), JSON.stringify(clockFree(one.r)));
  assertEquals(two.r.timings.length, 12, "4 layers × 3 variants");
  // Hunter's floors stop both budgets at the same masks: each such fine-tune runs once.
  assert(one.lines.some((l) => /fine-tunes repeat another's network, masks and seed/.test(l)));
  const hunter = one.r.prune.filter((p) => p.method === "hunter" && p.seed === 1);
  const hash = (p: (typeof hunter)[number]) =>
    one.r.manifest.hashes[`${p.model}/${p.framework}/hunter/${p.budget}/1`];
  assertEquals(hash(hunter[0]), hash(hunter[1]));
  assertEquals(hunter[0].accuracy, hunter[1].accuracy);
  assertEquals(JSON.stringify(clockFree(two.r)), JSON.stringify(clockFree(one.r)));
});

Deno.test("a study with a layer at N = 16384 measures that ring too, once, and only what the cache lacks", async () => {
  const { MEASURED_UNIT_COSTS } = await import("../he/mod.ts");
  const home = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  const env = { get: (k: string) => (k === "HOME" ? home : undefined) };
  const path = unitCostCachePath(
    { cpu: cpuModel(), deno: Deno.version.deno, nodeSeal: NODE_SEAL_VERSION },
    env,
  )!;
  // An earlier study cached CrypTFlow2's study preset.
  const pinned = {
    ...MEASURED_UNIT_COSTS.cryptflow2,
    source: `cached earlier (unit ops r${UNIT_OPS_REVISION})`,
  };
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      format: "mosaic-bench-calibration/1",
      manifest: { cpu: cpuModel() },
      unit_costs: { cryptflow2: pinned },
    }),
  );
  const said: string[] = [];
  const opts = {
    env,
    frameworks: ["cryptflow2"],
    study: { models: ["vgg16-tinyimagenet"], width: 0.125, seed: 1 },
    measureOptions: { reps: 2, warmupMs: 1, batchMs: 0.1 },
    progress: (line: string) => said.push(line),
  };
  const first = await calibratedWeights(out, opts);
  assertEquals(said, ["measuring the unit ops of cryptflow2-N16384 (cryptflow2) on this machine"]);
  assertEquals(first.byFramework.cryptflow2.source, pinned.source);
  const at16k = first.byRing?.cryptflow2?.["16384"];
  assert(at16k !== undefined && at16k.down!.keySwitch > 0);

  said.length = 0;
  const again = await calibratedWeights(out, opts);
  assertEquals([said, again.origin?.how], [[], "cached"]);
  assertEquals(again.byRing, first.byRing);
  // A study without large maps gets no ring costs, though the cache holds them.
  const small = await calibratedWeights(out, {
    ...opts,
    study: { models: ["vgg16-cifar10"], width: 0.125, seed: 1 },
  });
  assertEquals([said, small.byRing], [[], undefined]);
  await Deno.remove(home, { recursive: true });
  await Deno.remove(out, { recursive: true });
});

Deno.test("a study of a trained and a synthetic model names both models' weights", async () => {
  const spec: StudySpec = {
    profile: "quick",
    width: 0.25,
    models: ["vgg16-fashionmnist-trained", "vgg16-cifar10"],
    frameworks: ["cheetah"],
    budgets: [0.5],
    default_budget: 0.5,
    seed: 1,
  };
  const r = await runStudy(spec, null, false, NATIVE_SEAL_RATIOS, () => {}, {
    enabled: false,
    engine: "auto",
  });
  const w = r.manifest.weights;
  assertMatch(w, /^vgg16-fashionmnist-trained: trained on Fashion-MNIST .*; vgg16-cifar10: /);
  assertMatch(w, /synthetic/i);
});
