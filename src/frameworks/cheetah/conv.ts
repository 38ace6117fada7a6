/**
 * Cheetah's convolution (Huang et al., USENIX Security 2022, §4.1; OpenCheetah
 * `include/gemini/cheetah/hom_conv2d_ss.cc`): the padded input is cut into blocks of Ĉ channels ×
 * Ĥ × Ŵ pixels that overlap by k − 1 pixels; each block is one polynomial, each kernel block of Ĉ
 * channels one polynomial, and one polynomial product computes the block's stride-1 convolution
 * in its coefficients, summed over its channels. No rotation is needed.
 *
 * @module
 */
import type { LayerPlan, MaskBank, Preset } from "../../he/mod.ts";
import { convOutH, convOutW, convPads, type ConvShape, type IntLayer } from "../../nn/mod.ts";
import { UserError } from "../../base/mod.ts";
import {
  cheetahMethod,
  cheetahPlan,
  type CheetahPlanOptions,
  cheetahPresetOf,
  CheetahProgram,
} from "./_plan.ts";

/** Cheetah's block partition of one convolution. */
export interface CheetahConvGeometry {
  /** Height of the grid the blocks cover (padded; subsampled first for a strided 1×1). */
  readonly gridH: number;
  /** Width of that grid. */
  readonly gridW: number;
  /** Stride on that grid (1 after the subsampling of a strided 1×1). */
  readonly gridStride: number;
  /** Channels per block, Ĉ. */
  readonly cHat: number;
  /** Rows per block, Ĥ. */
  readonly hHat: number;
  /** Columns per block, Ŵ. */
  readonly wHat: number;
  /** Blocks along the channels, n_C = ⌈C / Ĉ⌉. */
  readonly nC: number;
  /** Blocks along the rows (overlapping by k − 1), n_H. */
  readonly nH: number;
  /** Blocks along the columns, n_W. */
  readonly nW: number;
}

/**
 * The block partition OpenCheetah picks for a convolution at ring degree N
 * (`shape_inference.cc::Conv2D`, `sliced_3d_tensor.h::Conv2DSliceHelper`): if the padded map fits
 * (H'W' ≤ N) a block is the whole map and Ĉ = min(⌊N / H'W'⌋, C, ⌊N / k²⌋); otherwise Ĉ = 1,
 * Ĥ = min(⌊√(N H'/W')⌋, H'), Ŵ = min(⌊N / Ĥ⌋, W'), both set to the smaller if they differ by
 * less than 2. A dimension longer than its block is cut into 1 + ⌈(H' − Ĥ) / (Ĥ − k + 1)⌉
 * overlapping blocks. A strided 1×1 is subsampled first (H' = ⌈H/s⌉).
 *
 * @example ResNet-50's conv1 (224 × 224 padded to 230 × 230 by hand, 7 × 7, stride 2, VALID)
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { cheetahConvGeometry } from "./conv.ts";
 * import { type ConvShape, parseLayerSpec } from "../../nn/mod.ts";
 *
 * const conv1 = parseLayerSpec("conv:h=230,w=230,ci=3,co=64,k=7,s=2,p=0") as ConvShape;
 * const g = cheetahConvGeometry(conv1, 4096);
 * assertEquals([g.cHat, g.hHat, g.wHat, g.nC, g.nH, g.nW], [1, 64, 64, 3, 4, 4]);
 * ```
 */
