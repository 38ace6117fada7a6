/**
 * CrypTFlow2 / SCI-HE convolution (`SCI/src/LinearHE/conv-field.cpp`, docs/frameworks.md §2.3): stride
 * phases as independent stride-1 "valid" convolutions on zero-padded sub-images, each at
 * N = min(65536, max(8192, 2·np2(H·W))); per phase c_ph = N/(2S) channels per half, input
 * rotations by every tap, masks over (output ciphertext, rotation r, half pairing), multiply-
 * accumulate with all-zero masks skipped, a mod switch, output row rotations by r·S, one column
 * swap for the cross-half partials, the uniform output mask, and a final mod switch.
 *
 * Beyond SCI (pruning-aware default): output rotations of empty partial sums are not issued, input
 * rotations no product uses are not issued, and sums start from their first term. `stock`
 * reproduces SCI exactly: every input and output rotation, sums started from an encryption of zero.
 *
 * @module
 */
import { UserError } from "../../base/mod.ts";
import {
  chooseKeys,
  DEFAULT_KEY_BUDGET_BYTES,
  type LayerPlan,
  type LayerProgram,
  normalizeStep,
  type Preset,
  type Rotation,
  withSlots,
} from "../../he/mod.ts";
import type { ConvShape, IntLayer } from "../../nn/mod.ts";
import { sciPhases, type StridePhase } from "../_grid_conv.ts";
import { type InRotation, planRotationConv, type RotationPolicy } from "../_rotation_conv.ts";
import { blockPacking, gather, nextPow2, scatter } from "../_packing.ts";

/** Options of the CrypTFlow2 planners (the layer they get is already masked: see `planLayer`). */
export interface Cryptflow2PlanOptions {
  /** A `cryptflow2` preset (its N is SCI's minimum; SCI's rule grows it per layer). */
  readonly preset: Preset;
  /** Reproduce SCI's code exactly. */
  readonly stock?: boolean;
  /** Largest Galois key set (bytes) generated as exact steps before falling back to ±2^i keys. */
  readonly keyBudgetBytes?: number;
  /** SCI's noise flooding of outputs (default true; false only to measure its effect). */
  readonly flood?: boolean;
}

/** Largest ring degree (slots) node-seal (SEAL 4) supports; SCI patches SEAL up to 65536. */
export const MAX_SLOTS = 32768;

/**
 * SCI's ring degree for a (padded) map of `hw` slots and the preset's degree `base`:
 * min(65536, max(base, 2·np2(hw))).
 *
 * @example A 66×66 sub-image grows N to 16384; a 34×34 one stays at 8192
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sciSlots } from "./conv.ts";
 *
 * assertEquals(sciSlots(66 * 66, 8192), 16384);
 * assertEquals(sciSlots(34 * 34, 8192), 8192);
 * ```
 */
export function sciSlots(hw: number, base: number): number {
  return Math.min(65536, Math.max(base, 2 * nextPow2(hw)));
}

/**
 * SCI's sums: all-zero masks are skipped even in SCI's own code; one column swap per output
 * ciphertext; fold halves when outputs use one half and inputs two; one mod switch after the
 * multiply-accumulate and one before sending; a uniform output mask, then flooding with
 * `floodBits` bits of noise (0: none). `stock` adds what SCI's code does beyond that: sums from
 * encryptions of zero, every input rotation and every partial sum's output rotation.
 *
 * @example Stock SCI starts sums from zero; the pruning-aware default from the first term
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sciPolicy } from "./conv.ts";
 *
 * assertEquals(sciPolicy(true, false).zeroInit, true);
 * assertEquals(sciPolicy(false, false).zeroInit, false);
 * assertEquals(sciPolicy(false, false).skipZeroMasks, true);
 * ```
 */
export function sciPolicy(stock: boolean, foldHalves: boolean, floodBits = 0): RotationPolicy {
  return {
    skipZeroMasks: true,
    issueUnusedRotations: stock,
    rotateEmptyPartials: stock,
    zeroInit: stock,
    factorSwap: true,
    foldHalves,
    switchesAfterMac: 1,
    maskOutputs: true,
    floodBits,
    switchesAtEnd: 1,
  };
}

/**
 * SCI's smudging width `SMUDGING_BITLEN` = 100 − ℓ for ℓ-bit shares (`defines-HE.h`).
 *
 * @example 37-bit shares are flooded with 63 bits
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { smudgingBits } from "./conv.ts";
 * import { getPreset } from "../../he/mod.ts";
 *
 * assertEquals(smudgingBits(getPreset("cryptflow2")), 63);
 * ```
 */
