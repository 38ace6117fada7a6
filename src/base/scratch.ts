/**
 * Scratch memory for work whose large arrays are thrown away at once: planning a layer only to
 * count its ops (a cost table) builds columns of millions of ops and masks per layer. Fresh
 * memory costs a page fault per 4 KiB on first touch, which on a VM is as slow as the work done
 * in it (2–3 µs a page measured on a 2-core KVM guest); inside `withScratch`, the large arrays of
 * `scratchInt32`/`scratchUint8` reuse the buffers of earlier scopes instead.
 *
 * @module
 */

/** Below this many bytes an array is allocated as usual (V8's own heap reuses small ones). */
const SMALL_BYTES = 64 * 1024;

/** Buffers free for the next scope, smallest first; those handed out in the open scope. */
const free: ArrayBuffer[] = [];
let taken: ArrayBuffer[] | undefined;
/** The most bytes one scope has taken: the pool keeps no more than that between scopes. */
let peak = 0;

/**
 * Run `work` with scratch memory: every large array `scratchInt32`/`scratchUint8` hands out
 * while it runs is taken back when it returns (or throws), for the next scope on this thread. So
 * nothing built from such arrays may outlive `work`: return plain numbers and strings, or copies.
 * Scopes do not nest (the inner one would take back the outer one's arrays). Between scopes the
 * thread keeps at most what its largest scope took (`scratchBytes`).
 *
 * @example The second scope gets the first one's buffer back, zeroed
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scratchInt32, withScratch } from "./scratch.ts";
 *
 * const first = withScratch(() => {
 *   const a = scratchInt32(100_000);
 *   a[7] = 5;
 *   return a.buffer;
 * });
 * const [again, value] = withScratch(() => {
 *   const b = scratchInt32(100_000);
 *   return [b.buffer, b[7]] as const;
 * });
 * assertEquals([again === first, value], [true, 0]);
 * ```
 */
export function withScratch<T>(work: () => T): T {
  if (taken) throw new Error("withScratch: scopes do not nest");
  taken = [];
  try {
    return work();
  } finally {
    let used = 0;
    for (const b of taken) {
      used += b.byteLength;
      free.push(b);
    }
    peak = Math.max(peak, used);
    free.sort((x, y) => x.byteLength - y.byteLength);
    // What one scope needed at most stays: a thread that plans layers of many sizes keeps one
    // layer's worth, not the sum of every size it has seen (the smallest go first).
    let kept = scratchBytes();
    while (kept > peak) kept -= free.shift()!.byteLength;
    taken = undefined;
  }
}

/**
 * Bytes of scratch memory this thread keeps between scopes: at most what its largest scope took.
 *
 * @example A larger scope's buffer replaces the smaller one's
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scratchBytes, scratchInt32, withScratch } from "./scratch.ts";
 *
 * withScratch(() => scratchInt32(1 << 20)); // 4 MiB
 * withScratch(() => scratchInt32(1 << 21)); // 8 MiB: the 4 MiB buffer does not fit
 * assertEquals(scratchBytes(), 8 << 20); // the 4 MiB buffer is let go
 * ```
 */
export function scratchBytes(): number {
  let bytes = 0;
  for (const b of free) bytes += b.byteLength;
  return bytes;
}

/** `n` zeroed bytes: the smallest free buffer that holds them inside a scope, else new. */
function bytes(n: number): ArrayBuffer {
  if (!taken || n < SMALL_BYTES) return new ArrayBuffer(n);
  let i = 0;
  while (i < free.length && free[i].byteLength < n) i++;
  let buffer: ArrayBuffer;
  if (i < free.length) {
    buffer = free.splice(i, 1)[0];
    new Uint8Array(buffer, 0, n).fill(0);
  } else {
    // Rounded up to a power of two, so buffers fit the next layer's arrays of similar size.
    buffer = new ArrayBuffer(2 ** Math.ceil(Math.log2(n)));
  }
  taken.push(buffer);
  return buffer;
}

/**
 * `new Int32Array(n)` (zeroed), from scratch memory inside `withScratch`.
 *
 * @example Outside a scope it is a plain array
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scratchInt32 } from "./scratch.ts";
 *
 * assertEquals(scratchInt32(3), new Int32Array(3));
 * ```
 */
export function scratchInt32(n: number): Int32Array<ArrayBuffer> {
  return new Int32Array(bytes(4 * n), 0, n);
}

/** `new Float32Array(n)` (zeroed), from scratch memory inside `withScratch`. */
export function scratchFloat32(n: number): Float32Array<ArrayBuffer> {
  return new Float32Array(bytes(4 * n), 0, n);
}

/** `new Uint8Array(n)` (zeroed), from scratch memory inside `withScratch`. */
export function scratchUint8(n: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes(n), 0, n);
}
