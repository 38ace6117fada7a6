/**
 * GAZELLE cost path: convolution (IR, OR, auto; stride by polyphase) and FC (hybrid) planners.
 *
 * @example
 * ```ts
 * import { planGazelle } from "./mod.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("conv1", parseLayerSpec("conv:h=16,w=16,ci=128,co=128,k=3"), 1);
 * const prog = planGazelle(layer, { preset: getPreset("gazelle"), method: "or", stock: true });
 * const ops = countProgram(prog);
 * if (ops.perm_in !== 128 || ops.perm_out !== 112 || ops.mult !== 18432) throw new Error();
 * ```
 *
 * @module
 */
import { type LayerProgram, programOf } from "../../he/mod.ts";
import type { BnShape, ConvShape, FcShape, IntLayer } from "../../nn/mod.ts";
import { planElementwise } from "../elementwise.ts";
import { type GazellePlanOptions, planGazelleConv } from "./conv.ts";
import { planGazelleFc } from "./fc.ts";

export { type GazellePlanOptions, gazellePolicy, planGazelleConv } from "./conv.ts";
export { gazelleFcPolicy, planGazelleFc } from "./fc.ts";

/**
 * Plan any linear layer (conv, FC or BatchNorm) the way GAZELLE runs it: a one-part program.
 *
 * @example
 * ```ts
 * import { planGazelle } from "./mod.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const fc = syntheticLayer("fc", parseLayerSpec("fc:in=512,out=512"), 1);
 * const ops = countProgram(planGazelle(fc, { preset: getPreset("gazelle"), stock: true }));
 * if (ops.perm_in + ops.perm_out !== 129 || ops.mult !== 128) throw new Error();
 * ```
 */
export function planGazelle(layer: IntLayer, opts: GazellePlanOptions): LayerProgram {
  switch (layer.shape.kind) {
    case "conv":
      return planGazelleConv(layer as IntLayer<ConvShape>, opts);
    case "fc":
      return planGazelleFc(layer as IntLayer<FcShape>, opts);
    case "bn":
      // GAZELLE folds BatchNorm into the convolution; run on its own it is one product per
      // ciphertext, with no masking (GAZELLE's kernels return raw results).
      return programOf(planElementwise(layer as IntLayer<BnShape>, {
        framework: "gazelle",
        preset: opts.preset,
        policy: { maskOutputs: false, switchesBeforeFlood: 0, floodBits: 0, switchesAtEnd: 0 },
        stock: opts.stock ?? false,
      }));
  }
}
