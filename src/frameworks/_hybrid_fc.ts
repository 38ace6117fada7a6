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
  type LayerPlan,
  type MaskBank,
  normalizeStep,
  OpList,
  type Preset,
  type Reg,
  type Rotation,
} from "../he/mod.ts";
import type { FcShape, IntLayer } from "../nn/mod.ts";
import { nextPow2 } from "./_packing.ts";

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
  /** Framework name recorded in the plan (`LayerPlan.framework`). */
  readonly framework: string;
  /** Parameters; its ring degree is the slot count the layer is packed at. */
  readonly preset: Preset;
  /** How the framework forms the product. */
  readonly policy: FcPolicy;
  /** Recorded in the plan: true when the policy reproduces the framework's code exactly. */
  readonly stock: boolean;
  /** Largest Galois key set (bytes) generated as exact steps before falling back to ±2^i keys. */
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
 * The hybrid geometry of an n_i → n_o layer at `slots` slots.
 *
 * @example GAZELLE's 512 → 512 example at N = 2048: four copies, 128 diagonals
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fcGeometry } from "./_hybrid_fc.ts";
 *
 * const g = fcGeometry({ kind: "fc", in: 512, out: 512 }, 2048);
 * assertEquals(g, { L: 512, chunks: 1, pack: 4, D: 128, groups: 1 });
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
 * Compile an FC layer with the hybrid method under a framework's policy: the mask table
 * (`hybridMaskTable`), the diagonal products, the rotate-and-sum of each output ciphertext, and
 * the client-side packing (`hybridPacking`).
 *
 * @example A 512 → 10 layer under a GAZELLE-like stock policy: 4 diagonals, 10 rotations
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planHybridFc } from "./_hybrid_fc.ts";
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
 * assertEquals([c.perm_in + c.perm_out, c.mult], [10, 4]);
 * ```
 */
export function planHybridFc(layer: IntLayer<FcShape>, opts: HybridFcOptions): LayerPlan {
  const n = opts.preset.polyModulusDegree;
  const { policy, stock } = opts;
  const geo = fcGeometry(layer.shape, n);
  const table = hybridMaskTable(layer, geo, n);
  const em = new FcEmitter(geo.chunks, policy);
  const acc = emitDiagonalProducts(em, table, geo, n);
  const outputs = emitRotateAndSum(em, acc, geo, n);
  const primes = opts.preset.coeffModulusBits.length;
  const keys = chooseKeys(
    em.rotations,
    n,
    primes,
    opts.keyBudgetBytes ?? DEFAULT_KEY_BUDGET_BYTES,
  );
  const { L, chunks, pack, D, groups } = geo;
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
    ops: em.ops,
    masks: table.bank,
    keys,
    downPrimes: primes - 1 - policy.switchesAfterMac - policy.switchesAtEnd,
    ...hybridPacking(layer.shape, geo, n, opts.preset.plainModulus),
  };
}

/**
 * The plaintext masks of the hybrid method. Mask (c, d, g) multiplies input chunk c rotated by d
 * into output ciphertext g: slot u = β·L + t holds W(g·pack·D + β·D + (t mod D), c·L + (t + d) mod L).
 */
export interface FcMaskTable {
  /** Weight that mask (c, d, g) holds at slot u (0 outside the matrix). */
  weightAt(c: number, d: number, g: number, u: number): number;
  /** Does mask (c, d, g) hold a non-zero weight? */
  nonZero(c: number, d: number, g: number): boolean;
  /** Record mask (c, d, g) for a product; returns its index in `bank`. */
  add(c: number, d: number, g: number): number;
  /** The recorded masks, materialized on demand. */
  readonly bank: MaskBank;
}

/**
 * The mask table of an FC layer under a hybrid geometry at `slots` slots.
 *
 * @example Two rows of four in one diagonal
 * ```ts
 * import { fcGeometry, hybridMaskTable } from "./_hybrid_fc.ts";
 * import type { FcShape } from "../nn/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // 4 → 2 at 8 slots: blocks of L = 4, two copies of the input, D = 1 diagonal; row β in block β.
 * const shape: FcShape = { kind: "fc", in: 4, out: 2 };
 * const layer = { name: "fc", shape, weights: Int32Array.from([1, 2, 3, 4, 0, 0, 0, 0]) };
 * const geo = fcGeometry(shape, 8);
 * assertEquals([geo.L, geo.pack, geo.D, geo.groups], [4, 2, 1, 1]);
 * const table = hybridMaskTable(layer, geo, 8);
 * const out = new BigInt64Array(8);
 * table.bank.fill(table.add(0, 0, 0), out);
 * assertEquals([...out], [1n, 2n, 3n, 4n, 0n, 0n, 0n, 0n]);
 * assertEquals(table.bank.weightsOf!(0), [1, 2, 3, 4]);
 * assertEquals(table.nonZero(0, 0, 0), true);
 * ```
 */
export function hybridMaskTable(
  layer: IntLayer<FcShape>,
  geo: FcGeometry,
  slots: number,
): FcMaskTable {
  const s = layer.shape, W = layer.weights, n = slots;
  const { L, pack, D } = geo;
  const rowsPerCt = pack * D;
  const weightAt = (c: number, d: number, g: number, u: number): number => {
    const beta = Math.floor(u / L), t = u % L;
    const row = g * rowsPerCt + beta * D + (t % D);
    const col = c * L + ((t + d) % L);
    return row < s.out && col < s.in ? W[row * s.in + col] : 0;
  };
  const maskKeys: [number, number, number][] = [];
  return {
    weightAt,
    nonZero(c, d, g) {
      for (let u = 0; u < n; u++) if (weightAt(c, d, g, u) !== 0) return true;
      return false;
    },
    add: (c, d, g) => maskKeys.push([c, d, g]) - 1,
    bank: {
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
    },
  };
}

/** The op list under construction, with its registers. */
class FcEmitter {
  readonly ops = new OpList();
  /** Every rotation issued (for choosing Galois keys). */
  readonly rotations: Rotation[] = [];
  #next: Reg;

  constructor(inputs: number, readonly policy: FcPolicy) {
    this.#next = inputs;
  }

  newReg(): Reg {
    return this.#next++;
  }

  /** Start a sum from its first term, or from an encryption of zero (stock SCI). */
  startSum(first: Reg, level: number, ntt: boolean): Reg {
    if (!this.policy.zeroInit) return first;
    const z = this.newReg();
    this.ops.push({ kind: "zero", dst: z, level, ntt });
    this.ops.push({ kind: "add", dst: z, src: first });
    return z;
  }
}

/** Rotate each input chunk by each diagonal and multiply-accumulate; the sum of each output ct. */
function emitDiagonalProducts(
  em: FcEmitter,
  table: FcMaskTable,
  geo: FcGeometry,
  n: number,
): (Reg | undefined)[] {
  const { chunks, D, groups } = geo;
  const acc: (Reg | undefined)[] = [];
  for (let c = 0; c < chunks; c++) {
    // d = 0 (the unrotated input) last: it is NTT-transformed after its rotations are taken.
    for (const d of [...Array.from({ length: D - 1 }, (_, i) => i + 1), 0]) {
      const consumers = [];
      for (let g = 0; g < groups; g++) {
        if (!em.policy.skipZeroDiagonals || table.nonZero(c, d, g)) consumers.push(g);
      }
      if (consumers.length === 0) continue;
      let src: Reg = c;
      if (d !== 0) {
        const rot = { step: normalizeStep(d, n), swap: false };
        src = em.newReg();
        em.ops.push({ kind: "rotate", dst: src, src: c, rot, side: "in" });
        em.rotations.push(rot);
      }
      em.ops.push({ kind: "ntt", reg: src });
      for (const g of consumers) {
        const mask = table.add(c, d, g);
        const prod = em.newReg();
        em.ops.push({ kind: "mul", dst: prod, src, mask });
        const a = acc[g];
        if (a === undefined) acc[g] = em.startSum(prod, 0, true);
        else em.ops.push({ kind: "add", dst: a, src: prod });
      }
    }
  }
  return acc;
}

/** Finish each output ciphertext: rotate-and-sum its blocks, then mask, flood and switch. */
function emitRotateAndSum(
  em: FcEmitter,
  acc: readonly (Reg | undefined)[],
  geo: FcGeometry,
  n: number,
): (Reg | null)[] {
  const { policy } = em;
  const outputs: (Reg | null)[] = [];
  for (let g = 0; g < geo.groups; g++) {
    const a = acc[g];
    if (a === undefined) {
      outputs.push(null);
      continue;
    }
    em.ops.push({ kind: "intt", reg: a });
    for (let l = 0; l < policy.switchesAfterMac; l++) em.ops.push({ kind: "modswitch", reg: a });
    for (let step = geo.D; step < geo.L; step *= 2) {
      const rot = { step: normalizeStep(step, n), swap: false };
      const r = em.newReg();
      em.ops.push({ kind: "rotate", dst: r, src: a, rot, side: "out" });
      em.ops.push({ kind: "add", dst: a, src: r });
      em.rotations.push(rot);
    }
    if (policy.maskOutputs) {
      em.ops.push({ kind: "mask", reg: a, switches: policy.switchesAfterMac, output: g });
    }
    if (policy.floodBits > 0) em.ops.push({ kind: "flood", reg: a, bits: policy.floodBits });
    for (let l = 0; l < policy.switchesAtEnd; l++) em.ops.push({ kind: "modswitch", reg: a });
    outputs.push(a);
  }
  return outputs;
}

/**
 * Client side of the hybrid method: the input, chunk c of L values per ciphertext, copied into
 * every block; row r of output ciphertext ⌊r/(pack·D)⌋ read from slot (r mod D) + L·⌊r/D⌋ of it.
 *
 * @example Replicated input, rows read from the first slot of each block
 * ```ts
 * import { fcGeometry, hybridPacking } from "./_hybrid_fc.ts";
 * import type { FcShape } from "../nn/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const shape: FcShape = { kind: "fc", in: 3, out: 2 }; // L = 4, two blocks at 8 slots, D = 1
 * const { packInput, unpackOutput } = hybridPacking(shape, fcGeometry(shape, 8), 8, 97);
 * assertEquals([...packInput(Float64Array.from([5, 6, 7]))[0]], [5n, 6n, 7n, 0n, 5n, 6n, 7n, 0n]);
 * const ct = BigUint64Array.from([10n, 0n, 0n, 0n, 120n, 0n, 0n, 0n]);
 * assertEquals([...unpackOutput([ct])], [10, 23]); // 120 mod 97
 * ```
 */
export function hybridPacking(
  s: FcShape,
  geo: FcGeometry,
  n: number,
  plainModulus: number,
): Pick<LayerPlan, "packInput" | "unpackOutput"> {
  const { L, chunks, pack, D } = geo;
  const rowsPerCt = pack * D;
  const t = BigInt(plainModulus);
  return {
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