export function cheetahConvGeometry(shape: ConvShape, n: number): CheetahConvGeometry {
  const [top, left, bottom, right] = convPads(shape);
  const { k, s } = shape;
  const ph = shape.h + top + bottom, pw = shape.w + left + right;
  const sub = k === 1 && s > 1;
  const gridH = sub ? Math.ceil(ph / s) : ph, gridW = sub ? Math.ceil(pw / s) : pw;
  const cw = Math.floor(n / (k * k));
  if (cw < 1) throw new UserError(`Cheetah: a ${k}×${k} kernel does not fit N = ${n}`);
  let cHat: number, hHat: number, wHat: number;
  if (gridH * gridW <= n) {
    cHat = Math.min(Math.floor(n / (gridH * gridW)), shape.ci, cw);
    hHat = gridH;
    wHat = gridW;
  } else {
    cHat = 1;
    hHat = Math.min(Math.floor(Math.sqrt(n * (gridH / gridW))), gridH);
    wHat = Math.min(Math.floor(n / hHat), gridW);
    if (Math.abs(wHat - hHat) < 2) hHat = wHat = Math.min(hHat, wHat);
  }
  if (hHat < k || wHat < k) {
    throw new UserError(
      `Cheetah: ${k}×${k} kernel larger than its ${hHat}×${wHat} block at N = ${n}`,
    );
  }
  const blocks = (len: number, b: number) => len > b ? 1 + Math.ceil((len - b) / (b - k + 1)) : 1;
  return {
    gridH,
    gridW,
    gridStride: sub ? 1 : s,
    cHat,
    hHat,
    wHat,
    nC: Math.ceil(shape.ci / cHat),
    nH: blocks(gridH, hHat),
    nW: blocks(gridW, wHat),
  };
}

/**
 * Plan a convolution the Cheetah way: `n_C n_H n_W` input ciphertexts, one output ciphertext per
 * output channel and spatial block, `co · n_C` kernel polynomials; each output sums its `n_C`
 * products. Outputs are re-shared, switched to one prime and extracted.
 *
 * @example 16 × 16 × 128 → 128, 3 × 3: 11 blocks of 12 channels
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planCheetahConv } from "./conv.ts";
 * import { countPlan, getPreset } from "../../he/mod.ts";
 * import { type ConvShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=16,w=16,ci=128,co=128,k=3"), 1);
 * const plan = planCheetahConv(layer as IntLayer<ConvShape>, { preset: getPreset("cheetah"), stock: true });
 * const c = countPlan(plan);
 * assertEquals([c.cts_up, c.mult, c.add, c.cts_down, c.perm_in + c.perm_out], [11, 1408, 1280, 128, 0]);
 * ```
 */
