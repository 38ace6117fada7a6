/**
 * The one error type for bad input: every task prints a `UserError`'s message alone, as one line,
 * and exits with status 2. Anything else is a bug and keeps its stack trace.
 *
 * @module
 */

/**
 * Bad input or an impossible request: the CLI prints its message alone and exits non-zero.
 *
 * @example A UserError is an Error with its own name
 * ```ts
 * import { assertEquals, assertInstanceOf } from "@std/assert";
 * import { UserError } from "./errors.ts";
 *
 * const e = new UserError("Layer x: bad spec");
 * assertInstanceOf(e, Error);
 * assertEquals(e.name, "UserError");
 * ```
 */
export class UserError extends Error {
  /** Always "UserError", so the CLI can tell bad input from a bug. */
  override name = "UserError";
}
