/**
 * Where a task may write: an output file flag must not name a folder, an output folder flag must
 * not name a file, and neither may lie under a regular file. Each refusal is one line naming the
 * flag and the path.
 *
 * @module
 */
import { UserError } from "./errors.ts";

/** The parent of a path ("." for a bare name, "/" for a top-level one). */
export function parentOf(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const i = trimmed.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : trimmed.slice(0, i);
}

/** What is at `path` (following links), or null when nothing is. */
async function kindOf(path: string): Promise<"file" | "dir" | null> {
  try {
    return (await Deno.stat(path)).isDirectory ? "dir" : "file";
  } catch (e) {
    // Nothing there, or a path through a regular file ("a.txt/b"): the walk up finds the file.
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    throw e;
  }
}

/**
 * The nearest folder at or above `dir` that exists; a regular file on the way is one line naming
 * `flag` and `path`.
 */
async function existingFolder(dir: string, flag: string, path: string): Promise<string> {
  for (let d = dir;; d = parentOf(d)) {
    const kind = await kindOf(d);
    if (kind === "dir") return d;
    if (kind === "file") {
      throw new UserError(
        `${flag} ${path}: ${d} is a file, not a folder; choose a path in a folder`,
      );
    }
    if (d === "/" || d === ".") return d;
  }
}

function checkNonEmpty(path: string, flag: string, what: string): void {
  if (path.trim() === "" || path.includes("\0")) {
    throw new UserError(`${flag} needs a ${what} path (got ${JSON.stringify(path)})`);
  }
}

/**
 * Check an output file path given by `flag`: refuses an empty path, a folder (or a path ending
 * in `/`) and a path under a regular file. Returns the nearest existing folder at or above the
 * file's parent, where a temporary file for it can be created on the same file system.
 *
 * @example A folder is refused in one line naming the flag
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { checkOutputFile } from "./output_path.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await assertRejects(() => checkOutputFile(dir, "--out"), Error, `--out ${dir} is a folder`);
 * assertEquals(await checkOutputFile(`${dir}/new/m.json`, "--out"), dir);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkOutputFile(path: string, flag: string): Promise<string> {
  checkNonEmpty(path, flag, "file");
  if (path.endsWith("/") || (await kindOf(path)) === "dir") {
    throw new UserError(`${flag} ${path} is a folder: give a file path`);
  }
  return await existingFolder(parentOf(path), flag, path);
}

/**
 * Check an output folder path given by `flag`: refuses an empty path, a regular file and a path
 * under a regular file. Returns the nearest existing folder at or above it.
 *
 * @example A regular file is refused in one line naming the flag
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { checkOutputDir } from "./output_path.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/f`, "");
 * await assertRejects(() => checkOutputDir(`${dir}/f`, "--out-dir"), Error, "is a file");
 * await assertRejects(() => checkOutputDir(`${dir}/f/x`, "--out-dir"), Error, "is a file");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkOutputDir(path: string, flag: string): Promise<string> {
  checkNonEmpty(path, flag, "folder");
  if ((await kindOf(path)) === "file") {
    throw new UserError(`${flag} ${path} is a file, not a folder: give a folder path`);
  }
  return await existingFolder(path, flag, path);
}
