/**
 * Element-wise product by a per-channel scale (BatchNorm's multiplier), as SCI's
 * `elemwise-prod-field.cpp` runs it: values packed straight into the slots, one plaintext product
 * per ciphertext (coefficient form: cheaper than two NTTs for a single product), then the
 * framework's masking and mod switches. An all-zero multiplier is skipped; stock SCI returns its
 * encryption of zero (plus the mask) instead.
 *
 * @module
 */
import {
  chooseKeys,
  DEFAULT_KEY_BUDGET_BYTES,
  type LayerPlan,
  type MaskBank,
  OpList,
  type Preset,
  type Reg,
} from "../he/mod.ts";
import type { BnShape, IntLayer } from "../nn/mod.ts";

/** How a framework finishes an element-wise product. */
export interface ElementwisePolicy {
  /** Add the server's uniform output mask (SCI). */
  readonly maskOutputs: boolean;
  /** Modulus switches after masking, before flooding (SCI: 1). */
  readonly switchesBeforeFlood: number;
  /** Flood with uniform [0, 2^floodBits) noise (SCI: 100 − ℓ; 0: none). */
  readonly floodBits: number;
  /** Modulus switches before sending (SCI: 1). */
  readonly switchesAtEnd: number;
}

/** Options of the element-wise planner. */
export interface ElementwiseOptions {
  /** Framework name recorded in the plan (`LayerPlan.framework`). */
  readonly framework: string;
  /** Parameters; its ring degree is the slot count values are packed at. */
  readonly preset: Preset;
  /** How the framework finishes the product. */
  readonly policy: ElementwisePolicy;
  /**
   * Reproduce the framework's code: a ciphertext whose multipliers are all zero still returns an
   * encryption of zero (masked) when the policy masks outputs, instead of nothing.
   */
  readonly stock: boolean;
}

/**
 * Compile an element-wise (per-channel scale) layer: the BatchNorm multiplier, packed straight
 * (value i in slot i mod N of ciphertext ⌊i/N⌋), one plaintext product per ciphertext.
 *
 * @example SCI's BatchNorm: one product, mask, two mod switches and a flood per ciphertext
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planElementwise } from "./_elementwise.ts";
 * import { countPlan, getPreset } from "../he/mod.ts";
 * import { type BnShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const bn = syntheticLayer("bn", parseLayerSpec("bn:c=64,h=32,w=32"), 1) as IntLayer<BnShape>;
 * const plan = planElementwise(bn, {
 *   framework: "cryptflow2",
 *   preset: getPreset("cryptflow2"),
 *   policy: { maskOutputs: true, switchesBeforeFlood: 1, floodBits: 63, switchesAtEnd: 1 },
 *   stock: false,
 * });
 * const c = countPlan(plan); // 65536 values in 8 ciphertexts of 8192 slots
 * assertEquals([c.mult, c.add_mask, c.mod_switch, c.flood], [8, 8, 16, 8]);
 * ```
 */
export function planElementwise(
  layer: IntLayer<BnShape>,
  opts: ElementwiseOptions,
): LayerPlan {
  const s = layer.shape;
  const n = opts.preset.polyModulusDegree;
  const scale = layer.weights;
  const hw = s.h * s.w, total = s.c * hw;
  const cts = Math.ceil(total / n);
  const fill = (ct: number, out: BigInt64Array) => {
    for (let u = 0; u < n && ct * n + u < total; u++) {
      out[u] = BigInt(scale[Math.floor((ct * n + u) / hw)]);
    }
  };
  const nonZero = (ct: number) => {
    const first = Math.floor((ct * n) / hw),
      last = Math.floor((Math.min(total, ct * n + n) - 1) / hw);
    for (let c = first; c <= last; c++) if (scale[c] !== 0) return true;
    return false;
  };
  const maskOf: number[] = [];
  const masks: MaskBank = {
    ntt: false,
    get count() {
      return maskOf.length;
    },
    fill: (i, out) => fill(maskOf[i], out),
  };
  const ops = new OpList();
  const outputs: (Reg | null)[] = [];
  let next = cts;
  for (let a = 0; a < cts; a++) {
    let out: Reg | null = null;
    if (nonZero(a)) {
      out = next++;
      ops.push({ kind: "mul", dst: out, src: a, mask: maskOf.push(a) - 1 });
    } else if (opts.stock && opts.policy.maskOutputs) {
      out = next++;
      ops.push({ kind: "zero", dst: out, level: 0, ntt: false });
    }
    if (out !== null && opts.policy.maskOutputs) {
      ops.push({ kind: "mask", reg: out, switches: 0, output: a });
    }
    if (out !== null) {
      const { switchesBeforeFlood, floodBits, switchesAtEnd } = opts.policy;
      for (let l = 0; l < switchesBeforeFlood; l++) ops.push({ kind: "modswitch", reg: out });
      if (floodBits > 0) ops.push({ kind: "flood", reg: out, bits: floodBits });
      for (let l = 0; l < switchesAtEnd; l++) ops.push({ kind: "modswitch", reg: out });
    }
    outputs.push(out);
  }
  const t = BigInt(opts.preset.plainModulus);
  const primes = opts.preset.coeffModulusBits.length;
  return {
    framework: opts.framework,
    preset: opts.preset,
    layer: layer.name,
    method: "elementwise",
    stock: opts.stock,
    slots: n,
    geometry: { in_cts: cts, out_cts: cts },
    inputs: cts,
    outputs,
    ops,
    masks,
    keys: chooseKeys([], n, primes, DEFAULT_KEY_BUDGET_BYTES),
    downPrimes: primes - 1 - opts.policy.switchesBeforeFlood - opts.policy.switchesAtEnd,
    packInput: (x) =>
      Array.from({ length: cts }, (_, a) => {
        const v = new BigUint64Array(n);
        for (let u = 0; u < n && a * n + u < total; u++) v[u] = BigInt(x[a * n + u]);
        return v;
      }),
    unpackOutput: (outs) =>
      Float64Array.from({ length: total }, (_, i) => {
        const ct = outs[Math.floor(i / n)];
        return ct ? Number(ct[i % n] % t) : 0;
      }),
  };
}
