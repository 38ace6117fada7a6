/**
 * Per-model cost tables: every linear layer of a network planned (no encryption) for a framework,
 * with op counts per layer and totals.
 *
 * @module
 */
import { addCounts, countProgram, type OpCounts, zeroCounts } from "../he/plan.ts";
import { type Preset, securityLabel } from "../he/presets.ts";
import { planLayer } from "../frameworks/mod.ts";
import type { MaskSet } from "../nn/masks.ts";
import type { Network } from "../nn/network.ts";
import { type QuantizedLayer, quantizedLayers } from "../nn/quantize.ts";
import { shapeLabel } from "../nn/layers.ts";
import { programSummary } from "../report/summary.ts";

/** Options of a cost table. */
export interface ModelCostOptions {
  readonly framework: string;
  readonly preset: Preset;
  readonly method?: "ir" | "or" | "auto";
  readonly stock?: boolean;
  readonly masks?: MaskSet;
}

/** One layer's row of a cost table. */
export type CostRow =
  & { name: string; kind: string; shape: string; ops: OpCounts }
  & Record<string, unknown>;

/** A model's cost table. */
export interface ModelCost {
  readonly model: string;
  readonly weights: string;
  readonly framework: string;
  readonly preset: string;
  readonly security: string;
  readonly stock: boolean;
  readonly layers: CostRow[];
  readonly totals: { readonly ops: OpCounts; readonly predicted_server_ms: number | null };
}

/**
 * Plan every linear layer of `net` (BatchNorm folded, 8-bit weights) and tabulate the HE ops.
 *
 * @example
 * ```ts
 * import { modelCost } from "./model_cost.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo } from "../nn/zoo.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.25 });
 * const t = modelCost(net, { framework: "cryptflow2", preset: getPreset("cryptflow2") });
 * console.log(t.layers.length, t.totals.ops.mult); // 14 layers
 * ```
 */
export function modelCost(net: Network, opts: ModelCostOptions): ModelCost {
  const layers: CostRow[] = quantizedLayers(net).map(({ layer, kind }) => {
    const program = planLayer(opts.framework, layer, {
      preset: opts.preset,
      method: opts.method,
      stock: opts.stock,
      mask: opts.masks?.get(layer.name),
    });
    const ops = countProgram(program);
    return {
      name: layer.name,
      kind,
      shape: shapeLabel(layer.shape),
      ...programSummary(program),
      ops,
    };
  });
  return assemble(net, opts, layers);
}

function assemble(net: Network, opts: ModelCostOptions, layers: CostRow[]): ModelCost {
  const total = zeroCounts();
  let predicted: number | null = 0;
  for (const row of layers) {
    addCounts(total, row.ops);
    const p = row.predicted_server_ms as number | null;
    predicted = predicted === null || p === null ? null : predicted + p;
  }
  return {
    model: net.name,
    weights: net.weights,
    framework: opts.framework,
    preset: opts.preset.name,
    security: securityLabel(opts.preset),
    stock: opts.stock ?? false,
    layers,
    totals: {
      ops: total,
      predicted_server_ms: predicted === null ? null : Number(predicted.toFixed(1)),
    },
  };
}

/** A batch of layers sent to a planning worker. */
export interface WorkerJob {
  readonly framework: string;
  readonly preset: Preset;
  readonly method?: "ir" | "or" | "auto";
  readonly stock?: boolean;
  readonly layers: {
    index: number;
    kind: string;
    layer: QuantizedLayer["layer"];
    mask?: Uint8Array;
  }[];
}

/** A planned layer's row, tagged with its position. */
export interface WorkerRow {
  readonly index: number;
  readonly row: CostRow;
}

/** Rough planning work of a layer (plaintext products of a rotation method), for load balancing. */
function workEstimate(l: QuantizedLayer["layer"]): number {
  const s = l.shape;
  if (s.kind === "conv") return s.ci * s.co * s.k * s.k * 2 ** Math.ceil(Math.log2(s.h * s.w));
  return l.weights.length;
}

/**
 * `modelCost` with layers planned on `workers` Workers (the same rows, in the same order): planning
 * is independent per layer, and large models have millions of plaintext products to plan.
 *
 * @example
 * ```ts
 * import { modelCostParallel } from "./model_cost.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo } from "../nn/zoo.ts";
 *
 * const net = buildZoo("resnet18-cifar10", { width: 0.25 });
 * const t = await modelCostParallel(net, { framework: "gazelle", preset: getPreset("gazelle") }, 2);
 * console.log(t.layers.length); // 21
 * ```
 */
export async function modelCostParallel(
  net: Network,
  opts: ModelCostOptions,
  workers: number = navigator.hardwareConcurrency,
): Promise<ModelCost> {
  const n = Math.max(1, Math.min(workers, 64));
  if (n === 1) return modelCost(net, opts);
  // Spawn first: the workers load their modules while this thread quantizes.
  const pool = Array.from(
    { length: n },
    () => new Worker(new URL("./model_cost_worker.ts", import.meta.url), { type: "module" }),
  );
  const layers = quantizedLayers(net);
  // Longest-processing-time-first assignment of layers to workers.
  const order = layers.map((l, index) => ({ index, w: workEstimate(l.layer) }))
    .sort((a, b) => b.w - a.w);
  const load: number[] = new Array(n).fill(0);
  const batches: WorkerJob["layers"][] = Array.from({ length: n }, () => []);
  for (const { index, w } of order) {
    const j = load.indexOf(Math.min(...load));
    load[j] += w;
    const { layer, kind } = layers[index];
    batches[j].push({ index, kind, layer, mask: opts.masks?.get(layer.name) });
  }
  const rows: CostRow[] = new Array(layers.length);
  try {
    await Promise.all(batches.map((batch, j) =>
      new Promise<void>((resolve, reject) => {
        const worker = pool[j];
        worker.onmessage = (ev: MessageEvent<WorkerRow[]>) => {
          for (const { index, row } of ev.data) rows[index] = row;
          resolve();
        };
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`planning worker failed: ${e.message}`));
        };
        const job: WorkerJob = {
          framework: opts.framework,
          preset: opts.preset,
          method: opts.method,
          stock: opts.stock,
          layers: batch,
        };
        // The quantized weights are not needed here any more: move them instead of copying.
        worker.postMessage(job, batch.map((l) => l.layer.weights.buffer as ArrayBuffer));
      })
    ));
  } finally {
    for (const w of pool) w.terminate();
  }
  return assemble(net, opts, rows);
}
