/**
 * Cheetah's matrix–vector product (Huang et al., USENIX Security 2022, §4.2; OpenCheetah
 * `include/gemini/cheetah/hom_fc_ss.cc`): the n_o × n_i weight matrix is cut into d0 × d1 blocks,
 * each one polynomial; the input is cut into d1-long pieces, each encoded reversed, so that one
 * polynomial product leaves the d0 dot products of a block at coefficients 0, d1, 2·d1, ….
 *
 * @module
 */
import type { LayerPlan, MaskBank } from "../../he/mod.ts";
import type { FcShape, IntLayer } from "../../nn/mod.ts";
import {
  cheetahMethod,
  cheetahPlan,
  type CheetahPlanOptions,
  cheetahPresetOf,
  CheetahProgram,
} from "./_plan.ts";

/**
 * OpenCheetah's FC split (`hom_fc_ss.cc::getSplit`): the block shape (d0, d1) with d0 · d1 ≤ N,
 * d0 ≤ n_o, d1 ≤ n_i that minimises ⌈n_i / d1⌉ + ⌈n_o / d0⌉ input plus output ciphertexts; ties
 * go to the smallest d0, then the smallest d1 (the upstream exhaustive search's first minimum).
 *
 * @example FC 512 → 10 at N = 4096: blocks of 5 × 512, one input and two output ciphertexts
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { cheetahFcSplit } from "./fc.ts";
 *
 * assertEquals(cheetahFcSplit(512, 10, 4096), { d0: 5, d1: 512 });
 * ```
 */
export function cheetahFcSplit(nIn: number, nOut: number, n: number): { d0: number; d1: number } {
  let best = Infinity, d0Best = 1, d1Best = 1;
  for (let d0 = 1; d0 <= Math.min(n, nOut); d0++) {
    // For a fixed d0 the input count only falls as d1 grows; the upstream search meets the
    // smallest d1 with that count first.
    const d1Max = Math.min(nIn, Math.floor(n / d0));
    if (d1Max < 1) break;
    const ctIn = Math.ceil(nIn / d1Max);
    const cost = ctIn + Math.ceil(nOut / d0);
    if (cost < best) {
      best = cost;
      d0Best = d0;
      d1Best = Math.ceil(nIn / ctIn);
    }
  }
  return { d0: d0Best, d1: d1Best };
}

/**
 * Plan an FC layer the Cheetah way: ⌈n_i / d1⌉ input ciphertexts, ⌈n_o / d0⌉ outputs, one product
 * per weight block.
 *
 * @example FC 512 → 10: two products, no addition, no rotation
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planCheetahFc } from "./fc.ts";
 * import { countPlan, getPreset } from "../../he/mod.ts";
 * import { type FcShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=512,out=10"), 1) as IntLayer<FcShape>;
 * const c = countPlan(planCheetahFc(layer, { preset: getPreset("cheetah"), stock: true }));
 * assertEquals([c.cts_up, c.mult, c.add, c.cts_down, c.rotate_rows], [1, 2, 0, 2, 0]);
 * ```
 */
export function planCheetahFc(layer: IntLayer<FcShape>, opts: CheetahPlanOptions): LayerPlan {
  const preset = cheetahPresetOf(opts);
  const method = cheetahMethod(opts);
  const stock = opts.stock ?? false;
  const n = preset.polyModulusDegree;
  const { in: nIn, out: nOut } = layer.shape;
  const { d0, d1 } = cheetahFcSplit(nIn, nOut, n);
  const ctIn = Math.ceil(nIn / d1), ctOut = Math.ceil(nOut / d0);
  const w = layer.weights;
  const rows = (R: number) => Math.min(d0, nOut - R * d0);
  const cols = (K: number) => Math.min(d1, nIn - K * d1);
  const zeroBlock = (R: number, K: number): boolean => {
    for (let r = 0; r < rows(R); r++) {
      const base = (R * d0 + r) * nIn + K * d1;
      for (let c = 0; c < cols(K); c++) if (w[base + c] !== 0) return false;
    }
    return true;
  };
  const blockOf: number[] = [];
  const program = new CheetahProgram(preset, ctIn, method);
  for (let R = 0; R < ctOut; R++) {
    const terms: [number, number][] = [];
    for (let K = 0; K < ctIn; K++) {
      if (stock || !zeroBlock(R, K)) terms.push([K, blockOf.push(R * ctIn + K) - 1]);
    }
    program.output(terms);
  }
  const block = (i: number) => [Math.floor(blockOf[i] / ctIn), blockOf[i] % ctIn] as const;
  const masks: MaskBank = {
    count: blockOf.length,
    ntt: program.nttMasks,
    fill(i, out) {
      const [R, K] = block(i);
      for (let r = 0; r < rows(R); r++) {
        const base = (R * d0 + r) * nIn + K * d1;
        for (let c = 0; c < cols(K); c++) out[r * d1 + c] = BigInt(w[base + c]);
      }
    },
    weightsOf(i) {
      const [R, K] = block(i);
      const out: number[] = [];
      for (let r = 0; r < rows(R); r++) {
        const base = (R * d0 + r) * nIn + K * d1;
        for (let c = 0; c < cols(K); c++) if (w[base + c] !== 0) out.push(w[base + c]);
      }
      return out;
    },
  };
  const t = preset.plainModulus;
  const coeffs = Array.from(
    { length: ctOut },
    (_, R) => Int32Array.from({ length: rows(R) }, (_, r) => r * d1),
  );
  return cheetahPlan({
    layer: layer.name,
    method,
    stock,
    geometry: { d0, d1, in_cts: ctIn, out_cts: ctOut },
    program,
    masks,
    packInput(x) {
      return Array.from({ length: ctIn }, (_, K) => {
        const v = new BigUint64Array(n);
        // v̂ = v_0 − Σ_{j ≥ 1} v_j X^{N − j}, i.e. Σ v_j X^{−j} in Z_t[X]/(X^N + 1).
        v[0] = BigInt(x[K * d1]);
        for (let j = 1; j < cols(K); j++) v[n - j] = BigInt((t - x[K * d1 + j]) % t);
        return v;
      });
    },
    coefficientsOf: (o) => coeffs[o],
    outputCount: nOut,
    locate: (i) => [Math.floor(i / d0), (i % d0) * d1],
  });
}
