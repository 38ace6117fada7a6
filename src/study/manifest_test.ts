import { assert, assertEquals, assertMatch } from "@std/assert";
import { getPreset } from "../he/mod.ts";
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
});

Deno.test("the manifest's git SHA is the checkout's HEAD (never \"unknown\" where git is present)", async () => {
  const root = new URL("../../", import.meta.url);
  let hasGit = true;
  try {
    await Deno.stat(new URL(".git", root));
  } catch {
    hasGit = false;
  }
  const m = buildManifest([getPreset("gazelle")], {}, "synthetic");
  if (!hasGit) {
    console.log('skipped: not a git checkout (the manifest says "unknown")');
    assertEquals(m.git_sha, "unknown");
    return;
  }
  const git = await new Deno.Command("git", {
    args: ["rev-parse", "HEAD"],
    cwd: root,
    stdout: "piped",
  })
    .output();
  assertEquals(git.code, 0, "git rev-parse HEAD");
  assertEquals(m.git_sha, new TextDecoder().decode(git.stdout).trim());
});
