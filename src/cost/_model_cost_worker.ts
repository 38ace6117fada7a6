/// <reference lib="deno.worker" />
/**
 * Worker side of `modelCostParallel`: plans the layers it is sent and returns their cost rows.
 *
 * @module
 */
import { quantizeLayer } from "../nn/mod.ts";
import { costRow, type WorkerJob, type WorkerRow } from "./model_cost.ts";

self.onmessage = (ev: MessageEvent<WorkerJob>) => {
  const { layers, ...opts } = ev.data;
  const rows: WorkerRow[] = layers.map(({ index, spec, mask }) => {
    const { layer, kind } = quantizeLayer(spec);
    return { index, row: costRow(layer, kind, opts, mask) };
  });
  self.postMessage(rows);
};
