/**
 * Choosing a training engine: `torch` when a Python with torch is found (it is 4–6× faster per
 * CPU-second), else `tfjs` (npm only); `--engine` forces one.
 *
 * @module
 */
import { UserError } from "../base/mod.ts";
import type { TrainEngine } from "./engine.ts";
import { findTorch, TorchEngine } from "./torch.ts";

/**
 * A training engine to open: `torch` (PyTorch through `torch_engine.py`), `tfjs` (tfjs-wasm in
 * Workers), or `auto` (torch when `findTorch` finds a Python with torch, else tfjs).
 */
export type EngineName = "auto" | "torch" | "tfjs";

/** Engine names a user can ask for, in the order `--engine`'s error lists them. */
const ENGINES: readonly EngineName[] = ["auto", "torch", "tfjs"];

/**
 * Check an `--engine` value: undefined means `auto`; a value that is not an {@link EngineName}
 * throws a `UserError` listing the names.
 */
export function engineFlag(value: string | undefined): EngineName {
  const v = value ?? "auto";
  if (!(ENGINES as readonly string[]).includes(v)) {
    throw new UserError(`Unknown --engine "${v}": use ${ENGINES.join(", ")}`);
  }
  return v as EngineName;
}

/**
 * Open an engine. `opts.jobs` is how many training jobs will run side by side (default 1, at most
 * the core count): torch then gives each job process `opts.threads` threads (default cores/jobs;
 * torch's sums depend on its thread count, so a fixed count gives the same weights on any
 * machine); tfjs runs up to one Worker per job. When no Python with torch is found, `auto` opens tfjs and `torch` throws a
 * `UserError`. Close the engine when done.
 */
export async function openEngine(
  name: EngineName,
  opts: { jobs?: number; threads?: number } = {},
): Promise<TrainEngine> {
  const cores = navigator.hardwareConcurrency || 1;
  const jobs = Math.max(1, Math.min(opts.jobs ?? 1, cores));
  if (name === "torch" || name === "auto") {
    const torch = await findTorch();
    if (torch) {
      return new TorchEngine(torch, {
        threads: opts.threads ?? Math.max(1, Math.floor(cores / jobs)),
      });
    }
    if (name === "torch") {
      throw new UserError(
        "--engine torch: no Python with torch found (apt-get install python3-torch, or set MOSAIC_PYTHON)",
      );
    }
  }
  const { TfjsEngine } = await import("./tfjs/_engine.ts");
  return new TfjsEngine({ workers: jobs });
}
