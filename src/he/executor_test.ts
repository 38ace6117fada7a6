/**
 * The executor on its own: small hand-built plans (every op kind, both mask forms, several parts)
 * run on node-seal and must decrypt to what the plaintext simulator computes, with a ledger equal
 * to `countPlan`; plus key switches under ±2^i keys, memory (the WASM heap does not grow, also
 * after failures), the noise margin, all-zero plaintexts and the errors bad plans get.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import {
  chooseKeys,
  ciphertextBytes,
  closeEnvs,
  countPlan,
  countProgram,
  decryptOutput,
  encryptInput,
  executeLayer,
  executeProgram,
  galoisKeySetBytes,
  getPreset,
  type HeOp,
  type LayerPlan,
  type LayerProgram,
  liveSealObjects,
  type MaskBank,
  OpList,
  type PreparedLayer,
  prepareLayer,
  type Preset,
  runServer,
  simulatePlan,
} from "./mod.ts";
import { UserError } from "../base/mod.ts";
import { type CiphertextHandle, sealCiphertext } from "./executor.ts";
import { loadSeal } from "./seal.ts";
import { planLayer } from "../frameworks/mod.ts";
import { inputCount, parseLayerSpec, referenceLayer, syntheticLayer } from "../nn/mod.ts";

const gazelle = getPreset("gazelle");
const t = gazelle.plainModulus;

/** Masks whose slot j holds (i + 1)·(j mod 5 + 1): small (little noise), never zero, not flat. */
function smallMasks(count: number, ntt = true): MaskBank {
  return {
    count,
    ntt,
    fill: (i, out) => {
      for (let j = 0; j < out.length; j++) out[j] = BigInt((i + 1) * ((j % 5) + 1));
    },
  };
}

/**
 * A plan of `ops` over `inputs` ciphertexts (x packed slot by slot, zero-padded; the output is the
 * outputs' slots one after the other), exact Galois keys for its rotations, 4 small NTT masks.
 */
function handPlan(ops: HeOp[], over: Partial<LayerPlan> = {}): LayerPlan {
  const preset = over.preset ?? gazelle;
  const n = preset.polyModulusDegree;
  const inputs = over.inputs ?? 1;
  const rotations = ops.flatMap((op) => (op.kind === "rotate" ? [op.rot] : []));
  return {
    framework: "test",
    preset,
    layer: "hand",
    method: "-",
    stock: false,
    slots: n,
    geometry: {},
    inputs,
    outputs: [inputs],
    ops: OpList.from(ops),
    masks: smallMasks(4),
    keys: chooseKeys(rotations, n, preset.coeffModulusBits.length, Infinity),
    downPrimes: preset.coeffModulusBits.length - 1,
    packInput: (x) =>
      Array.from({ length: inputs }, (_, c) => {
        const v = new BigUint64Array(n);
        x.subarray(c * n, (c + 1) * n).forEach((xi, j) => (v[j] = BigInt(xi)));
        return v;
      }),
    unpackOutput: (outs) => {
      const y = new Float64Array(outs.length * n);
      outs.forEach((o, c) => o && y.set(Array.from(o, Number), c * n));
      return y;
    },
    ...over,
  };
}

/** `n` residues mod t spread over the whole range (deterministic). */
function inputOf(n: number, seed = 1): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (i * 7919 + seed * 104729) % t);
}

