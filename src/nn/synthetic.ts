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
 * @example Dense, non-zero 8-bit weights
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { syntheticLayer } from "./synthetic.ts";
 *
 * const l = syntheticLayer("fc", { kind: "fc", in: 4, out: 2 }, 1);
 * assertEquals(l.weights.length, 8);
 * assert(l.weights.every((w) => w !== 0 && w >= -128 && w <= 127));
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
