// Property-based fuzzing of the ONNX importer: mutations of the fixture models (flipped bytes,
// truncations, changed attributes, initializer dims and types, op types, wiring, input shapes)
// import to a Network or are refused with a one-line UserError naming the file; never another
// exception, and each case in bounded time. Fixed seed for CI; MOSAIC_FUZZ_SEED=random (or a
// number) and MOSAIC_FUZZ_RUNS=N explore further.
import { assert } from "@std/assert";
import fc from "fast-check";
import onnxProto from "onnx-proto";
import { UserError } from "../base/mod.ts";
import { inferShapes, SUPPORTED_OPS } from "./network.ts";
import { importOnnx } from "./onnx.ts";
import { fuzzRuns, fuzzSeed } from "./_testing.ts";

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;
type Model = onnxProto.onnx.ModelProto;

const FILES = [
  "tiny_batchnorm.onnx",
  "tiny_residual.onnx",
  "torch_gap_squeeze.onnx",
  "torch_vgg_reshape.onnx",
  "torch_resnet_bn.onnx",
];
const MODELS = await Promise.all(
  FILES.map((f) => Deno.readFile(new URL(`../../fixtures/${f}`, import.meta.url))),
);

/** Attribute names the importer reads (and a few it does not). */
const ATTRS = [
  "strides",
  "pads",
  "kernel_shape",
  "dilations",
  "group",
  "auto_pad",
  "transA",
  "transB",
  "alpha",
  "beta",
  "epsilon",
  "training_mode",
  "ceil_mode",
  "count_include_pad",
  "axis",
  "axes",
  "perm",
  "to",
  "keepdims",
  "allowzero",
  "value",
  "value_int",
  "value_ints",
  "value_float",
  "start",
  "end",
  "bogus",
];
/** Values at and around the edges: signs, zero, kernel-sized, 32- and 53-bit limits. */
const EDGES = [
  0,
  1,
  2,
  3,
  4,
  7,
  8,
  64,
  1000,
  -1,
  -2,
  -7,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 53,
];
const TYPES = [AT.INT, AT.INTS, AT.FLOAT, AT.FLOATS, AT.STRING, AT.TENSOR, AT.UNDEFINED];
const DTYPES = [1, 6, 7, 11, 0, 3];

const edge = (i: number) => EDGES[i % EDGES.length];
const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length];

/** One structured mutation of a decoded model, from a kind and three numbers. */
function mutate(m: Model, [kind, a, b, c]: readonly [number, number, number, number]): void {
  const g = m.graph!;
  const nodes = g.node!, inits = g.initializer!;
  const node = nodes.length ? pick(nodes, a) : undefined;
  const init = inits.length ? pick(inits, a) : undefined;
  const names = [
    ...inits.map((t) => t.name ?? ""),
    ...nodes.flatMap((n) => n.output ?? []),
    "input",
    "",
  ];
  const vals = (n: number) => Array.from({ length: n % 6 }, (_, i) => edge(b + 3 * i));
  switch (kind) {
    case 0: { // set an attribute of some type
      if (!node) return;
      const name = pick(ATTRS, b), type = pick(TYPES, c);
      node.attribute = (node.attribute ?? []).filter((x) => x.name !== name);
      node.attribute.push(onnx.AttributeProto.create({
        name,
        type,
        i: edge(c),
        ints: vals(c + 2),
        f: [0, 1e-5, -1, NaN, Infinity, 3.5, 1e39][c % 7],
        floats: [NaN, 1, 2].slice(0, c % 4),
        s: new TextEncoder().encode(pick(["NOTSET", "VALID", "SAME_UPPER", ""], c)),
        t: type === AT.TENSOR ? pick(inits, c) : undefined,
      }));
      return;
    }
    case 1: // drop an attribute
      if (node?.attribute?.length) node.attribute.splice(b % node.attribute.length, 1);
      return;
    case 2: // initializer dims
      if (init) init.dims = vals(b + 1).map((d, i) => (i === 0 ? d : Math.abs(d) % 9));
      return;
    case 3: { // initializer type or data
      if (!init) return;
      if (b % 3 === 0) init.dataType = pick(DTYPES, c);
      else if (b % 3 === 1 && init.rawData?.length) {
        init.rawData = init.rawData.slice(0, c % (init.rawData.length + 1));
      } else if (init.rawData && init.rawData.length >= 4) {
        const raw = new Uint8Array(init.rawData);
        const at = 4 * (c % Math.floor(raw.length / 4));
        new DataView(raw.buffer).setFloat32(at, pick([NaN, Infinity, -1, 0, 1e30], b), true);
        init.rawData = raw;
      }
      return;
    }
    case 4: // op type
      if (node) node.opType = b % 5 === 0 ? "Sigmoid" : pick(SUPPORTED_OPS, c);
      return;
    case 5: { // rewire an input (or drop / add one)
      if (!node) return;
      const ins = node.input ?? [];
      if (b % 4 === 0) ins.splice(c % (ins.length + 1), 1);
      else if (b % 4 === 1) ins.push(pick(names, c));
      else if (ins.length) ins[c % ins.length] = pick(names, b);
      node.input = ins;
      return;
    }
    case 6: // rename an output
      if (node) node.output = b % 3 === 0 ? [] : [pick(names, c)];
      return;
    case 7: // delete or move a node
      if (!node) return;
      nodes.splice(a % nodes.length, 1);
      if (b % 2) nodes.splice(c % (nodes.length + 1), 0, node);
      return;
    case 8: { // input shape
      const dim = g.input?.[0]?.type?.tensorType?.shape?.dim;
      if (dim?.length) {
        dim[b % dim.length] = c % 5 === 0 ? { dimParam: "N" } : { dimValue: edge(c) };
      }
      return;
    }
    case 9: // graph output
      if (g.output?.[0]) g.output[0].name = pick(names, b);
      return;
    default: // opset
      m.opsetImport = [{ domain: "", version: pick([7, 11, 13, 18, 21, 22], b) }];
  }
}

