/**
 * Cost paths: each framework compiles a linear layer into a `LayerPlan` the HE executor runs.
 *
 * @example
 * ```ts
 * import { planLayer } from "./mod.ts";
 * import { countProgram, getPreset } from "../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=8,w=8,ci=4,co=4,k=3"), 3);
 * const prog = planLayer("gazelle", layer, { preset: getPreset("gazelle") });
 * console.log(prog.method, countProgram(prog));
 * ```
 *
 * @module
 */
import { type LayerProgram, programOf } from "../he/mod.ts";
import type { IntLayer } from "../nn/mod.ts";
import { UserError } from "../base/mod.ts";
import { planCryptflow2 } from "./cryptflow2/mod.ts";
import { type GazellePlanOptions, planGazelle } from "./gazelle/mod.ts";

export * from "./gazelle/mod.ts";
export * from "./cryptflow2/mod.ts";
export { type ElementwisePolicy, planElementwise } from "./elementwise.ts";
export { type GridConv, lowerConv, sciPhases, type StridePhase } from "./grid_conv.ts";
export {
  type FcGeometry,
  fcGeometry,
  type FcPolicy,
  type HybridFcOptions,
  planHybridFc,
} from "./hybrid_fc.ts";
export {
  type InRotation,
  planRotationConv,
  type RotationPolicy,
  type RotationProgram,
  type RotationScheme,
} from "./rotation_conv.ts";
export { blockPacking, type MapStack, nextPow2, type Packing, rowPacking } from "./packing.ts";

/**
 * Frameworks this build can plan for.
 *
 * @example
 * ```ts
 * import { FRAMEWORKS } from "./mod.ts";
 *
 * if (FRAMEWORKS.join() !== "gazelle,cryptflow2") throw new Error();
 * ```
 */
export const FRAMEWORKS = ["gazelle", "cryptflow2"] as const;

/** Options for any framework (`method` and `unitCosts` only matter to GAZELLE's conv). */
export type PlanOptions = GazellePlanOptions;

/**
 * Plan a layer for a framework by name: one or more HE plans whose outputs add up.
 *
 * @example
 * ```ts
 * import { planLayer } from "./mod.ts";
 * import { countProgram, getPreset } from "../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=16,w=16,ci=8,co=8,k=3,s=2"), 1);
 * const g = planLayer("gazelle", layer, { preset: getPreset("gazelle") });
 * const c = planLayer("cryptflow2", layer, { preset: getPreset("cryptflow2") });
 * console.log(g.parts.length, c.parts.length, countProgram(c).mult); // 1 part; 4 stride phases
 * ```
 */
export function planLayer(framework: string, layer: IntLayer, opts: PlanOptions): LayerProgram {
  if (framework === "gazelle") return programOf(planGazelle(layer, opts));
  if (framework === "cryptflow2") return planCryptflow2(layer, opts);
  throw new UserError(`Unknown framework "${framework}": use one of ${FRAMEWORKS.join(", ")}`);
}
