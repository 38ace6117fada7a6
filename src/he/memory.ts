/**
 * Memory guards. A layer's plan and its execution hold four big things: the op list, the plaintext
 * masks (index records while planning, SEAL plaintexts of N × data primes × 8 bytes each while
 * executing), the Galois keys and the ciphertexts. `estimateMemory` turns counts a framework
 * predicts from the layer's shape and packing (before anything is built) into bytes;
 * `checkMemory` refuses, in one line naming the layer, the bytes and the way to raise the limit, a
 * layer that would not fit `memoryLimit()` (the `MOSAIC_MAX_MEMORY` environment variable, else
 * half of the machine's memory, else a fixed 8 GB) or, when executed, node-seal's 4 GiB
 * WebAssembly heap (`SEAL_HEAP_BYTES`). `sealMemory` measures the same SEAL bytes exactly from
 * built plans: the executor refuses with it before encoding or encrypting anything.
 *
 * @module
 */
import { getHeapStatistics } from "node:v8";
import { UserError } from "../base/mod.ts";
import { DEFAULT_KEY_BUDGET_BYTES, galoisKeyBytes, galoisKeySetBytes } from "./galois.ts";
import { ciphertextBytes, type LayerPlan } from "./plan.ts";

/**
 * What one part of a layer program will hold, predicted from the layer's shape and the framework's
 * packing before the part is planned. Every count is an upper bound of the built plan's.
 */
export interface PartCounts {
  /** Slots N of the part's ring. */
  readonly slots: number;
  /** Coefficient-modulus primes of the part's preset, the special prime included. */
  readonly primes: number;
  /** False if the masks multiply coefficient-form ciphertexts (N values each, no NTT). */
  readonly nttMasks: boolean;
  /** Input ciphertexts. */
  readonly inputs: number;
  /** Output ciphertexts. */
  readonly outputs: number;
  /** Plaintext masks (one per product). */
  readonly masks: number;
  /** Bytes of JavaScript heap the planner keeps per mask (its index record and schedule). */
  readonly maskRecordBytes: number;
  /** Ops of the op list. */
  readonly ops: number;
  /** Distinct rotation steps the plan may ask Galois keys for (the column swap included). */
  readonly keySteps: number;
  /** Largest exact key set (bytes) before the planner falls back to the ±2^i keys. */
  readonly keyBudgetBytes?: number;
  /** Ciphertexts alive at once when the part is executed. */
  readonly liveCiphertexts: number;
  /** Bytes of the planner's own tables: packings, grids, rotation lists, caches. */
  readonly tableBytes: number;
  /** Input plus output tensor elements the client packs and unpacks. */
  readonly elements: number;
}

/** Bytes a layer needs, by what holds them. */
export interface MemoryEstimate {
  /** The layer's name. */
  readonly layer: string;
  /** The framework it is planned for. */
  readonly framework: string;
  /** Bytes planning holds (every part, as a program keeps them). */
  readonly planning: {
    /** The layer's weights, with the masked copy `planLayer` makes. */
    readonly weights: number;
    /** The op lists (typed columns, with their doubling growth). */
    readonly ops: number;
    /** The mask records (JavaScript heap). */
    readonly masks: number;
    /** Packings, grids, rotation lists and caches. */
    readonly tables: number;
    /** All of the above. */
    readonly total: number;
  };
  /** Bytes executing holds on top of planning. */
  readonly execution: {
    /** The masks encoded as SEAL plaintexts. */
    readonly masks: number;
    /** The Galois key sets. */
    readonly galoisKeys: number;
    /** Ciphertexts alive at once. */
    readonly ciphertexts: number;
    /** SEAL's objects in node-seal's WebAssembly heap: masks, keys, ciphertexts, context. */
    readonly seal: number;
    /** The client's slot vectors and tensors in JavaScript. */
    readonly client: number;
    /** SEAL objects and client side. */
    readonly total: number;
  };
}

