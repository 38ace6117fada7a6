import { assert, assertEquals } from "@std/assert";

import { runJson, runOk, stepRefusals, tempDir } from "./_cli_testing.ts";

Deno.test("deno task cost prints per-layer tables as text, JSON and CSV", async () => {
  const j = await runJson("cost.ts", [
    "--model",
    "vgg16-cifar10",
    "--framework",
    "cryptflow2",
    "--json",
  ]);
  assertEquals([j.model, j.framework, j.layers.length], ["vgg16-cifar10", "cryptflow2", 14]);
  for (const k of ["perm_in", "perm_out", "key_switches", "mult", "add"]) {
    assert(k in j.totals.ops, k);
  }
  assertEquals(j.layers[0].name, "features.0");
  assert(j.weights.startsWith("SYNTHETIC"));
  assertEquals(j.manifest.model_hash.length, 64);
  assert(j.manifest.presets[0].security.length > 0 && j.manifest.git_sha.length > 0);
  const c = await runOk("cost.ts", ["--model", "resnet18-cifar10", "--width", "0.25", "--csv"]);
  const lines = c.stdout.trim().split("\n");
  assertEquals(
    lines[0],
    "name,kind,shape,slots,channels_per_ct,perm_in,perm_out,key_switches,mult,add,bytes_up,bytes_down,predicted_ms",
  );
  assertEquals(lines.length, 1 + 21 + 1);
  const t = await runOk("cost.ts", ["--model", "fixtures/tiny_residual.onnx"]);
  assert(t.stdout.includes("block.conv2") && t.stdout.includes("fc"));
  // Cheetah: no rotation anywhere, its own method flag, bytes each way per layer.
  const ch = await runOk("cost.ts", [
    "--model",
    "vgg16-cifar10",
    "--width",
    "0.25",
    "--framework",
    "cheetah",
    "--method",
    "ntt",
    "--json",
  ]);
  const cj = JSON.parse(ch.stdout);
  assertEquals(cj.totals.ops.perm_in + cj.totals.ops.perm_out + cj.totals.ops.key_switches, 0);
  assert(
    cj.layers.every((l: { bytes: { down: number; galois_keys: number } }) =>
      l.bytes.down > 0 && l.bytes.galois_keys === 0
    ),
  );
  assert(cj.layers.some((l: { method: string }) => l.method === "ntt"));
});

Deno.test("deno task cost rejects bad models and mask files with one line", async (t) => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.writeTextFile(
    `${dir}/m.json`,
    '{"format":"mosaic-bench-masks/1","model":"x","model_hash":"00","layers":{}}',
  );
  await Deno.writeFile(`${dir}/bad.onnx`, new Uint8Array([0xff, 0xff, 0xff, 0x0f]));
  await stepRefusals(t, "cost.ts", [
    [["--model", "nope"], 'Unknown model "nope"'],
    [["--model", `${dir}/missing.onnx`], "does not exist"],
    [["--model", `${dir}/bad.onnx`], "is not a readable ONNX model"],
    [["--model", "vgg16-cifar10", "--masks", `${dir}/m.json`], "was made for model"],
    [["--model", "vgg16-cifar10", "--framework", "x"], 'Unknown --framework "x"'],
  ], { tmp: dir });
});
