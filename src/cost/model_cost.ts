/**
 * Per-model cost tables: every linear layer of a network planned (no encryption) for a framework,
 * with op counts per layer and totals.
 *
 * @module
 */
import { type ErrorData, errorFromData, scratchInt32, withScratch } from "../base/mod.ts";
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
  type IntLayer,
  linearLayerSpecs,
  type Network,
  quantizeLayer,
  shapeLabel,
  weightCount,
} from "../nn/mod.ts";
import { type LayerSummary, programSummary } from "./summary.ts";
import { type RingOps, ringOps } from "./rings.ts";
import { type FrameworkName, planLayer } from "../frameworks/mod.ts";

/** Options of a cost table. */
export interface ModelCostOptions {
  /** The framework every layer is planned for. */
  readonly framework: FrameworkName;
  /** HE parameters of the plans (CrypTFlow2 grows N per layer as SCI does). */
  readonly preset: Preset;
  /**
   * The framework's own plan method (`frameworkMethods`): GAZELLE `ir`, `or` or `auto` (default,
   * the cheaper of the two); CrypTFlow2 `sci`; Cheetah `coeff` (default) or `ntt`. Another
   * framework's method is a `UserError`.
   */
  readonly method?: string;
  /** Plan the framework's stock behaviour (nothing skipped) instead of pruning-aware plans. */
  readonly stock?: boolean;
}

/** One layer's row of a cost table: its summary row, named, with all its op counts. */
export interface CostRow extends LayerSummary {
  /** The network node's name. */
  readonly name: string;
  /** The layer's kind. */
  readonly kind: "conv" | "fc" | "bn";
  /** The layer's shape as a spec (`conv:h=32,w=32,ci=3,co=64,k=3,s=1,p=1`). */
  readonly shape: string;
  /** Op counts of all parts (every `OpCounts` field, in its order). */
  readonly ops: OpCounts;
  /**
   * The counts grouped by the parts' ring degree N, ascending: present only when a part runs at
   * another N than the preset's (CrypTFlow2 grows N for large maps), so such parts are priced at
   * their own N.
   */
  readonly rings?: readonly RingOps[];
}

/** A model's cost table. */
export interface ModelCost {
  /** The network's name (a zoo name, or the ONNX file's). */
  readonly model: string;
  /** Where the weights come from (e.g. "SYNTHETIC (seed 1, …)"). */
  readonly weights: string;
  /** The framework the layers were planned for. */
  readonly framework: FrameworkName;
  /** Name of the preset given in the options. */
  readonly preset: string;
  /** Security label of that preset. */
  readonly security: string;
  /** True for the framework's stock plans, false for pruning-aware ones. */
  readonly stock: boolean;
  /** One row per linear layer, in network order. */
  readonly layers: CostRow[];
  /**
   * Op counts summed over the rows, and their predicted server time (ms, to 0.01 ms as the rows);
   * null if a row has none.
   */
  readonly totals: { readonly ops: OpCounts; readonly predicted_server_ms: number | null };
}

/** The cost row of one quantized layer planned under `opts`. */
export function costRow(layer: IntLayer, kind: CostRow["kind"], opts: ModelCostOptions): CostRow {
  const program = planLayer(layer, {
    framework: opts.framework,
    preset: opts.preset,
    method: opts.method,
    stock: opts.stock,
  });
  const rings = ringOps(program, opts.preset.polyModulusDegree);
  return {
    name: layer.name,
    kind,
    shape: shapeLabel(layer.shape),
    ...programSummary(program),
    ops: countProgram(program),
    ...(rings ? { rings } : {}),
  };
}

/**
 * The cost row of one folded float layer: quantized (8-bit) and planned in one `withScratch`
 * scope, since a row keeps nothing of its layer (the drawn floats, the integers, the plan's
 * columns reuse this thread's scratch memory). What the planning Workers and this thread run per
 * layer of a cost table.
 */
