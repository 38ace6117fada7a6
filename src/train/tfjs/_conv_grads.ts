/**
 * Fast convolution gradients for tfjs-backend-wasm, built from its XNNPACK forward convolution.
 *
 * The wasm backend has no `Conv2DBackpropFilter` kernel at all, and its `Conv2DBackpropInput` is a
 * plain loop about ten times slower than a forward convolution. Both gradients are convolutions in
 * disguise (NHWC activations, HWIO filters, forward stride s, padding top/left/bottom/right):
 *
 * - filter gradient: dW[kh, kw, ci, co] = Σ_{n, oy, ox} x[n, oy·s + kh − top, ox·s + kw − left, ci]
 *   · dy[n, oy, ox, co]. With x transposed to [Ci, H, W, N] as the input and dy transposed to
 *   [OH, OW, N, Co] as the filter, this is a stride-1 convolution with dilation s and the forward
 *   padding; its output [Ci, KH', KW', Co] is cropped to KH × KW (KH' > KH when the forward
 *   convolution drops rows) and transposed back to [KH, KW, Ci, Co].
 * - input gradient: dx is the correlation of dy with the filter flipped in space and transposed
 *   to [KH, KW, Co, Ci], padded by KH − 1 − top on the top (the bottom padding makes the output
 *   exactly H high). With stride s > 1 the s² output phases are computed at dy's resolution as the
 *   channels of one convolution and interleaved (`polyphaseInput`), instead of convolving a
 *   zero-inserted dy; a 1×1 filter without padding is a 1×1 convolution spread out by the stride.
 *
 * The kernels call the backend's own kernel functions on `TensorInfo`s (never the engine), so no
 * tensor is tracked by the engine and every intermediate is freed through `disposeData`. Anything
 * outside these conventions (negative transposed padding, NCHW) falls back to the stock kernel, or
 * is an error for the filter gradient, which has no stock kernel.
 *
 * @module
 */
