/**
 * The planner shared by rotation-based convolutions (GAZELLE IR/OR, SCI's conv-field, any packing):
 * given the packings, the input-side rotations (each tied to one tap), the output-side rotations
 * and a policy, it derives every plaintext mask from the geometry and emits the op list.
 *
 * Mask (input rotation e of ct a, output ct b, output rotation k) at slot m holds W'(o, i, tap_e)
 * when output slot j = R_k⁻¹(m) holds output (o, y, x) and the input slot that rotation e brings
 * to m holds input (i, y + dy, x + dx). A mask is therefore right by construction whatever the
 * packing; a method only chooses which rotations exist and the policy how sums are formed.
 *
 * @module
 */
import {
  isIdentity,
  type MaskBank,
  OpList,
  type Reg,
  type Rotation,
  sourceSlot,
} from "../he/mod.ts";
import { scratchInt32 } from "../base/mod.ts";
import type { GridConv } from "./_grid_conv.ts";
import type { Packing } from "./_packing.ts";

/** An input-side rotation of input ciphertext `ct`, serving tap `tap`. */
export interface InRotation {
  /** Input ciphertext rotated (index into the input packing). */
  readonly ct: number;
  /** Tap served (index into `GridConv.taps`); its products use that tap's weights. */
  readonly tap: number;
  /** Slot rotation applied to the ciphertext (step within each half, and whether halves swap). */
  readonly rot: Rotation;
  /** Output ciphertexts it can contribute to. */
  readonly targets: readonly number[];
  /** A number the scheme attaches (e.g. GAZELLE IR's diagonal), reported with its products. */
  readonly label?: number;
}

/** How a framework forms its sums; each flag is a behaviour of the framework's code. */
export interface RotationPolicy {
  /** Skip products whose mask is all zero (SCI always; GAZELLE's stock code never). */
  readonly skipZeroMasks: boolean;
  /** Issue every input rotation even if no product uses it (stock code). */
  readonly issueUnusedRotations: boolean;
  /** Rotate and add partial sums that received no product (stock SCI: encryptions of zero). */
  readonly rotateEmptyPartials: boolean;
  /** Start every sum from an encryption of zero (stock SCI) instead of its first term. */
  readonly zeroInit: boolean;
  /**
   * Apply the half swap once per output ciphertext to the sum of all swap-side partials (SCI's
   * `rotate_columns(partial[1])`) instead of once per partial (GAZELLE's combined automorphism).
   */
  readonly factorSwap: boolean;
  /**
   * Outputs fill only the lower half while inputs use both: let products land in either half and
   * finish with out += swap(out) (SCI, out_halves = 1 and inp_halves > 1).
   */
  readonly foldHalves: boolean;
  /** Modulus switches of each partial sum after the multiply-accumulate (SCI: 1). */
  readonly switchesAfterMac: number;
  /** Add the server's uniform output mask (secret-shared output, SCI). */
  readonly maskOutputs: boolean;
  /** Flood each output with uniform [0, 2^floodBits) noise after masking (SCI: 100 − ℓ; 0: none). */
  readonly floodBits: number;
  /** Modulus switches of each output after masking (SCI: 1, before sending). */
  readonly switchesAtEnd: number;
}

/** A conv method: packings plus the rotations it uses. */
export interface RotationScheme {
  /** The lowered convolution (grid maps, taps, effective weights). */
  readonly conv: GridConv;
  /** Layout of `conv.input` in the input ciphertexts. */
  readonly inPack: Packing;
  /** Layout of `conv.output` in the output ciphertexts (same slot count as `inPack`). */
  readonly outPack: Packing;
  /** Input-side rotations the method may issue, each tied to one tap. */
  readonly inRots: readonly InRotation[];
  /**
   * Output-side rotations applied to partial sums before they add into an output ciphertext;
   * index 0 must be the identity.
   */
  readonly outRots: readonly Rotation[];
  /** How the framework forms its sums. */
  readonly policy: RotationPolicy;
}

/** The HE program of a rotation scheme. */
export interface RotationProgram {
  /** The op list; registers 0 … inputs − 1 are the input ciphertexts. */
  readonly ops: OpList;
  /** The plaintext masks the `mul` ops reference, materialized on demand. */
  readonly masks: MaskBank;
  /** Number of input ciphertexts (`inPack.cts`). */
  readonly inputs: number;
  /** Register of each output ciphertext, or null for one no term reaches (identically zero). */
  readonly outputs: (Reg | null)[];
  /** Every rotation the program issues (for choosing Galois keys). */
  readonly rotations: Rotation[];
  /**
   * Product i multiplies input rotation `e[i]` (in issue order) into output `b[i]`, output
   * rotation `k[i]`; input rotation e rotates input ciphertext `ct[e]` for tap `tap[e]` and
   * carries label `label[e]` (−1: none). Per-product columns are views of the planner's own (no
   * copy of millions of products), per-rotation ones small tables.
   */
  readonly products: {
    readonly e: Int32Array;
    readonly b: Int32Array;
    readonly k: Int32Array;
    readonly ct: Int32Array;
    readonly tap: Int32Array;
    readonly label: Int32Array;
  };
}

