/**
 * The PyTorch engine: runs `torch_engine.py --serve` in a Python that has torch, one long-lived
 * process per job running side by side, each job over a folder of files (the exchange is
 * described in that script's header). Found automatically:
 * `MOSAIC_PYTHON`, then `python3` on PATH, then Debian's `/usr/bin/python3` (a pyenv shim first on
 * PATH may not see Debian's `python3-torch`).
 *
 * @module
 */
import { UserError, writeFileAtomic } from "../base/mod.ts";
import type { ImageSet, Network } from "../nn/mod.ts";
import type { Evaluation, TrainEngine, TrainJob, TrainResult } from "./engine.ts";
import { type Graph, graphOf, networkFrom } from "./_exchange.ts";
import { checkData, checkJob } from "./_check.ts";
import { TorchServer } from "./_torch_server.ts";

const SCRIPT = new URL("./torch_engine.py", import.meta.url).pathname;

/** A Python interpreter with torch, and torch's version. */
export interface TorchPython {
  /** The interpreter as it is run: a command on PATH (`python3`) or a path (`/usr/bin/python3`). */
  readonly python: string;
  /** `torch.__version__` in that interpreter, e.g. "1.13.0". */
  readonly torch: string;
}

let probed: Promise<TorchPython | undefined> | undefined;

async function probe(python: string): Promise<TorchPython | undefined> {
  try {
    const out = await new Deno.Command(python, {
      args: [SCRIPT, "--version"],
      stdout: "piped",
      stderr: "null",
      env: { OMP_WAIT_POLICY: "PASSIVE" },
    }).output();
    if (!out.success) return undefined;
    const v = JSON.parse(new TextDecoder().decode(out.stdout)) as { torch: string };
    return { python, torch: v.torch };
  } catch {
    return undefined;
  }
}

/**
 * Find a Python with torch (probed once per process): `MOSAIC_PYTHON` if set (a `UserError` if it
 * cannot import torch), else the first of `python3` and `/usr/bin/python3` that can; undefined
 * when none can.
 *
 * @example Probe once, get a torch version
 * ```ts
 * import { findTorch } from "./torch.ts";
 * import { assert, assertMatch } from "@std/assert";
 *
 * const t = await findTorch();
 * if (t) assertMatch(t.torch, /^\d+\.\d+/); // e.g. torch 1.13.0 in /usr/bin/python3
 * assert(findTorch() === findTorch()); // probed once per process
 * ```
 */
export function findTorch(): Promise<TorchPython | undefined> {
  return probed ??= (async () => {
    const named = Deno.env.get("MOSAIC_PYTHON");
    if (named) {
      const t = await probe(named);
      if (!t) throw new UserError(`MOSAIC_PYTHON=${named} cannot import torch`);
      return t;
    }
    for (const p of ["python3", "/usr/bin/python3"]) {
      const t = await probe(p);
      if (t) return t;
    }
    return undefined;
  })();
}

function dataFiles(dir: string, data: ImageSet, net: Network) {
  checkData(net, data);
  return [
    writeFileAtomic(`${dir}/pixels.u8`, data.pixels),
    writeFileAtomic(`${dir}/labels.u8`, data.labels),
  ];
}

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The PyTorch engine. `threads` per job process (default 1: run jobs side by side instead). */
export class TorchEngine implements TrainEngine {
  readonly name = "torch";
  readonly description: string;
  readonly #python: string;
  readonly #threads: number;
  /** Every served process, and those waiting for a job. */
  readonly #servers = new Set<TorchServer>();
  readonly #idle: TorchServer[] = [];

  /** An engine running `found.python`, with `opts.threads` torch threads per job process (default 1). */
  constructor(found: TorchPython, opts: { threads?: number } = {}) {
    this.#python = found.python;
    this.#threads = opts.threads ?? 1;
    this.description =
      `torch ${found.torch} (CPU, ${this.#threads} thread(s) per job; ${found.python})`;
  }