export function planCheetahConv(layer: IntLayer<ConvShape>, opts: CheetahPlanOptions): LayerPlan {
  const preset: Preset = cheetahPresetOf(opts);
  const method = cheetahMethod(opts);
  const stock = opts.stock ?? false;
  const shape = layer.shape;
  const n = preset.polyModulusDegree;
  const g = cheetahConvGeometry(shape, n);
  const { k, ci, co } = shape;
  const [top, left] = convPads(shape);
  const { cHat, hHat, wHat, nC, nH, nW } = g;
  const kk = k * k;
  const plane = hHat * wHat;
  const offset = plane * (cHat - 1) + wHat * (k - 1) + (k - 1);
  const outRows = hHat - k + 1, outCols = wHat - k + 1;
  const w = layer.weights;
  const zeroPoly = (m: number, cb: number): boolean => {
    const from = (m * ci + cb * cHat) * kk, to = (m * ci + Math.min(ci, (cb + 1) * cHat)) * kk;
    for (let i = from; i < to; i++) if (w[i] !== 0) return false;
    return true;
  };
  // Kernel polynomials actually multiplied, by (m, cb); −1 = skipped.
  const maskId = new Int32Array(co * nC).fill(-1);
  const maskOf: number[] = [];
  for (let m = 0; m < co; m++) {
    for (let cb = 0; cb < nC; cb++) {
      if (stock || !zeroPoly(m, cb)) maskId[m * nC + cb] = maskOf.push(m * nC + cb) - 1;
    }
  }
  const inputReg = (cb: number, bh: number, bw: number) => (cb * nH + bh) * nW + bw;
  const program = new CheetahProgram(preset, nC * nH * nW, method);
  for (let m = 0; m < co; m++) {
    for (let bh = 0; bh < nH; bh++) {
      for (let bw = 0; bw < nW; bw++) {
        const terms: [number, number][] = [];
        for (let cb = 0; cb < nC; cb++) {
          const id = maskId[m * nC + cb];
          if (id >= 0) terms.push([inputReg(cb, bh, bw), id]);
        }
        program.output(terms);
      }
    }
  }
  const masks: MaskBank = {
    count: maskOf.length,
    ntt: program.nttMasks,
    fill(i, out) {
      const m = Math.floor(maskOf[i] / nC), cb = maskOf[i] % nC;
      for (let c = 0; c < cHat && cb * cHat + c < ci; c++) {
        const base = (m * ci + cb * cHat + c) * kk;
        for (let l = 0; l < k; l++) {
          for (let l2 = 0; l2 < k; l2++) {
            out[offset - c * plane - l * wHat - l2] = BigInt(w[base + l * k + l2]);
          }
        }
      }
    },
    weightsOf(i) {
      const m = Math.floor(maskOf[i] / nC), cb = maskOf[i] % nC;
      const from = (m * ci + cb * cHat) * kk, to = (m * ci + Math.min(ci, (cb + 1) * cHat)) * kk;
      const out: number[] = [];
      for (let j = from; j < to; j++) if (w[j] !== 0) out.push(w[j]);
      return out;
    },
  };
  const oh = convOutH(shape), ow = convOutW(shape);
  const gs = g.gridStride;
  // The grid value at (c, I, J): the padded input, subsampled for a strided 1×1.
  const sub = gs === 1 && shape.s > 1;
  const gridValue = (x: Float64Array, c: number, I: number, J: number): number => {
    const r = (sub ? I * shape.s : I) - top, q = (sub ? J * shape.s : J) - left;
    if (r < 0 || q < 0 || r >= shape.h || q >= shape.w) return 0;
    return x[(c * shape.h + r) * shape.w + q];
  };
  // Coefficients each spatial block's outputs sit at (the same for every output channel).
  const coeffs: Int32Array[] = [];
  for (let bh = 0; bh < nH; bh++) {
    for (let bw = 0; bw < nW; bw++) {
      const list: number[] = [];
      for (let oi = 0; oi < oh; oi++) {
        const I = oi * gs - bh * outRows;
        if (I < 0 || I >= outRows) continue;
        for (let oj = 0; oj < ow; oj++) {
          const J = oj * gs - bw * outCols;
          if (J >= 0 && J < outCols) list.push(offset + I * wHat + J);
        }
      }
      coeffs.push(Int32Array.from(list));
    }
  }
  return cheetahPlan({
    layer: layer.name,
    method,
    stock,
    geometry: {
      c_hat: cHat,
      h_hat: hHat,
      w_hat: wHat,
      n_c: nC,
      n_h: nH,
      n_w: nW,
      channels_per_ct: cHat,
      kernel_polys: co * nC,
    },
    program,
    masks,
    packInput(x) {
      const cts: BigUint64Array[] = [];
      for (let cb = 0; cb < nC; cb++) {
        for (let bh = 0; bh < nH; bh++) {
          for (let bw = 0; bw < nW; bw++) {
            const v = new BigUint64Array(n);
            for (let c = 0; c < cHat && cb * cHat + c < ci; c++) {
              for (let i = 0; i < hHat; i++) {
                const I = bh * outRows + i;
                if (I >= g.gridH) break;
                for (let j = 0; j < wHat; j++) {
                  const J = bw * outCols + j;
                  if (J >= g.gridW) break;
                  v[c * plane + i * wHat + j] = BigInt(gridValue(x, cb * cHat + c, I, J));
                }
              }
            }
            cts.push(v);
          }
        }
      }
      return cts;
    },
    coefficientsOf: (o) => coeffs[o % (nH * nW)],
    outputCount: co * oh * ow,
    locate(idx) {
      const m = Math.floor(idx / (oh * ow)), oi = Math.floor(idx / ow) % oh, oj = idx % ow;
      const bh = Math.floor((oi * gs) / outRows), bw = Math.floor((oj * gs) / outCols);
      const I = oi * gs - bh * outRows, J = oj * gs - bw * outCols;
      return [(m * nH + bh) * nW + bw, offset + I * wHat + J];
    },
  });
}
