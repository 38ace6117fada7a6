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
import type { GridConv } from "./grid_conv.ts";
import type { Packing } from "./packing.ts";

/** An input-side rotation of input ciphertext `ct`, serving tap `tap`. */
export interface InRotation {
  readonly ct: number;
  readonly tap: number;
  readonly rot: Rotation;
  /** Output ciphertexts it can contribute to. */
  readonly targets: readonly number[];
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
  readonly conv: GridConv;
  readonly inPack: Packing;
  readonly outPack: Packing;
  readonly inRots: readonly InRotation[];
  /** Output-side rotations; index 0 must be the identity. */
  readonly outRots: readonly Rotation[];
  readonly policy: RotationPolicy;
}

/** The HE program of a rotation scheme. */
export interface RotationProgram {
  readonly ops: OpList;
  readonly masks: MaskBank;
  readonly inputs: number;
  readonly outputs: (Reg | null)[];
  /** Every rotation the program issues (for choosing Galois keys). */
  readonly rotations: Rotation[];
  /** Product i multiplies input ciphertext `ct[i]`, tap `tap[i]`, into output `b[i]`, rotation `k[i]`. */
  readonly products: {
    readonly ct: Int32Array;
    readonly tap: Int32Array;
    readonly b: Int32Array;
    readonly k: Int32Array;
  };
}

/** Output elements of one (channel, half) group, row-major, as parallel typed arrays. */
interface OutGroup {
  readonly o: number;
  readonly slot: Int32Array;
  readonly y: Int32Array;
  readonly x: Int32Array;
}

/**
 * Output elements of one ciphertext grouped by (channel, half), each group in row-major order.
 * With `fold`, every lower-half element also stands at the same offset of the upper half.
 */
const coordCache = new WeakMap<Packing, { chan: Int32Array; row: Int32Array; col: Int32Array }>();

/** (channel, row, column) of every element of a packing's stack, computed once per packing. */
function elementCoords(pack: Packing): { chan: Int32Array; row: Int32Array; col: Int32Array } {
  let c = coordCache.get(pack);
  if (c) return c;
  const { vh, vw } = pack.stack;
  const n = pack.slotOfElem.length;
  c = { chan: new Int32Array(n), row: new Int32Array(n), col: new Int32Array(n) };
  for (let e = 0; e < n; e++) {
    const r = e % (vh * vw);
    c.chan[e] = (e - r) / (vh * vw);
    c.row[e] = (r - (r % vw)) / vw;
    c.col[e] = r % vw;
  }
  coordCache.set(pack, c);
  return c;
}

const groupCache = new WeakMap<Packing, Map<string, OutGroup[]>>();

function outputGroups(pack: Packing, ct: number, fold: boolean): OutGroup[] {
  let perPack = groupCache.get(pack);
  if (!perPack) groupCache.set(pack, perPack = new Map());
  const key = `${ct}:${fold}`;
  let hit = perPack.get(key);
  if (!hit) perPack.set(key, hit = buildGroups(pack, ct, fold));
  return hit;
}

function buildGroups(pack: Packing, ct: number, fold: boolean): OutGroup[] {
  const { vh, vw } = pack.stack;
  const half = pack.slots / 2;
  const lists = new Map<number, number[]>(); // key → flat [slot, y, x, …]
  const put = (key: number, slot: number, y: number, x: number) => {
    let g = lists.get(key);
    if (!g) lists.set(key, g = []);
    g.push(slot, y, x);
  };
  for (let j = 0; j < pack.slots; j++) {
    const e = pack.elemOfSlot[ct * pack.slots + j];
    if (e < 0) continue;
    const o = Math.floor(e / (vh * vw));
    const r = e % (vh * vw);
    const y = Math.floor(r / vw), x = r % vw;
    const h = j >= half ? 1 : 0;
    put(2 * o + h, j, y, x);
    if (fold && h === 0) put(2 * o + 1, j + half, y, x);
  }
  const groups: OutGroup[] = [];
  for (const [key, flat] of lists) {
    const n = flat.length / 3;
    const g = { o: key >> 1, slot: new Int32Array(n), y: new Int32Array(n), x: new Int32Array(n) };
    for (let i = 0; i < n; i++) {
      g.slot[i] = flat[3 * i];
      g.y[i] = flat[3 * i + 1];
      g.x[i] = flat[3 * i + 2];
    }
    // Packings lay a channel out row-major, so slot order is already (y, x) order; check it.
    for (let i = 1; i < n; i++) {
      if (g.y[i] < g.y[i - 1] || (g.y[i] === g.y[i - 1] && g.x[i] < g.x[i - 1])) {
        throw new Error("planner bug: packing is not row-major within a channel");
      }
    }
    groups.push(g);
  }
  return groups;
}

