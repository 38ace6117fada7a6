import { assertEquals } from "@std/assert";

const ROOT = new URL("../", import.meta.url);
const PATH = /`((?:src|scripts|bench|fixtures|docs|data|models)\/[A-Za-z0-9_./-]*)`/g;

Deno.test("every repository path the README and docs/ name exists (files move; docs must follow)", async () => {
  const docs = ["README.md"];
  for await (const e of Deno.readDir(new URL("docs/", ROOT))) {
    if (e.name.endsWith(".md")) docs.push(`docs/${e.name}`);
  }
  const missing: string[] = [];
  let named = 0;
  for (const doc of docs) {
    const text = await Deno.readTextFile(new URL(doc, ROOT));
    for (const [, path] of text.matchAll(PATH)) {
      named++;
      try {
        await Deno.stat(new URL(path, ROOT));
      } catch {
        missing.push(`${doc}: ${path}`);
      }
    }
  }
  assertEquals(missing, []);
  assertEquals(named > 20, true, `only ${named} paths found: is the pattern still right?`);
});
