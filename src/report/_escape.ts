/**
 * Escaping for the report's pages: every string that came from data (a results file, a
 * calibration file, op weights) passes `escapeHtml` on its way into `index.html` and
 * `escapeMarkdown` into `summary.md`, so it reads as text and never as markup.
 *
 * @module
 */

/**
 * Characters with a meaning in Markdown text; `_` only where it could open or close emphasis (an
 * underscore between two letters or digits, as in `x86_64`, never does).
 */
const MARKDOWN = /[\\`*~[\]<>|&]|_(?![A-Za-z0-9])|(?<![A-Za-z0-9])_/g;

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/**
 * `s` (any value; null and undefined are empty) as HTML text, safe in element content and in
 * double-quoted attributes.
 *
 * @example A script tag is text
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeHtml } from "./_escape.ts";
 *
 * assertEquals(escapeHtml('<script>"x" & y</script>'), "&lt;script&gt;&quot;x&quot; &amp; y&lt;/script&gt;");
 * assertEquals(escapeHtml(0.7), "0.7");
 * ```
 */
export function escapeHtml(s: unknown): string {
  return String(s ?? "").replace(/[&<>"]/g, (c) => HTML[c]);
}

/**
 * `s` (any value; null and undefined are empty) as Markdown text, safe in a paragraph, a list
 * item, a link text and a table cell: line breaks become spaces, and the characters Markdown or
 * inline HTML give meaning (backslash, backtick, `*`, `_` unless inside a word, `~`, `[`, `]`,
 * `<`, `>`, `|`, `&`) are backslash-escaped. Ordinary names (letters, digits, `-`, `.`, `x86_64`, spaces, parentheses)
 * pass unchanged.
 *
 * @example A table cell cannot be split or turned into HTML
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeMarkdown } from "./_escape.ts";
 *
 * assertEquals(escapeMarkdown("vgg16-cifar10, x86_64"), "vgg16-cifar10, x86_64");
 * assertEquals(escapeMarkdown("_a_ *b*"), "\\_a\\_ \\*b\\*");
 * assertEquals(escapeMarkdown("a|b <script>"), "a\\|b \\<script\\>");
 * assertEquals(escapeMarkdown("x\n# title"), "x # title");
 * ```
 */
export function escapeMarkdown(s: unknown): string {
  return String(s ?? "").replace(/\r\n?|\n/g, " ").replace(MARKDOWN, (c) => `\\${c}`);
}
