import type { Tensor } from "@tensorflow/tfjs-core";
import { assert } from "@std/assert";
import { SeededRng } from "../../base/mod.ts";
import { loadTfjs } from "./_backend.ts";

type Tf = Awaited<ReturnType<typeof loadTfjs>>;

/** One case: NHWC input, HWIO filter, stride, explicit pads [top, left, bottom, right]. */
interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  pads: [number, number, number, number];
}

function random(n: number, rng: SeededRng): Float32Array {
  return Float32Array.from({ length: n }, () => 2 * rng.next() - 1);
}

function outSize(c: Case): [number, number] {
  const [t, l, b, r] = c.pads;
  return [Math.floor((c.h + t + b - c.k) / c.s) + 1, Math.floor((c.w + l + r - c.k) / c.s) + 1];
}

/** The gradients of Σ conv(x, w)·dy by their definitions (Float64 loops). */
function naive(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const [oh, ow] = outSize(c);
  const dx = new Float64Array(x.length), dw = new Float64Array(w.length);
  for (let n = 0; n < c.n; n++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < c.k; ky++) {
          const iy = oy * c.s + ky - c.pads[0];
          if (iy < 0 || iy >= c.h) continue;
          for (let kx = 0; kx < c.k; kx++) {
            const ix = ox * c.s + kx - c.pads[1];
            if (ix < 0 || ix >= c.w) continue;
            for (let i = 0; i < c.ci; i++) {
              for (let o = 0; o < c.co; o++) {
                const g = dy[((n * oh + oy) * ow + ox) * c.co + o];
                const wi = ((ky * c.k + kx) * c.ci + i) * c.co + o;
                const xi = ((n * c.h + iy) * c.w + ix) * c.ci + i;
                dx[xi] += g * w[wi];
                dw[wi] += g * x[xi];
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw };
}

/** Largest |a − b| relative to the largest |b|. */
function relError(a: Float32Array, b: Float64Array): number {
  let err = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

/** Both gradients through the registered kernels, read back. */
function gradients(
  tf: Tf,
  c: Case,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  pad: "same" | [number, number][],
): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const [oh, ow] = outSize(c);
    const xs = tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), ws = tf.tensor4d(w, [c.k, c.k, c.ci, c.co]);
    const dys = tf.tensor4d(dy, [c.n, oh, ow, c.co]);
    const attrs = { strides: [c.s, c.s], pad, dataFormat: "NHWC" };
    const dx = tf.engine().runKernel("Conv2DBackpropInput", { dy: dys, filter: ws }, {
      ...attrs,
      inputShape: xs.shape,
    }) as Tensor;
    const dw = tf.engine().runKernel("Conv2DBackpropFilter", { x: xs, dy: dys }, {
      ...attrs,
      filterShape: ws.shape,
    }) as Tensor;
    return [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
  });
}

const CASES: Case[] = [
  { n: 2, h: 8, w: 8, ci: 3, co: 4, k: 3, s: 1, pads: [1, 1, 1, 1] },
  { n: 2, h: 8, w: 8, ci: 3, co: 5, k: 3, s: 2, pads: [1, 1, 1, 1] },
  { n: 3, h: 7, w: 9, ci: 2, co: 4, k: 3, s: 2, pads: [1, 1, 1, 1] },
  { n: 2, h: 8, w: 8, ci: 4, co: 6, k: 1, s: 2, pads: [0, 0, 0, 0] },
  { n: 2, h: 7, w: 7, ci: 4, co: 3, k: 1, s: 2, pads: [0, 0, 0, 0] },
  { n: 2, h: 6, w: 6, ci: 5, co: 3, k: 1, s: 1, pads: [0, 0, 0, 0] },
  { n: 2, h: 9, w: 8, ci: 2, co: 3, k: 3, s: 1, pads: [1, 0, 2, 1] },
  { n: 1, h: 10, w: 10, ci: 2, co: 2, k: 5, s: 3, pads: [2, 1, 0, 2] },
  { n: 2, h: 6, w: 6, ci: 3, co: 2, k: 3, s: 1, pads: [0, 0, 0, 0] },
  // Padding ≥ the kernel: no phase decomposition, the stock kernel's path.
  { n: 2, h: 5, w: 5, ci: 2, co: 3, k: 2, s: 2, pads: [2, 2, 2, 2] },
];

Deno.test("conv gradients on wasm match their definitions (rel. error < 1e-5)", async () => {
  const tf = await loadTfjs();
  const rng = new SeededRng(7);
  for (const c of CASES) {
    const [oh, ow] = outSize(c);
    const x = random(c.n * c.h * c.w * c.ci, rng), w = random(c.k * c.k * c.ci * c.co, rng);
    const dy = random(c.n * oh * ow * c.co, rng);
    const ref = naive(c, x, w, dy);
    const before = tf.engine().backend.numDataIds();
    const [t, l, b, r] = c.pads;
    const [dx, dw] = gradients(tf, c, x, w, dy, [[0, 0], [t, b], [l, r], [0, 0]]);
    assert(tf.engine().backend.numDataIds() === before, `${JSON.stringify(c)}: buffers leaked`);
    const ex = relError(dx, ref.dx), ew = relError(dw, ref.dw);
    assert(ex < 1e-5 && ew < 1e-5, `${JSON.stringify(c)}: dx ${ex}, dw ${ew}`);
  }
});

Deno.test("conv gradients with 'same' padding and stride 2 match their definitions", async () => {
  const tf = await loadTfjs();
  const rng = new SeededRng(8);
  // TensorFlow's 'same' at stride 2 on 8×8 with k = 3 pads 0 on top/left and 1 at the bottom/right.
  const c: Case = { n: 2, h: 8, w: 8, ci: 3, co: 4, k: 3, s: 2, pads: [0, 0, 1, 1] };
  const [oh, ow] = outSize(c);
  const x = random(c.n * c.h * c.w * c.ci, rng), w = random(c.k * c.k * c.ci * c.co, rng);
  const dy = random(c.n * oh * ow * c.co, rng);
  const ref = naive(c, x, w, dy);
  const [dx, dw] = gradients(tf, c, x, w, dy, "same");
  assert(relError(dx, ref.dx) < 1e-5 && relError(dw, ref.dw) < 1e-5);
});
