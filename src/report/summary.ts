/**
 * One row of a report: a layer program's geometry, op counts, bytes and predicted time.
 *
 * @module
 */
import { ciphertextBytes, countPlan, countProgram, type LayerProgram } from "../he/plan.ts";
import { galoisKeySetBytes } from "../he/galois.ts";
import { securityLabel } from "../he/presets.ts";
import { predictMs, unitCostsFor } from "../cost/unit_costs.ts";

/**
 * A layer program summarized as the JSON row `deno task plan --json` prints and reports store:
 * geometry, op counts (the counting conventions of the README), predicted bytes and server time
 * under the measured unit costs (null where none were measured for a part's preset).
 *
 * @example
 * ```ts
 * import { programSummary } from "./summary.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { planLayer } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=16,w=16,ci=8,co=8,k=3,s=2"), 1);
 * const row = programSummary(planLayer(layer, { framework: "cryptflow2", preset: getPreset("cryptflow2") }));
 * if (row.phases !== 4) throw new Error();
 * ```
 */
export function programSummary(program: LayerProgram): Record<string, unknown> {
  const c = countProgram(program);
  const first = program.parts[0];
  let predicted: number | null = 0;
  for (const part of program.parts) {
    const unit = unitCostsFor(part.preset.name);
    predicted = unit && predicted !== null ? predicted + predictMs(countPlan(part), unit) : null;
  }
  const bytes = { up: 0, down: 0, galois_keys: 0 };
  for (const part of program.parts) {
    const pc = countPlan(part);
    const primes = part.preset.coeffModulusBits.length;
    bytes.up += pc.cts_up * ciphertextBytes(part.slots, primes - 1);
    bytes.down += pc.cts_down * ciphertextBytes(part.slots, part.downPrimes);
    bytes.galois_keys += galoisKeySetBytes(part.keys.steps.length, part.slots, primes);
  }
  return {
    framework: program.framework,
    preset: [...new Set(program.parts.map((p) => p.preset.name))].join("+"),
    security: [...new Set(program.parts.map((p) => securityLabel(p.preset)))].join("; "),
    layer: program.layer,
    slots: first.slots,
    slots_per_phase: program.parts.map((p) => p.slots),
    phases: program.parts.length,
    channels_per_ct: first.geometry.channels_per_ct ?? null,
    in_cts: program.parts.reduce((a, p) => a + p.inputs, 0),
    out_cts: program.parts.reduce((a, p) => a + p.outputs.length, 0),
    method: program.method,
    stock: program.stock,
    geometry: program.geometry,
    parts: program.parts.map((p) => ({ slots: p.slots, geometry: p.geometry })),
    keys: {
      kind: [...new Set(program.parts.map((p) => p.keys.kind))].join("+"),
      count: program.parts.reduce((a, p) => a + p.keys.steps.length, 0),
    },
    ops: {
      perm_in: c.perm_in,
      perm_out: c.perm_out,
      key_switches: c.key_switches,
      mult: c.mult,
      add: c.add,
      rotate_rows: c.rotate_rows,
      rotate_columns: c.rotate_columns,
      mult_coeff: c.mult_coeff,
      ntt: c.ntt,
      intt: c.intt,
      mod_switch: c.mod_switch,
      add_mask: c.add_mask,
      enc_server: c.enc_server,
      flood: c.flood,
      cts_up: c.cts_up,
      cts_down: c.cts_down,
    },
    bytes,
    predicted_server_ms: predicted === null ? null : Number(predicted.toFixed(2)),
  };
}
