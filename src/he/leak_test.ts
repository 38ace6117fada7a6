/**
 * Leak tests: the executor frees every SEAL object it makes, counted one by one with
 * `liveSealObjects` (deterministic, no GC involved). The WASM heap's size is a high-water mark that
 * a leaked Plaintext or a leaked 32-byte `ParmsIdType` per run does not move; the counts do. Each
 * case runs `executeProgram` once (which builds the preset's environment and caches its Galois
 * keys), then twice more: after each, every class of SEAL object must be back at its count after
 * the first run, and the heap at its size. Covered: GAZELLE IR and OR convolutions and FC;
 * CrypTFlow2 convolutions with masking, mod switches and flooding (one plan, four stride phases,
 * stock sums from encryptions of zero), FC and BatchNorm at N = 8192, a convolution at
 * N = 16384; Cheetah's coefficient-encoded conv (both product methods), FC and BatchNorm with
 * re-sharing and extraction; runs that fail on bad input, a bad preset or a bad plan before, during and after the
 * server's walk.
 * Then `closeEnvs()` leaves no SEAL object at all, and a leak of one object per run fails the check
 * (`injectSealLeak`).
 */
import {
  assert,
  assertEquals,
  AssertionError,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import {
  closeEnvs,
  countProgram,
  cryptflow2Preset,
  executeProgram,
  getPreset,
  type LayerPlan,
  type LayerProgram,
  liveSealObjects,
  type OpCounts,
} from "./mod.ts";
import { UserError } from "../base/mod.ts";
import { injectSealLeak, loadSeal } from "./seal.ts";
import { planLayer, type PlanOptions } from "../frameworks/mod.ts";
import {
  inputCount,
  type IntLayer,
  parseLayerSpec,
  referenceLayer,
  syntheticLayer,
} from "../nn/mod.ts";

const gazelle = getPreset("gazelle");
const sci = getPreset("cryptflow2");

/** Each class whose live count differs from `before` in `after`, with the difference. */
function growth(before: Record<string, number>, after: Record<string, number>) {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = (after[k] ?? 0) - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

/**
 * Run `run` once (it may build a preset environment and cache a Galois key set), then `runs` more
 * times; after each, the live SEAL objects (every class) and the WASM heap's size must equal what
 * they were after the first run.
 */
async function assertNoLeak(label: string, run: () => Promise<unknown>, runs = 2): Promise<void> {
  const { heapBytes } = await loadSeal();
  await run();
  const base = liveSealObjects(), heap = heapBytes();
  for (let i = 1; i <= runs; i++) {
    await run();
    const grew = growth(base, liveSealObjects());
    if (Object.keys(grew).length > 0) {
      throw new AssertionError(
        `${label}: run ${i} left ${JSON.stringify(grew)} live SEAL objects more than run 0`,
      );
    }
    assertEquals(heapBytes(), heap, `${label}: run ${i} grew the WASM heap`);
  }
}

/** `n` residues mod t from a fixed pattern (no RNG needed). */
function inputOf(n: number, t: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (i * 7919 + 104729) % t);
}

/** A program of the one plan `plan`. */
function programOfPlan(prog: LayerProgram, plan: LayerPlan): LayerProgram {
  return { ...prog, parts: [plan] };
}

interface Case {
  readonly spec: string;
  readonly opts: PlanOptions;
  /** Ledger entries the case must exercise (checked on the first run). */
  readonly needs?: readonly (keyof OpCounts)[];
  readonly slots?: number;
}

/** Plan `c`, then check its runs leak nothing and its first run computes the layer. */
async function checkCase(c: Case): Promise<void> {
  const layer = syntheticLayer(c.spec, parseLayerSpec(c.spec), 3);
  const prog = planLayer(layer, c.opts);
  const t = c.opts.preset.plainModulus;
  const x = inputOf(inputCount(layer.shape), t);
  const label = `${c.opts.framework} ${c.spec} ${JSON.stringify({ ...c.opts, preset: undefined })}`;
  let first = true;
  await assertNoLeak(label, async () => {
    const run = await executeProgram(prog, x);
    if (!first) return;
    first = false;
    assertEquals(run.result, referenceLayer(layer, x, t), `${label}: result`);
    assertEquals(run.ledger, countProgram(prog), `${label}: ledger`);
    for (const k of c.needs ?? []) assert((run.ledger[k] ?? 0) > 0, `${label}: no ${k} op`);
    if (c.slots) assertEquals(run.slots, prog.parts.map(() => c.slots), `${label}: slots`);
  });
}

const PROTECTED: (keyof OpCounts)[] = ["add_mask", "mod_switch", "flood"];

Deno.test("GAZELLE runs (IR and OR conv, FC) leave no SEAL object behind", async () => {
  const conv = "conv:h=8,w=8,ci=4,co=4,k=3,p=1";
  for (const method of ["ir", "or"] as const) {
    await checkCase({ spec: conv, opts: { framework: "gazelle", preset: gazelle, method } });
  }
  await checkCase({ spec: "fc:in=64,out=10", opts: { framework: "gazelle", preset: gazelle } });
  // Two input ciphertexts (input longer than half the slots).
  await checkCase({ spec: "fc:in=1500,out=2", opts: { framework: "gazelle", preset: gazelle } });
  closeEnvs();
  assertEquals(liveSealObjects(), {});
});

Deno.test("CrypTFlow2 runs (conv with masking, mod switches and flooding, FC, BN) leave no SEAL object behind", async () => {
  const opts = { framework: "cryptflow2", preset: sci } as const;
  await checkCase({ spec: "conv:h=8,w=8,ci=4,co=4,k=3,p=1", opts, needs: PROTECTED });
  // Four stride phases: a program of four parts.
  await checkCase({ spec: "conv:h=8,w=8,ci=4,co=4,k=3,s=2,p=1", opts, needs: PROTECTED });
  // Stock SCI: sums start from the server's encryptions of zero, made in prepareLayer.
  await checkCase({
    spec: "conv:h=6,w=6,ci=2,co=3,k=3,p=1",
    opts: { ...opts, stock: true },
    needs: PROTECTED,
  });
  await checkCase({ spec: "fc:in=32,out=5", opts, needs: PROTECTED });
  await checkCase({ spec: "bn:c=2,h=4,w=4", opts, needs: PROTECTED });
  closeEnvs();
  assertEquals(liveSealObjects(), {});
});

Deno.test("Cheetah runs (coefficient and hoisted NTT conv, FC, BN: re-share, extract) leave no SEAL object behind", async () => {
  const preset = getPreset("cheetah");
  const needs: (keyof OpCounts)[] = ["add_mask", "mod_switch", "extract"];
  for (const method of ["coeff", "ntt"] as const) {
    await checkCase({
      spec: "conv:h=8,w=8,ci=4,co=3,k=3,p=1",
      opts: { framework: "cheetah", preset, method },
      needs: method === "ntt" ? [...needs, "ntt", "intt"] : [...needs, "mult_coeff"],
    });
  }
  await checkCase({ spec: "fc:in=32,out=5", opts: { framework: "cheetah", preset }, needs });
  await checkCase({
    spec: "bn:c=2,h=4,w=4",
    opts: { framework: "cheetah", preset },
    needs: [...needs, "mult_scalar"],
  });
  closeEnvs();
  assertEquals(liveSealObjects(), {});
});

Deno.test("a CrypTFlow2 run at N = 16384 leaves no SEAL object behind", async () => {
  await checkCase({
    spec: "conv:h=8,w=8,ci=2,co=2,k=3,p=1",
    opts: { framework: "cryptflow2", preset: cryptflow2Preset(37, 16384) },
    needs: PROTECTED,
    slots: 16384,
  });
  closeEnvs();
  assertEquals(liveSealObjects(), {});
});

Deno.test("failing runs (bad input or plan, before, during and after the server's walk) leave no SEAL object behind", async () => {
  const layerOf = (spec: string) => syntheticLayer(spec, parseLayerSpec(spec), 5);
  const fails = (label: string, prog: LayerProgram, x: Float64Array, message: RegExp | string) =>
    assertNoLeak(label, async () => {
      const e = await assertRejects(() => executeProgram(prog, x), label);
      if (typeof message === "string") assert((e as Error).message.includes(message), String(e));
      else assertMatch((e as Error).message, message);
    });

  // Bad input mid-program: a NaN at pixel (0, 0), which only the last of four stride phases
  // packs. Three parts run to the end; the fourth fails after prepareLayer.
  const strided: IntLayer = layerOf("conv:h=8,w=8,ci=4,co=4,k=3,s=2,p=1");
  const prog4 = planLayer(strided, { framework: "cryptflow2", preset: sci });
  assertEquals(prog4.parts.length, 4);
  const nan = inputOf(inputCount(strided.shape), sci.plainModulus);
  nan[0] = NaN;
  prog4.parts.forEach((part, i) => {
    if (i < 3) part.packInput(nan);
    else assertThrows(() => part.packInput(nan), RangeError);
  });
  await fails("NaN input, 4th phase", prog4, nan, "cannot be converted to a BigInt");

  // A fractional input in the second of two input ciphertexts.
  const fc = layerOf("fc:in=1500,out=2");
  const fcProg = planLayer(fc, { framework: "gazelle", preset: gazelle });
  assertEquals(fcProg.parts[0].inputs, 2);
  const half = inputOf(1500, gazelle.plainModulus);
  half[1400] = 0.5;
  await fails("fractional input", fcProg, half, "cannot be converted to a BigInt");

  // SEAL refuses the second input ciphertext's packing: encryptInput frees the first.
  const fcPlan = fcProg.parts[0];
  const tooLong = programOfPlan(fcProg, {
    ...fcPlan,
    packInput: (x) => {
      const [a] = fcPlan.packInput(x);
      return [a, new BigUint64Array(gazelle.polyModulusDegree + 1)];
    },
  });
  await fails(
    "second ciphertext refused",
    tooLong,
    inputOf(1500, gazelle.plainModulus),
    /^encrypting input ciphertext 1 of fc:in=1500,out=2: SEAL std::invalid_argument: /,
  );

  // Before anything runs: a preset SEAL cannot key-switch under (one prime) is refused while its
  // environment is built; what was built is freed.
  const onePrime = programOfPlan(fcProg, {
    ...fcPlan,
    preset: { ...gazelle, name: "gazelle-one-prime", coeffModulusBits: [54] },
  });
  await fails("unusable preset", onePrime, half, /^Preset "gazelle-one-prime" is not a usable/);

  // Mid-server: the last rotation's Galois key is missing, so SEAL throws after masks are encoded
  // and registers, the pool and an output mask are live.
  const conv = layerOf("conv:h=8,w=8,ci=4,co=4,k=3,p=1");
  const convProg = planLayer(conv, { framework: "cryptflow2", preset: sci });
  const convPlan = convProg.parts[0];
  assertEquals(convPlan.keys.kind, "exact");
  const noKey = programOfPlan(convProg, {
    ...convPlan,
    keys: { ...convPlan.keys, steps: convPlan.keys.steps.slice(0, -1) },
  });
  const xc = inputOf(inputCount(conv.shape), sci.plainModulus);
  await fails("missing Galois key", noKey, xc, "Galois key not present");

  // After the server: the noise margin refuses the decrypted result (outputs live until then).
  const strict = programOfPlan(convProg, {
    ...convPlan,
    preset: { ...sci, minNoiseBudgetBits: 10_000 },
  });
  await fails("noise margin", strict, xc, /^Layer .* keeps \d+ bits of noise budget/);

  // Before the server: a stock SCI plan (sums start from encryptions of zero) whose last mask is
  // all zero is refused once its masks and encryptions of zero are made.
  const stock = planLayer(conv, { framework: "cryptflow2", preset: sci, stock: true });
  const stockPlan = stock.parts[0];
  assert([...stockPlan.ops].some((op) => op.kind === "zero"), "no encryption of zero");
  const last = stockPlan.masks.count - 1;
  const zeroMask = programOfPlan(stock, {
    ...stockPlan,
    masks: {
      ...stockPlan.masks,
      fill: (i, out) => (i === last ? out.fill(0n) : stockPlan.masks.fill(i, out)),
    },
  });
  await fails("all-zero plaintext", zeroMask, xc, "the stock plan multiplies by 1 all-zero");
  const e = await assertRejects(() => executeProgram(zeroMask, xc), UserError);
  assert(!e.message.includes("\n"));

  closeEnvs();
  assertEquals(liveSealObjects(), {});
});

Deno.test("the leak check fails on one leaked Plaintext, or one leaked 32-byte ParmsIdType, per run", async () => {
  const spec = "bn:c=2,h=4,w=4"; // flooding reads each output's parms id
  const layer = syntheticLayer(spec, parseLayerSpec(spec), 1);
  const prog = planLayer(layer, { framework: "cryptflow2", preset: sci });
  const x = inputOf(inputCount(layer.shape), sci.plainModulus);
  await assertNoLeak("clean", () => executeProgram(prog, x));
  for (const kind of ["Plaintext", "ParmsIdType"]) {
    const seams: Disposable[] = [];
    try {
      const e = await assertRejects(
        () =>
          assertNoLeak("leaky", () => {
            seams.push(injectSealLeak(kind)); // this run forgets to free one object of `kind`
            return executeProgram(prog, x);
          }),
        AssertionError,
      );
      assertEquals(
        e.message,
        `leaky: run 1 left {"${kind}":1} live SEAL objects more than run 0`,
      );
    } finally {
      for (const s of seams) s[Symbol.dispose]();
    }
  }
  closeEnvs();
  assertEquals(liveSealObjects(), {});
});

Deno.test("liveSealObjects counts constructors, returned objects, statics, clones and using", async () => {
  const { seal } = await loadSeal();
  const before = liveSealObjects();
  const grew = () => growth(before, liveSealObjects());
  {
    using parms = new seal.EncryptionParameters(seal.SchemeType.bfv);
    parms.setPolyModulusDegree(4096);
    const coeff = seal.CoeffModulus.BFVDefault(4096, seal.SecLevelType.tc128); // a static
    parms.setCoeffModulus(coeff);
    using t = seal.PlainModulus.Batching(4096, 20);
    parms.setPlainModulus(t);
    using context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
    const first = context.firstParmsId(); // a method returning a fresh object
    const copy = first.clone();
    using moduli = seal.vecFromArrayModulus([t, t]); // a module function
    assertEquals(seal.jsArrayFromVecModulus(moduli), [t.value(), t.value()]);
    assertEquals(grew(), {
      EncryptionParameters: 1,
      VectorModulus: 2,
      Modulus: 1,
      SEALContext: 1,
      ParmsIdType: 2,
    });
    first.delete();
    coeff.delete();
    assertEquals(grew().ParmsIdType, 1);
    assertThrows(() => first.delete(), Error, "already deleted"); // refused, and not counted
    assertEquals(grew().ParmsIdType, 1);
    copy.delete();
    // An overloaded method (dispatched through Embind's overload table) still works.
    using pt = new seal.Plaintext();
    assertEquals(typeof pt.toString(), "string");
  }
  assertEquals(grew(), {});
});