export function floatCostRow(spec: FloatLayer, opts: ModelCostOptions): CostRow {
  return withScratch(() => {
    const { layer, kind } = quantizeLayer(spec, 8, scratchInt32(weightCount(spec.shape)));
    return costRow(layer, kind, opts);
  });
}

/**
 * Plan every linear layer of `net` (BatchNorm folded, 8-bit weights) and tabulate the HE ops. Each
 * layer is planned on its own weights, so its plan skips what they zero and asks for the Galois
 * keys of the rotations it keeps: cost a pruned model by planning the network it deploys (masked,
 * permuted; `deployedNetwork` in `prune/`), not by masking this one's plans.
 *
 * @example VGG-16 on CIFAR-10 has 14 linear layers; the totals sum the rows
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { modelCost } from "./model_cost.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.25 });
 * const t = modelCost(net, { framework: "cryptflow2", preset: getPreset("cryptflow2") });
 * assertEquals(t.layers.length, 14);
 * assertEquals(t.totals.ops.mult, t.layers.reduce((a, row) => a + row.ops.mult, 0));
 * ```
 */
export function modelCost(net: Network, opts: ModelCostOptions): ModelCost {
  const layers = linearLayerSpecs(net).map((spec) => floatCostRow(spec, opts));
  return assemble(net, opts, layers);
}

/**
 * Predicted HE cost of a pruned model as % of the unpruned one (2 decimals): the ratio of the two
 * tables' predicted server times, each model planned with its own weights and Galois keys. The one
 * formula `deno task prune`, `deno task cost --masks` and the study's rows report; null if either
 * table has no prediction.
 *
 * @example Pruning a whole layer away lowers the cost
 * ```ts
 * import { assert } from "@std/assert";
 * import { costPercent, modelCost } from "./model_cost.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo, maskNetwork } from "../nn/mod.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const opts = { framework: "gazelle", preset: getPreset("gazelle") } as const;
 * const pruned = maskNetwork(net, new Map([["features.40", new Uint8Array(64 * 64 * 9)]]));
 * const pct = costPercent(modelCost(net, opts), modelCost(pruned, opts))!;
 * assert(pct > 0 && pct < 100);
 * ```
 */
export function costPercent(unpruned: ModelCost, pruned: ModelCost): number | null {
  const a = unpruned.totals.predicted_server_ms, b = pruned.totals.predicted_server_ms;
  if (a === null || b === null || a === 0) return null;
  return Number((100 * b / a).toFixed(2));
}

function assemble(net: Network, opts: ModelCostOptions, layers: CostRow[]): ModelCost {
  const total = zeroCounts();
  let predicted: number | null = 0;
  for (const row of layers) {
    addCounts(total, row.ops);
    const p = row.predicted_server_ms;
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
      predicted_server_ms: predicted === null ? null : Number(predicted.toFixed(2)),
    },
  };
}

/** A batch of layers sent to a planning worker. */
export interface WorkerJob {
  /** The framework the layers are planned for. */
  readonly framework: FrameworkName;
  /** HE parameters of the plans. */
  readonly preset: Preset;
  /** The framework's own plan method. */
  readonly method?: string;
  /** Plan the framework's stock behaviour. */
  readonly stock?: boolean;
  /** The layers (BatchNorm folded, not quantized) and their positions in the table. */
  readonly layers: { index: number; spec: FloatLayer }[];
}

/** A planned layer's row, tagged with its position. */
export interface WorkerRow {
  /** The row's position in the table. */
  readonly index: number;
  /** The layer's cost row. */
  readonly row: CostRow;
}

/**
 * What a planning worker posts back for a job: its rows, or the error planning threw, as data
 * (the parent rethrows it with `errorFromData`: a `UserError` stays one).
 */
export type WorkerReply =
  | { readonly rows: WorkerRow[]; readonly error?: undefined }
  | { readonly error: ErrorData };

/**
 * A layer's planning time on one thread, estimated (ns): 6 ns per weight (drawn, quantized) and
 * 0.07 ns per plaintext product a rotation method could issue (ci·co·k²·np2(h·w)), fitted to
 * GAZELLE tables of VGG-16 and ResNet-50 at widths 1–4 (2-core AMD EPYC, Deno 2.9; CrypTFlow2
 * and Cheetah plan faster). For load balancing and for `plannerThreads`.
 */
