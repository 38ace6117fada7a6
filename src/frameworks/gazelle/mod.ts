/**
 * GAZELLE cost path: convolution (IR, OR, auto; stride by polyphase) and FC (hybrid) planners.
 *
 * @example Stock output rotation on a 16×16, 128 → 128 channel 3×3 conv
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planGazelle } from "./mod.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("conv1", parseLayerSpec("conv:h=16,w=16,ci=128,co=128,k=3"), 1);
 * const prog = planGazelle(layer, { preset: getPreset("gazelle"), method: "or", stock: true });
 * const ops = countProgram(prog);
 * assertEquals([ops.perm_in, ops.perm_out, ops.mult], [128, 112, 18432]);
 * ```
 *
 * @module
 */
import { type LayerProgram, programOf } from "../../he/mod.ts";
import type { BnShape, ConvShape, FcShape, IntLayer } from "../../nn/mod.ts";
import { planElementwise } from "../_elementwise.ts";
import { type GazellePlanOptions, planGazelleConv } from "./conv.ts";
import { planGazelleFc } from "./fc.ts";

export type { GazellePlanOptions } from "./conv.ts";
export { planGazelleFc } from "./fc.ts";

/**
 * Plan any linear layer (conv, FC or BatchNorm) the way GAZELLE runs it: a one-part program. The
 * layer is planned as given (`planLayer` applies a mask first); a BatchNorm run on its own is one
 * plaintext product per ciphertext.
 *
 * @example An FC layer: GAZELLE's 512 → 512 example at N = 2048
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planGazelle } from "./mod.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const fc = syntheticLayer("fc", parseLayerSpec("fc:in=512,out=512"), 1);
 * const ops = countProgram(planGazelle(fc, { preset: getPreset("gazelle"), stock: true }));
 * assertEquals([ops.perm_in + ops.perm_out, ops.mult], [129, 128]);
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
