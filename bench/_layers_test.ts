import { assert, assertEquals, assertMatch } from "@std/assert";

// benchLayers under a real `deno bench`: a layer is verified on its warm-up call (no run of its
// own) before any of its timings is written, and a layer whose HE output is wrong fails its bench
// without a single `cpu-ms` line.
const root = new URL("../", import.meta.url);

Deno.test("benchLayers verifies each layer on its first call and reports no timing of a wrong one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/two_bench.ts`;
    await Deno.writeTextFile(
      file,
      `
import { planLayer } from "${new URL("src/frameworks/mod.ts", root)}";
import { getPreset } from "${new URL("src/he/mod.ts", root)}";
import { parseLayerSpec, syntheticLayer } from "${new URL("src/nn/mod.ts", root)}";
import { benchLayers } from "${new URL("bench/_layers.ts", root)}";

const layer = syntheticLayer("c", parseLayerSpec("conv:h=8,w=8,ci=4,co=4,k=3"), 7);
const program = planLayer(layer, { framework: "gazelle", preset: getPreset("gazelle") });
// The same program, checked against a layer with one weight changed: its output is wrong.
const other = { ...layer, weights: layer.weights.map((w, i) => (i === 0 ? w + 1 : w)) };
await benchLayers([
  { model: "m", layer, framework: "gazelle", variant: "right", program },
  { model: "m", layer: other, framework: "gazelle", variant: "wrong", program },
], { predict: false });
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "bench",
        "--json",
        "--no-check",
        "--config",
        new URL("deno.json", root).pathname,
        "--allow-read",
        "--allow-env",
        file,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    const report = JSON.parse(new TextDecoder().decode(out.stdout));
    assert(!out.success, "a wrong layer must fail the run");
    const [right, wrong] = report.benches;
    assertEquals(right.results[0].ok.n, 4, "n: 3 gives deno bench's n + 1 samples");
    assertMatch(
      JSON.stringify(wrong.results[0].failed),
      /m\/c\/gazelle\/wrong: HE output is wrong/,
    );
    const lines = stderr.split("\n");
    const rightLines = lines.filter((l) => l.includes("m/c/gazelle/right"));
    // The warm-up call and the 4 samples each write their CPU time, after the layer is verified.
    assertEquals(rightLines[0], "verified m/c/gazelle/right [1/2]");
    assertEquals(rightLines.slice(1).map((l) => l.split(" ")[0]), Array(5).fill("cpu-ms"));
    assertEquals(lines.filter((l) => l.includes("m/c/gazelle/wrong")), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
