/**
 * How a stack of 2-D maps (channels × grid rows × grid columns) is laid out in batching slots.
 * A packing is a table both ways (element ↔ global slot = ct·N + slot), so planners, masks and the
 * client's encoder all read one source of truth.
 *
 * @module
 */

/** Channels of `gh × gw` grid maps, of which the top-left `vh × vw` region holds real elements. */
export interface MapStack {
  /** Number of maps (channels, or channels × stride phases after polyphase lowering). */
  readonly channels: number;
  /** Grid rows: the row count slot offsets are computed with. */
  readonly gh: number;
  /** Grid columns: the row stride, in slots, of a map laid out row-major. */
  readonly gw: number;
  /** Valid rows (the tensor's own height); elements are indexed c·vh·vw + y·vw + x. */
  readonly vh: number;
  /** Valid columns (the tensor's own width), vw ≤ gw. */
  readonly vw: number;
}

/** A concrete layout of a `MapStack` in ciphertexts of `slots` slots. */
export interface Packing {
  /** `blocks`: channel blocks (`blockPacking`); `rows`: rows dealt over ciphertexts (`rowPacking`). */
  readonly kind: "blocks" | "rows";
  /** The maps laid out. */
  readonly stack: MapStack;
  /** Slots per ciphertext (the ring degree N). */
  readonly slots: number;
  /** Number of ciphertexts the stack takes. */
  readonly cts: number;
  /** Element index → global slot (ct·slots + slot). */
  readonly slotOfElem: Int32Array;
  /** Global slot → element index, or −1 for an unused slot. */
  readonly elemOfSlot: Int32Array;
  /**
   * Geometry for reports: `channels_per_ct` and `block` (slots per channel) for blocks,
   * `channels_per_ct` (2) and `cts_per_channel_pair` for rows.
   */
  readonly geometry: Readonly<Record<string, number>>;
}

/**
 * Next power of two ≥ x (1 for x ≤ 1).
 *
 * @example A 28×28 map needs a block of 1024 slots
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { nextPow2 } from "./_packing.ts";
 *
 * assertEquals(nextPow2(28 * 28), 1024);
 * assertEquals(nextPow2(1024), 1024);
 * ```
 */
