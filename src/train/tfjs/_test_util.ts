/**
 * Helpers shared by the tfjs engine's tests.
 *
 * @module
 */
import { type Network, type Node, SHIPPED_FASHION_MNIST } from "../../nn/mod.ts";
import { SeededRng } from "../../base/mod.ts";

/** The Fashion-MNIST files this repository ships (the same images on every machine). */
export const SHIPPED: string = SHIPPED_FASHION_MNIST.pathname.replace(/\/$/, "");

/** conv(s2)–BN–ReLU–MaxPool–conv–BN–ReLU–GAP–Gemm on 1×32×32, 10 classes (He-uniform weights). */
export function tinyNet(seed = 1): Network {
  const rng = new SeededRng(seed);
  const he = (n: number, fanIn: number) =>
    Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * Math.sqrt(6 / fanIn));
  const bn = (name: string, x: string, c: number): Node => ({
    op: "BatchNormalization",
    name,
    inputs: [x],
    output: name,
    scale: new Float32Array(c).fill(1),
    bias: new Float32Array(c),
    mean: new Float32Array(c),
    variance: new Float32Array(c).fill(1),
    epsilon: 1e-5,
  });
  return {
    name: "tiny",
    input: { name: "input", c: 1, h: 32, w: 32 },
    output: "fc",
    weights: `test, seed ${seed}`,
    nodes: [
      {
        op: "Conv",
        name: "conv1",
        inputs: ["input"],
        output: "conv1",
        ci: 1,
        co: 8,
        k: 3,
        stride: 2,
        pads: [1, 1, 1, 1],
        weight: he(72, 9),
        bias: null,
      },
      bn("bn1", "conv1", 8),
      { op: "Relu", name: "relu1", inputs: ["bn1"], output: "relu1" },
      {
        op: "MaxPool",
        name: "pool",
        inputs: ["relu1"],
        output: "pool",
        k: 2,
        stride: 2,
        pads: [0, 0, 0, 0],
      },
      {
        op: "Conv",
        name: "conv2",
        inputs: ["pool"],
        output: "conv2",
        ci: 8,
        co: 16,
        k: 3,
        stride: 1,
        pads: [1, 1, 1, 1],
        weight: he(16 * 72, 72),
        bias: null,
      },
      bn("bn2", "conv2", 16),
      { op: "Relu", name: "relu2", inputs: ["bn2"], output: "relu2" },
      { op: "GlobalAveragePool", name: "gap", inputs: ["relu2"], output: "gap" },
      { op: "Flatten", name: "flatten", inputs: ["gap"], output: "flat" },
      {
        op: "Gemm",
        name: "fc",
        inputs: ["flat"],
        output: "fc",
        in: 16,
        out: 10,
        weight: he(160, 16),
        bias: new Float32Array(10),
      },
    ],
  };
}