/**
 * node-seal's WebAssembly heap: 32-bit addresses, 4 GiB at most. SEAL objects that do not fit
 * cannot be made, whatever the machine's memory.
 *
 * @example 4 GiB
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SEAL_HEAP_BYTES } from "./memory.ts";
 *
 * assertEquals(SEAL_HEAP_BYTES, 2 ** 32);
 * ```
 */
export const SEAL_HEAP_BYTES = 2 ** 32;

/**
 * The environment variable that sets the memory limit of a plan (a size such as `16GB`,
 * `512MiB` or a number of bytes).
 *
 * @example Its name
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MEMORY_LIMIT_ENV } from "./memory.ts";
 *
 * assertEquals(MEMORY_LIMIT_ENV, "MOSAIC_MAX_MEMORY");
 * ```
 */
export const MEMORY_LIMIT_ENV = "MOSAIC_MAX_MEMORY";

/**
 * The limit when neither `MOSAIC_MAX_MEMORY` nor the machine's memory can be read: 8 GB.
 *
 * @example 8 GB
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FALLBACK_MEMORY_LIMIT } from "./memory.ts";
 *
 * assertEquals(FALLBACK_MEMORY_LIMIT, 8e9);
 * ```
 */
export const FALLBACK_MEMORY_LIMIT = 8e9;

/** Bytes one op takes in an `OpList` (a kind byte and four 32-bit operands). */
const OP_BYTES = 17;
/** SEAL's own per-preset objects (context tables, secret and public keys), in ring elements. */
const CONTEXT_POLYS = 16;
/** Fixed bytes of a planned part (closures, small arrays, an op list's first 256 ops). */
const PART_OVERHEAD = 2 ** 20;

/** Next power of two ≥ x (1 for x ≤ 1; Infinity stays Infinity), without looping on x. */
function np2(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (x <= 1) return 1;
  let p = 2 ** Math.ceil(Math.log2(x));
  if (p < x) p *= 2;
  else if (p / 2 >= x) p /= 2;
  return p;
}

/** Peak bytes of an op list of `ops` ops: capacity doubles, and old and new columns meet once. */
function opListBytes(ops: number): number {
  const capacity = Math.max(256, np2(ops));
  return ops === 0 ? 0 : 1.5 * capacity * OP_BYTES;
}

/** Bytes of the Galois keys of a part: the exact set within budget, else the ±2^i set. */
function keyBytes(p: PartCounts): number {
  const one = galoisKeyBytes(p.slots, p.primes);
  const exact = Math.min(p.keySteps, p.slots / 2 + 1) * one;
  const pow2 = (2 * Math.log2(p.slots / 2) + 1) * one;
  const budget = p.keyBudgetBytes ?? DEFAULT_KEY_BUDGET_BYTES;
  // Within budget the planner keeps the exact set; past it, the ±2^i set. When the bound on the
  // exact set passes the budget, the real set may still fit it: the bound covers both.
  const keys = exact <= budget ? exact : Math.max(budget, pow2);
  return galoisKeySetBytes(0, p.slots, p.primes) + keys;
}

/**
 * The bytes a layer program needs, from its parts' predicted counts and its weights (`weights`
 * values; `masked` if `planLayer` copies them to apply a weight mask).
 *
 * @example A GAZELLE FC layer of 512 × 10: one mask, a few KB of ops, keys within budget
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { estimateMemory } from "./memory.ts";
 *
 * const part = {
 *   slots: 2048, primes: 3, nttMasks: true, inputs: 1, outputs: 1, masks: 1,
 *   maskRecordBytes: 128, ops: 20, keySteps: 9, liveCiphertexts: 4, tableBytes: 0, elements: 522,
 * };
 * const e = estimateMemory("fc", "gazelle", [part], 5120, false);
 * assertEquals(e.execution.masks, 2048 * 2 * 8); // one NTT-form plaintext over two data primes
 * assertEquals(e.planning.weights, 5120 * 4);
 * assert(e.execution.seal > e.execution.masks + e.execution.galoisKeys);
 * ```
 */
