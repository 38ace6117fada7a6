/**
 * Rotation arithmetic shared by planners (to count) and the executor (to run): SEAL's slot layout is
 * a 2 × (N/2) matrix; `rotateRows(k)` rotates both rows left by k, `rotateColumns` swaps the rows.
 * Also SEAL's Galois element of a step and the key-switch cost of a step under a key set.
 *
 * @module
 */

/** A SEAL automorphism: rotate both rows left by `step`, then (optionally) swap the rows. */
export interface Rotation {
  readonly step: number;
  readonly swap: boolean;
}

/**
 * The representative of `step` mod N/2 in [−N/4, N/4): the one with the cheapest NAF.
 *
 * @example
 * ```ts
 * import { normalizeStep } from "./galois.ts";
 *
 * if (normalizeStep(1023, 2048) !== -1) throw new Error();
 * ```
 */
export function normalizeStep(step: number, slots: number): number {
  const half = slots / 2;
  let s = ((step % half) + half) % half;
  if (s >= half / 2) s -= half;
  return s;
}

/**
 * True if the rotation is the identity (no HE op at all).
 *
 * @example
 * ```ts
 * import { isIdentity } from "./galois.ts";
 *
 * if (!isIdentity({ step: 0, swap: false })) throw new Error();
 * ```
 */
export function isIdentity(r: Rotation): boolean {
  return r.step === 0 && !r.swap;
}

/**
 * Slot of the input that lands in slot `j` after rotation `r` (SEAL semantics).
 *
 * @example
 * ```ts
 * import { sourceSlot } from "./galois.ts";
 *
 * // Rotating 8 slots (2 rows of 4) left by 1: slot 0 receives slot 1, slot 3 receives slot 0.
 * if (sourceSlot(0, { step: 1, swap: false }, 8) !== 1) throw new Error();
 * if (sourceSlot(3, { step: 1, swap: false }, 8) !== 0) throw new Error();
 * if (sourceSlot(0, { step: 0, swap: true }, 8) !== 4) throw new Error();
 * ```
 */
export function sourceSlot(j: number, r: Rotation, slots: number): number {
  const half = slots / 2;
  const row = j >= half ? 1 : 0;
  // |step| < half and 0 ≤ col < half, so one conditional wrap replaces two modulo operations.
  let col = j - row * half + (r.step % half);
  if (col >= half) col -= half;
  else if (col < 0) col += half;
  return (r.swap ? 1 - row : row) * half + col;
}

/**
 * SEAL's Galois element for a row-rotation step (step 0 means the column swap, 2N − 1).
 *
 * @example
 * ```ts
 * import { galoisElement } from "./galois.ts";
 *
 * if (galoisElement(1, 2048) !== 3 || galoisElement(0, 2048) !== 4095) throw new Error();
 * ```
 */
export function galoisElement(step: number, slots: number): number {
  const m = 2 * slots;
  if (step === 0) return m - 1;
  const half = slots / 2;
  const pos = step < 0 ? step + half : step;
  let e = 1;
  for (let i = 0; i < pos; i++) e = (e * 3) % m;
  return e;
}

/**
 * Non-adjacent form digits of `step` (SEAL 4 composes a missing key from ±2^i keys this way).
 *
 * @example
 * ```ts
 * import { naf } from "./galois.ts";
 *
 * if (naf(7).join() !== "-1,8") throw new Error();
 * ```
 */
export function naf(step: number): number[] {
  const out: number[] = [];
  let k = Math.abs(step);
  const sign = step < 0 ? -1 : 1;
  let bit = 1;
  while (k > 0) {
    if (k % 2 === 1) {
      const d = 2 - (k % 4); // +1 or −1
      out.push(sign * d * bit);
      k -= d;
    }
    k /= 2;
    bit *= 2;
  }
  return out;
}

/**
 * Which Galois keys a plan asks for. `exact`: one key per distinct step (every rotation is one key
 * switch, as GAZELLE's per-kernel key lists). `pow2`: keys for ±2^i only (SEAL's default set), each
 * rotation costs one key switch per NAF digit of its step. Step 0 stands for the column swap.
 */
