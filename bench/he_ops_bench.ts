/**
 * Unit HE ops per preset on random data: `he_ops/<preset>/<op>`, grouped by preset with `add` as
 * the baseline. Keys and operands are made once, outside the measurement.
 */
import { getPreset, presetNames, securityLabel, withSlots } from "../src/he/mod.ts";
import { UNIT_OPS, unitOps } from "../src/he/mod.ts";

// Every built-in preset, plus the larger ring SCI switches to for 64×64 maps.
const presets = [...presetNames().map(getPreset), withSlots(getPreset("cryptflow2"), 16384)];

for (const preset of presets) {
  const name = preset.name;
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
