/**
 * The reproducibility manifest every report carries: git SHA, Deno/V8, node-seal/SEAL, CPU,
 * presets with their security level, seeds.
 *
 * @module
 */
import os from "node:os";
import { z } from "zod";
import { NODE_SEAL_VERSION, type Preset, SEAL_VERSION, securityLabel } from "../he/mod.ts";
import type { JsonSchema, SameType } from "../base/mod.ts";

/** Where and with what a result was produced. */
export interface Manifest {
  /** Commit of the checkout that produced the result, or "unknown" outside a git checkout. */
  readonly git_sha: string;
  /** Deno version. */
  readonly deno: string;
  /** V8 version. */
  readonly v8: string;
  /** TypeScript version bundled with Deno. */
  readonly typescript: string;
  /** node-seal version. */
  readonly node_seal: string;
  /** Microsoft SEAL version inside node-seal. */
  readonly seal: string;
  /** CPU model name (or the architecture when unknown); merged shards list theirs with " | ". */
  readonly cpu: string;
  /** Logical cores (`navigator.hardwareConcurrency`). */
  readonly cores: number;
  /** `<os>-<arch>`, e.g. `linux-x86_64`. */
  readonly os: string;
  /**
   * The HE presets used: name, ring dimension N, coefficient modulus bit sizes, plaintext modulus
   * t, and the security level in words.
   */
  readonly presets: readonly {
    name: string;
    N: number;
    log_q: readonly number[];
    t: number;
    security: string;
  }[];
  /** Every seed the run used, by what it seeds. */
  readonly seeds: Readonly<Record<string, number>>;
  /** Where the model weights come from (e.g. "synthetic, seed 1"). */
  readonly weights: string;
  /** When the manifest was built, ISO 8601 (UTC). */
  readonly created: string;
}

const manifestObject = z.object({
  git_sha: z.string(),
  deno: z.string(),
  v8: z.string(),
  typescript: z.string(),
  node_seal: z.string(),
  seal: z.string(),
  cpu: z.string(),
  cores: z.number().int().nonnegative(),
  os: z.string(),
  presets: z.array(z.object({
    name: z.string(),
    N: z.number().int().positive(),
    log_q: z.array(z.number().int().positive()),
    t: z.number().int().positive(),
    security: z.string(),
  })),
  seeds: z.record(z.string(), z.number().int()),
  weights: z.string(),
  created: z.string(),
});

const _manifestSchemaIsManifest: SameType<z.infer<typeof manifestObject>, Manifest> = true;

/**
 * The schema of a manifest as files carry it (results, prune files, model cards): the fields of
 * `Manifest`, unknown fields allowed.
 *
 * @example The manifest of this run passes
 * ```ts
 * import { assert } from "@std/assert";
 * import { buildManifest, manifestSchema } from "./manifest.ts";
 *
 * assert(manifestSchema.safeParse(buildManifest([], { study: 1 }, "synthetic")).success);
 * assert(!manifestSchema.safeParse({ git_sha: null }).success);
 * ```
 */
export const manifestSchema: JsonSchema<Manifest> = manifestObject;

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** The checkout this module belongs to (two folders up from `src/study/`). */
const REPO_ROOT = new URL("../../", import.meta.url);

/**
 * The current commit of the checkout at `root` (default: this module's own checkout), read from
 * `.git` with no subprocess, or "unknown" outside a git checkout. A linked worktree's `.git` is a
 * file naming its git directory; its refs live in the common directory.
 *
 * @example 40 hex digits in a checkout; "unknown" where there is none
 * ```ts
 * import { assertEquals, assertMatch } from "@std/assert";
 * import { gitSha } from "./manifest.ts";
 *
 * assertMatch(gitSha(), /^([0-9a-f]{40}|unknown)$/);
 * assertEquals(gitSha(await Deno.makeTempDir()), "unknown");
 * ```
 */
export function gitSha(root: string | URL = REPO_ROOT): string {
  const base = typeof root === "string" ? root : root.pathname;
  let gitDir = `${base.replace(/\/$/, "")}/.git`;
  const pointer = /^gitdir: (.+)$/m.exec(readText(gitDir) ?? "")?.[1].trim();
  if (pointer) gitDir = pointer.startsWith("/") ? pointer : `${base}/${pointer}`;
  const common = readText(`${gitDir}/commondir`)?.trim();
  const commonDir = common ? (common.startsWith("/") ? common : `${gitDir}/${common}`) : gitDir;
  const head = readText(`${gitDir}/HEAD`)?.trim();
  if (!head) return "unknown";
  if (!head.startsWith("ref: ")) return head;
  const ref = head.slice(5);
  const loose = readText(`${gitDir}/${ref}`)?.trim() ?? readText(`${commonDir}/${ref}`)?.trim();
  if (loose) return loose;
  const packed = readText(`${commonDir}/packed-refs`) ?? "";
  const line = packed.split("\n").find((l) => l.endsWith(` ${ref}`));
  return line?.split(" ")[0] ?? "unknown";
}

/**
 * CPU model name (node:os with `--allow-sys=cpus`, else /proc/cpuinfo), or the architecture.
 *
 * @example Always a name, never empty
 * ```ts
 * import { assert } from "@std/assert";
 * import { cpuModel } from "./manifest.ts";
 *
 * assert(cpuModel().length > 0);
 * ```
 */
export function cpuModel(): string {
  // Deno 2.9 wants --allow-all for /proc/cpuinfo; node:os needs only --allow-sys=cpus.
  try {
    const model = os.cpus()[0]?.model?.trim();
    if (model) return model;
  } catch {
    // no sys permission: try /proc
  }
  const info = readText("/proc/cpuinfo") ?? "";
  return /model name\s*:\s*(.+)/.exec(info)?.[1].trim() ?? `${Deno.build.arch} (CPU model unknown)`;
}

/**
 * Build the manifest for a run: this checkout, runtime and machine, the presets with their
 * security level, the run's `seeds` and where its `weights` come from.
 *
 * @example The presets are recorded with their security level
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { buildManifest } from "./manifest.ts";
 * import { getPreset } from "../he/mod.ts";
 *
 * const m = buildManifest([getPreset("gazelle-secure")], { weights: 1 }, "synthetic");
 * assertEquals(m.presets[0].security, "128-bit secure");
 * assertEquals(m.seeds, { weights: 1 });
 * ```
 */
export function buildManifest(
  presets: readonly Preset[],
  seeds: Record<string, number>,
  weights: string,
): Manifest {
  return {
    git_sha: gitSha(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    node_seal: NODE_SEAL_VERSION,
    seal: SEAL_VERSION,
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    os: `${Deno.build.os}-${Deno.build.arch}`,
    presets: presets.map((p) => ({
      name: p.name,
      N: p.polyModulusDegree,
      log_q: p.coeffModulusBits,
      t: p.plainModulus,
      security: securityLabel(p),
    })),
    seeds,
    weights,
    created: new Date().toISOString(),
  };
}
