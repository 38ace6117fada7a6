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
import { scratchInt32 } from "../base/mod.ts";
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
  /**
   * Every effective weight at once: W'(o, i, t) at (o·input.channels + i)·taps.length + t (built
   * on first use, then shared; planners read millions of weights, a call each would cost more).
   */
  weights(): Int32Array;
  /** Number of stride phases (1 for stride 1). */
  readonly phases: number;
  /** Client side: the layer input (ci·h·w residues) as grid input maps. */
  lift(x: Float64Array): Float64Array;
}

/**
 * Effective weights gathered from a conv's own weights W (co × ci × kk): entry (o, p·ci + i, t) of
 * `phases` phases of `taps` taps, at ((o·phases + p)·ci + i)·taps + t, is
 * W[(o·ci + i)·kk + at[p·taps + t]], or 0 where `at` is −1 (a tap outside phase p's sub-filter).
 */
function gatherWeights(
  W: Int32Array,
  shape: { readonly co: number; readonly ci: number; readonly k: number },
  phases: number,
  taps: number,
  at: Int32Array,
): Int32Array {
  const { co, ci } = shape, kk = shape.k * shape.k;
  // One phase reading every kernel tap in order (stride 1, a 1×1 kernel at any stride): W itself.
  if (phases === 1 && taps === kk && at.every((off, t) => off === t)) return W;
  const out = scratchInt32(co * phases * ci * taps);
  // One flat loop over the entries (see `tables` in _packing.ts), (o, p, i, t) kept as counters.
  for (let w = 0, o = 0, p = 0, i = 0, t = 0; w < out.length; w++) {
    const off = at[p * taps + t];
    out[w] = off < 0 ? 0 : W[(o * ci + i) * kk + off];
    if (++t === taps) {
      t = 0;
      if (++i === ci) {
        i = 0;
        if (++p === phases) {
          p = 0;
          o++;
        }
      }
    }
  }
  return out;
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
    const weight = (o: number, i: number, t: number) => W[(o * s.ci + i) * kk + t];
    return {
      input: stack(s.ci),
      output: stack(s.co),
      taps,
      weight,
      // Tap t is (ky, kx) = (⌊t/k⌋, t mod k): the layer's own layout.
      weights: () => W,
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
  const taps: { dy: number; dx: number }[] = [];
  for (let ty = 0; ty < a; ty++) for (let tx = 0; tx < a; tx++) taps.push({ dy: ty, dx: tx });
  // Kernel offset ky·k + kx of each (phase, tap), −1 outside the kernel.
  const at = new Int32Array(phases * taps.length);
  used.forEach(([ry, rx], phase) => {
    taps.forEach(({ dy, dx }, t) => {
      const ky = st * dy + ry, kx = st * dx + rx;
      at[phase * taps.length + t] = ky < s.k && kx < s.k ? ky * s.k + kx : -1;
    });
  });
  let dense: Int32Array | undefined;
  const weights = () => dense ??= gatherWeights(W, s, phases, taps.length, at);
  const C = phases * s.ci, T = taps.length;
  return {
    input: { channels: C, gh, gw, vh: gh, vw: gw },
    output: { channels: s.co, gh, gw, vh: oh, vw: ow },
    taps,
    phases,
    weight: (o, ip, t) => weights()[(o * C + ip) * T + t],
    weights,
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
      // Tap (a, b) reads kernel tap (a·s + s_r, b·s + s_c).
      const at = Int32Array.from(taps, ({ dy, dx }) => (dy * s.s + sr) * s.k + dx * s.s + sc);
      let dense: Int32Array | undefined;
      const weights = () => dense ??= gatherWeights(W, s, 1, taps.length, at);
      const T = taps.length;
      phases.push({
        sr,
        sc,
        input: { channels: s.ci, gh: lh, gw: lw, vh: lh, vw: lw },
        output: { channels: s.co, gh: lh, gw: lw, vh: newH, vw: newW },
        taps,
        phases: 1,
        weight: (o, i, t) => weights()[(o * s.ci + i) * T + t],
        weights,
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
