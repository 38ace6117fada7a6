import { assertEquals, assertThrows } from "@std/assert";
import { countProgram, getPreset, SCI_PRIME_MOD, simulatePlan } from "../../he/mod.ts";
import { randomModT, SeededRng, UserError } from "../../base/mod.ts";
import {
  applyMask,
  type FcShape,
  type IntLayer,
  parseLayerSpec,
  referenceLayer,
} from "../../nn/mod.ts";
import { firstMismatch, layerOf, randomMask } from "../../test_util.ts";
import { planCryptflow2Fc } from "./_fc.ts";
import { planCryptflow2 } from "./mod.ts";
import { planLayer } from "../mod.ts";

const preset = getPreset("cryptflow2");

Deno.test("planCryptflow2Fc() --stock equals SCI's fc-field counts (docs/frameworks.md §2.4)", () => {
  // [n_i, n_o, rot, ScMult, Add (SCI's, mask add included)]
  const cases: [number, number, number, number, number][] = [
    [1024, 10, 10, 2, 12], // MiniONN
    [64, 100, 6, 1, 8], // ResNet-32
  ];
  for (const [ni, no, rot, mult, add] of cases) {
    const layer = layerOf(parseLayerSpec(`fc:in=${ni},out=${no}`), 1) as IntLayer<FcShape>;
    const c = countProgram(planCryptflow2Fc(layer, { preset, stock: true }));
    assertEquals(
      [c.perm_in + c.perm_out, c.mult, c.add + c.add_mask],
      [rot, mult, add],
      `${ni}→${no}`,
    );
    assertEquals([c.mod_switch, c.enc_server, c.cts_up, c.cts_down], [3, 1, 1, 1]);
  }
});

Deno.test("planCryptflow2Fc() grows N with the input as SCI does, and refuses N = 65536", () => {
  const big = layerOf(parseLayerSpec("fc:in=8192,out=10"), 1) as IntLayer<FcShape>;
  assertEquals(planCryptflow2Fc(big, { preset }).parts[0].slots, 16384);
  const huge = layerOf(parseLayerSpec("fc:in=20000,out=10"), 1, "fc6") as IntLayer<FcShape>;
  assertThrows(() => planCryptflow2Fc(huge, { preset }), UserError, "Layer fc6: an input of 20000");
});

Deno.test("SCI element-wise product (BatchNorm): one product, mask and two mod switches per ct", () => {
  const bn = layerOf(parseLayerSpec("bn:c=4,h=64,w=64"), 1); // 16384 values: 2 ciphertexts
  const c = countProgram(planCryptflow2(bn, { preset }));
  assertEquals([c.mult, c.mult_coeff, c.add_mask, c.enc_server, c.mod_switch], [2, 2, 2, 2, 4]);
  // A pruned channel group: the stock code returns its encryption of zero (plus the mask).
  const mask = Uint8Array.from([0, 0, 1, 1]); // first ciphertext holds channels 0 and 1
  const framework = "cryptflow2";
  const stock = countProgram(planLayer(bn, { framework, preset, mask, stock: true }));
  const aware = countProgram(planLayer(bn, { framework, preset, mask }));
  assertEquals([stock.mult, stock.cts_down, aware.mult, aware.cts_down], [1, 2, 1, 1]);
  const x = randomModT(4 * 64 * 64, preset.plainModulus, new SeededRng(1));
  const masked = applyMask(bn, mask);
  const plan = planCryptflow2(masked, { preset }).parts[0];
  assertEquals(
    firstMismatch(simulatePlan(plan, x).result, referenceLayer(masked, x, preset.plainModulus)),
    -1,
  );
});

Deno.test("SCI's plaintext primes are ℓ-bit primes ≡ 1 (mod 2^17)", () => {
  const isPrime = (p: bigint) => {
    if (p % 2n === 0n) return false;
    for (let d = 3n; d * d <= p; d += 2n) if (p % d === 0n) return false;
    return true;
  };
  for (const [bits, p] of Object.entries(SCI_PRIME_MOD)) {
    const b = BigInt(p);
    assertEquals(b.toString(2).length, Number(bits));
    assertEquals(b % 131072n, 1n);
    // Trial division to 2^20.5 is enough for these ≤ 41-bit numbers.
    assertEquals(isPrime(b), true, `${p}`);
  }
  const fc = layerOf(parseLayerSpec("fc:in=8,out=3"), 1) as IntLayer<FcShape>;
  const mask = randomMask(24, 0.5, new SeededRng(2));
  const plan = planLayer(fc, { framework: "cryptflow2", preset, mask }).parts[0];
  assertEquals(plan.preset.plainModulus, 137352314881);
});
