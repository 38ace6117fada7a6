/**
 * The one file writer: every file a task writes is created here, exclusively (a link or file
 * planted at its name makes the write fail, never redirects it) and removed again if the write
 * fails, so a reader (or a crash) never sees half a file.
 *
 * @module
 */

/** How many fresh temporary names `writeFileAtomic` tries when one is taken. */
const TEMP_ATTEMPTS = 3;

/** A fresh random suffix (64 bits, hex) for a temporary name. */
function randomSuffix(): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * Create a new file and write `data` into it. The file is opened with `createNew`: if anything
 * exists at `path` (a file, a folder, a symbolic link, even a dangling one) the call fails with
 * `Deno.errors.AlreadyExists` and touches nothing. If writing fails, the half-written file is
 * removed.
 *
 * @example A second write to the same name is refused
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { writeNewFile } from "./atomic_write.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await writeNewFile(`${dir}/a.txt`, "first");
 * await assertRejects(() => writeNewFile(`${dir}/a.txt`, "second"), Deno.errors.AlreadyExists);
 * assertEquals(await Deno.readTextFile(`${dir}/a.txt`), "first");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeNewFile(path: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const file = await Deno.open(path, { createNew: true, write: true });
  let done = false;
  try {
    let off = 0;
    while (off < bytes.length) off += await file.write(bytes.subarray(off));
    done = true;
  } finally {
    file.close();
    if (!done) await Deno.remove(path).catch(() => {});
  }
}

/**
 * Write a file (text or bytes) atomically: into a new temporary file beside it (`<path>.tmp-`
 * and a random suffix, created exclusively by `writeNewFile`), then renamed over `path`. On
 * failure the temporary file is removed and `path` is left as it was. A name already taken (a
 * planted link) is never followed: another random name is tried.
 *
 * @example The file appears whole, and no temporary file is left
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeFileAtomic } from "./atomic_write.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.json`, "{}");
 * assertEquals(await Deno.readTextFile(`${dir}/a.json`), "{}");
 * assertEquals([...Deno.readDirSync(dir)].length, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  for (let attempt = 1;; attempt++) {
    const tmp = `${path}.tmp-${randomSuffix()}`;
    try {
      await writeNewFile(tmp, data);
    } catch (e) {
      // Taken (by a leftover or a planted link): not ours to touch; try another name.
      if (e instanceof Deno.errors.AlreadyExists && attempt < TEMP_ATTEMPTS) continue;
      throw e;
    }
    try {
      await Deno.rename(tmp, path);
      return;
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
  }
}
