import { assert, assertEquals, assertMatch } from "@std/assert";
import { getPreset } from "../he/mod.ts";
import { writeFileAtomic } from "../base/mod.ts";
import { buildManifest } from "./manifest.ts";

Deno.test("buildManifest() records versions, CPU, presets with security and seeds", () => {
  const m = buildManifest(
    [getPreset("gazelle"), getPreset("gazelle-secure")],
    { w: 1 },
    "synthetic",
  );
  assertEquals(m.node_seal, "7.0.0");
  assertEquals(m.seal, "4.1.2");
  assertEquals(m.deno, Deno.version.deno);
  assertMatch(m.presets[0].security, /^NOT 128-bit secure/);
  assertEquals(m.presets[1].security, "128-bit secure");
  assertEquals(m.seeds, { w: 1 });
  assert(m.cpu.length > 0 && m.cores >= 1);
  assertMatch(m.git_sha, /^([0-9a-f]{40}|unknown)$/);
});

Deno.test("writeFileAtomic() leaves no temporary file and replaces the target whole", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/out.json`;
  await writeFileAtomic(path, "first");
  await writeFileAtomic(path, "second");
  assertEquals(await Deno.readTextFile(path), "second");
  const names = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  assertEquals(names, ["out.json"]);
  await Deno.remove(dir, { recursive: true });
});
