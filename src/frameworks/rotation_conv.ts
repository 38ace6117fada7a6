/**
 * The planner shared by rotation-based convolutions (GAZELLE IR and OR, and any packing): given
 * the packings, the input-side rotations (each tied to one tap) and the output-side rotations, it
 * derives every plaintext mask from the geometry and emits the op list.
 *
 * Mask (input rotation e of ct a, output ct b, output rotation k) at slot m holds W'(o, i, tap_e)
 * when output slot j = R_k⁻¹(m) holds output (o, y, x) and the input slot that rotation e brings
 * to m holds input (i, y + dy, x + dx). A mask is therefore right by construction whatever the
 * packing; the method only chooses which rotations exist.
 *
 * Pruning-aware (default): a mask with no non-zero weight is skipped (no Mult, no Add), an input
 * rotation none of whose masks survive is not issued, nor is the output rotation of an empty
 * partial sum. Stock: every mask of the method is multiplied, as the framework's code does.
 *
 * @module
 */
import { isIdentity, type Rotation, sourceSlot } from "../he/galois.ts";
import type { HeOp, MaskBank, Reg } from "../he/plan.ts";
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

/** A conv method: packings plus the rotations it uses. */
export interface RotationScheme {
  readonly conv: GridConv;
  readonly inPack: Packing;
  readonly outPack: Packing;
  readonly inRots: readonly InRotation[];
  /** Output-side rotations; index 0 must be the identity. */
  readonly outRots: readonly Rotation[];
}

/** The HE program of a rotation scheme. */
export interface RotationProgram {
  readonly ops: HeOp[];
  readonly masks: MaskBank;
  readonly inputs: number;
  readonly outputs: (Reg | null)[];
  /** Every rotation the program issues (for choosing Galois keys). */
  readonly rotations: Rotation[];
}

interface OutElem {
  readonly slot: number;
  readonly o: number;
  readonly y: number;
  readonly x: number;
}

/** Output elements of one ciphertext, grouped by channel, each group in row-major order. */
function outputGroups(pack: Packing, ct: number): OutElem[][] {
  const { vh, vw } = pack.stack;
  const groups = new Map<number, OutElem[]>();
  for (let j = 0; j < pack.slots; j++) {
    const e = pack.elemOfSlot[ct * pack.slots + j];
    if (e < 0) continue;
    const o = Math.floor(e / (vh * vw));
    const r = e % (vh * vw);
    let g = groups.get(o);
    if (!g) groups.set(o, g = []);
    g.push({ slot: j, o, y: Math.floor(r / vw), x: r % vw });
  }
  for (const g of groups.values()) g.sort((p, q) => p.y - q.y || p.x - q.x);
  return [...groups.values()];
}

