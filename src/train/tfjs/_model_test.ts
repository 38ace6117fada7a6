import { assert } from "@std/assert";
import * as tf from "@tensorflow/tfjs-core";
import { forward, type Network, type Node } from "../../nn/mod.ts";
import { SeededRng } from "../../base/mod.ts";
import { loadTfjs } from "./_backend.ts";
import { lossAndGradient } from "./_loss.ts";
import { TfModel } from "./_model.ts";

function uniform(n: number, rng: SeededRng, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * scale);
}

/** Every op of the IR: strided, padded, 1×1 and biased convs, pools with padding, two Adds. */
function everyOp(seed = 5): Network {
  const rng = new SeededRng(seed);
  const conv = (
    name: string,
    x: string,
    out: string,
    ci: number,
    co: number,
    k: number,
    stride: number,
    pads: [number, number, number, number],
    bias: boolean,
  ): Node => ({
    op: "Conv",
    name,
    inputs: [x],
    output: out,
    ci,
    co,
    k,
    stride,
    pads,
    weight: uniform(co * ci * k * k, rng, 1 / Math.sqrt(ci * k * k)),
    bias: bias ? uniform(co, rng, 0.1) : null,
  });
  const bn = (name: string, x: string, out: string, c: number): Node => ({
    op: "BatchNormalization",
    name,
    inputs: [x],
    output: out,
    scale: uniform(c, rng, 0.3).map((v) => 1 + v),
    bias: uniform(c, rng, 0.2),
    mean: uniform(c, rng, 0.1),
    variance: uniform(c, rng, 0.1).map((v) => 1 + Math.abs(v)),
    epsilon: 1e-5,
  });
  const gemm = (name: string, x: string, out: string, inp: number, o: number): Node => ({
    op: "Gemm",
    name,
    inputs: [x],
    output: out,
    in: inp,
    out: o,
    weight: uniform(o * inp, rng, 1 / Math.sqrt(inp)),
    bias: uniform(o, rng, 0.1),
  });
  const simple = (op: "Relu" | "GlobalAveragePool" | "Flatten", x: string, out: string): Node => ({
    op,
    name: out,
    inputs: [x],
    output: out,
  });
  const pool = (
    op: "MaxPool" | "AveragePool",
    x: string,
    out: string,
    k: number,
    stride: number,
    pads: [number, number, number, number],
  ): Node => ({ op, name: out, inputs: [x], output: out, k, stride, pads });
  return {
    name: "every-op",
    input: { name: "input", c: 2, h: 9, w: 9 },
    output: "logits",
    weights: "test",
    nodes: [
      conv("c1", "input", "c1", 2, 4, 3, 2, [1, 1, 1, 1], true), // 4×5×5
      bn("bn1", "c1", "bn1", 4),
      simple("Relu", "bn1", "r1"),
      pool("MaxPool", "r1", "mp", 3, 1, [1, 1, 1, 1]),
      conv("c2", "mp", "c2", 4, 4, 3, 1, [1, 0, 1, 2], false), // 4×5×5
      bn("bn2", "c2", "bn2", 4),
      { op: "Add", name: "add1", inputs: ["bn2", "r1"], output: "add1" },
      simple("Relu", "add1", "r2"),
      pool("AveragePool", "r2", "ap", 3, 2, [1, 1, 1, 1]), // 4×3×3
      conv("c3", "ap", "c3", 4, 3, 1, 2, [0, 0, 0, 0], false), // 3×2×2
      simple("Relu", "c3", "r3"),
      simple("Flatten", "r3", "f1"), // 12, through NCHW
      gemm("fc1", "f1", "fc1", 12, 6),
      simple("GlobalAveragePool", "ap", "gap"),
      simple("Flatten", "gap", "f2"),
      gemm("fc2", "f2", "fc2", 4, 6),
      { op: "Add", name: "add2", inputs: ["fc1", "fc2"], output: "add2" },
      simple("Relu", "add2", "r4"),
      gemm("fc3", "r4", "logits", 6, 5),
    ],
  };
}

/** The parameter arrays of a network by "layer.field". */
function paramsOf(net: Network): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const n of net.nodes) {
    if (n.op === "Conv" || n.op === "Gemm") {
      out.set(`${n.name}.weight`, n.weight);
      if (n.bias) out.set(`${n.name}.bias`, n.bias);
    } else if (n.op === "BatchNormalization") {
      out.set(`${n.name}.scale`, n.scale);
      out.set(`${n.name}.bias`, n.bias);
    }
  }
  return out;
}

/** A copy of `net` with parameter `key` moved by t·d. */
function moved(net: Network, key: string, d: Float32Array, t: number): Network {
  const nodes = net.nodes.map((n) => {
    const [layer, field] = key.split(".");
    if (n.name !== layer) return n;
    const arr = (n as unknown as Record<string, Float32Array>)[field];
    return { ...n, [field]: arr.map((v, i) => v + t * d[i]) } as Node;
  });
  return { ...net, nodes };
}

