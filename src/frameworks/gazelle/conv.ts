/**
 * GAZELLE convolution (Juvekar et al., USENIX Security '18; `conv2d.cpp` of gazelle_mpc):
 * input-rotation (IR) and output-rotation (OR) methods on channel-block packing, the row-split
 * packing for channels larger than half a ciphertext (OR only, as GAZELLE), stride by polyphase
 * decomposition, and `auto` choosing the cheaper method under the measured unit costs.
 *
 * @module
 */
import { UserError } from "../../base/mod.ts";
import {
  chooseKeys,
  countPlan,
  DEFAULT_KEY_BUDGET_BYTES,
  type LayerPlan,
  type LayerProgram,
  MEASURED_UNIT_COSTS,
  normalizeStep,
  predictMs,
  type Preset,
  programOf,
  type Rotation,
  type UnitCosts,
} from "../../he/mod.ts";
import type { ConvShape, IntLayer } from "../../nn/mod.ts";
import { type GridConv, lowerConv } from "../_grid_conv.ts";
import { blockPacking, gather, type Packing, rowPacking, scatter } from "../_packing.ts";
import {
  type InRotation,
  planRotationConv,
  type RotationPolicy,
  type RotationProgram,
  type RotationScheme,
} from "../_rotation_conv.ts";

/** Options shared by GAZELLE planners (the layer they get is already masked: see `planLayer`). */
export interface GazellePlanOptions {
  /** Parameters: ring degree N (slots), coefficient and plain moduli (e.g. `gazelle`). */
  readonly preset: Preset;
  /** Conv method; `auto` (default) plans both and keeps the cheaper under `unitCosts`. */
  readonly method?: "ir" | "or" | "auto";
  /** Reproduce GAZELLE's code exactly (no skipping of all-zero plaintexts or their rotations). */
  readonly stock?: boolean;
  /** Largest Galois key set (bytes) generated as exact steps before falling back to ±2^i keys. */
  readonly keyBudgetBytes?: number;
  /** Unit costs used by `auto` (defaults to the preset's measured table). */
  readonly unitCosts?: UnitCosts;
}

const IDENTITY: Rotation = { step: 0, swap: false };

/**
 * GAZELLE's sums: every rotation is its own automorphism, nothing is masked or mod-switched (the
 * released kernels return raw results); stock multiplies every plaintext.
 *
 * @example Stock GAZELLE multiplies every plaintext; the pruning-aware default skips zeros
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gazellePolicy } from "./conv.ts";
 *
 * assertEquals(gazellePolicy(true).skipZeroMasks, false);
 * assertEquals(gazellePolicy(false).skipZeroMasks, true);
 * assertEquals(gazellePolicy(false).maskOutputs, false);
 * ```
 */
export function gazellePolicy(stock: boolean): RotationPolicy {
  return {
    skipZeroMasks: !stock,
    issueUnusedRotations: stock,
    rotateEmptyPartials: stock,
    zeroInit: false,
    factorSwap: false,
    foldHalves: false,
    switchesAfterMac: 0,
    maskOutputs: false,
    floodBits: 0,
    switchesAtEnd: 0,
  };
}

function packings(g: GridConv, layer: string, preset: Preset): [Packing, Packing] {
  const n = preset.polyModulusDegree;
  const inB = blockPacking(g.input, n), outB = blockPacking(g.output, n);
  if (inB && outB) return [inB, outB];
  const inR = rowPacking(g.input, n), outR = rowPacking(g.output, n);
  if (inR && outR) return [inR, outR];
  throw new UserError(
    `Layer ${layer} does not fit preset ${preset.name}: a ${g.input.gw}-wide map row exceeds ` +
      `half a ciphertext (${n / 2} slots); use a preset with more slots`,
  );
}

function irScheme(
  g: GridConv,
  inPack: Packing,
  outPack: Packing,
  policy: RotationPolicy,
): RotationScheme {
  const n = inPack.slots;
  const cn = inPack.geometry.channels_per_ct, block = inPack.geometry.block;
  const all = Array.from({ length: outPack.cts }, (_, b) => b);
  const inRots: InRotation[] = [];
  for (let a = 0; a < inPack.cts; a++) {
    for (let k = 0; k < cn; k++) {
      g.taps.forEach(({ dy, dx }, tap) => {
        const step = normalizeStep((k % (cn / 2)) * block + dy * g.input.gw + dx, n);
        inRots.push({ ct: a, tap, rot: { step, swap: k >= cn / 2 }, targets: all, label: k });
      });
    }
  }
  return { conv: g, inPack, outPack, inRots, outRots: [IDENTITY], policy };
}