export function nextPow2(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

function tables(
  stack: MapStack,
  slots: number,
  cts: number,
  rowSlot: (c: number, y: number) => number,
): { slotOfElem: Int32Array; elemOfSlot: Int32Array } {
  const { channels, vh, vw } = stack;
  const slotOfElem = new Int32Array(channels * vh * vw);
  const elemOfSlot = new Int32Array(cts * slots).fill(-1);
  // One flat loop over the elements (nested loops in a function run once would leave V8's
  // optimized code at every inner loop's exit); both packings keep a row in consecutive slots.
  let g = 0;
  for (let e = 0, c = 0, y = 0, x = 0; e < slotOfElem.length; e++) {
    if (x === 0) g = rowSlot(c, y);
    slotOfElem[e] = g + x;
    elemOfSlot[g + x] = e;
    if (++x === vw) {
      x = 0;
      if (++y === vh) {
        y = 0;
        c++;
      }
    }
  }
  return { slotOfElem, elemOfSlot };
}

// Packings depend only on geometry and are immutable: networks repeat geometries (ResNet blocks),
// so build each once. Bounded, least recently used first out.
const packingCache = new Map<string, Packing | null>();
function memo(
  kind: string,
  stack: MapStack,
  slots: number,
  build: () => Packing | null,
): Packing | null {
  const key = `${kind}:${stack.channels}:${stack.gh}x${stack.gw}:${stack.vh}x${stack.vw}@${slots}`;
  if (packingCache.has(key)) {
    const hit = packingCache.get(key)!;
    packingCache.delete(key);
    packingCache.set(key, hit);
    return hit;
  }
  const p = build();
  packingCache.set(key, p);
  if (packingCache.size > 64) packingCache.delete(packingCache.keys().next().value!);
  return p;
}

/**
 * GAZELLE's channel-block packing: each channel takes a block of np2(gh·gw) slots, row-major with
 * row stride gw; c_n = slots / block channels per ciphertext, the first c_n/2 in the first half.
 * Returns null when a channel does not fit in half a ciphertext.
 *
 * @example Five 28×28 channels at 2048 slots: two per ciphertext, three ciphertexts
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { blockPacking } from "./_packing.ts";
 *
 * const p = blockPacking({ channels: 5, gh: 28, gw: 28, vh: 28, vw: 28 }, 2048)!;
 * assertEquals([p.geometry.channels_per_ct, p.geometry.block, p.cts], [2, 1024, 3]);
 * assertEquals(p.slotOfElem[28 * 28], 1024); // channel 1 starts the upper half of ciphertext 0
 * assertEquals(blockPacking({ channels: 1, gh: 64, gw: 64, vh: 64, vw: 64 }, 2048), null);
 * ```
 */
export function blockPacking(stack: MapStack, slots: number): Packing | null {
  return memo("blocks", stack, slots, () => buildBlockPacking(stack, slots));
}

function buildBlockPacking(stack: MapStack, slots: number): Packing | null {
  const block = nextPow2(stack.gh * stack.gw);
  if (2 * block > slots) return null;
  const cn = slots / block;
  const cts = Math.ceil(stack.channels / cn);
  const rowSlot = (c: number, y: number) =>
    Math.floor(c / cn) * slots + (c % cn) * block + y * stack.gw;
  return {
    kind: "blocks",
    stack,
    slots,
    cts,
    ...tables(stack, slots, cts, rowSlot),
    geometry: { channels_per_ct: cn, block },
  };
}

/**
 * GAZELLE's packing for channels larger than half a ciphertext: a channel's rows are dealt
 * round-robin over P ciphertexts (row y → part y mod P, local row ⌊y/P⌋), and each set of P
 * ciphertexts holds two channels, one per half. P is the smallest power of two ≥ 2 that makes a
 * part fit in a half. Returns null if not even one grid row fits in a half.
 *
 * @example Three 64×64 channels at 2048 slots: four ciphertexts per pair of channels
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { rowPacking } from "./_packing.ts";
 *
 * const p = rowPacking({ channels: 3, gh: 64, gw: 64, vh: 64, vw: 64 }, 2048)!;
 * assertEquals([p.geometry.cts_per_channel_pair, p.cts], [4, 8]);
 * ```
 */
export function rowPacking(stack: MapStack, slots: number): Packing | null {
  return memo("rows", stack, slots, () => buildRowPacking(stack, slots));
}

function buildRowPacking(stack: MapStack, slots: number): Packing | null {
  const half = slots / 2;
  if (stack.gw > half) return null;
  let parts = 2;
  while (Math.ceil(stack.gh / parts) * stack.gw > half) parts *= 2;
  const cts = Math.ceil(stack.channels / 2) * parts;
  const rowSlot = (c: number, y: number) =>
    (Math.floor(c / 2) * parts + (y % parts)) * slots + (c % 2) * half +
    Math.floor(y / parts) * stack.gw;
  return {
    kind: "rows",
    stack,
    slots,
    cts,
    ...tables(stack, slots, cts, rowSlot),
    geometry: { channels_per_ct: 2, cts_per_channel_pair: parts },
  };
}

/**
 * Client side: put element values (residues mod t, indexed as `MapStack` says) into their slots,
 * one plaintext vector per ciphertext of the packing; unused slots hold 0.
 *
 * @example One 2×2 channel in the lower half of 8 slots
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { blockPacking, scatter } from "./_packing.ts";
 *
 * const p = blockPacking({ channels: 1, gh: 2, gw: 2, vh: 2, vw: 2 }, 8)!;
 * assertEquals([...scatter(p, Float64Array.from([1, 2, 3, 4]))[0]], [1n, 2n, 3n, 4n, 0n, 0n, 0n, 0n]);
 * ```
 */
export function scatter(pack: Packing, values: Float64Array): BigUint64Array[] {
  const out = Array.from({ length: pack.cts }, () => new BigUint64Array(pack.slots));
  for (let e = 0; e < values.length; e++) {
    const g = pack.slotOfElem[e];
    out[Math.floor(g / pack.slots)][g % pack.slots] = BigInt(values[e]);
  }
  return out;
}

/**
 * Client side: read element values from their slots, reduced mod `t` (the plain modulus); a
 * `null` ciphertext (an output the plan proved all-zero and never computed) reads as 0.
 *
 * @example Values come back mod t; a skipped ciphertext reads as zeros
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { blockPacking, gather } from "./_packing.ts";
 *
 * const p = blockPacking({ channels: 1, gh: 2, gw: 2, vh: 2, vw: 2 }, 8)!;
 * const ct = BigUint64Array.from([1n, 2n, 3n, 100n, 9n, 9n, 9n, 9n]);
 * assertEquals([...gather(p, [ct], 97)], [1, 2, 3, 3]);
 * assertEquals([...gather(p, [null], 97)], [0, 0, 0, 0]);
 * ```
 */
export function gather(
  pack: Packing,
  cts: readonly (BigUint64Array | null)[],
  t: number,
): Float64Array {
  const y = new Float64Array(pack.slotOfElem.length);
  for (let e = 0; e < y.length; e++) {
    const g = pack.slotOfElem[e];
    const ct = cts[Math.floor(g / pack.slots)];
    y[e] = ct ? Number(ct[g % pack.slots] % BigInt(t)) : 0;
  }
  return y;
}
