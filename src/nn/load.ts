/**
 * Resolve a model argument: a zoo name (`vgg16-cifar10`) or a path to a user's `.onnx` file.
 *
 * @module
 */
import { UserError } from "../base/mod.ts";
import type { Network } from "./network.ts";
import { importOnnx } from "./onnx.ts";
import { buildZoo, type ZooOptions } from "./zoo.ts";

/**
 * The trained models this repository ships (`models/<name>.onnx` with `<name>.card.json`), made by
 * `deno task train` (see their cards): VGG-16 and ResNet-18 at width 0.25 on Fashion-MNIST.
 */
export const TRAINED_MODELS: readonly string[] = [
  "vgg16-fashionmnist-trained",
  "resnet18-fashionmnist-trained",
];

/** Where a shipped trained model's ONNX file is: `models/<name without -trained>.onnx`. */
export function trainedModelPath(name: string): string {
  return new URL(`../../models/${name.replace(/-trained$/, "")}.onnx`, import.meta.url).pathname;
}

/** A shipped trained model, named and labelled from its model card. */
async function loadTrained(name: string): Promise<Network> {
  const path = trainedModelPath(name);
  let card: { weights?: unknown; test_accuracy?: unknown };
  try {
    card = JSON.parse(await Deno.readTextFile(path.replace(/\.onnx$/, ".card.json")));
  } catch (e) {
    throw new UserError(
      `Trained model ${name}: its model card is missing or corrupt (${
        (e as Error).message
      }); restore models/ from git`,
    );
  }
  const net = importOnnx(await Deno.readFile(path), path);
  const acc = typeof card.test_accuracy === "number"
    ? `, ${(100 * card.test_accuracy).toFixed(2)}% test accuracy`
    : "";
  return { ...net, name, weights: `${String(card.weights)}${acc}` };
}

/**
 * Load a model by zoo name (`ZOO_MODELS`: synthetic weights, built with `opts`), shipped trained
 * model name (`TRAINED_MODELS`), or path to an `.onnx` file (read by `importOnnx`); `opts` applies
 * to zoo models only. A missing or unreadable file is one `UserError` line.
 *
 * @example A zoo model at a quarter width
 * ```ts
 * import { loadModel } from "./load.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const net = await loadModel("resnet18-cifar10", { width: 0.25 });
 * assertEquals([net.name, net.input.c, net.input.h], ["resnet18-cifar10@0.25", 3, 32]);
 * ```
 *
 * @example Import a PyTorch-exported VGG
 * ```ts
 * import { loadModel } from "./load.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // A small VGG written by torch.onnx.export (this repository's test fixture).
 * const path = new URL("../../fixtures/torch_vgg.onnx", import.meta.url).pathname;
 * const net = await loadModel(path);
 * assertEquals([net.name, net.input.c, net.input.h, net.input.w], ["torch_vgg", 1, 32, 32]);
 * ```
 *
 * @example A shipped trained model is labelled from its model card
 * ```ts
 * import { loadModel, TRAINED_MODELS } from "./load.ts";
 * import { assertMatch } from "@std/assert";
 *
 * const net = await loadModel(TRAINED_MODELS[0]);
 * assertMatch(net.weights, /% test accuracy$/);
 * ```
 */
export async function loadModel(model: string, opts: ZooOptions = {}): Promise<Network> {
  if (TRAINED_MODELS.includes(model)) return await loadTrained(model);
  if (!model.endsWith(".onnx")) return buildZoo(model, opts);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(model);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UserError(`Model file ${model} does not exist`);
    }
    throw new UserError(`Cannot read model file ${model}: ${(e as Error).message}`);
  }
  return importOnnx(bytes, model);
}