function batch(net: Network, n: number, classes: number, rng: SeededRng) {
  const { c, h, w } = net.input;
  const x = tf.tensor4d(uniform(n * h * w * c, rng, 1.5), [n, h, w, c]);
  const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % classes), "int32");
  const onehot = tf.tidy(() => tf.cast(tf.oneHot(labels, classes), "float32")) as tf.Tensor2D;
  labels.dispose();
  return { x, onehot };
}

Deno.test("backward pass of every op matches central finite differences (rel. 2e-2)", async () => {
  await loadTfjs();
  const rng = new SeededRng(11);
  const net = everyOp();
  const { x, onehot } = batch(net, 4, 5, rng);
  const teacher = tf.tensor2d(uniform(4 * 5, rng, 2), [4, 5]);
  for (const teaching of [undefined, { logits: teacher, alpha: 0.7, temperature: 3 }]) {
    const loss = (logits: tf.Tensor2D) => lossAndGradient(logits, onehot, teaching);
    const lossAt = (n: Network) => {
      const m = new TfModel(n);
      const { loss: l } = m.gradientNet(x, loss);
      m.dispose();
      return l;
    };
    const model = new TfModel(net);
    const { grad } = model.gradientNet(x, loss);
    model.dispose();
    const grads = paramsOf(grad);
    for (const [key, values] of paramsOf(net)) {
      const d = uniform(values.length, rng, 1);
      const g = grads.get(key)!;
      const analytic = g.reduce((s, v, i) => s + v * d[i], 0);
      const eps = 1e-3;
      const numeric = (lossAt(moved(net, key, d, eps)) - lossAt(moved(net, key, d, -eps))) /
        (2 * eps);
      assert(
        Math.abs(numeric - analytic) <= 2e-2 * Math.abs(analytic) + 3e-4,
        `${key}${
          teaching ? " (distillation)" : ""
        }: finite difference ${numeric}, gradient ${analytic}`,
      );
    }
  }
  tf.dispose([x, onehot, teacher]);
});

Deno.test("inference of every op agrees with the IR forward pass (1e-4 relative)", async () => {
  await loadTfjs();
  const net = everyOp();
  const rng = new SeededRng(12);
  const { c, h, w } = net.input;
  const model = new TfModel(net);
  // A batch of 3: per-row mistakes (a bias added to the wrong row) show only beyond row 0.
  const n = 3, size = c * h * w;
  const xs = uniform(n * size, rng, 2);
  const got = tf.tidy(() => {
    const nhwc = tf.transpose(tf.tensor4d(xs, [n, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
    return model.predict(nhwc).dataSync();
  });
  for (let b = 0; b < n; b++) {
    const want = forward(net, xs.subarray(b * size, (b + 1) * size));
    const scale = Math.max(...want.map(Math.abs));
    want.forEach((v, i) => {
      const g = got[b * want.length + i];
      assert(Math.abs(v - g) <= 1e-4 * scale, `image ${b}, logit ${i}: ${g} vs ${v}`);
    });
  }
  model.dispose();
});

Deno.test("SGD: momentum, weight decay on weights only, masks zero weights and momentum", async () => {
  await loadTfjs();
  const rng = new SeededRng(13);
  const net = everyOp();
  const mask = Uint8Array.from({ length: 4 * 4 * 9 }, () => (rng.next() < 0.5 ? 0 : 1));
  const masks = new Map([["c2", mask]]);
  const { x, onehot } = batch(net, 4, 5, rng);
  const loss = (logits: tf.Tensor2D) => lossAndGradient(logits, onehot);
  const model = new TfModel(net, masks);
  const sgd = [{ lr: 0.1, momentum: 0.9, weightDecay: 0.01 }, {
    lr: 0.05,
    momentum: 0.9,
    weightDecay: 0.01,
  }];
  // Expected values by PyTorch's rule, from the gradients the model reports at each step.
  let w = paramsOf(model.toNetwork());
  const v = new Map<string, Float64Array>();
  for (const s of sgd) {
    const g = paramsOf(model.gradientNet(x, loss).grad);
    const expected = new Map<string, Float64Array>();
    for (const [key, values] of w) {
      const decay = key.endsWith(".weight") ? s.weightDecay : 0;
      const vel = Float64Array.from(values, (wv, i) => g.get(key)![i] + decay * wv);
      const prev = v.get(key);
      if (prev) vel.forEach((_, i) => (vel[i] += s.momentum * prev[i]));
      const m = key === "c2.weight" ? mask : undefined;
      if (m) vel.forEach((_, i) => (vel[i] *= m[i]));
      v.set(key, vel);
      expected.set(
        key,
        Float64Array.from(values, (wv, i) => (m && !m[i] ? 0 : wv - s.lr * vel[i])),
      );
    }
    model.step(x, loss, s);
    w = paramsOf(model.toNetwork());
    for (const [key, values] of w) {
      const e = expected.get(key)!;
      values.forEach((val, i) =>
        assert(
          Math.abs(val - e[i]) <= 1e-5 * (1 + Math.abs(e[i])),
          `${key}[${i}]: ${val} vs ${e[i]}`,
        )
      );
    }
    const c2 = w.get("c2.weight")!;
    assert(c2.every((val, i) => mask[i] || val === 0), "a masked weight is non-zero");
  }
  model.dispose();
  tf.dispose([x, onehot]);
});
