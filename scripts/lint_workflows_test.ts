import { assertEquals, assertMatch } from "@std/assert";
import { lintWorkflow } from "./lint_workflows.ts";

Deno.test("the CI workflows pass actionlint", async () => {
  const dir = new URL("../.github/workflows/", import.meta.url);
  let files = 0;
  for await (const e of Deno.readDir(dir)) {
    if (!/\.ya?ml$/.test(e.name)) continue;
    files++;
    assertEquals(await lintWorkflow(await Deno.readTextFile(new URL(e.name, dir)), e.name), []);
  }
  assertEquals(files > 0, true);
});

Deno.test("actionlint finds a broken workflow (an unknown job key and a bad expression)", async () => {
  const broken = [
    "on: push",
    "jobs:",
    "  t:",
    "    runs-on: ubuntu-latest",
    "    stepz: []",
    "    steps:",
    "      - run: echo ${{ github.nope( }}",
    "",
  ].join("\n");
  const problems = await lintWorkflow(broken, "broken.yml");
  assertEquals(problems.length >= 2, true, JSON.stringify(problems));
  assertMatch(problems.map((p) => p.message).join("\n"), /stepz/);
});