/** Output elements of one (channel, half) group, row-major, as parallel typed arrays. */
interface OutGroup {
  readonly o: number;
  readonly slot: Int32Array;
  readonly y: Int32Array;
  readonly x: Int32Array;
}

const slotCache = new WeakMap<Packing, Int32Array>();

/**
 * Two numbers per global slot of a packing: the channel of the element the slot holds (−1: none)
 * and its position as row·2^16 + column. What the non-zero test reads for a rotated slot, side by
 * side: one memory access instead of four dependent ones (slot → element → channel, row, column)
 * in a test run millions of times over tables of megabytes; the output groups read it too. Built
 * once per packing.
 */
function slotElements(pack: Packing): Int32Array {
  let t = slotCache.get(pack);
  if (t) return t;
  const { vh, vw } = pack.stack;
  if (vh > 0x7fff || vw > 0xffff) throw new Error("planner bug: a map too large for slotElements");
  t = new Int32Array(2 * pack.elemOfSlot.length);
  for (let s = 0; s < t.length; s += 2) t[s] = -1;
  // Elements are numbered channel by channel, each row-major: e = (ch·vh + y)·vw + x (one flat
  // loop: see `tables` in _packing.ts).
  for (let e = 0, ch = 0, y = 0, x = 0; e < pack.slotOfElem.length; e++) {
    const at = 2 * pack.slotOfElem[e];
    t[at] = ch;
    t[at + 1] = (y << 16) | x;
    if (++x === vw) {
      x = 0;
      if (++y === vh) {
        y = 0;
        ch++;
      }
    }
  }
  slotCache.set(pack, t);
  return t;
}

const groupCache = new WeakMap<Packing, (OutGroup[][] | undefined)[]>();

/**
 * Output elements of every ciphertext grouped by (channel, half), each group in row-major order,
 * groups in the order their first slot comes. With `fold`, every lower-half element also stands
 * at the same offset of the upper half. Built once per packing.
 */
function outputGroups(pack: Packing, fold: boolean): OutGroup[][] {
  let perPack = groupCache.get(pack);
  if (!perPack) groupCache.set(pack, perPack = []);
  return perPack[fold ? 1 : 0] ??= buildGroups(pack, fold);
}

function buildGroups(pack: Packing, fold: boolean): OutGroup[][] {
  const { channels } = pack.stack;
  const n = pack.slots, half = n / 2;
  const slotElement = slotElements(pack);
  // Per ciphertext: the group of each (channel, half) key (−1: none yet), the keys in the order
  // they first come, and each group's size; then a second pass fills the groups.
  const index = new Int32Array(2 * channels).fill(-1);
  const keys = new Int32Array(2 * channels), sizes = new Int32Array(2 * channels);
  const out: OutGroup[][] = [];
  for (let ct = 0; ct < pack.cts; ct++) {
    const base = ct * n;
    let groupsSeen = 0;
    for (let j = 0; j < n; j++) {
      const channel = slotElement[2 * (base + j)];
      if (channel < 0) continue;
      const key = 2 * channel + (j >= half ? 1 : 0);
      let g = index[key];
      if (g < 0) {
        index[key] = g = groupsSeen++;
        keys[g] = key;
        sizes[g] = 0;
      }
      sizes[g]++;
      if (fold && j < half) {
        let f = index[key + 1];
        if (f < 0) {
          index[key + 1] = f = groupsSeen++;
          keys[f] = key + 1;
          sizes[f] = 0;
        }
        sizes[f]++;
      }
    }
    const groups: OutGroup[] = [];
    for (let g = 0; g < groupsSeen; g++) {
      const size = sizes[g];
      groups.push({
        o: keys[g] >> 1,
        slot: new Int32Array(size),
        y: new Int32Array(size),
        x: new Int32Array(size),
      });
      sizes[g] = 0; // from here on: how many are filled
    }
    for (let j = 0; j < n; j++) {
      const channel = slotElement[2 * (base + j)];
      if (channel < 0) continue;
      const key = 2 * channel + (j >= half ? 1 : 0);
      const position = slotElement[2 * (base + j) + 1], y = position >> 16, x = position & 0xffff;
      const g = groups[index[key]], at = sizes[index[key]]++;
      g.slot[at] = j;
      g.y[at] = y;
      g.x[at] = x;
      if (fold && j < half) {
        const f = groups[index[key + 1]], fa = sizes[index[key + 1]]++;
        f.slot[fa] = j + half;
        f.y[fa] = y;
        f.x[fa] = x;
      }
    }
    for (let g = 0; g < groupsSeen; g++) index[keys[g]] = -1;
    for (const { y, x } of groups) {
      // Packings lay a channel out row-major, so slot order is already (y, x) order; check it.
      for (let i = 1; i < y.length; i++) {
        if (y[i] < y[i - 1] || (y[i] === y[i - 1] && x[i] < x[i - 1])) {
          throw new Error("planner bug: packing is not row-major within a channel");
        }
      }
    }
    out.push(groups);
  }
  return out;
}

