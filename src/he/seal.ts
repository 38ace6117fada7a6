/**
 * Loads node-seal (SEAL 4.1.2 in WebAssembly) once per process and keeps a handle on its linear
 * memory, so tests can check that repeated runs do not grow the WASM heap.
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
    return { seal, heapBytes: () => memory?.buffer.byteLength ?? 0 };
  })();
  return loading;
}
