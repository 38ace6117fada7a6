import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "./errors.ts";
import { OutputStage } from "./output_stage.ts";

/** Every path under `dir` (files and folders, hidden ones too) with its text, sorted. */
function snapshot(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${prefix}`)) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory) out.push(`${rel}/`, ...snapshot(dir, `${rel}/`));
    else out.push(`${rel}=${Deno.readTextFileSync(`${dir}/${rel}`)}`);
  }
  return out.sort();
}

Deno.test("OutputStage moves every file into place on commit, creating folders", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/m.json`, "old");
  {
    await using stage = new OutputStage();
    await stage.write(`${dir}/m.json`, "masks", "--out");
    await stage.write(`${dir}/new/deeper/m.onnx`, new TextEncoder().encode("onnx"), "--onnx");
    assertEquals(snapshot(dir).filter((p) => p.startsWith(".mosaic-stage-")).length > 0, true);
    assertEquals(snapshot(dir).includes("m.json=old"), true, "nothing visible before commit");
    assertEquals(await stage.commit(), [`${dir}/m.json`, `${dir}/new/deeper/m.onnx`]);
  }
  assertEquals(snapshot(dir), ["m.json=masks", "new/", "new/deeper/", "new/deeper/m.onnx=onnx"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a run that fails between its writes leaves every target as it was", async (t) => {
  // [what fails, the second write (or a throw)]
  const cases: [string, (stage: OutputStage, dir: string) => Promise<void>][] = [
    ["the work after the first file throws", () => Promise.reject(new Error("render failed"))],
    ["the second file is a folder", (s, d) => s.write(`${d}/folder`, "x", "--onnx")],
    ["the second file is under a file", (s, d) => s.write(`${d}/m.json/x.onnx`, "x", "--onnx")],
    ["the second file is the first one", (s, d) => s.write(`${d}/new/m.json`, "x", "--onnx")],
  ];
  for (const [name, second] of cases) {
    await t.step(name, async () => {
      const dir = await Deno.makeTempDir();
      await Deno.writeTextFile(`${dir}/m.json`, "old");
      await Deno.mkdir(`${dir}/folder`);
      const before = snapshot(dir);
      await assertRejects(async () => {
        await using stage = new OutputStage();
        await stage.write(`${dir}/m.json`, "new", "--out");
        await stage.write(`${dir}/new/m.json`, "new", "--out");
        await second(stage, dir);
        await stage.commit();
      });
      assertEquals(snapshot(dir), before);
      await Deno.remove(dir, { recursive: true });
    });
  }
});

Deno.test("OutputStage refuses a target written twice and bad targets in one line naming the flag", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/d`);
  await using stage = new OutputStage();
  await stage.write(`${dir}/a.json`, "1", "--out");
  await assertRejects(
    () => stage.write(`${dir}/./x/../a.json`, "2", "--onnx"),
    UserError,
    "--onnx",
  );
  await assertRejects(() => stage.write(`${dir}/d`, "2", "--onnx"), UserError, "is a folder");
  await stage.discard();
  assertEquals(snapshot(dir), ["d/"]);
  await Deno.remove(dir, { recursive: true });
});
