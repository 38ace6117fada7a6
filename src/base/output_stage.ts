/**
 * All-or-nothing outputs: a task that writes several files stages each one in a private folder
 * beside its target and moves them into place only when every one was written, so a failed run
 * leaves every target as it was.
 *
 * @module
 */
import { writeNewFile } from "./atomic_write.ts";
import { UserError } from "./errors.ts";
import { checkOutputFile, parentOf } from "./output_path.ts";

/** `path` made absolute (against the working folder) with `.` and `..` resolved by name. */
export function absolutePath(path: string): string {
  const parts: string[] = [];
  const full = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  for (const p of full.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return `/${parts.join("/")}`;
}

interface Staged {
  readonly target: string;
  readonly temp: string;
}

/**
 * Files staged for writing together. `write` checks the target (not a folder, not under a
 * regular file: one line naming `flag`) and writes the data into a fresh private folder
 * (`.mosaic-stage-*`) in the nearest existing folder above the target, on the same file system;
 * `commit` creates the targets' folders and renames every staged file over its target, then
 * removes the staging folders; `discard` (or leaving an `await using` scope without `commit`)
 * removes them and writes nothing.
 *
 * @example Two files appear together, or neither does
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { OutputStage } from "./output_stage.ts";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using stage = new OutputStage();
 *   await stage.write(`${dir}/a.onnx`, new Uint8Array([1]), "--onnx");
 *   await stage.write(`${dir}/a.json`, "{}", "--out");
 *   // a failure here would leave dir empty
 *   await stage.commit();
 * }
 * assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["a.json", "a.onnx"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class OutputStage implements AsyncDisposable {
  readonly #staged: Staged[] = [];
  /** Staging folder per existing folder it sits in. */
  readonly #folders = new Map<string, string>();
  #closed = false;

  /** Stage `data` for `target` (named by `flag` in errors); nothing is visible until `commit`. */
  async write(target: string, data: string | Uint8Array, flag: string): Promise<void> {
    if (this.#closed) throw new Error("OutputStage: write after commit or discard");
    const abs = absolutePath(target);
    if (this.#staged.some((s) => s.target === abs)) {
      throw new UserError(
        `${flag} ${target}: two outputs of this run would both be written there; ` +
          "give each output its own path (or rename one of the names they come from)",
      );
    }
    const anchor = await checkOutputFile(target, flag);
    let folder = this.#folders.get(anchor);
    if (folder === undefined) {
      folder = await Deno.makeTempDir({ dir: anchor, prefix: ".mosaic-stage-" });
      this.#folders.set(anchor, folder);
    }
    const temp = `${folder}/${this.#staged.length}`;
    await writeNewFile(temp, data);
    this.#staged.push({ target: abs, temp });
  }

  /** The absolute target paths staged so far, in order. */
  get targets(): string[] {
    return this.#staged.map((s) => s.target);
  }

  /** Move every staged file into place (creating missing folders) and return their targets. */
  async commit(): Promise<string[]> {
    if (this.#closed) throw new Error("OutputStage: commit after commit or discard");
    try {
      for (const dir of new Set(this.#staged.map((s) => parentOf(s.target)))) {
        await Deno.mkdir(dir, { recursive: true });
      }
      for (const s of this.#staged) await Deno.rename(s.temp, s.target);
      return this.targets;
    } finally {
      await this.discard();
    }
  }

  /** Drop every staged file; the targets stay as they were. Safe to call twice. */
  async discard(): Promise<void> {
    this.#closed = true;
    for (const folder of this.#folders.values()) {
      await Deno.remove(folder, { recursive: true }).catch(() => {});
    }
    this.#folders.clear();
  }

  /** `discard` unless committed. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.discard();
  }
}
