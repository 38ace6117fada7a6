/**
 * The tfjs training engine: tfjs-core with the WebAssembly backend (XNNPACK, SIMD), inside Deno.
 *
 * Under Deno, tfjs believes it runs in Node and keeps wasm single-threaded, so the engine's
 * parallelism is one job per Worker: concurrent `train()` and `evaluate()` calls run in separate
 * Workers (at most `workers`, one per core by default); each Worker loads tfjs once and is reused,
 * and calls beyond the pool's size wait for a free Worker. Jobs are checked on the caller's side
 * first, so bad input is one `UserError` line before any Worker starts. What a job computes is
 * documented in `runner.ts`.
 *
 * @module
 */
import { version_core } from "@tensorflow/tfjs-core";
import type { ImageSet, Network } from "../../nn/mod.ts";
import { errorFromData, UserError } from "../../base/mod.ts";
import type { Evaluation, TrainEngine, TrainJob, TrainResult } from "../engine.ts";
import { checkData, checkJob } from "../_check.ts";
import type { Request, Response } from "./_protocol.ts";

/** Options of the tfjs engine. */
export interface TfjsEngineOptions {
  /** Most Workers running at once (default: `navigator.hardwareConcurrency`). */
  readonly workers?: number;
}

type Pending = {
  resolve: (r: TrainResult | Evaluation) => void;
  reject: (e: Error) => void;
  progress?: (line: string) => void;
};

/**
 * A pool of tfjs Workers behind the `TrainEngine` interface.
 *
 * @example Evaluate a tiny network in a Worker
 * ```ts
 * import { TfjsEngine } from "./_engine.ts";
 * import { tinyResidual } from "../../nn/mod.ts";
 *
 * const engine = new TfjsEngine({ workers: 1 });
 * const data = {
 *   name: "noise", n: 4, c: 3, h: 8, w: 8, classes: 3, mean: [0.5, 0.5, 0.5],
 *   std: [0.25, 0.25, 0.25], pixels: Uint8Array.from({ length: 4 * 192 }, (_, i) => i % 256),
 *   labels: Uint8Array.from([0, 1, 2, 0]), fitted: "",
 * };
 * const { predictions } = await engine.evaluate(tinyResidual(), data);
 * await engine.close();
 * if (predictions.length !== 4) throw new Error();
 * ```
 */
export class TfjsEngine implements TrainEngine {
  readonly name = "tfjs";
  readonly description: string;
  readonly #max: number;
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, number>();
  readonly #waiting: { resolve: (w: Worker) => void; reject: (e: Error) => void }[] = [];
  readonly #pending = new Map<number, Pending>();
  #count = 0;
  #nextId = 1;
  #closed = false;

  /** A pool of at most `opts.workers` Workers, started on demand; a `UserError` if not ≥ 1. */
  constructor(opts: TfjsEngineOptions = {}) {
    const workers = opts.workers ?? navigator.hardwareConcurrency;
    if (!(Number.isInteger(workers) && workers >= 1)) {
      throw new UserError(`tfjs engine: workers must be an integer ≥ 1 (got ${workers})`);
    }
    this.#max = workers;
    this.description = `tfjs ${version_core} (wasm backend, XNNPACK, 1 thread per job, ` +
      `up to ${workers} Worker${workers > 1 ? "s" : ""})`;
  }

  /** Run the job's schedule in a pool Worker (see `runner.ts` for the semantics). */
  async train(job: TrainJob): Promise<TrainResult> {
    checkJob(job);
    const { progress, ...rest } = job;
    return await this.#run(
      (id) => ({ id, kind: "train", job: rest, progress: progress !== undefined }),
      progress,
    ) as TrainResult;
  }

  /** Top-1 accuracy and predictions in a pool Worker (BatchNorm with running statistics). */
  async evaluate(net: Network, data: ImageSet): Promise<Evaluation> {
    checkData(net, data);
    return await this.#run((id) => ({ id, kind: "evaluate", net, data })) as Evaluation;
  }

  /** Terminate every Worker; calls still waiting for one are rejected. */
  close(): Promise<void> {
    this.#closed = true;
    for (const w of [...this.#idle, ...this.#busy.keys()]) w.terminate();
    this.#idle.length = 0;
    for (const id of this.#busy.values()) {
      this.#pending.get(id)?.reject(new Error("tfjs engine closed during a job"));
      this.#pending.delete(id);
    }
    this.#busy.clear();
    this.#count = 0;
    for (const w of this.#waiting.splice(0)) w.reject(new Error("tfjs engine is closed"));
    return Promise.resolve();
  }

  async #run(request: (id: number) => Request, progress?: (line: string) => void) {
    if (this.#closed) throw new Error("tfjs engine is closed");
    const worker = await this.#acquire();
    if (this.#closed) {
      // Closed between handing out this Worker and now.
      worker.terminate();
      throw new Error("tfjs engine closed during a job");
    }
    const id = this.#nextId++;
    this.#busy.set(worker, id);
    try {
      return await new Promise<TrainResult | Evaluation>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject, progress });
        worker.postMessage(request(id));
      });
    } finally {
      this.#pending.delete(id);
      this.#release(worker);
    }
  }

  #acquire(): Promise<Worker> {
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#count < this.#max) {
      this.#count++;
      return Promise.resolve(this.#spawn());
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  #release(worker: Worker): void {
    if (!this.#busy.delete(worker)) return; // terminated (crash or close)
    const next = this.#waiting.shift();
    if (next) next.resolve(worker);
    else this.#idle.push(worker);
  }

  #spawn(): Worker {
    const worker = new Worker(new URL("./_worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (ev: MessageEvent<Response>) => {
      const msg = ev.data;
      const p = this.#pending.get(msg.id);
      if (!p) return;
      if (msg.kind === "progress") p.progress?.(msg.line);
      else if (msg.kind === "error") p.reject(errorFromData(msg.error, "tfjs job"));
      else p.resolve(msg.result);
    };
    worker.onerror = (ev: ErrorEvent) => {
      // A crashed Worker (e.g. out of wasm memory) fails its job and leaves the pool.
      ev.preventDefault();
      const id = this.#busy.get(worker);
      this.#busy.delete(worker);
      worker.terminate();
      this.#count--;
      if (id !== undefined) {
        this.#pending.get(id)?.reject(new Error(`tfjs Worker failed: ${ev.message}`));
      }
      const next = this.#waiting.shift();
      if (next) {
        this.#count++;
        next.resolve(this.#spawn());
      }
    };
    return worker;
  }
}