export function smudgingBits(preset: Preset): number {
  return 100 - Math.ceil(Math.log2(preset.plainModulus));
}

/** SCI's per-call metadata (`conv-field.cpp` `configure`). */
export interface SciGeometry {
  /** `image_size`: np2 of the (padded) sub-image. */
  readonly S: number;
  /** `chans_per_half`: channels per half ciphertext, N/(2S). */
  readonly cph: number;
  /** `inp_ct`: input ciphertexts, ⌈ci/(2·cph)⌉. */
  readonly inpCt: number;
  /** `out_ct`: output ciphertexts, ⌈co/(2·cph)⌉. */
  readonly outCt: number;
  /** `inp_halves`: half ciphertexts the input channels fill, ⌈ci/cph⌉. */
  readonly inpHalves: number;
  /** `out_halves`: half ciphertexts the output channels fill, ⌈co/cph⌉. */
  readonly outHalves: number;
  /** `half_perms`: 2·out_ct when out_halves > 1, else 1. */
  readonly halfPerms: number;
}

/**
 * SCI's per-call metadata for a phase at N slots.
 *
 * @example 64 channels of 8×8 (padded to 10×10) at N = 8192: 32 per half, two halves out
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sciGeometry } from "./conv.ts";
 * import { sciPhases } from "../_grid_conv.ts";
 * import { type ConvShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=8,w=8,ci=64,co=64,k=3,p=1"), 1);
 * const g = sciGeometry(sciPhases(layer as IntLayer<ConvShape>)[0], 8192);
 * assertEquals(g, { S: 128, cph: 32, inpCt: 1, outCt: 1, inpHalves: 2, outHalves: 2, halfPerms: 2 });
 * ```
 */
export function sciGeometry(ph: StridePhase, slots: number): SciGeometry {
  const S = nextPow2(ph.input.gh * ph.input.gw);
  const cph = slots / 2 / S;
  const ci = ph.input.channels, co = ph.output.channels;
  const inpCt = Math.ceil(ci / (2 * cph)), outCt = Math.ceil(co / (2 * cph));
  const inpHalves = Math.ceil(ci / cph), outHalves = Math.ceil(co / cph);
  const halfPerms = outHalves > 1 ? 2 * outCt : 1;
  return { S, cph, inpCt, outCt, inpHalves, outHalves, halfPerms };
}

function planPhase(
  layer: IntLayer<ConvShape>,
  ph: StridePhase,
  index: number,
  opts: Cryptflow2PlanOptions,
): LayerPlan {
  const N = sciSlots(ph.input.gh * ph.input.gw, opts.preset.polyModulusDegree);
  if (N > MAX_SLOTS) {
    throw new UserError(
      `Layer ${layer.name}: stride phase (${ph.sr},${ph.sc}) has a ${ph.input.gh}×${ph.input.gw} ` +
        `sub-image, for which SCI would use N = ${N}; SEAL 4 / node-seal stop at N = ${MAX_SLOTS}`,
    );
  }
  const preset = withSlots(opts.preset, N);
  const geo = sciGeometry(ph, N);
  const inPack = blockPacking(ph.input, N), outPack = blockPacking(ph.output, N);
  if (!inPack || !outPack) throw new Error(`planner bug: SCI packing does not fit N = ${N}`);
  const all = Array.from({ length: outPack.cts }, (_, b) => b);
  const inRots: InRotation[] = [];
  for (let a = 0; a < inPack.cts; a++) {
    ph.taps.forEach(({ dy, dx }, tap) => {
      const step = normalizeStep(dy * ph.input.gw + dx, N);
      inRots.push({ ct: a, tap, rot: { step, swap: false }, targets: all });
    });
  }
  // Partial r is rotated by −(c_ph − r)·S ≡ r·S (mod N/2); with two output halves the same
  // rotations serve the cross-half partials, which get one column swap per output ciphertext.
  const outRots: Rotation[] = [];
  for (let r = 0; r < geo.cph; r++) {
    outRots.push({ step: normalizeStep(r * geo.S, N), swap: false });
  }
  if (geo.halfPerms > 1) {
    for (let r = 0; r < geo.cph; r++) {
      outRots.push({ step: normalizeStep(r * geo.S, N), swap: true });
    }
  }
  const fold = geo.outHalves === 1 && geo.inpHalves > 1;
  const stock = opts.stock ?? false;
  const prog = planRotationConv({
    conv: ph,
    inPack,
    outPack,
    inRots,
    outRots,
    policy: sciPolicy(stock, fold, opts.flood === false ? 0 : smudgingBits(preset)),
  });
  const primes = preset.coeffModulusBits.length;
  return {
    framework: "cryptflow2",
    preset,
    layer: layer.name,
    method: "sci",
    stock,
    slots: N,
    geometry: {
      phase: `${ph.sr},${ph.sc}`,
      image: `${ph.input.gh}x${ph.input.gw}`,
      image_size: geo.S,
      chans_per_half: geo.cph,
      channels_per_ct: 2 * geo.cph,
      inp_ct: geo.inpCt,
      out_ct: geo.outCt,
      half_perms: geo.halfPerms,
      phase_index: index,
    },
    inputs: prog.inputs,
    outputs: prog.outputs,
    ops: prog.ops,
    masks: prog.masks,
    keys: chooseKeys(prog.rotations, N, primes, opts.keyBudgetBytes ?? DEFAULT_KEY_BUDGET_BYTES),
    downPrimes: primes - 1 - 2,
    packInput: (x) => scatter(inPack, ph.lift(x)),
    unpackOutput: (cts) => gather(outPack, cts, preset.plainModulus),
  };
}

