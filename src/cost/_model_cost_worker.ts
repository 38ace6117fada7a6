/// <reference lib="deno.worker" />
/**
 * Worker side of `modelCostParallel`: plans the layers it is sent and returns their cost rows, or
 * the error planning threw, as data (`{ error: { name, message } }`): nothing escapes uncaught,
 * so no Worker stack trace is printed and the parent rethrows a `UserError` as one.
 *
 * @module
 */
import { errorData } from "../base/mod.ts";
import { floatCostRow, type WorkerJob, type WorkerReply } from "./model_cost.ts";

self.onmessage = (ev: MessageEvent<WorkerJob>) => {
  let reply: WorkerReply;
  try {
    const { layers, ...opts } = ev.data;
    reply = {
      rows: layers.map(({ index, spec }) => ({ index, row: floatCostRow(spec, opts) })),
    };
  } catch (e) {
    reply = { error: errorData(e) };
  }
  self.postMessage(reply);
};
