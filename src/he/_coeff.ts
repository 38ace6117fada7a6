/**
 * Coefficient encoding for node-seal (Cheetah): node-seal has no setter for a plaintext's
 * coefficients, no getter either, and no raw access to a ciphertext's polynomials. Both go through
 * SEAL's own uncompressed serialization, which SEAL validates on load (every coefficient < t, every
 * ciphertext coefficient < its prime), so nothing is built behind SEAL's back.
 *
 * Plaintext layout (SEAL 4.1, `ComprModeType.none`): a 16-byte header, the 32-byte parms_id
 * (zero: coefficient form), coeff_count (u64, byte 48), scale (f64), the coefficient DynArray's
 * own 16-byte header and size (u64, byte 80), then the coefficients as u64 from byte 88.
 *
 * @module
 */
import type { Ciphertext, MainModule, Plaintext, SEALContext } from "node-seal";
import { ciphertextBytes } from "./_ct_bytes.ts";

/** Byte offset of the first coefficient in an uncompressed serialized plaintext. */
const PT_COEFFS = 88;

/** Encodes value vectors into plaintexts and back: SEAL's BatchEncoder, or coefficients. */
export interface PlainEncoder {
  /** Values per plaintext (N). */
  slotCount(): number;
  /** Encode `values` (signed or unsigned, taken mod t) into `pt`. */
  encode(values: BigInt64Array | BigUint64Array, pt: Plaintext): void;
  /** The N values of `pt`, each in [0, t). */
  decodeBigUint64(pt: Plaintext): BigUint64Array;
}

/**
 * A `PlainEncoder` writing values as the N coefficients of the plaintext polynomial, through a
 * serialized template of an N-coefficient plaintext (made by SEAL itself, once).
 *
 * @example Coefficients go in and come back, negative values mod t
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { coefficientEncoder } from "./_coeff.ts";
 * import { closeEnvs, presetEnv } from "./env.ts";
 * import { getPreset } from "./presets.ts";
 *
 * const env = await presetEnv(getPreset("cheetah"));
 * const enc = coefficientEncoder(env.seal, env.context, 4096, 2 ** 37);
 * using pt = new env.seal.Plaintext();
 * enc.encode(BigInt64Array.from([5n, -1n, 7n]), pt);
 * assertEquals(pt.nonzeroCoeffCount(), 3);
 * assertEquals([...enc.decodeBigUint64(pt).slice(0, 4)], [5n, 2n ** 37n - 1n, 7n, 0n]);
 * closeEnvs();
 * ```
 */
export function coefficientEncoder(
  seal: MainModule,
  context: SEALContext,
  n: number,
  t: number,
): PlainEncoder {
  const T = BigInt(t);
  let template: Uint8Array;
  {
    using blank = new seal.Plaintext(n, n);
    template = (blank.saveToArray(seal.ComprModeType.none) as Uint8Array).slice();
  }
  if (template.length !== PT_COEFFS + 8 * n) {
    throw new Error("unexpected SEAL plaintext layout: cannot encode coefficients");
  }
  return {
    slotCount: () => n,
    encode(values, pt) {
      if (values.length > n) throw new Error(`${values.length} coefficients for N = ${n}`);
      const bytes = template.slice();
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < values.length; i++) {
        const v = BigInt(values[i]) % T;
        view.setBigUint64(PT_COEFFS + 8 * i, v < 0n ? v + T : v, true);
      }
      pt.loadFromArray(context, bytes);
    },
    decodeBigUint64(pt) {
      if (pt.isNttForm()) throw new Error("decoding coefficients of an NTT-form plaintext");
      const bytes = pt.saveToArray(seal.ComprModeType.none) as Uint8Array;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const count = Number(view.getBigUint64(48, true));
      if (count > n || bytes.length !== PT_COEFFS + 8 * count) {
        throw new Error("unexpected SEAL plaintext layout: cannot decode coefficients");
      }
      const out = new BigUint64Array(n);
      for (let i = 0; i < count; i++) out[i] = view.getBigUint64(PT_COEFFS + 8 * i, true);
      return out;
    },
  };
}

/**
 * Cheetah's output extraction on `ct` in place (a coefficient-form ciphertext at one prime, as
 * after the final mod switch): zero the coefficients of c0 not in `keep`, then clear the
 * `c0Bits` low bits of every c0 coefficient and the `c1Bits` low bits of every c1 coefficient
 * (OpenCheetah `hom_conv2d_ss.cc`, `truncate_for_decryption` and `removeUnusedCoeffs`). Done on
 * the uncompressed serialization: node-seal has no polynomial access.
 */
export function extractCiphertext(
  seal: MainModule,
  context: SEALContext,
  ct: Ciphertext,
  keep: Int32Array,
  c0Bits: number,
  c1Bits: number,
): void {
  const { bytes, view, polys, n, levels, coeffAt } = ciphertextBytes(seal, ct, "extraction");
  if (polys !== 2 || levels !== 1) {
    throw new Error("unexpected SEAL ciphertext layout (extraction needs 2 polys at 1 prime)");
  }
  const mask0 = ~((1n << BigInt(c0Bits)) - 1n) & 0xffffffffffffffffn;
  const mask1 = ~((1n << BigInt(c1Bits)) - 1n) & 0xffffffffffffffffn;
  const kept = new Uint8Array(n);
  for (const k of keep) kept[k] = 1;
  for (let k = 0; k < n; k++) {
    const at = coeffAt(0, 0, k);
    view.setBigUint64(at, kept[k] ? view.getBigUint64(at, true) & mask0 : 0n, true);
    const at1 = coeffAt(1, 0, k);
    view.setBigUint64(at1, view.getBigUint64(at1, true) & mask1, true);
  }
  ct.loadFromArray(context, bytes);
}