function planningNs(l: FloatLayer): number {
  const s = l.shape;
  const products = s.kind === "conv"
    ? s.ci * s.co * s.k * s.k * 2 ** Math.ceil(Math.log2(s.h * s.w))
    : weightCount(s);
  return 6 * weightCount(s) + 0.07 * products;
}

/**
 * Estimated one-thread planning time (ns) above which a table is planned on Workers too. Below
 * it a Worker costs more than it saves: starting one, loading its modules and compiling the
 * planner again take ≈ 0.25 s of CPU, and two planning threads slow each other down (memory
 * traffic). Measured on 2 cores: every zoo table (≤ 0.7 s estimated) planned 0.05–0.2 s faster
 * on one thread; ResNet-50/Tiny ImageNet at width 1.5 (1.6 s) 0.2 s faster on two, at width 4
 * 3 s faster; VGG-16/Tiny ImageNet at width 2 (0.7 s) the same either way.
 */
const PARALLEL_MIN_NS = 1e9;

/**
 * The threads worth planning `net` on (`modelCostParallel`'s default): 1 for a table estimated
 * to plan in under a second on one thread, else every core (at most 64).
 *
 * @example The zoo's tables plan on one thread; a ResNet-50 four times as wide on every core
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { plannerThreads } from "./model_cost.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * assertEquals(plannerThreads(buildZoo("resnet50-tinyimagenet"), 2), 1);
 * assertEquals(plannerThreads(buildZoo("resnet50-tinyimagenet", { width: 4 }), 2), 2);
 * ```
 */
export function plannerThreads(net: Network, cores = navigator.hardwareConcurrency): number {
  let ns = 0;
  for (const l of linearLayerSpecs(net)) ns += planningNs(l);
  return ns < PARALLEL_MIN_NS ? 1 : Math.max(1, Math.min(cores, 64));
}

/**
 * Start `n` planning workers (they load their modules at once); pass them to `modelCostParallel`,
 * which terminates them.
 *
 * @example Workers started early, then handed to `modelCostParallel`
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { modelCost, modelCostParallel, spawnPlanners } from "./model_cost.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const pool = spawnPlanners(2);
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const opts = { framework: "gazelle", preset: getPreset("gazelle") } as const;
 * const t = await modelCostParallel(net, opts, pool);
 * assertEquals(t.totals, modelCost(net, opts).totals);
 * ```
 */
export function spawnPlanners(n: number): Worker[] {
  return Array.from(
    { length: n },
    () => new Worker(new URL("./_model_cost_worker.ts", import.meta.url), { type: "module" }),
  );
}

/**
 * `modelCost` with layers planned in parallel (the same rows, in the same order): planning is
 * independent per layer, and large models have millions of plaintext products to plan. `workers`
 * is a number of threads (this one and n − 1 Workers; 1: `modelCost`; by default
 * `plannerThreads`, one for tables too small to pay for a Worker) or Workers already spawned
 * (`spawnPlanners`); this thread plans too, the smallest layers left while the Workers take the
 * largest, as it would otherwise only wait (one Worker fewer to start, load its modules and warm
 * up). An error planning a layer comes back from its Worker as data and is rethrown here as it
 * would be by `modelCost` (a `UserError` stays a one-line `UserError`); every Worker is
 * terminated, on success or failure.
 *
 * @example ResNet-18's 21 linear layers planned on two threads, in network order
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { modelCostParallel } from "./model_cost.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const net = buildZoo("resnet18-cifar10", { width: 0.25 });
 * const t = await modelCostParallel(net, { framework: "gazelle", preset: getPreset("gazelle") }, 2);
 * assertEquals([t.layers.length, t.layers[0].name], [21, "conv1"]);
 * ```
 */
