/**
 * One long-lived `torch_engine.py --serve` process: torch is imported once and the process runs
 * one job folder after another (a fresh process per job paid Python's and torch's start-up,
 * about a second of CPU, three times per fine-tune). Jobs are handed over one at a time.
 *
 * @module
 */
import { textLines } from "../base/mod.ts";

/** A served process running jobs one at a time. */
export class TorchServer {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #answers: AsyncIterator<string>;
  readonly #stderrDone: Promise<void>;
  #progress: ((line: string) => void) | undefined;
  #errors = "";
  #busy = false;
  #dead = false;

  /** Start `python script --serve` with `env`. */
  constructor(python: string, script: string, env: Record<string, string>) {
    const child = new Deno.Command(python, {
      args: [script, "--serve"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env,
    }).spawn();
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.#answers = textLines(child.stdout)[Symbol.asyncIterator]();
    this.#stderrDone = (async () => {
      for await (const l of textLines(child.stderr)) {
        if (l.startsWith("progress ")) this.#progress?.(l.slice(9));
        else if (l.trim()) this.#errors += l + "\n";
      }
    })();
  }

  /** Whether the process has ended (it takes no more jobs). */
  get dead(): boolean {
    return this.#dead;
  }

  /**
   * Run the job in `dir` (its `job.json` written); resolves when the process answers `done`,
   * rejects with the process's one line when the job fails or the process ends.
   */
  async run(dir: string, progress?: (line: string) => void): Promise<void> {
    if (this.#busy || this.#dead) throw new Error("torch server: busy or ended");
    this.#busy = true;
    this.#progress = progress;
    try {
      await this.#stdin.write(new TextEncoder().encode(`${dir}\n`));
      const answer = await this.#answers.next();
      if (answer.done) {
        this.#dead = true;
        await this.#stderrDone;
        const status = await this.#child.status;
        const line = this.#errors.split("\n").find((l) => l.startsWith("error: ")) ??
          this.#errors.trim().split("\n").pop() ?? `exit ${status.code}`;
        throw new Error(`torch engine failed: ${line.replace(/^error: /, "")}`);
      }
      if (answer.value !== "done") {
        throw new Error(`torch engine failed: ${answer.value.replace(/^error /, "")}`);
      }
    } finally {
      this.#progress = undefined;
      this.#busy = false;
    }
  }

  /** End the process (stdin closed: it finishes at end of input) and wait for it. */
  async close(): Promise<void> {
    this.#dead = true;
    try {
      await this.#stdin.close();
    } catch {
      // already closed: the process ended
    }
    await this.#child.status;
    await this.#stderrDone;
  }
}
