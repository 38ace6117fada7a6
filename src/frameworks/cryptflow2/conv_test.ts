import { assert, assertEquals, assertThrows } from "@std/assert";
import { countPlan, countProgram, getPreset, simulatePlan } from "../../he/mod.ts";
import {
  applyMask,
  type ConvShape,
  type IntLayer,
  parseLayerSpec,
  referenceLayer,
  syntheticLayer,
} from "../../nn/mod.ts";
import { randomModT, SeededRng, UserError } from "../../base/mod.ts";
import { firstMismatch, randomMask, toyPreset, weightCount } from "../../test_util.ts";
import { planCryptflow2Conv, sciSlots, seal33KeySwitches } from "./conv.ts";

const preset = getPreset("cryptflow2");

/**
 * docs/frameworks.md §3.2, SCI-HE per-layer counts (N = 8192, all weights non-zero):
 * [H, Ci, Co, F, padTop, padBottom, stride, ×, phases, inp_ct, out_ct, in_rot, out_rot, col,
 *  ScMult, Add, keysw33].
 */
type Row = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

const MINIONN: Row[] = [
  [32, 3, 64, 3, 1, 1, 1, 1, 1, 1, 16, 8, 32, 16, 576, 688, 65],
  [32, 64, 64, 3, 1, 1, 1, 1, 1, 16, 16, 128, 32, 16, 9216, 9328, 320],
  [16, 64, 64, 3, 1, 1, 1, 2, 1, 4, 4, 32, 56, 4, 2304, 2380, 144],
  [16, 64, 64, 3, 0, 1, 2, 1, 4, 4, 4, 5, 249, 3, 576, 843, 505],
  [8, 64, 64, 1, 0, 0, 1, 1, 1, 1, 1, 0, 63, 0, 64, 130, 141],
  [8, 64, 16, 1, 0, 0, 1, 1, 1, 1, 1, 0, 63, 0, 64, 130, 141],
];
const MINIONN_TOTAL = [31, 46, 205, 551, 43, 15104, 15879, 1460];

const RESNET32: Row[] = [
  [34, 3, 16, 3, 0, 0, 1, 1, 1, 1, 4, 8, 8, 4, 144, 172, 29],
  [32, 16, 16, 3, 1, 1, 1, 10, 1, 4, 4, 32, 8, 4, 576, 604, 80],
  [32, 16, 16, 1, 0, 0, 1, 1, 1, 2, 2, 0, 12, 2, 32, 54, 14],
  [32, 16, 32, 3, 0, 1, 2, 1, 4, 4, 7, 5, 114, 7, 288, 437, 168],
  [16, 32, 32, 3, 1, 1, 1, 9, 1, 2, 2, 16, 28, 2, 576, 614, 72],
  [32, 16, 32, 1, 0, 0, 2, 1, 1, 1, 1, 0, 30, 1, 32, 67, 47],
  [16, 32, 64, 3, 0, 1, 2, 1, 4, 4, 4, 5, 249, 3, 576, 843, 505],
  [8, 64, 64, 3, 1, 1, 1, 9, 1, 1, 1, 8, 62, 1, 576, 643, 136],
  [16, 32, 64, 1, 0, 0, 2, 1, 1, 1, 1, 0, 63, 0, 64, 130, 141],
];
const RESNET32_TOTAL = [80, 86, 554, 1366, 84, 17264, 19056, 3576];

function sciColumns(row: Row): number[] {
  const [h, ci, co, k, pt, pb, s] = row;
  const shape: ConvShape = { kind: "conv", h, w: h, ci, co, k, s, p: pt, pads: [pt, pt, pb, pb] };
  const layer = syntheticLayer(`${h}x${h} ${ci}->${co}`, shape, 1) as IntLayer<ConvShape>;
  const prog = planCryptflow2Conv(layer, { preset, stock: true });
  const c = prog.parts.map(countPlan);
  const sum = (f: (x: (typeof c)[number]) => number) => c.reduce((a, x) => a + f(x), 0);
  return [
    prog.parts.length,
    prog.parts.reduce((a, p) => a + p.inputs, 0),
    prog.parts.reduce((a, p) => a + p.outputs.length, 0),
    sum((x) => x.perm_in),
    sum((x) => x.perm_out - x.rotate_columns),
    sum((x) => x.rotate_columns),
    sum((x) => x.mult),
    sum((x) => x.add + x.add_mask), // SCI's Add includes the mask add
    prog.parts.reduce((a, p) => a + seal33KeySwitches(p), 0),
  ];
}

