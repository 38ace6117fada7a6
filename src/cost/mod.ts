/**
 * Costs of whole models: per-layer summary rows, model cost tables ("% of unpruned"), op weights
 * (calibrated unit costs or native SEAL ratios), and the nonlinear (OT / GC) cost model. No SEAL:
 * everything here is counted from plans.
 *
 * @example The summary row of one CrypTFlow2 layer
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { programSummary } from "./mod.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { planLayer } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=16,w=16,ci=8,co=8,k=3,s=2"), 1);
 * const row = programSummary(planLayer(layer, { framework: "cryptflow2", preset: getPreset("cryptflow2") }));
 * assertEquals(row.phases, 4);
 * ```
 *
 * @module
 */
export {
  type NetworkNonlinear,
  networkNonlinear,
  type NonlinearCost,
  nonlinearCost,
  type NonlinearShape,
  parseNonlinearSpec,
  truncationCost,
} from "./nonlinear.ts";
export {
  costPercent,
  type CostRow,
  type ModelCost,
  modelCost,
  type ModelCostOptions,
  modelCostParallel,
  plannerThreads,
  spawnPlanners,
} from "./model_cost.ts";
export {
  CALIBRATION_FORMAT,
  type CalibrationFile,
  calibrationSchema,
  type NamedWeights,
  NATIVE_SEAL_RATIOS,
  type OpWeightsFile,
  opWeightsSchema,
  parseOpWeights,
  type PartialUnitCosts,
  readCalibration,
  unitCostCachePath,
  unitCostsSchema,
} from "./op_weights.ts";
export { type LayerSummary, programSummary, type SummaryOps } from "./summary.ts";
export { layerRings, type RingCounts, type RingOps, ringOps, unitCostsAtRing } from "./rings.ts";
