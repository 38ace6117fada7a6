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

Deno.test("parseLayerSpec() rejects bad specs with one line naming the spec and the field", () => {
  const bad: [string, string][] = [
    ["conv:h=16,w=16,ci=128,k=3", 'Layer spec "conv:h=16,w=16,ci=128,k=3": is missing field "co"'],
    ["conv:h=4,w=4,ci=1,co=1,k=7,p=0", "kernel k = 7 is larger than the padded 4×4 image"],
    ["conv:h=4,w=4,ci=0,co=1,k=3", "field ci = 0 is out of range 1..65536"],
    ["conv:h=4,w=4,ci=1,co=1,k=3,q=2", 'unknown field "q": conv takes h, w, ci, co, k, s, p'],
    ["fc:in=4", 'missing field "out"'],
    ["pool:k=2", 'Bad layer spec "pool:k=2"'],
    ["conv:h=4,w=x", 'bad field "w=x": expected name=integer'],
    ["conv:h=4,w=4,ci=1,co=1,k=3,s=0", "field s = 0 is out of range 1..32"],
    ["conv:h=4,w=4,ci=1,co=1,k=3,h=5", 'gives field "h" twice'],
    ["conv:h=4,w=4,ci=1,co=1,k=1.5", 'bad field "k=1.5"'],
    ["conv:h=4,w=4,ci=1,co=1,k=3,p=3", "field p = 3 is out of range 0..2"],
    ["conv:h=4,w=4,ci=1,co=1,k=3,pl=-1", "field pl = -1 is out of range 0..2"],
    ["conv:h=99999999999999999999,w=4,ci=1,co=1,k=3", "field h = 99999999999999999999 is out"],
    ["conv:h=8,w=8,ci=1,co=1,k=33", "field k = 33 is out of range 1..32 (larger values are"],
    ["conv:h=8,w=8,ci=1,co=70000,k=3", "build the LayerShape in code and call planLayer"],
    ["fc:in=1048576,out=1048576", "has 1099511627776 weights, more than 134217728 (2^27)"],
    ["bn:c=2,h=4096,w=4096", "has 33554432 input or output values, more than 16777216"],
    ["bn:c=2,h=4,w=4,k=3", 'unknown field "k": bn takes c, h, w'],
    ["fc:in=4,\nout=2,q=1", 'Layer spec "fc:in=4,\\nout=2,q=1": unknown field "q"'],
  ];
  for (const [spec, msg] of bad) {
    const e = assertThrows(() => parseLayerSpec(spec), UserError);
    if (!e.message.includes(msg) || e.message.includes("\n")) {
      throw new Error(`${spec}: got "${e.message}"`);
    }
  }
  // The bounds are inclusive.
  assertEquals(parseLayerSpec("conv:h=64,w=64,ci=1,co=1,k=32,s=32,p=31").kind, "conv");
  assertEquals(parseLayerSpec("fc:in=1048576,out=128").kind, "fc");
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
