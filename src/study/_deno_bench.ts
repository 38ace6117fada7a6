/**
 * Running one bench file under `deno bench --json` in a subprocess: its JSON (stdout) is returned,
 * every line it writes on stderr is handed on as it comes, and a failure is one `UserError` with
 * the first error line the bench wrote.
 *
 * @module
 */
import { textLines, UserError } from "../base/mod.ts";

/** What to run and how. */
export interface DenoBenchRun {
  /** The bench file. */
  readonly file: URL;
  /** Deno's permission flags for it (e.g. `--allow-read`). */
  readonly permissions: readonly string[];
  /** Extra environment of the subprocess (added to this process's). */
  readonly env?: Record<string, string>;
  /** Receives each non-empty stderr line, trimmed. */
  readonly line?: (line: string) => void;
  /** Names the run in errors (e.g. "deno bench of vgg16-cifar10"). */
  readonly what: string;
}

/**
 * Run `deno bench --json` on a file and return its JSON text; a non-zero exit is a `UserError`
 * naming `what` and the bench's first error line.
 *
 * @example A bench file that does not exist fails in one line
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { runDenoBench } from "./_deno_bench.ts";
 *
 * await assertRejects(
 *   () => runDenoBench({ file: new URL("file:///nonexistent_bench.ts"), permissions: [], what: "deno bench of nothing" }),
 *   Error,
 *   "deno bench of nothing failed",
 * );
 * ```
 */
export async function runDenoBench(run: DenoBenchRun): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["bench", "--json", ...run.permissions, run.file.pathname],
    env: { ...run.env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const pump = (async () => {
    for await (const raw of textLines(child.stderr)) {
      const line = raw.trim();
      if (!line) continue;
      lines.push(line);
      run.line?.(line);
    }
  })();
  const stdout = new Response(child.stdout).text();
  const [status, text] = await Promise.all([child.status, stdout, pump]);
  if (status.code !== 0) {
    const why = lines.find((l) => /\[ERROR\]|^error: (?!Type checking failed)/.test(l)) ??
      lines.find((l) => /error/i.test(l)) ?? `exit ${status.code}`;
    throw new UserError(`${run.what} failed: ${why.trim()}`);
  }
  return text;
}