/** Compile a rotation scheme into ops and masks. */
export function planRotationConv(scheme: RotationScheme): RotationProgram {
  const { conv, inPack, outPack, inRots, outRots, policy } = scheme;
  if (!isIdentity(outRots[0])) throw new Error("planner bug: outRots[0] must be the identity");
  const n = inPack.slots;
  const { gh: igh, gw: igw } = inPack.stack;
  const groups = Array.from(
    { length: outPack.cts },
    (_, b) => outputGroups(outPack, b, policy.foldHalves),
  );

  /** The input element (or −1) that rotation e and output rotation k bring to output slot j. */
  const half = n / 2;
  const outStep = outRots.map((r) => r.step % half), outSwap = outRots.map((r) => r.swap);
  const sourceElem = (e: InRotation, k: number, j: number): number => {
    // sourceSlot twice, inlined: this is the planner's innermost operation.
    let row = j >= half ? 1 : 0;
    let col = j - row * half + outStep[k];
    if (col >= half) col -= half;
    else if (col < 0) col += half;
    if (outSwap[k]) row = 1 - row;
    col += e.rot.step % half;
    if (col >= half) col -= half;
    else if (col < 0) col += half;
    if (e.rot.swap) row = 1 - row;
    return inPack.elemOfSlot[e.ct * n + row * half + col];
  };
  /** Input channel of `src` if it is exactly (y + dy, x + dx) of the output at (y, x), else −1. */
  const { chan, row, col } = elementCoords(inPack);
  const matchChannel = (src: number, y: number, x: number, dy: number, dx: number): number => {
    if (src < 0) return -1;
    return row[src] === y + dy && col[src] === x + dx ? chan[src] : -1;
  };

  /**
   * Does mask (e, b, k) hold a non-zero weight? Within one (output channel, half) group of a
   * packing the pairing with an input channel is the same at every output position whose tap lands
   * in the grid, so one such position per group decides (the executor re-checks every
   * materialized mask: an all-zero mask there is an error).
   */
  /** Per output ct and tap: for each group, its first element whose tap lands in the grid. */
  const repCache = new Map<number, Int32Array>();
  const representatives = (b: number, tap: number): Int32Array => {
    const key = b * conv.taps.length + tap;
    let reps = repCache.get(key);
    if (reps) return reps;
    const { dy, dx } = conv.taps[tap];
    reps = Int32Array.from(groups[b], (g) => {
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
  const nonZero = (e: InRotation, b: number, k: number): boolean => {
    const { dy, dx } = conv.taps[e.tap];
    const reps = representatives(b, e.tap);
    const gs = groups[b];
    for (let gi = 0; gi < gs.length; gi++) {
      const p = reps[gi];
      if (p < 0) continue;
      const g = gs[gi];
      const i = matchChannel(sourceElem(e, k, g.slot[p]), g.y[p], g.x[p], dy, dx);
      if (i >= 0 && conv.weight(g.o, i, e.tap) !== 0) return true;
    }
    return false;
  };

  // Mask i is (inRotation order[maskE[i]], output ct maskB[i], output rotation maskK[i]); flat
  // number arrays, since big layers have millions of masks.
  const maskE: number[] = [], maskB: number[] = [], maskK: number[] = [];
  const masks: MaskBank = {
    get count() {
      return maskE.length;
    },
    weightsOf(idx) {
      const e = order[maskE[idx]], b = maskB[idx], k = maskK[idx];
      const { dy, dx } = conv.taps[e.tap];
      const reps = representatives(b, e.tap);
      const out: number[] = [];
      groups[b].forEach((g, gi) => {
        const p = reps[gi];
        if (p < 0) return;
        const i = matchChannel(sourceElem(e, k, g.slot[p]), g.y[p], g.x[p], dy, dx);
        const w = i >= 0 ? conv.weight(g.o, i, e.tap) : 0;
        if (w !== 0) out.push(w);
      });
      return out;
    },
    fill(idx, out) {
      const e = order[maskE[idx]], b = maskB[idx], k = maskK[idx];
      const { dy, dx } = conv.taps[e.tap];
      for (const g of groups[b]) {
        for (let p = 0; p < g.slot.length; p++) {
          const i = matchChannel(sourceElem(e, k, g.slot[p]), g.y[p], g.x[p], dy, dx);
          if (i >= 0) {
            out[sourceSlot(g.slot[p], outRots[k], n)] = BigInt(conv.weight(g.o, i, e.tap));
          }
        }
      }
    },
  };

  const ops = new OpList();
  const rotations: Rotation[] = [];
  let nextReg = inPack.cts;
  const newReg = () => nextReg++;
  const acc: (Reg | undefined)[][] = Array.from({ length: outPack.cts }, () => []);
  // Per input ct, identity rotations go last so the unrotated input is only NTT-transformed after
  // every rotation of it has been taken.
  const order = [...inRots].sort((p, q) =>
    p.ct - q.ct || Number(isIdentity(p.rot)) - Number(isIdentity(q.rot))
  );
  const nttIdentity = new Map<number, Reg>();
  /** Rotate (unless identity) the input of rotation e; NTT-transform it if products use it. */
  const emitRotation = (e: InRotation, used: boolean): Reg => {
    if (isIdentity(e.rot)) {
      const done = nttIdentity.get(e.ct);
      if (done !== undefined || !used) return e.ct;
      ops.push({ kind: "ntt", reg: e.ct });
      nttIdentity.set(e.ct, e.ct);
      return e.ct;
    }
    const src = newReg();
    ops.push({ kind: "rotate", dst: src, src: e.ct, rot: e.rot, side: "in" });
    rotations.push(e.rot);
    if (used) ops.push({ kind: "ntt", reg: src });
    return src;
  };
  /** Start a sum: from an encryption of zero (stock SCI) or from its first term. */
  const startSum = (first: Reg, level: number, ntt: boolean): Reg => {
    if (!policy.zeroInit) return first;
    const z = newReg();
    ops.push({ kind: "zero", dst: z, level, ntt });
    ops.push({ kind: "add", dst: z, src: first });
    return z;
  };
  /** acc[b][k] += src ⊙ mask(e, b, k), e the index of the input rotation in `order`. */
  const emitMac = (src: Reg, e: number, b: number, k: number) => {
    maskE.push(e);
    maskB.push(b);
    const mask = maskK.push(k) - 1;
    const prod = newReg();
    ops.pushMul(prod, src, mask);
    const a = acc[b][k];
    if (a === undefined) acc[b][k] = startSum(prod, 0, true);
    else ops.pushAdd(a, prod);
  };

  // For each input rotation worth issuing: its consumers (b·K + k) as a flat list.
  const K = outRots.length;
  const work: { e: number; consumers: number[] }[] = [];
  const accumulators = new Set<number>();
  order.forEach((e, ei) => {
    const consumers: number[] = [];
    for (const b of e.targets) {
      for (let k = 0; k < K; k++) {
        if (!policy.skipZeroMasks || nonZero(e, b, k)) {
          consumers.push(b * K + k);
          accumulators.add(b * K + k);
        }
      }
    }
    if (consumers.length > 0 || policy.issueUnusedRotations) work.push({ e: ei, consumers });
  });
  // Loop order (same ops, same counts): keep the smaller side live and hot in cache. Few
  // accumulators (IR): rotation-major. Few rotated inputs (OR, c_n partial sums per output
  // ciphertext): accumulator-major, so each partial sum takes all its products while it is hot.
  if (accumulators.size <= work.length) {
    for (const { e, consumers } of work) {
      const src = emitRotation(order[e], consumers.length > 0);
      for (const id of consumers) emitMac(src, e, Math.floor(id / K), id % K);
    }
  } else {
    const srcs = work.map(({ e, consumers }) => emitRotation(order[e], consumers.length > 0));
    const byAcc = new Map<number, number[]>(); // accumulator id → work indices
    work.forEach(({ consumers }, w) => {
      for (const id of consumers) {
        let list = byAcc.get(id);
        if (!list) byAcc.set(id, list = []);
        list.push(w);
      }
    });
    for (const id of [...byAcc.keys()].sort((p, q) => p - q)) {
      const b = Math.floor(id / K), k = id % K;
      for (const w of byAcc.get(id)!) emitMac(srcs[w], work[w].e, b, k);
    }
  }

  const level = policy.switchesAfterMac;
  /** Sum a list of registers into the first (or into a zero, stock SCI); null if empty. */
  const sum = (terms: Reg[]): Reg | null => {
    if (terms.length === 0) return null;
    const s = startSum(terms[0], level, false);
    for (const r of terms.slice(1)) ops.push({ kind: "add", dst: s, src: r });
    return s;
  };
  const swapped = (r: Reg): Reg => {
    const dst = newReg();
    const rot = { step: 0, swap: true };
    ops.push({ kind: "rotate", dst, src: r, rot, side: "out" });
    rotations.push(rot);
    return dst;
  };
  const outputs: (Reg | null)[] = [];
  for (let b = 0; b < outPack.cts; b++) {
    const straight: Reg[] = [], crossed: Reg[] = [];
    for (let k = 0; k < outRots.length; k++) {
      let a = acc[b][k];
      if (a === undefined) {
        if (!policy.rotateEmptyPartials) continue;
        a = newReg();
        ops.push({ kind: "zero", dst: a, level, ntt: false });
      } else {
        ops.push({ kind: "intt", reg: a });
        for (let l = 0; l < level; l++) ops.push({ kind: "modswitch", reg: a });
      }
      const full = outRots[k];
      const rot = policy.factorSwap ? { step: full.step, swap: false } : full;
      let part = a;
      if (!isIdentity(rot)) {
        part = newReg();
        ops.push({ kind: "rotate", dst: part, src: a, rot, side: "out" });
        rotations.push(rot);
      }
      (policy.factorSwap && full.swap ? crossed : straight).push(part);
    }
    const partial0 = sum(straight), partial1 = sum(crossed);
    const terms: Reg[] = [];
    if (partial0 !== null) terms.push(partial0);
    if (partial1 !== null) terms.push(swapped(partial1));
    if (policy.foldHalves && partial0 !== null) terms.push(swapped(partial0));
    // Swaps are emitted above, before any add lands in partial0, so the fold reads the partial.
    let out: Reg | null = null;
    if (terms.length > 0) {
      if (policy.zeroInit) out = sum(terms);
      else {
        out = terms[0];
        for (const r of terms.slice(1)) ops.push({ kind: "add", dst: out, src: r });
      }
    }
    if (out !== null && policy.maskOutputs) {
      ops.push({ kind: "mask", reg: out, switches: level, output: b });
    }
    if (out !== null && policy.floodBits > 0) {
      ops.push({ kind: "flood", reg: out, bits: policy.floodBits });
    }
    if (out !== null) {
      for (let l = 0; l < policy.switchesAtEnd; l++) ops.push({ kind: "modswitch", reg: out });
    }
    outputs.push(out);
  }
  const products = {
    ct: Int32Array.from(maskE, (e) => order[e].ct),
    tap: Int32Array.from(maskE, (e) => order[e].tap),
    b: Int32Array.from(maskB),
    k: Int32Array.from(maskK),
  };
  return { ops, masks, inputs: inPack.cts, outputs, rotations, products };
}
