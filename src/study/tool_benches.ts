/**
 * The tool's own speed, measured with `deno bench` and recorded in a report's manifest: the cost
 * table of every zoo model under each framework (`bench/cost_tables_bench.ts`), MOSAIC's assembler
 * on a full-width layer (`bench/assembler_bench.ts`) and the study's calibration
 * (`bench/calibrate_bench.ts`). Each file runs alone, one after the other (the cost tables use
 * every core), so nothing else of the study may run meanwhile.
 *
 * @module
 */
import { benchResults } from "./_bench_output.ts";
import { runDenoBench } from "./_deno_bench.ts";
import type { ToolBench } from "./results.ts";

/** A bench file of the tool's speed and the permissions it needs. */
export interface ToolBenchFile {
  /** The file, relative to the repository (`bench/…`). */
  readonly file: string;
  /** What it times, in words. */
  readonly what: string;
  /** Deno's permission flags for it. */
  readonly permissions: readonly string[];
}

/** The repository, which `ToolBenchFile.file` is relative to. */
const REPOSITORY = new URL("../../", import.meta.url);

/** The tool's speed benches, in the order they run. */
export const TOOL_BENCH_FILES: readonly ToolBenchFile[] = [
  {
    file: "bench/cost_tables_bench.ts",
    what: "cost tables of the zoo models",
    permissions: ["--allow-read", "--allow-env"],
  },
  {
    file: "bench/assembler_bench.ts",
    what: "MOSAIC's assembler on a full-width layer",
    permissions: ["--allow-read", "--allow-env"],
  },
  {
    file: "bench/calibrate_bench.ts",
    what: "the study's calibration",
    permissions: ["--allow-read", "--allow-env", "--allow-write", "--allow-sys=cpus"],
  },
];

/**
 * Run the tool's speed benches (`files`, default all of `TOOL_BENCH_FILES`) one file at a time
 * and return every bench's statistics; `progress` gets a line per file. A failing bench is a
 * `UserError` naming its file.
 *
 * @example A bench file's benches, each with its statistics
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { runToolBenches } from "./tool_benches.ts";
 *
 * const file = { file: "fixtures/bench/tool_bench_fixture.ts", what: "a sum", permissions: ["--allow-env"] };
 * const rows = await runToolBenches(() => {}, [file]);
 * assertEquals(rows.map((r) => [r.file, r.name]), [[file.file, "sum/1e4"], [file.file, "sum/1e5"]]);
 * ```
 */
export async function runToolBenches(
  progress: (line: string) => void = () => {},
  files: readonly ToolBenchFile[] = TOOL_BENCH_FILES,
): Promise<ToolBench[]> {
  const out: ToolBench[] = [];
  for (const [i, f] of files.entries()) {
    const t0 = performance.now();
    progress(`timing the tool: ${f.what} (${f.file}, ${i + 1}/${files.length})`);
    const what = `deno bench of ${f.file}`;
    const text = await runDenoBench({
      file: new URL(f.file, REPOSITORY),
      permissions: f.permissions,
      what,
    });
    const rows = benchResults(text, what);
    out.push(...rows.map((r) => ({ file: f.file, ...r })));
    progress(`  ${rows.length} benches, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return out;
}
