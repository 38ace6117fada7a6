/**
 * Training and masked fine-tuning of IR networks: the engine interface, recipes compiled to
 * schedules, fresh initialization, and the fine-tune that holds pruned weights at zero.
 *
 * Engines are opened by name (`openEngine`): `torch` runs PyTorch in a Python found by
 * `findTorch`, `tfjs` runs tfjs-wasm in Workers. Importing this module loads neither: the tfjs
 * engine is imported on first use, and the benchmark hook of its step lives in `./tfjs/mod.ts`.
 *
 * @example Fine-tune keeps pruned weights at zero
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { finetune, FINETUNE_RECIPE, openEngine, prunedNonZero } from "./mod.ts";
 * import { tinyResidual } from "../nn/mod.ts";
 *
 * const net = tinyResidual();
 * // Prune every other weight of every Conv layer.
 * const masks = new Map(
 *   net.nodes.filter((n) => n.op === "Conv").map((n) => [
 *     n.name,
 *     Uint8Array.from({ length: (n as { weight: Float32Array }).weight.length }, (_, i) => i % 2),
 *   ]),
 * );
 * const images = (n: number) => ({
 *   name: "noise", n, c: 3, h: 8, w: 8, classes: 3, mean: [0.5, 0.5, 0.5],
 *   std: [0.25, 0.25, 0.25], pixels: Uint8Array.from({ length: n * 192 }, (_, i) => (i * 37) % 256),
 *   labels: Uint8Array.from({ length: n }, (_, i) => i % 3), fitted: "",
 * });
 * assert(prunedNonZero(net, masks) > 0);
 *
 * const engine = await openEngine("tfjs", { jobs: 1 });
 * try {
 *   const out = await finetune({
 *     engine, net, masks, train: images(8), test: images(4),
 *     recipe: { ...FINETUNE_RECIPE, batchSize: 4 },
 *   });
 *   assertEquals(prunedNonZero(out.net, masks), 0);
 *   assertEquals(out.run.losses.length, 2); // 8 images, batches of 4, one epoch
 * } finally {
 *   await engine.close();
 * }
 * ```
 *
 * @module
 */
export type { Evaluation, Optimizer, TrainEngine, TrainJob, TrainResult } from "./engine.ts";
export { compileSchedule, type Recipe, type Schedule, scheduleHash } from "./schedule.ts";
export { initForTraining } from "./init.ts";
export { engineFlag, type EngineName, openEngine } from "./select.ts";
export { findTorch, type TorchPython } from "./torch.ts";
export {
  DEFAULT_DISTILL,
  finetune,
  FINETUNE_RECIPE,
  type FinetuneInput,
  type FinetuneOutcome,
  prunedNonZero,
} from "./finetune.ts";
// The tfjs engine is reached through `openEngine` (a dynamic import: loading tfjs-wasm costs
// time and memory that planning and costing do not need). `./tfjs/mod.ts` is the face of its
// step benchmark (`bench/train_bench.ts`).
