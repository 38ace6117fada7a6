// The ONNX importer checks every attribute and constant operand against the op's definition before
// using it: a table of broken variants of the fixture models (fixtures/*.onnx, edited with
// onnx-proto), each refused with one UserError line naming the file, the node (name and op type)
// and the fix; and a PyTorch-style Reshape to [N, -1] with an INT64 shape initializer is accepted.
import { assert, assertEquals, assertThrows } from "@std/assert";
import onnxProto from "onnx-proto";
import { UserError } from "../base/mod.ts";
import { forward } from "./forward.ts";
import { importOnnx } from "./onnx.ts";
import { randomInput } from "./_testing.ts";

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;
type Model = onnxProto.onnx.ModelProto;
type Tensor = onnxProto.onnx.ITensorProto;

const fixture = (f: string) => Deno.readFile(new URL(`../../fixtures/${f}`, import.meta.url));
const FIXTURES = Object.fromEntries(
  await Promise.all(
    ["tiny_batchnorm.onnx", "tiny_residual.onnx", "torch_vgg.onnx", "torch_resnet_bn.onnx"].map(
      async (f) => [f, await fixture(f)] as const,
    ),
  ),
);

/** Edits of a decoded model, by node and initializer name. */
class Edit {
  constructor(readonly m: Model) {}
  node(name: string) {
    const n = this.m.graph!.node!.find((n) => n.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }
  init(name: string): Tensor {
    const t = this.m.graph!.initializer!.find((t) => t.name === name);
    if (!t) throw new Error(`no initializer ${name}`);
    return t;
  }
  /** Set (or add) an attribute; `type` defaults from the value (INTS, INT or FLOAT). */
  attr(node: string, name: string, v: number | number[], type?: number) {
    const n = this.node(node);
    n.attribute = (n.attribute ?? []).filter((a) => a.name !== name);
    const t = type ?? (Array.isArray(v) ? AT.INTS : Number.isInteger(v) ? AT.INT : AT.FLOAT);
    n.attribute.push(
      onnx.AttributeProto.create(
        Array.isArray(v)
          ? { name, type: t, ints: v }
          : t === AT.FLOAT
          ? { name, type: t, f: v }
          : { name, type: t, i: v },
      ),
    );
  }
  /** Overwrite float `i` of a FLOAT initializer's raw data. */
  setFloat(init: string, i: number, v: number) {
    const t = this.init(init);
    const raw = new Uint8Array(t.rawData!);
    new DataView(raw.buffer).setFloat32(4 * i, v, true);
    t.rawData = raw;
  }
  /** Keep the first `n` floats of a FLOAT initializer, with new dims. */
  resize(init: string, dims: number[]) {
    const t = this.init(init), n = dims.reduce((a, b) => a * b, 1);
    t.dims = dims;
    t.rawData = new Uint8Array(t.rawData!).slice(0, 4 * n);
  }
  add(t: Tensor) {
    this.m.graph!.initializer!.push(onnx.TensorProto.create(t));
  }
}

function variant(file: string, edit: (e: Edit) => void): Uint8Array {
  const m = onnx.ModelProto.decode(FIXTURES[file]);
  edit(new Edit(m));
  return onnx.ModelProto.encode(m).finish();
}

const i64 = (name: string, v: number[]): Tensor => ({
  name,
  dims: [v.length],
  dataType: 7,
  rawData: new Uint8Array(BigInt64Array.from(v.map(BigInt)).buffer),
});

const BN = "tiny_batchnorm.onnx", RES = "tiny_residual.onnx";
/** [what, fixture, edit, what the line must say (the node, then the problem and the fix)]. */
const CASES: [string, string, (e: Edit) => void, string[]][] = [
  [
    "Conv with negative pads",
    BN,
    (e) => e.attr("conv", "pads", [-1, -1, -1, -1]),
    ["node conv (Conv) has pads [-1, -1, -1, -1]; each pad must be in [0, 3)", "fix the model's"],
  ],
  [
    "Conv with pads ≥ kernel",
    BN,
    (e) => e.attr("conv", "pads", [3, 3, 3, 3]),
    ["node conv (Conv) has pads [3, 3, 3, 3]; each pad must be in [0, 3)"],
  ],
  [
    "Conv with strides [0, 0]",
    BN,
    (e) => e.attr("conv", "strides", [0, 0]),
    ["node conv (Conv) has strides [0, 0]; strides must be at least 1", "fix the model's stride"],
  ],
  [
    "Conv with three strides",
    BN,
    (e) => e.attr("conv", "strides", [1, 1, 1]),
    ["node conv (Conv) has strides [1, 1, 1]; a 2-D Conv needs two strides"],
  ],
  [
    "dilated Conv",
    BN,
    (e) => e.attr("conv", "dilations", [2, 2]),
    ["node conv (Conv) has dilations [2, 2]; only dilation 1 is supported"],
  ],
  [
    "grouped Conv",
    BN,
    (e) => e.attr("conv", "group", 3),
    ["node conv (Conv) has group = 3; only groups = 1 is supported"],
  ],
  [
    "Conv kernel_shape disagreeing with its weight",
    BN,
    (e) => e.attr("conv", "kernel_shape", [5, 5]),
    ["node conv (Conv) has kernel_shape [5, 5] but a 3×3 weight; they must agree"],
  ],
  [
    "Conv with a 2-D weight",
    BN,
    (e) => (e.init("conv.weight").dims = [6, 27]),
    ["node conv (Conv) has a weight of dims [6, 27]; only 2-D convolutions", "export a Conv2d"],
  ],
  [
    "Conv weight for the wrong input channels",
    BN,
    (e) => e.resize("conv.weight", [6, 2, 3, 3]),
    ["node conv (Conv) has a weight for 2 input channels, but its input has 3", "[6, 3, 3, 3]"],
  ],
  [
    "Conv bias of the wrong length",
    RES,
    (e) => e.resize("stem.bias", [3]),
    ['node stem (Conv) has a bias "stem.bias" of dims [3] for 4 output channels', "([4])"],
  ],
  [
    "Conv with SAME_UPPER auto_pad",
    BN,
    (e) =>
      e.node("conv").attribute!.push(
        onnx.AttributeProto.create({
          name: "auto_pad",
          type: AT.STRING,
          s: new TextEncoder().encode("SAME_UPPER"),
        }),
      ),
    ["node conv (Conv) uses auto_pad = SAME_UPPER; re-export with explicit pads"],
  ],
  [
    "Conv attribute ONNX does not define",
    BN,
    (e) => e.attr("conv", "padding", 1),
    ['node conv (Conv) has attribute "padding", which Conv does not define; remove it'],
  ],
  [
    "Conv strides written as one INT",
    BN,
    (e) => e.attr("conv", "strides", 2, AT.INT),
    ["node conv (Conv) has attribute strides of type INT; ONNX defines it as INTS"],
  ],
  [
    "NaN weight",
    BN,
    (e) => e.setFloat("conv.weight", 5, NaN),
    ["initializer conv.weight holds NaN at index 5; weights must be finite", "retrain it"],
  ],
  [
    "infinite BatchNorm variance",
    BN,
    (e) => e.setFloat("bn.var", 0, -Infinity),
    ["initializer bn.var holds -Infinity at index 0; weights must be finite"],
  ],
  [
    "BatchNorm scale of the wrong length",
    BN,
    (e) => e.resize("bn.scale", [5]),
    ['node bn (BatchNormalization) has a scale "bn.scale" of dims [5] for 6 channels', "[6]"],
  ],
  [
    "BatchNorm mean of the wrong length (PyTorch names)",
    "torch_resnet_bn.onnx",
    (e) => e.resize("layer1.0.bn1.running_mean", [4]),
    [
      'node layer1.0.bn1 (BatchNormalization) has a mean "layer1.0.bn1.running_mean" of dims [4] ' +
      "for 8 channels",
    ],
  ],
  [
    "BatchNorm negative variance",
    BN,
    (e) => e.setFloat("bn.var", 2, -1),
    ['node bn (BatchNormalization) has variance -1 for channel 2 in "bn.var"', "must be > 0"],
  ],
  [
    "BatchNorm negative epsilon",
    BN,
    (e) => e.attr("bn", "epsilon", -0.5),
    ["node bn (BatchNormalization) has epsilon = -0.5; it must be finite and ≥ 0"],
  ],
  [
    "Gemm transB = 2",
    BN,
    (e) => e.attr("fc", "transB", 2),
    ["node fc (Gemm) has transB = 2; transB must be 0 or 1"],
  ],
  [
    "Gemm transA = 1",
    BN,
    (e) => e.attr("fc", "transA", 1),
    ["node fc (Gemm) has transA = 1; only transA = 0 is supported"],
  ],
  [
    "Gemm alpha NaN",
    BN,
    (e) => e.attr("fc", "alpha", NaN, AT.FLOAT),
    ["node fc (Gemm) has alpha = NaN; it must be finite"],
  ],
  [
    "Gemm weight for the wrong input length",
    BN,
    (e) => (e.init("fc.weight").dims = [10, 12]),
    ["node fc (Gemm) has a weight [10, 12] (transB = 1) for 12 inputs, but its input has 24"],
  ],
  [
    "INT64 Gemm bias",
    BN,
    (e) => {
      const t = e.init("fc.bias");
      Object.assign(t, i64("fc.bias", [1, 2, 3, 4, 5]));
    },
    ['node fc (Gemm) has an integer (INT64/INT32) bias "fc.bias"; weights must be FLOAT'],
  ],
  [
    "MaxPool stride 0 (blamed on the pool, not the Gemm after it)",
    BN,
    (e) => e.attr("maxpool", "strides", [0, 0]),
    ["node maxpool (MaxPool) has strides [0, 0]; strides must be at least 1"],
  ],
  [
    "MaxPool window larger than its map",
    BN,
    (e) => e.attr("maxpool", "kernel_shape", [20, 20]),
    ["node maxpool (MaxPool) has a 20×20 window larger than its padded 8×8 input map"],
  ],
  [
    "PyTorch MaxPool window larger than its map",
    "torch_vgg.onnx",
    (e) => e.attr("/features/features.7/MaxPool", "kernel_shape", [17, 17]),
    [
      "node /features/features.7/MaxPool (MaxPool) has a 17×17 window larger than its padded 16×16",
    ],
  ],
  [
    "AveragePool pads ≥ its window",
    BN,
    (e) => e.attr("avgpool", "pads", [2, 0, 0, 0]),
    ["node avgpool (AveragePool) has pads [2, 0, 0, 0]; each pad must be in [0, 2)"],
  ],
  [
    "MaxPool ceil_mode = 1",
    BN,
    (e) => e.attr("maxpool", "ceil_mode", 1),
    ["node maxpool (MaxPool) has ceil_mode = 1; only ceil_mode = 0", "ceil_mode=False"],
  ],
  [
    "AveragePool without kernel_shape",
    BN,
    (e) => (e.node("avgpool").attribute = []),
    ["node avgpool (AveragePool) has kernel_shape []; it needs a square 2-D window"],
  ],
  [
    "Reshape with a FLOAT shape",
    "torch_vgg.onnx",
    (e) => {
      const f = e.node("/Flatten");
      Object.assign(f, { opType: "Reshape", attribute: [], input: [f.input![0], "shape"] });
      e.add({ name: "shape", dims: [2], dataType: 1, floatData: [1, -1] });
    },
    ["node /Flatten (Reshape) has a FLOAT shape; ONNX defines it as INT64"],
  ],
  [
    "residual Add of different shapes",
    RES,
    (e) => e.attr("block.conv2", "strides", [2, 2]),
    ["node block.add (Add) adds [1,4,4,4] and [1,4,8,8]; only equal shapes", "fix the shortcut"],
  ],
  [
    "two nodes writing one tensor",
    BN,
    (e) => (e.node("avgpool").output = ["r"]),
    ['node avgpool (AveragePool) writes "r", which', "tensor names must be unique"],
  ],
  [
    "Conv without its weight",
    BN,
    (e) => (e.node("conv").input = ["input"]),
    ['node conv (Conv) has inputs ["input"]; Conv takes 2 to 3'],
  ],
  [
    "weights in an external file",
    BN,
    (e) => {
      const t = e.init("fc.weight");
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      t.rawData = new Uint8Array();
    },
    ["initializer fc.weight keeps its data in an external file; re-export with the weights inside"],
  ],
];

Deno.test("importOnnx() refuses broken fixture variants with one line naming file, node and fix", async (t) => {
  assert(CASES.length >= 15);
  for (const [what, file, edit, want] of CASES) {
    await t.step(what, () => {
      const source = `fixtures/${file}`;
      const e = assertThrows(() => importOnnx(variant(file, edit), source), UserError);
      assert(e.message.startsWith(`${source}: `), e.message);
      assert(!e.message.includes("\n"), e.message);
      for (const w of want) assert(e.message.includes(w), `${e.message}\n  should say: ${w}`);
    });
  }
});

Deno.test("a PyTorch-style Reshape to [N, -1] with an INT64 shape initializer imports as a flatten", () => {
  const source = "fixtures/torch_vgg.onnx";
  const flat = importOnnx(FIXTURES["torch_vgg.onnx"], source);
  const x = randomInput(flat, 3);
  // torch.onnx.export of x.view(x.size(0), -1) with a static batch, and x.reshape(-1, 256).
  for (const [shapeName, shape] of [["onnx::Reshape_42", [1, -1]], ["s", [-1, 256]]] as const) {
    const bytes = variant("torch_vgg.onnx", (e) => {
      const f = e.node("/Flatten");
      Object.assign(f, { opType: "Reshape", attribute: [], input: [f.input![0], shapeName] });
      e.add(i64(shapeName, [...shape]));
    });
    const net = importOnnx(bytes, source);
    assertEquals(net.nodes.map((n) => [n.name, n.op]), flat.nodes.map((n) => [n.name, n.op]));
    assertEquals(forward(net, x), forward(flat, x));
  }
  // The same INT64 initializer read as a weight is refused.
  const e = assertThrows(
    () =>
      importOnnx(
        variant("torch_vgg.onnx", (e) => {
          e.add(i64("s", Array(24).fill(1)));
          const g = e.node("/classifier/classifier.1/Gemm");
          g.input = [g.input![0], g.input![1], "s"];
        }),
        source,
      ),
    UserError,
  );
  assert(e.message.includes('has an integer (INT64/INT32) bias "s"; weights must be FLOAT'));
});
