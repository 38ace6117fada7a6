/**
 * `deno task imports`: the import-direction check. Folders under `src/` form one order,
 *
 *   base → he → nn → train → frameworks → cost → prune → study → report,
 *
 * and scripts/ and bench/ stand above them all. A file may import any file of its own folder; it
 * reaches another folder only through a face (a `mod.ts`), and only downward. Tests and doc
 * examples may also reach upward (an executor test may plan a layer with a framework), still
 * through faces. `src/test_util.ts` is for tests only. Prints the folder-to-folder edges and every
 * violation; exits 1 if there is one.
 *
 * @module
 */
import { type Help, parseFlags, runMain } from "./_cli.ts";

/** The folder order, lowest first. */
export const FOLDER_ORDER = [
  "base",
  "he",
  "nn",
  "train",
  "frameworks",
  "cost",
  "prune",
  "study",
  "report",
] as const;

/** One relative import found in a file. */
export interface ImportEdge {
  /** Importing file, relative to the root. */
  readonly from: string;
  /** Imported file, relative to the root. */
  readonly to: string;
  readonly line: number;
  /** In a test file or a doc example (may reach upward). */
  readonly test: boolean;
}

/** What the check found. */
export interface ImportCheck {
  readonly files: number;
  readonly edges: readonly ImportEdge[];
  /** One line per violation: `file:line: why`. */
  readonly violations: readonly string[];
  /** Imports per (from folder, to folder), other folders only. */
  readonly folderEdges: ReadonlyMap<string, number>;
}

/** `src/<folder>/…` → folder; scripts/ and bench/ are their own; the top mod.ts is "mod". */
export function folderOf(path: string): string {
  const parts = path.split("/");
  if (parts[0] === "src") return parts.length > 2 ? parts[1] : "src";
  return parts.length > 1 ? parts[0] : "mod";
}

function rank(folder: string): number {
  const i = (FOLDER_ORDER as readonly string[]).indexOf(folder);
  if (i >= 0) return i;
  return folder === "src" ? -1 : FOLDER_ORDER.length; // scripts, bench, top mod.ts: above all
}

function normalize(dir: string, spec: string): string {
  const out: string[] = dir === "" ? [] : dir.split("/");
  for (const p of spec.split("/")) {
    if (p === "." || p === "") continue;
    if (p === "..") out.pop();
    else out.push(p);
  }
  return out.join("/");
}

async function* tsFiles(root: string, dir = ""): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir ? `${root}/${dir}` : root)) {
    const path = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory) {
      if (dir === "" && !["src", "scripts", "bench"].includes(e.name)) continue;
      yield* tsFiles(root, path);
    } else if (e.name.endsWith(".ts") && (dir !== "" || e.name === "mod.ts")) yield path;
  }
}

const SPECIFIER = /(?:from\s+|import\s*\(\s*)"(\.{1,2}\/[^"]+\.ts)"/g;

/** Collect the relative imports of every file under `root` (src/, scripts/, bench/, mod.ts). */
export async function collectImports(
  root: string,
): Promise<{ files: number; edges: ImportEdge[] }> {
  const edges: ImportEdge[] = [];
  let files = 0;
  for await (const file of tsFiles(root)) {
    files++;
    const text = await Deno.readTextFile(`${root}/${file}`);
    const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : "";
    const isTest = file.endsWith("_test.ts") || file === "src/test_util.ts";
    text.split("\n").forEach((line, i) => {
      for (const m of line.matchAll(SPECIFIER)) {
        const docExample = /^\s*\*/.test(line);
        edges.push({
          from: file,
          to: normalize(dir, m[1]),
          line: i + 1,
          test: isTest || docExample,
        });
      }
    });
  }
  return { files, edges };
}

/** Why an edge breaks the rules, or null if it keeps them. */
export function violation(e: ImportEdge): string | null {
  const from = folderOf(e.from), to = folderOf(e.to);
  if (e.to === "src/test_util.ts") return e.test ? null : "src/test_util.ts is for tests only";
  if (from === to && from !== "mod") return null;
  // Inside src/ a folder's face is its top mod.ts; scripts/ and bench/ may also use a sub-face
  // such as src/train/tfjs/mod.ts (bench times the tfjs step).
  const face = e.from.startsWith("src/") ? e.to === `src/${to}/mod.ts` : e.to.endsWith("mod.ts");
  if (!face) return `reaches past the face of ${to}/ (import src/${to}/mod.ts instead of ${e.to})`;
  if (!e.test && rank(to) >= rank(from)) {
    return `runs upward: ${from} may not import ${to} (order: ${FOLDER_ORDER.join(" → ")})`;
  }
  return null;
}