export function estimateMemory(
  layer: string,
  framework: string,
  parts: readonly PartCounts[],
  weights: number,
  masked: boolean,
): MemoryEstimate {
  let ops = 0, masks = 0, tables = 0;
  let sealMasks = 0, keys = 0, cts = 0, context = 0, client = 0;
  for (const p of parts) {
    const dataPrimes = p.primes - 1;
    ops += opListBytes(p.ops);
    masks += p.masks * p.maskRecordBytes;
    tables += p.tableBytes + PART_OVERHEAD;
    sealMasks += p.masks * p.slots * (p.nttMasks ? dataPrimes : 1) * 8;
    keys += keyBytes(p);
    cts += p.liveCiphertexts * ciphertextBytes(p.slots, dataPrimes);
    context = Math.max(context, CONTEXT_POLYS * p.slots * p.primes * 8);
    // Slot vectors in and out (the output mask R too), one mask being filled, the tensors.
    client += (p.inputs + 2 * p.outputs + 1) * p.slots * 8 + 4 * p.elements * 8;
  }
  const w = weights * 4 * (masked ? 2 : 1) + (masked ? weights : 0);
  const seal = sealMasks + keys + cts + context;
  return {
    layer,
    framework,
    planning: { weights: w, ops, masks, tables, total: w + ops + masks + tables },
    execution: {
      masks: sealMasks,
      galoisKeys: keys,
      ciphertexts: cts,
      seal,
      client,
      total: seal + client,
    },
  };
}

/** A memory limit and where it comes from (said in refusals). */
export interface MemoryLimit {
  /** The limit, in bytes. */
  readonly bytes: number;
  /** Where it comes from, e.g. `MOSAIC_MAX_MEMORY=16GB` or `half of this machine's 24.0 GB`. */
  readonly source: string;
}

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  ki: 2 ** 10,
  kib: 2 ** 10,
  mi: 2 ** 20,
  mib: 2 ** 20,
  gi: 2 ** 30,
  gib: 2 ** 30,
  ti: 2 ** 40,
  tib: 2 ** 40,
};

/**
 * Parse a memory size: a positive number of bytes, optionally with a unit (`KB`, `MB`, `GB`, `TB`
 * are powers of 1000; `KiB`, `MiB`, `GiB`, `TiB` powers of 1024; case does not matter). `what`
 * names the setting in the one-line `UserError` a bad size gives.
 *
 * @example Decimal and binary units
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { parseMemorySize } from "./memory.ts";
 *
 * assertEquals(parseMemorySize("16GB", "MOSAIC_MAX_MEMORY"), 16e9);
 * assertEquals(parseMemorySize("512MiB", "MOSAIC_MAX_MEMORY"), 512 * 2 ** 20);
 * assertEquals(parseMemorySize("2.5g", "MOSAIC_MAX_MEMORY"), 2.5e9);
 * assertThrows(() => parseMemorySize("lots", "MOSAIC_MAX_MEMORY"), Error, "MOSAIC_MAX_MEMORY");
 * ```
 */
export function parseMemorySize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)(?:e(\d+))?\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[3].toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Number(m[1]) * 10 ** Number(m[2] ?? 0) * unit : NaN;
  if (!(bytes >= 1 && Number.isFinite(bytes))) {
    throw new UserError(
      `${what} must be a memory size such as 16GB, 512MiB or a number of bytes (got "${text}")`,
    );
  }
  return Math.floor(bytes);
}

