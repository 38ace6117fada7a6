/**
 * GAZELLE layers run homomorphically on node-seal: the decrypted result equals the integer
 * reference layer mod t exactly, and the executor's ledger equals the plan's counts.
 */
import { assert, assertEquals } from "@std/assert";
import { closeEnvs, countPlan, executeLayer, getPreset, type Preset } from "../../he/mod.ts";
import {
  applyMask,
  type ConvShape,
  inputCount,
  type IntLayer,
  type LayerShape,
  parseLayerSpec,
  referenceLayer,
} from "../../nn/mod.ts";
import { randomModT, SeededRng } from "../../base/mod.ts";
import {
  firstMismatch,
  layerOf,
  randomMask,
  weightCount,
  zeroDiagonal,
  zeroTap,
} from "../../test_util.ts";
import { planLayer } from "../mod.ts";

async function runAndCheck(
  layer: IntLayer,
  preset: Preset,
  opts: { method?: "ir" | "or" | "auto"; mask?: Uint8Array; keyBudgetBytes?: number },
  seed: number,
) {
  const plan = planLayer(layer, { framework: "gazelle", preset, ...opts }).parts[0];
  const x = randomModT(inputCount(layer.shape), preset.plainModulus, new SeededRng(seed));
  const run = await executeLayer(plan, x);
  const mask = opts.mask;
  const masked = applyMask(layer, mask);
  const ref = referenceLayer(masked, x, preset.plainModulus);
  const label = `${layer.name} ${preset.name} ${plan.method} mask=${!!mask}`;
  assertEquals(firstMismatch(run.y, ref), -1, `${label}: decrypted output differs`);
  assertEquals(run.ledger, countPlan(plan), `${label}: ledger != plan`);
  assert(run.noiseBudget >= preset.minNoiseBudgetBits, `${label}: noise ${run.noiseBudget}`);
  return { plan, run };
}

const CONV_CASES = [
  "conv:h=8,w=8,ci=20,co=12,k=1",
  "conv:h=7,w=9,ci=5,co=6,k=3",
  "conv:h=12,w=12,ci=3,co=4,k=5",
  "conv:h=9,w=9,ci=4,co=5,k=3,s=2,p=1",
  "conv:h=8,w=8,ci=6,co=3,k=1,s=2,p=0",
  "conv:h=40,w=40,ci=3,co=3,k=3", // channel larger than half a ciphertext at n = 2048
];

Deno.test("GAZELLE conv layers decrypt to the integer reference (gazelle, N = 2048)", async () => {
  const preset = getPreset("gazelle");
  const rng = new SeededRng(7);
  for (const spec of CONV_CASES) {
    const shape = parseLayerSpec(spec) as ConvShape;
    const layer = layerOf(shape, rng.nextU32(), spec);
    const diag = new Uint8Array(weightCount(shape)).fill(1);
    zeroDiagonal(diag, shape.co, shape.ci, shape.k, 4, 3);
    zeroTap(diag, shape.co, shape.ci, shape.k, 0);
    const masks = [undefined, randomMask(weightCount(shape), 0.5, rng), diag];
    for (const method of ["ir", "or"] as const) {
      if (method === "ir" && spec.includes("h=40")) continue; // row split is OR only
      for (const mask of masks) await runAndCheck(layer, preset, { method, mask }, rng.nextU32());
    }
  }
  closeEnvs();
});

Deno.test("GAZELLE FC layers decrypt to the integer reference (outputs below/above n_i, chunks)", async () => {
  const preset = getPreset("gazelle");
  const rng = new SeededRng(8);
  for (
    const spec of ["fc:in=100,out=7", "fc:in=64,out=300", "fc:in=1500,out=20", "fc:in=64,out=2100"]
  ) {
    const shape = parseLayerSpec(spec) as LayerShape;
    const layer = layerOf(shape, rng.nextU32(), spec);
    await runAndCheck(layer, preset, {}, rng.nextU32());
    await runAndCheck(layer, preset, { mask: randomMask(weightCount(shape), 0.2, rng) }, 1);
  }
  closeEnvs();
});

Deno.test("GAZELLE layers at 128-bit security (gazelle-secure, N = 4096)", async () => {
  const preset = getPreset("gazelle-secure");
  const rng = new SeededRng(9);
  for (
    const spec of [
      "conv:h=16,w=16,ci=20,co=24,k=3",
      "conv:h=4,w=4,ci=300,co=40,k=3",
      "fc:in=512,out=10",
    ]
  ) {
    const layer = layerOf(parseLayerSpec(spec), rng.nextU32(), spec);
    await runAndCheck(layer, preset, {}, rng.nextU32());
  }
  closeEnvs();
});
