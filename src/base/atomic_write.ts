/**
 * Atomic file writes: a reader (or a crash) never sees half a file.
 *
 * @module
 */

/**
 * Write a file (text or bytes) atomically: to a temporary file beside it, then rename.
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
  const tmp = `${path}.tmp-${Deno.pid}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