/**
 * A byte count for people: `512 B`, `3.4 MB`, `12.0 GB`, `1.2e+21 B`.
 *
 * @example Decimal units, one decimal
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatBytes } from "./memory.ts";
 *
 * assertEquals(formatBytes(512), "512 B");
 * assertEquals(formatBytes(25.44e9), "25.4 GB");
 * assertEquals(formatBytes(3e21), "3.0e+21 B");
 * ```
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return "more than 1e308 B";
  if (n < 1e3) return `${Math.round(n)} B`;
  for (const [unit, size] of [["TB", 1e12], ["GB", 1e9], ["MB", 1e6], ["KB", 1e3]] as const) {
    if (n >= size && n < 1e3 * size) return `${(n / size).toFixed(1)} ${unit}`;
  }
  return n < 1e18 ? `${(n / 1e15).toFixed(1)} PB` : `${n.toExponential(1)} B`;
}

let machine: { bytes: number; source: string } | null | undefined;

/** Total memory of this machine, if this process may read it (never prompts). */
function machineMemory(): number | null {
  try {
    const sys = Deno.permissions.querySync({ name: "sys", kind: "systemMemoryInfo" });
    return sys.state === "granted" ? Deno.systemMemoryInfo().total : null;
  } catch {
    return null; // a runtime without the API
  }
}

/**
 * The memory a layer may take: `MOSAIC_MAX_MEMORY` (a size for `parseMemorySize`) when set, else
 * half of this machine's memory (`Deno.systemMemoryInfo()`, when `--allow-sys=systemMemoryInfo`
 * grants it: the planning tasks do), else `FALLBACK_MEMORY_LIMIT`. Nothing prompts for a
 * permission. (Deno 2 reads `/proc/meminfo` only under `--allow-all`, so it is not tried.)
 *
 * @example The environment variable wins
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { memoryLimit } from "./memory.ts";
 *
 * const before = Deno.env.get("MOSAIC_MAX_MEMORY");
 * Deno.env.set("MOSAIC_MAX_MEMORY", "3GiB");
 * assertEquals(memoryLimit(), { bytes: 3 * 2 ** 30, source: "MOSAIC_MAX_MEMORY=3GiB" });
 * if (before === undefined) Deno.env.delete("MOSAIC_MAX_MEMORY");
 * else Deno.env.set("MOSAIC_MAX_MEMORY", before);
 * ```
 */
export function memoryLimit(): MemoryLimit {
  const env = Deno.permissions.querySync({ name: "env", variable: MEMORY_LIMIT_ENV });
  const set = env.state === "granted" ? Deno.env.get(MEMORY_LIMIT_ENV) : undefined;
  if (set !== undefined && set.trim() !== "") {
    return {
      bytes: parseMemorySize(set, MEMORY_LIMIT_ENV),
      source: `${MEMORY_LIMIT_ENV}=${set.trim()}`,
    };
  }
  if (machine === undefined) {
    const total = machineMemory();
    machine = total === null ? null : {
      bytes: Math.floor(total / 2),
      source: `half of this machine's ${formatBytes(total)}`,
    };
  }
  return machine ?? {
    bytes: FALLBACK_MEMORY_LIMIT,
    source: "the fixed default: this machine's memory is not readable without " +
      "--allow-sys=systemMemoryInfo",
  };
}

/** Bytes V8 lets this isolate's JavaScript heap grow to (`--max-old-space-size`). */
function heapLimit(): number {
  try {
    return getHeapStatistics().heap_size_limit;
  } catch {
    return Infinity;
  }
}

/** What the check covers: planning only, or planning and then executing on node-seal. */
export interface CheckMemoryOptions {
  /** The layer will be executed on node-seal (its SEAL objects must fit the WebAssembly heap). */
  readonly execute?: boolean;
  /** The limit to check against (default `memoryLimit()`). */
  readonly limit?: MemoryLimit;
}

/**
 * Refuse a layer whose estimate does not fit: its planning (plus, with `execute`, its execution)
 * beyond the memory limit, its mask records beyond V8's heap limit, or, with `execute`, its SEAL
 * objects beyond node-seal's 4 GiB heap. The `UserError` is one line naming the layer, the bytes
 * by what holds them, the limit with its source and how to raise it.
 *
 * @example A layer of 30 GB refused under a 16 GB limit
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkMemory, type MemoryEstimate } from "./memory.ts";
 *
 * const huge: MemoryEstimate = {
 *   layer: "conv1",
 *   framework: "gazelle",
 *   planning: { weights: 1e9, ops: 2e10, masks: 8e9, tables: 1e9, total: 3e10 },
 *   execution: { masks: 0, galoisKeys: 0, ciphertexts: 0, seal: 0, client: 0, total: 0 },
 * };
 * const limit = { bytes: 16e9, source: "MOSAIC_MAX_MEMORY=16GB" };
 * assertThrows(
 *   () => checkMemory(huge, { limit }),
 *   Error,
 *   "Layer conv1 under gazelle needs an estimated 30.0 GB to plan",
 * );
 * ```
 */
