import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "./errors.ts";
import { checkOutputDir, checkOutputFile } from "./output_path.ts";

/** A folder with a regular file `f`, a folder `d` and a link `l` to `d`. */
async function playground(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/f`, "");
  await Deno.mkdir(`${dir}/d`);
  await Deno.symlink(`${dir}/d`, `${dir}/l`);
  return dir;
}

Deno.test("checkOutputFile() refuses folders and paths under files in one line naming the flag", async (t) => {
  const dir = await playground();
  // [path, the nearest existing folder it returns | the refusal it gives]
  const cases: [string, { ok: string } | { refused: RegExp }][] = [
    [`${dir}/new.json`, { ok: dir }],
    [`${dir}/f`, { ok: dir }], // an existing file is replaced
    [`${dir}/a/b/new.json`, { ok: dir }],
    [`${dir}/d/new.json`, { ok: `${dir}/d` }],
    [`${dir}/l/new.json`, { ok: `${dir}/l` }],
    [`${dir}/d`, { refused: /^--out \S+\/d is a folder: give a file path$/ }],
    [`${dir}/l`, { refused: /^--out \S+\/l is a folder/ }],
    [`${dir}/new/`, { refused: /is a folder/ }],
    [`${dir}/f/m.json`, { refused: /^--out \S+\/f\/m\.json: \S+\/f is a file, not a folder; / }],
    [`${dir}/f/a/b/m.json`, { refused: /\/f is a file, not a folder/ }],
    ["", { refused: /^--out needs a file path/ }],
    ["a\0b", { refused: /^--out needs a file path/ }],
  ];
  for (const [path, want] of cases) {
    await t.step(JSON.stringify(path.replace(dir, "$TMP")), async () => {
      if ("ok" in want) assertEquals(await checkOutputFile(path, "--out"), want.ok);
      else {
        const e = await assertRejects(() => checkOutputFile(path, "--out"), UserError);
        assertEquals(want.refused.test(e.message), true, e.message);
        assertEquals(e.message.includes("\n"), false);
      }
    });
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkOutputDir() refuses files and paths under files in one line naming the flag", async (t) => {
  const dir = await playground();
  const cases: [string, { ok: string } | { refused: RegExp }][] = [
    [`${dir}/d`, { ok: `${dir}/d` }],
    [`${dir}/l`, { ok: `${dir}/l` }],
    [`${dir}/new/deeper`, { ok: dir }],
    [`${dir}/f`, { refused: /^--out-dir \S+\/f is a file, not a folder: give a folder path$/ }],
    [`${dir}/f/sub`, { refused: /^--out-dir \S+\/f\/sub: \S+\/f is a file, not a folder/ }],
    ["", { refused: /^--out-dir needs a folder path/ }],
  ];
  for (const [path, want] of cases) {
    await t.step(JSON.stringify(path.replace(dir, "$TMP")), async () => {
      if ("ok" in want) assertEquals(await checkOutputDir(path, "--out-dir"), want.ok);
      else {
        const e = await assertRejects(() => checkOutputDir(path, "--out-dir"), UserError);
        assertEquals(want.refused.test(e.message), true, e.message);
      }
    });
  }
  await Deno.remove(dir, { recursive: true });
});