function orScheme(
  g: GridConv,
  inPack: Packing,
  outPack: Packing,
  policy: RotationPolicy,
): RotationScheme {
  const n = inPack.slots;
  const inRots: InRotation[] = [];
  if (inPack.kind === "blocks") {
    const cn = inPack.geometry.channels_per_ct, block = inPack.geometry.block;
    const all = Array.from({ length: outPack.cts }, (_, b) => b);
    for (let a = 0; a < inPack.cts; a++) {
      g.taps.forEach(({ dy, dx }, tap) => {
        const step = normalizeStep(dy * g.input.gw + dx, n);
        inRots.push({ ct: a, tap, rot: { step, swap: false }, targets: all });
      });
    }
    const outRots: Rotation[] = [];
    for (let k = 0; k < cn; k++) {
      outRots.push({ step: normalizeStep(-(k % (cn / 2)) * block, n), swap: k >= cn / 2 });
    }
    return { conv: g, inPack, outPack, inRots, outRots, policy };
  }
  // Row split: output part p, tap (dy, dx) reads input part (p + dy) mod P shifted by
  // ρ = ⌊(p + dy)/P⌋ local rows; the two channels of a set sit in the two halves.
  const parts = inPack.geometry.cts_per_channel_pair;
  for (let a = 0; a < inPack.cts; a++) {
    const pIn = a % parts;
    g.taps.forEach(({ dy, dx }, tap) => {
      const p = (((pIn - dy) % parts) + parts) % parts;
      const rho = Math.floor((p + dy) / parts);
      const targets = [];
      for (let b = p; b < outPack.cts; b += parts) targets.push(b);
      const step = normalizeStep(rho * g.input.gw + dx, n);
      inRots.push({ ct: a, tap, rot: { step, swap: false }, targets });
    });
  }
  const outRots = [IDENTITY, { step: 0, swap: true }];
  return { conv: g, inPack, outPack, inRots, outRots, policy };
}

/**
 * Compile a conv layer for GAZELLE: a one-part program (stride by polyphase lowering).
 *
 * @example Stock input rotation on a 32×32, 32 → 32 channel 3×3 conv
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planGazelleConv } from "./conv.ts";
 * import { countProgram, getPreset } from "../../he/mod.ts";
 * import { type ConvShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=32,w=32,ci=32,co=32,k=3"), 1) as IntLayer<ConvShape>;
 * const c = countProgram(planGazelleConv(layer, { preset: getPreset("gazelle"), method: "ir", stock: true }));
 * assertEquals([c.perm_in, c.mult], [272, 4608]);
 * ```
 */
export function planGazelleConv(
  layer: IntLayer<ConvShape>,
  opts: GazellePlanOptions,
): LayerProgram {
  return programOf(convPlan(layer, opts));
}

/** The plan of a conv layer: the method asked for, or under `auto` the cheaper of IR and OR. */
function convPlan(layer: IntLayer<ConvShape>, opts: GazellePlanOptions): LayerPlan {
  const method = opts.method ?? "auto";
  const g = lowerConv(layer);
  const [inPack, outPack] = packings(g, layer.name, opts.preset);
  if (method === "ir" && inPack.kind === "rows") {
    throw new UserError(
      `Layer ${layer.name}: a channel is larger than half a ciphertext, which only the ` +
        `output-rotation method supports (as in GAZELLE): use --method or or auto`,
    );
  }
  const policy = gazellePolicy(opts.stock ?? false);
  const build = (m: "ir" | "or") =>
    finish(
      m,
      m === "ir" ? irScheme(g, inPack, outPack, policy) : orScheme(g, inPack, outPack, policy),
    );
  let lastOr: RotationProgram | undefined, lastIr: RotationProgram | undefined;
  const finish = (m: string, scheme: RotationScheme): LayerPlan => {
    const prog = planRotationConv(scheme);
    if (m === "or") lastOr = prog;
    else lastIr = prog;
    const n = opts.preset.polyModulusDegree;
    const keys = chooseKeys(
      prog.rotations,
      n,
      opts.preset.coeffModulusBits.length,
      opts.keyBudgetBytes ?? DEFAULT_KEY_BUDGET_BYTES,
    );
    return {
      framework: "gazelle",
      preset: opts.preset,
      layer: layer.name,
      method: m,
      stock: opts.stock ?? false,
      slots: n,
      geometry: {
        packing: inPack.kind,
        ...inPack.geometry,
        in_cts: inPack.cts,
        out_cts: outPack.cts,
        phases: g.phases,
        grid: `${g.input.gh}x${g.input.gw}`,
      },
      inputs: prog.inputs,
      outputs: prog.outputs,
      ops: prog.ops,
      masks: prog.masks,
      keys,
      downPrimes: opts.preset.coeffModulusBits.length - 1,
      packInput: (x) => scatter(inPack, g.lift(x)),
      unpackOutput: (cts) => gather(outPack, cts, opts.preset.plainModulus),
    };
  };
  if (method !== "auto") return build(method);
  if (inPack.kind === "rows") return build("or");
  const unit = opts.unitCosts ?? MEASURED_UNIT_COSTS[opts.preset.name] ??
    MEASURED_UNIT_COSTS["gazelle-secure"];
  // Plan first the method likely to win and skip the other when a lower bound of its cost
  // already loses (the same choice as planning both, with half the work). IR wins on 1×1 layers
  // that widen (ResNet bottlenecks' expansions): few input rotations, many output rotations for
  // OR. Ties go to OR either way.
  const s = layer.shape;
  if (s.k === 1 && s.co > s.ci) {
    const ir = build("ir");
    const irMs = predictMs(countPlan(ir), unit);
    if (irMs < orLowerBound(lastIr!, g, inPack.geometry.channels_per_ct!, unit)) return ir;
    const or = build("or");
    return irMs < predictMs(countPlan(or), unit) ? ir : or;
  }
  const or = build("or");
  const orMs = predictMs(countPlan(or), unit);
  if (orMs <= irLowerBound(lastOr!, g, outPack.cts, unit)) return or;
  const ir = build("ir");
  return predictMs(countPlan(ir), unit) < orMs ? ir : or;
}

