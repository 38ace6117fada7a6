/**
 * Loads node-seal (SEAL 4.1.2 in WebAssembly) once per process and keeps a handle on its linear
 * memory, so tests can check that repeated runs do not grow the WASM heap.
 *
 * @module
 */
import type { MainModule } from "node-seal";

/** The loaded SEAL module plus its WebAssembly memory. */
export interface SealRuntime {
  readonly seal: MainModule;
  /** Current size of the WASM heap in bytes (it only ever grows). */
  heapBytes(): number;
}

/**
 * node-seal's package version (pinned in deno.json) and the SEAL version it wraps.
 *
 * @example
 * ```ts
 * import { NODE_SEAL_VERSION } from "./seal.ts";
 *
 * if (NODE_SEAL_VERSION !== "7.0.0") throw new Error();
 * ```
 */
export const NODE_SEAL_VERSION = "7.0.0";
/**
 * Microsoft SEAL version inside node-seal 7.0.0.
 *
 * @example
 * ```ts
 * import { SEAL_VERSION } from "./seal.ts";
 *
 * if (SEAL_VERSION !== "4.1.2") throw new Error();
 * ```
 */
export const SEAL_VERSION = "4.1.2";

let loading: Promise<SealRuntime> | undefined;

/**
 * The process-wide SEAL runtime (loaded on first call, about 50–100 ms).
 *
 * @example
 * ```ts
 * import { loadSeal } from "./seal.ts";
 *
 * const { seal, heapBytes } = await loadSeal();
 * using parms = new seal.EncryptionParameters(seal.SchemeType.bfv);
 * if (heapBytes() <= 0) throw new Error();
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
