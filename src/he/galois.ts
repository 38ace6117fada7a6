/**
 * Rotation arithmetic shared by planners (to count) and the executor (to run): SEAL's slot layout is
 * a 2 × (N/2) matrix; `rotateRows(k)` rotates both rows left by k, `rotateColumns` swaps the rows.
 * Also SEAL's Galois element of a step and the key-switch cost of a step under a key set.
 *
 * @module
 */

/** A SEAL automorphism: rotate both rows left by `step`, then (optionally) swap the rows. */
export interface Rotation {
  /** Slots to rotate each row left by (negative: right); 0 for none. */
  readonly step: number;
  /** Swap the two rows after the row rotation (SEAL's `rotateColumns`). */
  readonly swap: boolean;
}

/**
 * The representative of `step` mod N/2 in [−N/4, N/4): the one with the cheapest NAF.
 *
 * @example A step of N/2 − 1 is one step right
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { normalizeStep } from "./galois.ts";
 *
 * assertEquals(normalizeStep(1023, 2048), -1);
 * assertEquals(normalizeStep(5, 2048), 5);
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
 * @example Only step 0 without swap does nothing
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { isIdentity } from "./galois.ts";
 *
 * assertEquals(isIdentity({ step: 0, swap: false }), true);
 * assertEquals(isIdentity({ step: 0, swap: true }), false);
 * ```
 */
export function isIdentity(r: Rotation): boolean {
  return r.step === 0 && !r.swap;
}

/**
 * Slot of the input that lands in slot `j` after rotation `r` (SEAL semantics).
 *
 * @example 8 slots, 2 rows of 4: rows rotate on their own; the swap exchanges them
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sourceSlot } from "./galois.ts";
 *
 * // Rotating left by 1: slot 0 receives slot 1, slot 3 receives slot 0 (its own row).
 * assertEquals(sourceSlot(0, { step: 1, swap: false }, 8), 1);
 * assertEquals(sourceSlot(3, { step: 1, swap: false }, 8), 0);
 * assertEquals(sourceSlot(0, { step: 0, swap: true }, 8), 4);
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
 * @example Step 1 is 3; the column swap is 2N − 1
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { galoisElement } from "./galois.ts";
 *
 * assertEquals(galoisElement(1, 2048), 3);
 * assertEquals(galoisElement(0, 2048), 4095);
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
 * @example 7 = 8 − 1 takes two keys
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { naf } from "./galois.ts";
 *
 * assertEquals(naf(7), [-1, 8]);
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
  /** `exact`: a key per step used; `pow2`: SEAL's ±2^i set. */
  readonly kind: "exact" | "pow2";
  /** The steps that get a key, 0 standing for the column swap. */
  readonly steps: readonly number[];
}

/**
 * Bytes of one Galois key: (primes − 1) key-switching ciphertexts, each 2 polys over all primes.
 *
 * @example Two key-switching ciphertexts at three primes
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { galoisKeyBytes } from "./galois.ts";
 *
 * assertEquals(galoisKeyBytes(4096, 3), 2 * (113 + 2 * 3 * 4096 * 8));
 * ```
 */
export function galoisKeyBytes(slots: number, primes: number): number {
  return (primes - 1) * (SEAL_CT_OVERHEAD + 2 * primes * slots * 8);
}

/**
 * Bytes of a serialized `GaloisKeys` object (uncompressed, SEAL 4 format) holding `keys` keys at
 * N = `slots` with `primes` coefficient-modulus primes (special prime included): a 56-byte header,
 * an 8-byte entry per possible Galois element (N of them), then the keys. Checked against
 * `saveToArray` in the tests.
 *
 * @example One key at N = 4096 with three primes
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { galoisKeySetBytes } from "./galois.ts";
 *
 * assertEquals(galoisKeySetBytes(1, 4096, 3), 426266);
 * ```
 */
export function galoisKeySetBytes(keys: number, slots: number, primes: number): number {
  return 56 + 8 * slots + keys * galoisKeyBytes(slots, primes);
}

/**
 * Fixed part of a serialized ciphertext: SEAL header (16), parms_id (32), NTT flag (1), size,
 * N, #primes, scale, correction factor (5 × 8), then the data array's own header (16) and length (8).
 *
 * @example 113 bytes
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SEAL_CT_OVERHEAD } from "./galois.ts";
 *
 * assertEquals(SEAL_CT_OVERHEAD, 113);
 * ```
 */
export const SEAL_CT_OVERHEAD = 113;

/**
 * Default budget for exact-step Galois keys (beyond it, plans use the ±2^i set).
 *
 * @example 256 MiB
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_KEY_BUDGET_BYTES } from "./galois.ts";
 *
 * assertEquals(DEFAULT_KEY_BUDGET_BYTES, 256 * 2 ** 20);
 * ```
 */
export const DEFAULT_KEY_BUDGET_BYTES = 256 * 2 ** 20;

/**
 * Pick the key set for the rotations a plan uses: exact keys while they fit `budgetBytes`,
 * else the power-of-two set. `slots` is N and `primes` the number of coefficient-modulus primes
 * (special prime included), which fix the size of one key.
 *
 * @example Exact keys within budget, the ±2^i set beyond it
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { chooseKeys } from "./galois.ts";
 *
 * assertEquals(chooseKeys([{ step: 3, swap: true }], 2048, 3, 2 ** 20), { kind: "exact", steps: [0, 3] });
 * assertEquals(chooseKeys([{ step: 3, swap: false }], 16, 3, 0), { kind: "pow2", steps: [1, -1, 2, -2, 4, -4] });
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
 * @example Step 5 under keys for 1 and 4 takes two key switches
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { rowKeySwitches } from "./galois.ts";
 *
 * assertEquals(rowKeySwitches(5, new Set([1, 4])), 2);
 * assertEquals(rowKeySwitches(4, new Set([1, 4])), 1);
 * ```
 */
export function rowKeySwitches(step: number, keySteps: ReadonlySet<number>): number {
  if (step === 0) return 0;
  if (keySteps.has(step)) return 1;
  return naf(step).length;
}
