import { assert, assertEquals } from "@std/assert";

import { commandLine, runOk, runScript } from "./_cli_testing.ts";

Deno.test("deno task assembly-gap prints the gap table and refuses bad flags with one line", async (t) => {
  const r = await runOk("assembly_gap.ts", [
    "--masks",
    "random-90",
    "--trained",
    "none",
    "--max-channels",
    "8",
    "--json",
  ]);
  const j = JSON.parse(r.stdout);
  assertEquals(j.rows.length, 2);
  for (const row of j.rows) {
    assert(row.assembler.deletedMs <= row.optimum.deletedMs + 1e-9, JSON.stringify(row));
    assertEquals(row.permutations, 40320);
  }
  assert(r.stderr.includes("1/2: "), r.stderr);
  const help = await runScript("assembly_gap.ts", ["--help"]);
  assertEquals(help.code, 0);
  assert(help.stdout.startsWith("Usage: deno task assembly-gap"));
  const cases: [string[], string][] = [
    [["--max-channels", "0"], "--max-channels must be an integer in 1..10 (got 0)"],
    [["--masks", "random-40"], 'Unknown mask "random-40"'],
    [["--swaps", "x"], '--swaps must be an integer in 1..10000 (got "x")'],
    [["--bogus"], "Unknown option --bogus"],
  ];
  // Looser than assertRefusal's `alone`: the one stderr line need not start with "error: ".
  for (const [args, msg] of cases) {
    await t.step(commandLine("assembly_gap.ts", args), async () => {
      const e = await runScript("assembly_gap.ts", args);
      assertEquals(e.code, 2, `${args.join(" ")}: ${e.stderr}`);
      assertEquals(e.stderr.trim().split("\n").length, 1, e.stderr);
      assert(e.stderr.includes(msg), e.stderr);
    });
  }
});