/**
 * Compile a conv layer the way SCI-HE runs it: one plan per stride phase, each at its own N.
 *
 * @example MiniONN's first layer: 1 input ct, 16 output cts, 8 + 32 + 16 rotations, 576 products
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planCryptflow2Conv } from "./conv.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { type ConvShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("c1", parseLayerSpec("conv:h=32,w=32,ci=3,co=64,k=3,p=1"), 1);
 * const prog = planCryptflow2Conv(layer as IntLayer<ConvShape>, {
 *   preset: getPreset("cryptflow2"),
 *   stock: true,
 * });
 * const c = countProgram(prog);
 * assertEquals([c.perm_in, c.rotate_columns, c.mult], [8, 16, 576]);
 * ```
 */
export function planCryptflow2Conv(
  layer: IntLayer<ConvShape>,
  opts: Cryptflow2PlanOptions,
): LayerProgram {
  const phases = sciPhases(layer);
  const parts = phases.map((ph, i) => planPhase(layer, ph, i, opts));
  return {
    framework: "cryptflow2",
    layer: layer.name,
    method: "sci",
    stock: opts.stock ?? false,
    geometry: {
      phases: parts.length,
      slots: parts.map((p) => p.slots).join(","),
      channels_per_ct: parts.map((p) => p.geometry.channels_per_ct).join(","),
    },
    parts,
  };
}

function hammingWeight(x: number): number {
  let c = 0;
  for (let v = x; v > 0; v = Math.floor(v / 2)) c += v % 2;
  return c;
}

/**
 * Key switches SCI performs for a plan's rotations with SEAL 3.3.2's default Galois keys
 * (±2^i and the column swap): a row rotation by k costs min(HW(e), HW(N/2 − e)) with e = k mod N/2
 * (docs/frameworks.md §2.1); a column swap costs 1.
 *
 * @example MiniONN's first layer takes 65 key switches under SEAL 3.3.2's keys
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planCryptflow2Conv, seal33KeySwitches } from "./conv.ts";
 * import { getPreset } from "../../he/mod.ts";
 * import { type ConvShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("c1", parseLayerSpec("conv:h=32,w=32,ci=3,co=64,k=3,p=1"), 1);
 * const prog = planCryptflow2Conv(layer as IntLayer<ConvShape>, {
 *   preset: getPreset("cryptflow2"),
 *   stock: true,
 * });
 * assertEquals(seal33KeySwitches(prog.parts[0]), 65);
 * ```
 */
export function seal33KeySwitches(plan: LayerPlan): number {
  const half = plan.slots / 2;
  let ks = 0;
  for (const op of plan.ops) {
    if (op.kind !== "rotate") continue;
    if (op.rot.step !== 0) {
      const e = ((op.rot.step % half) + half) % half;
      ks += Math.min(hammingWeight(e), hammingWeight(half - e));
    }
    if (op.rot.swap) ks++;
  }
  return ks;
}
