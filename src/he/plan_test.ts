import { assertEquals } from "@std/assert";
import { chooseKeys, galoisKeyBytes } from "./galois.ts";
import { countPlan, type LayerPlan, OpList } from "./plan.ts";
import { getPreset, securityLabel } from "./presets.ts";

Deno.test("countPlan() tallies each op kind and classifies rotations by side", () => {
  const preset = getPreset("gazelle");
  const plan: LayerPlan = {
    framework: "test",
    preset,
    layer: "hand-written",
    method: "-",
    stock: false,
    slots: 2048,
    geometry: {},
    inputs: 1,
    outputs: [3],
    ops: OpList.from([
      { kind: "rotate", dst: 1, src: 0, rot: { step: 5, swap: true }, side: "in" },
      { kind: "ntt", reg: 1 },
      { kind: "ntt", reg: 0 },
      { kind: "mul", dst: 2, src: 1, mask: 0 },
      { kind: "mul", dst: 3, src: 0, mask: 1 },
      { kind: "add", dst: 3, src: 2 },
      { kind: "intt", reg: 3 },
      { kind: "rotate", dst: 4, src: 3, rot: { step: 0, swap: true }, side: "out" },
    ]),
    masks: { count: 2, fill: () => {} },
    keys: { kind: "pow2", steps: [0, 1, -1, 2, -2, 4, -4] },
    downPrimes: 2,
    packInput: () => [],
    unpackOutput: () => new Float64Array(),
  };
  assertEquals(countPlan(plan), {
    perm_in: 1,
    perm_out: 1,
    rotate_rows: 1,
    rotate_columns: 2,
    key_switches: 2 + 1 + 1, // NAF(5) = 4 + 1, then two column swaps
    mult: 2,
    mult_coeff: 0,
    add: 1,
    mult_scalar: 0,
    extract: 0,
    ntt: 2,
    intt: 1,
    cts_up: 1,
    cts_down: 1,
    mod_switch: 0,
    add_mask: 0,
    enc_server: 0,
    flood: 0,
  });
});

Deno.test("chooseKeys() takes exact steps within the budget, else the ±2^i set", () => {
  const rots = [{ step: 3, swap: false }, { step: -7, swap: true }, { step: 3, swap: false }];
  const per = galoisKeyBytes(2048, 3);
  assertEquals(chooseKeys(rots, 2048, 3, 3 * per), { kind: "exact", steps: [0, -7, 3] });
  const pow2 = chooseKeys(rots, 2048, 3, 2 * per);
  assertEquals(pow2.kind, "pow2");
  assertEquals(pow2.steps.length, 1 + 2 * 10); // swap + ±2^0 … ±2^9
});

Deno.test("securityLabel() marks the insecure preset wherever it shows", () => {
  assertEquals(securityLabel(getPreset("gazelle-secure")), "128-bit secure");
  assertEquals(
    securityLabel(getPreset("gazelle")),
    "NOT 128-bit secure (security level none, N = 2048, log q = 160)",
  );
});