/**
 * A lower bound of the IR method's predicted cost, from the OR program of the same layer. IR's
 * product (ct, tap, diagonal k, out b) is OR's product (ct, tap, b, diagonal k') with the mask
 * rotated (a rotation commutes with a slot-wise product once the mask is rotated too), so both
 * have the same non-zero products, and IR issues one input rotation (≥ 1 key switch and an NTT)
 * per distinct live (ct, tap, k) that is not the identity, an NTT for each live identity, and
 * at least products − outputs additions.
 */
function irLowerBound(or: RotationProgram, g: GridConv, outCts: number, unit: UnitCosts): number {
  const { e, k, ct, tap } = or.products;
  const P = e.length;
  let K = 1;
  for (let i = 0; i < P; i++) if (k[i] + 1 > K) K = k[i] + 1;
  const T = g.taps.length;
  const center = g.taps.findIndex((t) => t.dy === 0 && t.dx === 0);
  let inCts = 0;
  for (let r = 0; r < ct.length; r++) if (ct[r] + 1 > inCts) inCts = ct[r] + 1;
  // Live (ct, tap, k) triples, marked in a bitmap (products run to millions).
  const live = new Uint8Array(inCts * T * K);
  let lives = 0, identities = 0;
  for (let i = 0; i < P; i++) {
    const r = e[i];
    const key = (ct[r] * T + tap[r]) * K + k[i];
    if (live[key] !== 0) continue;
    live[key] = 1;
    lives++;
    if (k[i] === 0 && tap[r] === center) identities++;
  }
  return P * unit.mult + Math.max(0, P - outCts) * unit.add +
    (lives - identities) * (unit.keySwitch + unit.ntt) + identities * unit.ntt;
}

/**
 * A lower bound of the OR method's predicted cost (channel-block packing), from the IR program of
 * the same layer: both have the same non-zero products (IR's product (ct, tap, diagonal k, out b)
 * is OR's (ct, tap, b, output rotation k)), and OR issues, for those products, one input rotation
 * per live non-centre (ct, tap) (≥ 1 key switch) and an NTT per live (ct, tap); one partial sum per
 * live (b, k), each taking one INTT, a rotation (≥ 1 key switch) unless k = 0, and an addition
 * into its output but the first; and an addition per product but the first of each partial sum.
 */
function orLowerBound(ir: RotationProgram, g: GridConv, cn: number, unit: UnitCosts): number {
  const { e, b, ct, tap, label } = ir.products;
  const P = e.length;
  const T = g.taps.length;
  const center = g.taps.findIndex((t) => t.dy === 0 && t.dx === 0);
  let inCts = 0, outCts = 0;
  for (let r = 0; r < ct.length; r++) if (ct[r] + 1 > inCts) inCts = ct[r] + 1;
  for (let i = 0; i < P; i++) if (b[i] + 1 > outCts) outCts = b[i] + 1;
  // Live (ct, tap) input rotations and (b, k) partial sums, marked in bitmaps.
  const liveIn = new Uint8Array(inCts * T), liveAcc = new Uint8Array(outCts * cn);
  const liveOut = new Uint8Array(outCts);
  let ins = 0, centres = 0, accs = 0, rotatedAccs = 0, outs = 0;
  for (let i = 0; i < P; i++) {
    const r = e[i];
    const at = ct[r] * T + tap[r];
    if (liveIn[at] === 0) {
      liveIn[at] = 1;
      ins++;
      if (tap[r] === center) centres++;
    }
    const a = b[i] * cn + label[r];
    if (liveAcc[a] === 0) {
      liveAcc[a] = 1;
      accs++;
      if (label[r] !== 0) rotatedAccs++;
    }
    if (liveOut[b[i]] === 0) {
      liveOut[b[i]] = 1;
      outs++;
    }
  }
  return P * unit.mult + (P - outs) * unit.add + ins * unit.ntt +
    (ins - centres + rotatedAccs) * unit.keySwitch + accs * unit.intt;
}
