/**
 * The assembler's search model of one layer: `ProxyState`'s Φ and predicted ms, kept at the
 * granularity of the pruned basic units instead of single weights. When every 2-D kernel of a mask
 * is wholly kept or wholly pruned (MOSAIC's kernel units), a kernel is one unit, and the products
 * holding the same kernels (one per tap) always die together, so they form one class: a swap then
 * touches one counter per differing kernel instead of one per differing weight and product.
 * Otherwise (single-weight units) a unit is one weight and a class one product, which is
 * `ProxyState` itself. The numbers equal `ProxyState`'s (tested).
 *
 * A swap of two positions is evaluated from the units that differ between them only. The kept
 * units are stored twice as bit sets, position after position (row p's units; column block p's
 * units row after row), so either kind of position is one contiguous run of 32-unit words: XOR of
 * the two runs names the differing units, each moves its class's kept count by ±1, and a class of
 * Φ weight w = cost / size² with d dead weights changes Φ by w·δ·(δ − 2d). Only a class that dies
 * or revives touches its input groups and partial sums. The test checks every delta against
 * applying and reverting the swap on `ProxyState`, the assembler's old way.
 *
 * @module
 */
import type { LayerMove } from "./permute.ts";
import type { ProxyState } from "./_proxy.ts";
import type { LayerStructures } from "./structures.ts";

/** Which positions of a layer a tie moves: rows (its output channels) or column blocks. */
export type Side = "rows" | "cols";

/**
 * Φ and predicted ms of a layer at unit granularity, with swaps of row or column-block positions
 * that can be evaluated before they are applied.
 *
 * @example Φ and ms equal ProxyState's, before and after a swap
 * ```ts
 * import { UnitState } from "./_unit_state.ts";
 * import { swapPositions } from "./_swap.ts";
 * import { ProxyState } from "./_proxy.ts";
 * import { layerStructures } from "./structures.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec } from "../nn/mod.ts";
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 *
 * const s = layerStructures("c", parseLayerSpec("conv:h=20,w=20,ci=8,co=8,k=3"), {
 *   framework: "gazelle",
 *   preset: getPreset("gazelle"),
 * });
 * const kept = Uint8Array.from({ length: s.weights }, (_, j) => (Math.floor(j / 9) * 5) % 7 < 2 ? 1 : 0);
 * const move = { rows: 8, cols: 8, inner: 9, block: 1, outTie: null, inTie: null };
 * const u = new UnitState(new ProxyState(s, kept), move);
 * const p = new ProxyState(s, kept);
 * assertEquals(u.unit, 9, "kernel units expected");
 * u.evaluate("cols", 1, 6);
 * const gain = u.gainPhi;
 * u.swap("cols", 1, 6);
 * swapPositions({ state: p, move, rows: false }, 1, 6);
 * assertAlmostEquals(u.phi, p.phi, 1e-9);
 * assertAlmostEquals(u.ms, p.ms, 1e-9);
 * // The evaluated gain is the applied one.
 * assertAlmostEquals(gain, u.phi - new UnitState(new ProxyState(s, kept), move).phi, 1e-9);
 * ```
 */
