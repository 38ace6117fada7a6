import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import {
  countPlan,
  countProgram,
  cryptflow2Preset,
  getPreset,
  LEVEL_COUNTERS,
  MEASURED_UNIT_COSTS,
  type OpCounts,
  predictMs,
  tallyOp,
  zeroCounts,
} from "./mod.ts";
import { planLayer } from "../frameworks/mod.ts";
import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";

const program = (framework: string, spec: string) =>
  planLayer(syntheticLayer("l", parseLayerSpec(spec), 7), {
    framework: framework as "gazelle" | "cryptflow2",
    preset: framework === "gazelle" ? getPreset("gazelle") : cryptflow2Preset(),
  });

/** Counts of a program with every op at the top level: the convention before levels. */
function topLevelCounts(prog: ReturnType<typeof program>): OpCounts {
  const total = zeroCounts();
  for (const part of prog.parts) {
    const keySteps = new Set(part.keys.steps);
    part.ops.forEach((op) => tallyOp(total, op, keySteps, part.masks.ntt === false));
    total.cts_up += part.inputs;
    total.cts_down += part.outputs.filter((o) => o !== null).length;
  }
  return total;
}

const SPECS = [
  ["cryptflow2", "conv:h=16,w=16,ci=16,co=16,k=3,p=1"],
  ["cryptflow2", "conv:h=16,w=16,ci=8,co=16,k=3,s=2,p=1"],
  ["cryptflow2", "fc:in=512,out=10"],
  ["gazelle", "conv:h=16,w=16,ci=16,co=16,k=3,p=1"],
  ["gazelle", "fc:in=512,out=10"],
] as const;

Deno.test("per-level counts: the totals are the old counts, each _down counter a part of its total", () => {
  for (const [fw, spec] of SPECS) {
    const prog = program(fw, spec);
    const c = countProgram(prog);
    const { ...totals } = c;
    for (const k of LEVEL_COUNTERS) delete totals[`${k}_down`];
    assertEquals(totals, topLevelCounts(prog), `${fw} ${spec}`);
    for (const k of LEVEL_COUNTERS) {
      const down = c[`${k}_down`];
      assert(down === undefined || (down > 0 && down <= c[k]), `${fw} ${spec}: ${k}_down`);
    }
  }
});

Deno.test("CrypTFlow2 rotates its mod-switched partial sums below the top; GAZELLE never goes down", () => {
  const cf = countProgram(program("cryptflow2", "conv:h=16,w=16,ci=16,co=16,k=3,p=1"));
  // Every output-side rotation follows the switch after the MAC; the input side stays on top.
  assert(cf.perm_out > 0 && cf.key_switches_down! > 0);
  assert(cf.key_switches_down! < cf.key_switches);
  // The mask is added and the result flooded one level down; the products are on top.
  assertEquals([cf.add_mask_down, cf.flood_down, cf.mult_down], [cf.add_mask, cf.flood, undefined]);
  const gz = countProgram(program("gazelle", "conv:h=16,w=16,ci=16,co=16,k=3,p=1"));
  assertEquals(LEVEL_COUNTERS.filter((k) => gz[`${k}_down`] !== undefined), []);
});

Deno.test("predictMs charges the key switches after a mod switch at the lower level's cost", () => {
  const prog = program("cryptflow2", "conv:h=16,w=16,ci=16,co=16,k=3,p=1");
  const c = countPlan(prog.parts[0]);
  const unit = MEASURED_UNIT_COSTS.cryptflow2;
  const down = unit.down!;
  assert(down.keySwitch < unit.keySwitch);
  const flat = { ...unit, down: undefined };
  // Only the lower key switch cost moves the prediction, by exactly its count.
  const bumped = { ...unit, down: { ...down, keySwitch: down.keySwitch + 1 } };
  assertAlmostEquals(predictMs(c, bumped) - predictMs(c, unit), c.key_switches_down!, 1e-6);
  // Without costs one level down (older files), every op is priced at the top.
  assertAlmostEquals(
    predictMs(c, flat) - predictMs(c, unit),
    c.key_switches_down! * (unit.keySwitch - down.keySwitch) +
      (c.add_down ?? 0) * (unit.add - down.add) +
      (c.add_mask_down ?? 0) * (unit.add - down.add) +
      (c.flood_down ?? 0) * (unit.flood - down.flood) +
      (c.mod_switch_down ?? 0) * (unit.modSwitch - down.modSwitch) +
      (c.intt_down ?? 0) * (unit.intt - down.intt),
    1e-6,
  );
});
