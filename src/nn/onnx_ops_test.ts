// The ONNX importer op by op, on small hand-built graphs: each accepted construct imports to the
// expected IR and computes what onnxruntime-web computes; each refusal is one UserError line
// naming the node.
import { assert, assertEquals, assertThrows } from "@std/assert";
import onnxProto from "onnx-proto";
import { SeededRng, UserError } from "../base/mod.ts";
import { forward } from "./forward.ts";
import { type ConvNode, type GemmNode, type Network, SUPPORTED_OPS } from "./network.ts";
import { importOnnx } from "./onnx.ts";
import { runOnnx } from "./ort.ts";
import { randomInput, relErr } from "./_testing.ts";
import { FOLDABLE_OPS } from "./_onnx_fold.ts";
import { DATA_OPS } from "./_onnx_graph.ts";
import { LAYER_OPS } from "./_onnx_layers.ts";

const { onnx } = onnxProto;
const A = onnx.AttributeProto.AttributeType;
type NodeSpec = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.TensorProto;

const rng = new SeededRng(7);
const random = (n: number) => Array.from({ length: n }, () => 2 * rng.next() - 1);

const f32 = (name: string, dims: number[], values = random(dims.reduce((a, b) => a * b, 1))) =>
  onnx.TensorProto.create({
    name,
    dims,
    dataType: 1,
    rawData: new Uint8Array(Float32Array.from(values).buffer),
  });
/** An INT64 tensor in raw_data form, or (`typed`) in int64_data form. */
const i64 = (name: string, values: number[], dims = [values.length], typed = false) =>
  onnx.TensorProto.create({
    name,
    dims,
    dataType: 7,
    ...(typed
      ? { int64Data: values }
      : { rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) }),
  });
const ints = (name: string, v: number[]) => ({ name, type: A.INTS, ints: v });
const int = (name: string, v: number) => ({ name, type: A.INT, i: v });
const float = (name: string, v: number) => ({ name, type: A.FLOAT, f: v });
const value = (t: Tensor) => ({ name: "value", type: A.TENSOR, t });
const node = (
  name: string,
  opType: string,
  input: string[],
  output: string,
  attribute: NodeSpec["attribute"] = [],
): NodeSpec => ({ name, opType, input, output: [output], attribute });

/** A model on input x ([N, 2, 4, 4] by default; 0 is a dynamic batch) with output y. */
function model(nodes: NodeSpec[], inits: Tensor[] = [], dims = [1, 2, 4, 4], opset = 13) {
  const graph = onnx.GraphProto.create({
    name: "g",
    node: nodes.map((n) => onnx.NodeProto.create(n)),
    initializer: inits,
    input: [onnx.ValueInfoProto.create({
      name: "x",
      type: {
        tensorType: {
          elemType: 1,
          shape: { dim: dims.map((d) => (d > 0 ? { dimValue: d } : { dimParam: "N" })) },
        },
      },
    })],
    output: [onnx.ValueInfoProto.create({ name: "y" })],
  });
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: opset }],
    graph,
  })).finish();
}

/** A 3×3 conv (2 → 3 channels, pads 1) from x to `out`, weights W and b. */
const conv = (out = "c", input = "x", w = "W") =>
  node("conv", "Conv", [input, w, "b"], out, [ints("pads", [1, 1, 1, 1])]);
const convInits = () => [f32("W", [3, 2, 3, 3]), f32("b", [3])];

/** Import, check the IR ops, and check the IR against onnxruntime-web on a random input. */
async function accepts(bytes: Uint8Array, ops: string[]): Promise<Network> {
  const net = importOnnx(bytes, "t.onnx");
  assertEquals(net.nodes.map((n) => n.op), ops);
  const x = randomInput(net, 11);
  const ort = await runOnnx(bytes, x, [1, net.input.c, net.input.h, net.input.w]);
  assert(
    relErr(forward(net, x), ort) < 1e-5,
    `IR vs onnxruntime-web: ${relErr(forward(net, x), ort)}`,
  );
  return net;
}

