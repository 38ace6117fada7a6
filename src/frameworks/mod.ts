/**
 * Cost paths: each framework compiles a linear layer into a `LayerPlan` the HE executor runs.
 *
 * @example
 * ```ts
 * import { planLayer } from "./mod.ts";
 * import { countPlan, getPreset } from "../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=8,w=8,ci=4,co=4,k=3"), 3);
 * const plan = planLayer("gazelle", layer, { preset: getPreset("gazelle") });
 * console.log(plan.method, countPlan(plan));
 * ```
 *
 * @module
 */
import { UserError } from "../he/errors.ts";
import type { LayerPlan } from "../he/plan.ts";
import type { IntLayer } from "../nn/layers.ts";
import { type GazellePlanOptions, planGazelle } from "./gazelle/mod.ts";

export * from "./gazelle/mod.ts";
export { type GridConv, lowerConv } from "./grid_conv.ts";
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
 * if (!FRAMEWORKS.includes("gazelle")) throw new Error();
 * ```
 */
export const FRAMEWORKS = ["gazelle"] as const;

/**
 * Plan a layer for a framework by name.
 *
 * @example
 * ```ts
 * import { planLayer } from "./mod.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const fc = syntheticLayer("fc", parseLayerSpec("fc:in=16,out=4"), 1);
 * console.log(planLayer("gazelle", fc, { preset: getPreset("gazelle") }).geometry);
 * ```
 */
export function planLayer(framework: string, layer: IntLayer, opts: GazellePlanOptions): LayerPlan {
  if (framework === "gazelle") return planGazelle(layer, opts);
  throw new UserError(`Unknown framework "${framework}": use one of ${FRAMEWORKS.join(", ")}`);
}