/** Check every import under `root`. */
export async function checkImports(root: string): Promise<ImportCheck> {
  const { files, edges } = await collectImports(root);
  const violations: string[] = [];
  const folderEdges = new Map<string, number>();
  for (const e of edges) {
    const why = violation(e);
    if (why) violations.push(`${e.from}:${e.line}: ${why}`);
    const from = folderOf(e.from), to = folderOf(e.to);
    if (from !== to && !e.test) {
      const key = `${from} → ${to}`;
      folderEdges.set(key, (folderEdges.get(key) ?? 0) + 1);
    }
  }
  return { files, edges, violations, folderEdges };
}

/** Packages too heavy to load on import (each is loaded on first use by the code that needs it). */
export const HEAVY_PACKAGES: readonly string[] = [
  "node-seal",
  "onnxruntime-web",
  "vega",
  "vega-lite",
  "@resvg/resvg-wasm",
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-backend-wasm",
];

interface InfoDependency {
  readonly code?: { readonly specifier: string };
  readonly isDynamic?: boolean;
}
interface InfoModule {
  readonly specifier: string;
  readonly dependencies?: readonly InfoDependency[];
}

/**
 * The npm packages (name only) that importing `entry` loads at once: its static import closure,
 * read from `deno info --json`, stopping at dynamic `import()`s and at type-only imports.
 */
export async function staticNpmPackages(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(`deno info ${entry}: ${new TextDecoder().decode(out.stderr)}`);
  }
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: InfoModule[];
    redirects: Record<string, string>;
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const packages = new Set<string>();
  const stack = [...info.roots];
  while (stack.length) {
    const spec = stack.pop()!;
    if (seen.has(spec)) continue;
    seen.add(spec);
    for (const d of bySpecifier.get(spec)?.dependencies ?? []) {
      if (!d.code || d.isDynamic) continue;
      const target = info.redirects[d.code.specifier] ?? d.code.specifier;
      const npm = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)/.exec(target);
      if (npm) packages.add(npm[1]);
      else if (target.startsWith("file:")) stack.push(target);
    }
  }
  return [...packages].sort();
}

const HELP: Help = {
  usage: "deno task imports",
  about: "The import-direction check: src/ folders form one order (base → he → nn → train →\n" +
    "frameworks → cost → prune → study → report; scripts/ and bench/ above them), reached only\n" +
    "through a mod.ts and only downward. Prints the folder edges and every violation, and exits 1\n" +
    "when there is one. Takes no options.",
  options: [],
  examples: ["deno task imports", "deno task imports | grep violation"],
};

async function main(): Promise<number> {
  parseFlags(Deno.args, { help: HELP });
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const r = await checkImports(root);
  const order = (k: string) => k.split(" → ").map((f) => rank(f));
  const keys = [...r.folderEdges.keys()].sort((a, b) => {
    const [a0, a1] = order(a), [b0, b1] = order(b);
    return a0 - b0 || a1 - b1 || a.localeCompare(b);
  });
  console.log(`order: ${FOLDER_ORDER.join(" → ")} → scripts, bench`);
  console.log(`${r.files} files, ${r.edges.length} relative imports`);
  console.log("imports between folders (code, not tests):");
  for (const k of keys) console.log(`  ${k.padEnd(24)} ${r.folderEdges.get(k)}`);
  const upward =
    r.edges.filter((e) =>
      e.test && folderOf(e.from) !== folderOf(e.to) && rank(folderOf(e.to)) > rank(folderOf(e.from))
    ).length;
  console.log(`tests and doc examples reaching upward through faces: ${upward}`);
  for (const v of r.violations) console.log(`violation: ${v}`);
  console.log(`${r.violations.length} violations`);
  return r.violations.length ? 1 : 0;
}

if (import.meta.main) await runMain(main);
