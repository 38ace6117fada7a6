/**
 * Helpers shared by the nn tests: seeded inputs, the error measure outputs are compared by, and
 * the seed of the property-based (fuzz) tests.
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

/** The fuzz tests' fixed seed, so CI runs the same cases every time. */
export const FUZZ_SEED = 13;

/**
 * The seed of a fuzz test: `FUZZ_SEED`, or `MOSAIC_FUZZ_SEED` from the environment — an integer,
 * or `random` for a fresh one (printed, so a failure can be replayed with it).
 */
export function fuzzSeed(): number {
  const env = Deno.env.get("MOSAIC_FUZZ_SEED");
  if (!env) return FUZZ_SEED;
  const seed = env === "random" ? Math.floor(Math.random() * 2 ** 31) : Number(env);
  if (!Number.isSafeInteger(seed)) throw new Error(`MOSAIC_FUZZ_SEED=${env}: an integer or random`);
  console.log(`fuzz seed ${seed} (replay with MOSAIC_FUZZ_SEED=${seed})`);
  return seed;
}

/** Runs of a fuzz property: `runs`, or `MOSAIC_FUZZ_RUNS` from the environment. */
export function fuzzRuns(runs: number): number {
  const env = Number(Deno.env.get("MOSAIC_FUZZ_RUNS") ?? runs);
  return Number.isSafeInteger(env) && env > 0 ? env : runs;
}
