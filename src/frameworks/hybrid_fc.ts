/**
 * The hybrid matrix–vector product of GAZELLE (`mat_mul.cpp`), which SCI's `fc-field.cpp` ports
 * line for line: the input, zero-padded to n_i' = np2(n_i),
 * is replicated over all slots; the n_o × n_i' matrix is cut into D generalized diagonals of
 * blocks of L = n_i' slots; D input rotations, D multiplications, then log2(L/D) rotate-and-sum
 * steps. Row r lands in slot (r mod D) + L·⌊r/D⌋.
 *
 * Beyond GAZELLE's code (which assumes n_i' ≤ N/2 and n_o ≤ N): an input longer than half a
 * ciphertext is split into chunks of N/2 whose partial products add up before the rotate-and-sum,
 * and more than N outputs use several output ciphertexts.
 *
 * @module
 */
import {
  chooseKeys,
  DEFAULT_KEY_BUDGET_BYTES,
  normalizeStep,
  type Rotation,
} from "../he/galois.ts";
import { type LayerPlan, type MaskBank, OpList, type Reg } from "../he/plan.ts";
import type { Preset } from "../he/presets.ts";
import type { FcShape, IntLayer } from "../nn/layers.ts";
import { nextPow2 } from "./packing.ts";

/** How a framework forms the hybrid product (see `RotationPolicy` for the conv counterpart). */
export interface FcPolicy {
  /** Skip all-zero diagonals with their rotation (SCI always; GAZELLE's stock code never). */
  readonly skipZeroDiagonals: boolean;
  /** Start sums from an encryption of zero (stock SCI). */
  readonly zeroInit: boolean;
  /** Modulus switches after the diagonal products, before the rotate-and-sum (SCI: 1). */
  readonly switchesAfterMac: number;
  /** Add the server's uniform output mask (SCI). */
  readonly maskOutputs: boolean;
  /** Flood the output with uniform [0, 2^floodBits) noise after masking (SCI: 100 − ℓ; 0: none). */
  readonly floodBits: number;
  /** Modulus switches before sending (SCI: 1). */
  readonly switchesAtEnd: number;
}

/** Options of the hybrid FC planner. */
export interface HybridFcOptions {
  readonly framework: string;
  readonly preset: Preset;
  readonly policy: FcPolicy;
  readonly stock: boolean;
  readonly keyBudgetBytes?: number;
}

/** Hybrid-method geometry of an FC layer at `slots` slots. */
export interface FcGeometry {
  /** Block length (padded input length, at most slots/2). */
  readonly L: number;
  /** Input chunks (input ciphertexts). */
  readonly chunks: number;
  /** Blocks per ciphertext (copies of the input). */
  readonly pack: number;
  /** Diagonals per chunk and output ciphertext. */
  readonly D: number;
  /** Output ciphertexts. */
  readonly groups: number;
}

/**
 * The hybrid geometry of an n_i → n_o layer.
 *
 * @example
 * ```ts
 * import { fcGeometry } from "./hybrid_fc.ts";
 *
 * const g = fcGeometry({ kind: "fc", in: 512, out: 512 }, 2048);
 * if (g.D !== 128 || g.pack !== 4) throw new Error();
 * ```
 */
export function fcGeometry(s: FcShape, slots: number): FcGeometry {
  const niP = nextPow2(s.in);
  const L = Math.min(niP, slots / 2);
  const chunks = niP / L;
  const pack = slots / L;
  const noP = nextPow2(s.out);
  if (noP <= pack * L) {
    return { L, chunks, pack, D: Math.max(1, noP / pack), groups: 1 };
  }
  return { L, chunks, pack, D: L, groups: Math.ceil(s.out / slots) };
}

/**
 * Compile an FC layer with the hybrid method under a framework's policy.
 *
 * @example
 * ```ts
 * import { planHybridFc } from "./hybrid_fc.ts";
 * import { countPlan, getPreset } from "../he/mod.ts";
 * import { type FcShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=512,out=10"), 1) as IntLayer<FcShape>;
 * const policy = {
 *   skipZeroDiagonals: false,
 *   zeroInit: false,
 *   switchesAfterMac: 0,
 *   maskOutputs: false,
 *   floodBits: 0,
 *   switchesAtEnd: 0,
 * };
 * const plan = planHybridFc(layer, {
 *   framework: "gazelle",
 *   preset: getPreset("gazelle"),
 *   policy,
 *   stock: true,
 * });
 * const c = countPlan(plan);
 * if (c.perm_in + c.perm_out !== 10 || c.mult !== 4) throw new Error();
 * ```
 */
