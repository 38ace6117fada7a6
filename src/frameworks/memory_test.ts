import { assert, assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../base/mod.ts";
import { getPreset, type LayerProgram, sealMemory } from "../he/mod.ts";
import {
  buildZoo,
  type IntLayer,
  type LayerShape,
  parseLayerSpec,
  quantizedLayers,
  syntheticLayer,
} from "../nn/mod.ts";
import { layerCounts, type MemoryPlanOptions } from "./_memory.ts";
import { checkLayerMemory, layerMemory, planLayer, type PlanOptions } from "./mod.ts";

const gazelle = getPreset("gazelle"), cryptflow2 = getPreset("cryptflow2");
const cheetah = getPreset("cheetah");

/** Every option set a layer is planned under here: every framework and method, stock or not. */
const OPTIONS: PlanOptions[] = [false, true].flatMap((stock) => [
  ...(["or", "ir", "auto"] as const).map((method) =>
    ({ framework: "gazelle", preset: gazelle, method, stock }) as const
  ),
  { framework: "cryptflow2", preset: cryptflow2, stock } as const,
  ...(["coeff", "ntt"] as const).map((method) =>
    ({ framework: "cheetah", preset: cheetah, method, stock }) as const
  ),
]);

/** Shapes beyond the zoo's: strides, odd paddings, row splits, 1×1 maps, wide FCs, BatchNorm. */
const SPECS = [
  "conv:h=28,w=28,ci=1,co=5,k=5",
  "conv:h=16,w=16,ci=128,co=128,k=3",
  "conv:h=14,w=14,ci=64,co=128,k=1,s=2,p=0",
  "conv:h=15,w=13,ci=6,co=10,k=5,s=3,p=2",
  "conv:h=64,w=64,ci=4,co=6,k=3",
  "conv:h=40,w=8,ci=3,co=3,k=3,p=0,pr=1",
  "conv:h=1,w=1,ci=300,co=70,k=1,p=0",
  "conv:h=8,w=8,ci=2,co=2,k=1,s=9,p=0",
  "fc:in=4096,out=10",
  "fc:in=300,out=3000",
  "fc:in=5000,out=700",
  "bn:c=64,h=32,w=32",
  "bn:c=3,h=5,w=7",
];

/** The layers compared: zoo models at width 0.25 (dense, synthetic weights) and `SPECS`. */
function layers(): IntLayer[] {
  const zoo = ["vgg16-cifar10", "resnet18-tinyimagenet"].flatMap((m) =>
    quantizedLayers(buildZoo(m, { width: 0.25 })).map(({ layer }) => layer)
  );
  return [...zoo, ...SPECS.map((s, i) => syntheticLayer(s, parseLayerSpec(s), i + 1))];
}

function plan(layer: IntLayer, opts: PlanOptions): LayerProgram | null {
  try {
    return planLayer(layer, opts);
  } catch (e) {
    if (e instanceof UserError) return null; // IR of a row split, SCI past N = 32768: refused
    throw e;
  }
}

const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);

Deno.test("layerMemory() bounds the built plan: masks, ops, keys, SEAL bytes (mask bank within 2.5×, SEAL 4×)", () => {
  let compared = 0, worst = 0;
  for (const layer of layers()) {
    for (const opts of OPTIONS) {
      const program = plan(layer, opts);
      if (!program) continue;
      compared++;
      const what = `${layer.name} ${JSON.stringify(opts)}`;
      const counts = layerCounts(layer.shape, opts);
      const parts = program.parts;
      assert(sum(counts, (c) => c.masks) >= sum(parts, (p) => p.masks.count), `${what}: masks`);
      assert(sum(counts, (c) => c.ops) >= sum(parts, (p) => p.ops.length), `${what}: ops`);
      for (const p of parts) {
        if (p.keys.kind !== "exact") continue;
        assert(Math.max(...counts.map((c) => c.keySteps)) >= p.keys.steps.length, `${what}: keys`);
      }
      const est = layerMemory(layer.shape, layer.name, opts).execution;
      const real = sealMemory(parts);
      for (const k of ["masks", "galoisKeys", "ciphertexts", "seal"] as const) {
        assert(est[k] >= real[k], `${what}: ${k} ${est[k]} < ${real[k]}`);
      }
      // Tight for one method (auto may plan IR beside OR, so its bound holds both).
      const one = opts.framework !== "gazelle" || opts.method !== "auto";
      const masks = sum(parts, (p) => p.masks.count);
      if (one && masks >= 4) {
        worst = Math.max(worst, est.masks / real.masks);
        assert(est.masks <= 2.5 * real.masks, `${what}: mask bank ${est.masks} vs ${real.masks}`);
        assert(est.seal <= 4 * real.seal, `${what}: SEAL ${est.seal} vs ${real.seal}`);
      }
    }
  }
  assert(compared > 300, `${compared} plans compared`);
  assert(worst > 1, "some layer has structurally zero masks the bound counts");
});

