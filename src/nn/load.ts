/**
 * Resolve a model argument: a zoo name (`vgg16-cifar10`) or a path to a user's `.onnx` file.
 *
 * @module
 */
import { z } from "zod";
import {
  checkFormat,
  checkJson,
  type JsonSchema,
  parseJsonText,
  type SameType,
  UserError,
} from "../base/mod.ts";
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

/** Format tag of model cards (`<model>.card.json`, written by `deno task train` and `finetune`). */
export const MODEL_CARD_FORMAT = "mosaic-bench-model-card/1";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 hex digits");
const seconds = z.number().nonnegative();
const fraction = z.number().min(0).max(1);

const modelCardObject = z.object({
  format: z.literal(MODEL_CARD_FORMAT),
  model: z.string(),
  weights: z.string(),
  architecture: z.string().optional(),
  width: z.number().gt(0).optional(),
  base_model: z.object({ name: z.string(), sha256 }).optional(),
  masks: z.object({ file: z.string(), sha256 }).optional(),
  dataset: z.record(z.string(), z.unknown()).optional(),
  recipe: z.record(z.string(), z.unknown()).optional(),
  schedule: z.object({ steps: z.number().int().nonnegative(), sha256 }).optional(),
  distill: z.object({ alpha: fraction, temperature: z.number().positive() }).nullable()
    .optional(),
  engine: z.string().optional(),
  test_accuracy: fraction.optional(),
  accuracy: z.object({ one_shot: fraction, finetuned: fraction }).optional(),
  final_loss: z.number().optional(),
  train_seconds: seconds.optional(),
  train_samples_per_second: z.number().nonnegative().optional(),
  total_seconds: seconds.optional(),
  pruned_weights_nonzero: z.number().int().nonnegative().optional(),
  model_sha256: sha256.optional(),
  onnx_sha256: sha256.optional(),
  manifest: z.record(z.string(), z.unknown()).optional(),
});

/** A model card, as `modelCardSchema` accepts it (unknown fields aside). */
export interface ModelCard {
  /** Always `MODEL_CARD_FORMAT`. */
  readonly format: typeof MODEL_CARD_FORMAT;
  /** The model's name (e.g. `vgg16-fashionmnist@0.25`). */
  readonly model: string;
  /** Where the weights come from, in words (reports show it). */
  readonly weights: string;
  /** Zoo architecture trained (`vgg16`, `resnet18`). */
  readonly architecture?: string;
  /** Channel width of the architecture. */
  readonly width?: number;
  /** The model a fine-tune started from, and its `networkHash`. */
  readonly base_model?: { readonly name: string; readonly sha256: string };
  /** The mask file a fine-tune kept fixed, and the SHA-256 of its text. */
  readonly masks?: { readonly file: string; readonly sha256: string };
  /** The training and test data (names, image counts, sources, hashes). */
  readonly dataset?: Readonly<Record<string, unknown>>;
  /** The training recipe. */
  readonly recipe?: Readonly<Record<string, unknown>>;
  /** The compiled schedule: steps and the SHA-256 of its data order. */
  readonly schedule?: { readonly steps: number; readonly sha256: string };
  /** Distillation of a fine-tune, or null. */
  readonly distill?: { readonly alpha: number; readonly temperature: number } | null;
  /** The training engine, as it describes itself. */
  readonly engine?: string;
  /** Top-1 test accuracy in [0, 1] of a trained model. */
  readonly test_accuracy?: number;
  /** A fine-tune's top-1 test accuracy, pruned before fine-tuning and after. */
  readonly accuracy?: { readonly one_shot: number; readonly finetuned: number };
  /** Training loss of the last step. */
  readonly final_loss?: number;
  /** Training wall time, s. */
  readonly train_seconds?: number;
  /** Training throughput. */
  readonly train_samples_per_second?: number;
  /** Wall time of the whole task, s. */
  readonly total_seconds?: number;
  /** Pruned weights that are not zero after a fine-tune (0 when the masks held). */
  readonly pruned_weights_nonzero?: number;
  /** `networkHash` of the model. */
  readonly model_sha256?: string;
  /** SHA-256 of the ONNX file. */
  readonly onnx_sha256?: string;
  /** The run's manifest. */
  readonly manifest?: Readonly<Record<string, unknown>>;
}

const _modelCard: SameType<z.infer<typeof modelCardObject>, ModelCard> = true;

/**
 * The schema of a model card: the model, where its weights come from, and what trained it
 * (`deno task train`: data, recipe, schedule, test accuracy; `deno task finetune`: base model,
 * masks, accuracy before and after). Unknown fields are allowed; the recipe, data and manifest
 * blocks are described loosely (their own schemas live with the results).
 *
 * @example The shipped cards pass; a card without weights does not
 * ```ts
 * import { assert } from "@std/assert";
 * import { modelCardSchema } from "./load.ts";
 *
 * const url = new URL("../../models/vgg16-fashionmnist.card.json", import.meta.url);
 * const card = JSON.parse(await Deno.readTextFile(url));
 * assert(modelCardSchema.safeParse(card).success);
 * assert(!modelCardSchema.safeParse({ ...card, weights: null }).success);
 * ```
 */
export const modelCardSchema: JsonSchema<ModelCard> = modelCardObject;

/**
 * Parse a model card's text and check it against `modelCardSchema` (format tag first); `source`
 * names the file and `fix` says what to do in the one-line `UserError` for a bad card.
 *
 * @example A card whose test accuracy is null is refused, naming the field
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { MODEL_CARD_FORMAT, parseModelCard } from "./load.ts";
 *
 * const text = JSON.stringify({ format: MODEL_CARD_FORMAT, model: "m", weights: "w", test_accuracy: null });
 * assertThrows(
 *   () => parseModelCard(text, "m.card.json", "train it again"),
 *   Error,
 *   "Model card m.card.json: test_accuracy: expected a number, got null: train it again",
 * );
 * ```
 */
export function parseModelCard(text: string, source: string, fix: string): ModelCard {
  const what = `Model card ${source}`;
  const raw = parseJsonText(text, what, fix);
  checkFormat(raw, MODEL_CARD_FORMAT, what, fix);
  return checkJson(modelCardSchema, raw, what, fix);
}

/** A shipped trained model, named and labelled from its model card. */
async function loadTrained(name: string): Promise<Network> {
  const path = trainedModelPath(name);
  const cardPath = path.replace(/\.onnx$/, ".card.json");
  let text: string;
  try {
    text = await Deno.readTextFile(cardPath);
  } catch (e) {
    throw new UserError(
      `Trained model ${name}: its model card is missing or corrupt (${
        (e as Error).message
      }); restore models/ from git`,
    );
  }
  const card = parseModelCard(text, cardPath, "restore models/ from git");
  const net = importOnnx(await Deno.readFile(path), path);
  const acc = card.test_accuracy !== undefined
    ? `, ${(100 * card.test_accuracy).toFixed(2)}% test accuracy`
    : "";
  return { ...net, name, weights: `${card.weights}${acc}` };
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