const mutation = fc.tuple(fc.nat(10), fc.nat(1000), fc.nat(1000), fc.nat(1000));
/**
 * A fixture and what to do to it: mostly 1–4 structured mutations (which reach the importer's
 * checks), sometimes flipped bytes or a cut (which mostly stop at the protobuf decoder).
 */
const arbCase = fc.record({
  file: fc.nat(FILES.length - 1),
  how: fc.constantFrom("mutate", "mutate", "mutate", "mutate+flip", "flip", "cut"),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  flips: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }),
  cut: fc.nat(),
});
type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

function build(c: Case): Uint8Array {
  let bytes: Uint8Array = MODELS[c.file];
  if (c.how.startsWith("mutate")) {
    const m = onnx.ModelProto.decode(bytes);
    for (const mu of c.mutations) mutate(m, mu);
    bytes = onnx.ModelProto.encode(m).finish();
  }
  if (c.how.endsWith("flip")) {
    bytes = bytes.slice();
    for (const [at, v] of c.flips) bytes[at % bytes.length] = v;
  }
  if (c.how === "cut") bytes = bytes.slice(0, c.cut % bytes.length);
  return bytes;
}

Deno.test("fuzz: mutated ONNX models import or are refused with one UserError line, never another exception", () => {
  const runs = fuzzRuns(2500); // ≈ 4 s on a busy 2-core machine
  let accepted = 0, refused = 0, slowest = 0;
  fc.assert(
    fc.property(arbCase, (c) => {
      let bytes: Uint8Array;
      try {
        bytes = build(c);
      } catch {
        return; // protobufjs cannot encode this mutation: nothing to import
      }
      const source = `fuzz/${FILES[c.file]}`;
      const t0 = performance.now();
      try {
        const net = importOnnx(bytes, source);
        inferShapes(net);
        accepted++;
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        assert(!e.message.includes("\n"), e.message);
        assert(e.message.startsWith(source), e.message);
        refused++;
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      assert(ms < 5000, `one import took ${ms.toFixed(0)} ms`);
    }),
    { seed: fuzzSeed(), numRuns: runs },
  );
  console.log(
    `fuzzed ${runs} ONNX mutations: ${accepted} imported, ${refused} refused, ` +
      `slowest ${slowest.toFixed(0)} ms`,
  );
  assert(refused > runs / 4, "the mutations should mostly break the models");
});
