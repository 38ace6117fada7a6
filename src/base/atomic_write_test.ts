import { assertEquals, assertRejects } from "@std/assert";
import { writeFileAtomic } from "./atomic_write.ts";

Deno.test("writeFileAtomic() leaves no temporary file and replaces the target whole", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/out.json`;
  await writeFileAtomic(path, "first");
  await writeFileAtomic(path, new TextEncoder().encode("second"));
  assertEquals(await Deno.readTextFile(path), "second");
  const names = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  assertEquals(names, ["out.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeFileAtomic() into a missing folder fails and leaves nothing behind", async () => {
  const dir = await Deno.makeTempDir();
  await assertRejects(() => writeFileAtomic(`${dir}/missing/out.json`, "x"), Deno.errors.NotFound);
  assertEquals([...Deno.readDirSync(dir)].length, 0);
  await Deno.remove(dir, { recursive: true });
});
