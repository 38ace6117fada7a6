/**
 * An IR network as tfjs tensors, with a forward pass (training or inference mode), a backward pass
 * written out node by node, and SGD. No tfjs autodiff is involved: tfjs-core's npm entry point does
 * not register gradients, and a hand-written backward pass frees every gradient once used.
 *
 * Layouts: activations NHWC (the wasm backend's only conv layout), conv filters HWIO, Gemm weights
 * out × in as in the IR. Flatten of a map larger than 1×1 goes through NCHW, so Gemm weights keep
 * the IR's C·H·W column order. Backward rules (dy = gradient of the output):
 *
 * - Conv: dx = Conv2DBackpropInput, dW = Conv2DBackpropFilter (see `_conv_grads.ts`), db = Σ dy.
 * - Gemm: dx = dy·W, dW = dyᵀ·x, db = Σ dy.
 * - BatchNormalization: training mode with batch statistics (see `_batch_norm.ts`).
 * - Relu: dx = dy·[y > 0]. MaxPool: dy to the first maximum of each window (`_max_pool_grad.ts`).
 * - AveragePool (padding not counted, as in `forward.ts`): dy / count spread over each window.
 * - GlobalAveragePool: dy / (H·W) everywhere. Add: dy to both inputs. Flatten: reshape back.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  type BatchNormNode,
  type ConvNode,
  type GemmNode,
  inferShapes,
  type MaskSet,
  type Network,
  type Node,
  type PoolNode,
  type TensorShape,
} from "../../nn/mod.ts";
import { batchNormBackward, batchNormForward, type BatchNormSaved } from "./_batch_norm.ts";
import { maxPoolGrad } from "./_max_pool_grad.ts";

/** A trainable tensor with its SGD state. */
interface Param {
  value: tf.Tensor;
  /** Momentum buffer (null before the first step). */
  velocity: tf.Tensor | null;
  /** L2 weight decay applies (Conv and Gemm weights only). */
  readonly decay: boolean;
  /** 0/1 mask in the tensor's layout, or null. */
  readonly mask: tf.Tensor | null;
}

/** Tensors of one layer. */
interface Layer {
  weight?: Param;
  bias?: Param;
  /** BatchNorm γ, β and running statistics. */
  scale?: Param;
  shift?: Param;
  mean?: tf.Tensor1D;
  variance?: tf.Tensor1D;
  /** AveragePool with padding: k² / (in-image count) per output position, [1, OH, OW, 1]. */
  countScale?: tf.Tensor4D;
}

/** SGD settings of one step. */
export interface SgdStep {
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
}

/** The loss of a batch and its gradient with respect to the logits. */
export type LossFn = (logits: tf.Tensor2D) => { loss: tf.Scalar; dlogits: tf.Tensor2D };

/** IR conv weight co × ci × k × k → HWIO (k × k × ci × co). */
function convToHwio(w: Float32Array, co: number, ci: number, k: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < co; o++) {
    for (let i = 0; i < ci; i++) {
      for (let t = 0; t < k * k; t++) out[(t * ci + i) * co + o] = w[(o * ci + i) * k * k + t];
    }
  }
  return out;
}

/** HWIO → IR conv weight layout. */
function hwioToConv(w: Float32Array, co: number, ci: number, k: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < co; o++) {
    for (let i = 0; i < ci; i++) {
      for (let t = 0; t < k * k; t++) out[(o * ci + i) * k * k + t] = w[(t * ci + i) * co + o];
    }
  }
  return out;
}

function explicitPads(
  p: readonly [number, number, number, number],
): tf.backend_util.ExplicitPadding {
  const [t, l, b, r] = p;
  return [[0, 0], [t, b], [l, r], [0, 0]];
}

function param(values: Float32Array, shape: number[], decay: boolean, mask?: Float32Array): Param {
  const m = mask ? tf.tensor(mask, shape) : null;
  if (mask) values = values.map((v, i) => (mask[i] ? v : 0));
  return { value: tf.tensor(values, shape), velocity: null, decay, mask: m };
}

/** Number of in-image positions of every pooling window, as k² / count, [1, OH, OW, 1]. */
function countScale(node: PoolNode, h: number, w: number, oh: number, ow: number): tf.Tensor4D {
  const out = new Float32Array(oh * ow);
  const span = (o: number, pad: number, size: number) => {
    const start = o * node.stride - pad;
    return Math.min(start + node.k, size) - Math.max(start, 0);
  };
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      out[y * ow + x] = node.k * node.k / (span(y, node.pads[0], h) * span(x, node.pads[1], w));
    }
  }
  return tf.tensor4d(out, [1, oh, ow, 1]);
}

