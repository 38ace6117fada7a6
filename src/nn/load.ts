/**
 * Resolve a model argument: a zoo name (`vgg16-cifar10`) or a path to a user's `.onnx` file.
 *
 * @module
 */
import { UserError } from "../he/errors.ts";
import type { Network } from "./network.ts";
import { importOnnx } from "./onnx.ts";
import { buildZoo, type ZooOptions } from "./zoo.ts";

/**
 * Load a model by zoo name or ONNX path; a missing file is one clear error.
 *
 * @example
 * ```ts
 * import { loadModel } from "./load.ts";
 *
 * const net = await loadModel("resnet18-cifar10", { width: 0.25 });
 * console.log(net.name); // resnet18-cifar10@0.25
 * ```
 */
export async function loadModel(model: string, opts: ZooOptions = {}): Promise<Network> {
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
