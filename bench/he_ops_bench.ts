/**
 * Unit HE ops per preset on random data: `he_ops/<preset>/<op>`, grouped by preset with `add` as
 * the baseline. Keys and operands are made once, outside the measurement.
 */
import { getPreset, presetNames, securityLabel } from "../src/he/mod.ts";
import { UNIT_OPS, unitOps } from "../src/cost/mod.ts";

for (const name of presetNames()) {
  const preset = getPreset(name);
  const ops = await unitOps(preset);
  console.error(`he_ops/${name}: N = ${preset.polyModulusDegree}, ${securityLabel(preset)}`);
  for (const op of UNIT_OPS) {
    Deno.bench({
      name: `he_ops/${name}/${op}`,
      group: `he_ops/${name}`,
      baseline: op === "add",
      n: 200,
      warmup: 50,
    }, ops.run[op]);
  }
}
