import { assert, assertEquals, assertThrows } from "@std/assert";
import { scratchBytes, scratchInt32, scratchUint8, withScratch } from "./scratch.ts";

Deno.test("withScratch() hands a large buffer to the next scope, zeroed, and small arrays never", () => {
  const [big, small] = withScratch(() => {
    const a = scratchInt32(50_000), b = scratchUint8(100);
    a.fill(-1);
    b.fill(7);
    return [a.buffer, b.buffer];
  });
  withScratch(() => {
    // A smaller request still fits the 256 KiB buffer: the same memory, zero again.
    const a = scratchUint8(150_000);
    assertEquals(a.buffer, big);
    assert(a.every((v) => v === 0));
    // Two large arrays alive at once never share a buffer.
    const c = scratchInt32(50_000);
    assert(c.buffer !== big);
    assert(scratchUint8(100).buffer !== small);
  });
});

Deno.test("withScratch() takes its arrays back when the work throws, and refuses to nest", () => {
  let kept: ArrayBufferLike | undefined;
  assertThrows(
    () =>
      withScratch(() => {
        kept = scratchInt32(1_000_000).buffer;
        throw new Error("planning failed");
      }),
    Error,
    "planning failed",
  );
  withScratch(() => {
    assertEquals(scratchInt32(1_000_000).buffer, kept);
    assertThrows(() => withScratch(() => 0), Error, "do not nest");
  });
  // Outside a scope, arrays are the caller's: never handed out again (the pool holds one 4 MiB buffer).
  const own = scratchInt32(1_000_000);
  withScratch(() => assert(scratchInt32(1_000_000).buffer !== own.buffer));
});

Deno.test("between scopes a thread keeps at most what its largest scope took", () => {
  withScratch(() => scratchInt32(8 << 20)); // 32 MiB: more than any scope above took
  // The 32 MiB buffer, and a new 16 MiB one for the second array: a 48 MiB scope.
  withScratch(() => [scratchInt32(4 << 20), scratchInt32(4 << 20)]);
  // The smaller buffers of the tests above are let go: the pool holds one scope's worth.
  assertEquals(scratchBytes(), 48 << 20);
});
