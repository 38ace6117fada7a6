// Broken ONNX files through the tasks that load models: refused in one line (exit 2) naming the
// file, the node and the fix, before any work or output; and a PyTorch-style Reshape with an
// INT64 shape initializer loads. The importer's full table is src/nn/onnx_validation_test.ts.
import { assert, assertEquals } from "@std/assert";
import onnxProto from "onnx-proto";
import { type CliResult, listDir, runOk, stepRefusals, tempDir } from "./_cli_testing.ts";

const { onnx } = onnxProto;
type Model = onnxProto.onnx.ModelProto;

const FIXTURE = await Deno.readFile(new URL("../fixtures/tiny_batchnorm.onnx", import.meta.url));

function variant(edit: (m: Model) => void): Uint8Array {
  const m = onnx.ModelProto.decode(FIXTURE);
  edit(m);
  return onnx.ModelProto.encode(m).finish();
}
const node = (m: Model, name: string) => m.graph!.node!.find((n) => n.name === name)!;
const setInts = (m: Model, n: string, name: string, ints: number[]) => {
  const x = node(m, n);
  x.attribute = [
    ...(x.attribute ?? []).filter((a) => a.name !== name),
    onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints }),
  ];
};

// Progress lines ("loading …") may precede the one error line; no stack trace.
const noStack = (r: CliResult) => assert(!r.stderr.includes("    at "), r.stderr);

Deno.test("prune and cost refuse broken ONNX files in one line naming file, node and fix, writing nothing", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const files: Record<string, Uint8Array> = {
    "stride0.onnx": variant((m) => setInts(m, "conv", "strides", [0, 0])),
    "pads.onnx": variant((m) => setInts(m, "conv", "pads", [-1, -1, -1, -1])),
    "nan.onnx": variant((m) => {
      const w = m.graph!.initializer!.find((t) => t.name === "fc.weight")!;
      const raw = new Uint8Array(w.rawData!);
      new DataView(raw.buffer).setFloat32(8, NaN, true);
      w.rawData = raw;
    }),
    "pool.onnx": variant((m) => setInts(m, "maxpool", "strides", [0, 0])),
  };
  for (const [f, bytes] of Object.entries(files)) await Deno.writeFile(`${dir}/${f}`, bytes);
  const prune = (f: string) => [
    "--model",
    `${dir}/${f}`,
    "--method",
    "mosaic",
    "--framework",
    "gazelle",
    "--ratio",
    "0.5",
    "--out",
    `${dir}/out.json`,
  ];
  await stepRefusals(t, "prune.ts", [
    [prune("stride0.onnx"), "stride0.onnx: node conv (Conv) has strides [0, 0]; strides must be"],
    [prune("nan.onnx"), "nan.onnx: initializer fc.weight holds NaN at index 2; weights must be"],
    [prune("pool.onnx"), "pool.onnx: node maxpool (MaxPool) has strides [0, 0]"],
  ], { tmp: dir, also: noStack });
  await stepRefusals(t, "cost.ts", [
    [
      ["--model", `${dir}/pads.onnx`, "--framework", "gazelle"],
      "pads.onnx: node conv (Conv) has pads [-1, -1, -1, -1]; each pad must be in [0, 3)",
    ],
  ], { tmp: dir, also: noStack });
  assertEquals(listDir(dir), Object.keys(files).sort());
});

Deno.test("a Reshape to [N, -1] with an INT64 shape initializer loads in deno task cost", async () => {
  await using tmp = await tempDir();
  const file = `${tmp.path}/reshape.onnx`;
  await Deno.writeFile(
    file,
    variant((m) => {
      const f = node(m, "flatten");
      Object.assign(f, { opType: "Reshape", attribute: [], input: [f.input![0], "shape"] });
      m.graph!.initializer!.push(onnx.TensorProto.create({
        name: "shape",
        dims: [2],
        dataType: onnx.TensorProto.DataType.INT64,
        rawData: new Uint8Array(BigInt64Array.from([1n, -1n]).buffer),
      }));
    }),
  );
  const r = await runOk("cost.ts", ["--model", file, "--framework", "gazelle", "--json"]);
  const doc = JSON.parse(r.stdout);
  assertEquals(doc.layers.map((l: { name: string }) => l.name), ["conv", "fc"]);
  assert(doc.totals.ops.mult > 0);
});
