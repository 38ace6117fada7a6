/**
 * The default layer set of the report: the linear layers of the zoo's CIFAR-10 VGG-16 (13 3×3
 * "same" convolutions and a 512 → 10 classifier), with the zoo's layer names.
 *
 * @module
 */
import type { LayerShape } from "./layers.ts";
import { linearLayerSpecs } from "./quantize.ts";
import { buildZoo } from "./zoo.ts";

/**
 * Named layer shapes of CIFAR-10 VGG-16 at full width, taken from the zoo (one definition of the
 * model): 13 convolutions, then the classifier.
 *
 * @example Fourteen layers with the zoo's names
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { vgg16Cifar10Shapes } from "./default_layers.ts";
 *
 * const layers = vgg16Cifar10Shapes();
 * assertEquals(layers.length, 14);
 * assertEquals(layers[1].name, "features.3");
 * assertEquals(layers[13].shape, { kind: "fc", in: 512, out: 10 });
 * ```
 */
export function vgg16Cifar10Shapes(): { name: string; shape: LayerShape }[] {
  return linearLayerSpecs(buildZoo("vgg16-cifar10")).map(({ name, shape }) => ({ name, shape }));
}
