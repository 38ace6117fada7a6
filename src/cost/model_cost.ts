/**
 * Per-model cost tables: every linear layer of a network planned (no encryption) for a framework,
 * with op counts per layer and totals.
 *
 * @module
 */
import {
  addCounts,
  countProgram,
  type OpCounts,
  type Preset,
  securityLabel,
  zeroCounts,
} from "../he/mod.ts";
import {
  type FloatLayer,
  linearLayerSpecs,
  type MaskSet,
  type Network,
  quantizedLayers,
  shapeLabel,
} from "../nn/mod.ts";
import { programSummary } from "./summary.ts";
import { frameworkName, planLayer } from "../frameworks/mod.ts";

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
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.25 });
 * const t = modelCost(net, { framework: "cryptflow2", preset: getPreset("cryptflow2") });
 * console.log(t.layers.length, t.totals.ops.mult); // 14 layers
 * ```
 */
export function modelCost(net: Network, opts: ModelCostOptions): ModelCost {
  const layers: CostRow[] = quantizedLayers(net).map(({ layer, kind }) => {
    const program = planLayer(layer, {
      framework: frameworkName(opts.framework),
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
  readonly layers: { index: number; spec: FloatLayer; mask?: Uint8Array }[];
}

/** A planned layer's row, tagged with its position. */
export interface WorkerRow {
  readonly index: number;
  readonly row: CostRow;
}

/** Rough planning work of a layer (plaintext products of a rotation method), for load balancing. */
function workEstimate(l: FloatLayer): number {
  const s = l.shape;
  if (s.kind === "conv") return s.ci * s.co * s.k * s.k * 2 ** Math.ceil(Math.log2(s.h * s.w));
  return l.weights.length;
}

/**
 * Start `n` planning workers (they load their modules at once); pass them to `modelCostParallel`,
 * which terminates them.
 *
 * @example
 * ```ts
 * import { spawnPlanners } from "./model_cost.ts";
 *
 * const pool = spawnPlanners(1);
 * pool.forEach((w) => w.terminate());
 * ```
 */
export function spawnPlanners(n: number): Worker[] {
  return Array.from(
    { length: n },
    () => new Worker(new URL("./_model_cost_worker.ts", import.meta.url), { type: "module" }),
  );
}

/**
 * `modelCost` with layers planned on `workers` Workers (the same rows, in the same order): planning
 * is independent per layer, and large models have millions of plaintext products to plan.
 *
 * @example
 * ```ts
 * import { modelCostParallel } from "./model_cost.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const net = buildZoo("resnet18-cifar10", { width: 0.25 });
 * const t = await modelCostParallel(net, { framework: "gazelle", preset: getPreset("gazelle") }, 2);
 * console.log(t.layers.length); // 21
 * ```
 */
export async function modelCostParallel(
  net: Network,
  opts: ModelCostOptions,
  workers: number | Worker[] = navigator.hardwareConcurrency,
): Promise<ModelCost> {
  const n = Array.isArray(workers) ? workers.length : Math.max(1, Math.min(workers, 64));
  if (n === 1 && !Array.isArray(workers)) return modelCost(net, opts);
  // Spawned before the model is folded (or passed in, spawned before it was built): the workers
  // load their modules meanwhile.
  const pool = Array.isArray(workers) ? workers : spawnPlanners(n);
  // Workers quantize their own layers: only BatchNorm folding happens here.
  const layers = linearLayerSpecs(net);
  // A queue, largest layers first; each worker takes the next layer when it is free.
  const queue = layers.map((spec, index) => ({ index, w: workEstimate(spec) }))
    .sort((a, b) => b.w - a.w).map(({ index }) => index);
  const rows: CostRow[] = new Array(layers.length);
  const send = (worker: Worker): boolean => {
    const index = queue.shift();
    if (index === undefined) return false;
    const spec = layers[index];
    const job: WorkerJob = {
      framework: opts.framework,
      preset: opts.preset,
      method: opts.method,
      stock: opts.stock,
      layers: [{ index, spec, mask: opts.masks?.get(spec.name) }],
    };
    worker.postMessage(job);
    return true;
  };
  try {
    await Promise.all(pool.map((worker) =>
      new Promise<void>((resolve, reject) => {
        worker.onmessage = (ev: MessageEvent<WorkerRow[]>) => {
          for (const { index, row } of ev.data) rows[index] = row;
          if (!send(worker)) resolve();
        };
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`planning worker failed: ${e.message}`));
        };
        if (!send(worker)) resolve();
      })
    ));
  } finally {
    for (const w of pool) w.terminate();
  }
  return assemble(net, opts, rows);
}
