/**
 * An output folder written all at once: every file a task writes into it is checked to lie inside
 * it, staged (`OutputStage`), and moved into place only when the whole output was written.
 *
 * @module
 */
import { UserError } from "./errors.ts";
import { checkOutputDir, parentOf } from "./output_path.ts";
import { absolutePath, OutputStage } from "./output_stage.ts";

/**
 * `rel` checked to be a relative path inside a folder: not empty, not absolute, no empty, `.` or
 * `..` part, no NUL or backslash. Throws otherwise (a name from data that reached a path without
 * `safeFileName`: a bug).
 *
 * @example Climbing out is refused
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { insideFolder } from "./output_dir.ts";
 *
 * assertEquals(insideFolder("charts/a.svg"), "charts/a.svg");
 * assertThrows(() => insideFolder("charts/../../x.svg"), Error, "outside");
 * assertThrows(() => insideFolder("/etc/passwd"), Error, "outside");
 * ```
 */
export function insideFolder(rel: string): string {
  const parts = rel.split("/");
  if (
    rel === "" || rel.startsWith("/") || rel.includes("\0") || rel.includes("\\") ||
    parts.some((p) => p === "" || p === "." || p === "..")
  ) {
    throw new Error(
      `refusing to write ${JSON.stringify(rel)}: the path is not a plain relative path, so it ` +
        "could land outside the output folder",
    );
  }
  return rel;
}

/**
 * An output folder (`flag` names it in errors). `OutputDir.open` refuses a regular file or a path
 * under one; `write(rel, data)` stages a file at a relative path inside it; `commit` creates the
 * folder and its subfolders, checks each one still lies inside the folder once links are
 * followed, and moves every file into place; a run that fails before `commit` (or leaves an
 * `await using` scope without it) leaves the folder exactly as it was.
 *
 * @example A report-like output: all files, or none
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { OutputDir } from "./output_dir.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await assertRejects(async () => {
 *   await using out = await OutputDir.open(`${dir}/report`, "--out-dir");
 *   await out.write("charts/a.svg", "<svg/>");
 *   throw new Error("the renderer failed");
 * });
 * assertEquals([...Deno.readDirSync(dir)], []); // not even the folder was created
 * {
 *   await using out = await OutputDir.open(`${dir}/report`, "--out-dir");
 *   await out.write("charts/a.svg", "<svg/>");
 *   await out.write("index.html", "<!doctype html>");
 *   await out.commit();
 * }
 * assertEquals(await Deno.readTextFile(`${dir}/report/charts/a.svg`), "<svg/>");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class OutputDir implements AsyncDisposable {
  /** The folder, as given. */
  readonly path: string;
  readonly #flag: string;
  readonly #stage = new OutputStage();

  private constructor(path: string, flag: string) {
    this.path = path.length > 1 ? path.replace(/\/+$/, "") : path;
    this.#flag = flag;
  }

  /** Open `path` (given by `flag`, e.g. `--out-dir`) for writing; nothing is created yet. */
  static async open(path: string, flag: string): Promise<OutputDir> {
    await checkOutputDir(path, flag);
    return new OutputDir(path, flag);
  }

  /** Stage `data` at `rel` inside the folder (checked by `insideFolder`). */
  async write(rel: string, data: string | Uint8Array): Promise<void> {
    await this.#stage.write(`${this.path}/${insideFolder(rel)}`, data, this.#flag);
  }

  /**
   * Create the folder and its subfolders, check each lies inside the folder with links followed,
   * then move every staged file into place. On a failed check nothing is moved and the folders
   * it created are removed again.
   */
  async commit(): Promise<void> {
    const created: string[] = [];
    try {
      const root = await this.#mkdir(this.path, created);
      const real = await Deno.realPath(root);
      const dirs = new Set(this.#stage.targets.map(parentOf));
      for (const d of dirs) {
        await this.#mkdir(d, created);
        const r = await Deno.realPath(d);
        if (r !== real && !r.startsWith(`${real}/`)) {
          throw new UserError(
            `${this.#flag} ${this.path}: ${d} leads outside the folder (to ${r}, through a ` +
              "symbolic link); remove the link or choose another folder",
          );
        }
      }
    } catch (e) {
      await this.#stage.discard();
      for (const d of created.reverse()) await Deno.remove(d).catch(() => {});
      throw e;
    }
    await this.#stage.commit();
  }

  /** Create `dir` and its missing parents, remembering which it created; returns `dir`. */
  async #mkdir(dir: string, created: string[]): Promise<string> {
    const missing: string[] = [];
    for (let d = absolutePath(dir); d !== "/"; d = parentOf(d)) {
      try {
        await Deno.lstat(d);
        break;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        missing.push(d);
      }
    }
    for (const d of missing.reverse()) {
      await Deno.mkdir(d);
      created.push(d);
    }
    return dir;
  }

  /** Drop everything staged; the folder stays as it was. */
  async discard(): Promise<void> {
    await this.#stage.discard();
  }

  /** `discard` unless committed. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.discard();
  }
}