export interface KeyPlan {
  readonly kind: "exact" | "pow2";
  readonly steps: readonly number[];
}

/**
 * Bytes of one Galois key: (primes − 1) key-switching ciphertexts, each 2 polys over all primes.
 *
 * @example
 * ```ts
 * import { galoisKeyBytes } from "./galois.ts";
 *
 * if (galoisKeyBytes(4096, 3) !== 2 * (113 + 2 * 3 * 4096 * 8)) throw new Error();
 * ```
 */
export function galoisKeyBytes(slots: number, primes: number): number {
  return (primes - 1) * (SEAL_CT_OVERHEAD + 2 * primes * slots * 8);
}

/**
 * Bytes of a serialized `GaloisKeys` object (uncompressed, SEAL 4 format) holding `keys` keys:
 * a 56-byte header, an 8-byte entry per possible Galois element (2N of them), then the keys.
 * Checked against `saveToArray` in the tests.
 *
 * @example
 * ```ts
 * import { galoisKeySetBytes } from "./galois.ts";
 *
 * if (galoisKeySetBytes(1, 4096, 3) !== 426266) throw new Error();
 * ```
 */
export function galoisKeySetBytes(keys: number, slots: number, primes: number): number {
  return 56 + 8 * slots + keys * galoisKeyBytes(slots, primes);
}

/**
 * Fixed part of a serialized ciphertext: SEAL header (16), parms_id (32), NTT flag (1), size,
 * N, #primes, scale, correction factor (5 × 8), then the data array's own header (16) and length (8).
 *
 * @example
 * ```ts
 * import { SEAL_CT_OVERHEAD } from "./galois.ts";
 *
 * if (SEAL_CT_OVERHEAD !== 113) throw new Error();
 * ```
 */
export const SEAL_CT_OVERHEAD = 113;

/**
 * Default budget for exact-step Galois keys (beyond it, plans use the ±2^i set).
 *
 * @example
 * ```ts
 * import { DEFAULT_KEY_BUDGET_BYTES } from "./galois.ts";
 *
 * if (DEFAULT_KEY_BUDGET_BYTES !== 256 * 2 ** 20) throw new Error();
 * ```
 */
export const DEFAULT_KEY_BUDGET_BYTES = 256 * 2 ** 20;

/**
 * Pick the key set for the rotations a plan uses: exact keys while they fit `budgetBytes`,
 * else the power-of-two set.
 *
 * @example
 * ```ts
 * import { chooseKeys } from "./galois.ts";
 *
 * const keys = chooseKeys([{ step: 3, swap: true }], 2048, 3, 2 ** 20);
 * if (keys.kind !== "exact" || keys.steps.join() !== "0,3") throw new Error();
 * ```
 */
export function chooseKeys(
  rotations: Iterable<Rotation>,
  slots: number,
  primes: number,
  budgetBytes: number,
): KeyPlan {
  const steps = new Set<number>();
  let swap = false;
  for (const r of rotations) {
    if (r.step !== 0) steps.add(r.step);
    if (r.swap) swap = true;
  }
  const exact = [...steps].sort((a, b) => a - b);
  if (swap) exact.unshift(0);
  if (exact.length * galoisKeyBytes(slots, primes) <= budgetBytes) {
    return { kind: "exact", steps: exact };
  }
  const pow2: number[] = swap ? [0] : [];
  for (let p = 1; p < slots / 2; p *= 2) pow2.push(p, -p);
  return { kind: "pow2", steps: pow2 };
}

/**
 * Key switches SEAL performs for `rotateRows(step)` when keys exist for the steps in `keySteps`.
 *
 * @example
 * ```ts
 * import { rowKeySwitches } from "./galois.ts";
 *
 * if (rowKeySwitches(5, new Set([1, 4])) !== 2) throw new Error();
 * ```
 */
export function rowKeySwitches(step: number, keySteps: ReadonlySet<number>): number {
  if (step === 0) return 0;
  if (keySteps.has(step)) return 1;
  return naf(step).length;
}
