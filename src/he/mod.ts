/**
 * The HE engine: BFV presets as data, Galois-key planning, the `LayerPlan` / `LayerProgram`
 * program format with its op counts (`countPlan`, `countProgram`), a plaintext simulator, the one
 * executor that runs any plan on node-seal and records an op ledger equal to the counts, and unit
 * op costs for predicted times (`predictMs`). SEAL's own objects stay inside: the phased executor
 * hands out opaque `CiphertextHandle`s, and `closeEnvs` frees the cached contexts and keys.
 *
 * @example Count a plan's ops without encryption
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { countPlan, getPreset, securityLabel } from "./mod.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const preset = getPreset("gazelle-secure");
 * const plan = planGazelle(syntheticLayer("fc", parseLayerSpec("fc:in=64,out=10"), 1), { preset }).parts[0];
 * // Hybrid packing: all 10 × 64 weights in one product, then log2(64) = 6 rotate-and-add steps.
 * const c = countPlan(plan);
 * assertEquals(securityLabel(preset), "128-bit secure");
 * assertEquals([c.mult, c.perm_out], [1, 6]);
 * ```
 *
 * @module
 */
export {
  CHEETAH_DEFAULT_BITS,
  cheetahPreset,
  cheetahTruncationBits,
  cryptflow2Preset,
  getPreset,
  type Preset,
  presetNames,
  SCI_PRIME_MOD,
  securityLabel,
  withSlots,
} from "./presets.ts";
export { liveSealObjects, NODE_SEAL_VERSION, SEAL_VERSION } from "./seal.ts";
export { closeEnvs } from "./env.ts";
export {
  chooseKeys,
  DEFAULT_KEY_BUDGET_BYTES,
  galoisKeySetBytes,
  isIdentity,
  type KeyPlan,
  normalizeStep,
  type Rotation,
  sourceSlot,
} from "./galois.ts";
export {
  addCounts,
  ciphertextBytes,
  countAt,
  countPlan,
  countProgram,
  type DownCounter,
  type HeOp,
  type LayerPlan,
  type LayerProgram,
  LEVEL_COUNTERS,
  type LevelCounter,
  type MaskBank,
  type OpCounts,
  OpList,
  programOf,
  type Reg,
  subCounts,
  tallyOp,
  zeroCounts,
} from "./plan.ts";
export {
  type CiphertextHandle,
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
export {
  checkAllocation,
  checkMemory,
  type CheckMemoryOptions,
  checkSealMemory,
  estimateMemory,
  FALLBACK_MEMORY_LIMIT,
  formatBytes,
  MEMORY_LIMIT_ENV,
  type MemoryEstimate,
  type MemoryLimit,
  memoryLimit,
  parseMemorySize,
  type PartCounts,
  SEAL_HEAP_BYTES,
  sealMemory,
} from "./memory.ts";
export { simulatePlan } from "./simulate.ts";
export {
  DOWN_UNIT_COST_FIELDS,
  type DownUnitCosts,
  MEASURED_UNIT_COSTS,
  MEASURED_UNIT_COSTS_ORIGIN,
  predictMs,
  UNIT_COST_FIELDS,
  type UnitCosts,
  unitCostsFor,
  type UnitCostsOrigin,
} from "./unit_costs.ts";
export {
  isCurrentMeasurement,
  type MeasureOptions,
  measureUnitCosts,
  measureUnitOps,
  timingClock,
  type TimingStatistic,
  UNIT_OPS,
  UNIT_OPS_REVISION,
  type UnitOp,
  type UnitOpRunner,
  unitOps,
} from "./unit_ops.ts";
