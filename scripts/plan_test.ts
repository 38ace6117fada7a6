import { assert, assertEquals } from "@std/assert";

import { runJson, runScript, stepRefusals } from "./_cli_testing.ts";

Deno.test("deno task plan --json prints the documented fields", async () => {
  const j = await runJson("plan.ts", [
    "gazelle",
    "conv:h=16,w=16,ci=128,co=128,k=3,s=1,p=1",
    "--method",
    "or",
    "--json",
  ]);
  for (
    const k of ["framework", "preset", "slots", "channels_per_ct", "in_cts", "out_cts", "method"]
  ) {
    assert(k in j, k);
  }
  assertEquals(j.framework, "gazelle");
  assertEquals(j.slots, 2048);
  assertEquals(j.channels_per_ct, 8);
  assertEquals([j.in_cts, j.out_cts], [16, 16]);
  assertEquals(j.method, "or");
  assertEquals(j.ops.perm_in, 128);
  assertEquals(j.ops.perm_out, 112);
  assertEquals(j.ops.mult, 18432);
  assert(j.security.startsWith("NOT 128-bit secure"));
  assert(j.weights.startsWith("synthetic"));
  assertEquals(j.bytes.up, 16 * (113 + 2 * 2048 * 2 * 8));
  assertEquals(j.manifest.node_seal, "7.0.0");
  assert(j.manifest.presets[0].security.startsWith("NOT 128-bit secure"));
});

Deno.test("deno task plan --execute verifies the layer and reports times and noise", async () => {
  const j = await runJson("plan.ts", [
    "gazelle",
    "fc:in=512,out=10",
    "--execute",
    "--json",
    "--preset",
    "gazelle-secure",
  ]);
  assertEquals(j.verified, true);
  assertEquals(j.ledger_matches_plan, true);
  assertEquals(j.security, "128-bit secure");
  for (const k of ["encrypt", "server", "decrypt"]) assert(j.times_ms[k] > 0, k);
  assert(j.noise_budget_bits >= 4);
  assertEquals(j.bytes.up, 113 + 2 * 4096 * 2 * 8);
  assertEquals(j.bytes.galois_keys, 56 + 8 * 4096 + j.keys.count * 2 * (113 + 2 * 3 * 4096 * 8));
});

Deno.test("bad plan requests exit non-zero with one line and no stack trace", async (t) => {
  await stepRefusals(t, "plan.ts", [
    [["gazelle", "conv:h=16,w=16,ci=128,k=3"], 'missing field "co"'],
    [["gazelle", "conv:h=2,w=2,ci=1,co=1,k=5,p=0"], "larger than the padded"],
    [["gazelle", "conv:h=8,w=8,ci=0,co=1,k=3"], "field ci = 0 is out of range 1..65536"],
    [["gazelle", "conv:h=2,w=1500,ci=1,co=1,k=1"], "does not fit preset gazelle"],
    [["gazelle", "conv:h=64,w=64,ci=1,co=1,k=3", "--method", "ir"], "output-rotation method"],
    [["gazelle", "fc:in=4,out=4", "--preset", "huge"], 'Unknown --preset "huge"'],
    [["gazelle", "fc:in=4,out=4", "--method", "xx"], 'Unknown --method "xx"'],
    // A method is the framework's own: GAZELLE's `or` is not Cheetah's.
    [["cheetah", "fc:in=4,out=4", "--method", "or"], 'Unknown --method "or": use coeff, ntt'],
    [["delphi", "fc:in=4,out=4"], 'Unknown framework "delphi"'],
    [["cryptflow2", "conv:h=128,w=128,ci=3,co=8,k=3"], "SCI would use N = 65536"],
    [["cryptflow2", "fc:in=4,out=4", "--bits", "50"], "--bits must be an integer in 32..41"],
    [["gazelle", "fc:in=4,out=4", "--bogus"], "Unknown option --bogus"],
    [["gazelle"], "missing arguments"],
  ], { alone: true });
});

