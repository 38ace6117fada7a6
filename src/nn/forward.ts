/**
 * The IR's own float forward pass (Float64 accumulation), the reference onnxruntime-web is checked
 * against and the function permutation tests compare.
 *
 * @module
 */
import type { Network, TensorShape } from "./network.ts";
import { inferShapes } from "./network.ts";

/**
 * Run the network on one input (c·h·w normalized values, CHW, batch 1) and return the output
 * tensor (for a classifier, its logits), flattened.
 *
 * @example VGG-16 maps a CIFAR-sized image to 10 logits
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { forward } from "./forward.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const y = forward(net, new Float32Array(3 * 32 * 32).fill(0.5));
 * assertEquals(y.length, 10);
 * ```
 */
export function forward(net: Network, x: Float32Array): Float32Array {
  const shapes = inferShapes(net);
  const values = new Map<string, Float32Array>([[net.input.name, x]]);
  const get = (t: string) => values.get(t)!;
  const dims = (t: string) => shapes.get(t)! as TensorShape;
  for (const node of net.nodes) {
    const xin = get(node.inputs[0]);
    let out: Float32Array;
    switch (node.op) {
      case "Conv": {
        const [, h, w] = dims(node.inputs[0]) as [number, number, number];
        const [co, oh, ow] = dims(node.output) as [number, number, number];
        const { ci, k, stride, pads, weight, bias } = node;
        out = new Float32Array(co * oh * ow);
        for (let o = 0; o < co; o++) {
          for (let y = 0; y < oh; y++) {
            for (let xx = 0; xx < ow; xx++) {
              let acc = bias ? bias[o] : 0;
              for (let i = 0; i < ci; i++) {
                for (let ky = 0; ky < k; ky++) {
                  const iy = y * stride + ky - pads[0];
                  if (iy < 0 || iy >= h) continue;
                  const wrow = ((o * ci + i) * k + ky) * k, xrow = (i * h + iy) * w;
                  for (let kx = 0; kx < k; kx++) {
                    const ix = xx * stride + kx - pads[1];
                    if (ix >= 0 && ix < w) acc += weight[wrow + kx] * xin[xrow + ix];
                  }
                }
              }
              out[(o * oh + y) * ow + xx] = acc;
            }
          }
        }
        break;
      }
      case "Gemm": {
        out = new Float32Array(node.out);
        for (let o = 0; o < node.out; o++) {
          let acc = node.bias ? node.bias[o] : 0;
          for (let i = 0; i < node.in; i++) acc += node.weight[o * node.in + i] * xin[i];
          out[o] = acc;
        }
        break;
      }
      case "BatchNormalization": {
        const [c, h, w] = dims(node.inputs[0]) as [number, number, number];
        out = new Float32Array(xin.length);
        for (let ch = 0; ch < c; ch++) {
          const a = node.scale[ch] / Math.sqrt(node.variance[ch] + node.epsilon);
          const b = node.bias[ch] - a * node.mean[ch];
          for (let p = 0; p < h * w; p++) out[ch * h * w + p] = a * xin[ch * h * w + p] + b;
        }
        break;
      }
      case "Relu":
        out = xin.map((v) => (v > 0 ? v : 0));
        break;
      case "MaxPool":
      case "AveragePool": {
        const [c, h, w] = dims(node.inputs[0]) as [number, number, number];
        const [, oh, ow] = dims(node.output) as [number, number, number];
        out = new Float32Array(c * oh * ow);
        const max = node.op === "MaxPool";
        for (let ch = 0; ch < c; ch++) {
          for (let y = 0; y < oh; y++) {
            for (let xx = 0; xx < ow; xx++) {
              let acc = max ? -Infinity : 0, n = 0;
              for (let ky = 0; ky < node.k; ky++) {
                for (let kx = 0; kx < node.k; kx++) {
                  const iy = y * node.stride + ky - node.pads[0],
                    ix = xx * node.stride + kx - node.pads[1];
                  if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                  const v = xin[(ch * h + iy) * w + ix];
                  acc = max ? Math.max(acc, v) : acc + v;
                  n++;
                }
              }
              // ONNX AveragePool default (count_include_pad = 0): divide by the in-image count.
              out[(ch * oh + y) * ow + xx] = max ? acc : acc / n;
            }
          }
        }
        break;
      }
      case "GlobalAveragePool": {
        const [c, h, w] = dims(node.inputs[0]) as [number, number, number];
        out = new Float32Array(c);
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let p = 0; p < h * w; p++) acc += xin[ch * h * w + p];
          out[ch] = acc / (h * w);
        }
        break;
      }
      case "Add": {
        const b = get(node.inputs[1]);
        out = xin.map((v, i) => v + b[i]);
        break;
      }
      case "Flatten":
        out = xin;
        break;
    }
    values.set(node.output, out);
  }
  return get(net.output);
}
