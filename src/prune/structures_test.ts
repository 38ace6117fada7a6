import { assert, assertEquals } from "@std/assert";
import { layerStructures, type StructureKind } from "./structures.ts";
import { ProxyState } from "./_proxy.ts";
import { denseMs } from "./select.ts";
import { frameworkName, planLayer, structureMethod } from "../frameworks/mod.ts";
import { countProgram, getPreset, type OpCounts } from "../he/mod.ts";
import { applyMask, parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
import { SeededRng } from "../base/mod.ts";

const COMPARED = [
  "perm_in",
  "perm_out",
  "rotate_rows",
  "rotate_columns",
  "mult",
  "mult_coeff",
  "mult_scalar",
  "extract",
  "add",
  "ntt",
  "intt",
  "mod_switch",
  "add_mask",
  "enc_server",
  "flood",
  "cts_down",
] as const;

const CASES = [
  ["gazelle", "or", "conv:h=8,w=8,ci=16,co=16,k=3"], // c_n = 32: one ciphertext, diagonals
  ["gazelle", "or", "conv:h=16,w=16,ci=16,co=16,k=3"], // c_n = 8: 2 × 2 kernel blocks
  ["gazelle", "ir", "conv:h=16,w=16,ci=16,co=16,k=3"],
  ["gazelle", "or", "conv:h=16,w=16,ci=4,co=8,k=3,s=2"], // polyphase channel stacking
  ["gazelle", "or", "conv:h=8,w=8,ci=16,co=16,k=1"],
  ["gazelle", "-", "fc:in=256,out=16"],
  ["cryptflow2", "-", "conv:h=8,w=8,ci=16,co=16,k=3"],
  ["cryptflow2", "-", "conv:h=16,w=16,ci=16,co=16,k=3"],
  ["cryptflow2", "-", "conv:h=16,w=16,ci=4,co=8,k=3,s=2"], // stride phases as parts
  ["cryptflow2", "-", "fc:in=256,out=16"],
  // Cheetah: Ĉ = 12 of 16 channels (2 kernel polynomials per filter), one spatial block.
  ["cheetah", "coeff", "conv:h=16,w=16,ci=16,co=8,k=3"],
  ["cheetah", "ntt", "conv:h=16,w=16,ci=16,co=8,k=3"],
  // 64 × 64 padded to 66 × 66 > N: Ĉ = 1 (a polynomial is one kernel), 2 × 2 spatial blocks.
  ["cheetah", "coeff", "conv:h=64,w=64,ci=3,co=4,k=3"],
  ["cheetah", "coeff", "conv:h=16,w=16,ci=4,co=8,k=3,s=2"],
  ["cheetah", "coeff", "conv:h=8,w=8,ci=16,co=16,k=1"],
  ["cheetah", "coeff", "fc:in=256,out=16"],
  ["cheetah", "ntt", "fc:in=9000,out=40"], // d0 × d1 blocks: several input and output cts
] as const;

function replanned(fw: string, method: string, spec: string, mask?: Uint8Array): OpCounts {
  const shape = parseLayerSpec(spec);
  const synthetic = syntheticLayer("x", shape, 7);
  // No zero weights, so the only zeros are the mask's.
  const layer = { ...synthetic, weights: synthetic.weights.map((w) => w === 0 ? 1 : w) };
  const preset = getPreset(fw);
  const m = method === "-" ? undefined : method;
  return countProgram(
    planLayer(applyMask(layer, mask), { framework: frameworkName(fw), preset, method: m }),
  );
}

Deno.test("every structure's deletion claim equals the re-planned drop, every framework and method", () => {
  for (const [fw, method, spec] of CASES) {
    const s = layerStructures("x", parseLayerSpec(spec), {
      framework: fw,
      preset: getPreset(fw),
      method: method === "-" ? undefined : method,
    });
    const dense = replanned(fw, method, spec);
    for (const k of COMPARED) assertEquals(s.dense[k], dense[k], `${fw} ${spec} dense ${k}`);
    const kinds = new Set<StructureKind>();
    for (const st of s.structures) {
      kinds.add(st.kind);
      const claim = s.claim(st);
      const mask = new Uint8Array(s.weights).fill(1);
      for (const j of st.weights) mask[j] = 0;
      const after = replanned(fw, method, spec, mask);
      for (const k of COMPARED) {
        assertEquals(claim[k], dense[k] - after[k], `${fw} ${method} ${spec} ${st.kind} ${k}`);
      }
      // What each kind is for.
      assert(claim.mult >= 1, `${st.kind} deletes products`);
      if (st.kind === "output-rotation") assert(claim.perm_out >= 1, `${spec} ${st.kind}`);
      if (st.kind === "input-rotation") assert(claim.perm_in >= 1, `${spec} ${st.kind}`);
      // One plaintext product: its Mult, and no rotation unless it was a rotation's last reader;
      // a Cheetah kernel polynomial is one product per spatial block, all holding its weights.
      if (st.kind === "product") {
        const key = st.weights.join();
        let same = 0;
        for (let m = 0; m + 1 < s.prodStart.length; m++) {
          if (s.prodWeights.subarray(s.prodStart[m], s.prodStart[m + 1]).join() === key) same++;
        }
        assertEquals(claim.mult, same, `${fw} ${spec} product`);
        if (fw !== "cheetah") assertEquals(same, 1, `${fw} ${spec} product`);
      }
    }
    assert(kinds.has("product"), `${fw} ${spec}: product structures offered`);
    if (spec.startsWith("fc")) assert(kinds.has("fc-diagonal"), spec);
    else if (fw === "cheetah") {
      // Nothing is rotated: a kernel polynomial (all spatial blocks) is the multiplier unit.
      assertEquals([...kinds].sort(), ["multiplier", "product"], `${fw} ${spec}`);
    } else {
      assert(kinds.has("multiplier") || kinds.has("output-rotation"), `${fw} ${spec}`);
      // A 1×1 convolution rotates no inputs.
      assertEquals(kinds.has("input-rotation"), !spec.includes("k=1"), `${fw} ${spec}`);
    }
  }
});

Deno.test("exact counts of random kernel masks equal re-planning; the proxy follows liveness", () => {
  const rng = new SeededRng(3);
  for (const [fw, method, spec] of CASES) {
    const shape = parseLayerSpec(spec);
    const s = layerStructures("x", shape, {
      framework: fw,
      preset: getPreset(fw),
      method: method === "-" ? undefined : method,
    });
    for (const density of [0.1, 0.5, 0.9]) {
      const mask = new Uint8Array(s.weights);
      for (let u = 0; u < s.weights; u += s.unitSize) {
        if (rng.next() < density) mask.fill(1, u, u + s.unitSize);
      }
      const exact = s.counts(mask);
      const after = replanned(fw, method, spec, mask);
      for (const k of COMPARED) assertEquals(exact[k], after[k], `${fw} ${spec} ${density} ${k}`);
      // The proxy's ms is within the output-level ops of the exact prediction.
      const state = new ProxyState(s, mask);
      assert(state.ms <= denseMs(state) + 1e-9);
      const allDead = new ProxyState(s, new Uint8Array(s.weights));
      assertEquals(allDead.ms, 0);
      // Incremental updates land where a fresh state starts.
      const moved = new ProxyState(s, new Uint8Array(s.weights).fill(1));
      mask.forEach((v, j) => moved.set(j, v));
      assert(Math.abs(moved.ms - state.ms) < 1e-6 && Math.abs(moved.phi - state.phi) < 1e-6);
    }
  }
});

Deno.test("a product's weights (fast path) equal the non-zero weights of its filled mask", () => {
  const shape = parseLayerSpec("conv:h=16,w=16,ci=8,co=8,k=3,s=2");
  const index = Int32Array.from({ length: 8 * 8 * 9 }, (_, j) => j + 1);
  for (const fw of ["gazelle", "cryptflow2"] as const) {
    const prog = planLayer({ name: "x", shape, weights: index }, {
      framework: fw,
      preset: getPreset(fw),
      method: structureMethod(fw),
    });
    for (const plan of prog.parts) {
      for (let m = 0; m < plan.masks.count; m++) {
        const buf = new BigInt64Array(plan.slots);
        plan.masks.fill(m, buf);
        const full = [...new Set([...buf].filter((v) => v !== 0n).map(Number))].sort((a, b) =>
          a - b
        );
        const fast = [...new Set(plan.masks.weightsOf!(m))].sort((a, b) => a - b);
        assertEquals(fast, full, `${fw} mask ${m}`);
      }
    }
  }
});

Deno.test("Cheetah: an all-zero kernel polynomial is skipped, a wholly pruned output channel drops its output ciphertexts, nothing rotates", () => {
  const spec = "conv:h=64,w=64,ci=6,co=4,k=3"; // Ĉ = 1: 6 kernel polynomials per filter, 2 × 2 blocks
  const s = layerStructures("x", parseLayerSpec(spec), {
    framework: "cheetah",
    preset: getPreset("cheetah"),
  });
  const blocks = 4, ci = 6, kk = 9;
  assertEquals([s.dense.cts_up, s.dense.cts_down, s.dense.mult], [ci * blocks, 4 * blocks, 96]);
  assertEquals(s.dense.perm_in + s.dense.perm_out + s.dense.key_switches, 0);
  const kept = new Uint8Array(s.weights).fill(1);
  // One kernel (m = 1, c = 2) zero: its polynomial is skipped in every spatial block.
  kept.fill(0, (1 * ci + 2) * kk, (1 * ci + 3) * kk);
  const one = s.counts(kept);
  assertEquals([one.mult, one.add, one.cts_down], [96 - blocks, s.dense.add - blocks, 16]);
  assertEquals(one, replanned("cheetah", "coeff", spec, kept));
  // A kernel with one non-zero tap left is a full product still.
  kept[(1 * ci + 2) * kk + 4] = 1;
  assertEquals(s.counts(kept).mult, 96);
  // The whole output channel 3 zero: its products and its output ciphertexts go, with their
  // re-sharing, switch and extraction; still no rotation anywhere.
  kept.fill(1).fill(0, 3 * ci * kk, 4 * ci * kk);
  const channel = s.counts(kept);
  assertEquals(channel.cts_down, 3 * blocks);
  assertEquals([channel.mult, channel.extract, channel.mod_switch], [72, 12, 12]);
  assertEquals(channel, replanned("cheetah", "coeff", spec, kept));
  assertEquals(channel.perm_in + channel.perm_out + channel.key_switches, 0);
  // Every structure's claim is priced without rotations.
  for (const st of s.structures) assertEquals(s.claim(st).perm_out + s.claim(st).perm_in, 0);
});
