/**
 * The lines of a byte stream (a subprocess's stdout or stderr), decoded as UTF-8, through std's
 * `TextLineStream`.
 *
 * @module
 */
import { TextLineStream } from "@std/streams/text-line-stream";

/**
 * The lines of `stream`, without their line ends (`\n` or `\r\n`); a last line without one too.
 *
 * @example Two lines and an unterminated third
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { textLines } from "./text_lines.ts";
 *
 * const bytes = new TextEncoder().encode("done\r\nerror bad\nlast");
 * const lines = await Array.fromAsync(textLines(ReadableStream.from([bytes])));
 * assertEquals(lines, ["done", "error bad", "last"]);
 * ```
 */
export function textLines(stream: ReadableStream<Uint8Array>): ReadableStream<string> {
  // The npm build of std has no type declarations: the stream is string to string.
  const split = new TextLineStream() as TransformStream<string, string>;
  return stream.pipeThrough(new TextDecoderStream()).pipeThrough(split);
}
