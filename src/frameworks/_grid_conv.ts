/**
 * Lowering of any conv layer (stride, padding) to a stride-1 convolution on a grid, the form
 * rotation-based HE kernels run:
 *
 * - stride 1 with "same" padding (k odd, p = (k−1)/2): the grid is the image itself and taps reach
 *   (ky − p, kx − p); out-of-grid taps read zero (GAZELLE's own same-padding kernel);
 * - anything else, by polyphase decomposition (docs/frameworks.md §1.6, §2.3 step 1): for stride s
 *   the s² phases (ry, rx) of the zero-padded input become s²·ci input channels of a stride-1
 *   "valid" convolution with ⌈k/s⌉² taps; phase φ, channel i holds xpad[s·u + ry][s·v + rx] and
 *   its weights are W[o][i][s·a + ry][s·b + rx]. The client builds the phase maps in the clear.
 *
 * @module
 */
import { convOutH, convOutW, convPads, type ConvShape, type IntLayer } from "../nn/mod.ts";
import type { MapStack } from "./_packing.ts";

/** A stride-1 convolution on grid maps: out(y, x) += Σ W'(o, i, t)·in(y + dy_t, x + dx_t). */
export interface GridConv {
  /** Input maps on the grid: ci channels, or ci·phases after polyphase lowering (`lowerConv`). */
  readonly input: MapStack;
  /**
   * Output maps: co channels on the input's grid, with the layer's outputs in the top-left
   * `vh × vw`.
   */
  readonly output: MapStack;
  /** Tap t reads the input at (y + dy, x + dx) for output (y, x); grid offsets, in rows/columns. */
  readonly taps: readonly { readonly dy: number; readonly dx: number }[];
  /** Effective weight W'(o, i, t) (0 where the tap falls outside a phase's sub-filter). */
  weight(o: number, i: number, t: number): number;
  /** Number of stride phases (1 for stride 1). */
  readonly phases: number;
  /** Client side: the layer input (ci·h·w residues) as grid input maps. */
  lift(x: Float64Array): Float64Array;
}

/**
 * Lower a conv layer to a `GridConv` (see the module comment: the image itself for stride 1 with
 * "same" padding, else a polyphase stride-1 "valid" convolution).
 *
 * @example A 3×3 stride-2 conv becomes four phases of 2×2 taps
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { lowerConv } from "./_grid_conv.ts";
 * import { type ConvShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("s2", parseLayerSpec("conv:h=8,w=8,ci=3,co=4,k=3,s=2"), 1);
 * const g = lowerConv(layer as IntLayer<ConvShape>);
 * assertEquals([g.phases, g.input.channels, g.taps.length], [4, 12, 4]);
 * ```
 */
export function lowerConv(layer: IntLayer<ConvShape>): GridConv {
  const s = layer.shape;
  const W = layer.weights;
  const oh = convOutH(s), ow = convOutW(s);
  const kk = s.k * s.k;
  const [top, left, bottom, right] = convPads(s);
  const same = top === left && top === bottom && top === right && 2 * top === s.k - 1;
  if (s.s === 1 && same) {
    const taps = [];
    for (let ky = 0; ky < s.k; ky++) {
      for (let kx = 0; kx < s.k; kx++) taps.push({ dy: ky - top, dx: kx - top });
    }
    const stack = (channels: number): MapStack => ({
      channels,
      gh: s.h,
      gw: s.w,
      vh: s.h,
      vw: s.w,
    });
    return {
      input: stack(s.ci),
      output: stack(s.co),
      taps,
      weight: (o, i, t) => W[(o * s.ci + i) * kk + t],
      phases: 1,
      lift: (x) => x,
    };
  }
  const st = s.s;
  const a = Math.ceil(s.k / st); // taps per axis of the widest phase
  const gh = oh + a - 1, gw = ow + a - 1;
  // Phases (ry, rx) with ry, rx < k hold taps; the others (k < s) would be all-zero channels.
  const used: [number, number][] = [];
  for (let ry = 0; ry < Math.min(st, s.k); ry++) {
    for (let rx = 0; rx < Math.min(st, s.k); rx++) used.push([ry, rx]);
  }
  const phases = used.length;
  const taps = [];
  for (let ty = 0; ty < a; ty++) for (let tx = 0; tx < a; tx++) taps.push({ dy: ty, dx: tx });
  return {
    input: { channels: phases * s.ci, gh, gw, vh: gh, vw: gw },
    output: { channels: s.co, gh, gw, vh: oh, vw: ow },
    taps,
    phases,
    weight: (o, ip, t) => {
      const [ry, rx] = used[Math.floor(ip / s.ci)], i = ip % s.ci;
      const ky = st * Math.floor(t / a) + ry;
      const kx = st * (t % a) + rx;
      return ky < s.k && kx < s.k ? W[(o * s.ci + i) * kk + ky * s.k + kx] : 0;
    },
    lift: (x) => {
      const out = new Float64Array(phases * s.ci * gh * gw);
      used.forEach(([ry, rx], phase) => {
        for (let i = 0; i < s.ci; i++) {
          for (let u = 0; u < gh; u++) {
            const iy = st * u + ry - top;
            if (iy < 0 || iy >= s.h) continue;
            for (let v = 0; v < gw; v++) {
              const ix = st * v + rx - left;
              if (ix < 0 || ix >= s.w) continue;
              out[((phase * s.ci + i) * gh + u) * gw + v] = x[(i * s.h + iy) * s.w + ix];
            }
          }
        }
      });
      return out;
    },
  };
}

