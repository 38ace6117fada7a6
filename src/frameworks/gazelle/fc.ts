/**
 * GAZELLE FC: the hybrid method (`mat_mul.cpp`) under GAZELLE's policy (raw results, no masking;
 * stock multiplies every diagonal).
 *
 * @module
 */
import { type LayerProgram, programOf } from "../../he/mod.ts";
import type { FcShape, IntLayer } from "../../nn/mod.ts";
import { type FcPolicy, planHybridFc } from "../_hybrid_fc.ts";
import type { GazellePlanOptions } from "./conv.ts";

/**
 * GAZELLE's FC policy: raw results (no mask, no flooding, no mod switches); `stock` multiplies
 * every diagonal, the pruning-aware default skips all-zero ones with their rotation.
 *
 * @example Stock GAZELLE multiplies every diagonal
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gazelleFcPolicy } from "./fc.ts";
 *
 * assertEquals(gazelleFcPolicy(true).skipZeroDiagonals, false);
 * assertEquals(gazelleFcPolicy(false).skipZeroDiagonals, true);
 * ```
 */
export function gazelleFcPolicy(stock: boolean): FcPolicy {
  return {
    skipZeroDiagonals: !stock,
    zeroInit: false,
    switchesAfterMac: 0,
    maskOutputs: false,
    floodBits: 0,
    switchesAtEnd: 0,
  };
}

/**
 * Compile an FC layer for GAZELLE with the hybrid method: a one-part program (`method` and
 * `unitCosts` do not apply).
 *
 * @example GAZELLE's 512 → 512 example at N = 2048: 129 rotations, 128 products
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planGazelleFc } from "./fc.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { type FcShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=512,out=512"), 1) as IntLayer<FcShape>;
 * const c = countProgram(planGazelleFc(layer, { preset: getPreset("gazelle"), stock: true }));
 * assertEquals([c.perm_in + c.perm_out, c.mult], [129, 128]);
 * ```
 */
export function planGazelleFc(layer: IntLayer<FcShape>, opts: GazellePlanOptions): LayerProgram {
  const stock = opts.stock ?? false;
  return programOf(planHybridFc(layer, {
    framework: "gazelle",
    preset: opts.preset,
    policy: gazelleFcPolicy(stock),
    stock,
    keyBudgetBytes: opts.keyBudgetBytes,
  }));
}
