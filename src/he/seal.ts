/**
 * Loads node-seal (SEAL 4.1.2 in WebAssembly) once per process, keeps a handle on its linear
 * memory (tests check that repeated runs do not grow the WASM heap) and counts its live objects
 * (`liveSealObjects`: tests check that every run frees what it made).
 *
 * Counting is always on. The WASM heap is not garbage collected and its size is a high-water mark,
 * so a leaked 32-byte `ParmsIdType` per op never shows in `heapBytes`; only counting the objects
 * finds it. Counting instruments node-seal's Embind bindings once, at load: every class
 * constructor, method and static function that returns a SEAL object adds one to that object's
 * class, and `delete()` (also reached through `using`) takes one off. It costs about 10 ns per
 * SEAL call and 1 µs per object made and freed (a run makes one plaintext per mask and a pool of
 * ciphertexts), against microseconds to milliseconds per HE op, and keeps one code path: benchmarks
 * and scripts run exactly what the leak tests check.
 *
 * @module
 */
import type { MainModule } from "node-seal";

/** The loaded SEAL module plus its WebAssembly memory (internal to `he`). */
export interface SealRuntime {
  /** node-seal's module: every SEAL class and enum. */
  readonly seal: MainModule;
  /** Current size of the WASM heap in bytes (it only ever grows). */
  heapBytes(): number;
}

/**
 * node-seal's package version, as pinned in deno.json (recorded in study manifests).
 *
 * @example The pinned version
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { NODE_SEAL_VERSION } from "./seal.ts";
 *
 * assertEquals(NODE_SEAL_VERSION, "7.0.0");
 * ```
 */
export const NODE_SEAL_VERSION = "7.0.0";
/**
 * Microsoft SEAL version inside node-seal 7.0.0 (recorded in study manifests).
 *
 * @example SEAL 4.1
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SEAL_VERSION } from "./seal.ts";
 *
 * assertEquals(SEAL_VERSION, "4.1.2");
 * ```
 */
export const SEAL_VERSION = "4.1.2";

let loading: Promise<SealRuntime> | undefined;

/**
 * The process-wide SEAL runtime (loaded on first call, about 50–100 ms).
 *
 * @example Loaded once, with a heap to watch
 * ```ts
 * import { assert, assertStrictEquals } from "@std/assert";
 * import { loadSeal } from "./seal.ts";
 *
 * const { seal, heapBytes } = await loadSeal();
 * using parms = new seal.EncryptionParameters(seal.SchemeType.bfv);
 * assert(heapBytes() > 0);
 * assertStrictEquals((await loadSeal()).seal, seal);
 * ```
 */
export function loadSeal(): Promise<SealRuntime> {
  loading ??= (async () => {
    const wasmUrl = new URL("seal_throws.wasm", import.meta.resolve("node-seal"));
    const bytes = await Deno.readFile(wasmUrl);
    // Loaded here, not on import: planning and counting never need SEAL.
    const { default: SEAL } = await import("node-seal");
    let memory: WebAssembly.Memory | undefined;
    const seal = await SEAL({
      // Instantiate ourselves only to keep a reference to the exported memory.
      instantiateWasm(
        imports: WebAssembly.Imports,
        receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void,
      ) {
        WebAssembly.instantiate(bytes, imports).then((r) => {
          for (const v of Object.values(r.instance.exports)) {
            if (v instanceof WebAssembly.Memory) memory = v;
          }
          receive(r.instance, r.module);
        });
        return {};
      },
    });
    countObjects(seal);
    return { seal, heapBytes: () => memory?.buffer.byteLength ?? 0 };
  })();
  return loading;
}

/** Live SEAL objects (Embind handles) by class name; a class at zero is removed. */
const live = new Map<string, number>();
/** A test seam's state: how many more deletions of `kind` to skip, and the objects it kept. */
interface LeakSeam {
  readonly kind: string;
  remaining: number;
  readonly kept: object[];
}
/** Open test seams (see `injectSealLeak`); empty outside leak tests. */
const seams = new Set<LeakSeam>();
/** Free a SEAL object and count it, past any seam (set when node-seal is loaded). */
let deleteNow: (handle: object) => void = () => {};

/**
 * The SEAL objects alive in this process, by class (`Ciphertext`, `Plaintext`, `GaloisKeys`,
 * `ParmsIdType`, …): those made by a constructor, or returned by a SEAL method or static
 * function, or by `clone()`, minus those freed with `delete()` (or by `using`). Classes with no
 * live object are left out, so a process that freed everything reads `{}`. The cached per-preset
 * environments (context, keys, encoder, …, and up to 4 Galois key sets per preset) stay alive
 * until `closeEnvs()`; everything else a run makes must be gone when it returns, also when it
 * fails (the leak tests in `src/he/leak_test.ts` hold the executor to this).
 *
 * @example A run leaves only the cached environment; closeEnvs frees that too
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { closeEnvs, executeLayer, getPreset, liveSealObjects } from "./mod.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const plan = planGazelle(syntheticLayer("fc", parseLayerSpec("fc:in=8,out=2"), 1), {
 *   preset: getPreset("gazelle"),
 * }).parts[0];
 * await executeLayer(plan, new Float64Array(8));
 * const cached = liveSealObjects();
 * assertEquals([cached.GaloisKeys, cached.SEALContext, cached.Ciphertext], [1, 1, undefined]);
 * await executeLayer(plan, new Float64Array(8));
 * assertEquals(liveSealObjects(), cached);
 * closeEnvs();
 * assertEquals(liveSealObjects(), {});
 * ```
 */
