/**
 * Synthetic (random, NOT trained) integer layers for tests, benches and the default report.
 *
 * @module
 */
import { type IntLayer, type LayerShape, validateShape, weightCount } from "./layers.ts";
import { randomNonZero, SeededRng } from "../base/mod.ts";

/**
 * A layer with uniformly random signed 8-bit weights, never 0, drawn from `seed` (synthetic
 * weights): a shape-only layer is dense, so its counts equal the framework's dense closed forms.
 *
 * @example
 * ```ts
 * import { syntheticLayer } from "./synthetic.ts";
 *
 * const l = syntheticLayer("fc", { kind: "fc", in: 4, out: 2 }, 1);
 * if (l.weights.length !== 8) throw new Error();
 * ```
 */
export function syntheticLayer<S extends LayerShape>(
  name: string,
  shape: S,
  seed: number,
): IntLayer<S> {
  validateShape(shape, name);
  return { name, shape, weights: randomNonZero(weightCount(shape), 8, new SeededRng(seed)) };
}
