/**
 * Secret randomness from the platform CSPRNG (`crypto.getRandomValues`): the masks a server adds
 * to its outputs and the noise that floods a ciphertext. Never seeded, never reproducible; for
 * reproducible synthetic data use `SeededRng` (`random.ts`).
 *
 * @module
 */

/** `getRandomValues` fills at most 65,536 bytes per call. */
const MAX_BYTES_PER_CALL = 65536;

/** Fill `view` from the CSPRNG, in chunks the platform accepts. */
function fillSecure(view: Uint32Array | BigUint64Array): void {
  const perCall = MAX_BYTES_PER_CALL / view.BYTES_PER_ELEMENT;
  for (let i = 0; i < view.length; i += perCall) {
    crypto.getRandomValues(view.subarray(i, Math.min(view.length, i + perCall)));
  }
}

/**
 * Uniform residues mod `t` from the CSPRNG (rejection sampling on 53-bit draws, so no residue is
 * favoured).
 *
 * @example Every value lies in [0, t)
 * ```ts
 * import { assert } from "@std/assert";
 * import { secureUniformModT } from "./secure_random.ts";
 *
 * const r = secureUniformModT(5000, 65537);
 * assert(r.every((v) => v < 65537n));
 * ```
 */
export function secureUniformModT(n: number, t: number): BigUint64Array {
  const out = new BigUint64Array(n);
  const limit = Math.floor(2 ** 53 / t) * t;
  const words = new Uint32Array(Math.min(2 * n, MAX_BYTES_PER_CALL / 4));
  let i = 0;
  while (i < n) {
    fillSecure(words);
    for (let j = 0; j + 1 < words.length && i < n; j += 2) {
      const v = (words[j] >>> 11) * 2 ** 32 + words[j + 1]; // 21 + 32 = 53 bits
      if (v < limit) out[i++] = BigInt(v % t);
    }
  }
  return out;
}

/**
 * Uniform values in [0, 2^bits) from the CSPRNG, bits ≤ 64.
 *
 * @example Values stay below 2^bits
 * ```ts
 * import { assert } from "@std/assert";
 * import { secureUniformBits } from "./secure_random.ts";
 *
 * assert(secureUniformBits(20000, 5).every((v) => v < 32n));
 * ```
 */
export function secureUniformBits(n: number, bits: number): BigUint64Array {
  const out = new BigUint64Array(n);
  const mask = (1n << BigInt(bits)) - 1n;
  fillSecure(out);
  for (let i = 0; i < n; i++) out[i] &= mask;
  return out;
}
