/**
 * The gradient of max pooling as a kernel of the wasm backend, in JavaScript on the wasm heap
 * (NHWC): each output's gradient goes to the first maximum of its window in row-major window order
 * (PyTorch's choice on ties), windows clipped to the image (padding never wins). The wasm backend's
 * own MaxPoolGrad loop is several times slower.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";

interface HeapBackend {
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

const KERNEL = "MosaicMaxPoolGrad";

/** Inputs {dy, x}, attrs {k, stride, top, left} → dx (x's shape). */
const kernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x } = inputs as Record<string, TensorInfo>;
  const { k, stride, top, left } = attrs as {
    k: number;
    stride: number;
    top: number;
    left: number;
  };
  const b = backend as unknown as HeapBackend;
  const out = b.makeOutput(x.shape, "float32");
  const dx = b.typedArrayFromHeap(out), xs = b.typedArrayFromHeap(x);
  const g = b.typedArrayFromHeap(dy);
  dx.fill(0);
  const [n, h, w, c] = x.shape, [, oh, ow] = dy.shape;
  const best = new Float32Array(c), at = new Int32Array(c);
  for (let s = 0; s < n; s++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = Math.max(0, oy * stride - top), y1 = Math.min(h, oy * stride - top + k);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = Math.max(0, ox * stride - left), x1 = Math.min(w, ox * stride - left + k);
        best.fill(-Infinity);
        at.fill(-1);
        for (let y = y0; y < y1; y++) {
          for (let xx = x0; xx < x1; xx++) {
            const base = ((s * h + y) * w + xx) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = xs[base + ch];
              if (v > best[ch] || at[ch] < 0) {
                best[ch] = v;
                at[ch] = base + ch;
              }
            }
          }
        }
        const o = ((s * oh + oy) * ow + ox) * c;
        for (let ch = 0; ch < c; ch++) if (at[ch] >= 0) dx[at[ch]] += g[o + ch];
      }
    }
  }
  return out;
};

let registered = false;

/** Register the kernel on the wasm backend (once, after it is ready). */
export function registerMaxPoolGradKernel(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: KERNEL, backendName: "wasm", kernelFunc: kernel });
}

/**
 * dx of a max pooling (window k, stride, padding top/left) given dy and the pooled input x.
 *
 * @example Ties go to the first maximum
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { loadTfjs } from "./_backend.ts";
 * import { maxPoolGrad } from "./_max_pool_grad.ts";
 *
 * await loadTfjs();
 * const x = tf.tensor4d([1, 3, 3, 2], [1, 2, 2, 1]);
 * const dx = maxPoolGrad(tf.tensor4d([5], [1, 1, 1, 1]), x, 2, 2, 0, 0);
 * if (dx.dataSync().join() !== "0,5,0,0") throw new Error();
 * ```
 */
export function maxPoolGrad(
  dy: tf.Tensor,
  x: tf.Tensor,
  k: number,
  stride: number,
  top: number,
  left: number,
): tf.Tensor {
  return tf.engine().runKernel(KERNEL, { dy, x }, { k, stride, top, left }) as tf.Tensor;
}
