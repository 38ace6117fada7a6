import { assertEquals, assertMatch } from "@std/assert";
import {
  checkImports,
  folderOf,
  HEAVY_PACKAGES,
  staticNpmPackages,
  violation,
} from "./check_imports.ts";

Deno.test("the repository keeps the import order: every cross-folder import goes through a face, downward", async () => {
  const r = await checkImports(new URL("..", import.meta.url).pathname.replace(/\/$/, ""));
  assertEquals(r.violations, []);
  // Not vacuous: the walk saw the folders and their faces.
  assertEquals(r.files > 150, true, `${r.files} files`);
  assertEquals((r.folderEdges.get("prune → nn") ?? 0) > 0, true);
});

Deno.test("the check names an import past a face, an upward import and test_util outside tests", () => {
  const past = violation({ from: "src/prune/a.ts", to: "src/nn/zoo.ts", line: 3, test: false });
  assertMatch(past ?? "", /reaches past the face of nn\//);
  const up = violation({ from: "src/he/a.ts", to: "src/frameworks/mod.ts", line: 1, test: false });
  assertMatch(up ?? "", /runs upward: he may not import frameworks/);
  // A test may reach upward, through a face only.
  assertEquals(
    violation({ from: "src/he/a_test.ts", to: "src/frameworks/mod.ts", line: 1, test: true }),
    null,
  );
  assertMatch(
    violation({ from: "src/he/a_test.ts", to: "src/frameworks/packing.ts", line: 1, test: true }) ??
      "",
    /past the face/,
  );
  assertMatch(
    violation({ from: "src/nn/a.ts", to: "src/test_util.ts", line: 1, test: false }) ?? "",
    /tests only/,
  );
  assertEquals(
    violation({ from: "scripts/plan.ts", to: "src/report/mod.ts", line: 1, test: false }),
    null,
  );
  assertEquals(folderOf("src/frameworks/gazelle/conv.ts"), "frameworks");
});

Deno.test("a tree with a two-way tie fails the check", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/src/he`, { recursive: true });
    await Deno.mkdir(`${root}/src/nn`, { recursive: true });
    await Deno.writeTextFile(`${root}/src/he/mod.ts`, 'export { x } from "../nn/mod.ts";\n');
    await Deno.writeTextFile(`${root}/src/nn/mod.ts`, 'export { y } from "../he/mod.ts";\n');
    const r = await checkImports(root);
    assertEquals(r.violations.length, 1);
    assertMatch(r.violations[0], /^src\/he\/mod.ts:1: runs upward: he may not import nn/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("importing the library or any face loads none of the heavy packages (they load on first use)", async () => {
  const root = new URL("..", import.meta.url);
  // The walk does see static npm imports: the ONNX importer needs onnx-proto at once.
  assertEquals(
    (await staticNpmPackages(new URL("src/nn/onnx.ts", root).pathname)).includes("onnx-proto"),
    true,
  );
  const deno = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
    exports: Record<string, string>;
  };
  for (const [name, path] of Object.entries(deno.exports)) {
    const loaded = await staticNpmPackages(new URL(path, root).pathname);
    const heavy = loaded.filter((p) => HEAVY_PACKAGES.includes(p));
    assertEquals(heavy, [], `import of ${name} (${path}) loads ${heavy.join(", ")}`);
  }
});