Deno.test("Identity of an initializer is that initializer; Identity, Dropout, Cast to FLOAT on data are no-ops", async () => {
  const net = await accepts(
    model(
      [
        node("id_b", "Identity", ["b0"], "b"),
        node("id_x", "Identity", ["x"], "x1"),
        node("drop", "Dropout", ["x1"], "x2"),
        node("cast", "Cast", ["x2"], "x3", [int("to", 1)]),
        conv("y", "x3"),
      ],
      [f32("W", [3, 2, 3, 3]), f32("b0", [3], [0.5, -1, 2])],
    ),
    ["Conv"],
  );
  assertEquals(net.nodes[0].inputs, ["x"]);
  assertEquals([...(net.nodes[0] as ConvNode).bias!], [0.5, -1, 2]);
});

Deno.test("Constant nodes: a FLOAT weight and an INT64 shape; INT64 initializers in raw and int64_data form", async () => {
  await accepts(
    model([
      node("w", "Constant", [], "Wc", [value(f32("", [3, 2, 3, 3]))]),
      node("s", "Constant", [], "shape", [value(i64("", [1, -1]))]),
      conv("c", "x", "Wc"),
      node("flat", "Reshape", ["c", "shape"], "y"),
    ], [f32("b", [3])]),
    ["Conv", "Flatten"],
  );
  await accepts(
    model([
      conv(),
      node("r1", "Reshape", ["c", "s1"], "r"),
      node("r2", "Reshape", ["r", "s2"], "y"),
    ], [
      ...convInits(),
      i64("s1", [0, -1]),
      i64("s2", [-1, 48], [2], true),
    ]),
    ["Conv", "Flatten"],
  );
});

Deno.test("Shape → Gather → Unsqueeze → Concat → Reshape (x.view(x.size(0), -1)) folds into one Flatten", async () => {
  const chain = (opset: number) => {
    // Opset 13 takes Unsqueeze axes as an input, opset 11 as an attribute.
    const unsqueeze = opset >= 13
      ? [
        node("k1", "Constant", [], "axes", [value(i64("", [0]))]),
        node("u", "Unsqueeze", ["g", "axes"], "u"),
      ]
      : [node("u", "Unsqueeze", ["g"], "u", [ints("axes", [0])])];
    return model(
      [
        conv(),
        node("shape", "Shape", ["c"], "s"),
        node("k0", "Constant", [], "zero", [value(i64("", [0], []))]),
        node("gather", "Gather", ["s", "zero"], "g", [int("axis", 0)]),
        ...unsqueeze,
        node("k2", "Constant", [], "rest", [value(i64("", [-1]))]),
        node("concat", "Concat", ["u", "rest"], "target", [int("axis", 0)]),
        node("view", "Reshape", ["c", "target"], "y"),
      ],
      convInits(),
      [0, 2, 4, 4],
      opset,
    );
  };
  await accepts(chain(13), ["Conv", "Flatten"]);
  await accepts(chain(11), ["Conv", "Flatten"]);
});

Deno.test("Shape arithmetic: x.view(-1, x.size(1) * x.size(2) * x.size(3)) folds (Gather, Mul)", async () => {
  const size = (i: number) => [
    node(`k${i}`, "Constant", [], `i${i}`, [value(i64("", [i], []))]),
    node(`g${i}`, "Gather", ["s", `i${i}`], `d${i}`),
  ];
  await accepts(
    model(
      [
        conv(),
        node("shape", "Shape", ["c"], "s"),
        ...size(1),
        ...size(2),
        ...size(3),
        node("m1", "Mul", ["d1", "d2"], "m"),
        node("m2", "Mul", ["m", "d3"], "k"),
        node("ka", "Constant", [], "axes", [value(i64("", [0]))]),
        node("u", "Unsqueeze", ["k", "axes"], "ku"),
        node("kn", "Constant", [], "minus1", [value(i64("", [-1]))]),
        node("cat", "Concat", ["minus1", "ku"], "target", [int("axis", 0)]),
        node("view", "Reshape", ["c", "target"], "y"),
      ],
      convInits(),
      [0, 2, 4, 4],
    ),
    ["Conv", "Flatten"],
  );
});

