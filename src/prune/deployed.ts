/**
 * The network a pruning result deploys, the one thing every HE cost of a pruned model is counted
 * on (docs/methods.md, "HE cost convention: which Galois keys").
 *
 * @module
 */
import { maskNetwork, type Network } from "../nn/mod.ts";
import { type Permutations, permuteNetwork } from "./permute.ts";

/** Masks and channel permutations: a `PruneResult`, or a prune file read back. */
export interface PrunedWeights {
  /** 1 = kept, per layer, in the model's own channel order. */
  readonly masks: ReadonlyMap<string, Uint8Array>;
  /** Tie key → permutation (MOSAIC); empty for Hunter or a plain mask file. */
  readonly permutations: Permutations;
}

/**
 * The network a pruned model deploys: pruned weights zeroed, then MOSAIC's channels permuted (the
 * same function as the masked model). `prune --onnx` writes it, the per-model benches time it,
 * and `deno task prune`, `deno task cost --masks` and the study count it by planning each of its
 * layers on its own (`modelCost`): its plans skip the zero products and ask for the Galois keys of
 * the rotations they keep, as the client deploying it would.
 *
 * @example MOSAIC's deployed network: masked, permuted, the same function as the masked model
 * ```ts
 * import { deployedNetwork } from "./deployed.ts";
 * import { prune } from "./prune.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo, forward, maskNetwork } from "../nn/mod.ts";
 * import { assert, assertAlmostEquals } from "@std/assert";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const r = prune(net, {
 *   method: "mosaic",
 *   framework: "gazelle",
 *   preset: getPreset("gazelle"),
 *   budget: { kind: "sparsity", ratio: 0.5 },
 *   fidelitySamples: 0,
 * });
 * const d = deployedNetwork(net, r);
 * assert(r.permutations.size > 0);
 * const x = new Float32Array(3 * 32 * 32).fill(0.5);
 * const [a, b] = [forward(d, x), forward(maskNetwork(net, r.masks), x)];
 * a.forEach((v, i) => assertAlmostEquals(v, b[i], 1e-4));
 * ```
 */
export function deployedNetwork(net: Network, pruned: PrunedWeights): Network {
  return permuteNetwork(maskNetwork(net, pruned.masks), pruned.permutations);
}
