import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../base/mod.ts";
import { applyMask, convOutH, parseLayerSpec, shapeLabel } from "./layers.ts";
import { referenceLayer } from "./reference.ts";

Deno.test("parseLayerSpec() reads conv and fc specs with defaults", () => {
  assertEquals(parseLayerSpec("conv:h=16,w=16,ci=128,co=128,k=3"), {
    kind: "conv",
    h: 16,
    w: 16,
    ci: 128,
    co: 128,
    k: 3,
    s: 1,
    p: 1,
  });
  assertEquals(parseLayerSpec("fc:in=512,out=10"), { kind: "fc", in: 512, out: 10 });
  const s = parseLayerSpec("conv:h=14,w=14,ci=1024,co=2048,k=1,s=2,p=0");
  assertEquals(shapeLabel(s), "conv:h=14,w=14,ci=1024,co=2048,k=1,s=2,p=0");
  if (s.kind === "conv") assertEquals(convOutH(s), 7);
});

Deno.test("parseLayerSpec() rejects bad specs with one line naming the problem", () => {
  const bad: [string, string][] = [
    ["conv:h=16,w=16,ci=128,k=3", 'missing field "co"'],
    ["conv:h=4,w=4,ci=1,co=1,k=7,p=0", "larger than the padded 4×4 image"],
    ["conv:h=4,w=4,ci=0,co=1,k=3", "zero channels"],
    ["conv:h=4,w=4,ci=1,co=1,k=3,q=2", 'Unknown field "q"'],
    ["fc:in=4", 'missing field "out"'],
    ["pool:k=2", "Bad layer spec"],
    ["conv:h=4,w=x", 'Bad field "w=x"'],
    ["conv:h=4,w=4,ci=1,co=1,k=3,s=0", "stride s must be at least 1"],
  ];
  for (const [spec, msg] of bad) {
    const e = assertThrows(() => parseLayerSpec(spec), UserError);
    if (!e.message.includes(msg) || e.message.includes("\n")) {
      throw new Error(`${spec}: got "${e.message}"`);
    }
  }
});

Deno.test("referenceLayer() computes a small conv and FC by hand", () => {
  const t = 97;
  // 1 channel 3×3 input, 3×3 kernel of ones, same padding: each output = sum of its neighbourhood.
  const conv = {
    name: "c",
    shape: parseLayerSpec("conv:h=3,w=3,ci=1,co=1,k=3"),
    weights: new Int32Array(9).fill(1),
  };
  const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assertEquals([...referenceLayer(conv, x, t)], [12, 21, 16, 27, 45, 33, 24, 39, 28]);
  // Stride 2, no padding, 2×2 kernel picking the top-left pixel.
  const s2 = {
    name: "s",
    shape: parseLayerSpec("conv:h=4,w=4,ci=1,co=1,k=2,s=2,p=0"),
    weights: Int32Array.from([1, 0, 0, 0]),
  };
  const x16 = Float64Array.from({ length: 16 }, (_, i) => i);
  assertEquals([...referenceLayer(s2, x16, t)], [0, 2, 8, 10]);
  // Negative weights reduce mod t.
  const fc = {
    name: "f",
    shape: parseLayerSpec("fc:in=2,out=2"),
    weights: Int32Array.from([-1, 0, 2, 3]),
  };
  assertEquals([...referenceLayer(fc, Float64Array.from([5, 7]), t)], [92, 31]);
});

Deno.test("applyMask() zeroes pruned weights and rejects a mask of the wrong shape", () => {
  const layer = {
    name: "l",
    shape: parseLayerSpec("fc:in=2,out=2"),
    weights: Int32Array.from([1, 2, 3, 4]),
  };
  assertEquals([...applyMask(layer, Uint8Array.from([1, 0, 0, 1])).weights], [1, 0, 0, 4]);
  assertThrows(() => applyMask(layer, new Uint8Array(5)), UserError, "regenerate the mask");
});
