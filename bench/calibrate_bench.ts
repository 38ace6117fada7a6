/**
 * The study's self-calibration under `deno bench`: measuring the unit ops of each framework's
 * study preset (`measureUnitCosts`, what a study does at its start when nothing is cached), and
 * the cache hit a later run makes instead (`calibratedWeights` reading the user's cache). Names
 * `calibrate/<preset>` and `calibrate/cached`.
 */
import { calibratedWeights, studyPreset } from "../src/study/mod.ts";
import { closeEnvs, measureUnitCosts } from "../src/he/mod.ts";

for (const fw of ["gazelle", "cryptflow2", "cheetah"]) {
  const preset = studyPreset(fw);
  Deno.bench(
    { name: `calibrate/${preset.name}`, group: "calibrate", n: 2, warmup: 0 },
    async () => {
      await measureUnitCosts(preset);
      closeEnvs();
    },
  );
}

const home = await Deno.makeTempDir();
const env = { get: (k: string) => (k === "HOME" ? home : undefined) };
const out = await Deno.makeTempDir();
await calibratedWeights(out, { env, measureOptions: { reps: 2, warmupMs: 5 } });
Deno.bench({ name: "calibrate/cached", group: "calibrate", baseline: true }, async () => {
  const w = await calibratedWeights(out, { env });
  if (w.origin?.how !== "cached") throw new Error("the cache was not hit");
});
globalThis.addEventListener("unload", () => {
  Deno.removeSync(home, { recursive: true });
  Deno.removeSync(out, { recursive: true });
});
