/**
 * Test helper: run a CLI script as `deno task` would, and collect its exit code and output.
 *
 * @module
 */

const root = new URL("..", import.meta.url).pathname;

/** The permissions of the tasks in deno.json that take no subprocesses. */
export const TASK_PERMISSIONS = [
  "--allow-read",
  "--allow-env",
  "--allow-sys=cpus",
  "--allow-write",
] as const;

/** Run `scripts/<script>` with `args` from the repository root. */
export async function runScript(
  script: string,
  args: readonly string[],
  permissions: readonly string[] = TASK_PERMISSIONS,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, `${root}scripts/${script}`, ...args],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
