/// <reference lib="deno.worker" />
/**
 * Worker side of `modelCostParallel`: plans the layers it is sent and returns their cost rows.
 *
 * @module
 */
import { countProgram } from "../he/mod.ts";
import { quantizeLayer, shapeLabel } from "../nn/mod.ts";
import { programSummary } from "./summary.ts";
import { frameworkName, planLayer } from "../frameworks/mod.ts";
import type { WorkerJob, WorkerRow } from "./model_cost.ts";

self.onmessage = (ev: MessageEvent<WorkerJob>) => {
  const { framework, preset, method, stock, layers } = ev.data;
  const rows: WorkerRow[] = layers.map(({ index, spec, mask }) => {
    const { layer, kind } = quantizeLayer(spec);
    const program = planLayer(layer, {
      framework: frameworkName(framework),
      preset,
      method,
      stock,
      mask,
    });
    const row = {
      name: layer.name,
      kind,
      shape: shapeLabel(layer.shape),
      ...programSummary(program),
      ops: countProgram(program),
    };
    return { index, row };
  });
  self.postMessage(rows);
};
