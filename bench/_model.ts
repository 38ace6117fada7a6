/**
 * Per-model benches: each `Deno.bench` times ONE linear layer's server-side HE computation of a
 * zoo model, unpruned (the group's baseline) and pruned by Hunter and by MOSAIC at the study's
 * default budget, under GAZELLE and CrypTFlow2. Names `<model>/<layer>/<framework>/<variant>`,
 * groups `<model>/<layer>/<framework>`. Keys, encoding and encryption happen before `b.start()`;
 * every layer's decrypted output is checked against the integer reference on its warm-up run,
 * before any of its timings is reported.
 *
 * Environment:
 * - `MOSAIC_BENCH_PROFILE=quick|full` (default quick): quick = width-0.25 models, 4
 *   representative layers each; full = full-width models, every layer.
 * - `MOSAIC_BENCH_FRAMEWORKS=gazelle,cryptflow2`, `MOSAIC_BENCH_BUDGET=0.7`,
 *   `MOSAIC_BENCH_SHARD=i/n` (every n-th case, for a CI matrix), `MOSAIC_BENCH_PRUNING` (the
 *   study's pruning settings as JSON; default `DEFAULT_STUDY.pruning`).
 * - `MOSAIC_BENCH_MASKS=DIR`: the folder of prune files a study wrote (`withBenchMasks`): the
 *   Hunter and MOSAIC masks it costed are loaded instead of pruned again (budget and pruning
 *   settings then come from the files). A missing or mismatched file is one line naming it.
 *
 * Each timed variant's deployed network is named on stderr with its SHA-256
 * (`network <model>/<framework>/<variant> sha256 <hash>`), the hash the study's network has.
 */
import { UserError } from "../src/base/mod.ts";
import { frameworkName, planLayer, structureMethod } from "../src/frameworks/mod.ts";
import { programSummary } from "../src/cost/mod.ts";
import { formatBytes, SEAL_HEAP_BYTES, sealMemory } from "../src/he/mod.ts";
import { networkHash, quantizedLayers } from "../src/nn/mod.ts";
import {
  BENCH_MASKS_ENV,
  DEFAULT_STUDY,
  inShard,
  parseShard,
  preloadStudyModels,
  PROFILE_WIDTH,
  profileOf,
  readBenchVariants,
  REPRESENTATIVE_LAYERS,
  studyModel,
  studyPreset,
  studyVariants,
} from "../src/study/mod.ts";
import { benchLayers, type LayerCase } from "./_layers.ts";

/**
 * Mask bytes a timed layer may encode: node-seal's heap is 32-bit WebAssembly (4 GiB at most,
 * `SEAL_HEAP_BYTES`), and the masks share it with keys, ciphertexts and fragmentation.
 */
const MAX_MASK_BYTES = 2.5e9;

/**
 * Predicted server time (ms, the built-in unit costs) above which a layer gets one requested
 * sample instead of three (deno bench then runs it 3 times instead of 5: a warm-up call, whose
 * output is verified, and n + 1 timed calls). Such a layer's samples differ by a few percent,
 * while its extra calls would be most of a quick report's timing (4 s a call for the slowest).
 */
const SLOW_LAYER_MS = 1000;

/**
 * Register the benches of one zoo model. A `UserError` (a bad variable, a missing or mismatched
 * masks file) is printed as one `error:` line on stderr, exit 2: `deno bench --json` would
 * otherwise print only "Bench failed".
 */
export async function registerModelBenches(model: string): Promise<void> {
  try {
    await register(model);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    say(`error: ${e.message}`);
    Deno.exit(2);
  }
}

async function register(model: string): Promise<void> {
  const profile = profileOf(Deno.env.get("MOSAIC_BENCH_PROFILE"));
  const frameworks = (Deno.env.get("MOSAIC_BENCH_FRAMEWORKS") ?? DEFAULT_STUDY.frameworks.join(","))
    .split(",");
  const budget = Number(Deno.env.get("MOSAIC_BENCH_BUDGET") ?? DEFAULT_STUDY.default_budget);
  const shard = parseShard(Deno.env.get("MOSAIC_BENCH_SHARD"), "MOSAIC_BENCH_SHARD");
  const seed = DEFAULT_STUDY.seed;
  const pruningJson = Deno.env.get("MOSAIC_BENCH_PRUNING");
  const pruning = pruningJson ? JSON.parse(pruningJson) : DEFAULT_STUDY.pruning;
  const masks = Deno.env.get(BENCH_MASKS_ENV) || undefined;
  await preloadStudyModels([model]);
  const net = studyModel(model, PROFILE_WIDTH[profile], seed);
  const arch = model.split("-")[0];
  const cases: LayerCase[] = [];
  for (const framework of frameworks) {
    const preset = studyPreset(framework);
    const variants = masks !== undefined
      ? await readBenchVariants(masks, net, framework)
      : studyVariants(net, framework, budget, seed, pruning);
    for (const [variant, vnet] of Object.entries(variants)) {
      say(`network ${net.name}/${framework}/${variant} sha256 ${await networkHash(vnet)}`);
      for (const { layer, kind } of quantizedLayers(vnet)) {
        if (kind === "bn") continue;
        if (profile === "quick" && !REPRESENTATIVE_LAYERS[arch]?.includes(layer.name)) continue;
        const program = planLayer(layer, {
          framework: frameworkName(framework),
          preset,
          // The method the study's prune rows count under (GAZELLE `or`, Cheetah `coeff`).
          method: structureMethod(frameworkName(framework)),
        });
        // Masks are encoded up front (the server's offline work); a layer whose SEAL objects
        // (`sealMemory`, the estimate the executor refuses with) cannot fit the 4 GB WebAssembly
        // heap is reported and left out, never half-timed.
        const need = sealMemory(program.parts);
        if (need.masks > MAX_MASK_BYTES || need.seal > SEAL_HEAP_BYTES) {
          say(
            `skipped ${net.name}/${layer.name}/${framework}/${variant}: its masks need ` +
              `${(need.masks / 1e9).toFixed(1)} GB (SEAL objects ${formatBytes(need.seal)}), ` +
              `more than the WebAssembly heap allows`,
          );
          continue;
        }
        cases.push({
          model: net.name,
          layer,
          framework,
          variant,
          program,
          baseline: variant === "unpruned",
          // Full-width layers and slow quick ones take seconds: one requested sample.
          n: profile === "full" ||
              (programSummary(program).predicted_server_ms ?? 0) > SLOW_LAYER_MS
            ? 1
            : 3,
        });
      }
    }
  }
  // Layer-major order: a layer's three variants run back to back.
  cases.sort((a, b) =>
    a.framework.localeCompare(b.framework) || order(net, a.layer.name) - order(net, b.layer.name)
  );
  const mine = cases.filter((_, i) => inShard(i, shard));
  await benchLayers(mine, { predict: false });
}

/** A line on stderr (`deno bench --json` keeps stdout for its JSON). */
function say(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}

function order(net: { nodes: readonly { name: string }[] }, name: string): number {
  return net.nodes.findIndex((n) => n.name === name);
}