/** Every op kind on the NTT path: input rotations, products, an Enc(0) sum, then the output side. */
const ALL_KINDS: HeOp[] = [
  { kind: "rotate", dst: 1, src: 0, rot: { step: 3, swap: false }, side: "in" },
  { kind: "rotate", dst: 2, src: 0, rot: { step: -5, swap: true }, side: "in" },
  { kind: "rotate", dst: 3, src: 0, rot: { step: 0, swap: true }, side: "in" },
  { kind: "ntt", reg: 0 },
  { kind: "ntt", reg: 1 },
  { kind: "ntt", reg: 2 },
  { kind: "ntt", reg: 3 },
  { kind: "zero", dst: 4, level: 0, ntt: true },
  { kind: "mul", dst: 5, src: 0, mask: 0 },
  { kind: "mul", dst: 6, src: 1, mask: 1 },
  { kind: "mul", dst: 7, src: 2, mask: 2 },
  { kind: "mul", dst: 8, src: 3, mask: 3 },
  { kind: "add", dst: 4, src: 5 },
  { kind: "add", dst: 4, src: 6 },
  { kind: "add", dst: 4, src: 7 },
  { kind: "add", dst: 4, src: 8 },
  { kind: "intt", reg: 4 },
  { kind: "rotate", dst: 9, src: 4, rot: { step: 3, swap: false }, side: "out" },
  { kind: "modswitch", reg: 9 },
  { kind: "mask", reg: 9, switches: 1, output: 0 },
  { kind: "flood", reg: 9, bits: 10 },
];
const allKinds = () => handPlan(ALL_KINDS, { outputs: [9, null], downPrimes: 1 });

Deno.test("encryptInput and decryptOutput round-trip the packed input; null outputs read as zeros", async () => {
  const n = gazelle.polyModulusDegree;
  using prep = await prepareLayer(handPlan([], { inputs: 2, outputs: [] }));
  const x = inputOf(2 * n);
  const cts = encryptInput(prep, x);
  try {
    assertEquals(cts.length, 2);
    const { y, noiseBudget } = decryptOutput(prep, [cts[1], null, cts[0]]);
    assertEquals(y.subarray(0, n), x.subarray(n));
    assertEquals(y.subarray(n, 2 * n), new Float64Array(n));
    assertEquals(y.subarray(2 * n), x.subarray(0, n));
    assert(noiseBudget > gazelle.minNoiseBudgetBits && noiseBudget < 100, `${noiseBudget} bits`);
  } finally {
    for (const ct of cts) ct.delete();
  }
  closeEnvs();
});

Deno.test("every op kind runs as the plaintext simulator says, and the ledger equals countPlan", async () => {
  const plan = allKinds();
  const x = inputOf(gazelle.polyModulusDegree);
  const run = await executeLayer(plan, x);
  assertEquals(run.ledger, countPlan(plan));
  assertEquals(run.result, simulatePlan(plan, x).result);
  assertEquals(
    [run.ledger.perm_in, run.ledger.perm_out, run.ledger.mult, run.ledger.flood],
    [3, 1, 4, 1],
  );
  // The output is secret-shared: the client's share is y = result + R with R uniform.
  assert(run.serverMask.subarray(0, 100).some((v) => v !== 0));
  assertEquals(run.y.map((v, i) => (v - run.serverMask[i] + t) % t), run.result);
  assert(run.noiseBudget >= gazelle.minNoiseBudgetBits, `${run.noiseBudget} bits`);
  assertEquals(run.bytes.up, ciphertextBytes(plan.slots, 2));
  assertEquals(run.bytes.down, ciphertextBytes(plan.slots, 1)); // one output, one mod switch
  assertEquals(run.keys, { kind: "exact", count: 3 }); // steps 3 and −5, and the column swap
  assertEquals(run.bytes.galoisKeys, galoisKeySetBytes(3, plan.slots, 3));
  closeEnvs();
});

