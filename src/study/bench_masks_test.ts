import { assertEquals, assertMatch } from "@std/assert";
import { networkHash } from "../nn/mod.ts";
import { deployedNetwork } from "../prune/mod.ts";
import { benchFileOf } from "./_bench_files.ts";
import { BENCH_MASKS_ENV, withBenchMasks } from "./bench_masks.ts";
import { PROFILE_WIDTH, studyModel, studyPrune } from "./study.ts";

/**
 * Load a model's bench file with `env` without timing anything (a filter no bench matches): its
 * exit code and stderr, where it names every variant's deployed network with its hash.
 */
async function loadBench(model: string, env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "bench",
      "--no-check",
      "--allow-read",
      "--allow-env",
      "--filter",
      "no bench has this name",
      benchFileOf(model).pathname,
    ],
    env: { NO_COLOR: "1", MOSAIC_BENCH_PROFILE: "quick", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("the bench times the deployed networks the study costed, bit for bit", async () => {
  const model = "vgg16-cifar10", framework = "cryptflow2", budget = 0.3, seed = 1;
  const net = studyModel(model, PROFILE_WIDTH.quick, seed);
  const hunter = studyPrune(net, framework, "hunter", budget, seed);
  const mosaic = studyPrune(net, framework, "mosaic", budget, seed);
  const want = [
    `network ${net.name}/${framework}/unpruned sha256 ${await networkHash(net)}`,
    `network ${net.name}/${framework}/hunter sha256 ${await networkHash(
      deployedNetwork(net, hunter),
    )}`,
    `network ${net.name}/${framework}/mosaic sha256 ${await networkHash(
      deployedNetwork(net, mosaic),
    )}`,
  ];
  // A budget the bench would not prune at by itself (its default is 0.5): the masks decide.
  const r = await withBenchMasks(
    net,
    [{ framework, hunter, mosaic }],
    (dir) => loadBench(model, { MOSAIC_BENCH_FRAMEWORKS: framework, [BENCH_MASKS_ENV]: dir }),
  );
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stderr.split("\n").filter((l) => l.startsWith("network ")), want);
});

Deno.test("a bench given a folder without the framework's masks fails in one clear line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await loadBench("vgg16-cifar10", {
      MOSAIC_BENCH_FRAMEWORKS: "gazelle",
      [BENCH_MASKS_ENV]: dir,
    });
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.stderr.trim().split("\n"), [
      `error: MOSAIC_BENCH_MASKS: ${dir}/gazelle-hunter.json cannot be read (missing): ` +
      "name the folder the study wrote, or unset MOSAIC_BENCH_MASKS to prune in the bench",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("masks of another width are refused by the model hash, naming the file", async () => {
  const net = studyModel("vgg16-cifar10", 0.125, 1);
  const hunter = studyPrune(net, "gazelle", "hunter", 0.5, 1);
  const mosaic = studyPrune(net, "gazelle", "mosaic", 0.5, 1);
  const r = await withBenchMasks(
    net,
    [{ framework: "gazelle", hunter, mosaic }],
    (dir) =>
      loadBench("vgg16-cifar10", { MOSAIC_BENCH_FRAMEWORKS: "gazelle", [BENCH_MASKS_ENV]: dir }),
  );
  assertEquals(r.code, 2, r.stderr);
  assertMatch(r.stderr.trim(), /^error: Mask file \S+\/gazelle-hunter\.json [^\n]*$/);
});
