import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  closeEnvs,
  countPlan,
  executeProgram,
  getPreset,
  type LayerPlan,
  type OpCounts,
  predictMs,
  type Preset,
  simulatePlan,
  unitCostsFor,
} from "../../he/mod.ts";
import {
  applyMask,
  buildZoo,
  inputCount,
  type IntLayer,
  type LayerShape,
  linearLayerSpecs,
  parseLayerSpec,
  referenceLayer,
  syntheticLayer,
  ZOO_MODELS,
} from "../../nn/mod.ts";
import { randomModT, SeededRng, UserError } from "../../base/mod.ts";
import { planLayer } from "../mod.ts";
import { cheetahConvGeometry, cheetahFcSplit, planCheetah } from "./mod.ts";

const cheetah = getPreset("cheetah");

/** A one-part Cheetah plan of `spec` (synthetic weights, seed 1). */
function planOf(spec: string, opts: { method?: "coeff" | "ntt"; stock?: boolean } = {}): LayerPlan {
  const layer = syntheticLayer(spec, parseLayerSpec(spec), 1);
  return planCheetah(layer, { preset: cheetah, stock: true, ...opts }).parts[0];
}

/**
 * The closed forms of a stock plan (read off the loops of OpenCheetah's `conv2DSS`, `matVecMul`, `bn_direct`): inputs in, one
 * output per output polynomial, `products` products summed into `outputs` outputs, each output
 * re-shared (one server encryption, one mask addition), switched to one prime and extracted; no
 * rotation, no key switch. `coeff` multiplies in coefficient form; `ntt` transforms each input
 * once and each output back once.
 */
function closedForm(
  ctIn: number,
  ctOut: number,
  products: number,
  method: "coeff" | "ntt",
): OpCounts {
  return {
    perm_in: 0,
    perm_out: 0,
    rotate_rows: 0,
    rotate_columns: 0,
    key_switches: 0,
    mult: products,
    mult_coeff: method === "coeff" ? products : 0,
    add: products - ctOut,
    mult_scalar: 0,
    extract: ctOut,
    ntt: method === "ntt" ? ctIn : 0,
    intt: method === "ntt" ? ctOut : 0,
    cts_up: ctIn,
    cts_down: ctOut,
    mod_switch: ctOut,
    add_mask: ctOut,
    enc_server: ctOut,
    flood: 0,
  };
}

/** Closed-form counts of a stock Cheetah plan of `shape` at ring degree `n`. */
function closedFormOf(shape: LayerShape, n: number, method: "coeff" | "ntt"): OpCounts {
  switch (shape.kind) {
    case "conv": {
      const g = cheetahConvGeometry(shape, n);
      const blocks = g.nH * g.nW;
      return closedForm(g.nC * blocks, shape.co * blocks, shape.co * g.nC * blocks, method);
    }
    case "fc": {
      const { d0, d1 } = cheetahFcSplit(shape.in, shape.out, n);
      const ctIn = Math.ceil(shape.in / d1), ctOut = Math.ceil(shape.out / d0);
      return closedForm(ctIn, ctOut, ctIn * ctOut, method);
    }
    case "bn": {
      const side = Math.floor(Math.sqrt(n));
      const cts = shape.c * Math.ceil(shape.h / Math.min(side, shape.h)) *
        Math.ceil(shape.w / Math.min(side, shape.w));
      return { ...closedForm(cts, cts, 0, "coeff"), add: 0, mult_scalar: cts };
    }
  }
}

