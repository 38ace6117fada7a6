/**
 * CrypTFlow2 / SCI-HE FC (`fc-field.cpp`): GAZELLE's hybrid method at
 * N = min(max(8192, 2·np2(n_i)), 65536), all-zero diagonals skipped (SCI does), one mod switch
 * before the rotate-and-sum, the uniform output mask, one before sending.
 *
 * @module
 */
import { type LayerProgram, programOf, withSlots } from "../../he/mod.ts";
import type { FcShape, IntLayer } from "../../nn/mod.ts";
import { UserError } from "../../base/mod.ts";
import { type FcPolicy, planHybridFc } from "../_hybrid_fc.ts";
import { nextPow2 } from "../_packing.ts";
import { type Cryptflow2PlanOptions, MAX_SLOTS, smudgingBits } from "./conv.ts";

/**
 * SCI's FC policy: all-zero diagonals skipped (SCI's own code does), one mod switch after the
 * products, the uniform output mask, flooding with `floodBits` bits (0: none), one mod switch
 * before sending; `stock` starts sums from an encryption of zero.
 *
 * @example SCI skips zero diagonals even in stock mode
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sciFcPolicy } from "./_fc.ts";
 *
 * assertEquals(sciFcPolicy(true).skipZeroDiagonals, true);
 * assertEquals(sciFcPolicy(true).zeroInit, true);
 * ```
 */
export function sciFcPolicy(stock: boolean, floodBits = 0): FcPolicy {
  return {
    skipZeroDiagonals: true,
    zeroInit: stock,
    switchesAfterMac: 1,
    maskOutputs: true,
    floodBits,
    switchesAtEnd: 1,
  };
}

/**
 * Compile an FC layer the way SCI-HE runs it: a one-part program at SCI's N for the input length
 * (a `UserError` past node-seal's largest N).
 *
 * @example MiniONN's FC 1024 → 10 (docs/frameworks.md §2.4): rot 10, ScMult 2, Add 12 with the mask
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planCryptflow2Fc } from "./_fc.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { type FcShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const fc = syntheticLayer("fc", parseLayerSpec("fc:in=1024,out=10"), 1) as IntLayer<FcShape>;
 * const c = countProgram(planCryptflow2Fc(fc, { preset: getPreset("cryptflow2"), stock: true }));
 * assertEquals([c.perm_in + c.perm_out, c.mult, c.add + c.add_mask], [10, 2, 12]);
 * ```
 */
export function planCryptflow2Fc(
  layer: IntLayer<FcShape>,
  opts: Cryptflow2PlanOptions,
): LayerProgram {
  const N = Math.min(65536, Math.max(opts.preset.polyModulusDegree, 2 * nextPow2(layer.shape.in)));
  if (N > MAX_SLOTS) {
    throw new UserError(
      `Layer ${layer.name}: an input of ${layer.shape.in} values needs N = ${N} in SCI; ` +
        `SEAL 4 / node-seal stop at N = ${MAX_SLOTS}`,
    );
  }
  const stock = opts.stock ?? false;
  const preset = withSlots(opts.preset, N);
  return programOf(planHybridFc(layer, {
    framework: "cryptflow2",
    preset,
    policy: sciFcPolicy(stock, opts.flood === false ? 0 : smudgingBits(preset)),
    stock,
    keyBudgetBytes: opts.keyBudgetBytes,
  }));
}
