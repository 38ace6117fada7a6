/**
 * Cheetah cost path (Huang, Lu, Hong, Ding, "Cheetah: Lean and Fast Secure Two-Party Deep Neural
 * Network Inference", USENIX Security 2022): BFV with coefficient encoding, so convolution, FC
 * and BatchNorm need no rotation and no Galois key. Each output ciphertext is re-shared, switched
 * to one prime and extracted (unused coefficients zeroed, low bits truncated).
 *
 * @example A 3 × 3 conv: no rotation, one output ciphertext per output channel
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planCheetah } from "./mod.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=8,w=8,ci=4,co=6,k=3"), 1);
 * const c = countProgram(planCheetah(layer, { preset: getPreset("cheetah") }));
 * assertEquals([c.cts_up, c.cts_down, c.perm_in + c.perm_out, c.key_switches], [1, 6, 0, 0]);
 * ```
 *
 * @module
 */
import { type LayerProgram, programOf } from "../../he/mod.ts";
import type { BnShape, ConvShape, FcShape, IntLayer } from "../../nn/mod.ts";
import type { CheetahPlanOptions } from "./_plan.ts";
import { planCheetahConv } from "./conv.ts";
import { planCheetahFc } from "./fc.ts";
import { planCheetahBn } from "./bn.ts";

export type { CheetahMethod, CheetahPlanOptions } from "./_plan.ts";
export { type CheetahConvGeometry, cheetahConvGeometry, planCheetahConv } from "./conv.ts";
export { cheetahFcSplit, planCheetahFc } from "./fc.ts";
export { planCheetahBn } from "./bn.ts";

/**
 * Plan any linear layer (conv, FC or BatchNorm) the way OpenCheetah runs it, as a one-part program
 * (the layer as given: `planLayer` applies a mask first).
 *
 * @example FC and BatchNorm
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planCheetah } from "./mod.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const preset = getPreset("cheetah");
 * const fc = countProgram(planCheetah(syntheticLayer("f", parseLayerSpec("fc:in=512,out=10"), 1), { preset }));
 * const bn = countProgram(planCheetah(syntheticLayer("b", parseLayerSpec("bn:c=64,h=56,w=56"), 1), { preset }));
 * assertEquals([fc.mult, fc.cts_down], [2, 2]);
 * assertEquals([bn.mult_scalar, bn.cts_up], [64, 64]);
 * ```
 */
export function planCheetah(layer: IntLayer, opts: CheetahPlanOptions): LayerProgram {
  switch (layer.shape.kind) {
    case "conv":
      return programOf(planCheetahConv(layer as IntLayer<ConvShape>, opts));
    case "fc":
      return programOf(planCheetahFc(layer as IntLayer<FcShape>, opts));
    case "bn":
      return programOf(planCheetahBn(layer as IntLayer<BnShape>, opts));
  }
}
