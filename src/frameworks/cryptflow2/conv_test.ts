import { assertEquals } from "@std/assert";
import { countPlan, getPreset } from "../../he/mod.ts";
import { type ConvShape, type IntLayer, syntheticLayer } from "../../nn/mod.ts";
import { planCryptflow2Conv, seal33KeySwitches } from "./conv.ts";

const preset = getPreset("cryptflow2");

/**
 * frameworks.md §3.2, SCI-HE per-layer counts (N = 8192, all weights non-zero):
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

Deno.test("planCryptflow2Conv() --stock reproduces SCI's MiniONN table (frameworks.md §3.2)", () => {
  checkTable(MINIONN, MINIONN_TOTAL, "MiniONN");
});

Deno.test("planCryptflow2Conv() --stock reproduces SCI's ResNet-32 table (frameworks.md §3.2)", () => {
  checkTable(RESNET32, RESNET32_TOTAL, "ResNet-32");
});