/**
 * Compile a rotation scheme into ops and masks, in four steps: the issue order of the input
 * rotations (`inputRotationOrder`), the mask table derived from the geometry
 * (`rotationMaskTable`), the products worth issuing under the policy (`productSchedule`), and the
 * op list (input rotations, multiply-accumulates, then each output's partial sums).
 *
 * @example GAZELLE's input-rotation method on a 1×1 conv, 2 → 2 channels
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { planRotationConv } from "./_rotation_conv.ts";
 * import { gazellePolicy } from "./gazelle/conv.ts";
 * import { lowerConv } from "./_grid_conv.ts";
 * import { blockPacking } from "./_packing.ts";
 * import type { ConvShape, IntLayer } from "../nn/mod.ts";
 *
 * // Two 2×2 channels in 8 slots: channel 0 in the lower half, channel 1 in the upper half.
 * const shape: ConvShape = { kind: "conv", h: 2, w: 2, ci: 2, co: 2, k: 1, s: 1, p: 0 };
 * const layer: IntLayer<ConvShape> = { name: "c", shape, weights: Int32Array.from([1, 2, 3, 4]) };
 * const conv = lowerConv(layer);
 * const inPack = blockPacking(conv.input, 8)!, outPack = blockPacking(conv.output, 8)!;
 * const still = { step: 0, swap: false }, swap = { step: 0, swap: true };
 * const prog = planRotationConv({
 *   conv,
 *   inPack,
 *   outPack,
 *   inRots: [still, swap].map((rot) => ({ ct: 0, tap: 0, rot, targets: [0] })),
 *   outRots: [still],
 *   policy: gazellePolicy(false),
 * });
 * assertEquals([...prog.ops].map((op) => op.kind), ["rotate", "ntt", "mul", "ntt", "mul", "add", "intt"]);
 * assertEquals([prog.masks.count, prog.inputs], [2, 1]);
 * assertEquals(prog.outputs, [2]);
 * ```
 */
export function planRotationConv(scheme: RotationScheme): RotationProgram {
  if (!isIdentity(scheme.outRots[0])) {
    throw new Error("planner bug: outRots[0] must be the identity");
  }
  const order = inputRotationOrder(scheme.inRots);
  const table = rotationMaskTable(scheme, order);
  const schedule = productSchedule(order, scheme.outRots.length, scheme.policy, table);
  const em = new Emitter(scheme, order, table);
  // Every product is a mask, a multiply and mostly an add; every partial sum a few more ops.
  let count = 0;
  for (const { consumers } of schedule.work) count += consumers.length;
  table.reserve(count);
  em.ops.reserve(2 * count + 2 * schedule.work.length + 8 * em.acc.length);
  emitProducts(em, schedule);
  const outputs: (Reg | null)[] = [];
  for (let b = 0; b < scheme.outPack.cts; b++) outputs.push(emitOutput(em, b));
  return {
    ops: em.ops,
    masks: table.bank,
    inputs: scheme.inPack.cts,
    outputs,
    rotations: em.rotations,
    products: table.products(),
  };
}

/**
 * The order input rotations are issued in: by input ciphertext and, per ciphertext, the identity
 * last, so the unrotated input is only NTT-transformed after every rotation of it has been taken.
 *
 * @example The identity of each ciphertext goes last
 * ```ts
 * import { inputRotationOrder } from "./_rotation_conv.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const at = (ct: number, step: number) => ({ ct, tap: 0, rot: { step, swap: false }, targets: [0] });
 * const order = inputRotationOrder([at(1, 0), at(0, 0), at(0, 5), at(1, 3), at(0, 7)]);
 * assertEquals(order.map((e) => `${e.ct}:${e.rot.step}`), ["0:5", "0:7", "0:0", "1:3", "1:0"]);
 * ```
 */
export function inputRotationOrder(inRots: readonly InRotation[]): InRotation[] {
  return [...inRots].sort((p, q) =>
    p.ct - q.ct || Number(isIdentity(p.rot)) - Number(isIdentity(q.rot))
  );
}

/**
 * The plaintext masks of a scheme. Mask (e, b, k) multiplies input rotation `order[e]` into the
 * partial sum of output ciphertext b that output rotation k will rotate; its slots are derived
 * from the geometry (see the module comment), so it is right whatever the packing.
 */
export interface RotationMaskTable {
  /**
   * Does mask (e, b, k) hold a non-zero weight? Within one (output channel, half) group of a
   * packing the pairing with an input channel is the same at every output position whose tap
   * lands in the grid, so one such position per group decides (the executor re-checks every
   * materialized mask: an all-zero mask there is an error).
   */
  nonZero(e: number, b: number, k: number): boolean;
  /** Record mask (e, b, k) for a product; returns its index in `bank`. */
  add(e: number, b: number, k: number): number;
  /** Make room for `n` more masks at once (a hint: more still fit). */
  reserve(n: number): void;
  /** The recorded masks, materialized on demand. */
  readonly bank: MaskBank;
  /**
   * The recorded masks as products (`RotationProgram.products`): views of the table's columns,
   * valid while no mask is added.
   */
  products(): RotationProgram["products"];
}

