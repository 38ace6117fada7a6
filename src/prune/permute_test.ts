import { assert, assertEquals, assertThrows } from "@std/assert";
import { checkPermutations, invert, permuteMasks, permuteNetwork, tieKey } from "./permute.ts";
import { prune } from "./prune.ts";
import {
  buildZoo,
  channelTies,
  exportOnnx,
  forward,
  maskNetwork,
  type Network,
  runOnnx,
  ZOO_MODELS,
} from "../nn/mod.ts";
import { SeededRng } from "../base/mod.ts";
import { getPreset } from "../he/mod.ts";

function randomPerms(net: Network, seed: number): Map<string, Int32Array> {
  const rng = new SeededRng(seed);
  const perms = new Map<string, Int32Array>();
  for (const tie of channelTies(net)) {
    if (tie.fixed) continue;
    const p = Int32Array.from({ length: tie.channels }, (_, i) => i);
    for (let i = p.length - 1; i > 0; i--) {
      const j = rng.int(0, i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    perms.set(tieKey(tie), p);
  }
  return perms;
}

function input(net: Network, seed: number): Float32Array {
  const rng = new SeededRng(seed);
  const { c, h, w } = net.input;
  return Float32Array.from({ length: c * h * w }, () => 2 * rng.next() - 1);
}

function close(a: Float32Array, b: Float32Array, what: string) {
  assertEquals(a.length, b.length);
  const scale = Math.max(1, ...Array.from(a, Math.abs));
  a.forEach((v, i) => assert(Math.abs(v - b[i]) <= 1e-5 * scale, `${what}[${i}]: ${v} vs ${b[i]}`));
}

Deno.test("permuting channels preserves every zoo model's function (IR forward and onnxruntime-web)", async () => {
  for (const model of ZOO_MODELS) {
    const net = buildZoo(model, { width: 0.125 });
    const perms = randomPerms(net, 5);
    assert(perms.size >= 5, `${model} has free channel ties`);
    const moved = permuteNetwork(net, perms);
    // The weights did move.
    const conv = (n: Network) => n.nodes.find((x) => x.op === "Conv" && x.name !== "conv1");
    assert(conv(moved) !== conv(net));
    const x = input(net, 9);
    close(forward(net, x), forward(moved, x), `${model} forward`);
    const shape = [1, net.input.c, net.input.h, net.input.w];
    const ortA = await runOnnx(exportOnnx(net), x, shape);
    const ortB = await runOnnx(exportOnnx(moved), x, shape);
    close(ortA, ortB, `${model} onnxruntime-web`);
  }
});

Deno.test("a pruned and permuted model equals the pruned model without permutation", async () => {
  for (
    const [model, fw] of [["resnet18-cifar10", "gazelle"], ["vgg16-tinyimagenet", "cryptflow2"]]
  ) {
    const net = buildZoo(model, { width: 0.125 });
    const r = prune(net, {
      method: "mosaic",
      framework: fw,
      preset: getPreset(fw),
      budget: { kind: "sparsity", ratio: 0.5 },
      fidelitySamples: 0,
    });
    assert(r.permutations.size > 0, `${model}: the assembler moved channels`);
    const pruned = maskNetwork(net, r.masks);
    const both = permuteNetwork(pruned, r.permutations);
    // Masks moved along with the weights describe the permuted model's zeros.
    const moved = permuteMasks(net, r.masks, r.permutations);
    for (const n of both.nodes) {
      if (n.op !== "Conv" && n.op !== "Gemm") continue;
      const m = moved.get(n.name)!;
      assert(n.weight.every((v, j) => m[j] === 1 || v === 0), n.name);
    }
    const x = input(net, 2);
    close(forward(pruned, x), forward(both, x), `${model} forward`);
    const shape = [1, net.input.c, net.input.h, net.input.w];
    close(
      await runOnnx(exportOnnx(pruned), x, shape),
      await runOnnx(exportOnnx(both), x, shape),
      `${model} onnxruntime-web`,
    );
  }
});

Deno.test("bad permutations are refused with one line", () => {
  const net = buildZoo("vgg16-cifar10", { width: 0.125 });
  const tie = channelTies(net).find((t) => !t.fixed)!;
  const key = tieKey(tie);
  assertThrows(
    () => checkPermutations(net, new Map([[key, new Int32Array(tie.channels)]]), "f.json"),
    Error,
    "is not a permutation",
  );
  assertThrows(
    () => checkPermutations(net, new Map([["nope", Int32Array.from([0])]]), "f.json"),
    Error,
    "not a channel tie",
  );
  const fixed = channelTies(net).find((t) => t.fixed)!;
  const swap = Int32Array.from({ length: fixed.channels }, (_, i) => i).reverse();
  assertThrows(
    () => checkPermutations(net, new Map([[tieKey(fixed), swap]]), "f.json"),
    Error,
    "fixed",
  );
  const p = Int32Array.from([2, 0, 1]);
  assertEquals([...invert(p)], [1, 2, 0]);
});
