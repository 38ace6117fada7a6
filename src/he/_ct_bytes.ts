/**
 * A ciphertext's uncompressed SEAL 4 serialization, opened for editing in place: node-seal has no
 * polynomial access, so flooding and Cheetah's extraction rewrite coefficients here and load the
 * bytes back.
 *
 * @module
 */
import type { Ciphertext, MainModule } from "node-seal";
import { SEAL_CT_OVERHEAD } from "./galois.ts";

/** A coefficient-form ciphertext's bytes and the layout read from its header. */
export interface CiphertextBytes {
  /** The serialization; coefficient k of prime i of polynomial p sits at `coeffAt(p, i, k)`. */
  readonly bytes: Uint8Array;
  /** A view over `bytes` for 64-bit little-endian reads and writes. */
  readonly view: DataView;
  /** Polynomials (2 for a fresh or relinearized ciphertext). */
  readonly polys: number;
  /** Ring degree N. */
  readonly n: number;
  /** Primes at the ciphertext's level. */
  readonly levels: number;
  /** Byte offset of a coefficient. */
  coeffAt(poly: number, prime: number, k: number): number;
}

/**
 * Serialize `ct` uncompressed and check the header against the data that follows; `what` names
 * the operation in the errors (a ciphertext in NTT form, or a layout this code does not know).
 */
export function ciphertextBytes(seal: MainModule, ct: Ciphertext, what: string): CiphertextBytes {
  if (ct.isNttForm()) throw new Error(`${what} expects a coefficient-form ciphertext`);
  const bytes = ct.saveToArray(seal.ComprModeType.none) as Uint8Array;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const polys = Number(view.getBigUint64(49, true));
  const n = Number(view.getBigUint64(57, true));
  const levels = Number(view.getBigUint64(65, true));
  const count = Number(view.getBigUint64(SEAL_CT_OVERHEAD - 8, true));
  if (count !== polys * levels * n || bytes.length !== SEAL_CT_OVERHEAD + 8 * count) {
    throw new Error(`unexpected SEAL ciphertext layout: cannot run ${what}`);
  }
  const coeffAt = (p: number, i: number, k: number) =>
    SEAL_CT_OVERHEAD + 8 * ((p * levels + i) * n + k);
  return { bytes, view, polys, n, levels, coeffAt };
}