/** One stride phase of SCI's decomposition: an independent stride-1 "valid" convolution. */
export interface StridePhase extends GridConv {
  /** Row offset s_r of the phase: it holds padded-input rows s_r, s_r + s, s_r + 2s, … */
  readonly sr: number;
  /** Column offset s_c of the phase: it holds padded-input columns s_c, s_c + s, … */
  readonly sc: number;
}

/**
 * SCI's stride and padding decomposition (`conv-field.cpp` `convolution`, docs/frameworks.md §2.3
 * step 0): the input is zero-padded in the clear, then every phase (s_r, s_c) whose sub-filter is
 * not empty becomes its own stride-1 "valid" convolution on a lH × lW sub-image with taps
 * (row·s + s_r, col·s + s_c); every phase yields the full newH × newW output and the phases' results
 * add up. A stride-1 layer is one phase on the padded image.
 *
 * @example A 3×3 stride-2 conv becomes 2×2, 2×1, 1×2 and 1×1 sub-filters
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sciPhases } from "./_grid_conv.ts";
 * import { type ConvShape, type IntLayer, parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("s2", parseLayerSpec("conv:h=16,w=16,ci=1,co=1,k=3,s=2,p=1"), 1);
 * const phases = sciPhases(layer as IntLayer<ConvShape>);
 * assertEquals(phases.map((p) => p.taps.length), [4, 2, 2, 1]);
 * assertEquals(phases.map((p) => `${p.sr},${p.sc}`), ["0,0", "0,1", "1,0", "1,1"]);
 * ```
 */
export function sciPhases(layer: IntLayer<ConvShape>): StridePhase[] {
  const s = layer.shape;
  const W = layer.weights;
  const kk = s.k * s.k;
  const [top, left, bottom, right] = convPads(s);
  const hp = s.h + top + bottom, wp = s.w + left + right;
  const newH = convOutH(s), newW = convOutW(s);
  const limitH = s.k + (newH - 1) * s.s, limitW = s.k + (newW - 1) * s.s;
  const phases: StridePhase[] = [];
  // Phases (s_r, s_c) with s_r or s_c ≥ k have an empty sub-filter: not looped over (a stride far
  // larger than the kernel would otherwise loop s² times for nothing).
  const reach = Math.min(s.s, s.k);
  for (let sr = 0; sr < reach; sr++) {
    for (let sc = 0; sc < reach; sc++) {
      const lfh = Math.ceil((s.k - sr) / s.s), lfw = Math.ceil((s.k - sc) / s.s);
      if (lfh <= 0 || lfw <= 0) continue;
      const lh = Math.ceil((limitH - sr) / s.s), lw = Math.ceil((limitW - sc) / s.s);
      const taps = [];
      for (let a = 0; a < lfh; a++) for (let b = 0; b < lfw; b++) taps.push({ dy: a, dx: b });
      phases.push({
        sr,
        sc,
        input: { channels: s.ci, gh: lh, gw: lw, vh: lh, vw: lw },
        output: { channels: s.co, gh: lh, gw: lw, vh: newH, vw: newW },
        taps,
        phases: 1,
        weight: (o, i, t) => {
          const ky = Math.floor(t / lfw) * s.s + sr, kx = (t % lfw) * s.s + sc;
          return W[(o * s.ci + i) * kk + ky * s.k + kx];
        },
        lift: (x) => {
          const out = new Float64Array(s.ci * lh * lw);
          for (let i = 0; i < s.ci; i++) {
            for (let u = 0; u < lh; u++) {
              const iy = u * s.s + sr - top;
              if (iy < 0 || iy >= s.h || u * s.s + sr >= hp) continue;
              for (let v = 0; v < lw; v++) {
                const ix = v * s.s + sc - left;
                if (ix < 0 || ix >= s.w || v * s.s + sc >= wp) continue;
                out[(i * lh + u) * lw + v] = x[(i * s.h + iy) * s.w + ix];
              }
            }
          }
          return out;
        },
      });
    }
  }
  return phases;
}
