/// <reference lib="deno.worker" />
/**
 * A pool Worker of the tfjs engine: loads tfjs-wasm once, then runs the jobs it is sent one at a
 * time (`runner.ts`), posting progress lines and the result or the error back.
 *
 * @module
 */
import { errorData } from "../../base/mod.ts";
import type { Request, Response } from "./_protocol.ts";
import { evaluateInProcess, trainInProcess } from "./runner.ts";

const post = (r: Response) => self.postMessage(r);

self.onmessage = async (ev: MessageEvent<Request>) => {
  const req = ev.data;
  try {
    if (req.kind === "train") {
      const progress = req.progress
        ? (line: string) => post({ id: req.id, kind: "progress", line })
        : undefined;
      const result = await trainInProcess({ ...req.job, progress });
      post({ id: req.id, kind: "train", result });
    } else {
      post({ id: req.id, kind: "evaluate", result: await evaluateInProcess(req.net, req.data) });
    }
  } catch (e) {
    post({ id: req.id, kind: "error", error: errorData(e) });
  }
};
