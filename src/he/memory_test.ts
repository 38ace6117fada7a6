import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { UserError } from "../base/mod.ts";
import {
  checkMemory,
  FALLBACK_MEMORY_LIMIT,
  MEMORY_LIMIT_ENV,
  type MemoryEstimate,
  memoryLimit,
  parseMemorySize,
  SEAL_HEAP_BYTES,
  sealMemory,
} from "./memory.ts";
import { executeProgram } from "./executor.ts";
import { getPreset } from "./presets.ts";
import { planLayer } from "../frameworks/mod.ts";
import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";

/** Run `fn` with MOSAIC_MAX_MEMORY set to `value` (undefined: unset), then restore it. */
function withLimitEnv<T>(value: string | undefined, fn: () => T): T {
  const before = Deno.env.get(MEMORY_LIMIT_ENV);
  if (value === undefined) Deno.env.delete(MEMORY_LIMIT_ENV);
  else Deno.env.set(MEMORY_LIMIT_ENV, value);
  try {
    return fn();
  } finally {
    if (before === undefined) Deno.env.delete(MEMORY_LIMIT_ENV);
    else Deno.env.set(MEMORY_LIMIT_ENV, before);
  }
}

Deno.test("parseMemorySize() reads sizes with decimal and binary units", () => {
  const table: [string, number][] = [
    ["1", 1],
    ["4096", 4096],
    ["16GB", 16e9],
    ["16 gb", 16e9],
    ["1.5G", 1.5e9],
    ["512MiB", 512 * 2 ** 20],
    ["2TiB", 2 * 2 ** 40],
    ["3e9", 3e9],
    ["64k", 64e3],
  ];
  for (const [text, bytes] of table) assertEquals(parseMemorySize(text, "X"), bytes, text);
});

Deno.test("parseMemorySize() refuses what is not a positive size, in one line naming the setting", () => {
  const bad = ["", "lots", "-1GB", "0", "0.5", "12XB", "1e400", "GB", "1 2GB", "NaN", "Infinity"];
  for (const text of bad) {
    const e = assertThrows(() => parseMemorySize(text, MEMORY_LIMIT_ENV), UserError);
    assert(e.message.startsWith(`${MEMORY_LIMIT_ENV} must be a memory size`), e.message);
    assert(e.message.includes(`(got "${text}")`) && !e.message.includes("\n"), e.message);
  }
});

Deno.test("memoryLimit() takes MOSAIC_MAX_MEMORY, else the machine's memory or the fixed default", () => {
  withLimitEnv("3GiB", () => {
    assertEquals(memoryLimit(), { bytes: 3 * 2 ** 30, source: "MOSAIC_MAX_MEMORY=3GiB" });
  });
  withLimitEnv("many", () => {
    assertThrows(
      () => memoryLimit(),
      UserError,
      '(got "many")',
    );
  });
  withLimitEnv(undefined, () => {
    const limit = memoryLimit();
    const sys = Deno.permissions.querySync({ name: "sys", kind: "systemMemoryInfo" }).state;
    if (sys === "granted") {
      assertEquals(limit.bytes, Math.floor(Deno.systemMemoryInfo().total / 2));
      assert(limit.source.startsWith("half of this machine's"), limit.source);
    } else {
      assertEquals(limit.bytes, FALLBACK_MEMORY_LIMIT);
      assert(limit.source.includes("--allow-sys=systemMemoryInfo"), limit.source);
    }
  });
  withLimitEnv("  ", () => assert(memoryLimit().bytes > 0)); // blank: as if unset
});

const estimate = (planning: number, seal: number): MemoryEstimate => ({
  layer: "conv1",
  framework: "gazelle",
  planning: {
    weights: 0,
    ops: planning / 2,
    masks: planning / 4,
    tables: planning / 4,
    total: planning,
  },
  execution: { masks: seal, galoisKeys: 0, ciphertexts: 0, seal, client: 0, total: seal },
});

Deno.test("checkMemory() refuses planning over the limit and SEAL objects over 4 GiB, in one line", () => {
  const limit = { bytes: 1e9, source: "MOSAIC_MAX_MEMORY=1GB" };
  checkMemory(estimate(0.9e9, 1e12), { limit }); // planning fits; nothing is executed
  checkMemory(estimate(0.5e9, 0.4e9), { limit, execute: true });
  const cases: [MemoryEstimate, boolean, string][] = [
    [estimate(2e9, 0), false, "needs an estimated 2.0 GB to plan (op list 1.0 GB"],
    [estimate(0.6e9, 0.6e9), true, "needs an estimated 1.2 GB to plan and execute"],
    [estimate(1e6, SEAL_HEAP_BYTES + 1), true, "of SEAL objects to execute"],
    [estimate(Infinity, 0), false, "needs an estimated more than 1e308 B to plan"],
    [estimate(NaN, 0), false, "to plan"],
  ];
  for (const [e, execute, want] of cases) {
    const err = assertThrows(() => checkMemory(e, { limit, execute }), UserError);
    assert(err.message.startsWith("Layer conv1 under gazelle needs"), err.message);
    assert(err.message.includes(want), `${err.message} !~ ${want}`);
    assert(!err.message.includes("\n"), err.message);
    assert(
      err.message.includes("MOSAIC_MAX_MEMORY") || err.message.includes("without --execute"),
      err.message,
    );
  }
});

Deno.test("executeProgram() refuses a layer whose SEAL objects exceed the 4 GiB heap before encoding", async () => {
  // 64 × 64 channel-block products of 9 taps × 8 output rotations: 294,912 masks of 32 KB.
  const layer = syntheticLayer("big", parseLayerSpec("conv:h=16,w=16,ci=512,co=512,k=3"), 1);
  const program = planLayer(layer, {
    framework: "gazelle",
    preset: getPreset("gazelle"),
    method: "or",
  });
  const need = sealMemory(program.parts);
  assertEquals(need.masks, program.parts[0].masks.count * 2048 * 2 * 8);
  assert(need.seal > SEAL_HEAP_BYTES);
  const t0 = performance.now();
  await assertRejects(
    () => executeProgram(program, new Float64Array(512 * 16 * 16)),
    UserError,
    "Layer big under gazelle needs 9.7 GB of SEAL objects to execute (masks 9.7 GB",
  );
  assert(performance.now() - t0 < 10_000, "refused before encoding anything");
});
