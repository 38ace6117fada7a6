/**
 * `deno task calibrate [--out reports/calibration.json]`: measure the unit HE ops (the closures
 * `bench/he_ops_bench.ts` times; the fastest of repeated batches, CPU time, at the top level and
 * one level down) for every framework's study preset on this machine and write them, with the
 * manifest, for `deno task report` to predict with. The study measures the same by itself when
 * no such file exists (and caches it); this file pins one measurement.
 *
 * @module
 */
import { checkOutputFile, OutputStage } from "../src/base/mod.ts";
import { CALIBRATION_FORMAT } from "../src/cost/mod.ts";
import { FRAMEWORKS } from "../src/frameworks/mod.ts";
import { closeEnvs, measureUnitCosts, timingClock } from "../src/he/mod.ts";
import { buildManifest, studyPreset } from "../src/study/mod.ts";
import { type Help, parseFlags, progress, runMain } from "./_cli.ts";

const HELP: Help = {
  usage: "deno task calibrate [--out FILE.json]",
  about:
    "Measure the unit HE ops of every framework's study preset on this machine and write them,\n" +
    "with the manifest, for deno task report to predict with.",
  options: [
    { flag: "--out FILE.json", default: "reports/calibration.json", what: "the calibration file" },
  ],
  examples: ["deno task calibrate", "deno task calibrate --out /tmp/calibration.json"],
};

async function main(): Promise<number> {
  const args = parseFlags(Deno.args, { string: ["out"], help: HELP });
  const out = args.out ?? "reports/calibration.json";
  await checkOutputFile(out, "--out"); // before the measurements, not after
  const unit: Record<string, unknown> = {};
  const presets = [];
  for (const fw of FRAMEWORKS) {
    const preset = studyPreset(fw);
    presets.push(preset);
    progress(`measuring unit ops of ${preset.name} (${fw})`);
    unit[fw] = await measureUnitCosts(preset);
    closeEnvs();
  }
  await using stage = new OutputStage();
  await stage.write(
    out,
    JSON.stringify(
      {
        format: CALIBRATION_FORMAT,
        manifest: buildManifest(presets, {}, "none (unit ops on random data)"),
        statistic: timingClock().statistic,
        unit_costs: unit,
      },
      null,
      2,
    ) + "\n",
    "--out",
  );
  await stage.commit();
  console.log(JSON.stringify(unit, null, 2));
  progress(`wrote ${out}`);
  return 0;
}

if (import.meta.main) await runMain(main);
