/**
 * Cost model: unit op costs and predicted layer time.
 *
 * @example
 * ```ts
 * import { MEASURED_UNIT_COSTS, predictMs } from "./mod.ts";
 * import { zeroCounts } from "../he/mod.ts";
 *
 * const c = { ...zeroCounts(), mult: 10, add: 9 };
 * console.log(predictMs(c, MEASURED_UNIT_COSTS.gazelle));
 * ```
 *
 * @module
 */
export { MEASURED_UNIT_COSTS, predictMs, type UnitCosts, unitCostsFor } from "../he/unit_costs.ts";
export {
  measureUnitCosts,
  measureUnitOps,
  UNIT_OPS,
  type UnitOp,
  type UnitOpRunner,
  unitOps,
} from "../he/unit_ops.ts";
export {
  LAMBDA,
  type NetworkNonlinear,
  networkNonlinear,
  type NonlinearCost,
  nonlinearCost,
  type NonlinearShape,
  parseNonlinearSpec,
  truncationCost,
} from "./nonlinear.ts";
export {
  type CostRow,
  type ModelCost,
  modelCost,
  type ModelCostOptions,
  modelCostParallel,
  spawnPlanners,
  type WorkerJob,
  type WorkerRow,
} from "./model_cost.ts";
export {
  CALIBRATION_FORMAT,
  type NamedWeights,
  NATIVE_SEAL_RATIOS,
  parseOpWeights,
  readCalibration,
} from "./op_weights.ts";