/** What a training forward pass keeps for the backward pass, per node. */
type Saved = { x?: tf.Tensor; y?: tf.Tensor; bn?: BatchNormSaved };

/** The gradient of every parameter of a step. */
type Grads = Map<Param, tf.Tensor>;

/**
 * A network of the IR on the tfjs backend. Owns its tensors until `dispose`.
 *
 * @example Inference agrees with the IR
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { loadTfjs } from "./_backend.ts";
 * import { TfModel } from "./_model.ts";
 * import { tinyResidual } from "../../nn/mod.ts";
 * import { forward } from "../../nn/mod.ts";
 *
 * await loadTfjs();
 * const net = tinyResidual();
 * const { c, h, w } = net.input;
 * const x = Float32Array.from({ length: c * h * w }, (_, i) => Math.sin(i));
 * const model = new TfModel(net);
 * const nhwc = tf.tidy(() => tf.transpose(tf.tensor4d(x, [1, c, h, w]), [0, 2, 3, 1]));
 * const got = model.predict(nhwc as tf.Tensor4D).dataSync();
 * const want = forward(net, x);
 * if (want.some((v, i) => Math.abs(v - got[i]) > 1e-4 * (1 + Math.abs(v)))) throw new Error();
 * model.dispose();
 * ```
 */
export class TfModel {
  readonly #net: Network;
  readonly #shapes: Map<string, TensorShape>;
  readonly #layers = new Map<string, Layer>();

