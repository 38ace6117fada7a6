/**
 * Seeded pseudo-random numbers (SplitMix32-style), so every synthetic tensor is reproducible from
 * its seed.
 *
 * @module
 */

/**
 * A deterministic generator of uint32 values from a 32-bit seed.
 *
 * @example
 * ```ts
 * import { SeededRng } from "./random.ts";
 *
 * if (new SeededRng(1).nextU32() !== new SeededRng(1).nextU32()) throw new Error();
 * ```
 */
export class SeededRng {
  #state: number;
  /** Start the sequence at `seed` (taken as an unsigned 32-bit integer). */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** The generator's state: `new SeededRng(state)` continues exactly from here. */
  get state(): number {
    return this.#state;
  }
  /** Skip `k` draws in O(1) (the state is a Weyl sequence). */
  skip(k: number): void {
    this.#state = (this.#state + Math.imul(k >>> 0, 0x9e3779b9)) >>> 0;
  }
  /** Next uint32. */
  nextU32(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** Uniform float in [0, 1) with 53 random bits (exact for integer ranges up to 2^53). */
  next(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }
  /** Uniform integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }
}

/**
 * `n` uniform values mod t (a random client input).
 *
 * @example
 * ```ts
 * import { randomModT, SeededRng } from "./random.ts";
 *
 * if (!randomModT(10, 97, new SeededRng(1)).every((v) => v < 97)) throw new Error();
 * ```
 */
export function randomModT(n: number, t: number, rng: SeededRng): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.int(0, t);
  return x;
}

/**
 * `n` uniform signed `bits`-bit integers, never all zero (random quantized weights).
 *
 * @example
 * ```ts
 * import { randomSigned, SeededRng } from "./random.ts";
 *
 * if (!randomSigned(10, 8, new SeededRng(1)).every((v) => v >= -128 && v < 128)) throw new Error();
 * ```
 */
export function randomSigned(n: number, bits: number, rng: SeededRng): Int32Array {
  const w = new Int32Array(n);
  const lim = 2 ** (bits - 1);
  for (let i = 0; i < n; i++) w[i] = rng.int(-lim, lim);
  return w;
}

/**
 * `n` uniform signed `bits`-bit integers other than 0 (dense random weights: a 0 would let
 * SCI's zero-mask skip delete a product from a layer meant to be dense).
 *
 * @example
 * ```ts
 * import { randomNonZero, SeededRng } from "./random.ts";
 *
 * const w = randomNonZero(100_000, 8, new SeededRng(1));
 * if (w.some((v) => v === 0 || v < -128 || v > 127)) throw new Error();
 * ```
 */
export function randomNonZero(n: number, bits: number, rng: SeededRng): Int32Array {
  const w = new Int32Array(n);
  const lim = 2 ** (bits - 1);
  for (let i = 0; i < n; i++) {
    const v = rng.int(-lim, lim - 1); // 2^bits − 1 values, then skip over 0
    w[i] = v >= 0 ? v + 1 : v;
  }
  return w;
}
