import { assertEquals } from "@std/assert";
import { countPlan, countProgram, getPreset, simulatePlan } from "../../he/mod.ts";
import {
  applyMask,
  type FcShape,
  type IntLayer,
  parseLayerSpec,
  referenceLayer,
} from "../../nn/mod.ts";
import { randomModT, SeededRng } from "../../base/mod.ts";
import { firstMismatch, layerOf, randomMask, toyPreset } from "../../test_util.ts";
import { planGazelleFc } from "./fc.ts";
import { fcGeometry } from "../_hybrid_fc.ts";

const fc = (inp: number, out: number) => parseLayerSpec(`fc:in=${inp},out=${out}`) as FcShape;
/** The layer with its pruned weights zeroed: what `planLayer` hands the planner. */
const pruned = (layer: IntLayer<FcShape>, mask: Uint8Array | undefined) =>
  applyMask(layer, mask) as IntLayer<FcShape>;

Deno.test("planGazelleFc() --stock equals the hybrid closed forms (docs/frameworks.md §1.5, §7)", () => {
  // (n_o, n_i, N) from §7, plus the 512 → 512 worked example at n = 2048.
  const cases: [number, number, number][] = [
    [3, 5, 64],
    [10, 16, 64],
    [17, 8, 64],
    [32, 32, 64],
    [5, 30, 64],
    [64, 16, 128],
    [100, 8, 256],
    [512, 512, 2048],
  ];
  for (const [no, ni, n] of cases) {
    const prog = planGazelleFc(layerOf(fc(ni, no), 1), { preset: toyPreset(n), stock: true });
    const { D, L } = fcGeometry(fc(ni, no), n);
    const c = countProgram(prog);
    const tail = Math.log2(L / D);
    assertEquals(c.perm_in + c.perm_out, D - 1 + tail, `${no}x${ni}@${n} Perm`);
    assertEquals(c.mult, D, `${no}x${ni}@${n} Mult`);
    assertEquals(c.add, D - 1 + tail, `${no}x${ni}@${n} Add`);
  }
  const c = countProgram(planGazelleFc(layerOf(fc(512, 512), 1), {
    preset: getPreset("gazelle"),
    stock: true,
  }));
  assertEquals([c.perm_in + c.perm_out, c.mult, c.add], [129, 128, 129]);
});

Deno.test("planGazelleFc() computes W·x exactly, with outputs above and below slots / n_i", () => {
  const rng = new SeededRng(21);
  const cases: [number, number, number][] = [
    [3, 5, 64],
    [10, 16, 64],
    [17, 8, 64],
    [5, 30, 64],
    [100, 8, 256],
    [50, 60, 64], // input longer than half a ciphertext: 4 chunks
    [200, 10, 64], // more outputs than slots: 4 output ciphertexts
    [130, 100, 64], // both
    [1, 1, 64],
  ];
  for (const [no, ni, n] of cases) {
    const preset = toyPreset(n);
    const layer = layerOf(fc(ni, no), rng.nextU32());
    const x = randomModT(ni, preset.plainModulus, rng);
    for (const mask of [undefined, randomMask(ni * no, 0.3, rng)]) {
      const masked = pruned(layer, mask);
      const plan = planGazelleFc(masked, { preset }).parts[0];
      const { y, ledger } = simulatePlan(plan, x);
      assertEquals(
        firstMismatch(y, referenceLayer(masked, x, preset.plainModulus)),
        -1,
        `${no}x${ni}`,
      );
      assertEquals(ledger, countPlan(plan));
    }
  }
});

Deno.test("planGazelleFc() skips pruned weight diagonals with their rotation", () => {
  const shape = fc(64, 16);
  const layer = layerOf(shape, 3);
  const preset = toyPreset(256); // L = 64, pack = 4, D = 4
  const { D, L } = fcGeometry(shape, 256);
  assertEquals([D, L], [4, 64]);
  // Zero diagonal d = 2: weights (r, c) with (c − (r mod D)) mod L ≡ 2 ... as the packing reads
  // them: row β·D + (t mod D), column (t + d) mod L.
  const mask = new Uint8Array(64 * 16).fill(1);
  for (let r = 0; r < 16; r++) {
    for (let t = 0; t < L; t++) if (t % D === r % D) mask[r * 64 + ((t + 2) % L)] = 0;
  }
  const base = countProgram(planGazelleFc(layer, { preset }));
  const cut = countProgram(planGazelleFc(pruned(layer, mask), { preset }));
  assertEquals(base.perm_in - cut.perm_in, 1);
  assertEquals(base.mult - cut.mult, 1);
  assertEquals(base.add - cut.add, 1);
  assertEquals(base.perm_out, cut.perm_out); // the rotate-and-sum stays
});
