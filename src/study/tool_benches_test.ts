import { assert, assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../base/mod.ts";
import { runToolBenches, TOOL_BENCH_FILES } from "./tool_benches.ts";

Deno.test("the tool's benches are the cost tables, the assembler and the calibration, and exist", async () => {
  assertEquals(TOOL_BENCH_FILES.map((f) => f.file), [
    "bench/cost_tables_bench.ts",
    "bench/assembler_bench.ts",
    "bench/calibrate_bench.ts",
  ]);
  for (const f of TOOL_BENCH_FILES) {
    assert((await Deno.stat(new URL(`../../${f.file}`, import.meta.url))).isFile, f.file);
  }
});

Deno.test("a failing tool bench is one UserError naming its file; progress names each file", async () => {
  const file = {
    file: "fixtures/bench/tool_bench_fixture.ts",
    what: "a sum",
    permissions: ["--allow-env"],
  };
  const lines: string[] = [];
  const rows = await runToolBenches((l) => lines.push(l), [file]);
  assertEquals(rows.length, 2);
  assert(rows.every((r) => r.stats.n >= 3 && r.stats.min <= r.stats.mean), JSON.stringify(rows));
  assertEquals(lines[0], "timing the tool: a sum (fixtures/bench/tool_bench_fixture.ts, 1/1)");
  Deno.env.set("TOOL_BENCH_FIXTURE_FAIL", "1");
  try {
    await assertRejects(
      () => runToolBenches(() => {}, [file]),
      UserError,
      "deno bench of fixtures/bench/tool_bench_fixture.ts failed",
    );
  } finally {
    Deno.env.delete("TOOL_BENCH_FIXTURE_FAIL");
  }
});