export async function modelCostParallel(
  net: Network,
  opts: ModelCostOptions,
  workers: number | Worker[] = plannerThreads(net),
): Promise<ModelCost> {
  const n = Array.isArray(workers) ? workers.length : Math.max(1, Math.min(workers, 64)) - 1;
  if (n === 0 && !Array.isArray(workers)) return modelCost(net, opts);
  // Spawned before the model is folded (or passed in, spawned before it was built): the workers
  // load their modules meanwhile.
  const pool = Array.isArray(workers) ? workers : spawnPlanners(n);
  try {
    return assemble(net, opts, await planOnWorkers(net, opts, pool));
  } finally {
    // On success or failure (a layer refused, a model that does not fold): no Worker outlives it.
    for (const w of pool) w.terminate();
  }
}

/** The rows of `net`'s layers planned on `pool`; the first error rejects (the caller terminates). */
async function planOnWorkers(
  net: Network,
  opts: ModelCostOptions,
  pool: readonly Worker[],
): Promise<CostRow[]> {
  // Workers quantize their own layers: only BatchNorm folding happens here.
  const layers = linearLayerSpecs(net);
  // A queue of layers, those of one shape side by side (a thread that plans one shape again
  // reuses its packings and tables), the shapes of most work first and, within a shape, the
  // largest first. Workers take from the front, this thread from the back.
  const jobs = layers.map((spec, index) => ({
    index,
    w: planningNs(spec),
    shape: shapeLabel(spec.shape),
  }));
  const shapeWork = new Map<string, number>();
  for (const { w, shape } of jobs) shapeWork.set(shape, (shapeWork.get(shape) ?? 0) + w);
  const queue = jobs.sort((a, b) =>
    shapeWork.get(b.shape)! - shapeWork.get(a.shape)! ||
    (a.shape < b.shape ? -1 : a.shape > b.shape ? 1 : 0) ||
    b.w - a.w
  ).map(({ index }) => index);
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
      layers: [{ index, spec }],
    };
    worker.postMessage(job);
    return true;
  };
  let stopped = false;
  const workerDone = pool.map((worker) =>
    new Promise<void>((resolve, reject) => {
      // Jobs sent and not yet answered: each worker holds its next layer while it plans one, so
      // it never waits for this thread between layers.
      let pending = 0;
      const next = () => {
        try {
          if (send(worker)) pending++;
          else if (pending === 0) resolve();
        } catch (e) {
          reject(e);
        }
      };
      worker.onmessage = (ev: MessageEvent<WorkerReply>) => {
        const reply = ev.data;
        if (reply.error) return reject(errorFromData(reply.error, "planning worker"));
        pending--;
        for (const { index, row } of reply.rows) rows[index] = row;
        next();
      };
      worker.onmessageerror = () => reject(new Error("planning worker sent an unreadable reply"));
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`planning worker failed: ${e.message}`));
      };
      next();
      next();
    })
  );
  // This thread takes the smallest layers left, one at a time, letting the Workers' replies in
  // between (they hold their next layer meanwhile).
  const here = (async () => {
    let since = performance.now();
    for (let index = queue.pop(); index !== undefined && !stopped; index = queue.pop()) {
      rows[index] = floatCostRow(layers[index], opts);
      if (performance.now() - since >= REPLY_WAIT_MS) {
        await nextTask();
        since = performance.now();
      }
    }
  })();
  try {
    await Promise.all([...workerDone, here]);
  } catch (e) {
    stopped = true;
    throw e;
  }
  return rows;
}

/**
 * How long this thread plans before it lets the Workers' replies in (each Worker holds its next
 * layer meanwhile, and the Workers take the largest layers). Not after every layer: a
 * `setTimeout(0)` nested in timers is clamped to 4 ms (HTML timers, Deno's too), and this thread
 * plans dozens of small layers (40 of ResNet-50's idled 100 ms that way). A message this thread
 * posts itself or `setImmediate` would not let a Worker's reply in (measured, Deno 2.9).
 */
const REPLY_WAIT_MS = 10;

/** A promise settled from a new task: replies waiting in the event loop are handled first. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