  async #run(dir: string, job: Record<string, unknown>, progress?: (l: string) => void) {
    await writeFileAtomic(`${dir}/job.json`, JSON.stringify({ ...job, threads: this.#threads }));
    // An idle served process, or a new one: as many as jobs run side by side.
    const server = this.#idle.pop() ?? this.#spawn();
    try {
      await server.run(dir, progress);
    } finally {
      if (server.dead) this.#servers.delete(server);
      else this.#idle.push(server);
    }
    return JSON.parse(await Deno.readTextFile(`${dir}/result.json`));
  }

  #spawn(): TorchServer {
    const env = { OMP_WAIT_POLICY: "PASSIVE", OMP_NUM_THREADS: String(this.#threads) };
    const server = new TorchServer(this.#python, SCRIPT, env);
    this.#servers.add(server);
    return server;
  }

  async train(job: TrainJob): Promise<TrainResult> {
    checkJob(job);
    const dir = await Deno.makeTempDir({ prefix: "mosaic-torch-" });
    try {
      const { graph, params } = graphOf(job.net, "params.f32");
      let teacher: Graph | null = null;
      const writes = [writeFileAtomic(`${dir}/params.f32`, bytes(params))];
      if (job.teacher) {
        const t = graphOf(job.teacher, "teacher.f32");
        teacher = t.graph;
        writes.push(writeFileAtomic(`${dir}/teacher.f32`, bytes(t.params)));
      }
      const masks: Record<string, number> = {};
      if (job.masks?.size) {
        const total = [...job.masks.values()].reduce((s, m) => s + m.length, 0);
        const all = new Uint8Array(total);
        let off = 0;
        for (const [name, m] of job.masks) {
          masks[name] = off;
          all.set(m, off);
          off += m.length;
        }
        writes.push(writeFileAtomic(`${dir}/masks.u8`, all));
      }
      const s = job.schedule;
      writes.push(
        ...dataFiles(dir, job.data, job.net),
        writeFileAtomic(`${dir}/order.i32`, bytes(s.order)),
        writeFileAtomic(`${dir}/flip.u8`, s.flip),
        writeFileAtomic(`${dir}/shift.i8`, bytes(s.shift)),
        writeFileAtomic(`${dir}/lrs.f32`, bytes(s.lrs)),
      );
      await Promise.all(writes);
      const { data } = job;
      const r = await this.#run(dir, {
        mode: "train",
        net: graph,
        teacher,
        data: { n: data.n, c: data.c, h: data.h, w: data.w, mean: data.mean, std: data.std },
        schedule: { batchSize: s.batchSize, steps: s.steps },
        optimizer: job.optimizer,
        masks,
      }, job.progress);
      const out = new Float32Array((await Deno.readFile(`${dir}/params.out.f32`)).buffer);
      const losses = new Float32Array((await Deno.readFile(`${dir}/${r.losses}`)).buffer);
      return {
        net: networkFrom(job.net, graph, out),
        losses,
        seconds: r.seconds,
        samplesPerSecond: r.samplesPerSecond,
      };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }

  async evaluate(net: Network, data: ImageSet): Promise<Evaluation> {
    const dir = await Deno.makeTempDir({ prefix: "mosaic-torch-" });
    try {
      const { graph, params } = graphOf(net, "params.f32");
      await Promise.all([
        writeFileAtomic(`${dir}/params.f32`, bytes(params)),
        ...dataFiles(dir, data, net),
      ]);
      const r = await this.#run(dir, {
        mode: "evaluate",
        net: graph,
        data: { n: data.n, c: data.c, h: data.h, w: data.w, mean: data.mean, std: data.std },
      });
      const preds = new Uint16Array((await Deno.readFile(`${dir}/${r.predictions}`)).buffer);
      return { accuracy: r.accuracy, predictions: preds, samplesPerSecond: r.samplesPerSecond };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }

  /** End the served processes. */
  async close(): Promise<void> {
    const all = [...this.#servers];
    this.#servers.clear();
    this.#idle.length = 0;
    await Promise.all(all.map((s) => s.close()));
  }
}
