/**
 * Small hand-built networks for tests and fixtures (a residual block, a BatchNorm stack), with
 * synthetic weights from a seed. They are test fixtures: the nn face exports them (under "Test
 * fixtures") because tests and doc examples of other folders, and `deno task fixtures`, reach nn
 * only through its face; they are not part of the modelling API.
 *
 * @module
 */
import type { Network, Node } from "./network.ts";
import { SeededRng } from "../base/mod.ts";

function weights(n: number, rng: SeededRng, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * scale);
}

/**
 * Test fixture: a tiny residual network (3 × 8 × 8 input, 3 classes): a conv stem and ReLU, then
 * one block conv–BN–ReLU, conv–BN, Add with the block input, ReLU; global average pool, flatten,
 * linear. Four channels throughout; weights drawn from `seed` (default 1).
 *
 * @example The residual add ties the stem to the block's output
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { tinyResidual } from "./fixtures.ts";
 * import { channelTies } from "./network.ts";
 *
 * const ties = channelTies(tinyResidual());
 * const stream = ties.find((t) => t.producers.includes("stem"))!;
 * assertEquals(stream.producers, ["stem", "block.conv2"]);
 * ```
 */
export function tinyResidual(seed = 1): Network {
  const rng = new SeededRng(seed);
  const c = 4;
  const conv = (name: string, x: string, ci: number, out: string): Node => ({
    op: "Conv",
    name,
    inputs: [x],
    output: out,
    ci,
    co: c,
    k: 3,
    stride: 1,
    pads: [1, 1, 1, 1],
    weight: weights(c * ci * 9, rng, 0.4),
    bias: weights(c, rng, 0.1),
  });
  const bn = (name: string, x: string, out: string): Node => ({
    op: "BatchNormalization",
    name,
    inputs: [x],
    output: out,
    scale: weights(c, rng, 0.2).map((v) => 1 + v),
    bias: weights(c, rng, 0.1),
    mean: weights(c, rng, 0.1),
    variance: weights(c, rng, 0.1).map((v) => 1 + Math.abs(v)),
    epsilon: 1e-5,
  });
  return {
    name: "tiny-residual",
    input: { name: "input", c: 3, h: 8, w: 8 },
    output: "logits",
    weights: `SYNTHETIC (seed ${seed})`,
    nodes: [
      conv("stem", "input", 3, "s0"),
      { op: "Relu", name: "stem.relu", inputs: ["s0"], output: "s1" },
      conv("block.conv1", "s1", c, "b0"),
      bn("block.bn1", "b0", "b1"),
      { op: "Relu", name: "block.relu1", inputs: ["b1"], output: "b2" },
      conv("block.conv2", "b2", c, "b3"),
      bn("block.bn2", "b3", "b4"),
      { op: "Add", name: "block.add", inputs: ["b4", "s1"], output: "b5" },
      { op: "Relu", name: "block.relu", inputs: ["b5"], output: "b6" },
      { op: "GlobalAveragePool", name: "pool", inputs: ["b6"], output: "p" },
      { op: "Flatten", name: "flatten", inputs: ["p"], output: "f" },
      {
        op: "Gemm",
        name: "fc",
        inputs: ["f"],
        output: "logits",
        in: c,
        out: 3,
        weight: weights(12, rng, 0.5),
        bias: weights(3, rng, 0.1),
      },
    ],
  };
}

/**
 * Test fixture: a tiny conv–BatchNorm–ReLU–MaxPool–AveragePool network with a linear classifier
 * (3 × 8 × 8 input, 6 channels, 5 classes); weights drawn from `seed` (default 2).
 *
 * @example Five logits
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { tinyBatchNorm } from "./fixtures.ts";
 * import { inferShapes } from "./network.ts";
 *
 * const net = tinyBatchNorm();
 * assertEquals(inferShapes(net).get(net.output), [5]);
 * ```
 */
export function tinyBatchNorm(seed = 2): Network {
  const rng = new SeededRng(seed);
  return {
    name: "tiny-batchnorm",
    input: { name: "input", c: 3, h: 8, w: 8 },
    output: "logits",
    weights: `SYNTHETIC (seed ${seed})`,
    nodes: [
      {
        op: "Conv",
        name: "conv",
        inputs: ["input"],
        output: "c",
        ci: 3,
        co: 6,
        k: 3,
        stride: 1,
        pads: [1, 1, 1, 1],
        weight: weights(6 * 27, rng, 0.4),
        bias: null,
      },
      {
        op: "BatchNormalization",
        name: "bn",
        inputs: ["c"],
        output: "b",
        scale: weights(6, rng, 0.2).map((v) => 1 + v),
        bias: weights(6, rng, 0.1),
        mean: weights(6, rng, 0.1),
        variance: weights(6, rng, 0.1).map((v) => 1 + Math.abs(v)),
        epsilon: 1e-5,
      },
      { op: "Relu", name: "relu", inputs: ["b"], output: "r" },
      {
        op: "MaxPool",
        name: "maxpool",
        inputs: ["r"],
        output: "m",
        k: 2,
        stride: 2,
        pads: [0, 0, 0, 0],
      },
      {
        op: "AveragePool",
        name: "avgpool",
        inputs: ["m"],
        output: "a",
        k: 2,
        stride: 2,
        pads: [0, 0, 0, 0],
      },
      { op: "Flatten", name: "flatten", inputs: ["a"], output: "f" },
      {
        op: "Gemm",
        name: "fc",
        inputs: ["f"],
        output: "logits",
        in: 24,
        out: 5,
        weight: weights(120, rng, 0.3),
        bias: weights(5, rng, 0.1),
      },
    ],
  };
}
