/**
 * CrypTFlow2 (SCI-HE) cost path: convolution by stride phases, FC (hybrid) and element-wise
 * product (BatchNorm), with SCI's secret-shared outputs.
 *
 * @example A ResNet-50 downsampling 1×1: stride 2 without padding keeps one phase of the four
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planCryptflow2 } from "./mod.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=14,w=14,ci=1024,co=2048,k=1,s=2,p=0"), 1);
 * const prog = planCryptflow2(layer, { preset: getPreset("cryptflow2") });
 * assertEquals(prog.geometry.phases, 1);
 * assertEquals(countProgram(prog).mult, 16384);
 * ```
 *
 * @module
 */
import { type LayerProgram, programOf } from "../../he/mod.ts";
import type { BnShape, ConvShape, FcShape, IntLayer } from "../../nn/mod.ts";
import { planElementwise } from "../_elementwise.ts";
import { type Cryptflow2PlanOptions, planCryptflow2Conv, smudgingBits } from "./conv.ts";
import { planCryptflow2Fc } from "./_fc.ts";

export type { Cryptflow2PlanOptions } from "./conv.ts";

/**
 * Plan any linear layer (conv, FC or BatchNorm) the way SCI-HE runs it: one part per stride phase
 * of a conv (each at SCI's N for its sub-image), one part for an FC layer (at SCI's N for its
 * input length) or a BatchNorm. The layer is planned as given (`planLayer` applies a mask first).
 *
 * @example A BatchNorm: one product, two mod switches (before flooding, before sending)
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planCryptflow2 } from "./mod.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const bn = syntheticLayer("bn", parseLayerSpec("bn:c=16,h=8,w=8"), 1);
 * const c = countProgram(planCryptflow2(bn, { preset: getPreset("cryptflow2") }));
 * assertEquals([c.mult, c.mod_switch], [1, 2]);
 * ```
 */
export function planCryptflow2(layer: IntLayer, opts: Cryptflow2PlanOptions): LayerProgram {
  switch (layer.shape.kind) {
    case "conv":
      return planCryptflow2Conv(layer as IntLayer<ConvShape>, opts);
    case "fc":
      return planCryptflow2Fc(layer as IntLayer<FcShape>, opts);
    case "bn":
      return programOf(planElementwise(layer as IntLayer<BnShape>, {
        framework: "cryptflow2",
        preset: opts.preset,
        policy: {
          maskOutputs: true,
          switchesBeforeFlood: 1,
          floodBits: opts.flood === false ? 0 : smudgingBits(opts.preset),
          switchesAtEnd: 1,
        },
        stock: opts.stock ?? false,
      }));
  }
}
