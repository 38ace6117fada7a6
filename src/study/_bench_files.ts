/**
 * The registry of per-model bench files: the one place that says which `deno bench` file times
 * which model's layers. `runStudy` spawns `deno bench` on the file registered here; a test checks
 * that the table and the `bench/` folder agree.
 *
 * @module
 */
import { UserError } from "../base/mod.ts";

/** Model → its bench file, relative to the repository's `bench/` folder. */
export const MODEL_BENCH_FILES: Readonly<Record<string, string>> = {
  "vgg16-cifar10": "vgg16_cifar10_bench.ts",
  "resnet18-cifar10": "resnet18_cifar10_bench.ts",
  "vgg16-tinyimagenet": "vgg16_tinyimagenet_bench.ts",
  "resnet18-tinyimagenet": "resnet18_tinyimagenet_bench.ts",
  "vgg16-fashionmnist-trained": "vgg16_fashionmnist_trained_bench.ts",
  "resnet18-fashionmnist-trained": "resnet18_fashionmnist_trained_bench.ts",
};

/** The repository's `bench/` folder. */
export const BENCH_DIR: URL = new URL("../../bench/", import.meta.url);

/**
 * The bench file that times `model`, or a `UserError` naming the models that have one.
 *
 * @example A registered model's file exists; an unknown model is refused in one line
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { benchFileOf } from "./_bench_files.ts";
 *
 * await Deno.stat(benchFileOf("vgg16-cifar10"));
 * assertThrows(() => benchFileOf("lenet-mnist"), Error, "no bench file is registered for lenet-mnist");
 * ```
 */
export function benchFileOf(model: string): URL {
  const file = MODEL_BENCH_FILES[model];
  if (file === undefined) {
    throw new UserError(
      `no bench file is registered for ${model}: timed models are ${
        Object.keys(MODEL_BENCH_FILES).join(", ")
      } (use --no-bench, or add the model to src/study/_bench_files.ts)`,
    );
  }
  return new URL(file, BENCH_DIR);
}