Deno.test("coefficient-form products, an Enc(0) output and per-output masks: ledger == countPlan", async () => {
  const n = gazelle.polyModulusDegree;
  const plan = handPlan([
    { kind: "mul", dst: 2, src: 0, mask: 0 },
    { kind: "mul", dst: 3, src: 1, mask: 1 },
    { kind: "add", dst: 2, src: 3 },
    { kind: "mask", reg: 2, switches: 0, output: 0 },
    { kind: "modswitch", reg: 2 },
    { kind: "zero", dst: 4, level: 1, ntt: false },
    { kind: "mask", reg: 4, switches: 1, output: 1 },
  ], { inputs: 2, outputs: [2, 4], masks: smallMasks(2, false), downPrimes: 1 });
  const x = inputOf(2 * n, 3);
  const run = await executeLayer(plan, x);
  assertEquals(run.ledger, countPlan(plan));
  assertEquals([run.ledger.mult, run.ledger.mult_coeff, run.ledger.ntt], [2, 2, 0]);
  const m = (i: number, j: number) => (i + 1) * ((j % 5) + 1);
  const want = new Float64Array(2 * n); // output 1 is the encryption of zero: 0 under its mask
  for (let j = 0; j < n; j++) want[j] = (x[j] * m(0, j) + x[n + j] * m(1, j)) % t;
  assertEquals(run.result, want);
  assert(run.serverMask.subarray(n, n + 100).some((v) => v !== 0), "output 1 is masked too");
  assertEquals(run.y.subarray(n), run.serverMask.subarray(n));
  closeEnvs();
});

Deno.test("power-of-two Galois keys: NAF key switches are counted and the layer still verifies", async () => {
  // 5 = 4 + 1, 3 = 4 − 1, −7 = 1 − 8 are composed from two keys; 4 and −16 have their own.
  const ops: HeOp[] = [5, 3, -7, 4, -16].map((step, i) => ({
    kind: "rotate",
    dst: i + 1,
    src: 0,
    rot: { step, swap: step === -7 },
    side: "in",
  }));
  ops.push(...[2, 3, 4, 5].map((src): HeOp => ({ kind: "add", dst: 1, src })));
  const rots = ops.flatMap((op) => (op.kind === "rotate" ? [op.rot] : []));
  const x = inputOf(gazelle.polyModulusDegree, 5);
  const pow2 = handPlan(ops, { keys: chooseKeys(rots, gazelle.polyModulusDegree, 3, 0) });
  assertEquals(pow2.keys.kind, "pow2");
  const run = await executeLayer(pow2, x);
  assertEquals(run.ledger.key_switches, 2 + 2 + 2 + 1 + 1 + 1); // and one for the column swap
  assertEquals(run.ledger, countPlan(pow2));
  assertEquals(run.result, simulatePlan(pow2, x).result);
  const exact = await executeLayer(handPlan(ops), x);
  assertEquals(exact.keys.kind, "exact");
  assertEquals(exact.ledger.key_switches, 5 + 1);
  assertEquals(exact.result, run.result);

  // A real layer under the ±2^i set (GAZELLE output rotations, key budget of 1 byte).
  const layer = syntheticLayer("pow2", parseLayerSpec("conv:h=8,w=8,ci=8,co=8,k=3"), 3);
  const prog = planLayer(layer, {
    framework: "gazelle",
    preset: gazelle,
    method: "or",
    keyBudgetBytes: 1,
  });
  assertEquals(prog.parts[0].keys.kind, "pow2");
  const xl = inputOf(inputCount(layer.shape), 4);
  const real = await executeProgram(prog, xl);
  assertEquals(real.result, referenceLayer(layer, xl, t));
  assertEquals(real.ledger, countProgram(prog));
  assert(real.ledger.key_switches > real.ledger.rotate_rows + real.ledger.rotate_columns);
  closeEnvs();
});

