/**
 * Frameworks: each compiles a linear layer (conv, FC or BatchNorm) into the `LayerProgram` the HE
 * side counts, simulates and runs on node-seal: one or more `LayerPlan`s whose outputs add up
 * (GAZELLE plans one part; CrypTFlow2 one per stride phase of a conv).
 *
 * `planLayer(layer, { framework, preset, mask, ... })` is the entry point; `FRAMEWORKS` lists the
 * frameworks and `frameworkName` checks a name from a flag or a file. `planGazelle` and
 * `planCryptflow2` are the per-framework planners `planLayer` dispatches to (they plan the layer
 * as given, unmasked); `planGazelleFc` is GAZELLE's FC planner on its own.
 *
 * Adding a framework (say Cheetah) touches three places in this folder:
 *
 * - a planner folder like `gazelle/` or `cryptflow2/`, whose `mod.ts` exports
 *   `planCheetah(layer, opts): LayerProgram` for conv, FC and BatchNorm layers and its options
 *   type: `preset` required, anything else optional, since model cost, pruning and the scripts
 *   call `planLayer` with only `framework`, `preset`, `method`, `stock` and `mask`. The building
 *   blocks are the `_`-prefixed files here: packings and the client's slot I/O (`_packing.ts`),
 *   conv lowering to a stride-1 grid (`_grid_conv.ts`), the rotation-based conv planner with a
 *   per-framework `RotationPolicy` (`_rotation_conv.ts`), the hybrid FC planner (`_hybrid_fc.ts`)
 *   and the element-wise planner (`_elementwise.ts`); `gazelle/conv.ts` and `cryptflow2/conv.ts`
 *   build two conv methods on them;
 * - this file: its name in `FRAMEWORKS`, its options in `FrameworkPlanOptions` and a `case` in
 *   `planLayer`'s switch (each missing piece is a type error), and its planner and options type
 *   on the export list; its plan methods in `_methods.ts` (a type error too if missing);
 * - `conformance_test.ts`: its toy and node-seal presets in `SIM_PRESET` and `HE_PRESET` (typed
 *   by `FrameworkName`, so a missing entry is a type error). The suite then runs every case
 *   against it: exact results simulated with and without masks and on node-seal, ledger equal to
 *   the plan's counts.
 *
 * Everything that takes a framework by name then accepts it: `frameworkName`, the scripts'
 * `--framework` flag (the preset comes from `--preset`; a new parameter set goes in the HE
 * presets), model cost tables and pruning. Outside this folder two tables name each framework and
 * reject a new one until given an entry: the nonlinear (ReLU, MaxPool) cost model of `cost/` and
 * the study's per-framework preset (`studyPreset` in `study/`).
 *
 * @example Plan one layer for GAZELLE
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planLayer } from "./mod.ts";
 * import { countProgram, getPreset } from "../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=8,w=8,ci=4,co=4,k=3"), 3);
 * const prog = planLayer(layer, { framework: "gazelle", preset: getPreset("gazelle") });
 * assertEquals(prog.parts.length, 1);
 * assertEquals(prog.method, "or"); // `auto` (the default) kept the cheaper of IR and OR
 * const ops = countProgram(prog);
 * assertEquals([ops.cts_up, ops.cts_down], [1, 1]); // 4 channels of 8×8 fit one ciphertext
 * ```
 *
 * @module
 */
import { checkMemory, type LayerProgram, type MemoryEstimate, type Preset } from "../he/mod.ts";
import { applyMask, type IntLayer, type LayerShape } from "../nn/mod.ts";
import { UserError } from "../base/mod.ts";
import { layerMemory as estimate, type MemoryPlanOptions } from "./_memory.ts";
import { type Cryptflow2PlanOptions, planCryptflow2 } from "./cryptflow2/mod.ts";
import { type GazellePlanOptions, planGazelle } from "./gazelle/mod.ts";
import { type CheetahPlanOptions, planCheetah } from "./cheetah/mod.ts";
import { frameworkMethod } from "./_methods.ts";

export { type GazellePlanOptions, planGazelle, planGazelleFc } from "./gazelle/mod.ts";
export { type Cryptflow2PlanOptions, planCryptflow2 } from "./cryptflow2/mod.ts";
export {
  type CheetahConvGeometry,
  cheetahConvGeometry,
  cheetahFcSplit,
  type CheetahMethod,
  type CheetahPlanOptions,
  planCheetah,
  planCheetahBn,
  planCheetahConv,
  planCheetahFc,
} from "./cheetah/mod.ts";
export type { MemoryPlanOptions } from "./_memory.ts";
export {
  frameworkMethod,
  type FrameworkMethods,
  frameworkMethods,
  structureMethod,
} from "./_methods.ts";

