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

Deno.test("deno doc --lint is clean on every export of deno.json (the public API is documented)", async () => {
  const deno = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))) as {
    exports: Record<string, string>;
  };
  const entries = Object.values(deno.exports);
  assertEquals(entries.length >= 10, true, `exports: ${entries.join(", ")}`);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", ...entries, "src/train/tfjs/mod.ts"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const errors = [...text.matchAll(/^error\[([a-z-]+)\]: .*\n\s+--> ([^\n]+)/gm)].map((m) =>
    `${m[1]} at ${m[2].replace(new URL(ROOT).pathname, "")}`
  );
  assertEquals(errors, [], text.slice(0, 2000));
  assertEquals(out.code, 0, text.slice(0, 2000));
});