Deno.test("the caller's input ciphertexts are never modified: NTT out of place, in-place ops refused", async () => {
  const x = inputOf(gazelle.polyModulusDegree, 7);
  /** Run `serve` on fresh input ciphertexts, then check they still hold x in coefficient form. */
  const readInputs = async (
    plan: LayerPlan,
    serve: (p: PreparedLayer, cts: CiphertextHandle[]) => void,
  ) => {
    using prep = await prepareLayer(plan);
    const cts = encryptInput(prep, x);
    try {
      serve(prep, cts);
      assert(!sealCiphertext(cts[0]).isNttForm(), `${plan.layer}: input left in NTT form`);
      assertEquals(decryptOutput(prep, cts).y, x, `${plan.layer}: input changed`);
    } finally {
      for (const ct of cts) ct.delete();
    }
  };
  const ntt = handPlan([
    { kind: "ntt", reg: 0 },
    { kind: "mul", dst: 1, src: 0, mask: 0 },
    { kind: "intt", reg: 1 },
  ]);
  await readInputs(ntt, (prep, cts) => {
    using server = runServer(prep, cts);
    assertEquals(server.ledger, countPlan(ntt));
  });
  const inPlace: HeOp[] = [
    { kind: "add", dst: 0, src: 0 },
    { kind: "modswitch", reg: 0 },
    { kind: "mask", reg: 0, switches: 0, output: 0 },
    { kind: "flood", reg: 0, bits: 10 },
  ];
  for (const op of inPlace) {
    const plan = handPlan([op], { layer: op.kind, outputs: [null] });
    await readInputs(plan, (prep, cts) => {
      assertThrows(
        () => runServer(prep, cts),
        Error,
        "plan bug: register 0 holds a caller's input and would be modified",
      );
    });
  }
  closeEnvs();
});

Deno.test("executeProgram adds the parts' outputs mod t and sums ledgers, bytes and keys", async () => {
  const secure = getPreset("gazelle-secure"); // N = 4096, the same t
  assertEquals(secure.plainModulus, t);
  const n = gazelle.polyModulusDegree;
  const firstN = (plan: LayerPlan): LayerPlan => ({
    ...plan,
    unpackOutput: (outs) => plan.unpackOutput(outs).slice(0, n),
  });
  const a = firstN(handPlan([
    { kind: "mul", dst: 1, src: 0, mask: 0 },
    { kind: "mask", reg: 1, switches: 0, output: 0 },
  ], { masks: smallMasks(1, false) }));
  const b = firstN(handPlan([
    { kind: "rotate", dst: 1, src: 0, rot: { step: 1, swap: false }, side: "in" },
    { kind: "ntt", reg: 1 },
    { kind: "mul", dst: 2, src: 1, mask: 1 },
    { kind: "intt", reg: 2 },
  ], { preset: secure, outputs: [2] }));
  const program: LayerProgram = {
    framework: "test",
    layer: "two-parts",
    method: "-",
    stock: false,
    geometry: {},
    parts: [a, b],
  };
  // Residues close to t: each part's output is large, so their sum wraps mod t.
  const x = Float64Array.from({ length: n }, (_, j) => t - 1 - (j % 100));
  const run = await executeProgram(program, x);
  const m = (i: number, j: number) => (i + 1) * ((j % 5) + 1);
  const want = x.map((v, j) => (v * m(0, j) + x[(j + 1) % n] * m(1, j)) % t);
  assertEquals(run.result, want);
  assert(run.result.some((v, j) => v < (x[j] * m(0, j)) % t), "the sum wraps somewhere");
  assertEquals(run.ledger, countProgram(program));
  assertEquals(run.slots, [2048, 4096]);
  assertEquals(run.preset, "gazelle+gazelle-secure");
  assertEquals(run.security.split("; ").length, 2);
  assertEquals(run.keys, { kind: "exact", count: 1 });
  assertEquals(run.bytes.up, ciphertextBytes(2048, 2) + ciphertextBytes(4096, 2));
  // The first part rotates nothing: no key set is made or sent for it.
  assertEquals(run.bytes.galoisKeys, galoisKeySetBytes(1, 4096, 3));
  assertEquals(run.y.map((v, i) => (v - run.serverMask[i] + t) % t), run.result);
  closeEnvs();
});

