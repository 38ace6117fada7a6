/**
 * Conformance suite: the same layer cases run against every framework (Hono's common-case idea).
 * Every framework must compute each layer exactly (simulated at toy N, and on node-seal for a
 * subset), and its executed ledger must equal its plan's counts.
 */
import { assertEquals, equal } from "@std/assert";
import {
  closeEnvs,
  countProgram,
  executeProgram,
  getPreset,
  type LayerProgram,
  type Preset,
  simulatePlan,
} from "../he/mod.ts";
import {
  applyMask,
  inputCount,
  type LayerShape,
  parseLayerSpec,
  referenceLayer,
} from "../nn/mod.ts";
import { randomModT, SeededRng } from "../base/mod.ts";
import { firstMismatch, layerOf, randomMask, toyPreset, weightCount } from "../test_util.ts";
import { type FrameworkName, FRAMEWORKS, planLayer } from "./mod.ts";

/** Layer cases every framework must run: kernels 1/3/5/7, strides 1/2, paddings, FC, BN. */
export const CONFORMANCE_CASES: readonly string[] = [
  "conv:h=6,w=6,ci=3,co=5,k=1",
  "conv:h=7,w=5,ci=4,co=6,k=3",
  "conv:h=8,w=8,ci=2,co=3,k=5",
  "conv:h=9,w=9,ci=3,co=4,k=3,s=2,p=1",
  "conv:h=10,w=10,ci=2,co=2,k=7,s=2,p=3",
  "conv:h=6,w=6,ci=5,co=4,k=3,p=0",
  "fc:in=60,out=9",
  "fc:in=5,out=70",
  "bn:c=3,h=5,w=7",
];

/** Toy parameters per framework for the simulator (NOT secure; never built in SEAL). */
const SIM_PRESET: Record<FrameworkName, Preset> = {
  gazelle: toyPreset(256),
  cryptflow2: toyPreset(256, 137352314881),
  cheetah: { ...toyPreset(256, 2 ** 37), encoding: "coefficient" },
};

function simulate(prog: LayerProgram, x: Float64Array, t: number) {
  const runs = prog.parts.map((p, i) => simulatePlan(p, x, 100 + i));
  return {
    result: runs.map((r) => r.result).reduce((a, b) => a.map((v, i) => (v + b[i]) % t)),
    // Deep equality, not JSON text: counts built in another order list their keys in another order.
    ledgersMatch: runs.every((r, i) =>
      equal(r.ledger, countProgram({ ...prog, parts: [prog.parts[i]] }))
    ),
  };
}

for (const framework of FRAMEWORKS) {
  Deno.test(`conformance: ${framework} computes every case exactly (simulated, with and without masks)`, () => {
    const preset = SIM_PRESET[framework];
    const rng = new SeededRng(77);
    for (const spec of CONFORMANCE_CASES) {
      const shape: LayerShape = parseLayerSpec(spec);
      const layer = layerOf(shape, rng.nextU32(), spec);
      const x = randomModT(inputCount(shape), preset.plainModulus, rng);
      for (const mask of [undefined, randomMask(weightCount(shape), 0.4, rng)]) {
        const masked = applyMask(layer, mask);
        const ref = referenceLayer(masked, x, preset.plainModulus);
        const prog = planLayer(layer, { framework, preset, mask });
        const { result, ledgersMatch } = simulate(prog, x, preset.plainModulus);
        assertEquals(firstMismatch(result, ref), -1, `${framework} ${spec} mask=${!!mask}`);
        assertEquals(ledgersMatch, true);
      }
    }
  });
}

/** The preset (by name) each framework runs the node-seal cases under. */
const HE_PRESET: Record<FrameworkName, string> = {
  gazelle: "gazelle",
  cryptflow2: "cryptflow2",
  cheetah: "cheetah",
};
const HE_CASES = [
  "conv:h=7,w=5,ci=4,co=6,k=3",
  "conv:h=9,w=9,ci=3,co=4,k=3,s=2,p=1",
  "fc:in=60,out=9",
  "bn:c=3,h=5,w=7",
];

for (const framework of FRAMEWORKS) {
  Deno.test(`conformance: ${framework} runs the cases on node-seal exactly, ledger == plan`, async () => {
    const preset = getPreset(HE_PRESET[framework]);
    const rng = new SeededRng(78);
    for (const spec of HE_CASES) {
      const layer = layerOf(parseLayerSpec(spec), rng.nextU32(), spec);
      const x = randomModT(inputCount(layer.shape), preset.plainModulus, rng);
      const prog = planLayer(layer, { framework, preset });
      const run = await executeProgram(prog, x);
      const ref = referenceLayer(layer, x, preset.plainModulus);
      assertEquals(firstMismatch(run.result, ref), -1, `${framework} ${spec}`);
      assertEquals(run.ledger, countProgram(prog), `${framework} ${spec} ledger`);
    }
    closeEnvs();
  });
}
