/**
 * Helpers shared by tests: toy presets for the plaintext simulator, random layers with masks, and
 * exact comparison of outputs.
 *
 * @module
 */
import type { Preset } from "./he/mod.ts";
import { type IntLayer, type LayerShape, syntheticLayer, weightCount } from "./nn/mod.ts";
import type { SeededRng } from "./base/mod.ts";
import { getPreset as presetOf } from "./he/mod.ts";
import { buildZoo, type Network } from "./nn/mod.ts";
import { prune, type PruneResult } from "./prune/mod.ts";

/** A toy preset for the plaintext simulator only (never built in SEAL; insecure by design). */
export function toyPreset(slots: number, t = 557057): Preset {
  return {
    name: `toy-${slots}`,
    polyModulusDegree: slots,
    coeffModulusBits: [60, 60, 60, 38],
    plainModulus: t,
    securityBits: 0,
    minNoiseBudgetBits: 0,
    note: "simulator-only toy parameters, NOT secure",
  };
}

/** A random 0/1 mask keeping each weight with probability `keep`. */
export function randomMask(n: number, keep: number, rng: SeededRng): Uint8Array {
  return Uint8Array.from({ length: n }, () => (rng.next() < keep ? 1 : 0));
}

/** A random layer of `shape` (synthetic weights). */
export function layerOf<S extends LayerShape>(shape: S, seed: number, name = "test"): IntLayer<S> {
  return syntheticLayer(name, shape, seed);
}

/** Zero one kernel tap (ky, kx) in every kernel of a conv mask. */
export function zeroTap(mask: Uint8Array, co: number, ci: number, k: number, tap: number): void {
  for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) mask[(o * ci + i) * k * k + tap] = 0;
}

/**
 * GAZELLE's generalized diagonal of kernel (o, i) under output rotations: in-channel position c
 * (half h_i, offset c mod c_n/2) feeds out position o after a row rotation by k' = (o − c) mod c_n/2
 * and a half swap if the halves differ; the diagonal index is k' + swap·c_n/2.
 */
export function gazelleDiagonal(o: number, i: number, cn: number): number {
  const half = cn / 2;
  const op = o % cn, ip = i % cn;
  const k = (((op % half) - (ip % half)) % half + half) % half;
  return k + (Math.floor(op / half) !== Math.floor(ip / half) ? half : 0);
}

/** Zero every kernel on GAZELLE diagonal `d` (all taps), in every kernel block. */
export function zeroDiagonal(
  mask: Uint8Array,
  co: number,
  ci: number,
  k: number,
  cn: number,
  d: number,
): void {
  for (let o = 0; o < co; o++) {
    for (let i = 0; i < ci; i++) {
      if (gazelleDiagonal(o, i, cn) !== d) continue;
      for (let t = 0; t < k * k; t++) mask[(o * ci + i) * k * k + t] = 0;
    }
  }
}

/** Index of the first mismatch between two outputs, or −1. */
export function firstMismatch(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

export { weightCount };

/** A real MOSAIC prune result for file tests: `model` at width 0.125, GAZELLE, sparsity 0.5. */
export function smallMosaicPrune(model: string): { net: Network; pruned: PruneResult } {
  const net = buildZoo(model, { width: 0.125 });
  const pruned = prune(net, {
    method: "mosaic",
    framework: "gazelle",
    preset: presetOf("gazelle"),
    budget: { kind: "sparsity", ratio: 0.5 },
    fidelitySamples: 0,
  });
  return { net, pruned };
}