Deno.test("Reshape to [N, -1], [1, -1], [-1, K], [0, -1] and Flatten(axis 1) flatten a map; a no-op Reshape vanishes", async () => {
  for (const target of [[1, -1], [-1, 48], [0, -1], [1, 48]]) {
    const nodes = [conv(), node("r", "Reshape", ["c", "s"], "y")];
    await accepts(model(nodes, [...convInits(), i64("s", target)]), ["Conv", "Flatten"]);
  }
  const flat = [conv(), node("f", "Flatten", ["c"], "y", [int("axis", 1)])];
  await accepts(model(flat, convInits()), ["Conv", "Flatten"]);
  const same = [conv(), node("r", "Reshape", ["c", "s"], "y")];
  await accepts(model(same, [...convInits(), i64("s", [1, 3, 4, 4])]), ["Conv"]);
});

Deno.test("Gemm with transB = 1 and 0, alpha and beta; MatMul by a Transpose of a constant with an Add bias", async () => {
  await accepts(
    model([
      node("f", "Flatten", ["x"], "v"),
      node("g1", "Gemm", ["v", "B1", "C1"], "h", [
        int("transB", 1),
        float("alpha", 0.5),
        float("beta", 2),
      ]),
      node("g2", "Gemm", ["h", "B2", "C2"], "y", [int("transB", 0)]),
    ], [f32("B1", [5, 32]), f32("C1", [5]), f32("B2", [5, 4]), f32("C2", [1, 4])]),
    ["Flatten", "Gemm", "Gemm"],
  );
  const net = await accepts(
    model([
      node("f", "Flatten", ["x"], "v"),
      node("t", "Transpose", ["Wt"], "W", [ints("perm", [1, 0])]),
      node("mm", "MatMul", ["v", "W"], "m"),
      node("bias", "Add", ["c", "m"], "y"),
    ], [f32("Wt", [4, 32]), f32("c", [4], [1, 2, 3, 4])]),
    ["Flatten", "Gemm"],
  );
  assertEquals([...(net.nodes[1] as GemmNode).bias!], [1, 2, 3, 4]);
});

Deno.test("BatchNormalization is kept; a zero Pad is a no-op; ReduceMean over H×W is a global average pool", async () => {
  await accepts(
    model([
      conv(),
      node("bn", "BatchNormalization", ["c", "s", "bb", "m", "v"], "y", [float("epsilon", 1e-3)]),
    ], [
      ...convInits(),
      f32("s", [3]),
      f32("bb", [3]),
      f32("m", [3]),
      f32("v", [3], [0.5, 1, 1.5]),
    ]),
    ["Conv", "BatchNormalization"],
  );
  await accepts(
    model([
      node("k", "Constant", [], "pads", [value(i64("", [0, 0, 0, 0, 0, 0, 0, 0]))]),
      node("pad", "Pad", ["x", "pads"], "p"),
      node("pool", "AveragePool", ["p"], "y", [
        ints("kernel_shape", [2, 2]),
        ints("strides", [2, 2]),
      ]),
    ]),
    ["AveragePool"],
  );
  const mean = (keepdims: number) =>
    model(
      [
        conv(),
        node("mean", "ReduceMean", ["c"], "y", [ints("axes", [2, 3]), int("keepdims", keepdims)]),
      ],
      convInits(),
    );
  await accepts(mean(0), ["Conv", "GlobalAveragePool", "Flatten"]);
  await accepts(mean(1), ["Conv", "GlobalAveragePool"]);
});

Deno.test("Squeeze and Unsqueeze after a global average pool make a vector", async () => {
  await accepts(
    model([
      conv(),
      node("gap", "GlobalAveragePool", ["c"], "p"),
      node("k3", "Constant", [], "a3", [value(i64("", [3]))]),
      node("sq1", "Squeeze", ["p", "a3"], "q1"),
      node("k2", "Constant", [], "a2", [value(i64("", [-1]))]),
      node("sq2", "Squeeze", ["q1", "a2"], "q2"),
      node("k4", "Constant", [], "a4", [value(i64("", [2]))]),
      node("unsq", "Unsqueeze", ["q2", "a4"], "q3"),
      node("sq3", "Squeeze", ["q3", "a4"], "q4"),
      node("relu", "Relu", ["q4"], "r"),
      node("fc", "Gemm", ["r", "B", "C"], "y", [int("transB", 1)]),
    ], [...convInits(), f32("B", [4, 3]), f32("C", [4])]),
    ["Conv", "GlobalAveragePool", "Flatten", "Relu", "Gemm"],
  );
});