export function checkMemory(e: MemoryEstimate, opts: CheckMemoryOptions = {}): void {
  const f = formatBytes;
  const who = `Layer ${e.layer} under ${e.framework}`;
  const x = e.execution;
  if (opts.execute && !(x.seal <= SEAL_HEAP_BYTES)) {
    throw new UserError(
      `${who} needs an estimated ${f(x.seal)} of SEAL objects to execute (masks ${f(x.masks)}, ` +
        `Galois keys ${f(x.galoisKeys)}, ciphertexts ${f(x.ciphertexts)}), more than ` +
        `node-seal's 4 GiB WebAssembly heap: count it without --execute, or prune or split the layer`,
    );
  }
  const p = e.planning;
  const total = p.total + (opts.execute ? x.total : 0);
  const parts = [
    `op list ${f(p.ops)}`,
    `mask records ${f(p.masks)}`,
    `tables ${f(p.tables)}`,
    `weights ${f(p.weights)}`,
    ...(opts.execute ? [`SEAL objects ${f(x.seal)}`, `client vectors ${f(x.client)}`] : []),
  ];
  checkAllocation(
    `${who} needs an estimated ${f(total)} to ${opts.execute ? "plan and execute" : "plan"}`,
    total,
    parts.join(", "),
    { limit: opts.limit, fix: "use a smaller layer" },
  );
  const heap = heapLimit();
  if (!(p.masks <= heap)) {
    const mib = Math.ceil((2 * p.masks) / 2 ** 20);
    throw new UserError(
      `${who} needs an estimated ${f(p.masks)} of mask records, more than V8's ` +
        `${f(heap)} JavaScript heap: raise it with --v8-flags=--max-old-space-size=${mib}, ` +
        `or use a smaller layer`,
    );
  }
}

/**
 * Refuse an allocation of `bytes` beyond the memory limit (`memoryLimit()` unless `opts.limit`):
 * a one-line `UserError` that starts with `what` (e.g. "Layer x needs an estimated 25.3 GB to
 * plan"), gives `detail` (what holds the bytes) in parentheses, the limit with its source, then
 * `opts.fix` (default "use a smaller input") and how to raise the limit.
 *
 * @example Within the limit nothing happens; beyond it, one line
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkAllocation } from "./memory.ts";
 *
 * const limit = { bytes: 1e9, source: "MOSAIC_MAX_MEMORY=1GB" };
 * checkAllocation("4 images", 4e6, "4 × 1 MB", { limit });
 * assertThrows(
 *   () => checkAllocation("4 images need an estimated 40.0 GB", 40e9, "4 × 10 GB", { limit }),
 *   Error,
 *   "4 images need an estimated 40.0 GB (4 × 10 GB), more than the 1.0 GB memory limit (MOSAIC_MAX_MEMORY=1GB)",
 * );
 * ```
 */
export function checkAllocation(
  what: string,
  bytes: number,
  detail: string,
  opts: { readonly limit?: MemoryLimit; readonly fix?: string } = {},
): void {
  const limit = opts.limit ?? memoryLimit();
  if (bytes <= limit.bytes) return;
  const example = bytes < 1e13 ? ` (e.g. ${MEMORY_LIMIT_ENV}=${Math.ceil(bytes / 1e9)}GB)` : "";
  throw new UserError(
    `${what} (${detail}), more than the ${formatBytes(limit.bytes)} memory limit ` +
      `(${limit.source}): ${opts.fix ?? "use a smaller input"}, or raise the limit with ` +
      `${MEMORY_LIMIT_ENV} if the machine has that much memory${example}`,
  );
}