/**
 * The mask table of a scheme whose input rotations are issued in `order`.
 *
 * @example A swap pairs each output channel with the other input channel
 * ```ts
 * import { inputRotationOrder, rotationMaskTable } from "./_rotation_conv.ts";
 * import { gazellePolicy } from "./gazelle/conv.ts";
 * import { lowerConv } from "./_grid_conv.ts";
 * import { blockPacking } from "./_packing.ts";
 * import type { ConvShape } from "../nn/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // 1×1 conv, 2 → 2 channels of 2×2 in 8 slots (channel 0 lower half, channel 1 upper half);
 * // weights [o][i] = [[1, 2], [3, 4]], and w(0, 1) = 0 pruned.
 * const shape: ConvShape = { kind: "conv", h: 2, w: 2, ci: 2, co: 2, k: 1, s: 1, p: 0 };
 * const conv = lowerConv({ name: "c", shape, weights: Int32Array.from([1, 0, 3, 4]) });
 * const inPack = blockPacking(conv.input, 8)!, outPack = blockPacking(conv.output, 8)!;
 * const still = { step: 0, swap: false }, swap = { step: 0, swap: true };
 * const order = inputRotationOrder(
 *   [still, swap].map((rot) => ({ ct: 0, tap: 0, rot, targets: [0] })),
 * );
 * const policy = gazellePolicy(false);
 * const table = rotationMaskTable({ conv, inPack, outPack, inRots: order, outRots: [still], policy }, order);
 * // order[0] is the swap: input channel 1 → output channel 0 (pruned), 0 → 1 (weight 3).
 * const m = table.add(0, 0, 0);
 * const out = new BigInt64Array(8);
 * table.bank.fill(m, out);
 * assertEquals([...out], [0n, 0n, 0n, 0n, 3n, 3n, 3n, 3n]);
 * assertEquals(table.bank.weightsOf!(m), [3]);
 * assertEquals([table.nonZero(0, 0, 0), table.nonZero(1, 0, 0)], [true, true]);
 * const { e, ct } = table.products();
 * assertEquals([e[0], ct[e[0]]], [0, 0]);
 * ```
 */
export function rotationMaskTable(
  scheme: RotationScheme,
  order: readonly InRotation[],
): RotationMaskTable {
  const geo = slotGeometry(scheme);
  const nonZero = nonZeroTest(scheme, order);
  // Mask i is (order[maskE[i]], output ct maskB[i], output rotation maskK[i]); typed columns,
  // since big layers have millions of masks.
  const maskE = new IntColumn(), maskB = new IntColumn(), maskK = new IntColumn();
  return {
    nonZero,
    add(e, b, k) {
      maskE.push(e);
      maskB.push(b);
      return maskK.push(k);
    },
    reserve(n) {
      for (const column of [maskE, maskB, maskK]) column.reserve(n);
    },
    bank: maskBank(
      scheme,
      geo,
      (idx) => [order[maskE.at(idx)], maskB.at(idx), maskK.at(idx)],
      () => maskK.length,
    ),
    products: () => ({
      e: maskE.view(),
      b: maskB.view(),
      k: maskK.view(),
      ct: Int32Array.from(order, (r) => r.ct),
      tap: Int32Array.from(order, (r) => r.tap),
      label: Int32Array.from(order, (r) => r.label ?? -1),
    }),
  };
}

/** A growable column of 32-bit integers. */
class IntColumn {
  #data = new Int32Array(1024);
  #n = 0;

  get length(): number {
    return this.#n;
  }