Deno.test("importOnnx() refuses, in one UserError line naming the node, what it cannot fold or run", () => {
  const cases: [Uint8Array, string][] = [
    [
      model([conv(), node("r", "Reshape", ["c", "s"], "y")], [...convInits(), i64("s", [1, 6, 8])]),
      "node r (Reshape) reshapes [1,3,4,4] to [1,6,8]; only a flatten to [N, K]",
    ],
    [
      model([conv(), node("r", "Reshape", ["c", "s"], "y")], [...convInits(), i64("s", [2, -1])]),
      "node r (Reshape) reshapes [1,3,4,4] to [2,24]",
    ],
    [
      model([node("g", "Gather", ["x", "i"], "y")], [i64("i", [0], [])]),
      'node g (Gather) reads the image data "x"; Gather is only supported on constants',
    ],
    [
      model([node("id", "Identity", ["nowhere"], "y")]),
      'node id (Identity) reads "nowhere", which is no initializer, graph input or earlier node',
    ],
    [
      model([node("pad", "Pad", ["x", "p"], "y")], [i64("p", [0, 0, 1, 1, 0, 0, 1, 1])]),
      "node pad (Pad) pads by [0,0,1,1,0,0,1,1]; only a no-op Pad is supported",
    ],
    [
      model([node("cast", "Cast", ["x"], "y", [int("to", 7)])]),
      "node cast (Cast) casts the image data to type 7",
    ],
    [
      model([conv(), node("add", "Add", ["c", "k"], "y")], [...convInits(), f32("k", [1])]),
      'node add (Add) adds a constant to "c"',
    ],
    [
      model([node("fc", "Gemm", ["x", "B"], "y")], [f32("B", [32, 4])]),
      "node fc (Gemm) needs a [N, K] input, got [1,2,4,4]; flatten first",
    ],
    [
      model([node("f", "Flatten", ["x"], "y", [int("axis", 2)])]),
      "node f (Flatten) flattens with axis ≠ 1",
    ],
    [
      model([node("sq", "Squeeze", ["x", "a"], "y")], [i64("a", [1])]),
      "node sq (Squeeze) squeezes axis 1 of size 2",
    ],
    [
      model([node("s", "Shape", ["x"], "sh"), node("g", "Gather", ["sh", "i"], "y")], [
        i64("i", [7], []),
      ]),
      "node g (Gather) gathers index 7 from a dimension of 4",
    ],
    [model([node("k", "Constant", [], "y")]), "node k (Constant) has no tensor value"],
    [
      model([conv("y", "x", "Wi")], [i64("Wi", Array(54).fill(1), [3, 2, 3, 3]), f32("b", [3])]),
      'node conv (Conv) has an integer (INT64/INT32) weight "Wi"; weights must be FLOAT',
    ],
    [
      model([node("bn", "BatchNormalization", ["x", "s", "s", "s", "s"], "y", [
        int("training_mode", 1),
      ])], [f32("s", [2])]),
      "node bn (BatchNormalization) is in training mode",
    ],
    [
      model([node("m", "ReduceMean", ["x"], "y", [ints("axes", [1])])]),
      "node m (ReduceMean) averages over axes [1]; only the spatial mean (axes 2, 3)",
    ],
    [
      model([node("r", "Reshape", ["x", "x"], "y")]),
      'node r (Reshape) needs a constant (initializer) operand "x"',
    ],
    [
      model([node("relu", "Relu", ["x"], "r")], [
        onnx.TensorProto.create({ name: "d", dims: [1], dataType: 11, doubleData: [1] }),
      ]),
      "initializer d has data type 11; supported: FLOAT (1), INT32 (6), INT64 (7)",
    ],
    [
      model([node("s", "Shape", ["x"], "y")]),
      'graph output "y" is no image-data result of a node',
    ],
  ];
  for (const [bytes, msg] of cases) {
    const e = assertThrows(() => importOnnx(bytes, "bad.onnx"), UserError);
    assert(e.message.startsWith("bad.onnx: ") && e.message.includes(msg), e.message);
    assert(!e.message.includes("\n"), e.message);
  }
});

Deno.test("SUPPORTED_OPS lists exactly the ops the importer handles", () => {
  const handled = new Set([...LAYER_OPS, ...DATA_OPS, ...FOLDABLE_OPS, "Constant", "Shape", "Add"]);
  assertEquals([...handled].sort(), [...SUPPORTED_OPS].sort());
});