Deno.test("worked examples: block shapes, counts, NTTs as implemented and hoisted", () => {
  const cases = [
    // spec, [Ĉ, Ĥ, Ŵ, n_C, n_H, n_W], [ct in, kernel polys = products, adds, ct out]
    ["conv:h=16,w=16,ci=128,co=128,k=3", [12, 18, 18, 11, 1, 1], [11, 1408, 1280, 128]],
    ["conv:h=2,w=2,ci=512,co=512,k=3", [256, 4, 4, 2, 1, 1], [2, 1024, 512, 512]],
    ["conv:h=2,w=2,ci=512,co=512,k=1,p=0", [512, 2, 2, 1, 1, 1], [1, 512, 0, 512]],
    // ResNet-50's conv1 on the 230 × 230 input OpenCheetah pads by hand: 48 input ciphertexts.
    ["conv:h=230,w=230,ci=3,co=64,k=7,s=2,p=0", [1, 64, 64, 3, 4, 4], [48, 3072, 2048, 1024]],
  ] as const;
  for (const [spec, geometry, counts] of cases) {
    const shape = parseLayerSpec(spec);
    if (shape.kind !== "conv") throw new Error(spec);
    const g = cheetahConvGeometry(shape, 4096);
    assertEquals([g.cHat, g.hHat, g.wHat, g.nC, g.nH, g.nW], [...geometry], spec);
    const coeff = countPlan(planOf(spec, { method: "coeff" }));
    assertEquals([coeff.cts_up, coeff.mult, coeff.add, coeff.cts_down], [...counts], spec);
    // As implemented: SEAL's multiply_plain does 5 NTTs per prime (2 primes) inside each product.
    assertEquals(coeff.mult_coeff, coeff.mult);
    const ntt = countPlan(planOf(spec, { method: "ntt" }));
    assertEquals([ntt.mult_coeff, ntt.ntt, ntt.intt], [0, counts[0], counts[3]], spec);
  }
  // The first example's NTT totals: 14 080 as implemented, 556 hoisted online (4 per ciphertext).
  const c = countPlan(planOf("conv:h=16,w=16,ci=128,co=128,k=3", { method: "coeff" }));
  assertEquals(5 * 2 * c.mult_coeff, 14080);
  const h = countPlan(planOf("conv:h=16,w=16,ci=128,co=128,k=3", { method: "ntt" }));
  assertEquals(2 * 2 * (h.ntt + h.intt), 556);
  // FC 512 → 10: d0 = 5, d1 = 512; one input, two outputs, two products.
  assertEquals(cheetahFcSplit(512, 10, 4096), { d0: 5, d1: 512 });
  const fc = countPlan(planOf("fc:in=512,out=10", { method: "coeff" }));
  assertEquals([fc.cts_up, fc.mult, fc.add, fc.cts_down], [1, 2, 0, 2]);
  // BatchNorm 64 × 56 × 56: 64 ciphertexts (tiles of 56 × 56), scalar multiplies only.
  const bn = countPlan(planOf("bn:c=64,h=56,w=56"));
  assertEquals([bn.cts_up, bn.mult_scalar, bn.mult, bn.ntt, bn.cts_down], [64, 64, 0, 0, 64]);
});

Deno.test("every zoo layer's stock counts equal the closed forms, with no rotation, both methods, both presets", () => {
  for (const preset of [cheetah, getPreset("cheetah-secure")]) {
    for (const model of ZOO_MODELS) {
      for (const spec of linearLayerSpecs(buildZoo(model))) {
        const layer = syntheticLayer(spec.name, spec.shape, 1);
        for (const method of ["coeff", "ntt"] as const) {
          const plan = planCheetah(layer, { preset, method, stock: true }).parts[0];
          const c = countPlan(plan);
          const label = `${preset.name} ${model} ${spec.name} ${method}`;
          assertEquals(c, closedFormOf(spec.shape, preset.polyModulusDegree, method), label);
          assertEquals(c.perm_in + c.perm_out + c.key_switches, 0, label);
          assertEquals(plan.keys.steps.length, 0, label);
        }
      }
    }
  }
});

Deno.test("pruning deletes whole kernel polynomials, output channels and FC blocks only", () => {
  const spec = "conv:h=16,w=16,ci=24,co=4,k=3"; // Ĉ = 12: two kernel polynomials per filter
  const layer = syntheticLayer(spec, parseLayerSpec(spec), 1) as IntLayer;
  const ci = 24, kk = 9;
  const mask = new Uint8Array(layer.weights.length).fill(1);
  // Filter 0: channels 0..11 (its first polynomial) zero. Filter 1: all zero. Filter 2: one
  // weight left in its second polynomial (a polynomial with one weight is still a product).
  mask.fill(0, 0, 12 * kk);
  mask.fill(0, ci * kk, 2 * ci * kk);
  mask.fill(0, 2 * ci * kk, 3 * ci * kk - 1);
  const dense = countPlan(planLayer(layer, { framework: "cheetah", preset: cheetah }).parts[0]);
  const pruned = countPlan(
    planLayer(layer, { framework: "cheetah", preset: cheetah, mask }).parts[0],
  );
  assertEquals([dense.mult, dense.cts_down], [8, 4]);
  assertEquals([pruned.mult, pruned.add, pruned.cts_down], [4, 1, 3]);
});

/** A coefficient-encoded toy preset for the simulator (NOT secure; never built in SEAL). */
const toy: Preset = { ...cheetah, name: "toy-cheetah-256", polyModulusDegree: 256 };