import {
  backend_util,
  type DataId,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from "@tensorflow/tfjs-core";

/** What the kernels need of the wasm backend. */
interface Backend {
  disposeData(dataId: DataId, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

type Attrs = Record<string, unknown>;

/** Run one of the backend's registered kernels directly on `TensorInfo`s. */
function run(
  backend: Backend,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: Attrs,
): TensorInfo {
  const kernel = getKernel(name, "wasm");
  if (!kernel) throw new Error(`tfjs-backend-wasm has no ${name} kernel`);
  return kernel.kernelFunc({
    inputs,
    backend: backend as never,
    attrs: attrs as never,
  }) as TensorInfo;
}

/** A chain of kernel calls whose intermediates are freed when the chain moves on. */
class Chain {
  #owned: TensorInfo[] = [];
  constructor(readonly backend: Backend) {}
  /** Run a kernel; its output is freed by `free` unless it is the value `done` returns. */
  op(name: string, inputs: Record<string, TensorInfo>, attrs: Attrs): TensorInfo {
    const out = run(this.backend, name, inputs, attrs);
    this.#owned.push(out);
    return out;
  }
  /** Track an output made outside `op`. */
  own(t: TensorInfo): TensorInfo {
    this.#owned.push(t);
    return t;
  }
  /** Free every intermediate but `keep`. */
  done(keep: TensorInfo): TensorInfo {
    for (const t of this.#owned) if (t !== keep) this.backend.disposeData(t.dataId);
    this.#owned = [];
    return keep;
  }
}

function conv(
  c: Chain,
  x: TensorInfo,
  filter: TensorInfo,
  pads: readonly [number, number, number, number],
  dilations: readonly [number, number] = [1, 1],
): TensorInfo {
  const [top, left, bottom, right] = pads;
  return c.op("Conv2D", { x, filter }, {
    strides: [1, 1],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: "NHWC",
    dilations: [...dilations],
    dimRoundingMode: undefined,
  });
}

/** Insert s − 1 zero rows (columns) after every row (column): [N, H, W, C] → [N, H·sh, W·sw, C]. */
function zeroInsert(c: Chain, x: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, ch] = x.shape;
  const r = c.op("Reshape", { x }, { shape: [n * h, 1, w, 1, ch] });
  const p = c.op("PadV2", { x: r }, {
    paddings: [[0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
    constantValue: 0,
  });
  return c.op("Reshape", { x: p }, { shape: [n, h * sh, w * sw, ch] });
}

/** Crop or zero-pad the spatial size of an NHWC map to h × w (at the bottom and right). */
function fitSpatial(c: Chain, x: TensorInfo, h: number, w: number): TensorInfo {
  const [n, xh, xw, ch] = x.shape;
  if (xh === h && xw === w) return x;
  let y = x;
  if (xh > h || xw > w) {
    y = c.op("Slice", { x: y }, {
      begin: [0, 0, 0, 0],
      size: [n, Math.min(xh, h), Math.min(xw, w), ch],
    });
  }
  if (y.shape[1] < h || y.shape[2] < w) {
    y = c.op("PadV2", { x: y }, {
      paddings: [[0, 0], [0, h - y.shape[1]], [0, w - y.shape[2]], [0, 0]],
      constantValue: 0,
    });
  }
  return y;
}

/**
 * One axis of the polyphase input gradient (stride s, kernel k, padding p before): output position
 * y = s·i + a takes dy[i + u − P]·W[tap(a, u)] for u < T, where tap is −1 for no tap.
 */
function phases(k: number, s: number, p: number) {
  const taps: { a: number; d: number; kk: number }[] = [];
  for (let a = 0; a < s; a++) {
    for (let kk = 0; kk < k; kk++) {
      if ((((a + p - kk) % s) + s) % s === 0) taps.push({ a, d: (a + p - kk) / s, kk });
    }
  }
  const dmin = Math.min(...taps.map((t) => t.d)), dmax = Math.max(...taps.map((t) => t.d));
  const P = -dmin, T = dmax - dmin + 1;
  const tap = Array.from({ length: s }, () => new Int32Array(T).fill(-1));
  for (const t of taps) tap[t.a][t.d + P] = t.kk;
  return { P, T, tap };
}

/**
 * Input gradient of a strided convolution without zero-insertion: the s² output phases (y mod s,
 * x mod s) are the output channels of ONE stride-1 convolution of dy at its own resolution, with
 * the phase kernels gathered (flipped, transposed, zero where a phase has no tap) into a T × T' ×
 * Co × s²·Ci filter; one transpose interleaves the phases. For 3×3 and stride 2 this costs 1.8× the
 * forward multiply-adds instead of zero-insertion's 4×. Undefined when the geometry does not fit.
 */
function polyphaseInput(
  c: Chain,
  dy: TensorInfo,
  filter: TensorInfo,
  s: number,
  top: number,
  left: number,
  h: number,
  w: number,
): TensorInfo | undefined {
  const [kh, kw, ci, co] = filter.shape;
  const [n, oh, ow] = dy.shape;
  const ry = phases(kh, s, top), rx = phases(kw, s, left);
  if (ry.P < 0 || rx.P < 0) return undefined;
  const lh = Math.ceil(h / s), lw = Math.ceil(w / s);
  const pb = lh - oh - ry.P + ry.T - 1, pr = lw - ow - rx.P + rx.T - 1;
  const f = c.own(c.backend.makeOutput([ry.T, rx.T, co, s * s * ci], "float32"));
  const wv = c.backend.typedArrayFromHeap(filter), fv = c.backend.typedArrayFromHeap(f);
  fv.fill(0);
  const outC = s * s * ci;
  for (let u = 0; u < ry.T; u++) {
    for (let v = 0; v < rx.T; v++) {
      for (let a = 0; a < s; a++) {
        const ky = ry.tap[a][u];
        if (ky < 0) continue;
        for (let b = 0; b < s; b++) {
          const kx = rx.tap[b][v];
          if (kx < 0) continue;
          for (let i = 0; i < ci; i++) {
            const src = ((ky * kw + kx) * ci + i) * co;
            const dst = (u * rx.T + v) * co * outC + (a * s + b) * ci + i;
            for (let o = 0; o < co; o++) fv[dst + o * outC] = wv[src + o];
          }
        }
      }
    }
  }
  // Rows (columns) of dy past the last one any phase reads are cut instead of padded.
  const g = pb < 0 || pr < 0
    ? c.op("Slice", { x: dy }, {
      begin: [0, 0, 0, 0],
      size: [n, oh + Math.min(pb, 0), ow + Math.min(pr, 0), co],
    })
    : dy;
  const stacked = conv(c, g, f, [ry.P, rx.P, Math.max(pb, 0), Math.max(pr, 0)]);
  // Interleave: [N, L, L', s, s, Ci] → [N, L, s, L', s, Ci] (the backend's DepthToSpace is 4×
  // slower than this transpose).
  const split = c.op("Reshape", { x: stacked }, { shape: [n, lh, lw, s, s, ci] });
  const moved = c.op("Transpose", { x: split }, { perm: [0, 1, 3, 2, 4, 5] });
  const dx = c.op("Reshape", { x: moved }, { shape: [n, lh * s, lw * s, ci] });
  return fitSpatial(c, dx, h, w);
}

function convInfo(xShape: number[], filterShape: number[], attrs: Attrs) {
  const format = backend_util.convertConv2DDataFormat(attrs.dataFormat as "NHWC" | "NCHW");
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as "valid",
    attrs.dimRoundingMode as "floor" | undefined,
    false,
    format,
  );
}

/** `Conv2DBackpropFilter` for wasm: inputs {x, dy}, attrs {strides, pad, filterShape, …}. */
export const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as Attrs;
  const filterShape = a.filterShape as [number, number, number, number];
  const info = convInfo(x.shape, filterShape, a);
  if (info.dataFormat !== "channelsLast") {
    throw new Error("Conv2DBackpropFilter (wasm): only NHWC is supported");
  }
  const [kh, kw, ci, co] = filterShape;
  const { top, left, bottom, right } = info.padInfo;
  const c = new Chain(backend as unknown as Backend);
  const xt = c.op("Transpose", { x }, { perm: [3, 1, 2, 0] }); // [Ci, H, W, N]
  const dyt = c.op("Transpose", { x: dy }, { perm: [1, 2, 0, 3] }); // [OH, OW, N, Co]
  let dw = conv(c, xt, dyt, [top, left, bottom, right], [info.strideHeight, info.strideWidth]);
  if (dw.shape[1] !== kh || dw.shape[2] !== kw) {
    dw = c.op("Slice", { x: dw }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
  }
  return c.done(c.op("Transpose", { x: dw }, { perm: [1, 2, 0, 3] }));
};

/** `Conv2DBackpropInput` for wasm: inputs {dy, filter}, attrs {strides, pad, inputShape, …}. */
export function conv2dBackpropInputWith(stock: KernelFunc | undefined): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as Attrs;
    const inputShape = a.inputShape as [number, number, number, number];
    const info = convInfo(inputShape, filter.shape, a);
    const [, h, w] = inputShape;
    const [kh, kw] = filter.shape;
    const sh = info.strideHeight, sw = info.strideWidth;
    const { top, left } = info.padInfo;
    const c = new Chain(backend as unknown as Backend);
    if (info.dataFormat === "channelsLast" && kh === 1 && kw === 1 && top === 0 && left === 0) {
      // 1×1: a 1×1 convolution at the output resolution, then spread out by the stride.
      const ft = c.op("Transpose", { x: filter }, { perm: [0, 1, 3, 2] });
      const g = conv(c, dy, ft, [0, 0, 0, 0]);
      return c.done(fitSpatial(c, zeroInsert(c, g, sh, sw), h, w));
    }
    const pt = kh - 1 - top, pl = kw - 1 - left;
    const [, oh, ow] = dy.shape;
    // Zero insertion leaves s − 1 trailing zero rows, which count as bottom padding.
    const pb = h - oh * sh - pt + kh - 1, pr = w - ow * sw - pl + kw - 1;
    const exact = info.dataFormat === "channelsLast" && pt >= 0 && pl >= 0 &&
      pb >= -(sh - 1) && pr >= -(sw - 1);
    if (!exact) {
      if (!stock) throw new Error("Conv2DBackpropInput (wasm): unsupported geometry");
      return stock(args);
    }
    if (sh === sw && sh > 1) {
      const dx = polyphaseInput(c, dy, filter, sh, top, left, h, w);
      if (dx) return c.done(dx);
    }
    const flipped = c.op("Reverse", { x: filter }, { dims: [0, 1] });
    const ft = c.op("Transpose", { x: flipped }, { perm: [0, 1, 3, 2] }); // [KH, KW, Co, Ci]
    let g = zeroInsert(c, dy, sh, sw);
    if (pb < 0 || pr < 0) {
      // Only trailing inserted zeros are cut.
      g = fitSpatial(c, g, g.shape[1] + Math.min(pb, 0), g.shape[2] + Math.min(pr, 0));
    }
    return c.done(conv(c, g, ft, [pt, pl, Math.max(pb, 0), Math.max(pr, 0)]));
  };
}

let registered = false;

/**
 * Register the two kernels on the wasm backend (once; the stock `Conv2DBackpropInput` is kept as
 * the fallback). Call after the backend is ready.
 */
export function registerConvGradients(): void {
  if (registered) return;
  registered = true;
  const stock = getKernel("Conv2DBackpropInput", "wasm");
  if (stock) unregisterKernel("Conv2DBackpropInput", "wasm");
  const input: KernelConfig = {
    kernelName: "Conv2DBackpropInput",
    backendName: "wasm",
    kernelFunc: conv2dBackpropInputWith(stock?.kernelFunc),
  };
  registerKernel(input);
  if (getKernel("Conv2DBackpropFilter", "wasm")) unregisterKernel("Conv2DBackpropFilter", "wasm");
  registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: conv2dBackpropFilter,
  });
}
