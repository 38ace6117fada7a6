/**
 * SEAL's errors: its `WebAssembly.Exception`s (whose `.message` is a `[type, what]` array) become
 * ordinary `Error`s with readable messages. Bad input is `UserError` (`src/base/errors.ts`).
 *
 * @module
 */

/**
 * Turn anything SEAL throws into an `Error` whose message reads `SEAL <type>: <what>`.
 *
 * @example
 * ```ts
 * import { translateSealError } from "./errors.ts";
 *
 * const e = translateSealError({ message: ["std::logic_error", "result ciphertext is transparent"] });
 * if (e.message !== "SEAL std::logic_error: result ciphertext is transparent") throw new Error();
 * ```
 */
export function translateSealError(e: unknown, context?: string): Error {
  const prefix = context ? `${context}: ` : "";
  if (e instanceof Error) return e;
  const msg = (e as { message?: unknown } | null)?.message;
  if (Array.isArray(msg) && msg.length === 2) {
    return new Error(`${prefix}SEAL ${String(msg[0])}: ${String(msg[1])}`);
  }
  return new Error(`${prefix}${String(msg ?? e)}`);
}

/**
 * Run `fn`, translating any SEAL exception it throws.
 *
 * @example
 * ```ts
 * import { sealCall } from "./errors.ts";
 *
 * const two = sealCall("adding", () => 1 + 1);
 * if (two !== 2) throw new Error();
 * ```
 */
export function sealCall<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw translateSealError(e, context);
  }
}
