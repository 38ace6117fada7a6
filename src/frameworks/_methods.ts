/**
 * The plan methods of each framework, and how a method named on the command line or in a file is
 * checked against the framework it is meant for. A method is always a framework's own: GAZELLE's
 * conv methods (`ir`, `or`), CrypTFlow2's one (`sci`), Cheetah's product forms (`coeff`, `ntt`);
 * `auto` is each framework's default. Callers that plan under several frameworks (pruning, the
 * study) pass no method, or the framework's `structureMethod`, never one framework's name to all.
 *
 * @module
 */
import { UserError } from "../base/mod.ts";
import type { FrameworkName } from "./mod.ts";

/** What a framework accepts as a plan method. */
export interface FrameworkMethods {
  /** Every method name it accepts (`auto` included). */
  readonly all: readonly string[];
  /**
   * Methods whose plan does not depend on the weights (GAZELLE's `auto` picks by the weights), the
   * default first: pruning derives structures under one of these.
   */
  readonly fixed: readonly string[];
}

const METHODS = {
  gazelle: { all: ["ir", "or", "auto"], fixed: ["or", "ir"] },
  cryptflow2: { all: ["sci", "auto"], fixed: ["sci"] },
  cheetah: { all: ["coeff", "ntt", "auto"], fixed: ["coeff", "ntt"] },
} as const satisfies Record<FrameworkName, FrameworkMethods>;

/**
 * The plan methods of `framework`.
 *
 * @example Cheetah multiplies in coefficient form (default) or with hoisted NTTs
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { frameworkMethods } from "./mod.ts";
 *
 * assertEquals(frameworkMethods("cheetah").all, ["coeff", "ntt", "auto"]);
 * assertEquals(frameworkMethods("gazelle").fixed[0], "or");
 * ```
 */
export function frameworkMethods(framework: FrameworkName): FrameworkMethods {
  return METHODS[framework];
}

/**
 * `method` checked against `framework` (undefined: the framework's default), or one `UserError`
 * line naming the framework's methods. `what` names the source in that line (`--method`).
 *
 * @example GAZELLE's `or` is not a Cheetah method
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { frameworkMethod } from "./mod.ts";
 * import { UserError } from "../base/mod.ts";
import type { FrameworkName } from "./mod.ts";
 *
 * assertEquals(frameworkMethod("cheetah", "ntt"), "ntt");
 * assertEquals(frameworkMethod("cryptflow2", undefined), undefined);
 * assertThrows(
 *   () => frameworkMethod("cheetah", "or"),
 *   UserError,
 *   '--method "or" is not a cheetah method: use coeff, ntt or auto',
 * );
 * ```
 */
export function frameworkMethod(
  framework: FrameworkName,
  method: string | undefined,
  what = "--method",
): string | undefined {
  if (method === undefined) return undefined;
  const { all } = METHODS[framework];
  if ((all as readonly string[]).includes(method)) return method;
  const list = `${all.slice(0, -1).join(", ")} or ${all[all.length - 1]}`;
  throw new UserError(`${what} "${method}" is not a ${framework} method: use ${list}`);
}

/**
 * The method pruning derives `framework`'s structures under: `method` if it is one whose plan
 * does not depend on the weights, else (none given, or `auto`) the framework's default fixed
 * method; any other name is a `UserError` line.
 *
 * @example Each framework's default, and GAZELLE's `auto` refused
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { structureMethod } from "./mod.ts";
 *
 * assertEquals(structureMethod("gazelle"), "or");
 * assertEquals(structureMethod("cryptflow2"), "sci");
 * assertEquals(structureMethod("cheetah", "auto"), "coeff");
 * assertEquals(structureMethod("cheetah", "ntt"), "ntt");
 * assertThrows(() => structureMethod("gazelle", "auto"), Error, "use or or ir");
 * ```
 */
export function structureMethod(
  framework: FrameworkName,
  method?: string,
  what = "--conv-method",
): string {
  const { fixed } = METHODS[framework];
  const m = frameworkMethod(framework, method, what);
  if (m === undefined) return fixed[0];
  if ((fixed as readonly string[]).includes(m)) return m;
  // `auto` of a framework whose auto is one fixed method (Cheetah, CrypTFlow2) is that method.
  if (m === "auto" && framework !== "gazelle") return fixed[0];
  throw new UserError(
    `${what} "${m}": ${framework}'s pruning structures need a method that does not depend on ` +
      `the weights: use ${fixed.join(" or ")}`,
  );
}
