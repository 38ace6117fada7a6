/**
 * Pruning for HE: `prune` runs Hunter's structured pruning or MOSAIC's prune-and-assemble on a
 * network's linear layers for a framework, to a `Budget`, over the HE pruning structures derived
 * from each layer's plan. MOSAIC's function-preserving channel permutations apply to networks and
 * masks with `permuteNetwork` and `permuteMasks`, and `deployedNetwork` is the pruned, permuted
 * network every HE cost of a pruned model is counted on; `gapCases` and `measureGap` measure its
 * assembler against the exact optimum on small instances, and `syntheticAssembly` isolates one
 * tie's assembly on random masks for timing.
 *
 * @example MOSAIC reaches the budget and permutes channels
 * ```ts
 * import { prune } from "./mod.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo } from "../nn/mod.ts";
 * import { assert, assertAlmostEquals } from "@std/assert";
 *
 * const net = buildZoo("resnet18-cifar10", { width: 0.125 });
 * const { report, permutations } = prune(net, {
 *   method: "mosaic",
 *   framework: "cryptflow2",
 *   preset: getPreset("cryptflow2"),
 *   budget: { kind: "sparsity", ratio: 0.6 },
 * });
 * assertAlmostEquals(report.totals.sparsity, 0.6, 0.01);
 * assert(report.totals.cost_pct < 100 && report.totals.retained_saliency < 1);
 * assert(permutations.size > 0);
 * ```
 *
 * @module
 */
export {
  DEFAULT_KINDS,
  type LayerStructures,
  type Structure,
  STRUCTURE_KINDS,
  type StructureKind,
} from "./structures.ts";
export { type Budget, perLayerBudget } from "./select.ts";
export { DEFAULT_FLOOR } from "./floors.ts";
export { DEFAULT_IMPORTANCE, type Importance, IMPORTANCES, type Norm } from "./importance.ts";
export { ASSEMBLE_DEFAULTS, type AssembleOptions } from "./assemble.ts";
export {
  type AssemblySummary,
  syntheticAssembly,
  type SyntheticAssemblyOptions,
} from "./synthetic_assembly.ts";
export { type AssemblyValue, type SmallInstance } from "./optimum.ts";
export {
  GAP_MASKS,
  type GapCase,
  gapCases,
  type GapGeometry,
  type GapRow,
  measureGap,
} from "./assembly_gap.ts";
export { deployedNetwork, type PrunedWeights } from "./deployed.ts";
export {
  checkPermutations,
  type LayerMove,
  type Permutations,
  permuteMasks,
  permuteNetwork,
  tieKey,
} from "./permute.ts";
export {
  BASIC_UNITS,
  type BasicUnit,
  type Completion,
  type LayerBytes,
  prune,
  PRUNE_METHODS,
  type PruneLayerReport,
  type PruneMethod,
  type PruneOptions,
  type PruneReport,
  type PruneResult,
} from "./prune.ts";