  constructor(net: Network, masks?: MaskSet) {
    this.#net = net;
    this.#shapes = inferShapes(net);
    for (const node of net.nodes) {
      if (node.op === "Conv") {
        const { co, ci, k } = node;
        const mask = masks?.get(node.name);
        this.#layers.set(node.name, {
          weight: param(
            convToHwio(node.weight, co, ci, k),
            [k, k, ci, co],
            true,
            mask ? convToHwio(Float32Array.from(mask), co, ci, k) : undefined,
          ),
          bias: node.bias ? param(Float32Array.from(node.bias), [co], false) : undefined,
        });
      } else if (node.op === "Gemm") {
        const mask = masks?.get(node.name);
        this.#layers.set(node.name, {
          weight: param(
            Float32Array.from(node.weight),
            [node.out, node.in],
            true,
            mask ? Float32Array.from(mask) : undefined,
          ),
          bias: node.bias ? param(Float32Array.from(node.bias), [node.out], false) : undefined,
        });
      } else if (node.op === "BatchNormalization") {
        const c = node.scale.length;
        this.#layers.set(node.name, {
          scale: param(Float32Array.from(node.scale), [c], false),
          shift: param(Float32Array.from(node.bias), [c], false),
          mean: tf.tensor1d(node.mean),
          variance: tf.tensor1d(node.variance),
        });
      } else if (node.op === "AveragePool" && node.pads.some((p) => p !== 0)) {
        const [, h, w] = this.#shapes.get(node.inputs[0]) as [number, number, number];
        const [, oh, ow] = this.#shapes.get(node.output) as [number, number, number];
        this.#layers.set(node.name, { countScale: countScale(node, h, w, oh, ow) });
      }
    }
  }

  /** Logits [n, classes] in inference mode (BatchNorm with running statistics). */
  predict(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.#forward(x, null) as tf.Tensor2D);
  }

  /**
   * One SGD step on a batch: forward in training mode, loss, backward, update (PyTorch's SGD:
   * g = ∇ + wd·w on Conv/Gemm weights, v = μ·v + g, w −= lr·v; masked weights and their momentum
   * are zeroed after the update), and the running statistics of every BatchNorm. Returns the loss.
   */
  step(x: tf.Tensor4D, loss: LossFn, sgd: SgdStep): number {
    const { value, grads, stats } = this.gradients(x, loss);
    const params = [...grads.keys()];
    const next = tf.tidy(() =>
      params.flatMap((p) => {
        const g = grads.get(p)!;
        const grad = p.decay && sgd.weightDecay > 0
          ? tf.add(g, tf.mul(p.value, sgd.weightDecay))
          : g;
        let v = p.velocity ? tf.add(tf.mul(p.velocity, sgd.momentum), grad) : grad;
        let w = tf.sub(p.value, tf.mul(v, sgd.lr));
        if (p.mask) {
          w = tf.mul(w, p.mask);
          v = tf.mul(v, p.mask);
        }
        // Keep the momentum buffer even when it is the gradient itself (first step, μ·0 + g = g).
        return [w, v === g ? tf.clone(g) : v];
      })
    );
    params.forEach((p, i) => {
      p.value.dispose();
      p.velocity?.dispose();
      p.value = next[2 * i];
      p.velocity = next[2 * i + 1];
    });
    tf.dispose([...grads.values()]);
    for (const [name, s] of stats) {
      const layer = this.#layers.get(name)!;
      // PyTorch's running statistics: momentum 0.1, unbiased variance.
      const [mean, variance] = tf.tidy(() => [
        tf.add(tf.mul(layer.mean!, 0.9), tf.mul(s.mean, 0.1)) as tf.Tensor1D,
        tf.add(
          tf.mul(layer.variance!, 0.9),
          tf.mul(s.variance, 0.1 * s.m / (s.m - 1)),
        ) as tf.Tensor1D,
      ]);
      tf.dispose([layer.mean!, layer.variance!, s.mean, s.variance]);
      layer.mean = mean;
      layer.variance = variance;
    }
    return value;
  }

  /**
   * Loss and gradients of a batch in training mode, without changing the model: the gradient of
   * every parameter and the batch statistics (mean, biased variance, count) of every BatchNorm.
   * The caller owns (and disposes) the returned tensors.
   */
  gradients(
    x: tf.Tensor4D,
    loss: LossFn,
  ): {
    value: number;
    grads: Grads;
    stats: Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D; m: number }>;
  } {
    const stats = new Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D; m: number }>();
    const grads: Grads = new Map();
    let value = 0;
    tf.tidy(() => {
      const saved: Saved[] = [];
      const logits = this.#forward(x, { saved, stats }) as tf.Tensor2D;
      const l = loss(logits);
      value = l.loss.dataSync()[0];
      for (const s of stats.values()) {
        tf.keep(s.mean);
        tf.keep(s.variance);
      }
      this.#backward(saved, l.dlogits, grads);
    });
    return { value, grads, stats };
  }

  /**
   * Loss and gradients of a batch as a network: the IR with every Conv/Gemm weight and bias and
   * every BatchNorm scale and bias replaced by its gradient (IR layouts). For tests and debugging.
   */
  gradientNet(x: tf.Tensor4D, loss: LossFn): { loss: number; grad: Network } {
    const { value, grads, stats } = this.gradients(x, loss);
    const grad = this.#networkOf((p) => Float32Array.from(grads.get(p)!.dataSync()));
    tf.dispose([...grads.values(), ...[...stats.values()].flatMap((s) => [s.mean, s.variance])]);
    return { loss: value, grad };
  }

  /** Forward pass; in training mode (`train` given) BatchNorm uses batch statistics and saves. */
  #forward(
    x: tf.Tensor4D,
    train: {
      saved: Saved[];
      stats: Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D; m: number }>;
    } | null,
  ): tf.Tensor {
    const values = new Map<string, tf.Tensor>([[this.#net.input.name, x]]);
    for (const node of this.#net.nodes) {
      const a = values.get(node.inputs[0])!;
      const save: Saved = {};
      let y: tf.Tensor;
      switch (node.op) {
        case "Conv": {
          const l = this.#layers.get(node.name)!;
          const args = {
            x: a as tf.Tensor4D,
            filter: l.weight!.value as tf.Tensor4D,
            strides: node.stride,
            pad: explicitPads(node.pads),
          };
          y = l.bias
            ? tf.fused.conv2d({ ...args, bias: l.bias.value })
            : tf.conv2d(args.x, args.filter, args.strides, args.pad);
          save.x = a;
          break;
        }
        case "Gemm": {
          const l = this.#layers.get(node.name)!;
          // Not tf.fused.matMul: with transposeB and a bias, tfjs-backend-wasm 4.22 adds the
          // last bias value to every row after the first.
          y = tf.matMul(a as tf.Tensor2D, l.weight!.value as tf.Tensor2D, false, true);
          if (l.bias) y = tf.add(y, l.bias.value);
          save.x = a;
          break;
        }
        case "BatchNormalization": {
          const l = this.#layers.get(node.name)!;
          if (train) {
            const f = batchNormForward(
              a as tf.Tensor4D,
              l.scale!.value as tf.Tensor1D,
              l.shift!.value as tf.Tensor1D,
              node.epsilon,
            );
            y = f.y;
            save.bn = f.saved;
            train.stats.set(node.name, {
              mean: f.mean,
              variance: f.variance,
              m: a.size / a.shape[3]!,
            });
          } else {
            y = tf.batchNorm4d(
              a as tf.Tensor4D,
              l.mean!,
              l.variance!,
              l.shift!.value as tf.Tensor1D,
              l.scale!.value as tf.Tensor1D,
              node.epsilon,
            );
          }
          break;
        }
        case "Relu":
          y = tf.relu(a);
          save.y = y;
          break;
        case "MaxPool":
          y = tf.maxPool(a as tf.Tensor4D, node.k, node.stride, explicitPads(node.pads));
          save.x = a;
          break;
        case "AveragePool":
          // XNNPACK's average pooling divides by the in-image count, as `forward.ts` does.
          y = tf.avgPool(a as tf.Tensor4D, node.k, node.stride, explicitPads(node.pads));
          save.x = a;
          break;
        case "GlobalAveragePool":
          y = tf.mean(a, [1, 2], true);
          save.x = a;
          break;
        case "Add":
          y = tf.add(a, values.get(node.inputs[1])!);
          break;
        case "Flatten": {
          const s = a.shape;
          // NCHW order of the IR: transpose unless only one of C and H·W is larger than 1.
          const t = s.length === 4 && s[3] > 1 && s[1] * s[2] > 1
            ? tf.transpose(a, [0, 3, 1, 2])
            : a;
          y = tf.reshape(t, [s[0], a.size / s[0]]);
          break;
        }
      }
      values.set(node.output, y);
      train?.saved.push(save);
    }
    return values.get(this.#net.output)!;
  }

  /** Backward pass from the gradient of the logits; parameter gradients go to `grads` (kept). */
  #backward(saved: Saved[], dlogits: tf.Tensor, grads: Grads): void {
    const inputName = this.#net.input.name;
    const pending = new Map<string, tf.Tensor>([[this.#net.output, dlogits]]);
    const accumulate = (name: string, g: tf.Tensor) => {
      if (name === inputName) {
        g.dispose();
        return;
      }
      const prev = pending.get(name);
      if (!prev) pending.set(name, g);
      else {
        pending.set(name, tf.add(prev, g));
        tf.dispose([prev, g]);
      }
    };
    const paramGrad = (p: Param | undefined, g: tf.Tensor) => {
      if (p) grads.set(p, tf.keep(g));
      else g.dispose();
    };
    const nodes = this.#net.nodes;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node: Node = nodes[i];
      const dy = pending.get(node.output);
      if (!dy) continue;
      pending.delete(node.output);
      const s = saved[i];
      const input = node.inputs[0];
      const needDx = input !== inputName;
      switch (node.op) {
        case "Conv":
          this.#convBackward(
            node,
            s.x as tf.Tensor4D,
            dy as tf.Tensor4D,
            needDx,
            accumulate,
            paramGrad,
          );
          break;
        case "Gemm": {
          const l = this.#layers.get(node.name)!;
          if (needDx) {
            accumulate(input, tf.matMul(dy as tf.Tensor2D, l.weight!.value as tf.Tensor2D));
          }
          paramGrad(l.weight, tf.matMul(dy as tf.Tensor2D, s.x as tf.Tensor2D, true, false));
          if (l.bias) paramGrad(l.bias, tf.sum(dy, 0));
          break;
        }
        case "BatchNormalization": {
          const l = this.#layers.get(node.name)!;
          const b = batchNormBackward(dy as tf.Tensor4D, s.bn!);
          accumulate(input, b.dx);
          paramGrad(l.scale, b.dgamma);
          paramGrad(l.shift, b.dbeta);
          break;
        }
        case "Relu":
          accumulate(input, tf.tidy(() => tf.mul(dy, tf.step(s.y!))));
          break;
        case "MaxPool":
          accumulate(input, maxPoolGrad(dy, s.x!, node.k, node.stride, node.pads[0], node.pads[1]));
          break;
        case "AveragePool":
          accumulate(input, this.#avgPoolBackward(node, s.x as tf.Tensor4D, dy as tf.Tensor4D));
          break;
        case "GlobalAveragePool": {
          const x = s.x!;
          accumulate(
            input,
            tf.tidy(() => tf.broadcastTo(tf.div(dy, x.shape[1]! * x.shape[2]!), x.shape)),
          );
          break;
        }
        case "Add":
          accumulate(input, tf.clone(dy));
          accumulate(node.inputs[1], tf.clone(dy));
          break;
        case "Flatten": {
          const shape = this.#shapes.get(input)!;
          const n = dy.shape[0];
          if (shape.length === 3 && shape[0] > 1 && shape[1] * shape[2] > 1) {
            const [c, h, w] = shape;
            accumulate(
              input,
              tf.tidy(() => tf.transpose(tf.reshape(dy, [n, c, h, w]), [0, 2, 3, 1])),
            );
          } else {
            const full = shape.length === 3 ? [n, shape[1], shape[2], shape[0]] : [n, shape[0]];
            accumulate(input, tf.reshape(dy, full));
          }
          break;
        }
      }
      dy.dispose();
    }
    tf.dispose([...pending.values()]);
  }

  #convBackward(
    node: ConvNode,
    x: tf.Tensor4D,
    dy: tf.Tensor4D,
    needDx: boolean,
    accumulate: (name: string, g: tf.Tensor) => void,
    paramGrad: (p: Param | undefined, g: tf.Tensor) => void,
  ): void {
    const l = this.#layers.get(node.name)!;
    const w = l.weight!.value as tf.Tensor4D;
    const attrs = {
      strides: [node.stride, node.stride],
      pad: explicitPads(node.pads) as unknown as tf.NamedAttrMap[string],
      dataFormat: "NHWC",
    };
    if (needDx) {
      accumulate(
        node.inputs[0],
        tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, {
          ...attrs,
          inputShape: x.shape,
        }) as tf.Tensor,
      );
    }
    paramGrad(
      l.weight,
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
        ...attrs,
        filterShape: w.shape,
      }) as tf.Tensor,
    );
    if (l.bias) paramGrad(l.bias, tf.sum(dy, [0, 1, 2]));
  }

  /** dy / count spread over each window (AvgPoolGrad divides by k², so scale by k² / count). */
  #avgPoolBackward(node: PoolNode, x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor {
    return tf.tidy(() => {
      const scale = this.#layers.get(node.name)?.countScale;
      const attrs = {
        filterSize: [node.k, node.k],
        strides: [node.stride, node.stride],
        pad: "valid",
      };
      if (!scale) return tf.engine().runKernel("AvgPoolGrad", { dy, input: x }, attrs) as tf.Tensor;
      const [t, l, b, r] = node.pads;
      const [n, h, w, c] = x.shape;
      const padded = tf.zeros([n, h + t + b, w + l + r, c]);
      const dxp = tf.engine().runKernel(
        "AvgPoolGrad",
        { dy: tf.mul(dy, scale), input: padded },
        attrs,
      ) as tf.Tensor4D;
      return tf.slice(dxp, [0, t, l, 0], [n, h, w, c]);
    });
  }

  /** The network with the current parameters and running statistics (new arrays). */
  toNetwork(): Network {
    return this.#networkOf((p) => Float32Array.from(p.value.dataSync()));
  }

  /** The IR with every parameter replaced by `read(param)` (tfjs layout; converted here). */
  #networkOf(read: (p: Param) => Float32Array): Network {
    const opt = (p: Param | undefined) => (p ? read(p) : null);
    const nodes = this.#net.nodes.map((node): Node => {
      const l = this.#layers.get(node.name);
      if (node.op === "Conv") {
        const { op, name, inputs, output, ci, co, k, stride, pads } = node;
        const weight = hwioToConv(read(l!.weight!), co, ci, k);
        return { op, name, inputs, output, ci, co, k, stride, pads, weight, bias: opt(l!.bias) };
      }
      if (node.op === "Gemm") {
        return { ...(node as GemmNode), weight: read(l!.weight!), bias: opt(l!.bias) };
      }
      if (node.op === "BatchNormalization") {
        return {
          ...(node as BatchNormNode),
          scale: read(l!.scale!),
          bias: read(l!.shift!),
          mean: Float32Array.from(l!.mean!.dataSync()),
          variance: Float32Array.from(l!.variance!.dataSync()),
        };
      }
      return node;
    });
    return { ...this.#net, nodes };
  }

  /** Free every tensor the model holds. */
  dispose(): void {
    for (const l of this.#layers.values()) {
      for (const p of [l.weight, l.bias, l.scale, l.shift]) {
        if (p) {
          tf.dispose([p.value, ...(p.velocity ? [p.velocity] : []), ...(p.mask ? [p.mask] : [])]);
        }
      }
      tf.dispose([l.mean, l.variance, l.countScale].filter((t) => t !== undefined));
    }
    this.#layers.clear();
  }
}
