/**
 * GAZELLE FC: the hybrid method (`mat_mul.cpp`) under GAZELLE's policy (raw results, no masking;
 * stock multiplies every diagonal).
 *
 * @module
 */
import { type LayerProgram, programOf } from "../../he/mod.ts";
import type { FcShape, IntLayer } from "../../nn/mod.ts";
import { type FcPolicy, planHybridFc } from "../hybrid_fc.ts";
import type { GazellePlanOptions } from "./conv.ts";

/**
 * GAZELLE's FC policy.
 *
 * @example
 * ```ts
 * import { gazelleFcPolicy } from "./fc.ts";
 *
 * if (gazelleFcPolicy(true).skipZeroDiagonals) throw new Error();
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
 * Compile an FC layer for GAZELLE: a one-part program.
 *
 * @example
 * ```ts
 * import { planGazelleFc } from "./fc.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { type FcShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=512,out=512"), 1) as IntLayer<FcShape>;
 * const c = countProgram(planGazelleFc(layer, { preset: getPreset("gazelle"), stock: true }));
 * if (c.perm_in + c.perm_out !== 129 || c.mult !== 128) throw new Error();
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
