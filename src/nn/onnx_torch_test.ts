// Real PyTorch exports (fixtures/torch_*.onnx, written by scripts/torch_fixture.py with torch 1.13):
// they import, and the IR forward pass, onnxruntime-web and PyTorch's saved outputs agree.
import { assert, assertEquals } from "@std/assert";
import { decodeBase64 } from "@std/encoding/base64";
import onnxProto from "onnx-proto";
import { forward } from "./forward.ts";
import type { BatchNormNode, ConvNode, Network } from "./network.ts";
import { importOnnx } from "./onnx.ts";
import { runOnnx } from "./ort.ts";
import { relErr } from "./_testing.ts";

const { onnx } = onnxProto;

const FIXTURES = ["torch_resnet_bn", "torch_vgg", "torch_vgg_reshape", "torch_gap_squeeze"];

interface TorchFixture {
  readonly bytes: Uint8Array;
  readonly net: Network;
  readonly shape: number[];
  readonly inputs: Float32Array[];
  readonly outputs: Float32Array[];
}

async function load(name: string): Promise<TorchFixture> {
  const file = (ext: string) => new URL(`../../fixtures/${name}.${ext}`, import.meta.url);
  const bytes = await Deno.readFile(file("onnx"));
  const doc = JSON.parse(await Deno.readTextFile(file("json")));
  return {
    bytes,
    net: importOnnx(bytes, `${name}.onnx`),
    shape: doc.input_shape,
    inputs: doc.inputs_f32le_base64.map((s: string) => new Float32Array(decodeBase64(s).buffer)),
    outputs: doc.outputs.map((y: number[]) => Float32Array.from(y)),
  };
}

function argmax(y: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < y.length; i++) if (y[i] > y[best]) best = i;
  return best;
}

/** The op types of the ONNX file itself, in order (what torch wrote). */
function onnxOps(bytes: Uint8Array): string[] {
  return (onnx.ModelProto.decode(bytes).graph?.node ?? []).map((n) => n.opType ?? "");
}

Deno.test("PyTorch exports: the IR forward pass equals onnxruntime-web and PyTorch within 1e-4, argmax agrees", async () => {
  for (const name of FIXTURES) {
    const f = await load(name);
    assert(f.inputs.length >= 3, name);
    f.inputs.forEach((x, i) => {
      assertEquals(x.length, f.shape.slice(1).reduce((a, b) => a * b), name);
      const ir = forward(f.net, x);
      assert(
        relErr(ir, f.outputs[i]) < 1e-4,
        `${name}[${i}]: IR vs torch ${relErr(ir, f.outputs[i])}`,
      );
      assertEquals(argmax(ir), argmax(f.outputs[i]), `${name}[${i}]: argmax`);
    });
    for (const [i, x] of f.inputs.entries()) {
      const ort = await runOnnx(f.bytes, x, f.shape);
      assert(relErr(ort, f.outputs[i]) < 1e-4, `${name}[${i}]: ort vs torch`);
      assertEquals(argmax(ort), argmax(f.outputs[i]), `${name}[${i}]: ort argmax`);
    }
  }
});

Deno.test("PyTorch ResNet, BatchNorm kept: Identity resolves to the tied initializer, the view chain folds", async () => {
  const { bytes, net } = await load("torch_resnet_bn");
  const ops = onnxOps(bytes);
  for (const op of ["Identity", "Pad", "Shape", "Gather", "Unsqueeze", "Concat", "Reshape"]) {
    assert(ops.includes(op), `torch wrote no ${op}`);
  }
  const byName = new Map(net.nodes.map((n) => [n.name, n]));
  const bn = (name: string) => byName.get(name) as BatchNormNode;
  // scripts/torch_fixture.py ties these biases; torch writes the second as Identity(first).
  assertEquals(bn("layer1.0.bn2").bias, bn("bn1").bias);
  assertEquals(bn("layer3.0.bn1").bias, bn("layer2.0.bn2").bias);
  assertEquals(net.nodes.filter((n) => n.op === "BatchNormalization").length, 9);
  for (const layer of ["conv1", "layer1.0.conv2", "layer2.0.shortcut.0", "layer3.0.shortcut.1"]) {
    assert(byName.has(layer), layer);
  }
  assertEquals(net.nodes.slice(-3).map((n) => [n.op, n.name]), [
    ["AveragePool", "/AveragePool"],
    ["Flatten", "/Reshape"],
    ["Gemm", "linear"],
  ]);
});

Deno.test("PyTorch VGGs: BatchNorm folded or kept, flatten/reshape, Linear with and without bias", async () => {
  const vgg = await load("torch_vgg");
  assertEquals(onnxOps(vgg.bytes).filter((op) => !["Conv", "Relu", "MaxPool"].includes(op)), [
    "Flatten",
    "Gemm",
    "MatMul",
  ]);
  assertEquals(
    vgg.net.nodes.filter((n) => n.op === "Conv" || n.op === "Gemm").map((n) => n.name),
    ["features.0", "features.4", "features.8", "classifier.1", "classifier.3"],
  );
  assert((vgg.net.nodes[0] as ConvNode).bias, "the export folds BatchNorm into a conv bias");
  const kept = await load("torch_vgg_reshape");
  assert(onnxOps(kept.bytes).includes("Transpose"));
  assertEquals(kept.net.nodes.slice(-4).map((n) => [n.op, n.name]), [
    ["Flatten", "/Reshape"],
    ["Gemm", "fc1"],
    ["Relu", "/Relu"],
    ["Gemm", "classifier"],
  ]);
  const gap = await load("torch_gap_squeeze");
  assertEquals(gap.net.nodes.filter((n) => n.op === "GlobalAveragePool").length, 2);
});
