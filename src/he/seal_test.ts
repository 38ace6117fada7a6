import { assert, assertEquals, assertMatch } from "@std/assert";
import { closeEnvs, presetEnv } from "./env.ts";
import { translateSealError } from "./_errors.ts";
import {
  galoisElement,
  galoisKeySetBytes,
  naf,
  normalizeStep,
  type Rotation,
  sourceSlot,
} from "./galois.ts";
import { ciphertextBytes } from "./plan.ts";
import { getPreset } from "./presets.ts";
import { randomModT, SeededRng } from "../base/mod.ts";

Deno.test("sourceSlot() and galoisElement() agree with SEAL's rotateRows/rotateColumns", async () => {
  const env = await presetEnv(getPreset("gazelle"));
  const { seal, encoder, encryptor, decryptor, evaluator } = env;
  const n = env.preset.polyModulusDegree, t = env.preset.plainModulus;
  const steps = [1, -3, 100, -511, 0];
  const keys = env.galoisKeys({ kind: "exact", steps });
  for (const s of steps) assert(keys.keys.hasKey(galoisElement(s, n)), `key for step ${s}`);
  assert(!keys.keys.hasKey(galoisElement(2, n)));
  const x = randomModT(n, t, new SeededRng(1));
  using pt = new seal.Plaintext();
  using ct = new seal.Ciphertext();
  using out = new seal.Ciphertext();
  encoder.encode(BigUint64Array.from(x, BigInt), pt);
  encryptor.encryptSymmetric(pt, ct);
  const rots: Rotation[] = [
    { step: 1, swap: false },
    { step: -3, swap: true },
    { step: 100, swap: false },
    { step: -511, swap: false },
    { step: 0, swap: true },
  ];
  for (const r of rots) {
    if (r.step !== 0) {
      evaluator.rotateRows(ct, r.step, keys.keys, out);
      if (r.swap) evaluator.rotateColumnsInplace(out, keys.keys);
    } else evaluator.rotateColumns(ct, keys.keys, out);
    decryptor.decrypt(out, pt);
    const y = encoder.decodeBigUint64(pt) as BigUint64Array;
    for (let j = 0; j < n; j++) {
      if (Number(y[j]) !== x[sourceSlot(j, r, n)]) {
        throw new Error(`rotation ${JSON.stringify(r)} slot ${j}`);
      }
    }
  }
  closeEnvs();
});

Deno.test("byte formulas equal SEAL's serialized sizes", async () => {
  for (const name of ["gazelle", "gazelle-secure"]) {
    const env = await presetEnv(getPreset(name));
    const n = env.preset.polyModulusDegree, primes = env.preset.coeffModulusBits.length;
    using ct = new env.seal.Ciphertext();
    env.encryptor.encryptZero(ct);
    const ctBytes = (ct.saveToArray(env.seal.ComprModeType.none) as Uint8Array).length;
    assertEquals(ctBytes, ciphertextBytes(n, env.dataPrimes), name);
    const { keys, bytes } = env.galoisKeys({ kind: "exact", steps: [0, 1, 5, -2] });
    const real = (keys.saveToArray(env.seal.ComprModeType.none) as Uint8Array).length;
    assertEquals(real, galoisKeySetBytes(4, n, primes), name);
    assertEquals(bytes, real);
  }
  closeEnvs();
});

Deno.test("translateSealError() turns SEAL's [type, what] exceptions into readable Errors", async () => {
  const env = await presetEnv(getPreset("gazelle"));
  const keys = env.galoisKeys({ kind: "exact", steps: [1] });
  using ct = new env.seal.Ciphertext();
  env.encryptor.encryptZero(ct);
  using out = new env.seal.Ciphertext();
  let caught: unknown;
  try {
    env.evaluator.rotateRows(ct, 3, keys.keys, out); // NAF(3) = 4 − 1: keys missing
  } catch (e) {
    caught = e;
  }
  assert(caught !== undefined && !(caught instanceof Error));
  assertMatch(translateSealError(caught, "rotate").message, /^rotate: SEAL std::\w+: .*Galois key/);
  closeEnvs();
});

Deno.test("naf() and normalizeStep() give SEAL's decomposition", () => {
  assertEquals(naf(5), [1, 4]);
  assertEquals(naf(3), [-1, 4]);
  assertEquals(naf(-7), [1, -8]);
  assertEquals(naf(0), []);
  for (let s = -300; s <= 300; s++) assertEquals(naf(s).reduce((a, b) => a + b, 0), s);
  assertEquals(normalizeStep(1023, 2048), -1);
  assertEquals(normalizeStep(-1, 2048), -1);
  assertEquals(normalizeStep(1024 + 5, 2048), 5);
  assertEquals(normalizeStep(511, 2048), 511);
  assertEquals(normalizeStep(512, 2048), -512);
});

Deno.test("a leased Galois key set survives cache eviction until it is released", async () => {
  const env = await presetEnv(getPreset("gazelle"));
  const held = env.galoisKeys({ kind: "exact", steps: [7] });
  for (let s = 1; s <= 6; s++) env.galoisKeys({ kind: "exact", steps: [s * 100] }).release();
  using ct = new env.seal.Ciphertext();
  env.encryptor.encryptZero(ct);
  using out = new env.seal.Ciphertext();
  env.evaluator.rotateRows(ct, 7, held.keys, out); // would throw if the keys had been deleted
  assert(!held.keys.isDeleted());
  held.release();
  assert(!held.keys.isDeleted(), "4 sets cached: still kept for reuse");
  env.galoisKeys({ kind: "exact", steps: [999] }).release();
  assert(held.keys.isDeleted(), "released and least recently used beyond 4 sets: freed");
  closeEnvs();
});