Deno.test("running the same layer 50 times does not grow the WASM heap", async () => {
  const layer = syntheticLayer("heap", parseLayerSpec("conv:h=8,w=8,ci=16,co=16,k=3"), 5);
  const [plan] = planLayer(layer, { framework: "gazelle", preset: gazelle, method: "or" }).parts;
  const x = inputOf(inputCount(layer.shape), 6);
  const kinds = allKinds(); // every op kind, pool reuse, masks and the Enc(0) of prepareLayer
  const xk = inputOf(gazelle.polyModulusDegree);
  const rt = await loadSeal();
  const both = async () => {
    await executeLayer(plan, x);
    await executeLayer(kinds, xk);
  };
  for (let i = 0; i < 2; i++) await both();
  const after = rt.heapBytes(), live = liveSealObjects();
  for (let i = 0; i < 48; i++) await both();
  assertEquals(rt.heapBytes(), after);
  assertEquals(liveSealObjects(), live); // the heap's size misses small leaks; counts do not
  closeEnvs();
});

Deno.test("a failed run frees what it allocated: 50 failing runs do not grow the WASM heap", async () => {
  // Three ciphertexts allocated, then a rotation by 3 with only the key for 1: SEAL throws.
  const plan = handPlan([
    { kind: "rotate", dst: 1, src: 0, rot: { step: 1, swap: false }, side: "in" },
    { kind: "ntt", reg: 0 },
    { kind: "mul", dst: 2, src: 0, mask: 0 },
    { kind: "rotate", dst: 3, src: 1, rot: { step: 3, swap: false }, side: "out" },
  ], { outputs: [2], keys: { kind: "exact", steps: [1] } });
  const x = inputOf(gazelle.polyModulusDegree);
  const rt = await loadSeal();
  const fail = () => assertRejects(() => executeLayer(plan, x), Error, "Galois key not present");
  for (let i = 0; i < 2; i++) await fail();
  const after = rt.heapBytes(), live = liveSealObjects();
  for (let i = 0; i < 48; i++) await fail();
  assertEquals(rt.heapBytes(), after);
  assertEquals(liveSealObjects(), live);
  closeEnvs();
});

Deno.test("a layer under the preset's noise margin fails with one line naming layer and preset", async () => {
  const thin = (name: string, minNoiseBudgetBits: number): Preset => ({
    ...gazelle,
    name,
    coeffModulusBits: [60, 60], // ≈ 9 bits left after one product by a dense mask
    minNoiseBudgetBits,
  });
  const dense: MaskBank = { count: 1, fill: (_, out) => out.fill(BigInt((t - 1) / 2)) };
  const ops: HeOp[] = [
    { kind: "ntt", reg: 0 },
    { kind: "mul", dst: 1, src: 0, mask: 0 },
    { kind: "intt", reg: 1 },
  ];
  const x = inputOf(gazelle.polyModulusDegree);
  const strict = handPlan(ops, {
    layer: "deep-layer",
    preset: thin("thin-test", 20),
    masks: dense,
  });
  const e = await assertRejects(
    () => executeLayer(strict, x),
    UserError,
    "Layer deep-layer under preset thin-test keeps",
  );
  assertMatch(e.message, /\(< 20 required\): use a preset with a larger coefficient modulus$/);
  assert(!e.message.includes("\n"));
  // The same layer under a margin of 0 runs: it is the margin that failed it.
  const lax = await executeLayer({ ...strict, preset: thin("thin-test-0", 0) }, x);
  assert(lax.noiseBudget < 20, `${lax.noiseBudget} bits`);
  closeEnvs();
});

Deno.test("all-zero plaintexts are refused before the server runs; stock plans are told to drop --stock", async () => {
  const masks: MaskBank = {
    count: 3,
    fill: (i, out) => {
      if (i !== 1) out.fill(3n);
    },
  };
  const ops: HeOp[] = [0, 1, 2].map((mask) => ({ kind: "mul", dst: mask + 1, src: 0, mask }));
  ops.push({ kind: "add", dst: 1, src: 2 }, { kind: "add", dst: 1, src: 3 });
  const x = inputOf(gazelle.polyModulusDegree);
  const tuned = await assertRejects(
    () => executeLayer(handPlan(ops, { masks }), x),
    UserError,
    `hand: the plan multiplies by 1 all-zero plaintexts, which SEAL rejects ("result ciphertext is transparent")`,
  );
  assert(!tuned.message.includes("--stock"));
  const stock = await assertRejects(
    () => prepareLayer(handPlan(ops, { masks, stock: true })),
    UserError,
    "hand: the stock plan multiplies by 1 all-zero plaintexts",
  );
  assertMatch(stock.message, /; execute without --stock \(stock plans can be counted, not run\)$/);
  // A real case: GAZELLE's stock output rotations multiply padding diagonals by zero masks.
  const layer = syntheticLayer("padded", parseLayerSpec("conv:h=8,w=8,ci=3,co=5,k=3"), 1);
  const prog = planLayer(layer, {
    framework: "gazelle",
    preset: gazelle,
    method: "or",
    stock: true,
  });
  const xl = inputOf(inputCount(layer.shape));
  await assertRejects(() => executeProgram(prog, xl), UserError, "execute without --stock");
  closeEnvs();
});

