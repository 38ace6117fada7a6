/**
 * Messages between the tfjs engine and its pool Workers (structured clones: typed arrays, Maps and
 * plain objects; the progress callback stays on the engine's side).
 *
 * @module
 */
import type { ErrorData } from "../../base/mod.ts";
import type { ImageSet, Network } from "../../nn/mod.ts";
import type { Evaluation, TrainJob, TrainResult } from "../engine.ts";

/** Engine → Worker. */
export type Request =
  | { id: number; kind: "train"; job: Omit<TrainJob, "progress">; progress: boolean }
  | { id: number; kind: "evaluate"; net: Network; data: ImageSet };

/** Worker → engine. */
export type Response =
  | { id: number; kind: "progress"; line: string }
  | { id: number; kind: "train"; result: TrainResult }
  | { id: number; kind: "evaluate"; result: Evaluation }
  /** The job's error as data (`errorData`); the engine rethrows it with `errorFromData`. */
  | { id: number; kind: "error"; error: ErrorData };
