import { assert, assertEquals } from "@std/assert";
import { secureUniformBits, secureUniformModT } from "./secure_random.ts";

Deno.test("secureUniformModT() draws residues below t that cover the range", () => {
  const small = secureUniformModT(70000, 7);
  const counts = new Array(7).fill(0);
  for (const v of small) counts[Number(v)]++;
  assertEquals(counts.reduce((a, b) => a + b, 0), 70000); // no value ≥ 7
  for (const c of counts) assert(Math.abs(c - 10000) < 600, `residue counts ${counts}`);
  const sci = 137352314881; // a 37-bit SCI prime: residues beyond 2^32 must occur
  const big = secureUniformModT(20000, sci);
  assert(big.every((v) => v < BigInt(sci)));
  assert(big.some((v) => v >= 2n ** 32n) && big.some((v) => v < BigInt((sci - 1) / 2)));
  assertEquals(secureUniformModT(0, 7).length, 0);
});

Deno.test("secureUniformBits() fills past the 64 KiB a getRandomValues call takes, below 2^bits", () => {
  const v = secureUniformBits(3 * 8192 + 5, 40);
  assert(v.every((x) => x < 2n ** 40n));
  // The last chunk is filled too: an unfilled tail would be all zeros.
  assert(v.subarray(3 * 8192).some((x) => x !== 0n));
  assert(v.some((x) => x >= 2n ** 39n));
  assertEquals(secureUniformBits(0, 8).length, 0);
});