function checkTable(rows: Row[], total: number[], name: string) {
  const acc = new Array(8).fill(0);
  for (const row of rows) {
    const got = sciColumns(row);
    assertEquals(got, row.slice(8), `${name} ${row.slice(0, 7).join(",")}`);
    const times = row[7];
    [1, 2, 3, 4, 5, 6, 7, 8].forEach((col, i) => (acc[i] += times * got[col]));
  }
  assertEquals(acc, total, `${name} totals`);
}

Deno.test("planCryptflow2Conv() --stock reproduces SCI's MiniONN table (docs/frameworks.md §3.2)", () => {
  checkTable(MINIONN, MINIONN_TOTAL, "MiniONN");
});

Deno.test("planCryptflow2Conv() --stock reproduces SCI's ResNet-32 table (docs/frameworks.md §3.2)", () => {
  checkTable(RESNET32, RESNET32_TOTAL, "ResNet-32");
});

/** Simulate every part of a program and add the parts' results (what the client reconstructs). */
function simulateProgram(prog: ReturnType<typeof planCryptflow2Conv>, x: Float64Array, t: number) {
  const parts = prog.parts.map((p, i) => simulatePlan(p, x, 7 + i));
  const result = parts.map((p) => p.result).reduce((a, b) => a.map((v, i) => (v + b[i]) % t));
  for (const [i, p] of prog.parts.entries()) assertEquals(parts[i].ledger, countPlan(p));
  return result;
}

// (spec, base N): docs/frameworks.md §7 shapes (square kernels) and the cases the issue names.
const SIM: [string, number][] = [
  ["conv:h=4,w=4,ci=5,co=7,k=3,p=0", 64],
  ["conv:h=4,w=4,ci=1,co=1,k=1,p=0", 64],
  ["conv:h=4,w=4,ci=3,co=17,k=3,p=0", 64],
  ["conv:h=5,w=5,ci=20,co=3,k=3,p=0", 128],
  ["conv:h=4,w=4,ci=9,co=5,k=3,p=0", 128],
  ["conv:h=2,w=2,ci=40,co=9,k=1,p=0", 128],
  ["conv:h=3,w=3,ci=7,co=7,k=3,p=0", 256],
  ["conv:h=8,w=8,ci=5,co=7,k=3,p=1", 256],
  ["conv:h=9,w=9,ci=4,co=6,k=3,s=2,p=1", 256],
  ["conv:h=12,w=12,ci=3,co=5,k=7,s=2,p=3", 256],
  ["conv:h=8,w=8,ci=6,co=4,k=1,s=2,p=0", 64],
  ["conv:h=6,w=6,ci=30,co=3,k=3,p=1", 128], // one output half, two input halves: fold
  ["conv:h=4,w=4,ci=3,co=40,k=3,p=1", 128], // many output halves, odd count
  ["conv:h=7,w=7,ci=3,co=4,k=3,s=2,pt=0,pl=0,pb=1,pr=1", 256],
];

Deno.test("planCryptflow2Conv() computes the reference convolution exactly (simulated, stock and aware)", () => {
  const rng = new SeededRng(31);
  for (const [spec, n] of SIM) {
    const preset = toyPreset(n, 137352314881);
    const shape = parseLayerSpec(spec) as ConvShape;
    const layer = syntheticLayer(spec, shape, rng.nextU32()) as IntLayer<ConvShape>;
    const x = randomModT(shape.ci * shape.h * shape.w, preset.plainModulus, rng);
    for (const mask of [undefined, randomMask(weightCount(shape), 0.3, rng)]) {
      const masked = applyMask(layer, mask) as IntLayer<ConvShape>;
      const ref = referenceLayer(masked, x, preset.plainModulus);
      for (const stock of [false, true]) {
        const prog = planCryptflow2Conv(masked, { preset, stock });
        const got = simulateProgram(prog, x, preset.plainModulus);
        assertEquals(firstMismatch(got, ref), -1, `${spec} N≥${n} stock=${stock} mask=${!!mask}`);
      }
    }
  }
});