Deno.test("flooding costs noise budget, is counted, and leaves the result exact", async () => {
  const ops: HeOp[] = [{ kind: "mul", dst: 1, src: 0, mask: 0 }];
  const masks = smallMasks(1, false);
  const plain = handPlan(ops, { masks });
  const flooded = handPlan([...ops, { kind: "flood", reg: 1, bits: 40 }], { masks });
  const x = inputOf(gazelle.polyModulusDegree, 9);
  const a = await executeLayer(plain, x);
  const b = await executeLayer(flooded, x);
  assertEquals([a.ledger.flood, b.ledger.flood], [0, 1]);
  assertEquals(b.ledger, countPlan(flooded));
  assertEquals(b.result, a.result);
  assertEquals(b.result, simulatePlan(flooded, x).result);
  assert(b.noiseBudget < a.noiseBudget - 10, `flooded ${b.noiseBudget}, plain ${a.noiseBudget}`);
  closeEnvs();
});

Deno.test("bad plans and inputs fail with one readable line", async () => {
  const x = inputOf(gazelle.polyModulusDegree);
  const mul: HeOp = { kind: "mul", dst: 1, src: 0, mask: 0 };
  {
    using prep = await prepareLayer(handPlan([mul]));
    const cts = encryptInput(prep, x);
    try {
      assertThrows(() => runServer(prep, []), Error, "hand: expected 1 input ciphertexts, got 0");
      assertThrows(
        () => runServer(prep, [cts[0], cts[0]]),
        Error,
        "hand: expected 1 input ciphertexts, got 2",
      );
    } finally {
      for (const ct of cts) ct.delete();
    }
  }
  // An input packed into the wrong number of ciphertexts is refused by the server.
  const twoCts = handPlan([mul], {
    packInput: () => [new BigUint64Array(1), new BigUint64Array(1)],
  });
  await assertRejects(
    () => executeLayer(twoCts, x),
    Error,
    "hand: expected 1 input ciphertexts, got 2",
  );
  const nttFlood: HeOp[] = [{ kind: "ntt", reg: 0 }, mul, { kind: "flood", reg: 1, bits: 10 }];
  const cases: [HeOp[], Partial<LayerPlan>, RegExp][] = [
    [[{ kind: "mul", dst: 1, src: 7, mask: 0 }], {}, /^plan bug: register 7 read before it was/],
    [
      [{ kind: "rotate", dst: 1, src: 0, rot: { step: 3, swap: false }, side: "in" }],
      { keys: { kind: "exact", steps: [1] } },
      /^hand \(test\/-\): SEAL std::invalid_argument: Galois key not present$/,
    ],
    [
      [{ kind: "rotate", dst: 1, src: 0, rot: { step: 0, swap: false }, side: "in" }],
      {},
      /^plan bug: identity rotation op$/,
    ],
    [nttFlood, {}, /^flooding expects a coefficient-form ciphertext$/],
  ];
  for (const [ops, over, message] of cases) {
    const e = await assertRejects(() => executeLayer(handPlan(ops, over), x), Error);
    assertMatch(e.message, message);
    assert(!e.message.includes("\n"));
  }
  closeEnvs();
});