export class UnitState {
  readonly s: LayerStructures;
  /** Weights per unit: k·k when every kernel is uniform, else 1. */
  readonly unit: number;
  /** Units per (row, column) pair, columns, columns per block, rows. */
  readonly #cell: number;
  readonly #cols: number;
  readonly #block: number;
  readonly #rowsN: number;
  /** 1 = kept, per unit. */
  readonly kept: Uint8Array;
  /** Units per row (a row position's run), and 32-bit words per row and per column block. */
  readonly #rowUnits: number;
  readonly #rowWords: number;
  readonly #colWords: number;
  /**
   * The kept bits position after position: row p's units in order, and column block p's units
   * row after row (so a column swap reads two contiguous runs, not one stride per row).
   */
  readonly #rowBits: Int32Array;
  readonly #colBits: Int32Array;
  /**
   * When every unit lies in exactly one class (true of both frameworks' convolutions and FCs):
   * the class and multiplicity of each unit, position-major per side like the bit sets, so a swap
   * reads two contiguous runs instead of one scattered lookup per unit; null otherwise.
   */
  readonly #slots: SlotTables | null;
  /**
   * Otherwise, the per-unit class lists reordered position-major for the column side (the row
   * side's order is the units' own), so a column swap reads two contiguous runs of lists.
   */
  readonly #colLists: ClassLists | null;
  /** Classes of products with the same units: summed cost, weights per product, kept weights. */
  readonly #cost: Float64Array;
  readonly #size: Int32Array;
  readonly #nz: Int32Array;
  /** Φ weight cost / size² of each class, input group and partial sum (Φ = w·dead²). */
  readonly #w: Float64Array;
  readonly #wRot: Float64Array;
  readonly #wAcc: Float64Array;
  /** Member products of each class (CSR). */
  readonly #memStart: Int32Array;
  readonly #mem: Int32Array;
  /** Classes of each unit with the unit's weight count in them (CSR). */
  readonly #uStart: Int32Array;
  readonly #uCls: Int32Array;
  readonly #uMult: Int32Array;
  readonly #rotLive: Int32Array;
  readonly #accLive: Int32Array;
  ms = 0;
  phi = 0;
  /** Φ and deleted-ms change of the last `evaluate`. */
  gainPhi = 0;
  gainDeleted = 0;
  readonly #sc: Int32Array;
  readonly #sr: Int32Array;
  readonly #sa: Int32Array;
  /**
   * Classes touched by the pending swap, and the input groups and partial sums of the classes it
   * kills or revives (all with repeats: the first visit reads and clears a pending count).
   */
  readonly #tc: Int32Array;
  #ntc = 0;
  readonly #tr: Int32Array;
  readonly #ta: Int32Array;

