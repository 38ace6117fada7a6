/**
 * Errors across a Worker boundary. A Worker catches what its job throws and posts it as data
 * (`errorData`); the parent turns it back into an error (`errorFromData`): a `UserError` stays a
 * `UserError` (one line, exit 2, as if thrown in the parent), a `RangeError` stays a `RangeError`,
 * anything else is an internal error with the Worker's message. No stack trace crosses.
 *
 * @module
 */
import { UserError } from "./errors.ts";

/** An error as a Worker posts it: its class name and message, nothing else. */
export interface ErrorData {
  /** The error's `name` (`UserError`, `RangeError`, `Error`, …). */
  readonly name: string;
  /** The error's message. */
  readonly message: string;
}

/**
 * The data a Worker posts for an error it caught (anything thrown, not only `Error`s).
 *
 * @example A UserError keeps its name
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { errorData } from "./worker_errors.ts";
 * import { UserError } from "./errors.ts";
 *
 * assertEquals(errorData(new UserError("Layer x: too big")), { name: "UserError", message: "Layer x: too big" });
 * assertEquals(errorData("boom"), { name: "Error", message: "boom" });
 * ```
 */
export function errorData(e: unknown): ErrorData {
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: "Error", message: String(e) };
}

/**
 * The error a parent rethrows for a Worker's `ErrorData`: a `UserError` for a `UserError`, a
 * `RangeError` for a `RangeError` (the CLI treats both as one-line refusals), else an `Error`
 * whose message names `what` failed and keeps the Worker's message.
 *
 * @example Bad input stays bad input; a bug stays a bug
 * ```ts
 * import { assertEquals, assertInstanceOf } from "@std/assert";
 * import { errorFromData } from "./worker_errors.ts";
 * import { UserError } from "./errors.ts";
 *
 * const user = errorFromData({ name: "UserError", message: "Layer x: too big" }, "planning worker");
 * assertInstanceOf(user, UserError);
 * assertEquals(user.message, "Layer x: too big");
 * const bug = errorFromData({ name: "TypeError", message: "x is undefined" }, "planning worker");
 * assertEquals([bug instanceof UserError, bug.message], [false, "planning worker failed: TypeError: x is undefined"]);
 * ```
 */
export function errorFromData(data: ErrorData, what: string): Error {
  if (data.name === "UserError") return new UserError(data.message);
  if (data.name === "RangeError") return new RangeError(data.message);
  return new Error(`${what} failed: ${data.name}: ${data.message}`);
}