Deno.test("bad layer specs: deno task plan exits 2 with one line naming the spec and the field", async (t) => {
  const conv = (extra: string) => `conv:h=8,w=8,ci=2,co=2,k=3${extra}`;
  const cases: [string, string][] = [
    [conv(",h=9"), 'gives field "h" twice'],
    [conv(",q=1"), 'unknown field "q": conv takes h, w, ci, co, k, s, p, pt, pl, pb, pr'],
    ["conv:h=8,w=8,ci=2,k=3", 'is missing field "co"'],
    [conv(",s=1.5"), 'bad field "s=1.5": expected name=integer'],
    [conv(",s="), 'bad field "s=": expected name=integer'],
    [conv(",s=0"), "field s = 0 is out of range 1..32 (s must be at least 1)"],
    [conv(",s=33"), "field s = 33 is out of range 1..32 (larger values are refused"],
    ["conv:h=-8,w=8,ci=2,co=2,k=3", "field h = -8 is out of range 1..16384"],
    ["conv:h=8,w=8,ci=2,co=2,k=3,w=99999999999999999999", 'gives field "w" twice'],
    ["conv:h=99999999999999999999,w=8,ci=2,co=2,k=3", "field h = 99999999999999999999 is out"],
    ["conv:h=8,w=8,ci=2,co=100000,k=3", "build the LayerShape in code and call planLayer"],
    ["conv:h=8,w=8,ci=2,co=2,k=0", "field k = 0 is out of range 1..32"],
    [conv(",p=3"), "field p = 3 is out of range 0..2 (padding must be less than k = 3)"],
    [conv(",pr=-1"), "field pr = -1 is out of range 0..2"],
    ["conv:h=2,w=2,ci=1,co=1,k=5,p=0", "kernel k = 5 is larger than the padded 2×2 image"],
    ["fc:in=0,out=4", "field in = 0 is out of range 1..1048576"],
    ["fc:in=1048576,out=1048576", "has 1099511627776 weights, more than 134217728 (2^27)"],
    ["bn:c=4,h=4", 'is missing field "w"'],
    ["bn:c=4,h=4,w=4,k=3", 'unknown field "k": bn takes c, h, w'],
    ["bn:c=2,h=4096,w=4096", "has 33554432 input or output values, more than 16777216 (2^24)"],
    ["conv:", 'is missing field "h"'],
    ["CONV:h=8", 'Bad layer spec "CONV:h=8": expected conv:'],
    ["fc:in=4,out=2\nh=1", 'bad field "out=2\\nh=1"'],
    ["relu:c=2,h=4,w=4,c=3", 'gives field "c" twice'],
    ["maxpool:c=2,h=4,w=4,k=99", "field k = 99 is out of range 1..32"],
  ];
  await stepRefusals(t, "plan.ts", cases.map(([spec, want]) => [["gazelle", spec], want]), {
    alone: true,
  });
});

Deno.test("deno task plan cryptflow2 reports phases, slots per phase and column rotations", async () => {
  const j = await runJson("plan.ts", [
    "cryptflow2",
    "conv:h=14,w=14,ci=1024,co=2048,k=1,s=2,p=0",
    "--json",
  ]);
  assertEquals([j.framework, j.phases, j.slots, j.method], ["cryptflow2", 1, 8192, "sci"]);
  assertEquals(j.slots_per_phase, [8192]);
  assertEquals(j.ops.perm_out, j.ops.rotate_rows - j.ops.perm_in + j.ops.rotate_columns);
  assertEquals(j.ops.rotate_columns, 16);
  assertEquals(j.security, "128-bit secure");
  const s2 = JSON.parse(
    (await runScript("plan.ts", ["cryptflow2", "conv:h=16,w=16,ci=8,co=8,k=3,s=2", "--json"]))
      .stdout,
  );
  assertEquals([s2.phases, s2.slots_per_phase.length], [4, 4]);
});

Deno.test("deno task plan cryptflow2 --execute verifies fc and bn layers", async (t) => {
  for (const spec of ["fc:in=100,out=10", "bn:c=2,h=8,w=8"]) {
    await t.step(spec, async () => {
      const j = await runJson("plan.ts", [
        "cryptflow2",
        spec,
        "--execute",
        "--json",
        "--bits",
        "41",
      ]);
      assertEquals([j.verified, j.ledger_matches_plan, j.preset], [true, true, "cryptflow2-l41"]);
    });
  }
});

Deno.test("deno task plan prints the nonlinear cost of relu and maxpool specs", async () => {
  const j = await runJson("plan.ts", ["cryptflow2", "relu:c=64,h=32,w=32", "--json"]);
  assertEquals([j.eta, j.cost.relus, j.cost.rounds], [37, 65536, 10]);
  const g = JSON.parse(
    (await runScript("plan.ts", ["gazelle", "maxpool:c=8,h=8,w=8,k=2", "--json"])).stdout,
  );
  assertEquals([g.cost.relus, g.cost.bits], [8 * 16 * 3, null]);
});
