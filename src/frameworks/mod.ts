/**
 * Cost paths: each framework compiles a linear layer into a `LayerProgram` (one or more
 * `LayerPlan`s whose outputs add up) the HE executor runs.
 *
 * @example Plan one layer for GAZELLE
 * ```ts
 * import { planLayer } from "./mod.ts";
 * import { countProgram, getPreset } from "../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=8,w=8,ci=4,co=4,k=3"), 3);
 * const prog = planLayer(layer, { framework: "gazelle", preset: getPreset("gazelle") });
 * if (prog.parts.length !== 1 || countProgram(prog).mult < 1) throw new Error();
 * ```
 *
 * @module
 */
import type { LayerProgram } from "../he/mod.ts";
import { applyMask, type IntLayer } from "../nn/mod.ts";
import { UserError } from "../base/mod.ts";
import { type Cryptflow2PlanOptions, planCryptflow2 } from "./cryptflow2/mod.ts";
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
 * @example Both frameworks, GAZELLE first
 * ```ts
 * import { FRAMEWORKS } from "./mod.ts";
 *
 * if (FRAMEWORKS.join() !== "gazelle,cryptflow2") throw new Error();
 * ```
 */
export const FRAMEWORKS = ["gazelle", "cryptflow2"] as const;

/** A framework this build can plan for. */
export type FrameworkName = (typeof FRAMEWORKS)[number];

/** Each framework's planner options (a framework in `FRAMEWORKS` without an entry is a type error). */
export interface FrameworkPlanOptions {
  readonly gazelle: GazellePlanOptions;
  readonly cryptflow2: Cryptflow2PlanOptions;
}

/**
 * Options of `planLayer`: the framework, its planner's options, and the layer's 0/1 weight mask
 * (same layout as the weights), which `planLayer` applies once by zeroing the pruned weights. A
 * union discriminated by `framework`: GAZELLE's `method` or CrypTFlow2's `flood` type-check only
 * with their framework (or with a `FrameworkName` not known until run time).
 */
export type PlanOptions = {
  readonly [F in FrameworkName]:
    & { readonly framework: F; readonly mask?: Uint8Array }
    & FrameworkPlanOptions[F];
}[FrameworkName];

/**
 * The framework named `name`, or a one-line error listing the frameworks.
 *
 * @example A name from a flag or a file
 * ```ts
 * import { frameworkName } from "./mod.ts";
 * import { UserError } from "../base/mod.ts";
 *
 * if (frameworkName("cryptflow2") !== "cryptflow2") throw new Error();
 * let error: unknown;
 * try {
 *   frameworkName("delphi");
 * } catch (e) {
 *   error = e;
 * }
 * if (!(error instanceof UserError)) throw new Error("expected a UserError");
 * ```
 */
export function frameworkName(name: string): FrameworkName {
  const known: readonly string[] = FRAMEWORKS;
  if (known.includes(name)) return name as FrameworkName;
  throw new UserError(`Unknown framework "${name}": use one of ${FRAMEWORKS.join(", ")}`);
}

/**
 * Plan a layer for a framework: one or more HE plans whose outputs add up. The weight mask, if
 * any, is applied here, once; the framework planners see the masked layer.
 *
 * @example GAZELLE plans one part; CrypTFlow2 one per stride phase
 * ```ts
 * import { planLayer } from "./mod.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=16,w=16,ci=8,co=8,k=3,s=2"), 1);
 * const g = planLayer(layer, { framework: "gazelle", preset: getPreset("gazelle"), method: "or" });
 * const c = planLayer(layer, { framework: "cryptflow2", preset: getPreset("cryptflow2") });
 * if (g.parts.length !== 1 || c.parts.length !== 4) throw new Error();
 * ```
 *
 * @example A mask zeroes weights before planning
 * ```ts
 * import { planLayer } from "./mod.ts";
 * import { countProgram, getPreset } from "../he/mod.ts";
 * import { applyMask, parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("f", parseLayerSpec("fc:in=64,out=16"), 1);
 * const preset = getPreset("cryptflow2");
 * const some = Uint8Array.from(layer.weights, (_, j) => (j % 3 === 0 ? 1 : 0));
 * const a = countProgram(planLayer(layer, { framework: "cryptflow2", preset, mask: some }));
 * const b = countProgram(planLayer(applyMask(layer, some), { framework: "cryptflow2", preset }));
 * if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error();
 * // All weights pruned: SCI skips every all-zero diagonal, so nothing is multiplied or returned.
 * const none = new Uint8Array(layer.weights.length);
 * const c = countProgram(planLayer(layer, { framework: "cryptflow2", preset, mask: none }));
 * if (c.mult !== 0 || c.cts_down !== 0) throw new Error();
 * ```
 */
export function planLayer(layer: IntLayer, opts: PlanOptions): LayerProgram {
  frameworkName(opts.framework); // callers without types (JSON, workers): one clear line
  const masked = applyMask(layer, opts.mask);
  switch (opts.framework) {
    case "gazelle":
      return planGazelle(masked, opts);
    case "cryptflow2":
      return planCryptflow2(masked, opts);
  }
}
