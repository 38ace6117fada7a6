/**
 * Noise flooding of a BFV ciphertext, as SCI's `flood_ciphertext` (`utils-HE.cpp`): add to both
 * polynomials c0 and c1 a polynomial with i.i.d. uniform coefficients in [0, 2^bits). SEAL exposes
 * no raw polynomial access in node-seal, so this edits the uncompressed serialization, whose layout
 * is fixed: a 113-byte header (checked against `ciphertextBytes`), then the RNS coefficients as
 * little-endian uint64, polynomial-major, then prime, then coefficient.
 *
 * @module
 */
import type { Ciphertext, MainModule, SEALContext } from "node-seal";
import { secureUniformBits } from "../base/mod.ts";
import { ciphertextBytes } from "./_ct_bytes.ts";

/**
 * Flood `ct` in place with uniform [0, 2^bits) noise on c0 and c1 (same integer, reduced mod each
 * prime of the ciphertext's level).
 *
 * @example Flooding costs noise budget and leaves the plaintext as it was
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { floodCiphertext } from "./_flood.ts";
 * import { closeEnvs, presetEnv } from "./env.ts";
 * import { getPreset } from "./presets.ts";
 *
 * const env = await presetEnv(getPreset("gazelle-secure"));
 * using pt = new env.seal.Plaintext();
 * using ct = new env.seal.Ciphertext();
 * env.encoder.encode(BigUint64Array.from([1n, 2n, 3n]), pt);
 * env.encryptor.encrypt(pt, ct);
 * const before = env.decryptor.invariantNoiseBudget(ct);
 * floodCiphertext(env.seal, env.context, ct, 30);
 * assert(env.decryptor.invariantNoiseBudget(ct) < before);
 * env.decryptor.decrypt(ct, pt);
 * assertEquals((env.encoder.decodeBigUint64(pt) as BigUint64Array).slice(0, 4), BigUint64Array.from([1n, 2n, 3n, 0n]));
 * closeEnvs();
 * ```
 */
export function floodCiphertext(
  seal: MainModule,
  context: SEALContext,
  ct: Ciphertext,
  bits: number,
): void {
  const { bytes, view, n, levels, coeffAt } = ciphertextBytes(seal, ct, "flooding");
  using parmsId = ct.parmsId();
  using data = context.getContextData(parmsId);
  using parms = data.parms();
  using moduli = parms.coeffModulus();
  const q = seal.jsArrayFromVecModulus(moduli) as bigint[];
  if (q.length !== levels) throw new Error("unexpected SEAL ciphertext level: cannot flood");
  for (let p = 0; p < 2; p++) {
    const e = secureUniformBits(n, bits);
    for (let i = 0; i < levels; i++) {
      const qi = q[i];
      for (let k = 0; k < n; k++) {
        const at = coeffAt(p, i, k);
        const v = (view.getBigUint64(at, true) + e[k] % qi) % qi;
        view.setBigUint64(at, v, true);
      }
    }
  }
  ct.loadFromArray(context, bytes);
}