Deno.test("simulated: multi-block, strided and padded layers compute exactly, ledger == plan", () => {
  const rng = new SeededRng(9);
  const specs = [
    "conv:h=30,w=20,ci=2,co=2,k=3", // H'W' > N: 2 × 2 overlapping spatial blocks
    "conv:h=40,w=40,ci=1,co=2,k=5,s=2", // strided, 4 × 4 blocks
    "conv:h=9,w=9,ci=3,co=2,k=1,s=2", // strided 1×1: subsampled first
    "conv:h=8,w=8,ci=9,co=3,k=3,p=0,pr=1", // VALID-like with one extra column of padding
    "fc:in=700,out=3", // several input ciphertexts
    "bn:c=2,h=20,w=17", // tiles of 16 × 16
  ];
  for (const spec of specs) {
    for (const method of ["coeff", "ntt"] as const) {
      const layer = syntheticLayer(spec, parseLayerSpec(spec), 2);
      const x = randomModT(inputCount(layer.shape), toy.plainModulus, rng);
      const plan = planCheetah(layer, { preset: toy, method }).parts[0];
      const sim = simulatePlan(plan, x);
      assertEquals(sim.result, referenceLayer(layer, x, toy.plainModulus), `${spec} ${method}`);
      assertEquals(sim.ledger, countPlan(plan));
    }
  }
});

Deno.test("executed on node-seal: every layer decrypts to the reference mod 2^ℓ, ledger == plan", async () => {
  const rng = new SeededRng(10);
  const specs = [
    "conv:h=7,w=5,ci=4,co=6,k=3",
    "conv:h=9,w=9,ci=3,co=4,k=3,s=2,p=1",
    "conv:h=70,w=66,ci=1,co=2,k=3", // 2 × 2 spatial blocks at N = 4096
    "fc:in=60,out=9",
    "bn:c=3,h=5,w=7",
  ];
  for (const spec of specs) {
    for (const method of ["coeff", "ntt"] as const) {
      const layer = syntheticLayer(spec, parseLayerSpec(spec), 3);
      const keep = new SeededRng(4);
      const mask = Uint8Array.from(layer.weights, () => (keep.next() < 0.5 ? 1 : 0));
      for (const m of [undefined, mask]) {
        const x = randomModT(inputCount(layer.shape), cheetah.plainModulus, rng);
        const prog = planLayer(layer, { framework: "cheetah", preset: cheetah, method, mask: m });
        const run = await executeProgram(prog, x);
        const label = `${spec} ${method} mask=${!!m}`;
        assertEquals(
          run.result,
          referenceLayer(applyMask(layer, m), x, cheetah.plainModulus),
          label,
        );
        assertEquals(run.ledger, countPlan(prog.parts[0]), label);
        assertEquals(run.bytes.galoisKeys, 0);
        assertEquals(
          run.security,
          "NOT 128-bit secure (security level none, N = 4096, log q = 169)",
        );
      }
    }
  }
  closeEnvs();
});

Deno.test("executed at the 128-bit preset (N = 8192) and at ℓ = 41: exact", async () => {
  const rng = new SeededRng(11);
  const layer = syntheticLayer("c", parseLayerSpec("conv:h=12,w=12,ci=8,co=3,k=3"), 5);
  for (
    const preset of [getPreset("cheetah-secure"), {
      ...cheetah,
      name: "cheetah-l41",
      plainModulus: 2 ** 41,
    }]
  ) {
    const x = randomModT(inputCount(layer.shape), preset.plainModulus, rng);
    const prog = planLayer(layer, { framework: "cheetah", preset, method: "ntt" });
    const run = await executeProgram(prog, x);
    assertEquals(run.result, referenceLayer(layer, x, preset.plainModulus), preset.name);
    assertEquals(run.ledger, countPlan(prog.parts[0]));
  }
  closeEnvs();
});

Deno.test("predictMs prices Cheetah's ops; a slot preset or an unknown method is one line", () => {
  const unit = unitCostsFor("cheetah");
  if (!unit) throw new Error("no unit costs for cheetah");
  const coeff = predictMs(
    countPlan(planOf("conv:h=16,w=16,ci=128,co=128,k=3", { method: "coeff" })),
    unit,
  );
  const ntt = predictMs(
    countPlan(planOf("conv:h=16,w=16,ci=128,co=128,k=3", { method: "ntt" })),
    unit,
  );
  assert(ntt < coeff, `hoisted ${ntt} ms, as implemented ${coeff} ms`);
  assert(predictMs(countPlan(planOf("bn:c=64,h=56,w=56")), unit) > 0);
  const layer = syntheticLayer("f", parseLayerSpec("fc:in=8,out=2"), 1);
  assertThrows(
    () => planLayer(layer, { framework: "cheetah", preset: getPreset("gazelle") }),
    UserError,
    "use --preset cheetah or cheetah-secure",
  );
  assertThrows(
    () => planLayer(layer, { framework: "cheetah", preset: cheetah, method: "ir" }),
    UserError,
    '--method "ir" is not a cheetah method: use coeff, ntt or auto',
  );
});
