/**
 * GAZELLE cost path: convolution (IR, OR, auto; stride by polyphase) and FC (hybrid) planners.
 *
 * @example
 * ```ts
 * import { planGazelle } from "./mod.ts";
 * import { countPlan, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("conv1", parseLayerSpec("conv:h=16,w=16,ci=128,co=128,k=3"), 1);
 * const plan = planGazelle(layer, { preset: getPreset("gazelle"), method: "or", stock: true });
 * const ops = countPlan(plan);
 * if (ops.perm_in !== 128 || ops.perm_out !== 112 || ops.mult !== 18432) throw new Error();
 * ```
 *
 * @module
 */
import type { LayerPlan } from "../../he/plan.ts";
import type { ConvShape, FcShape, IntLayer } from "../../nn/layers.ts";
import { type GazellePlanOptions, planGazelleConv } from "./conv.ts";
import { planGazelleFc } from "./fc.ts";

export { type GazellePlanOptions, gazellePolicy, planGazelleConv } from "./conv.ts";
export { gazelleFcPolicy, planGazelleFc } from "./fc.ts";

/**
 * Plan any linear layer (conv or FC) the way GAZELLE runs it.
 *
 * @example
 * ```ts
 * import { planGazelle } from "./mod.ts";
 * import { countPlan, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const fc = syntheticLayer("fc", parseLayerSpec("fc:in=512,out=512"), 1);
 * const ops = countPlan(planGazelle(fc, { preset: getPreset("gazelle"), stock: true }));
 * if (ops.perm_in + ops.perm_out !== 129 || ops.mult !== 128) throw new Error();
 * ```
 */
export function planGazelle(layer: IntLayer, opts: GazellePlanOptions): LayerPlan {
  return layer.shape.kind === "conv"
    ? planGazelleConv(layer as IntLayer<ConvShape>, opts)
    : planGazelleFc(layer as IntLayer<FcShape>, opts);
}