export function planHybridFc(layer: IntLayer<FcShape>, opts: HybridFcOptions): LayerPlan {
  const s = layer.shape;
  const n = opts.preset.polyModulusDegree;
  const { policy, stock } = opts;
  const W = layer.weights;
  const geo = fcGeometry(s, n);
  const { L, chunks, pack, D, groups } = geo;
  const rowsPerCt = pack * D;

  const weightAt = (c: number, d: number, g: number, u: number): number => {
    const beta = Math.floor(u / L), t = u % L;
    const row = g * rowsPerCt + beta * D + (t % D);
    const col = c * L + ((t + d) % L);
    return row < s.out && col < s.in ? W[row * s.in + col] : 0;
  };
  const nonZero = (c: number, d: number, g: number): boolean => {
    for (let u = 0; u < n; u++) if (weightAt(c, d, g, u) !== 0) return true;
    return false;
  };
  const maskKeys: [number, number, number][] = [];
  const masks: MaskBank = {
    get count() {
      return maskKeys.length;
    },
    fill(i, out) {
      const [c, d, g] = maskKeys[i];
      for (let u = 0; u < n; u++) out[u] = BigInt(weightAt(c, d, g, u));
    },
    weightsOf(i) {
      const [c, d, g] = maskKeys[i];
      const out: number[] = [];
      for (let u = 0; u < n; u++) {
        const w = weightAt(c, d, g, u);
        if (w !== 0) out.push(w);
      }
      return out;
    },
  };

  const ops = new OpList();
  const rotations: Rotation[] = [];
  let next = chunks;
  const acc: (Reg | undefined)[] = [];
  /** Start a sum from its first term, or from an encryption of zero (stock SCI). */
  const startSum = (first: Reg, level: number, ntt: boolean): Reg => {
    if (!policy.zeroInit) return first;
    const z = next++;
    ops.push({ kind: "zero", dst: z, level, ntt });
    ops.push({ kind: "add", dst: z, src: first });
    return z;
  };
  for (let c = 0; c < chunks; c++) {
    // d = 0 (the unrotated input) last: it is NTT-transformed after its rotations are taken.
    for (const d of [...Array.from({ length: D - 1 }, (_, i) => i + 1), 0]) {
      const consumers = [];
      for (let g = 0; g < groups; g++) {
        if (!policy.skipZeroDiagonals || nonZero(c, d, g)) consumers.push(g);
      }
      if (consumers.length === 0) continue;
      let src: Reg = c;
      if (d !== 0) {
        const rot = { step: normalizeStep(d, n), swap: false };
        src = next++;
        ops.push({ kind: "rotate", dst: src, src: c, rot, side: "in" });
        rotations.push(rot);
      }
      ops.push({ kind: "ntt", reg: src });
      for (const g of consumers) {
        const mask = maskKeys.push([c, d, g]) - 1;
        const prod = next++;
        ops.push({ kind: "mul", dst: prod, src, mask });
        const a = acc[g];
        if (a === undefined) acc[g] = startSum(prod, 0, true);
        else ops.push({ kind: "add", dst: a, src: prod });
      }
    }
  }
  const outputs: (Reg | null)[] = [];
  for (let g = 0; g < groups; g++) {
    const a = acc[g];
    if (a === undefined) {
      outputs.push(null);
      continue;
    }
    ops.push({ kind: "intt", reg: a });
    for (let l = 0; l < policy.switchesAfterMac; l++) ops.push({ kind: "modswitch", reg: a });
    for (let step = D; step < L; step *= 2) {
      const rot = { step: normalizeStep(step, n), swap: false };
      const r = next++;
      ops.push({ kind: "rotate", dst: r, src: a, rot, side: "out" });
      ops.push({ kind: "add", dst: a, src: r });
      rotations.push(rot);
    }
    if (policy.maskOutputs) {
      ops.push({ kind: "mask", reg: a, switches: policy.switchesAfterMac, output: g });
    }
    if (policy.floodBits > 0) ops.push({ kind: "flood", reg: a, bits: policy.floodBits });
    for (let l = 0; l < policy.switchesAtEnd; l++) ops.push({ kind: "modswitch", reg: a });
    outputs.push(a);
  }
  const keys = chooseKeys(
    rotations,
    n,
    opts.preset.coeffModulusBits.length,
    opts.keyBudgetBytes ?? DEFAULT_KEY_BUDGET_BYTES,
  );
  const t = BigInt(opts.preset.plainModulus);
  return {
    framework: opts.framework,
    preset: opts.preset,
    layer: layer.name,
    method: "hybrid",
    stock,
    slots: n,
    geometry: { block: L, pack, diagonals: D, in_cts: chunks, out_cts: groups },
    inputs: chunks,
    outputs,
    ops,
    masks,
    keys,
    downPrimes: opts.preset.coeffModulusBits.length - 1 - policy.switchesAfterMac -
      policy.switchesAtEnd,
    packInput(x) {
      return Array.from({ length: chunks }, (_, c) => {
        const v = new BigUint64Array(n);
        for (let u = 0; u < n; u++) {
          const i = c * L + (u % L);
          if (i < s.in) v[u] = BigInt(x[i]);
        }
        return v;
      });
    },
    unpackOutput(cts) {
      const y = new Float64Array(s.out);
      for (let r = 0; r < s.out; r++) {
        const g = Math.floor(r / rowsPerCt), rr = r % rowsPerCt;
        const ct = cts[g];
        y[r] = ct ? Number(ct[Math.floor(rr / D) * L + (rr % D)] % t) : 0;
      }
      return y;
    },
  };
}
