/**
 * Pruning for HE: the HE pruning structures of every layer under a framework (derived from its
 * plan), Hunter's structured pruning, MOSAIC's prune-and-assemble with function-preserving channel
 * permutations, and mask files that carry both.
 *
 * @example
 * ```ts
 * import { prune } from "./mod.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo } from "../nn/mod.ts";
 * import { assert, assertAlmostEquals } from "@std/assert";
 *
 * const net = buildZoo("resnet18-cifar10", { width: 0.125 });
 * const { report } = prune(net, {
 *   method: "mosaic",
 *   framework: "cryptflow2",
 *   preset: getPreset("cryptflow2"),
 *   budget: { kind: "sparsity", ratio: 0.6 },
 * });
 * assertAlmostEquals(report.totals.sparsity, 0.6, 0.01);
 * assert(report.totals.cost_pct < 100 && report.totals.retained_saliency < 1);
 * ```
 *
 * @module
 */
export {
  DEFAULT_KINDS,
  type LayerStructures,
  layerStructures,
  type Structure,
  STRUCTURE_KINDS,
  type StructureKind,
  type StructureOptions,
  survivingCounts,
} from "./structures.ts";
export { ProxyState } from "./proxy.ts";
export {
  type Budget,
  budgetLabel,
  checkBudget,
  denseMs,
  perLayerBudget,
  type SelectionResult,
  type SelectLayer,
  selectStructures,
} from "./select.ts";
export { DEFAULT_FLOOR, Floors } from "./floors.ts";
export {
  DEFAULT_IMPORTANCE,
  type Importance,
  importanceOf,
  IMPORTANCES,
  type Norm,
} from "./importance.ts";
export {
  assemble,
  ASSEMBLE_DEFAULTS,
  type AssembleOptions,
  type AssembleResult,
} from "./assemble.ts";
export {
  type AssemblyValue,
  assemblyValue,
  instanceStates,
  MAX_OPTIMUM_CHANNELS,
  optimum,
  type OptimumPoint,
  type OptimumResult,
  type SmallInstance,
} from "./optimum.ts";
export {
  GAP_GEOMETRIES,
  GAP_MASKS,
  type GapCase,
  gapCases,
  type GapGeometry,
  type GapRow,
  measureGap,
} from "./assembly_gap.ts";
export {
  checkPermutations,
  invert,
  type LayerMove,
  layerMoves,
  movePerms,
  type Permutations,
  permuteMasks,
  permuteNetwork,
  permuteWeights,
  tieKey,
} from "./permute.ts";
export {
  BASIC_UNITS,
  type BasicUnit,
  type Completion,
  prune,
  PRUNE_METHODS,
  type PruneLayerReport,
  type PruneMethod,
  type PruneOptions,
  type PruneReport,
  type PruneResult,
  topOneAgreement,
} from "./prune.ts";