/** Compile a rotation scheme into ops and masks. */
export function planRotationConv(scheme: RotationScheme, stock: boolean): RotationProgram {
  const { conv, inPack, outPack, inRots, outRots } = scheme;
  if (!isIdentity(outRots[0])) throw new Error("planner bug: outRots[0] must be the identity");
  const n = inPack.slots;
  const { vh: ih, vw: iw, gh: igh, gw: igw } = inPack.stack;
  const groups = Array.from({ length: outPack.cts }, (_, b) => outputGroups(outPack, b));

  /** The input element (or −1) that rotation e and output rotation k bring to output slot j of b. */
  const sourceElem = (e: InRotation, k: number, j: number): number => {
    const m = sourceSlot(j, outRots[k], n);
    return inPack.elemOfSlot[e.ct * n + sourceSlot(m, e.rot, n)];
  };
  /** Input channel of `src` if it is exactly (y + dy, x + dx) of the output at (y, x), else −1. */
  const matchChannel = (src: number, y: number, x: number, dy: number, dx: number): number => {
    if (src < 0) return -1;
    const i = Math.floor(src / (ih * iw));
    const r = src % (ih * iw);
    return Math.floor(r / iw) === y + dy && r % iw === x + dx ? i : -1;
  };

  /**
   * Does mask (e, b, k) hold a non-zero weight? Within one output channel of a packing the pairing
   * with an input channel is the same at every output position whose tap lands in the grid, so one
   * such position per channel decides (the executor re-checks every materialized mask).
   */
  const nonZero = (e: InRotation, b: number, k: number): boolean => {
    const { dy, dx } = conv.taps[e.tap];
    for (const g of groups[b]) {
      const p = g.find((q) => q.y + dy >= 0 && q.y + dy < igh && q.x + dx >= 0 && q.x + dx < igw);
      if (!p) continue;
      const i = matchChannel(sourceElem(e, k, p.slot), p.y, p.x, dy, dx);
      if (i >= 0 && conv.weight(p.o, i, e.tap) !== 0) return true;
    }
    return false;
  };

  const maskKeys: { e: InRotation; b: number; k: number }[] = [];
  const masks: MaskBank = {
    get count() {
      return maskKeys.length;
    },
    fill(idx, out) {
      const { e, b, k } = maskKeys[idx];
      const { dy, dx } = conv.taps[e.tap];
      for (const g of groups[b]) {
        for (const p of g) {
          const i = matchChannel(sourceElem(e, k, p.slot), p.y, p.x, dy, dx);
          if (i >= 0) out[sourceSlot(p.slot, outRots[k], n)] = BigInt(conv.weight(p.o, i, e.tap));
        }
      }
    },
  };

  const ops: HeOp[] = [];
  const rotations: Rotation[] = [];
  let nextReg = inPack.cts;
  const acc: (Reg | undefined)[][] = Array.from({ length: outPack.cts }, () => []);
  // Per input ct, identity rotations go last so the unrotated input is only NTT-transformed after
  // every rotation of it has been taken.
  const order = [...inRots].sort((p, q) =>
    p.ct - q.ct || Number(isIdentity(p.rot)) - Number(isIdentity(q.rot))
  );
  const nttIdentity = new Map<number, Reg>();
  /** Rotate (unless identity) and NTT-transform the input of rotation e; returns its register. */
  const emitRotation = (e: InRotation): Reg => {
    if (isIdentity(e.rot)) {
      const done = nttIdentity.get(e.ct);
      if (done !== undefined) return done;
      ops.push({ kind: "ntt", reg: e.ct });
      nttIdentity.set(e.ct, e.ct);
      return e.ct;
    }
    const src = nextReg++;
    ops.push({ kind: "rotate", dst: src, src: e.ct, rot: e.rot, side: "in" });
    rotations.push(e.rot);
    ops.push({ kind: "ntt", reg: src });
    return src;
  };
  /** acc[b][k] += src ⊙ mask(e, b, k); the first product initializes the accumulator. */
  const emitMac = (src: Reg, e: InRotation, b: number, k: number) => {
    const mask = maskKeys.push({ e, b, k }) - 1;
    const a = acc[b][k];
    if (a === undefined) {
      acc[b][k] = nextReg;
      ops.push({ kind: "mul", dst: nextReg++, src, mask });
    } else {
      const tmp = nextReg++;
      ops.push({ kind: "mul", dst: tmp, src, mask });
      ops.push({ kind: "add", dst: a, src: tmp });
    }
  };
  const work: { e: InRotation; consumers: [number, number][] }[] = [];
  const accumulators = new Set<number>();
  for (const e of order) {
    const consumers: [number, number][] = [];
    for (const b of e.targets) {
      for (let k = 0; k < outRots.length; k++) {
        if (stock || nonZero(e, b, k)) {
          consumers.push([b, k]);
          accumulators.add(b * outRots.length + k);
        }
      }
    }
    if (consumers.length > 0) work.push({ e, consumers });
  }
  // Loop order (same ops, same counts): keep the smaller side live and hot in cache. Few
  // accumulators (IR): rotation-major. Few rotated inputs (OR, c_n partial sums per output
  // ciphertext): accumulator-major, so each partial sum takes all its products while it is hot.
  if (accumulators.size <= work.length) {
    for (const { e, consumers } of work) {
      const src = emitRotation(e);
      for (const [b, k] of consumers) emitMac(src, e, b, k);
    }
  } else {
    const srcs = work.map(({ e }) => emitRotation(e));
    const byAcc = new Map<number, [number, InRotation][]>();
    work.forEach(({ e, consumers }, w) => {
      for (const [b, k] of consumers) {
        const id = b * outRots.length + k;
        let list = byAcc.get(id);
        if (!list) byAcc.set(id, list = []);
        list.push([w, e]);
      }
    });
    for (const id of [...byAcc.keys()].sort((p, q) => p - q)) {
      const b = Math.floor(id / outRots.length), k = id % outRots.length;
      for (const [w, e] of byAcc.get(id)!) emitMac(srcs[w], e, b, k);
    }
  }
  const outputs: (Reg | null)[] = [];
  for (let b = 0; b < outPack.cts; b++) {
    let out: Reg | null = null;
    for (let k = 0; k < outRots.length; k++) {
      const a = acc[b][k];
      if (a === undefined) continue;
      ops.push({ kind: "intt", reg: a });
      let part = a;
      if (!isIdentity(outRots[k])) {
        part = nextReg++;
        ops.push({ kind: "rotate", dst: part, src: a, rot: outRots[k], side: "out" });
        rotations.push(outRots[k]);
      }
      if (out === null) out = part;
      else ops.push({ kind: "add", dst: out, src: part });
    }
    outputs.push(out);
  }
  return { ops, masks, inputs: inPack.cts, outputs, rotations };
}
