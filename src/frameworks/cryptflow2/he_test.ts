/**
 * CrypTFlow2 / SCI-HE layers on node-seal: exact results, ledger == plan, the secret-shared output
 * recombines, N grows to 16384 for 64×64 maps, stock SCI (zero-initialized sums) runs too.
 */
import { assert, assertEquals } from "@std/assert";
import { closeEnvs, countProgram, executeProgram, getPreset, type Preset } from "../../he/mod.ts";
import {
  applyMask,
  inputCount,
  type IntLayer,
  parseLayerSpec,
  referenceLayer,
} from "../../nn/mod.ts";
import { randomModT, SeededRng } from "../../base/mod.ts";
import { firstMismatch, layerOf, randomMask, weightCount } from "../../test_util.ts";
import { planCryptflow2 } from "./mod.ts";
import { planLayer } from "../mod.ts";

const preset = getPreset("cryptflow2");

async function check(
  layer: IntLayer,
  p: Preset,
  opts: { mask?: Uint8Array; stock?: boolean },
  seed: number,
) {
  const prog = planLayer(layer, { framework: "cryptflow2", preset: p, ...opts });
  const x = randomModT(inputCount(layer.shape), p.plainModulus, new SeededRng(seed));
  const run = await executeProgram(prog, x);
  const mask = opts.mask;
  const masked = applyMask(layer, mask);
  const ref = referenceLayer(masked, x, p.plainModulus);
  const label = `${layer.name} stock=${!!opts.stock} mask=${!!mask}`;
  assertEquals(firstMismatch(run.result, ref), -1, label);
  assertEquals(run.ledger, countProgram(prog), `${label}: ledger`);
  assert(run.noiseBudget >= p.minNoiseBudgetBits, `${label}: noise ${run.noiseBudget}`);
  return { prog, run };
}

Deno.test("SCI conv, FC and BN decrypt to the reference (N = 8192, ℓ = 37)", async () => {
  const rng = new SeededRng(41);
  const cases = [
    "conv:h=8,w=8,ci=5,co=7,k=3,p=1",
    "conv:h=8,w=8,ci=40,co=10,k=3,p=1", // one output half, two input halves: column fold
    "conv:h=6,w=6,ci=3,co=70,k=1,p=0", // several output halves
    "conv:h=12,w=12,ci=3,co=4,k=7,s=2,p=3",
    "conv:h=8,w=8,ci=6,co=5,k=1,s=2,p=0",
    "fc:in=100,out=10",
    "bn:c=3,h=40,w=40",
  ];
  for (const spec of cases) {
    const layer = layerOf(parseLayerSpec(spec), rng.nextU32(), spec);
    await check(layer, preset, {}, rng.nextU32());
    await check(layer, preset, { mask: randomMask(weightCount(layer.shape), 0.4, rng) }, 3);
  }
  closeEnvs();
});

Deno.test("stock SCI (sums from encryptions of zero, every rotation issued) runs exactly", async () => {
  const rng = new SeededRng(42);
  for (const spec of ["conv:h=8,w=8,ci=5,co=7,k=3,p=1", "fc:in=30,out=5", "bn:c=2,h=4,w=4"]) {
    const layer = layerOf(parseLayerSpec(spec), rng.nextU32(), spec);
    const mask = randomMask(weightCount(layer.shape), 0.5, rng);
    const { prog, run } = await check(layer, preset, { stock: true, mask }, 5);
    if (layer.shape.kind !== "conv") continue;
    // SCI's Add (docs/frameworks.md §2.3): #ScMult + hp·c_ph + ⌈hp/2⌉ + #rotate_columns + out_ct.
    const g = prog.parts[0].geometry;
    const hp = Number(g.half_perms), cph = Number(g.chans_per_half), outCt = Number(g.out_ct);
    const l = run.ledger;
    assertEquals(
      l.add + l.add_mask,
      l.mult + hp * cph + Math.ceil(hp / 2) + l.rotate_columns + outCt,
    );
  }
  closeEnvs();
});

Deno.test("64×64 maps run at N = 16384, as SCI's rule asks", async () => {
  const layer = layerOf(
    parseLayerSpec("conv:h=64,w=64,ci=2,co=3,k=3,p=1"),
    9,
    "tiny-imagenet.conv",
  );
  const { run } = await check(layer, preset, {}, 10);
  assertEquals(run.slots, [16384]);
  closeEnvs();
});

Deno.test("secret-shared output: client share + server share = L(x)", async () => {
  const t = preset.plainModulus;
  const layer = layerOf(parseLayerSpec("conv:h=8,w=8,ci=4,co=6,k=3,p=1"), 12, "shared");
  const n = inputCount(layer.shape);
  const rng = new SeededRng(13);
  const x = randomModT(n, t, rng);
  const xS = randomModT(n, t, rng); // the server's share of the input
  const xC = x.map((v, i) => (v - xS[i] + t) % t); // the client's share, the only one encrypted
  const run = await executeProgram(planCryptflow2(layer, { preset }), xC);
  // The client decrypts y_C = L(x_C) + r; the server holds y_S = L(x_S) − r, computed in the clear.
  const lxS = referenceLayer(layer, xS, t);
  const yS = lxS.map((v, i) => (v - run.serverMask[i] + t) % t);
  const sum = run.y.map((v, i) => (v + yS[i]) % t);
  assertEquals(firstMismatch(sum, referenceLayer(layer, x, t)), -1);
  // The client's share alone is masked: it is not L(x_C).
  const lxC = referenceLayer(layer, xC, t);
  assert(run.y.some((v, i) => v !== lxC[i]));
  assert(run.serverMask.some((v) => v !== 0));
  closeEnvs();
});

Deno.test("SCI's noise flooding (100 − ℓ bits) is applied: it costs noise budget, results stay exact", async () => {
  const layer = layerOf(parseLayerSpec("conv:h=8,w=8,ci=4,co=6,k=3,p=1"), 14, "flooded");
  const x = randomModT(inputCount(layer.shape), preset.plainModulus, new SeededRng(15));
  const ref = referenceLayer(layer, x, preset.plainModulus);
  const flooded = await executeProgram(planCryptflow2(layer, { preset }), x);
  const plain = await executeProgram(planCryptflow2(layer, { preset, flood: false }), x);
  assertEquals(firstMismatch(flooded.result, ref), -1);
  assertEquals(firstMismatch(plain.result, ref), -1);
  assertEquals([flooded.ledger.flood, plain.ledger.flood], [1, 0]);
  assert(
    flooded.noiseBudget < plain.noiseBudget,
    `flooded ${flooded.noiseBudget} bits, unflooded ${plain.noiseBudget} bits`,
  );
  closeEnvs();
});
