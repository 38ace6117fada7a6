/**
 * File names from data: a model, layer or framework name that becomes (part of) a file name is
 * reduced to a safe alphabet first, so no name can climb out of a folder, hide a file or make a
 * name the file system refuses.
 *
 * @module
 */

/** Longest safe name `safeFileName` returns (a hash suffix included). */
export const MAX_SAFE_NAME = 80;

const SAFE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** FNV-1a over the UTF-16 code units of `s`, 8 hex digits: tells apart names that reduce alike. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/**
 * `name` as a file name: unchanged when it is already safe (only `A-Z a-z 0-9 . _ -`, no leading
 * dot, at most `MAX_SAFE_NAME` characters), else every other character replaced by `_`, leading
 * dots dropped, cut to length, and a hash of the original name appended (so two different unsafe
 * names do not end up as one file).
 *
 * @example Ordinary names pass; a path does not
 * ```ts
 * import { assertEquals, assertMatch } from "@std/assert";
 * import { safeFileName } from "./safe_name.ts";
 *
 * assertEquals(safeFileName("vgg16-cifar10"), "vgg16-cifar10");
 * assertMatch(safeFileName("x/../../etc/passwd"), /^x_.._.._etc_passwd-[0-9a-f]{8}$/);
 * assertMatch(safeFileName(".."), /^_-[0-9a-f]{8}$/);
 * ```
 */
export function safeFileName(name: string): string {
  if (name.length <= MAX_SAFE_NAME && SAFE.test(name)) return name;
  const body = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "").slice(
    0,
    MAX_SAFE_NAME - 9,
  );
  return `${body || "_"}-${fnv1a(name)}`;
}
