/**
 * Errors: a `UserError` is bad input, printed as one line by the CLI; SEAL's `WebAssembly.Exception`s
 * (whose `.message` is a `[type, what]` array) become ordinary `Error`s with readable messages.
 *
 * @module
 */

/** Bad input or an impossible request: the CLI prints its message alone and exits non-zero. */
export class UserError extends Error {
  override name = "UserError";
}

/** Turn anything SEAL throws into an `Error` whose message reads `SEAL <type>: <what>`. */
export function translateSealError(e: unknown, context?: string): Error {
  const prefix = context ? `${context}: ` : "";
  if (e instanceof Error) return e;
  const msg = (e as { message?: unknown } | null)?.message;
  if (Array.isArray(msg) && msg.length === 2) {
    return new Error(`${prefix}SEAL ${String(msg[0])}: ${String(msg[1])}`);
  }
  return new Error(`${prefix}${String(msg ?? e)}`);
}

/** Run `fn`, translating any SEAL exception it throws. */
export function sealCall<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw translateSealError(e, context);
  }
}
