/**
 * Fresh weights for training from scratch, as PyTorch's torchvision models start: Conv weights
 * He-normal (fan-out, ReLU gain), BatchNorm scale 1, bias 0, running mean 0, variance 1; Gemm
 * weights and biases uniform in ±1/√fan-in. Seeded; zoo synthetic weights (made to look like
 * trained ones for pruning) are not a training start.
 *
 * @module
 */
import type { Network, Node } from "../nn/mod.ts";
import { SeededRng } from "../base/mod.ts";

function normal(rng: SeededRng): number {
  // Box–Muller; rng.next() is in [0, 1), so 1 − u is in (0, 1].
  const u = 1 - rng.next(), v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * The network with freshly initialized parameters (structure unchanged), drawn from `seed`; its
 * `weights` reads "untrained (fresh init, seed N)".
 *
 * @example Conv weights are He-normal over the fan-out
 * ```ts
 * import { assert, assertStringIncludes } from "@std/assert";
 * import { initForTraining } from "./init.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const net = initForTraining(buildZoo("vgg16-fashionmnist", { width: 0.125 }), 1);
 * const conv = net.nodes[0] as { weight: Float32Array };
 * const sd = Math.sqrt(conv.weight.reduce((s, w) => s + w * w, 0) / conv.weight.length);
 * assert(Math.abs(sd - Math.sqrt(2 / (8 * 9))) <= 0.1, `sd ${sd}`); // 8 outputs, 3×3 kernel
 * assertStringIncludes(net.weights, "untrained");
 * ```
 */
export function initForTraining(net: Network, seed: number): Network {
  const rng = new SeededRng((seed * 0x2545f491 + 7) >>> 0);
  const nodes = net.nodes.map((n): Node => {
    switch (n.op) {
      case "Conv": {
        const sd = Math.sqrt(2 / (n.co * n.k * n.k));
        const weight = Float32Array.from({ length: n.weight.length }, () => sd * normal(rng));
        return { ...n, weight, bias: n.bias ? new Float32Array(n.co) : null };
      }
      case "Gemm": {
        const b = 1 / Math.sqrt(n.in);
        const u = () => b * (2 * rng.next() - 1);
        return {
          ...n,
          weight: Float32Array.from({ length: n.in * n.out }, u),
          bias: n.bias ? Float32Array.from({ length: n.out }, u) : null,
        };
      }
      case "BatchNormalization": {
        const c = n.scale.length;
        return {
          ...n,
          scale: new Float32Array(c).fill(1),
          bias: new Float32Array(c),
          mean: new Float32Array(c),
          variance: new Float32Array(c).fill(1),
        };
      }
      default:
        return n;
    }
  });
  return { ...net, nodes, weights: `untrained (fresh init, seed ${seed})` };
}
