/**
 * `--help` and `-h` on every task: exit 0 with usage, every flag the task accepts (read from the
 * parser's own list of accepted options, so a new flag without help fails here), examples and exit
 * codes on stdout; a misspelled flag suggests the nearest one in one line, exit 2.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";

import { RUN_PERMISSIONS, runScript } from "./_cli_testing.ts";

/** Every task script: each .ts file of scripts/ that is not private (`_`) or a test. */
const SCRIPTS: readonly string[] = [...Deno.readDirSync(new URL(".", import.meta.url))]
  .map((e) => e.name)
  .filter((n) => n.endsWith(".ts") && !n.startsWith("_") && !n.endsWith("_test.ts"))
  .sort();

Deno.test("the help test covers every task script", () => {
  for (const s of ["plan.ts", "report.ts", "lint_workflows.ts"]) {
    assertEquals(SCRIPTS.includes(s), true, `${s} in ${SCRIPTS.join(", ")}`);
  }
});

/** The flags a script accepts, as its parser lists them on an unknown option. */
async function acceptedFlags(script: string): Promise<string[]> {
  const r = await runScript(script, ["--zzzzzzzzzzzz"], RUN_PERMISSIONS);
  assertEquals(r.code, 2, r.stderr);
  const line = r.stderr.trim();
  if (line.includes("this task takes none")) return [];
  const m = /accepted options are (.*?)(?: \(see --help\))?$/.exec(line);
  if (!m) throw new Error(`no list of accepted options in ${line}`);
  return m[1].split(", ");
}

for (const script of SCRIPTS) {
  Deno.test(`${script} --help and -h print usage, every flag, examples and exit codes`, async () => {
    const flags = await acceptedFlags(script);
    for (const opt of ["--help", "-h"]) {
      const r = await runScript(script, [opt], RUN_PERMISSIONS);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stderr, "");
      for (const want of ["Usage", "Options:", "Examples:", "Exit codes:", "-h, --help"]) {
        assertStringIncludes(r.stdout, want);
      }
      for (const flag of flags) {
        assertStringIncludes(r.stdout, flag, `${script} help lacks ${flag}`);
      }
    }
  });
}

Deno.test("help comes before any other check", async () => {
  const r = await runScript("prune.ts", ["--ratio", "7", "--bogus", "-h"], RUN_PERMISSIONS);
  assertEquals(r.code, 0, r.stderr);
  assertStringIncludes(r.stdout, "Usage: deno task prune");
  const plan = await runScript("plan.ts", ["--help"], RUN_PERMISSIONS); // no positionals needed
  assertEquals(plan.code, 0, plan.stderr);
});

Deno.test("a misspelled flag suggests the nearest one, in one line with exit 2", async () => {
  for (
    const [script, args, want] of [
      [
        "prune.ts",
        ["--model", "vgg16-cifar10", "--ratoi", "0.5"],
        "--ratoi: did you mean --ratio?",
      ],
      ["cost.ts", ["--model", "vgg16-cifar10", "--framwork=gazelle"], "did you mean --framework?"],
      ["report.ts", ["--no-bnech"], "did you mean --no-bench?"],
      ["report.ts", ["--out", "x"], "did you mean --out-dir?"],
    ] as const
  ) {
    const r = await runScript(script, args, RUN_PERMISSIONS);
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.stdout, "");
    assertEquals(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assertStringIncludes(r.stderr, "error: Unknown option --");
    assertStringIncludes(r.stderr, want);
  }
});
