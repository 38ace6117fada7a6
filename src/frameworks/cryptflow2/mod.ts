/**
 * CrypTFlow2 (SCI-HE) cost path: convolution by stride phases, FC (hybrid) and element-wise
 * product (BatchNorm), with SCI's secret-shared outputs.
 *
 * @example
 * ```ts
 * import { planCryptflow2 } from "./mod.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * // A ResNet-50 downsampling 1×1: stride 2 without padding keeps one phase of the four.
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=14,w=14,ci=1024,co=2048,k=1,s=2,p=0"), 1);
 * const prog = planCryptflow2(layer, { preset: getPreset("cryptflow2") });
 * if (prog.geometry.phases !== 1 || countProgram(prog).mult !== 16384) throw new Error();
 * ```
 *
 * @module
 */
import { type LayerProgram, programOf } from "../../he/mod.ts";
import type { BnShape, ConvShape, FcShape, IntLayer } from "../../nn/mod.ts";
import { planElementwise } from "../elementwise.ts";
import { type Cryptflow2PlanOptions, planCryptflow2Conv, smudgingBits } from "./conv.ts";
import { planCryptflow2Fc } from "./fc.ts";

export {
  type Cryptflow2PlanOptions,
  MAX_SLOTS,
  planCryptflow2Conv,
  type SciGeometry,
  sciGeometry,
  sciPolicy,
  sciSlots,
  seal33KeySwitches,
  smudgingBits,
} from "./conv.ts";
export { planCryptflow2Fc, sciFcPolicy } from "./fc.ts";

/**
 * Plan any linear layer the way SCI-HE runs it.
 *
 * @example
 * ```ts
 * import { planCryptflow2 } from "./mod.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const bn = syntheticLayer("bn", parseLayerSpec("bn:c=16,h=8,w=8"), 1);
 * const c = countProgram(planCryptflow2(bn, { preset: getPreset("cryptflow2") }));
 * if (c.mult !== 1 || c.mod_switch !== 2) throw new Error();
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