/** Ciphertexts alive at once when `plan` runs: its inputs plus the registers live at the peak. */
function peakCiphertexts(plan: LayerPlan): number {
  const last: number[] = [];
  const outputs = new Set(plan.outputs);
  const regs = (i: number): number[] => {
    const op = plan.ops.get(i);
    switch (op.kind) {
      case "rotate":
      case "mul":
      case "scale":
        return [op.dst, op.src];
      case "add":
        return [op.dst, op.src];
      case "zero":
        return [op.dst];
      default:
        return [op.reg];
    }
  };
  const n = plan.ops.length;
  for (let i = 0; i < n; i++) for (const r of regs(i)) last[r] = i;
  const live = new Set<number>();
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const rs = regs(i);
    for (const r of rs) live.add(r);
    peak = Math.max(peak, live.size);
    for (const r of rs) if (last[r] === i && !outputs.has(r)) live.delete(r);
  }
  // Inputs stay with the caller; NTT copies of them, scratch ciphertexts of masks: +2.
  return peak + plan.inputs + 2;
}

/**
 * The SEAL bytes executing built plans takes in node-seal's heap, exactly as the executor will
 * make them: every part's masks as plaintexts, its Galois keys, its ciphertexts alive at the peak
 * and the preset's context. `sealMemory(plans).seal` above `SEAL_HEAP_BYTES` cannot run.
 *
 * @example A small GAZELLE FC layer: four diagonal masks of 32 KB, a few MB in all
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { sealMemory, SEAL_HEAP_BYTES } from "./memory.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=512,out=10"), 1);
 * const plan = planGazelle(layer, { preset: getPreset("gazelle") }).parts[0];
 * const m = sealMemory([plan]);
 * assertEquals(plan.masks.count, 4);
 * assertEquals(m.masks, 4 * 2048 * 2 * 8); // N slots × 2 data primes × 8 bytes each
 * assert(m.seal < 10e6 && m.seal < SEAL_HEAP_BYTES);
 * ```
 */
export function sealMemory(
  plans: readonly LayerPlan[],
): { masks: number; galoisKeys: number; ciphertexts: number; seal: number } {
  let masks = 0, keys = 0, cts = 0, context = 0;
  for (const plan of plans) {
    const primes = plan.preset.coeffModulusBits.length;
    masks += plan.masks.count * plan.slots * (plan.masks.ntt === false ? 1 : primes - 1) * 8;
    keys += galoisKeySetBytes(plan.keys.steps.length, plan.slots, primes);
    cts += peakCiphertexts(plan) * ciphertextBytes(plan.slots, primes - 1);
    context = Math.max(context, CONTEXT_POLYS * plan.slots * primes * 8);
  }
  return { masks, galoisKeys: keys, ciphertexts: cts, seal: masks + keys + cts + context };
}

/**
 * Refuse to execute built plans whose SEAL objects (`sealMemory`) cannot fit node-seal's 4 GiB
 * WebAssembly heap: one line naming the layer and the bytes, before anything is encoded.
 *
 * @example A small layer passes
 * ```ts
 * import { checkSealMemory } from "./memory.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=512,out=10"), 1);
 * checkSealMemory(planGazelle(layer, { preset: getPreset("gazelle") }).parts);
 * ```
 */
export function checkSealMemory(plans: readonly LayerPlan[]): void {
  if (plans.length === 0) return;
  const m = sealMemory(plans);
  if (m.seal <= SEAL_HEAP_BYTES) return;
  const f = formatBytes;
  throw new UserError(
    `Layer ${plans[0].layer} under ${plans[0].framework} needs ${f(m.seal)} of SEAL objects ` +
      `to execute (masks ${f(m.masks)}, Galois keys ${f(m.galoisKeys)}, ciphertexts ` +
      `${f(m.ciphertexts)}), more than node-seal's 4 GiB WebAssembly heap: count it without ` +
      `--execute, or prune or split the layer`,
  );
}
