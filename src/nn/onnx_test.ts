import { assert, assertEquals, assertThrows } from "@std/assert";
import onnxProto from "onnx-proto";
import { UserError } from "../base/mod.ts";
import { tinyBatchNorm, tinyResidual } from "./fixtures.ts";
import { forward } from "./forward.ts";
import { exportOnnx, importOnnx } from "./onnx.ts";
import { runOnnx } from "./ort.ts";
import { randomInput, relErr } from "./_testing.ts";
import { buildZoo, ZOO_MODELS } from "./zoo.ts";

const { onnx } = onnxProto;

Deno.test("onnxruntime-web and the IR forward pass agree within 1e-4 on every zoo model", async () => {
  for (const model of ZOO_MODELS) {
    const net = buildZoo(model, { width: 0.25 });
    const x = randomInput(net, 3);
    const shape = [1, net.input.c, net.input.h, net.input.w];
    const ort = await runOnnx(exportOnnx(net), x, shape);
    const ir = forward(net, x);
    const err = relErr(ort, ir);
    assert(err < 1e-4, `${model}: ${err}`);
  }
});

Deno.test("importOnnx(exportOnnx(net)) is the same network", () => {
  for (
    const net of [tinyResidual(), tinyBatchNorm(), buildZoo("resnet50-cifar10", { width: 0.125 })]
  ) {
    const back = importOnnx(exportOnnx(net), `${net.name}.onnx`);
    assertEquals(back.nodes.map((n) => [n.name, n.op]), net.nodes.map((n) => [n.name, n.op]));
    const x = randomInput(net, 4);
    assert(relErr(forward(back, x), forward(net, x)) < 1e-5);
  }
});

Deno.test("fixtures/*.onnx load, and onnxruntime-web agrees with the IR on them", async () => {
  for (const f of ["tiny_residual.onnx", "tiny_batchnorm.onnx"]) {
    const bytes = await Deno.readFile(new URL(`../../fixtures/${f}`, import.meta.url));
    const net = importOnnx(bytes, f);
    const x = randomInput(net, 5);
    assert(relErr(await runOnnx(bytes, x, [1, 3, 8, 8]), forward(net, x)) < 1e-5, f);
  }
});

function modelWith(
  nodes: Parameters<typeof onnx.NodeProto.create>[0][],
  opts: { dims?: number[]; opset?: number } = {},
) {
  const dims = opts.dims ?? [1, 3, 4, 4];
  const W = onnx.TensorProto.create({
    name: "W",
    dims: [2, 3, 3, 3],
    dataType: 1,
    rawData: new Uint8Array(new Float32Array(54).buffer),
  });
  const graph = onnx.GraphProto.create({
    name: "g",
    node: nodes.map((n) => onnx.NodeProto.create(n)),
    initializer: [W],
    input: [onnx.ValueInfoProto.create({
      name: "x",
      type: {
        tensorType: {
          elemType: 1,
          shape: { dim: dims.map((d) => (d > 0 ? { dimValue: d } : { dimParam: "H" })) },
        },
      },
    })],
    output: [onnx.ValueInfoProto.create({ name: "y" })],
  });
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: opts.opset ?? 13 }],
    graph,
  })).finish();
}

Deno.test("importOnnx() refuses what it cannot run with one line naming node, op and the supported ops", () => {
  const A = onnx.AttributeProto.AttributeType;
  const cases: [Uint8Array, string][] = [
    [
      modelWith([{ name: "act", opType: "Sigmoid", input: ["x"], output: ["y"] }]),
      "node act (Sigmoid) is not supported; supported ops: Conv, Gemm",
    ],
    [
      modelWith([{
        name: "dw",
        opType: "Conv",
        input: ["x", "W"],
        output: ["y"],
        attribute: [{ name: "group", type: A.INT, i: 3 }],
      }]),
      "node dw (Conv) has group = 3; only groups = 1 is supported",
    ],
    [
      modelWith([{
        name: "dil",
        opType: "Conv",
        input: ["x", "W"],
        output: ["y"],
        attribute: [{ name: "dilations", type: A.INTS, ints: [2, 2] }],
      }]),
      "node dil (Conv) has dilations [2, 2]; only dilation 1 is supported",
    ],
    [
      modelWith([{ name: "c", opType: "Conv", input: ["x", "W"], output: ["y"] }], {
        dims: [1, 3, -1, 4],
      }),
      "must have a static shape [N, C, H, W]",
    ],
    [
      modelWith([{ name: "c", opType: "Conv", input: ["x", "W"], output: ["y"] }], { opset: 9 }),
      "uses opset 9; supported: 11–21",
    ],
    [new Uint8Array([0xff, 0xff, 0xff, 0x0f, 1, 2, 3]), "bad.onnx is not a readable ONNX model"],
  ];
  for (const [bytes, msg] of cases) {
    const e = assertThrows(() => importOnnx(bytes, "bad.onnx"), UserError);
    assert(e.message.includes(msg) && !e.message.includes("\n"), e.message);
  }
  // A supported conv imports.
  const ok = importOnnx(
    modelWith([{ name: "c", opType: "Conv", input: ["x", "W"], output: ["y"] }]),
    "ok.onnx",
  );
  assertEquals(ok.nodes[0].op, "Conv");
});

Deno.test("importOnnx() reads MatMul + Add(bias) as one linear layer", async () => {
  const W = new Float32Array([1, 2, 3, 4, 5, 6]); // (in 3) × (out 2) for MatMul
  const graph = onnx.GraphProto.create({
    name: "mm",
    node: [
      onnx.NodeProto.create({ name: "flat", opType: "Flatten", input: ["x"], output: ["f"] }),
      onnx.NodeProto.create({ name: "mm", opType: "MatMul", input: ["f", "W"], output: ["m"] }),
      onnx.NodeProto.create({ name: "bias", opType: "Add", input: ["m", "b"], output: ["y"] }),
    ],
    initializer: [
      onnx.TensorProto.create({
        name: "W",
        dims: [3, 2],
        dataType: 1,
        rawData: new Uint8Array(W.buffer),
      }),
      onnx.TensorProto.create({ name: "b", dims: [2], dataType: 1, floatData: [10, 20] }),
    ],
    input: [
      onnx.ValueInfoProto.create({
        name: "x",
        type: {
          tensorType: {
            elemType: 1,
            shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }, { dimValue: 1 }, { dimValue: 1 }] },
          },
        },
      }),
    ],
    output: [onnx.ValueInfoProto.create({ name: "y" })],
  });
  const bytes = onnx.ModelProto.encode(
    onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: "", version: 13 }], graph }),
  ).finish();
  const net = importOnnx(bytes, "mm.onnx");
  assertEquals(net.nodes.map((n) => n.op), ["Flatten", "Gemm"]);
  const x = new Float32Array([1, 1, 1]);
  assertEquals([...forward(net, x)], [1 + 3 + 5 + 10, 2 + 4 + 6 + 20]);
  assertEquals([...await runOnnx(bytes, x, [1, 3, 1, 1])], [19, 32]);
});
