/**
 * Per-model cost tables: every linear layer of a network planned (no encryption) for a framework,
 * with op counts per layer and totals.
 *
 * @module
 */
import { addCounts, countProgram, type OpCounts, zeroCounts } from "../he/plan.ts";
import { type Preset, securityLabel } from "../he/presets.ts";
import { planLayer } from "../frameworks/mod.ts";
import type { MaskSet } from "../nn/masks.ts";
import type { Network } from "../nn/network.ts";
import { quantizedLayers } from "../nn/quantize.ts";
import { shapeLabel } from "../nn/layers.ts";
import { programSummary } from "../report/summary.ts";

/** Options of a cost table. */
export interface ModelCostOptions {
  readonly framework: string;
  readonly preset: Preset;
  readonly method?: "ir" | "or" | "auto";
  readonly stock?: boolean;
  readonly masks?: MaskSet;
}

/** One layer's row of a cost table. */
export type CostRow =
  & { name: string; kind: string; shape: string; ops: OpCounts }
  & Record<string, unknown>;

/** A model's cost table. */
export interface ModelCost {
  readonly model: string;
  readonly weights: string;
  readonly framework: string;
  readonly preset: string;
  readonly security: string;
  readonly stock: boolean;
  readonly layers: CostRow[];
  readonly totals: { readonly ops: OpCounts; readonly predicted_server_ms: number | null };
}

/**
 * Plan every linear layer of `net` (BatchNorm folded, 8-bit weights) and tabulate the HE ops.
 *
 * @example
 * ```ts
 * import { modelCost } from "./model_cost.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { buildZoo } from "../nn/zoo.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.25 });
 * const t = modelCost(net, { framework: "cryptflow2", preset: getPreset("cryptflow2") });
 * console.log(t.layers.length, t.totals.ops.mult); // 14 layers
 * ```
 */
export function modelCost(net: Network, opts: ModelCostOptions): ModelCost {
  const total = zeroCounts();
  let predicted: number | null = 0;
  const layers: CostRow[] = quantizedLayers(net).map(({ layer, kind }) => {
    const program = planLayer(opts.framework, layer, {
      preset: opts.preset,
      method: opts.method,
      stock: opts.stock,
      mask: opts.masks?.get(layer.name),
    });
    const ops = countProgram(program);
    addCounts(total, ops);
    const row = programSummary(program);
    const p = row.predicted_server_ms as number | null;
    predicted = predicted === null || p === null ? null : predicted + p;
    return { name: layer.name, kind, shape: shapeLabel(layer.shape), ...row, ops };
  });
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
      predicted_server_ms: predicted === null ? null : Number((predicted as number).toFixed(1)),
    },
  };
}
