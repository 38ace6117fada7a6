/**
 * Test helpers for the CLI tests (`scripts/<script>_test.ts`): run a script as `deno task` would
 * and collect its exit code and output, check success or a one-line refusal, run a table of bad
 * inputs as one step each, and give a test a temporary directory.
 *
 * @module
 */
import { assert, assertEquals } from "@std/assert";

const root = new URL("..", import.meta.url).pathname;

/** The permissions of the tasks in deno.json that take no subprocesses. */
export const TASK_PERMISSIONS = [
  "--allow-read",
  "--allow-env",
  "--allow-sys=cpus",
  "--allow-write",
] as const;

/** The permissions of the tasks that spawn the torch engine (train, finetune): also --allow-run. */
export const RUN_PERMISSIONS = [...TASK_PERMISSIONS, "--allow-run"] as const;

/** What a script run left: its exit code and everything it printed. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `scripts/<script>` with `args` from the repository root. */
export async function runScript(
  script: string,
  args: readonly string[],
  permissions: readonly string[] = TASK_PERMISSIONS,
): Promise<CliResult> {
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

/** Run `scripts/<script>` and assert it exits 0 (its stderr is the failure message). */
export async function runOk(
  script: string,
  args: readonly string[],
  permissions?: readonly string[],
): Promise<CliResult> {
  const r = await runScript(script, args, permissions);
  assertEquals(r.code, 0, r.stderr);
  return r;
}

/** Run `scripts/<script>`, assert it exits 0, and parse its stdout as JSON. */
// deno-lint-ignore no-explicit-any -- the tests read whatever fields the script documents
export async function runJson(script: string, args: readonly string[]): Promise<any> {
  return JSON.parse((await runOk(script, args)).stdout);
}

/** Read and parse a JSON file a script wrote. */
// deno-lint-ignore no-explicit-any -- the tests read whatever fields the script documents
export async function readJson(path: string): Promise<any> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** What a bad input's one error line must say: a substring, or a pattern it matches. */
export type Want = string | RegExp;

/** A bad-input case: the script's arguments and what its error line must say. */
export type BadCase = readonly [args: readonly string[], want: Want];

/**
 * Assert `r` refused bad input: exit code 2 and exactly one stderr line starting with `error`,
 * which contains (string) or matches (RegExp) `want`; other stderr lines (progress) may surround
 * it. With `alone`, that line must be all of stderr and start with `error: `, and stdout must be
 * empty.
 */
export function assertRefusal(r: CliResult, want: Want, alone = false, what = ""): void {
  const say = (s: string) => what ? `${what}: ${s}` : s;
  assertEquals(r.code, 2, say(r.stderr));
  const lines = r.stderr.trim().split("\n");
  const errs = alone ? lines : lines.filter((l) => l.startsWith("error"));
  assertEquals(errs.length, 1, say(r.stderr));
  const line = errs[0];
  if (alone) assert(line.startsWith("error: "), say(line));
  assert(
    typeof want === "string" ? line.includes(want) : want.test(line),
    say(`${line} !~ ${want}`),
  );
  if (alone) assertEquals(r.stdout, "", say("stdout"));
}

/** How `stepRefusals` runs and checks its cases. */
export interface RefusalOptions {
  /** The error line is all of stderr and stdout is empty (see `assertRefusal`). */
  readonly alone?: boolean;
  /** Arguments appended to every case. */
  readonly extraArgs?: readonly string[];
  /** A temporary directory, written `$TMP` in the step names. */
  readonly tmp?: string;
  /** A further check of every refusal. */
  readonly also?: (r: CliResult) => void;
}

/** A step name for a run of `script` with `args`: the command line, `tmp` written `$TMP`. */
export function commandLine(script: string, args: readonly string[], tmp?: string): string {
  const line = [script, ...args].join(" ");
  return tmp ? line.replaceAll(tmp, "$TMP") : line;
}

/** One step of `t` per case: run `scripts/<script>` with its arguments and `assertRefusal`. */
export async function stepRefusals(
  t: Deno.TestContext,
  script: string,
  cases: readonly BadCase[],
  opts: RefusalOptions = {},
): Promise<void> {
  for (const [args, want] of cases) {
    const all = [...args, ...(opts.extraArgs ?? [])];
    await t.step(commandLine(script, args, opts.tmp), async () => {
      const r = await runScript(script, all);
      assertRefusal(r, want, opts.alone, commandLine(script, all, opts.tmp));
      opts.also?.(r);
    });
  }
}

/** A temporary directory removed (recursively) when the `await using` scope ends. */
export interface TempDir extends AsyncDisposable {
  readonly path: string;
}

/** A fresh temporary directory for a test: `await using tmp = await tempDir();`. */
export async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir();
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/** Whether `path` exists. */
export function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}

/** The names in directory `path`, sorted. */
export function listDir(path: string): string[] {
  return [...Deno.readDirSync(path)].map((e) => e.name).sort();
}
