/**
 * How a stack of 2-D maps (channels × grid rows × grid columns) is laid out in batching slots.
 * A packing is a table both ways (element ↔ global slot = ct·N + slot), so planners, masks and the
 * client's encoder all read one source of truth.
 *
 * @module
 */

/** Channels of `gh × gw` grid maps, of which the top-left `vh × vw` region holds real elements. */
export interface MapStack {
  readonly channels: number;
  /** Grid size: rows and columns that slot offsets are computed with. */
  readonly gh: number;
  readonly gw: number;
  /** Valid region (the tensor's own height and width); elements are indexed c·vh·vw + y·vw + x. */
  readonly vh: number;
  readonly vw: number;
}

/** A concrete layout of a `MapStack` in ciphertexts of `slots` slots. */
export interface Packing {
  readonly kind: "blocks" | "rows";
  readonly stack: MapStack;
  readonly slots: number;
  readonly cts: number;
  /** Element index → global slot (ct·slots + slot). */
  readonly slotOfElem: Int32Array;
  /** Global slot → element index, or −1 for an unused slot. */
  readonly elemOfSlot: Int32Array;
  /** Human-readable geometry. */
  readonly geometry: Readonly<Record<string, number>>;
}

/**
 * Next power of two ≥ x.
 *
 * @example
 * ```ts
 * import { nextPow2 } from "./packing.ts";
 *
 * if (nextPow2(784) !== 1024) throw new Error();
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
  slotOf: (c: number, y: number, x: number) => number,
): { slotOfElem: Int32Array; elemOfSlot: Int32Array } {
  const { channels, vh, vw } = stack;
  const slotOfElem = new Int32Array(channels * vh * vw);
  const elemOfSlot = new Int32Array(cts * slots).fill(-1);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < vh; y++) {
      for (let x = 0; x < vw; x++) {
        const e = (c * vh + y) * vw + x;
        const g = slotOf(c, y, x);
        slotOfElem[e] = g;
        elemOfSlot[g] = e;
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
 * @example
 * ```ts
 * import { blockPacking } from "./packing.ts";
 *
 * const p = blockPacking({ channels: 5, gh: 28, gw: 28, vh: 28, vw: 28 }, 2048)!;
 * if (p.geometry.channels_per_ct !== 2 || p.cts !== 3) throw new Error();
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
  const slotOf = (c: number, y: number, x: number) =>
    Math.floor(c / cn) * slots + (c % cn) * block + y * stack.gw + x;
  return {
    kind: "blocks",
    stack,
    slots,
    cts,
    ...tables(stack, slots, cts, slotOf),
    geometry: { channels_per_ct: cn, block },
  };
}

/**
 * GAZELLE's packing for channels larger than half a ciphertext: a channel's rows are dealt
 * round-robin over P ciphertexts (row y → part y mod P, local row ⌊y/P⌋), and each set of P
 * ciphertexts holds two channels, one per half. P is the smallest power of two ≥ 2 that makes a
 * part fit in a half. Returns null if not even one grid row fits in a half.
 *
 * @example
 * ```ts
 * import { rowPacking } from "./packing.ts";
 *
 * const p = rowPacking({ channels: 3, gh: 64, gw: 64, vh: 64, vw: 64 }, 2048)!;
 * if (p.geometry.cts_per_channel_pair !== 4 || p.cts !== 8) throw new Error();
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
  const slotOf = (c: number, y: number, x: number) =>
    (Math.floor(c / 2) * parts + (y % parts)) * slots + (c % 2) * half +
    Math.floor(y / parts) * stack.gw + x;
  return {
    kind: "rows",
    stack,
    slots,
    cts,
    ...tables(stack, slots, cts, slotOf),
    geometry: { channels_per_ct: 2, cts_per_channel_pair: parts },
  };
}
