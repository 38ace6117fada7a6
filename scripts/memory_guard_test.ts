/**
 * Resource guards at the CLI: layers too large for memory (or for node-seal's 4 GiB heap) are
 * refused in one line before anything big is allocated, and a planning error inside a `cost`
 * Worker prints the same one line `prune` prints for the same file.
 */
import { assert, assertEquals } from "@std/assert";
import { exportOnnx, type Network } from "../src/nn/mod.ts";
import {
  assertRefusal,
  type CliResult,
  commandLine,
  TASK_PERMISSIONS,
  tempDir,
  type Want,
} from "./_cli_testing.ts";

const root = new URL("..", import.meta.url).pathname;

/** Data segment of a guarded run (KiB): allocating any of these layers would fail far beyond it. */
const DATA_LIMIT_KB = 1024 * 1024;

/**
 * Run `scripts/<script>` as `runScript` does, but with a 512 MB V8 heap and, unless the script
 * starts Workers (each isolate reserves its own code space), a 1 GiB data segment (`ulimit -d`:
 * array buffers count too), so a layer that started to allocate would fail with "Array buffer
 * allocation failed" instead of the guard's line; returns the wall time too.
 */
async function runBounded(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
  workers = false,
): Promise<CliResult & { ms: number }> {
  const t0 = performance.now();
  const out = await new Deno.Command("/bin/sh", {
    args: [
      "-c",
      workers ? `exec "$@"` : `ulimit -d ${DATA_LIMIT_KB} && exec "$@"`,
      "sh",
      Deno.execPath(),
      "run",
      "--v8-flags=--max-old-space-size=512",
      ...TASK_PERMISSIONS,
      `${root}scripts/${script}`,
      ...args,
    ],
    cwd: root,
    env: { NO_COLOR: "1", MOSAIC_MAX_MEMORY: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    ms: performance.now() - t0,
  };
}

/** What no refusal may say: the allocation failures the guards replace, or a stack trace. */
function assertClean(r: CliResult, what: string): void {
  for (const bad of ["Array buffer allocation failed", "Invalid typed array length", "Uncaught"]) {
    assert(!r.stderr.includes(bad), `${what}: ${r.stderr}`);
  }
  assert(!/^\s+at /m.test(r.stderr), `${what}: stack trace in ${r.stderr}`);
}

const PLAN = (bytes: string) =>
  new RegExp(`needs an estimated [\\d.]+ ${bytes} to plan \\(op list`);
const SEAL =
  /needs an estimated [\d.]+ [GT]B of SEAL objects to execute \(masks .*4 GiB WebAssembly heap: count it without --execute/;

/** Out of the spec's bounds: refused by the spec parser before anything is planned. */
const SPEC = /is out of range|larger values are refused|at most \d+ (weights|input|output)/;

/** Huge layers: [arguments, environment, what the one line says]. */
const HUGE: [string[], Record<string, string>, Want][] = [
  // The issue's layers: past the spec's bounds now, so the parser refuses them first.
  [["gazelle", "conv:h=8,w=8,ci=10000000,co=2,k=3"], { MOSAIC_MAX_MEMORY: "4GB" }, SPEC],
  [["gazelle", "fc:in=1000000000,out=6"], { MOSAIC_MAX_MEMORY: "4GB" }, SPEC],
  [["gazelle", "bn:c=1,h=1000000000000,w=1"], { MOSAIC_MAX_MEMORY: "4GB" }, SPEC],
  [["cryptflow2", "conv:h=8,w=8,ci=10000000,co=2,k=3"], { MOSAIC_MAX_MEMORY: "4GB" }, SPEC],
  [["cryptflow2", "fc:in=16384,out=1000000000"], {}, SPEC],
  [["gazelle", "conv:h=100000000,w=8,ci=64,co=64,k=3"], {}, SPEC],
  [["cryptflow2", "bn:c=1000000,h=1000000,w=1000"], {}, SPEC],
  [["gazelle", "conv:h=32,w=32,ci=100000,co=100000,k=3,s=2", "--method", "or"], {}, SPEC],
  // Within the spec's bounds but over a small memory limit: the memory guard's line.
  [
    ["gazelle", "conv:h=128,w=128,ci=1024,co=1024,k=3"],
    { MOSAIC_MAX_MEMORY: "64MB" },
    PLAN("[MG]B"),
  ],
  [["gazelle", "fc:in=1048576,out=128"], { MOSAIC_MAX_MEMORY: "64MB" }, PLAN("[MG]B")],
  [
    ["cheetah", "conv:h=128,w=128,ci=1024,co=1024,k=3"],
    { MOSAIC_MAX_MEMORY: "64MB" },
    PLAN("[MG]B"),
  ],
  [
    ["cryptflow2", "conv:h=64,w=64,ci=1024,co=1024,k=3"],
    { MOSAIC_MAX_MEMORY: "64MB" },
    PLAN("[MG]B"),
  ],
  // Executing: SEAL objects past node-seal's 4 GiB heap, however small the plan.
  [["gazelle", "conv:h=16,w=16,ci=512,co=512,k=3", "--execute"], {}, SEAL],
  [["cryptflow2", "conv:h=32,w=32,ci=2048,co=2048,k=3", "--execute"], {}, SEAL],
  // Cheetah: coefficient-form kernel polynomials (one prime each), 2048 × 171 of them.
  [["cheetah", "conv:h=16,w=16,ci=2048,co=2048,k=3", "--execute"], {}, SEAL],
];

Deno.test("deno task plan refuses huge layers in one line, in seconds, without allocating them", async (t) => {
  for (const [args, env, want] of HUGE) {
    const limit = env.MOSAIC_MAX_MEMORY;
    const name = `${commandLine("plan.ts", args)}${limit ? ` (MOSAIC_MAX_MEMORY=${limit})` : ""}`;
    await t.step(name, async () => {
      const r = await runBounded("plan.ts", args, env);
      assertRefusal(r, want, true, name);
      assert(r.stderr.includes("Layer"), r.stderr);
      assertClean(r, name);
      assert(r.ms < 15_000, `${name}: ${r.ms.toFixed(0)} ms`);
    });
  }
});

Deno.test("the guarded run itself can plan and execute a real layer (the bounds are not what refuses)", async () => {
  const r = await runBounded("plan.ts", ["gazelle", "fc:in=512,out=10", "--execute", "--json"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(JSON.parse(r.stdout).verified, true);
  // A stride far beyond the kernel (the spec's largest): SCI's phases past the kernel are empty
  // and not looped over.
  const s = await runBounded("plan.ts", [
    "cryptflow2",
    "conv:h=8,w=8,ci=1,co=1,k=1,s=32,p=0",
    "--json",
  ]);
  assertEquals(s.code, 0, s.stderr);
  assertEquals(JSON.parse(s.stdout).phases, 1);
  assert(s.ms < 15_000, `${s.ms.toFixed(0)} ms`);
});

/** A 1 → 2 channel 3×3 conv on an h × w input, then global pooling and a 2 → 10 linear layer. */
function tinyNet(h: number, w: number): Network {
  return {
    name: "wide",
    input: { name: "input", c: 1, h, w },
    output: "y",
    nodes: [
      {
        op: "Conv",
        name: "conv1",
        inputs: ["input"],
        output: "c1",
        ci: 1,
        co: 2,
        k: 3,
        stride: 1,
        pads: [1, 1, 1, 1],
        weight: Float32Array.from({ length: 18 }, (_, i) => (i % 5) / 10 - 0.2),
        bias: null,
      },
      { op: "GlobalAveragePool", name: "gap", inputs: ["c1"], output: "g" },
      { op: "Flatten", name: "flat", inputs: ["g"], output: "f" },
      {
        op: "Gemm",
        name: "fc",
        inputs: ["f"],
        output: "y",
        in: 2,
        out: 10,
        weight: Float32Array.from({ length: 20 }, (_, i) => (i % 7) / 10 - 0.3),
        bias: null,
      },
    ],
    weights: "test",
  };
}

/** The one error line of a refusal (other stderr lines are progress). */
function errorLine(r: CliResult, what: string): string {
  const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("error"));
  assertEquals(lines.length, 1, `${what}: ${r.stderr}`);
  return lines[0];
}

Deno.test("deno task cost: a layer failing inside a planning Worker is the one line prune prints", async (t) => {
  await using tmp = await tempDir();
  // [input size, framework, environment, what the line says]
  const cases: [number, number, string, Record<string, string>, Want][] = [
    [200, 200, "cryptflow2", {}, "Layer conv1: stride phase (0,0) has a 202×202 sub-image"],
    [8, 3000, "gazelle", {}, "Layer conv1 does not fit preset gazelle"],
    [
      60000,
      8,
      "gazelle",
      { MOSAIC_MAX_MEMORY: "2MB" },
      "Layer conv1 under gazelle needs an estimated",
    ],
  ];
  for (const [h, w, framework, env, want] of cases) {
    const file = `${tmp.path}/big${h}x${w}.onnx`;
    await Deno.writeFile(file, exportOnnx(tinyNet(h, w)));
    const name = `${h}×${w} input under ${framework}`;
    await t.step(name, async () => {
      const args = ["--model", file, "--framework", framework];
      const cost = await runBounded("cost.ts", args, env, true);
      assertRefusal(cost, want, false, `cost ${name}`);
      assertClean(cost, `cost ${name}`);
      assertEquals(cost.stdout, "");
      assert(cost.ms < 30_000, `cost ${name}: ${cost.ms.toFixed(0)} ms`);
      const out = `${tmp.path}/p${h}.json`;
      const pruned = await runBounded("prune.ts", [
        "--model",
        file,
        "--framework",
        framework,
        "--ratio",
        "0.5",
        "--out",
        out,
      ], env);
      assertRefusal(pruned, want, false, `prune ${name}`);
      assertClean(pruned, `prune ${name}`);
      if (!env.MOSAIC_MAX_MEMORY) {
        // Same file, same refusal (a pruned plan copies the weights: its memory figures differ).
        assertEquals(errorLine(cost, "cost"), errorLine(pruned, "prune"));
      }
    });
  }
});

Deno.test("accuracy and prune --data refuse to fit images to a huge input in one line", async (t) => {
  await using tmp = await tempDir();
  const file = `${tmp.path}/wide.onnx`;
  await Deno.writeFile(file, exportOnnx(tinyNet(65536, 65536)));
  const runs: [string, string[]][] = [
    ["accuracy.ts", ["--model", file, "--limit", "4"]],
    ["prune.ts", [
      "--model",
      file,
      "--framework",
      "gazelle",
      "--ratio",
      "0.5",
      "--out",
      `${tmp.path}/p.json`,
      "--data",
      "fashion-mnist",
      "--limit",
      "4",
    ]],
  ];
  for (const [script, args] of runs) {
    const name = commandLine(script, args, tmp.path);
    await t.step(name, async () => {
      const r = await runBounded(script, args);
      assertRefusal(
        r,
        /fitted to wide's 1×65536×65536 input needs an estimated [\d.]+ GB \(4 images of [\d.]+ GB/,
        false,
        name,
      );
      assertClean(r, name);
      assert(r.ms < 15_000, `${name}: ${r.ms.toFixed(0)} ms`);
    });
  }
});

Deno.test("an allocation no guard predicted still fails in one line that says out of memory", async () => {
  // Passes a 100 GB limit, but its 1.2 GB of weights cannot be had under the 1 GiB data segment.
  const args = ["gazelle", "fc:in=131072,out=1024"];
  const r = await runBounded("plan.ts", args, { MOSAIC_MAX_MEMORY: "100GB" });
  assertRefusal(r, /^error: .*\(out of memory: the input is too large for this machine/, true);
  assert(!/^\s+at /m.test(r.stderr), r.stderr);
});