/**
 * Frameworks this build can plan for.
 *
 * @example Three frameworks, GAZELLE first
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FRAMEWORKS } from "./mod.ts";
 *
 * assertEquals([...FRAMEWORKS], ["gazelle", "cryptflow2", "cheetah"]);
 * ```
 */
export const FRAMEWORKS = ["gazelle", "cryptflow2", "cheetah"] as const;

/** A framework this build can plan for: an element of `FRAMEWORKS`. */
export type FrameworkName = (typeof FRAMEWORKS)[number];

/**
 * Each framework's planner options, keyed by framework name (a framework in `FRAMEWORKS` without
 * an entry is a type error in `PlanOptions`).
 */
export interface FrameworkPlanOptions {
  /** GAZELLE: preset, conv method (IR, OR or auto), stock mode, key budget, unit costs. */
  readonly gazelle: GazellePlanOptions;
  /** CrypTFlow2 (SCI-HE): preset, stock mode, key budget, output flooding. */
  readonly cryptflow2: Cryptflow2PlanOptions;
  /** Cheetah: a coefficient-encoded preset, product method (`coeff` or `ntt`), stock mode. */
  readonly cheetah: CheetahPlanOptions;
}

/**
 * Options of `planLayer`: the framework, its planner's options, and the layer's 0/1 weight mask
 * (one entry per weight, same layout as the weights; 0 = pruned), which `planLayer` applies once
 * by zeroing the pruned weights. A
 * union discriminated by `framework`: GAZELLE's `method` or CrypTFlow2's `flood` type-check only
 * with their framework; a `FrameworkName` not known until run time takes the options every
 * framework shares (`CommonPlanOptions`).
 */
export type PlanOptions =
  | {
    readonly [F in FrameworkName]:
      & { readonly framework: F; readonly mask?: Uint8Array }
      & FrameworkPlanOptions[F];
  }[FrameworkName]
  | CommonPlanOptions;

/**
 * The options every framework takes, for a framework chosen at run time (TypeScript checks an
 * object whose `framework` is a union against at most 25 combinations of the members' literal
 * properties, fewer than three frameworks' options make). `method` is the framework's own
 * (`frameworkMethods`: GAZELLE `ir`, `or`; CrypTFlow2 `sci`; Cheetah `coeff`, `ntt`; `auto` for
 * any): a name of another framework is a `UserError`, never silently another method.
 */
export interface CommonPlanOptions {
  /** The framework, known at run time. */
  readonly framework: FrameworkName;
  /** The parameter set. */
  readonly preset: Preset;
  /** The framework's own plan method (default: the framework's `auto`). */
  readonly method?: string;
  /** Stock plans (nothing skipped). */
  readonly stock?: boolean;
  /** The layer's 0/1 weight mask. */
  readonly mask?: Uint8Array;
}

/**
 * The framework named `name`, or a one-line error listing the frameworks.
 *
 * @example A name from a flag or a file
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { frameworkName } from "./mod.ts";
 * import { UserError } from "../base/mod.ts";
 *
 * assertEquals(frameworkName("cryptflow2"), "cryptflow2");
 * assertThrows(() => frameworkName("delphi"), UserError, "use one of gazelle, cryptflow2, cheetah");
 * ```
 */
export function frameworkName(name: string): FrameworkName {
  const known: readonly string[] = FRAMEWORKS;
  if (known.includes(name)) return name as FrameworkName;
  throw new UserError(`Unknown framework "${name}": use one of ${FRAMEWORKS.join(", ")}`);
}

