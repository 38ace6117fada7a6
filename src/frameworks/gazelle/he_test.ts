/**
 * GAZELLE layers run homomorphically on node-seal: the decrypted result equals the integer
 * reference layer mod t exactly, and the executor's ledger equals the plan's counts.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  closeEnvs,
  countPlan,
  executeLayer,
  getPreset,
  loadSeal,
  type Preset,
  UserError,
} from "../../he/mod.ts";
import {
  applyMask,
  type ConvShape,
  inputCount,
  type IntLayer,
  type LayerShape,
  parseLayerSpec,
  randomModT,
  referenceLayer,
  Rng,
} from "../../nn/mod.ts";
import {
  firstMismatch,
  layerOf,
  randomMask,
  weightCount,
  zeroDiagonal,
  zeroTap,
} from "../../test_util.ts";
import { planGazelle } from "./mod.ts";
import { planLayer } from "../mod.ts";

async function runAndCheck(
  layer: IntLayer,
  preset: Preset,
  opts: { method?: "ir" | "or" | "auto"; mask?: Uint8Array; keyBudgetBytes?: number },
  seed: number,
) {
  const plan = planLayer(layer, { framework: "gazelle", preset, ...opts }).parts[0];
  const x = randomModT(inputCount(layer.shape), preset.plainModulus, new Rng(seed));
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
  const rng = new Rng(7);
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
  const rng = new Rng(8);
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
  const rng = new Rng(9);
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

Deno.test("power-of-two Galois keys: NAF key switches are counted and the layer still verifies", async () => {
  const preset = getPreset("gazelle");
  const layer = layerOf(parseLayerSpec("conv:h=8,w=8,ci=8,co=8,k=3"), 3, "pow2");
  const { plan, run } = await runAndCheck(layer, preset, { method: "or", keyBudgetBytes: 1 }, 4);
  assertEquals(plan.keys.kind, "pow2");
  assert(run.ledger.key_switches > run.ledger.rotate_rows + run.ledger.rotate_columns);
  const exact = await runAndCheck(layer, preset, { method: "or" }, 4);
  assertEquals(exact.plan.keys.kind, "exact");
  assertEquals(
    exact.run.ledger.key_switches,
    exact.run.ledger.rotate_rows + exact.run.ledger.rotate_columns,
  );
  closeEnvs();
});

Deno.test("running the same layer 50 times does not grow the WASM heap", async () => {
  const preset = getPreset("gazelle");
  const layer = layerOf(parseLayerSpec("conv:h=8,w=8,ci=16,co=16,k=3"), 5, "heap");
  const plan = planGazelle(layer, { preset, method: "or" }).parts[0];
  const x = randomModT(inputCount(layer.shape), preset.plainModulus, new Rng(6));
  const rt = await loadSeal();
  await executeLayer(plan, x);
  await executeLayer(plan, x);
  const after = rt.heapBytes();
  for (let i = 0; i < 48; i++) await executeLayer(plan, x);
  assertEquals(rt.heapBytes(), after);
  closeEnvs();
});

Deno.test("a layer under the preset's noise margin fails with one line naming layer and preset", async () => {
  const thin: Preset = {
    ...getPreset("gazelle"),
    name: "thin-test",
    coeffModulusBits: [60, 60], // ≈ 9 bits left after one product: below the margin set here
    minNoiseBudgetBits: 20,
  };
  const layer = layerOf(parseLayerSpec("conv:h=8,w=8,ci=8,co=8,k=3"), 1, "deep-layer");
  const plan = planGazelle(layer, { preset: thin, method: "or" }).parts[0];
  const x = randomModT(inputCount(layer.shape), thin.plainModulus, new Rng(1));
  await assertRejects(
    () => executeLayer(plan, x),
    UserError,
    "Layer deep-layer under preset thin-test keeps",
  );
  closeEnvs();
});

Deno.test("stock plans with all-zero plaintexts are refused at execution with one line", async () => {
  const preset = getPreset("gazelle");
  const layer = layerOf(parseLayerSpec("conv:h=8,w=8,ci=3,co=5,k=3"), 1, "padded");
  const plan = planGazelle(layer, { preset, method: "or", stock: true }).parts[0];
  const x = randomModT(inputCount(layer.shape), preset.plainModulus, new Rng(1));
  await assertRejects(() => executeLayer(plan, x), UserError, "execute without --stock");
  closeEnvs();
});