  /** Append `v`; returns its index. */
  push(v: number): number {
    if (this.#n === this.#data.length) this.reserve(this.#n);
    this.#data[this.#n] = v;
    return this.#n++;
  }

  /** Make room for `n` more values. */
  reserve(n: number): void {
    if (this.#n + n <= this.#data.length) return;
    const next = scratchInt32(Math.max(this.#n + n, 2 * this.#data.length));
    next.set(this.#data.subarray(0, this.#n));
    this.#data = next;
  }

  at(i: number): number {
    return this.#data[i];
  }

  /** The values so far (a view: later pushes may move them). */
  view(): Int32Array {
    return this.#data.subarray(0, this.#n);
  }
}

/**
 * `RotationMaskTable.nonZero` over flat tables: the issue order, output rotations, each (output
 * ct, tap)'s representatives and the effective weights as typed arrays, the two slot rotations of
 * `inputChannel` folded into one step and one swap. The same test, a few array reads per group.
 */
function nonZeroTest(
  scheme: RotationScheme,
  order: readonly InRotation[],
): RotationMaskTable["nonZero"] {
  const { conv, inPack, outRots } = scheme;
  const n = inPack.slots, half = n / 2;
  const T = conv.taps.length, C = conv.input.channels;
  const weights = conv.weights();
  const mod = (step: number) => ((step % half) + half) % half;
  const eCt = Int32Array.from(order, (e) => e.ct), eTap = Int32Array.from(order, (e) => e.tap);
  const eStep = Int32Array.from(order, (e) => mod(e.rot.step));
  const eSwap = Int32Array.from(order, (e) => (e.rot.swap ? 1 : 0));
  const kStep = Int32Array.from(outRots, (r) => mod(r.step));
  const kSwap = Int32Array.from(outRots, (r) => (r.swap ? 1 : 0));
  const slotElement = slotElements(inPack);
  const { start: repStart, reps } = representativeTable(scheme);
  return (ei, b, k) => {
    const tap = eTap[ei];
    let shift = eStep[ei] + kStep[k];
    if (shift >= half) shift -= half;
    const swap = eSwap[ei] ^ kSwap[k];
    const base = eCt[ei] * n;
    for (let g = repStart[b * T + tap], end = repStart[b * T + tap + 1]; g < end; g += 3) {
      const j = reps[g + 1];
      let r = j >= half ? 1 : 0;
      let c = j - r * half + shift;
      if (c >= half) c -= half;
      r ^= swap;
      const at = 2 * (base + r * half + c);
      const channel = slotElement[at];
      if (channel < 0 || slotElement[at + 1] !== reps[g + 2]) continue;
      if (weights[(reps[g] * C + channel) * T + tap] !== 0) return true;
    }
    return false;
  };
}

/** Each (output ct, tap)'s group representatives (see `representativeTable`). */
interface RepresentativeTable {
  /** Representatives of output ct b and tap t: `reps[start[b·T + t] … start[b·T + t + 1]]`. */
  readonly start: Int32Array;
  /**
   * Three numbers per representative: the group's channel, its slot, and the position the tap
   * reads (row·2^16 + column, as `slotElements` stores positions).
   */
  readonly reps: Int32Array;
}

const representativeCache = new WeakMap<Packing, Map<string, RepresentativeTable>>();

/**
 * For every output ciphertext b and tap: the representative of each of b's (channel, half)
 * groups (`SlotGeometry.representatives`: its first element whose tap lands in the grid; groups
 * without one left out), in one pass over the slots and without building the groups. Shared by
 * the schemes of one geometry (the two methods of a layer, repeated blocks).
 */
function representativeTable(scheme: RotationScheme): RepresentativeTable {
  const { conv, outPack, policy } = scheme;
  const { gh, gw } = scheme.inPack.stack;
  const fold = policy.foldHalves;
  const taps = conv.taps, T = taps.length;
  const key = `${fold}:${gh}x${gw}:${taps.map((t) => `${t.dy},${t.dx}`).join(";")}`;
  let perPack = representativeCache.get(outPack);
  if (!perPack) representativeCache.set(outPack, perPack = new Map());
  const hit = perPack.get(key);
  if (hit) return hit;
  const { channels, vh, vw } = outPack.stack;
  const plane = vh * vw, n = outPack.slots, half = n / 2;
  const dys = Int32Array.from(taps, (t) => t.dy), dxs = Int32Array.from(taps, (t) => t.dx);
  // Per ciphertext: the group of each (channel, half) key (−1: none yet) in the order groups
  // first come, per (group, tap) its representative's slot and element (−1: none yet), and per
  // group how many taps have one (a group's later elements are skipped once all have).
  const index = new Int32Array(2 * channels).fill(-1);
  const keys: number[] = [];
  let repSlot = new Int32Array(0), repElem = new Int32Array(0), found = new Int32Array(0);
  const start = new Int32Array(outPack.cts * T + 1);
  const reps: number[] = [];
  const visit = (k: number, slot: number, e: number) => {
    let g = index[k];
    if (g < 0) {
      index[k] = g = keys.push(k) - 1;
      if (found.length < keys.length) {
        const grow = (a: Int32Array, by: number) => {
          const next = new Int32Array(2 * keys.length * by).fill(-1);
          next.set(a);
          return next;
        };
        repSlot = grow(repSlot, T);
        repElem = grow(repElem, T);
        found = grow(found, 1);
      }
      found[g] = 0;
    }
    if (found[g] === T) return;
    const r = e % plane, y = Math.floor(r / vw), x = r - y * vw;
    for (let t = 0; t < T; t++) {
      if (repSlot[g * T + t] >= 0) continue;
      const ty = y + dys[t], tx = x + dxs[t];
      if (ty >= 0 && ty < gh && tx >= 0 && tx < gw) {
        repSlot[g * T + t] = slot;
        repElem[g * T + t] = e;
        found[g]++;
      }
    }
  };
  // One ciphertext per call: a loop nested in a function run once would leave V8's optimized
  // code at every exit of its inner loop.
  const scan = (b: number) => {
    const base = b * n;
    for (let j = 0; j < n; j++) {
      const e = outPack.elemOfSlot[base + j];
      if (e < 0) continue;
      const k = 2 * Math.floor(e / plane) + (j >= half ? 1 : 0);
      visit(k, j, e);
      if (fold && j < half) visit(k + 1, j + half, e);
    }
    for (let t = 0; t < T; t++) {
      start[b * T + t] = reps.length;
      for (let g = 0; g < keys.length; g++) {
        const slot = repSlot[g * T + t];
        if (slot < 0) continue;
        const r = repElem[g * T + t] % plane, y = Math.floor(r / vw);
        reps.push(keys[g] >> 1, slot, ((y + dys[t]) << 16) | (r - y * vw + dxs[t]));
      }
    }
    for (const k of keys) index[k] = -1;
    repSlot.fill(-1, 0, keys.length * T);
    keys.length = 0;
  };
  for (let b = 0; b < outPack.cts; b++) scan(b);
  start[outPack.cts * T] = reps.length;
  const table = { start, reps: Int32Array.from(reps) };
  perPack.set(key, table);
  return table;
}

/** Where the terms of each output slot come from: the slot arithmetic every mask is derived from. */
interface SlotGeometry {
  /** Output elements of each output ciphertext, grouped by (channel, half) (built on first use). */
  groups(): readonly OutGroup[][];
  /** Per output ct and tap: for each group, its first element whose tap lands in the grid (or −1). */
  representatives(b: number, tap: number): Int32Array;
  /**
   * The input channel that rotation e and output rotation k bring to element p of group g, if the
   * element they bring is exactly (y + dy, x + dx) of the output's (y, x); else −1.
   */
  inputChannel(e: InRotation, k: number, g: OutGroup, p: number, dy: number, dx: number): number;
}

function slotGeometry(scheme: RotationScheme): SlotGeometry {
  const { conv, inPack, outPack, outRots, policy } = scheme;
  const n = inPack.slots, half = n / 2;
  const { gh: igh, gw: igw } = inPack.stack;
  // Only materialized masks need the groups (the executor, pruning): counting does not.
  const groups = () => outputGroups(outPack, policy.foldHalves);
  const outStep = outRots.map((r) => r.step % half), outSwap = outRots.map((r) => r.swap);
  const slotElement = slotElements(inPack);
  const inputChannel = (
    e: InRotation,
    k: number,
    g: OutGroup,
    p: number,
    dy: number,
    dx: number,
  ): number => {
    // sourceSlot twice, inlined: this is the planner's innermost operation.
    const j = g.slot[p];
    let r = j >= half ? 1 : 0;
    let c = j - r * half + outStep[k];
    if (c >= half) c -= half;
    else if (c < 0) c += half;
    if (outSwap[k]) r = 1 - r;
    c += e.rot.step % half;
    if (c >= half) c -= half;
    else if (c < 0) c += half;
    if (e.rot.swap) r = 1 - r;
    const at = 2 * (e.ct * n + r * half + c);
    const channel = slotElement[at];
    // A position out of the grid packs to a negative number, which no slot holds.
    return channel >= 0 && slotElement[at + 1] === (((g.y[p] + dy) << 16) | (g.x[p] + dx))
      ? channel
      : -1;
  };
  const repCache = new Map<number, Int32Array>();
  const representatives = (b: number, tap: number): Int32Array => {
    const key = b * conv.taps.length + tap;
    let reps = repCache.get(key);
    if (reps) return reps;
    const { dy, dx } = conv.taps[tap];
    reps = Int32Array.from(groups()[b], (g) => {
      for (let p = 0; p < g.y.length; p++) {
        if (g.y[p] + dy >= 0 && g.y[p] + dy < igh && g.x[p] + dx >= 0 && g.x[p] + dx < igw) {
          return p;
        }
      }
      return -1;
    });
    repCache.set(key, reps);
    return reps;
  };
  return { groups, representatives, inputChannel };
}

/** The `count()` masks recorded so far, materialized from the geometry. */
function maskBank(
  scheme: RotationScheme,
  geo: SlotGeometry,
  maskOf: (idx: number) => [InRotation, number, number],
  count: () => number,
): MaskBank {
  const { conv, outRots } = scheme;
  const n = scheme.inPack.slots;
  const { groups, representatives, inputChannel } = geo;
  return {
    get count() {
      return count();
    },
    weightsOf(idx) {
      const [e, b, k] = maskOf(idx);
      const { dy, dx } = conv.taps[e.tap];
      const reps = representatives(b, e.tap);
      const out: number[] = [];
      groups()[b].forEach((g, gi) => {
        const p = reps[gi];
        if (p < 0) return;
        const i = inputChannel(e, k, g, p, dy, dx);
        const w = i >= 0 ? conv.weight(g.o, i, e.tap) : 0;
        if (w !== 0) out.push(w);
      });
      return out;
    },
    fill(idx, out) {
      const [e, b, k] = maskOf(idx);
      const { dy, dx } = conv.taps[e.tap];
      for (const g of groups()[b]) {
        for (let p = 0; p < g.slot.length; p++) {
          const i = inputChannel(e, k, g, p, dy, dx);
          if (i >= 0) {
            out[sourceSlot(g.slot[p], outRots[k], n)] = BigInt(conv.weight(g.o, i, e.tap));
          }
        }
      }
    },
  };
}

/** The products a scheme issues. */
export interface ProductSchedule {
  /**
   * Each input rotation worth issuing (`e`, its index in the issue order) with the partial sums
   * it feeds (`consumers`, b·K + k for output ciphertext b and output rotation k of K).
   */
  readonly work: readonly { readonly e: number; readonly consumers: Int32Array }[];
  /** Number of distinct partial sums that receive a product. */
  readonly accumulators: number;
}

/**
 * The products worth issuing: under the policy, every (input rotation, output ciphertext, output
 * rotation) with a non-zero mask (or every one, if zero masks are not skipped), and the input
 * rotations to issue (those with products, or every one if unused rotations are issued too).
 *
 * @example A pruned pairing drops its product, and its rotation unless the policy keeps it
 * ```ts
 * import { productSchedule } from "./_rotation_conv.ts";
 * import { gazellePolicy } from "./gazelle/conv.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const rot = (step: number) => ({ step, swap: false });
 * const order = [{ ct: 0, tap: 0, rot: rot(1), targets: [0, 1] }, { ct: 0, tap: 0, rot: rot(0), targets: [0, 1] }];
 * // Two output rotations (K = 2); rotation 0 feeds nothing, rotation 1 only output ct 1 at k = 0.
 * const table = { nonZero: (e: number, b: number, k: number) => e === 1 && b === 1 && k === 0 };
 * const aware = productSchedule(order, 2, gazellePolicy(false), table);
 * assertEquals(aware, { work: [{ e: 1, consumers: Int32Array.of(2) }], accumulators: 1 });
 * const stock = productSchedule(order, 2, gazellePolicy(true), table);
 * assertEquals(stock.work.map((w) => [...w.consumers]), [[0, 1, 2, 3], [0, 1, 2, 3]]);
 * ```
 */
export function productSchedule(
  order: readonly InRotation[],
  outRotations: number,
  policy: RotationPolicy,
  table: Pick<RotationMaskTable, "nonZero">,
): ProductSchedule {
  const K = outRotations;
  const work: { e: number; consumers: Int32Array }[] = [];
  // Which partial sums receive a product: b·K + k < (largest target + 1)·K.
  let span = 0;
  for (const e of order) for (const b of e.targets) span = Math.max(span, (b + 1) * K);
  const fed = new Uint8Array(span);
  let accumulators = 0;
  const buffer = new Int32Array(span);
  const { skipZeroMasks } = policy;
  for (let ei = 0; ei < order.length; ei++) {
    let n = 0;
    for (const b of order[ei].targets) {
      for (let k = 0; k < K; k++) {
        if (!skipZeroMasks || table.nonZero(ei, b, k)) {
          const id = b * K + k;
          buffer[n++] = id;
          if (fed[id] === 0) {
            fed[id] = 1;
            accumulators++;
          }
        }
      }
    }
    if (n > 0 || policy.issueUnusedRotations) {
      const consumers = scratchInt32(n);
      consumers.set(buffer.subarray(0, n));
      work.push({ e: ei, consumers });
    }
  }
  return { work, accumulators };
}

/** The op list under construction, with its registers and partial sums. */
class Emitter {
  readonly ops = new OpList();
  /** Every rotation issued (for choosing Galois keys). */
  readonly rotations: Rotation[] = [];
  /** Partial sum of output ciphertext b for output rotation k at b·K + k, once it has a term (else −1). */
  readonly acc: Int32Array;
  /** K, the number of output rotations. */
  readonly #K: number;
  readonly #nttIdentity = new Set<number>();
  #next: Reg;

  constructor(
    readonly scheme: RotationScheme,
    readonly order: readonly InRotation[],
    readonly table: RotationMaskTable,
  ) {
    this.#next = scheme.inPack.cts;
    this.#K = scheme.outRots.length;
    this.acc = new Int32Array(scheme.outPack.cts * this.#K).fill(-1);
  }

  newReg(): Reg {
    return this.#next++;
  }

  /** Rotate (unless identity) the input of rotation e; NTT-transform it if products use it. */
  rotateInput(e: InRotation, used: boolean): Reg {
    if (isIdentity(e.rot)) {
      if (this.#nttIdentity.has(e.ct) || !used) return e.ct;
      this.ops.push({ kind: "ntt", reg: e.ct });
      this.#nttIdentity.add(e.ct);
      return e.ct;
    }
    const src = this.newReg();
    this.ops.push({ kind: "rotate", dst: src, src: e.ct, rot: e.rot, side: "in" });
    this.rotations.push(e.rot);
    if (used) this.ops.push({ kind: "ntt", reg: src });
    return src;
  }

  /** Start a sum: from an encryption of zero (stock SCI) or from its first term. */
  startSum(first: Reg, level: number, ntt: boolean): Reg {
    if (!this.scheme.policy.zeroInit) return first;
    const z = this.newReg();
    this.ops.push({ kind: "zero", dst: z, level, ntt });
    this.ops.push({ kind: "add", dst: z, src: first });
    return z;
  }

  /** acc[b·K + k] += src ⊙ mask(e, b, k), e the index of the input rotation in the issue order. */
  mac(src: Reg, e: number, b: number, k: number): void {
    const mask = this.table.add(e, b, k);
    const prod = this.newReg();
    this.ops.pushMul(prod, src, mask);
    const id = b * this.#K + k;
    const a = this.acc[id];
    if (a < 0) this.acc[id] = this.startSum(prod, 0, true);
    else this.ops.pushAdd(a, prod);
  }

  /** Sum a list of registers into the first (or into a zero, stock SCI); null if empty. */
  sum(terms: Reg[]): Reg | null {
    if (terms.length === 0) return null;
    const s = this.startSum(terms[0], this.scheme.policy.switchesAfterMac, false);
    for (const r of terms.slice(1)) this.ops.push({ kind: "add", dst: s, src: r });
    return s;
  }

  /** A new register holding `r` with its halves swapped. */
  swapped(r: Reg): Reg {
    const dst = this.newReg();
    const rot = { step: 0, swap: true };
    this.ops.push({ kind: "rotate", dst, src: r, rot, side: "out" });
    this.rotations.push(rot);
    return dst;
  }
}

/** Issue the scheduled input rotations and their multiply-accumulates. */
function emitProducts(em: Emitter, { work, accumulators }: ProductSchedule): void {
  const K = em.scheme.outRots.length;
  // Loop order (same ops, same counts): keep the smaller side live and hot in cache. Few
  // accumulators (IR): rotation-major. Few rotated inputs (OR, c_n partial sums per output
  // ciphertext): accumulator-major, so each partial sum takes all its products while it is hot.
  if (accumulators <= work.length) {
    for (const { e, consumers } of work) {
      const src = em.rotateInput(em.order[e], consumers.length > 0);
      for (const id of consumers) em.mac(src, e, Math.floor(id / K), id % K);
    }
    return;
  }
  const srcs = work.map(({ e, consumers }) => em.rotateInput(em.order[e], consumers.length > 0));
  // The work indices of each accumulator id, ids ascending, each list in work order (a counting
  // sort: millions of products).
  const ids = em.acc.length;
  const start = new Int32Array(ids + 1);
  for (const { consumers } of work) for (const id of consumers) start[id + 1]++;
  for (let id = 0; id < ids; id++) start[id + 1] += start[id];
  const list = scratchInt32(start[ids]);
  const fill = start.slice(0, ids);
  work.forEach(({ consumers }, w) => {
    for (const id of consumers) list[fill[id]++] = w;
  });
  for (let id = 0; id < ids; id++) {
    const b = Math.floor(id / K), k = id % K;
    for (let at = start[id]; at < start[id + 1]; at++) {
      const w = list[at];
      em.mac(srcs[w], work[w].e, b, k);
    }
  }
}

/**
 * Bring the partial sums of output ciphertext b to the output level and rotate each by its output
 * rotation: `straight` terms add as they are, `crossed` ones (with `factorSwap`) still need the
 * half swap.
 */
function rotatedPartials(em: Emitter, b: number): { straight: Reg[]; crossed: Reg[] } {
  const { outRots, policy } = em.scheme;
  const level = policy.switchesAfterMac;
  const straight: Reg[] = [], crossed: Reg[] = [];
  for (let k = 0; k < outRots.length; k++) {
    let a: Reg = em.acc[b * outRots.length + k];
    if (a < 0) {
      if (!policy.rotateEmptyPartials) continue;
      a = em.newReg();
      em.ops.push({ kind: "zero", dst: a, level, ntt: false });
    } else {
      em.ops.push({ kind: "intt", reg: a });
      for (let l = 0; l < level; l++) em.ops.push({ kind: "modswitch", reg: a });
    }
    const full = outRots[k];
    const rot = policy.factorSwap ? { step: full.step, swap: false } : full;
    let part = a;
    if (!isIdentity(rot)) {
      part = em.newReg();
      em.ops.push({ kind: "rotate", dst: part, src: a, rot, side: "out" });
      em.rotations.push(rot);
    }
    (policy.factorSwap && full.swap ? crossed : straight).push(part);
  }
  return { straight, crossed };
}

/** Sum, mask, flood and switch output ciphertext b; its register, or null if it is empty. */
function emitOutput(em: Emitter, b: number): Reg | null {
  const { policy } = em.scheme;
  const { straight, crossed } = rotatedPartials(em, b);
  const partial0 = em.sum(straight), partial1 = em.sum(crossed);
  const terms: Reg[] = [];
  if (partial0 !== null) terms.push(partial0);
  if (partial1 !== null) terms.push(em.swapped(partial1));
  if (policy.foldHalves && partial0 !== null) terms.push(em.swapped(partial0));
  // Swaps are emitted above, before any add lands in partial0, so the fold reads the partial.
  if (terms.length === 0) return null;
  let out: Reg;
  if (policy.zeroInit) out = em.sum(terms)!;
  else {
    out = terms[0];
    for (const r of terms.slice(1)) em.ops.push({ kind: "add", dst: out, src: r });
  }
  if (policy.maskOutputs) {
    em.ops.push({ kind: "mask", reg: out, switches: policy.switchesAfterMac, output: b });
  }
  if (policy.floodBits > 0) em.ops.push({ kind: "flood", reg: out, bits: policy.floodBits });
  for (let l = 0; l < policy.switchesAtEnd; l++) em.ops.push({ kind: "modswitch", reg: out });
  return out;
}
