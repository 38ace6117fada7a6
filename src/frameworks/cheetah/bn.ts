/**
 * Cheetah's BatchNorm multiplier (OpenCheetah `include/gemini/cheetah/hom_bn_ss.cc`, `bn_direct`):
 * each channel is cut into tiles of at most √N × √N pixels, one tile per ciphertext, and the
 * server multiplies both ciphertext polynomials by the channel's scale: no polynomial product,
 * no NTT.
 *
 * @module
 */
import type { LayerPlan, MaskBank } from "../../he/mod.ts";
import type { BnShape, IntLayer } from "../../nn/mod.ts";
import { cheetahPlan, type CheetahPlanOptions, cheetahPresetOf, CheetahProgram } from "./_plan.ts";

/**
 * Plan a BatchNorm multiplier the Cheetah way: C · ⌈H / th⌉ · ⌈W / tw⌉ ciphertexts with tiles
 * th × tw = min(√N, H) × min(√N, W) (`getSplitBN`), one scalar multiply each.
 *
 * @example 3 channels of 5 × 7: three ciphertexts, three scalar multiplies, no polynomial product
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planCheetahBn } from "./bn.ts";
 * import { countPlan, getPreset } from "../../he/mod.ts";
 * import { type BnShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const bn = syntheticLayer("bn", parseLayerSpec("bn:c=3,h=5,w=7"), 1) as IntLayer<BnShape>;
 * const c = countPlan(planCheetahBn(bn, { preset: getPreset("cheetah") }));
 * assertEquals([c.cts_up, c.mult_scalar, c.mult, c.ntt, c.cts_down], [3, 3, 0, 0, 3]);
 * ```
 */
export function planCheetahBn(layer: IntLayer<BnShape>, opts: CheetahPlanOptions): LayerPlan {
  const preset = cheetahPresetOf(opts);
  const stock = opts.stock ?? false;
  const n = preset.polyModulusDegree;
  const { c: C, h: H, w: W } = layer.shape;
  const side = Math.floor(Math.sqrt(n));
  const th = Math.min(side, H), tw = Math.min(side, W);
  const dH = Math.ceil(H / th), dW = Math.ceil(W / tw);
  const tiles = dH * dW;
  const scale = layer.weights;
  const channelOf: number[] = [];
  const maskOfChannel = new Int32Array(C).fill(-1);
  for (let c = 0; c < C; c++) {
    if (stock || scale[c] !== 0) maskOfChannel[c] = channelOf.push(c) - 1;
  }
  // The scalar multiply needs no transform: "coeff" whatever the method asked.
  const program = new CheetahProgram(preset, C * tiles, "coeff");
  for (let c = 0; c < C; c++) {
    for (let b = 0; b < tiles; b++) {
      const id = maskOfChannel[c];
      program.output(id >= 0 ? [[c * tiles + b, id]] : [], true);
    }
  }
  const masks: MaskBank = {
    count: channelOf.length,
    ntt: false,
    fill: (i, out) => {
      out[0] = BigInt(scale[channelOf[i]]);
    },
    weightsOf: (i) => scale[channelOf[i]] === 0 ? [] : [scale[channelOf[i]]],
  };
  // Pixels of tile (bh, bw), as coefficients i · tw + j.
  const tileCoeffs = Array.from({ length: tiles }, (_, b) => {
    const bh = Math.floor(b / dW), bw = b % dW;
    const list: number[] = [];
    for (let i = 0; i < th && bh * th + i < H; i++) {
      for (let j = 0; j < tw && bw * tw + j < W; j++) list.push(i * tw + j);
    }
    return Int32Array.from(list);
  });
  return cheetahPlan({
    layer: layer.name,
    method: "scalar",
    stock,
    geometry: { tile_h: th, tile_w: tw, in_cts: C * tiles, out_cts: C * tiles },
    program,
    masks,
    packInput(x) {
      const cts: BigUint64Array[] = [];
      for (let c = 0; c < C; c++) {
        for (let b = 0; b < tiles; b++) {
          const bh = Math.floor(b / dW), bw = b % dW;
          const v = new BigUint64Array(n);
          for (let i = 0; i < th && bh * th + i < H; i++) {
            for (let j = 0; j < tw && bw * tw + j < W; j++) {
              v[i * tw + j] = BigInt(x[(c * H + bh * th + i) * W + bw * tw + j]);
            }
          }
          cts.push(v);
        }
      }
      return cts;
    },
    coefficientsOf: (o) => tileCoeffs[o % tiles],
    outputCount: C * H * W,
    locate(idx) {
      const c = Math.floor(idx / (H * W)), r = Math.floor(idx / W) % H, q = idx % W;
      const bh = Math.floor(r / th), bw = Math.floor(q / tw);
      return [c * tiles + bh * dW + bw, (r - bh * th) * tw + (q - bw * tw)];
    },
  });
}