/**
 * Plan a layer (conv, FC or BatchNorm) for a framework: a program of one or more HE plans whose
 * outputs add up. The weight mask, if any, is applied here, once; the framework planners see the
 * masked layer. An unknown `framework` (from untyped callers) is a one-line `UserError`; a layer
 * that does not fit the preset is a `UserError` too, and so is one whose plan would not fit in
 * memory (`checkLayerMemory`, checked before anything is built).
 *
 * @example GAZELLE plans one part; CrypTFlow2 one per stride phase
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planLayer } from "./mod.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=16,w=16,ci=8,co=8,k=3,s=2"), 1);
 * const g = planLayer(layer, { framework: "gazelle", preset: getPreset("gazelle"), method: "or" });
 * const c = planLayer(layer, { framework: "cryptflow2", preset: getPreset("cryptflow2") });
 * assertEquals(g.parts.length, 1);
 * assertEquals(c.parts.length, 4);
 * ```
 *
 * @example A mask zeroes weights before planning
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planLayer } from "./mod.ts";
 * import { countProgram, getPreset } from "../he/mod.ts";
 * import { applyMask, parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("f", parseLayerSpec("fc:in=64,out=16"), 1);
 * const preset = getPreset("cryptflow2");
 * const some = Uint8Array.from(layer.weights, (_, j) => (j % 3 === 0 ? 1 : 0));
 * const a = countProgram(planLayer(layer, { framework: "cryptflow2", preset, mask: some }));
 * const b = countProgram(planLayer(applyMask(layer, some), { framework: "cryptflow2", preset }));
 * assertEquals(a, b);
 * // All weights pruned: SCI skips every all-zero diagonal, so nothing is multiplied or returned.
 * const none = new Uint8Array(layer.weights.length);
 * const c = countProgram(planLayer(layer, { framework: "cryptflow2", preset, mask: none }));
 * assertEquals([c.mult, c.cts_down], [0, 0]);
 * ```
 */
export function planLayer(layer: IntLayer, opts: PlanOptions): LayerProgram {
  frameworkName(opts.framework); // callers without types (JSON, workers): one clear line
  // A method is the framework's own: another framework's name is refused here, in one line.
  const method = "method" in opts ? frameworkMethod(opts.framework, opts.method) : undefined;
  checkLayerMemory(layer.shape, layer.name, opts);
  const masked = applyMask(layer, opts.mask);
  switch (opts.framework) {
    case "gazelle":
      return planGazelle(masked, { ...opts, method: method as GazellePlanOptions["method"] });
    case "cryptflow2":
      return planCryptflow2(masked, opts);
    case "cheetah":
      return planCheetah(masked, opts);
  }
}

/**
 * The memory a layer of shape `shape` needs under `opts`, predicted from its shape and the
 * framework's packing before anything is built: planning (weights, op list, mask records, packing
 * tables) and execution on node-seal (masks as SEAL plaintexts, Galois keys, ciphertexts, the
 * client's slot vectors). Every part is an upper bound of what the built plan holds; parts a
 * planner refuses on its own (a layer that does not fit the preset) count nothing.
 *
 * @example A 16 × 16 GAZELLE conv, 128 → 128 channels: about 10 MB to plan, 0.6 GB of masks
 * ```ts
 * import { assert } from "@std/assert";
 * import { layerMemory } from "./mod.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec } from "../nn/mod.ts";
 *
 * const shape = parseLayerSpec("conv:h=16,w=16,ci=128,co=128,k=3");
 * const e = layerMemory(shape, "c", { framework: "gazelle", preset: getPreset("gazelle"), method: "or" });
 * assert(e.planning.total > 5e6 && e.planning.total < 20e6);
 * assert(e.execution.masks === 18432 * 2048 * 2 * 8); // every product's plaintext
 * ```
 */
export function layerMemory(
  shape: LayerShape,
  name: string,
  opts: MemoryPlanOptions,
): MemoryEstimate {
  return estimate(shape, name, opts);
}

/**
 * Refuse, before anything is allocated, a layer whose plan would not fit the memory limit
 * (`MOSAIC_MAX_MEMORY`, else half of the machine's memory: see `memoryLimit` in the HE face) or,
 * with `execute`, whose SEAL objects would not fit node-seal's 4 GiB heap: one `UserError` line
 * naming the layer, the bytes and how to raise the limit. `planLayer` calls it; call it yourself
 * before building a layer's weights (they count too).
 *
 * @example A billion-input FC layer is refused before its weights exist
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkLayerMemory } from "./mod.ts";
 * import { getPreset } from "../he/mod.ts";
 *
 * assertThrows(
 *   () => checkLayerMemory({ kind: "fc", in: 1e9, out: 6 }, "fc", { framework: "gazelle", preset: getPreset("gazelle") }),
 *   Error,
 *   "Layer fc under gazelle needs an estimated",
 * );
 * ```
 */
export function checkLayerMemory(
  shape: LayerShape,
  name: string,
  opts: MemoryPlanOptions,
  check: { readonly execute?: boolean } = {},
): void {
  checkMemory(estimate(shape, name, opts), check);
}