export function liveSealObjects(): Record<string, number> {
  return Object.fromEntries([...live].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Test seam (not on the `he` face): the next `count` deletions of a `kind` object (a SEAL class
 * name), wherever the engine makes them, do nothing, so those objects leak for real. Leak tests use
 * it to prove they notice a single leaked object. Disposing the seam frees the objects it kept and
 * drops the deletions not yet skipped, so the process ends clean.
 *
 * @example One Plaintext leaks while the seam is open
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { injectSealLeak, liveSealObjects, loadSeal } from "./seal.ts";
 *
 * const { seal } = await loadSeal();
 * {
 *   using _leak = injectSealLeak("Plaintext");
 *   const pt = new seal.Plaintext();
 *   pt.delete(); // skipped: the Plaintext stays alive
 *   assertEquals(liveSealObjects(), { Plaintext: 1 });
 * }
 * assertEquals(liveSealObjects(), {}); // the seam freed it
 * ```
 */
export function injectSealLeak(kind: string, count = 1): Disposable {
  const seam: LeakSeam = { kind, remaining: count, kept: [] };
  seams.add(seam);
  return {
    [Symbol.dispose]: () => {
      if (!seams.delete(seam)) return;
      for (const h of seam.kept.splice(0)) deleteNow(h);
    },
  };
}

/** The class name of a SEAL object (its Embind prototype's constructor). */
function kindOf(handle: object): string {
  return (Object.getPrototypeOf(handle) as { constructor: { name: string } }).constructor.name;
}

function bump(kind: string, by: number): void {
  const n = (live.get(kind) ?? 0) + by;
  if (n === 0) live.delete(kind);
  else live.set(kind, n);
}

// deno-lint-ignore no-explicit-any
type Fn = (this: unknown, ...args: any[]) => unknown;

/**
 * Instrument node-seal's Embind bindings so that `live` counts every SEAL object: constructors
 * (each class becomes a Proxy with a `construct` trap), instance methods, static functions and
 * module functions that return an object, `clone()`, and `delete()` / `[Symbol.dispose]`.
 * Embind dispatches overloads through `fn.overloadTable` looked up on the replaced property, so
 * each wrapper carries the original's own properties.
 */
function countObjects(seal: MainModule): void {
  const module = seal as unknown as Record<string, unknown>;
  const base = Object.getPrototypeOf(seal.Plaintext.prototype) as Record<string | symbol, Fn>;
  const Handle = base.constructor as unknown as abstract new () => object;
  const counted = (v: unknown) => {
    if (v instanceof Handle) bump(kindOf(v), 1);
    return v;
  };
  const wrap = (owner: object, key: string) => {
    const d = Object.getOwnPropertyDescriptor(owner, key);
    if (!d || typeof d.value !== "function") return;
    const f = d.value as Fn;
    const w = Object.assign(function (this: unknown, ...args: unknown[]) {
      return counted(f.apply(this, args));
    }, f);
    Object.defineProperty(owner, key, { ...d, value: w });
  };
  const STATIC_SKIP = new Set(["length", "name", "prototype", "argCount"]);
  for (const [name, v] of Object.entries(module)) {
    if (typeof v !== "function" || !Object.hasOwn(v, "argCount")) continue; // not Embind's
    if (!(v.prototype instanceof Handle)) {
      if (typeof (v as { argCount?: unknown }).argCount === "number") wrap(module, name); // a free function, not an enum
      continue;
    }
    for (const key of Object.getOwnPropertyNames(v.prototype)) {
      if (key !== "constructor") wrap(v.prototype, key);
    }
    for (const key of Object.getOwnPropertyNames(v)) if (!STATIC_SKIP.has(key)) wrap(v, key);
    module[name] = new Proxy(v, {
      construct: (target, args) => counted(Reflect.construct(target, args)) as object,
    });
  }
  const clone = base.clone, del = base.delete;
  base.clone = function () {
    return counted(clone.call(this));
  };
  deleteNow = (handle) => {
    del.call(handle);
    bump(kindOf(handle), -1);
  };
  const countedDelete = function (this: unknown) {
    const handle = this as object;
    if (seams.size > 0) {
      const kind = kindOf(handle);
      for (const seam of seams) {
        if (seam.kind !== kind || seam.remaining === 0) continue;
        seam.remaining--;
        seam.kept.push(handle);
        return;
      }
    }
    deleteNow(handle);
  };
  base.delete = countedDelete;
  base[Symbol.dispose] = countedDelete;
}