Deno.test("layerMemory() bounds pruned plans too (a mask only removes products)", () => {
  const layer = syntheticLayer("c", parseLayerSpec("conv:h=16,w=16,ci=32,co=32,k=3"), 1);
  const mask = Uint8Array.from(layer.weights, (_, i) => (i % 3 === 0 ? 1 : 0));
  for (const opts of OPTIONS) {
    const program = planLayer(layer, { ...opts, mask });
    const est = layerMemory(layer.shape, "c", { ...opts, mask });
    assert(est.execution.seal >= sealMemory(program.parts).seal);
    assertEquals(est.planning.weights, layer.weights.length * 9); // weights, masked copy, mask
  }
});

/**
 * Plan `spec` in a fresh process with `--expose-gc` and report what planning retains (JavaScript
 * heap and array buffers, after collection, with the plan alive) beside the estimate.
 */
async function measured(spec: string, opts: string): Promise<{ retained: number; est: number }> {
  const mod = (p: string) => new URL(p, import.meta.url).href;
  const code = `
    import { layerMemory, planLayer } from "${mod("./mod.ts")}";
    import { getPreset } from "${mod("../he/mod.ts")}";
    import { parseLayerSpec, syntheticLayer } from "${mod("../nn/mod.ts")}";
    const opts = ${opts};
    const shape = parseLayerSpec("${spec}");
    const used = () => { globalThis.gc(); globalThis.gc(); const m = Deno.memoryUsage(); return m.heapUsed + m.external; };
    const before = used();
    const layer = syntheticLayer("x", shape, 1);
    const program = planLayer(layer, opts);
    const retained = used() - before;
    console.log(JSON.stringify({ retained, est: layerMemory(shape, "x", opts).planning.total, parts: program.parts.length }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--expose-gc", code],
    cwd: new URL("../..", import.meta.url).pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, err);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("layerMemory() bounds what planning really retains, within 4×", async () => {
  const g = (method: string) =>
    `{ framework: "gazelle", preset: getPreset("gazelle"), method: "${method}" }`;
  const c = `{ framework: "cryptflow2", preset: getPreset("cryptflow2") }`;
  const ch = (method: string) =>
    `{ framework: "cheetah", preset: getPreset("cheetah"), method: "${method}" }`;
  const cases: [string, string][] = [
    ["conv:h=32,w=32,ci=256,co=256,k=3", g("or")],
    ["conv:h=16,w=16,ci=128,co=128,k=3", g("ir")],
    ["conv:h=64,w=64,ci=64,co=64,k=3", g("auto")],
    ["conv:h=32,w=32,ci=256,co=256,k=3", c],
    ["conv:h=32,w=32,ci=128,co=256,k=3,s=2", c],
    ["fc:in=4096,out=4096", g("or")],
    ["conv:h=16384,w=8,ci=2,co=2,k=3", g("or")],
    ["conv:h=32,w=32,ci=256,co=256,k=3", ch("coeff")],
    ["conv:h=4,w=4,ci=512,co=512,k=3", ch("ntt")],
    ["fc:in=4096,out=4096", ch("coeff")],
  ];
  for (const [spec, opts] of cases) {
    const { retained, est } = await measured(spec, opts);
    assert(retained > 2e6, `${spec}: ${retained} bytes retained (a real plan)`);
    assert(est >= retained, `${spec} ${opts}: estimate ${est} < retained ${retained}`);
    assert(est <= 4 * retained, `${spec} ${opts}: estimate ${est} > 4 × retained ${retained}`);
  }
});

Deno.test("planLayer() refuses a layer over the memory limit before touching its weights", () => {
  const before = Deno.env.get("MOSAIC_MAX_MEMORY");
  Deno.env.set("MOSAIC_MAX_MEMORY", "64MB");
  try {
    // The weights are a stand-in: a layer this size could not be allocated, and is never read.
    const huge = (shape: LayerShape): IntLayer => ({
      name: "huge",
      shape,
      weights: new Int32Array(1),
    });
    const shapes: LayerShape[] = [
      { kind: "fc", in: 1e9, out: 6 },
      { kind: "conv", h: 8, w: 8, ci: 10000000, co: 2, k: 3, s: 1, p: 1 },
      { kind: "bn", c: 1, h: 1e12, w: 1 },
    ];
    for (const shape of shapes) {
      for (const opts of OPTIONS) {
        assertThrows(
          () => planLayer(huge(shape), opts),
          UserError,
          `Layer huge under ${opts.framework} needs an estimated`,
        );
      }
    }
    // A small layer plans as before under the same limit.
    const small = syntheticLayer("s", parseLayerSpec("conv:h=8,w=8,ci=4,co=4,k=3"), 3);
    assertEquals(planLayer(small, OPTIONS[0]).parts.length, 1);
  } finally {
    if (before === undefined) Deno.env.delete("MOSAIC_MAX_MEMORY");
    else Deno.env.set("MOSAIC_MAX_MEMORY", before);
  }
});

Deno.test("checkLayerMemory() refuses execution past the 4 GiB WebAssembly heap, not planning", () => {
  const shape: LayerShape = { kind: "fc", in: 16384, out: 16384 }; // past the spec's bounds
  const opts: MemoryPlanOptions = { framework: "gazelle", preset: gazelle };
  checkLayerMemory(shape, "fc", opts); // 1 GB of weights and a few MB of plan
  assertThrows(
    () => checkLayerMemory(shape, "fc", opts, { execute: true }),
    UserError,
    "of SEAL objects to execute (masks 4.3 GB",
  );
});
