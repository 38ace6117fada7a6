/**
 * SEAL's errors: its `WebAssembly.Exception`s (whose `.message` is a `[type, what]` array) become
 * ordinary `Error`s with readable messages. Bad input is `UserError` (`src/base/errors.ts`).
 *
 * @module
 */

/**
 * Turn anything SEAL throws into an `Error` whose message reads `SEAL <type>: <what>`.
 *
 * @example A SEAL exception's `[type, what]` message becomes one line
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { translateSealError } from "./_errors.ts";
 *
 * const e = translateSealError({ message: ["std::logic_error", "result ciphertext is transparent"] });
 * assertEquals(e.message, "SEAL std::logic_error: result ciphertext is transparent");
 * assertEquals(translateSealError("boom", "encoding").message, "encoding: boom");
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
 * @example The value passes through; a SEAL exception gets the context as prefix
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { sealCall } from "./_errors.ts";
 *
 * assertEquals(sealCall("adding", () => 1 + 1), 2);
 * assertThrows(
 *   () => sealCall("keys", () => { throw { message: ["std::invalid_argument", "bad step"] }; }),
 *   Error,
 *   "keys: SEAL std::invalid_argument: bad step",
 * );
 * ```
 */
export function sealCall<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw translateSealError(e, context);
  }
}