Deno.test("pruning-aware SCI plans skip empty partial sums that stock SCI rotates", () => {
  // 8×8 (10×10 padded, S = 128, c_ph = 32), 64 → 64: two output halves, hp = 2.
  const shape = parseLayerSpec("conv:h=8,w=8,ci=64,co=64,k=3,p=1") as ConvShape;
  const layer = syntheticLayer("l", shape, 2) as IntLayer<ConvShape>;
  const mask = new Uint8Array(weightCount(shape)).fill(1);
  // Prune every kernel (o, i) with (i − o) mod 32 = 5: the partials for r = 5 (both halves) empty.
  for (let o = 0; o < 64; o++) {
    for (let i = 0; i < 64; i++) {
      if (((i % 32) - (o % 32) + 32) % 32 === 5) {
        mask.fill(0, (o * 64 + i) * 9, (o * 64 + i + 1) * 9);
      }
    }
  }
  const pruned = applyMask(layer, mask) as IntLayer<ConvShape>;
  const stock = countProgram(planCryptflow2Conv(pruned, { preset, stock: true }));
  const aware = countProgram(planCryptflow2Conv(pruned, { preset }));
  assertEquals(stock.rotate_rows - stock.perm_in - (aware.rotate_rows - aware.perm_in), 2);
  assertEquals(stock.mult, aware.mult); // SCI itself skips all-zero masks
  assertEquals(stock.mult, 9 * 62);
  assert(stock.add > aware.add, "stock sums start from an encryption of zero");
});

Deno.test("SCI's ring degree grows for large maps; N = 65536 is refused with one line", () => {
  assertEquals(sciSlots(34 * 34, 8192), 8192);
  assertEquals(sciSlots(66 * 66, 8192), 16384);
  assertEquals(sciSlots(114 * 114, 8192), 32768);
  const big = syntheticLayer(
    "tiny-imagenet.conv1",
    parseLayerSpec("conv:h=64,w=64,ci=3,co=64,k=3,p=1"),
    1,
  );
  const prog = planCryptflow2Conv(big as IntLayer<ConvShape>, { preset });
  assertEquals(prog.parts[0].slots, 16384);
  assertEquals(prog.parts[0].preset.name, "cryptflow2-N16384");
  const huge = syntheticLayer("stem", parseLayerSpec("conv:h=128,w=128,ci=3,co=8,k=3,p=1"), 1);
  assertThrows(
    () => planCryptflow2Conv(huge as IntLayer<ConvShape>, { preset }),
    UserError,
    "Layer stem: stride phase (0,0) has a 130×130 sub-image, for which SCI would use N = 65536",
  );
  // Stride decomposition keeps ImageNet's 224² stem within 32768, as in SCI.
  const stem = syntheticLayer("stem", parseLayerSpec("conv:h=224,w=224,ci=3,co=64,k=7,s=2,p=3"), 1);
  const s = planCryptflow2Conv(stem as IntLayer<ConvShape>, { preset });
  assertEquals(s.parts.map((p) => p.slots), [32768, 32768, 32768, 32768]);
});

Deno.test("a shape-only layer is dense: --stock Mult equals SCI's closed form (ResNet-50 56×56×64×64)", () => {
  // 18432 is the dense count (every weight nonzero). A synthetic weight of 0 let SCI's
  // zero-mask skip drop a product: 18431 before shape-only weights were drawn without 0.
  const shape: ConvShape = { kind: "conv", h: 56, w: 56, ci: 64, co: 64, k: 3, s: 1, p: 1 };
  const layer = syntheticLayer("res2", shape, 1) as IntLayer<ConvShape>;
  assert(layer.weights.every((v) => v !== 0), "synthetic weights are never 0");
  const prog = planCryptflow2Conv(layer, { preset, stock: true });
  assertEquals(prog.parts.reduce((a, p) => a + countPlan(p).mult, 0), 18432);
});
