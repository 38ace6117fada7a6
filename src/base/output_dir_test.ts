import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { UserError } from "./errors.ts";
import { insideFolder, OutputDir } from "./output_dir.ts";

function snapshot(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${prefix}`)) {
    const rel = `${prefix}${e.name}`;
    if (e.isSymlink) out.push(`${rel}@`);
    else if (e.isDirectory) out.push(`${rel}/`, ...snapshot(dir, `${rel}/`));
    else out.push(`${rel}=${Deno.readTextFileSync(`${dir}/${rel}`)}`);
  }
  return out.sort();
}

Deno.test("insideFolder() accepts plain relative paths only", async (t) => {
  const cases: [string, boolean][] = [
    ["index.html", true],
    ["charts/layers_a_b.svg", true],
    ["charts/..x.svg", true],
    ["", false],
    ["/etc/passwd", false],
    ["../x", false],
    ["charts/../../x", false],
    ["charts/./x", false],
    ["charts//x", false],
    ["charts/", false],
    ["a\\..\\..\\x", false],
    ["a\0b", false],
  ];
  for (const [rel, ok] of cases) {
    await t.step(JSON.stringify(rel), () => {
      if (ok) assertEquals(insideFolder(rel), rel);
      else assertThrows(() => insideFolder(rel), Error, "outside the output folder");
    });
  }
});

Deno.test("OutputDir writes a whole folder on commit, and nothing when the run fails", async (t) => {
  const cases: [string, boolean][] = [["a new folder", false], ["a folder with a report", true]];
  for (const [name, existing] of cases) {
    await t.step(name, async () => {
      const tmp = await Deno.makeTempDir();
      const dir = `${tmp}/report`;
      if (existing) {
        await Deno.mkdir(`${dir}/charts`, { recursive: true });
        await Deno.writeTextFile(`${dir}/index.html`, "old");
        await Deno.writeTextFile(`${dir}/charts/a.svg`, "old");
        await Deno.writeTextFile(`${dir}/calibration.json`, "mine");
      }
      const before = snapshot(tmp);
      await assertRejects(
        async () => {
          await using out = await OutputDir.open(dir, "--out-dir");
          await out.write("charts/a.svg", "new");
          await out.write("charts/b.svg", "new");
          throw new Error("index.html could not be rendered");
        },
        Error,
        "rendered",
      );
      assertEquals(snapshot(tmp), before, "unchanged after a failure");
      {
        await using out = await OutputDir.open(dir, "--out-dir");
        await out.write("charts/a.svg", "new");
        await out.write("index.html", "new");
        await out.commit();
      }
      const want = [
        "report/",
        "report/charts/",
        "report/charts/a.svg=new",
        "report/index.html=new",
      ];
      if (existing) want.push("report/calibration.json=mine");
      assertEquals(snapshot(tmp), want.sort());
      await Deno.remove(tmp, { recursive: true });
    });
  }
});

Deno.test("OutputDir refuses a subfolder that leads outside through a link, moving nothing", async () => {
  const tmp = await Deno.makeTempDir();
  await Deno.mkdir(`${tmp}/report`);
  await Deno.mkdir(`${tmp}/elsewhere`);
  await Deno.symlink(`${tmp}/elsewhere`, `${tmp}/report/charts`);
  const before = snapshot(tmp);
  await assertRejects(
    async () => {
      await using out = await OutputDir.open(`${tmp}/report`, "--out-dir");
      await out.write("sub/x.txt", "x");
      await out.write("charts/a.svg", "x");
      await out.commit();
    },
    UserError,
    "leads outside the folder",
  );
  assertEquals(snapshot(tmp), before, "the subfolder it created is removed again");
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("OutputDir refuses paths that would leave the folder", async () => {
  const tmp = await Deno.makeTempDir();
  await using out = await OutputDir.open(`${tmp}/report`, "--out-dir");
  await assertRejects(() => out.write("../escaped.txt", "x"), Error, "outside");
  await assertRejects(() => out.write("charts/../../escaped.txt", "x"), Error, "outside");
  await out.commit();
  assertEquals(snapshot(tmp), ["report/"]);
  await Deno.remove(tmp, { recursive: true });
});
