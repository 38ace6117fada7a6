import { assert, assertEquals } from "@std/assert";
import { prune } from "./prune.ts";
import { DEFAULT_FLOOR, Floors } from "./floors.ts";
import { getPreset } from "../he/mod.ts";
import { loadModel } from "../nn/mod.ts";

const TRAINED = ["vgg16-fashionmnist-trained", "resnet18-fashionmnist-trained"];

/** Kept weights of each output channel (row) of a layer mask with `rows` channels. */
function rowKept(mask: Uint8Array, rows: number): number[] {
  const per = mask.length / rows;
  return Array.from(
    { length: rows },
    (_, r) => mask.subarray(r * per, (r + 1) * per).reduce((a, v) => a + v, 0),
  );
}

Deno.test("trained zoo: no layer and no output channel is emptied at any study budget (both methods, every framework)", async () => {
  for (const model of TRAINED) {
    const net = await loadModel(model);
    const rows = new Map(
      net.nodes.flatMap((n) =>
        n.op === "Conv"
          ? [[n.name, n.co] as const]
          : n.op === "Gemm"
          ? [[n.name, n.out] as const]
          : []
      ),
    );
    for (const framework of ["gazelle", "cryptflow2", "cheetah"]) {
      for (const method of ["hunter", "mosaic"] as const) {
        const ratios = framework === "cheetah"
          ? [0.7]
          : method === "hunter"
          ? [0.1, 0.2, 0.3, 0.5, 0.7]
          : [0.5, 0.7];
        for (const ratio of ratios) {
          const { masks, report } = prune(net, {
            method,
            framework,
            preset: getPreset(framework),
            budget: { kind: "sparsity", ratio },
            fidelitySamples: 0,
          });
          const at = `${model} ${framework} ${method} ${ratio}`;
          // Cheetah's structures are whole kernel polynomials: on small maps a polynomial holds
          // every input channel, a whole filter, which the channel floor keeps; so the budget is
          // met only as far as the other layers allow (docs/methods.md, "Under Cheetah").
          if (framework === "cheetah") assert(report.totals.sparsity > 0, at);
          else {
            assert(
              report.totals.sparsity >= ratio - 0.01,
              `${at}: budget met (${report.totals.sparsity})`,
            );
          }
          for (const [name, mask] of masks) {
            const kept = mask.reduce((a, v) => a + v, 0);
            assert(
              kept >= DEFAULT_FLOOR * mask.length,
              `${at}: ${name} keeps ${kept} of ${mask.length}`,
            );
            const perRow = rowKept(mask, rows.get(name)!);
            assert(perRow.every((k) => k >= 1), `${at}: ${name} has an emptied output channel`);
          }
        }
      }
    }
  }
});

Deno.test("the raw global ranking without floors still guts trained layers (the failure the default avoids)", async () => {
  const net = await loadModel("vgg16-fashionmnist-trained");
  const { report, masks } = prune(net, {
    method: "hunter",
    framework: "cryptflow2",
    preset: getPreset("cryptflow2"),
    budget: { kind: "sparsity", ratio: 0.7 },
    importance: "raw",
    floor: 0,
    fidelitySamples: 0,
  });
  assertEquals([report.importance, report.floor], ["raw", 0]);
  const gutted = report.layers.filter((l) => l.kept < DEFAULT_FLOOR * l.weights).map((l) => l.name);
  assert(gutted.length >= 3, `layers below the floor: ${gutted.join(", ") || "none"}`);
  const first = rowKept(masks.get("features.0")!, 16);
  assert(first.some((k) => k === 0), "an output channel of features.0 is emptied");
});

Deno.test("Floors refuses a removal that crosses the layer or a channel floor", () => {
  // 2 output channels × 10 weights, floor 0.2: each channel keeps ≥ 2, the layer ≥ 4.
  const state = {
    kept: new Uint8Array(20).fill(1),
    s: { shape: { kind: "fc" as const, in: 10, out: 2 } },
  };
  const f = new Floors(state, 0.2);
  assert(f.allows([0, 1, 2, 3, 4, 5, 6, 7]), "channel 0 keeps 2");
  assert(!f.allows([0, 1, 2, 3, 4, 5, 6, 7, 8]), "channel 0 would keep 1");
  f.remove([0, 1, 2, 3, 4, 5, 6, 7]);
  state.kept.fill(0, 0, 8);
  assert(f.allows([10, 11, 12, 13, 14, 15, 16, 17]), "layer keeps 4");
  assert(!f.allows([8, 10, 11, 12, 13, 14, 15, 16, 17]), "channel 0 would keep 1");
  const none = new Floors({ kept: new Uint8Array(20).fill(1), s: state.s }, 0);
  assert(none.allows(Array.from({ length: 20 }, (_, j) => j)), "floor 0 allows emptying");
});