  constructor(state: ProxyState, move: LayerMove) {
    const s = this.s = state.s;
    const w = state.kept;
    const inner = move.inner;
    let g = inner;
    for (let j = 0; j < w.length && g > 1; j += inner) {
      for (let t = 1; t < inner; t++) {
        if (w[j + t] !== w[j]) {
          g = 1;
          break;
        }
      }
    }
    this.unit = g;
    this.#cell = inner / g;
    this.#cols = move.cols;
    this.#block = move.block;
    this.#rowsN = move.rows;
    const U = w.length / g;
    this.kept = new Uint8Array(U);
    for (let u = 0; u < U; u++) this.kept[u] = w[u * g];
    this.#rowUnits = move.cols * this.#cell;
    this.#rowWords = Math.ceil(this.#rowUnits / 32);
    this.#colWords = Math.ceil((move.rows * move.block * this.#cell) / 32);
    this.#rowBits = new Int32Array(move.rows * this.#rowWords);
    this.#colBits = new Int32Array((move.cols / move.block) * this.#colWords);
    for (let o = 0; o < move.rows; o++) {
      for (let i = 0; i < this.#rowUnits; i++) {
        if (!this.kept[o * this.#rowUnits + i]) continue;
        const r = o * this.#rowWords * 32 + i, c = this.#mirrorBit("rows", o, i);
        this.#rowBits[r >>> 5] |= 1 << (r & 31);
        this.#colBits[c >>> 5] |= 1 << (c & 31);
      }
    }
    const model = classModel(s, g);
    const C = model.cost.length;
    this.#cost = model.cost;
    this.#size = model.size;
    this.#memStart = model.memStart;
    this.#mem = model.mem;
    this.#uStart = model.uStart;
    this.#uCls = model.uCls;
    this.#uMult = model.uMult;
    const P = s.prodCost.length, cls = model.cls;
    this.#w = model.w;
    this.#wRot = s.rotCost.map((c, r) => c / (s.rotSize[r] * s.rotSize[r]));
    this.#wAcc = s.accCost.map((c, a) => c / (s.accSize[a] * s.accSize[a]));
    this.#slots = this.#slotTables(U);
    this.#colLists = this.#slots ? null : this.#columnLists(U);
    this.#nz = new Int32Array(C);
    for (let u = 0; u < U; u++) {
      if (!this.kept[u]) continue;
      for (let x = this.#uStart[u]; x < this.#uStart[u + 1]; x++) {
        this.#nz[this.#uCls[x]] += this.#uMult[x];
      }
    }
    this.#rotLive = new Int32Array(s.rotCost.length);
    this.#accLive = new Int32Array(s.accCost.length);
    for (let m = 0; m < P; m++) {
      if (this.#nz[cls[m]] > 0) {
        this.#rotLive[s.prodRot[m]]++;
        this.#accLive[s.prodAcc[m]]++;
      }
    }
    this.#sc = new Int32Array(C);
    // A swap lists two classes per differing unit and class it lies in.
    let perUnit = 0;
    for (let u = 0; u < U; u++) perUnit = Math.max(perUnit, this.#uStart[u + 1] - this.#uStart[u]);
    const run = Math.max(this.#rowUnits, move.rows * move.block * this.#cell);
    this.#tc = new Int32Array(2 * run * perUnit);
    this.#tr = new Int32Array(P);
    this.#ta = new Int32Array(P);
    this.#sr = new Int32Array(s.rotCost.length);
    this.#sa = new Int32Array(s.accCost.length);
    let ms = 0, phi = 0;
    for (let c = 0; c < C; c++) {
      if (this.#nz[c] > 0) ms += this.#cost[c];
      phi += this.#cost[c] * sq(1 - this.#nz[c] / this.#size[c]);
    }
    for (let r = 0; r < s.rotCost.length; r++) {
      if (this.#rotLive[r] > 0) ms += s.rotCost[r];
      phi += s.rotCost[r] * sq(1 - this.#rotLive[r] / s.rotSize[r]);
    }
    for (let a = 0; a < s.accCost.length; a++) {
      if (this.#accLive[a] > 0) ms += s.accCost[a];
      phi += s.accCost[a] * sq(1 - this.#accLive[a] / s.accSize[a]);
    }
    this.ms = ms;
    this.phi = phi;
  }

  /** Number of positions on a side. */
  positions(side: Side): number {
    return side === "rows" ? this.#rowsN : this.#cols / this.#block;
  }

  /**
   * The position-major class tables, or null unless every unit lies in the same number k of
   * classes (one per kernel under GAZELLE and most CrypTFlow2 layers; a stride-2 CrypTFlow2
   * convolution splits a kernel's taps over several). The row-major tables are then the per-unit
   * class lists themselves. `mult` is set when k = 1 and every unit has the same weight count in
   * its class's products (one per tap under GAZELLE; CrypTFlow2 may hold whole kernels).
   */
  #slotTables(U: number): SlotTables | null {
    const uStart = this.#uStart, uCls = this.#uCls, uMult = this.#uMult;
    const k = uStart[1] - uStart[0];
    let same = k === 1;
    for (let u = 0; u < U; u++) {
      if (uStart[u + 1] - uStart[u] !== k) return null;
      same &&= uMult[u] === uMult[0];
    }
    const colCls = new Int32Array(U * k), colMult = new Int32Array(U * k);
    const n = this.#rowsN * this.#block * this.#cell;
    for (let p = 0; p < this.#cols / this.#block; p++) {
      for (let y = 0; y < n; y++) {
        const from = uStart[this.#unitOf("cols", p, y)], to = (p * n + y) * k;
        colCls.set(uCls.subarray(from, from + k), to);
        colMult.set(uMult.subarray(from, from + k), to);
      }
    }
    return { rowCls: uCls, colCls, rowMult: uMult, colMult, k, mult: same ? uMult[0] : 0 };
  }

  /** The per-unit class lists in column-side position-major order (`#colLists`). */
  #columnLists(U: number): ClassLists {
    const uStart = this.#uStart, n = this.#rowsN * this.#block * this.#cell;
    const start = new Int32Array(U + 1);
    const cls = new Int32Array(uStart[U]), mult = new Int32Array(uStart[U]);
    let at = 0;
    for (let p = 0; p < this.#cols / this.#block; p++) {
      for (let y = 0; y < n; y++) {
        const u = this.#unitOf("cols", p, y), from = uStart[u], to = uStart[u + 1];
        cls.set(this.#uCls.subarray(from, to), at);
        mult.set(this.#uMult.subarray(from, to), at);
        at += to - from;
        start[p * n + y + 1] = at;
      }
    }
    return { start, cls, mult };
  }

  /** Unit index of bit x of position p's run on a side. */
  #unitOf(side: Side, p: number, x: number): number {
    if (side === "rows") return p * this.#rowUnits + x;
    const w = this.#block * this.#cell, o = Math.floor(x / w);
    return o * this.#cols * this.#cell + p * w + (x - o * w);
  }

  /**
   * Change of Φ (`gainPhi`) and of the deleted ms (`gainDeleted`) if p and q were swapped,
   * computed from the units that differ between the two positions only: their runs are compared
   * a 32-unit word at a time, and each differing unit moves its classes' kept counts by ±1·mult.
   */
  evaluate(side: Side, p: number, q: number): void {
    this.#scatter(side, p, q);
    this.#gather();
  }

  /** Pend the class changes of swapping p and q (`#scatterSlots` or `#scatterUnits`). */
  #scatter(side: Side, p: number, q: number): void {
    const rows = side === "rows", slots = this.#slots;
    if (!slots) return this.#scatterUnits(side, p, q);
    const bits = rows ? this.#rowBits : this.#colBits, W = rows ? this.#rowWords : this.#colWords;
    const n = rows ? this.#rowUnits : this.#rowsN * this.#block * this.#cell;
    const cls = rows ? slots.rowCls : slots.colCls;
    if (slots.mult > 0) this.#scatterSlots(bits, W, p, q, cls, slots.mult, n);
    else {
      const mult = rows ? slots.rowMult : slots.colMult;
      this.#scatterSlotsK(bits, W, p, q, cls, mult, slots.k, n);
    }
  }

  /**
   * Pend in `#sc` each class's kept-count change under the swap: +1 or −1 per differing unit,
   * and list the classes (with repeats). The fast path: classes read from the position-major
   * tables, and the units a takes kept (b kept, a not) walked apart from those it gives up, so
   * the loop has no branch on the sign.
   */
  #scatterSlots(
    bits: Int32Array,
    W: number,
    p: number,
    q: number,
    cls: Int32Array,
    m: number,
    n: number,
  ): void {
    const sc = this.#sc, tc = this.#tc;
    const a0 = p * W, b0 = q * W, ua = p * n, ub = q * n;
    let t = 0;
    for (let k = 0; k < W; k++) {
      const wa = bits[a0 + k], wb = bits[b0 + k], at = k * 32 + 31;
      for (let gain = wb & ~wa; gain !== 0;) {
        const low = gain & -gain;
        gain ^= low;
        const x = at - Math.clz32(low), ca = cls[ua + x], cb = cls[ub + x];
        sc[ca] += m;
        sc[cb] -= m;
        tc[t] = ca;
        tc[t + 1] = cb;
        t += 2;
      }
      for (let loss = wa & ~wb; loss !== 0;) {
        const low = loss & -loss;
        loss ^= low;
        const x = at - Math.clz32(low), ca = cls[ua + x], cb = cls[ub + x];
        sc[ca] -= m;
        sc[cb] += m;
        tc[t] = ca;
        tc[t + 1] = cb;
        t += 2;
      }
    }
    this.#ntc = t;
  }

  /** `#scatterSlots` for units in k classes each, with their weight counts. */
  #scatterSlotsK(
    bits: Int32Array,
    W: number,
    p: number,
    q: number,
    cls: Int32Array,
    mult: Int32Array,
    k: number,
    n: number,
  ): void {
    const sc = this.#sc, tc = this.#tc;
    const a0 = p * W, b0 = q * W, ua = p * n, ub = q * n;
    let t = 0;
    for (let w = 0; w < W; w++) {
      const wa = bits[a0 + w], wb = bits[b0 + w], at = w * 32 + 31;
      let diff = wa ^ wb;
      while (diff !== 0) {
        const low = diff & -diff;
        diff ^= low;
        const x = at - Math.clz32(low), ia = (ua + x) * k, ib = (ub + x) * k;
        // d = kept[b] − kept[a]: a takes b's state and b takes a's.
        const d = (wb & low) !== 0 ? 1 : -1;
        for (let j = 0; j < k; j++) {
          const ca = cls[ia + j], cb = cls[ib + j];
          sc[ca] += d * mult[ia + j];
          sc[cb] -= d * mult[ib + j];
          tc[t] = ca;
          tc[t + 1] = cb;
          t += 2;
        }
      }
    }
    this.#ntc = t;
  }

  /** `#scatterSlots` for units in different numbers of classes, through the per-unit lists. */
  #scatterUnits(side: Side, p: number, q: number): void {
    const rows = side === "rows";
    const bits = rows ? this.#rowBits : this.#colBits, W = rows ? this.#rowWords : this.#colWords;
    const lists = rows ? null : this.#colLists;
    const start = lists?.start ?? this.#uStart, cls = lists?.cls ?? this.#uCls;
    const mult = lists?.mult ?? this.#uMult, sc = this.#sc, tc = this.#tc;
    const n = rows ? this.#rowUnits : this.#rowsN * this.#block * this.#cell;
    const a0 = p * W, b0 = q * W, ua = p * n, ub = q * n;
    let t = 0;
    for (let k = 0; k < W; k++) {
      const wb = bits[b0 + k];
      let diff = bits[a0 + k] ^ wb;
      while (diff !== 0) {
        const low = diff & -diff;
        diff ^= low;
        const x = k * 32 + 31 - Math.clz32(low);
        // d = kept[b] − kept[a]: a takes b's state and b takes a's.
        const d = (wb & low) !== 0 ? 1 : -1;
        for (let y = start[ua + x]; y < start[ua + x + 1]; y++) {
          sc[cls[y]] += d * mult[y];
          tc[t++] = cls[y];
        }
        for (let y = start[ub + x]; y < start[ub + x + 1]; y++) {
          sc[cls[y]] -= d * mult[y];
          tc[t++] = cls[y];
        }
      }
    }
    this.#ntc = t;
  }

  /**
   * Turn the pending class changes into `gainPhi` and `gainDeleted`, clearing them. A class of
   * weight w = cost / size² and d dead weights holds Φ = w·d², so a change of its kept count by
   * δ changes Φ by w·δ·(δ − 2d); a class that dies or revives also moves its groups' live counts.
   */
  #gather(): void {
    const sc = this.#sc, tc = this.#tc, nz = this.#nz, size = this.#size, w = this.#w;
    const s = this.s, sr = this.#sr, sa = this.#sa, tr = this.#tr, ta = this.#ta;
    let dPhi = 0, dMs = 0, ntr = 0, nta = 0;
    // A repeated class reads a cleared count and adds 0: no branch on repeats.
    for (let k = 0, n = this.#ntc; k < n; k++) {
      const c = tc[k], dc = sc[c];
      sc[c] = 0;
      const before = nz[c], after = before + dc;
      dPhi += w[c] * dc * (dc - 2 * (size[c] - before));
      if ((before === 0 || after === 0) && dc !== 0) {
        const alive = after > 0 ? 1 : -1;
        dMs += alive * this.#cost[c];
        for (let x = this.#memStart[c]; x < this.#memStart[c + 1]; x++) {
          const m = this.#mem[x];
          sr[s.prodRot[m]] += alive;
          tr[ntr++] = s.prodRot[m];
          sa[s.prodAcc[m]] += alive;
          ta[nta++] = s.prodAcc[m];
        }
      }
    }
    this.gainPhi = dPhi;
    this.gainDeleted = -dMs;
    this.#pendingGroups(tr, ntr, sr, this.#rotLive, s.rotCost, this.#wRot, s.rotSize);
    this.#pendingGroups(ta, nta, sa, this.#accLive, s.accCost, this.#wAcc, s.accSize);
  }

  /**
   * Add to `gainPhi` and `gainDeleted` the change of the input groups (or partial sums) in
   * `touched` (its first `n`) by their pending live-count deltas, clearing them.
   */
  #pendingGroups(
    touched: Int32Array,
    n: number,
    pending: Int32Array,
    live: Int32Array,
    cost: Float64Array,
    w: Float64Array,
    size: Int32Array,
  ): void {
    for (let k = 0; k < n; k++) {
      const g = touched[k], d = pending[g];
      if (d === 0) continue;
      pending[g] = 0;
      const before = live[g], after = before + d;
      this.gainPhi += w[g] * d * (d - 2 * (size[g] - before));
      if (before === 0 || after === 0) this.gainDeleted -= (after > 0 ? 1 : -1) * cost[g];
    }
  }

  /**
   * Exchange positions p and q on a side, updating Φ and ms: the evaluation's class changes,
   * committed, then the two runs of bits exchanged.
   */
  swap(side: Side, p: number, q: number): void {
    this.#scatter(side, p, q);
    this.#commit();
    this.#exchangeBits(side, p, q);
  }

  /** Apply the pending class changes to the counters, Φ and ms, clearing them. */
  #commit(): void {
    const sc = this.#sc, tc = this.#tc, nz = this.#nz, size = this.#size, w = this.#w;
    const s = this.s;
    for (let k = 0, n = this.#ntc; k < n; k++) {
      const c = tc[k], dc = sc[c];
      if (dc === 0) continue;
      sc[c] = 0;
      const before = nz[c], after = before + dc;
      nz[c] = after;
      this.phi += w[c] * dc * (dc - 2 * (size[c] - before));
      if (before === 0 || after === 0) {
        const alive = after > 0 ? 1 : -1;
        this.ms += alive * this.#cost[c];
        for (let y = this.#memStart[c]; y < this.#memStart[c + 1]; y++) {
          const m = this.#mem[y];
          this.#bump(this.#rotLive, s.prodRot[m], alive, s.rotCost, this.#wRot, s.rotSize);
          this.#bump(this.#accLive, s.prodAcc[m], alive, s.accCost, this.#wAcc, s.accSize);
        }
      }
    }
  }

  /**
   * Exchange the kept states of positions p and q: their runs on the side swap word for word,
   * and each differing unit flips in `kept` and in the other side's bit set.
   */
  #exchangeBits(side: Side, p: number, q: number): void {
    const rows = side === "rows";
    const bits = rows ? this.#rowBits : this.#colBits, W = rows ? this.#rowWords : this.#colWords;
    const other = rows ? this.#colBits : this.#rowBits, kept = this.kept;
    const a0 = p * W, b0 = q * W;
    for (let k = 0; k < W; k++) {
      const wa = bits[a0 + k], wb = bits[b0 + k];
      bits[a0 + k] = wb;
      bits[b0 + k] = wa;
      for (let diff = wa ^ wb; diff !== 0;) {
        const low = diff & -diff;
        diff ^= low;
        const x = k * 32 + 31 - Math.clz32(low);
        kept[this.#unitOf(side, p, x)] ^= 1;
        kept[this.#unitOf(side, q, x)] ^= 1;
        const i = this.#mirrorBit(side, p, x), j = this.#mirrorBit(side, q, x);
        other[i >>> 5] ^= 1 << (i & 31);
        other[j >>> 5] ^= 1 << (j & 31);
      }
    }
  }

  /** Index, in the other side's bit set, of bit x of position p's run on a side. */
  #mirrorBit(side: Side, p: number, x: number): number {
    const w = this.#block * this.#cell;
    if (side === "rows") {
      const col = Math.floor(x / w);
      return col * this.#colWords * 32 + p * w + (x - col * w);
    }
    const o = Math.floor(x / w);
    return o * this.#rowWords * 32 + p * w + (x - o * w);
  }

  #bump(
    live: Int32Array,
    g: number,
    d: number,
    cost: Float64Array,
    w: Float64Array,
    size: Int32Array,
  ): void {
    const before = live[g], after = before + d;
    live[g] = after;
    this.phi += w[g] * d * (d - 2 * (size[g] - before));
    if (before === 0 || after === 0) this.ms += (after > 0 ? 1 : -1) * cost[g];
  }

  /** Pruned fraction of each position on a side (summed into `pruned` and `size`). */
  tally(side: Side, pruned: Float64Array, size: Float64Array): void {
    const cell = this.#cell, cols = this.#cols, w = this.#block * cell;
    for (let u = 0; u < this.kept.length; u++) {
      const c = side === "rows"
        ? Math.floor(u / (cols * cell))
        : Math.floor((u % (cols * cell)) / w);
      size[c]++;
      if (!this.kept[u]) pruned[c]++;
    }
  }
}

/** Class lists of units (CSR): unit i's classes and weight counts at `start[i] .. start[i + 1]`. */
interface ClassLists {
  readonly start: Int32Array;
  readonly cls: Int32Array;
  readonly mult: Int32Array;
}

/** Class of each unit, position-major per side (`UnitState`'s fast path). */
interface SlotTables {
  /** k classes per unit, position after position. */
  readonly rowCls: Int32Array;
  readonly colCls: Int32Array;
  /** The unit's weights in each product of each of its classes, in the same order. */
  readonly rowMult: Int32Array;
  readonly colMult: Int32Array;
  /** Classes per unit. */
  readonly k: number;
  /** The one weight count of every unit's one class (k = 1), or 0 if they differ. */
  readonly mult: number;
}

/** Product classes of a layer at a unit size (they depend on the geometry only, not the mask). */
interface ClassModel {
  /** Class of each product. */
  readonly cls: Int32Array;
  readonly cost: Float64Array;
  readonly size: Int32Array;
  /** Φ weight cost / size² of each class. */
  readonly w: Float64Array;
  readonly memStart: Int32Array;
  readonly mem: Int32Array;
  readonly uStart: Int32Array;
  readonly uCls: Int32Array;
  readonly uMult: Int32Array;
}

const models = new WeakMap<Int32Array, Map<number, ClassModel>>();

function classModel(s: LayerStructures, g: number): ClassModel {
  let byUnit = models.get(s.prodWeights);
  if (!byUnit) models.set(s.prodWeights, byUnit = new Map());
  let model = byUnit.get(g);
  if (!model) byUnit.set(g, model = buildClasses(s, g));
  return model;
}

/**
 * Group products by their units and per-unit weight counts. Each product's (unit, count) runs
 * come from its sorted weights; equal run lists are found by a hash and confirmed element-wise.
 */
function buildClasses(s: LayerStructures, g: number): ClassModel {
  const P = s.prodCost.length, U = s.weights / g;
  const runStart = new Int32Array(P + 1);
  const runU = new Int32Array(s.prodStart[P]), runK = new Int32Array(s.prodStart[P]);
  let runs = 0;
  for (let m = 0; m < P; m++) {
    let last = -1;
    for (let q = s.prodStart[m]; q < s.prodStart[m + 1]; q++) {
      const u = Math.floor(s.prodWeights[q] / g);
      if (u === last) runK[runs - 1]++;
      else {
        runU[runs] = u;
        runK[runs++] = 1;
        last = u;
      }
    }
    runStart[m + 1] = runs;
  }
  const same = (a: number, b: number) => {
    const la = runStart[a + 1] - runStart[a];
    if (la !== runStart[b + 1] - runStart[b]) return false;
    if (s.prodStart[a + 1] - s.prodStart[a] !== s.prodStart[b + 1] - s.prodStart[b]) return false;
    for (let x = 0; x < la; x++) {
      if (runU[runStart[a] + x] !== runU[runStart[b] + x]) return false;
      if (runK[runStart[a] + x] !== runK[runStart[b] + x]) return false;
    }
    return true;
  };
  const buckets = new Map<number, number[]>();
  const cls = new Int32Array(P);
  const first: number[] = [];
  for (let m = 0; m < P; m++) {
    let h = 0x811c9dc5;
    for (let x = runStart[m]; x < runStart[m + 1]; x++) {
      h = Math.imul(h ^ runU[x], 16777619);
      h = Math.imul(h ^ runK[x], 16777619);
    }
    const key = (h >>> 0) * 64 + ((runStart[m + 1] - runStart[m]) & 63);
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, bucket = []);
    let c = bucket.find((k) => same(first[k], m));
    if (c === undefined) {
      c = first.length;
      first.push(m);
      bucket.push(c);
    }
    cls[m] = c;
  }
  const C = first.length;
  const cost = new Float64Array(C), size = new Int32Array(C);
  for (let m = 0; m < P; m++) cost[cls[m]] += s.prodCost[m];
  first.forEach((m, c) => size[c] = s.prodStart[m + 1] - s.prodStart[m]);
  const memStart = new Int32Array(C + 1);
  for (let m = 0; m < P; m++) memStart[cls[m] + 1]++;
  for (let c = 0; c < C; c++) memStart[c + 1] += memStart[c];
  const mem = new Int32Array(P);
  const fill = memStart.slice(0, C);
  for (let m = 0; m < P; m++) mem[fill[cls[m]]++] = m;
  const uStart = new Int32Array(U + 1);
  first.forEach((m) => {
    for (let x = runStart[m]; x < runStart[m + 1]; x++) uStart[runU[x] + 1]++;
  });
  for (let u = 0; u < U; u++) uStart[u + 1] += uStart[u];
  const uCls = new Int32Array(uStart[U]), uMult = new Int32Array(uStart[U]);
  const at = uStart.slice(0, U);
  first.forEach((m, c) => {
    for (let x = runStart[m]; x < runStart[m + 1]; x++) {
      uCls[at[runU[x]]] = c;
      uMult[at[runU[x]]++] = runK[x];
    }
  });
  const w = cost.map((c, k) => c / (size[k] * size[k]));
  return { cls, cost, size, w, memStart, mem, uStart, uCls, uMult };
}

function sq(x: number): number {
  return x * x;
}
