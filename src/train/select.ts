/**
 * Choosing a training engine: `torch` when a Python with torch is found (it is 4–6× faster per
 * CPU-second), else `tfjs` (npm only); `--engine` forces one.
 *
 * @module
 */
import { UserError } from "../base/mod.ts";
import type { TrainEngine } from "./engine.ts";
import { findTorch, TorchEngine } from "./torch.ts";

/** Engine names a user can ask for. */
export const ENGINES = ["auto", "torch", "tfjs"] as const;
/** An engine name. */
export type EngineName = typeof ENGINES[number];

/** Check an `--engine` value. */
export function engineFlag(value: string | undefined): EngineName {
  const v = value ?? "auto";
  if (!(ENGINES as readonly string[]).includes(v)) {
    throw new UserError(`Unknown --engine "${v}": use ${ENGINES.join(", ")}`);
  }
  return v as EngineName;
}

/**
 * Open an engine. `jobs` is how many training jobs will run side by side (torch then gives each
 * process cores/jobs threads; tfjs runs one Worker per job).
 */
export async function openEngine(
  name: EngineName,
  opts: { jobs?: number } = {},
): Promise<TrainEngine> {
  const cores = navigator.hardwareConcurrency || 1;
  const jobs = Math.max(1, Math.min(opts.jobs ?? 1, cores));
  if (name === "torch" || name === "auto") {
    const torch = await findTorch();
    if (torch) return new TorchEngine(torch, { threads: Math.max(1, Math.floor(cores / jobs)) });
    if (name === "torch") {
      throw new UserError(
        "--engine torch: no Python with torch found (apt-get install python3-torch, or set MOSAIC_PYTHON)",
      );
    }
  }
  const { TfjsEngine } = await import("./tfjs/mod.ts");
  return new TfjsEngine({ workers: jobs });
}
