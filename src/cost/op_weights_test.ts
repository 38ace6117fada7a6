import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { CALIBRATION_FORMAT, parseOpWeights, readCalibration } from "./op_weights.ts";
import { MEASURED_UNIT_COSTS } from "../he/mod.ts";

Deno.test("calibration files are read back; corrupt ones are one clear error", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/calibration.json`;
  assertEquals(await readCalibration(path), null);
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      format: CALIBRATION_FORMAT,
      manifest: { cpu: "Test CPU", created: "2026-12-01T10:00:00.000Z" },
      unit_costs: { gazelle: MEASURED_UNIT_COSTS.gazelle },
    }),
  );
  const w = (await readCalibration(path))!;
  assert(w.name.includes("Test CPU"));
  // The report says where and when the predictions' unit costs were measured.
  assertEquals(w.origin, {
    kind: "calibrated",
    cpu: "Test CPU",
    measured: "2026-12-01T10:00:00.000Z",
    how: "file",
  });
  assertEquals(w.byFramework.gazelle.keySwitch, MEASURED_UNIT_COSTS.gazelle.keySwitch);
  await Deno.writeTextFile(path, "{");
  await assertRejects(() => readCalibration(path), Error, "not valid JSON");
  await Deno.writeTextFile(path, '{"format":"other"}');
  await assertRejects(() => readCalibration(path), Error, "deno task calibrate");
  await Deno.writeTextFile(
    path,
    JSON.stringify({ format: CALIBRATION_FORMAT, unit_costs: { gazelle: { mult: -1 } } }),
  );
  await assertRejects(
    () => readCalibration(path),
    Error,
    "unit_costs.gazelle.mult: must be ≥ 0, got -1: run deno task calibrate",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("user op weights: one set for all frameworks or one per framework", () => {
  const all = parseOpWeights('{"name":"n","keySwitch":19,"mult":12,"add":1}', "w.json");
  assertEquals(all.name, "n");
  assertEquals(all.byFramework.gazelle.ntt, 0);
  assertEquals(all.byFramework.cryptflow2.keySwitch, 19);
  const per = parseOpWeights('{"gazelle":{"add":1},"cryptflow2":{"add":2}}', "w.json");
  assertEquals([per.byFramework.gazelle.add, per.byFramework.cryptflow2.add], [1, 2]);
  // Cheetah's own ops, per framework; absent ones weigh 0 and are not "beside" the frameworks.
  const ch = parseOpWeights('{"cheetah":{"extract":2,"multCoeff":3}}', "w.json");
  assertEquals([ch.byFramework.cheetah.extract, ch.byFramework.cheetah.multScalar], [2, 0]);
  assertEquals(all.byFramework.cheetah.mult, 12);
  assertThrows(() => parseOpWeights("[", "w.json"), Error, "not valid JSON");
  assertThrows(() => parseOpWeights("{}", "w.json"), Error, "give at least one");
  assertThrows(
    () => parseOpWeights('{"add":"x"}', "w.json"),
    Error,
    'Op weights file w.json: add: expected a number, got "x"',
  );
});
