import { assertEquals, assertRejects } from "@std/assert";
import { writeFileAtomic, writeNewFile } from "./atomic_write.ts";

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

Deno.test("writeFileAtomic() over a folder fails and removes its temporary file", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/out.json`);
  await assertRejects(() => writeFileAtomic(`${dir}/out.json`, "x"));
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["out.json"]);
  await Deno.remove(dir, { recursive: true });
});

/**
 * Run `fn` with `crypto.getRandomValues` filling zeros for its first `zeros` calls (so the temp
 * name is predictable and a link can be planted there), then the real source.
 */
async function withPredictableNames(zeros: number, fn: () => Promise<void>): Promise<void> {
  const real = crypto.getRandomValues.bind(crypto);
  let calls = 0;
  crypto.getRandomValues = ((a: Uint8Array) => {
    if (calls++ < zeros) return a.fill(0);
    return real(a);
  }) as typeof crypto.getRandomValues;
  try {
    await fn();
  } finally {
    crypto.getRandomValues = real;
  }
}

Deno.test("a symbolic link planted at the temporary name is never followed", async (t) => {
  const ZERO_TEMP = ".tmp-0000000000000000";
  const cases: { name: string; zeros: number; dangling: boolean; written: boolean }[] = [
    // The first name is taken: another random name is used, the link is left alone.
    { name: "link to a file, first name taken", zeros: 1, dangling: false, written: true },
    { name: "dangling link, first name taken", zeros: 1, dangling: true, written: true },
    // Every name is taken: the write fails and writes nothing anywhere.
    { name: "link to a file, every name taken", zeros: 99, dangling: false, written: false },
    { name: "dangling link, every name taken", zeros: 99, dangling: true, written: false },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const dir = await Deno.makeTempDir();
      const victim = `${dir}/victim.txt`, target = `${dir}/out.json`;
      if (!c.dangling) await Deno.writeTextFile(victim, "precious");
      await Deno.symlink(victim, `${target}${ZERO_TEMP}`);
      await withPredictableNames(c.zeros, async () => {
        if (c.written) await writeFileAtomic(target, "new");
        else await assertRejects(() => writeFileAtomic(target, "new"), Deno.errors.AlreadyExists);
      });
      if (c.dangling) {
        await assertRejects(() => Deno.lstat(victim), Deno.errors.NotFound, undefined, "created");
      } else {
        assertEquals(await Deno.readTextFile(victim), "precious");
      }
      assertEquals((await Deno.lstat(`${target}${ZERO_TEMP}`)).isSymlink, true, "link kept");
      if (c.written) assertEquals(await Deno.readTextFile(target), "new");
      else await assertRejects(() => Deno.lstat(target), Deno.errors.NotFound);
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      const want = [c.dangling ? [] : ["victim.txt"], c.written ? ["out.json"] : []].flat();
      assertEquals(names, [...want, `out.json${ZERO_TEMP}`].sort(), "no other file");
      await Deno.remove(dir, { recursive: true });
    });
  }
});

Deno.test("writeNewFile() refuses anything already at its path", async (t) => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/file`, "old");
  await Deno.mkdir(`${dir}/folder`);
  await Deno.symlink(`${dir}/file`, `${dir}/link`);
  await Deno.symlink(`${dir}/nowhere`, `${dir}/dangling`);
  for (const name of ["file", "folder", "link", "dangling"]) {
    await t.step(name, async () => {
      await assertRejects(() => writeNewFile(`${dir}/${name}`, "new"), Deno.errors.AlreadyExists);
    });
  }
  assertEquals(await Deno.readTextFile(`${dir}/file`), "old");
  await assertRejects(() => Deno.lstat(`${dir}/nowhere`), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});
