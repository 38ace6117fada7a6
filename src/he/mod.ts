/**
 * The HE engine: presets (BFV parameter sets as data), the SEAL runtime and its cached
 * environments, Galois-key planning, the `LayerPlan` program format with `countPlan`, and the one
 * executor that runs any plan and records an `OpLedger`.
 *
 * @example
 * ```ts
 * import { countPlan, getPreset, securityLabel } from "./mod.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const preset = getPreset("gazelle-secure");
 * const plan = planGazelle(syntheticLayer("fc", parseLayerSpec("fc:in=64,out=10"), 1), { preset }).parts[0];
 * // Hybrid packing: all 10 × 64 weights in one product, then log2(64) = 6 rotate-and-add steps.
 * const c = countPlan(plan);
 * if (securityLabel(preset) !== "128-bit secure" || c.mult !== 1 || c.perm_out !== 6) {
 *   throw new Error();
 * }
 * ```
 *
 * @module
 */
export { sealCall, translateSealError } from "./errors.ts";
export {
  cryptflow2Preset,
  getPreset,
  type Preset,
  presetNames,
  PRESETS,
  SCI_DEFAULT_BITS,
  SCI_PRIME_MOD,
  securityLabel,
  withSlots,
} from "./presets.ts";
export { loadSeal, NODE_SEAL_VERSION, SEAL_VERSION, type SealRuntime } from "./seal.ts";
export { closeEnvs, type PresetEnv, presetEnv } from "./env.ts";
export {
  chooseKeys,
  DEFAULT_KEY_BUDGET_BYTES,
  galoisElement,
  galoisKeyBytes,
  galoisKeySetBytes,
  isIdentity,
  type KeyPlan,
  naf,
  normalizeStep,
  type Rotation,
  sourceSlot,
} from "./galois.ts";
export {
  addCounts,
  ciphertextBytes,
  countPlan,
  countProgram,
  type HeOp,
  type LayerPlan,
  type LayerProgram,
  type MaskBank,
  type OpCounts,
  OpList,
  programOf,
  type Reg,
  tallyOp,
  zeroCounts,
} from "./plan.ts";
export {
  decryptOutput,
  encryptInput,
  executeLayer,
  executeProgram,
  type ExecutionReport,
  type PreparedLayer,
  prepareLayer,
  runServer,
  type ServerResult,
} from "./executor.ts";
export { simulatePlan } from "./simulate.ts";
export { floodCiphertext } from "./flood.ts";
export { MEASURED_UNIT_COSTS, predictMs, type UnitCosts, unitCostsFor } from "./unit_costs.ts";
export {
  measureUnitCosts,
  measureUnitOps,
  UNIT_OPS,
  type UnitOp,
  type UnitOpRunner,
  unitOps,
} from "./unit_ops.ts";
