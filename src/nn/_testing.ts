/**
 * Helpers shared by the nn tests: seeded inputs and the error measure outputs are compared by.
 *
 * @module
 */
import type { Network } from "./network.ts";
import { SeededRng } from "../base/mod.ts";

/** A seeded input in [−1, 1) for the network's C×H×W input. */
export function randomInput(net: Network, seed: number): Float32Array {
  const rng = new SeededRng(seed);
  return Float32Array.from(
    { length: net.input.c * net.input.h * net.input.w },
    () => 2 * rng.next() - 1,
  );
}

/** max |a − b| relative to the output scale (max(1, max |b|)). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0, m = 1;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}
