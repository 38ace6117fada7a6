/**
 * A `LayerPlan` is a linear layer compiled to a straight-line HE program: a list of ops over
 * ciphertext registers, plus the plaintext masks they use and the client-side packing. Planners
 * (in `frameworks/`) build plans without SEAL; `countPlan` counts them; the executor runs them and
 * records an `OpLedger` that must equal `countPlan`.
 *
 * @module
 */
import {
  isIdentity,
  type KeyPlan,
  type Rotation,
  rowKeySwitches,
  SEAL_CT_OVERHEAD,
} from "./galois.ts";
import type { Preset } from "./presets.ts";
import { scratchInt32, scratchUint8 } from "../base/mod.ts";

/** A ciphertext register. Registers `0 .. inputs − 1` hold the client's input ciphertexts. */
export type Reg = number;

/** One HE operation. Every op is exactly one evaluator call (a rotation with a swap is two). */
export type HeOp =
  /** `dst ← rotate(src)`: SEAL `rotateRows(step)` then, if `swap`, `rotateColumns`. */
  | {
    readonly kind: "rotate";
    readonly dst: Reg;
    readonly src: Reg;
    readonly rot: Rotation;
    /** "in": rotates a client input (GAZELLE hoists these); "out": rotates a partial sum. */
    readonly side: "in" | "out";
  }
  /** Transform `reg` to the NTT domain in place. */
  | { readonly kind: "ntt"; readonly reg: Reg }
  /** Transform `reg` back from the NTT domain in place. */
  | { readonly kind: "intt"; readonly reg: Reg }
  /** `dst ← src ⊙ mask` (plaintext × ciphertext, both in NTT form). */
  | { readonly kind: "mul"; readonly dst: Reg; readonly src: Reg; readonly mask: number }
  /** `dst ← dst + src`. */
  | { readonly kind: "add"; readonly dst: Reg; readonly src: Reg }
  /**
   * `dst ← src · mask` where the mask is a constant polynomial (one non-zero coefficient, at
   * degree 0): a scalar multiply of both ciphertext polynomials, coefficient by coefficient, with
   * no NTT (Cheetah's BatchNorm; SEAL's monomial path of `multiply_plain`). Coefficient form only.
   */
  | { readonly kind: "scale"; readonly dst: Reg; readonly src: Reg; readonly mask: number }
  /**
   * Cheetah's output extraction, in place, on a coefficient-form ciphertext at one data prime:
   * zero every coefficient of c0 the client does not read (`LayerPlan.coefficientsOf(output)`;
   * the decryption of the others is then unrelated to the server's result), then drop the
   * `c0Bits` low bits of c0 and the `c1Bits` low bits of c1, which lie below the decryption
   * threshold (`truncate_for_decryption`, OpenCheetah `hom_conv2d_ss.cc`).
   */
  | {
    readonly kind: "extract";
    readonly reg: Reg;
    readonly output: number;
    readonly c0Bits: number;
    readonly c1Bits: number;
  }
  /**
   * `dst ← Enc(0)`: a copy of the server's encryption of zero (made once per session, as SCI's
   * `zero`), at `level` mod switches below the top and in NTT form if `ntt`. Used only to
   * reproduce SCI's stock accumulators.
   */
  | { readonly kind: "zero"; readonly dst: Reg; readonly level: number; readonly ntt: boolean }
  /** Switch `reg` to the next modulus level (drops one data prime), in place. */
  | { readonly kind: "modswitch"; readonly reg: Reg }
  /**
   * Secret-share the output: the server encrypts a fresh uniform mask R (mod t in every slot) with
   * the public key, mod-switches it `switches` times to `reg`'s level and adds it. The client then
   * decrypts its share L(x) + R; the server keeps −R. `output` names the output it masks.
   */
  | {
    readonly kind: "mask";
    readonly reg: Reg;
    readonly switches: number;
    readonly output: number;
  }
  /**
   * SCI's noise flooding: add polynomials with i.i.d. uniform coefficients in [0, 2^bits) to both
   * ciphertext polynomials of `reg` (circuit privacy for the client's share), in place.
   */
  | { readonly kind: "flood"; readonly reg: Reg; readonly bits: number };

const KINDS = [
  "rotate",
  "ntt",
  "intt",
  "mul",
  "add",
  "scale",
  "extract",
  "zero",
  "modswitch",
  "mask",
  "flood",
] as const;
const KIND_CODE: Record<HeOp["kind"], number> = Object.fromEntries(
  KINDS.map((k, i) => [k, i]),
) as Record<
  HeOp["kind"],
  number
>;
// The codes the hot paths test.
const { rotate: ROTATE, mul: MUL, add: ADD, scale: SCALE, zero: ZERO } = KIND_CODE;
const { modswitch: MODSWITCH, mask: MASK } = KIND_CODE;

/**
 * The level of every register while a plan's ops are walked in order: inputs start at the top,
 * `modswitch` moves its register one level down, `zero` starts one at its level, and every other
 * op's result sits at its source's level. `step` takes an op in the column form of `OpList`
 * (`a`: dst or reg, `b`: src, `zero`'s level or `mask`'s switches) and says whether it runs below
 * the top.
 */
class LevelTracker {
  #depth = new Uint8Array(64);
  /** The level of the last op stepped, in mod switches below the top. */
  last = 0;

  #at(r: Reg): number {
    return r < this.#depth.length ? this.#depth[r] : 0;
  }

  #set(r: Reg, d: number): void {
    if (r >= this.#depth.length) {
      const next = new Uint8Array(Math.max(r + 1, 2 * this.#depth.length));
      next.set(this.#depth);
      this.#depth = next;
    }
    this.#depth[r] = d;
  }

  /** Step an op of kind `KINDS[code]`. */
  step(code: number, a: number, b: number): boolean {
    let d: number;
    switch (code) {
      case ROTATE:
      case MUL:
      case SCALE:
        d = this.#at(b);
        this.#set(a, d);
        break;
      case ZERO:
        d = b;
        this.#set(a, d);
        break;
      case MODSWITCH:
        d = this.#at(a);
        this.#set(a, d + 1);
        break;
      default:
        d = this.#at(a);
    }
    this.last = d;
    return d > 0;
  }
}

/**
 * A plan's op list, stored as typed columns (kind, up to four integer operands, rotations in a
 * table): large layers have millions of ops, and retained per-op objects would dominate planning
 * time in garbage collection. Reading yields ordinary `HeOp` objects.
 *
 * @example Ops go in as objects and come back as equal objects
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type HeOp, OpList } from "./plan.ts";
 *
 * const rotate: HeOp = { kind: "rotate", dst: 1, src: 0, rot: { step: 3, swap: false }, side: "in" };
 * const ops = new OpList();
 * ops.push(rotate);
 * ops.pushMul(2, 1, 0);
 * assertEquals(ops.length, 2);
 * assertEquals([...ops], [rotate, { kind: "mul", dst: 2, src: 1, mask: 0 }]);
 * ```
 */
export class OpList implements Iterable<HeOp> {
  #kind = new Uint8Array(256);
  #a = new Int32Array(256);
  #b = new Int32Array(256);
  #c = new Int32Array(256);
  #d = new Int32Array(256);
  #n = 0;
  #rots: Rotation[] = [];
  #rotIndex = new Map<string, number>();

  /** An op list holding `ops`. */
  static from(ops: Iterable<HeOp>): OpList {
    const list = new OpList();
    for (const op of ops) list.push(op);
    return list;
  }

  /** Number of ops. */
  get length(): number {
    return this.#n;
  }

  /**
   * Make room for `n` more ops at once (a planner that knows its size spares the list regrowing
   * and copying its columns; more ops than reserved still fit).
   */
  reserve(n: number): void {
    if (this.#n + n > this.#kind.length) this.#grow(this.#n + n);
  }

  #grow(atLeast = 0): void {
    const cap = Math.max(this.#kind.length * 2, atLeast);
    const g = <T extends Uint8Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(cap);
      next.set(old);
      return next;
    };
    this.#kind = g(this.#kind, scratchUint8);
    this.#a = g(this.#a, scratchInt32);
    this.#b = g(this.#b, scratchInt32);
    this.#c = g(this.#c, scratchInt32);
    this.#d = g(this.#d, scratchInt32);
  }

  #rot(r: Rotation): number {
    const key = `${r.step}:${r.swap}`;
    let i = this.#rotIndex.get(key);
    if (i === undefined) {
      i = this.#rots.push({ step: r.step, swap: r.swap }) - 1;
      this.#rotIndex.set(key, i);
    }
    return i;
  }

  #write(kind: HeOp["kind"], a: number, b: number, c: number, d: number): void {
    this.#writeCode(KIND_CODE[kind], a, b, c, d);
  }

  #writeCode(code: number, a: number, b: number, c: number, d: number): void {
    if (this.#n === this.#kind.length) this.#grow();
    const i = this.#n++;
    this.#kind[i] = code;
    this.#a[i] = a;
    this.#b[i] = b;
    this.#c[i] = c;
    this.#d[i] = d;
  }

  /** Append an op. */
  push(op: HeOp): void {
    switch (op.kind) {
      case "rotate":
        return this.#write("rotate", op.dst, op.src, this.#rot(op.rot), op.side === "in" ? 0 : 1);
      case "ntt":
      case "intt":
      case "modswitch":
        return this.#write(op.kind, op.reg, 0, 0, 0);
      case "mul":
        return this.pushMul(op.dst, op.src, op.mask);
      case "add":
        return this.pushAdd(op.dst, op.src);
      case "scale":
        return this.#write("scale", op.dst, op.src, op.mask, 0);
      case "extract":
        return this.#write("extract", op.reg, op.output, op.c0Bits, op.c1Bits);
      case "zero":
        return this.#write("zero", op.dst, op.level, op.ntt ? 1 : 0, 0);
      case "mask":
        return this.#write("mask", op.reg, op.switches, op.output, 0);
      case "flood":
        return this.#write("flood", op.reg, op.bits, 0, 0);
    }
  }

  /** Append `dst ← src ⊙ mask` (the hot path of planners: no op object). */
  pushMul(dst: Reg, src: Reg, mask: number): void {
    if (this.#n === this.#kind.length) this.#grow();
    const i = this.#n++;
    // Columns start zeroed and ops are only appended: an unused operand needs no write.
    this.#kind[i] = MUL;
    this.#a[i] = dst;
    this.#b[i] = src;
    this.#c[i] = mask;
  }

  /** Append `dst ← dst + src`. */
  pushAdd(dst: Reg, src: Reg): void {
    if (this.#n === this.#kind.length) this.#grow();
    const i = this.#n++;
    this.#kind[i] = ADD;
    this.#a[i] = dst;
    this.#b[i] = src;
  }

  /** Op `i`. */
  get(i: number): HeOp {
    const a = this.#a[i], b = this.#b[i], c = this.#c[i];
    switch (KINDS[this.#kind[i]]) {
      case "rotate":
        return {
          kind: "rotate",
          dst: a,
          src: b,
          rot: this.#rots[c],
          side: this.#d[i] === 0 ? "in" : "out",
        };
      case "ntt":
        return { kind: "ntt", reg: a };
      case "intt":
        return { kind: "intt", reg: a };
      case "modswitch":
        return { kind: "modswitch", reg: a };
      case "mul":
        return { kind: "mul", dst: a, src: b, mask: c };
      case "add":
        return { kind: "add", dst: a, src: b };
      case "scale":
        return { kind: "scale", dst: a, src: b, mask: c };
      case "extract":
        return { kind: "extract", reg: a, output: b, c0Bits: c, c1Bits: this.#d[i] };
      case "zero":
        return { kind: "zero", dst: a, level: b, ntt: c === 1 };
      case "mask":
        return { kind: "mask", reg: a, switches: b, output: c };
      case "flood":
        return { kind: "flood", reg: a, bits: b };
    }
  }

  /**
   * Tally every op into `c` by the rules of `tallyOp`, without materializing op objects:
   * `keySteps` are the steps with their own Galois key, `coeffMasks` says the masks multiply
   * coefficient-form ciphertexts.
   */
  tally(c: OpCounts, keySteps: ReadonlySet<number>, coeffMasks: boolean): void {
    const levels = new LevelTracker();
    // Ops of one kind at one level count alike: number them per (kind, level) and charge each
    // total once. Rotations and masks, whose charge depends on more than that, go one by one.
    const tallies = new Float64Array(2 * KINDS.length);
    for (let i = 0; i < this.#n; i++) {
      const code = this.#kind[i];
      const below = levels.step(code, this.#a[i], this.#b[i]);
      if (code === ROTATE || code === MASK) {
        tallyKind(
          c,
          KINDS[code],
          code === ROTATE ? this.#rots[this.#c[i]] : null,
          this.#d[i] === 0,
          code === MASK ? this.#b[i] : 0,
          keySteps,
          coeffMasks,
          below,
        );
      } else tallies[2 * code + (below ? 1 : 0)]++;
    }
    for (let code = 0; code < KINDS.length; code++) {
      for (const below of [false, true]) {
        const n = tallies[2 * code + (below ? 1 : 0)];
        if (n > 0) tallyKind(c, KINDS[code], null, false, 0, keySteps, coeffMasks, below, n);
      }
    }
  }

  /**
   * The level each op runs at, as mod switches below the top (0: the preset's full data
   * primes): what `tally` charges `_down` counters by. A `mask` op's level is its register's.
   */
  depths(): Uint8Array {
    const levels = new LevelTracker();
    const out = new Uint8Array(this.#n);
    for (let i = 0; i < this.#n; i++) {
      levels.step(this.#kind[i], this.#a[i], this.#b[i]);
      out[i] = levels.last;
    }
    return out;
  }

  /** Call `fn` on every op in order. */
  forEach(fn: (op: HeOp, i: number) => void): void {
    for (let i = 0; i < this.#n; i++) fn(this.get(i), i);
  }

  /** The ops in order, as `HeOp` objects. */
  *[Symbol.iterator](): Iterator<HeOp> {
    for (let i = 0; i < this.#n; i++) yield this.get(i);
  }
}

/** Plaintext masks of a plan, built on demand (a mask has `slots` signed values). */
export interface MaskBank {
  /** Number of masks; `mul` ops name them by index 0 .. count − 1. */
  readonly count: number;
  /** False if the masks multiply coefficient-form ciphertexts (default: NTT form). */
  readonly ntt?: boolean;
  /** Write mask `i` into `out` (length = slots, zero-filled by the caller). */
  fill(i: number, out: BigInt64Array): void;
  /**
   * The non-zero weights mask `i` is made of, one entry per weight it holds (a fast path of
   * `fill` for pruning: with weights set to their index + 1 it names the weights of a product).
   */
  weightsOf?(i: number): number[];
}

/** A linear layer compiled for one framework and preset. */
export interface LayerPlan {
  /** The framework whose algorithm the plan follows (`gazelle`, `cryptflow2`, …). */
  readonly framework: string;
  /** The BFV parameter set the plan is laid out for (N slots, t). */
  readonly preset: Preset;
  /** Stable layer name (e.g. `conv:h=16,...` or `features.3`). */
  readonly layer: string;
  /** Conv method (`ir`, `or`) or FC method (`hybrid`). */
  readonly method: string;
  /** True if the plan reproduces the framework's stock behaviour (nothing skipped). */
  readonly stock: boolean;
  /** Slots per ciphertext (the preset's N). */
  readonly slots: number;
  /** Framework geometry shown to users (channels per ciphertext, diagonals, phases, …). */
  readonly geometry: Readonly<Record<string, number | string>>;
  /** Number of input ciphertexts (registers 0 .. inputs − 1). */
  readonly inputs: number;
  /** Register holding each output ciphertext, or null for an output that is identically zero. */
  readonly outputs: readonly (Reg | null)[];
  /** The server's program: straight-line HE ops over registers. */
  readonly ops: OpList;
  /** The plaintext masks `mul` ops multiply by (the layer's weights, packed). */
  readonly masks: MaskBank;
  /** The Galois keys the client generates for the plan's rotations. */
  readonly keys: KeyPlan;
  /** Data primes left in the returned ciphertexts (they may be mod-switched down). */
  readonly downPrimes: number;
  /** Client side: pack an input tensor (values mod t, layout of the layer) into slot vectors. */
  packInput(x: Float64Array): BigUint64Array[];
  /** Client side: read the output tensor (values mod t) from decrypted slot vectors. */
  unpackOutput(cts: readonly (BigUint64Array | null)[]): Float64Array;
  /**
   * Coefficient-encoded plans (Cheetah): the coefficients of output ciphertext `output` that
   * `unpackOutput` reads, ascending; `extract` ops keep these and zero the rest.
   */
  coefficientsOf?(output: number): Int32Array;
}

/** HE op counts. The same shape is used for planned counts and for executed ledgers. */
export interface OpCounts {
  /** Input-side automorphisms (GAZELLE's hoistable Perm). A rotation plus swap counts once. */
  perm_in: number;
  /** Output-side automorphisms (rotations of partial sums). */
  perm_out: number;
  /** SEAL `rotateRows` calls (non-zero steps). */
  rotate_rows: number;
  /** SEAL `rotateColumns` calls. */
  rotate_columns: number;
  /** Key switches performed under the plan's Galois keys. */
  key_switches: number;
  /** Plaintext × ciphertext multiplications. */
  mult: number;
  /** Of `mult`, those done in coefficient form (the rest multiply NTT-form operands). */
  mult_coeff: number;
  /** Ciphertext + ciphertext additions (accumulators start from their first product). */
  add: number;
  /** Ciphertext × scalar (a constant plaintext: 2 · primes · N modular products, no NTT). */
  mult_scalar: number;
  /** Output extractions (unused coefficients zeroed, low bits truncated: Cheetah). */
  extract: number;
  /** Forward NTT transforms of ciphertexts. */
  ntt: number;
  /** Inverse NTT transforms of ciphertexts. */
  intt: number;
  /** Ciphertexts the client uploads. */
  cts_up: number;
  /** Ciphertexts the server returns. */
  cts_down: number;
  /** Modulus switches (ciphertext drops a data prime). */
  mod_switch: number;
  /** Additions of the server's output mask (secret sharing), not counted in `add`. */
  add_mask: number;
  /** Encryptions by the server (output masks). */
  enc_server: number;
  /** Noise floodings of output ciphertexts. */
  flood: number;
  /**
   * Of `key_switches`, those done below the top level (on a ciphertext mod-switched at least
   * once: fewer data primes, cheaper). Present only when above 0, as every `_down` counter:
   * counts of plans that never work below the top (and results written before) lack them.
   */
  key_switches_down?: number;
  /** Of `mult`, those done below the top level. */
  mult_down?: number;
  /** Of `mult_coeff`, those done below the top level. */
  mult_coeff_down?: number;
  /** Of `mult_scalar`, those done below the top level. */
  mult_scalar_down?: number;
  /** Of `add`, those done below the top level. */
  add_down?: number;
  /** Of `add_mask`, those done below the top level. */
  add_mask_down?: number;
  /** Of `ntt`, those done below the top level. */
  ntt_down?: number;
  /** Of `intt`, those done below the top level. */
  intt_down?: number;
  /** Of `mod_switch`, those starting below the top level (a second switch and later). */
  mod_switch_down?: number;
  /** Of `flood`, those done below the top level. */
  flood_down?: number;
}

/**
 * The counters whose cost depends on the level an op runs at (the data primes of its
 * ciphertext): each has a `<name>_down` twin in `OpCounts` counting those done below the top.
 *
 * @example Key switches are level-aware; transfers are not
 * ```ts
 * import { assert } from "@std/assert";
 * import { LEVEL_COUNTERS } from "./plan.ts";
 *
 * assert(LEVEL_COUNTERS.includes("key_switches"));
 * assert(!(LEVEL_COUNTERS as readonly string[]).includes("cts_up"));
 * ```
 */
export const LEVEL_COUNTERS = [
  "key_switches",
  "mult",
  "mult_coeff",
  "mult_scalar",
  "add",
  "add_mask",
  "ntt",
  "intt",
  "mod_switch",
  "flood",
] as const;

/** A level-aware counter of `OpCounts`. */
export type LevelCounter = typeof LEVEL_COUNTERS[number];

/** The `_down` twin of each level-aware counter. */
export type DownCounter = `${LevelCounter}_down`;

/** Every `_down` counter name, in `LEVEL_COUNTERS` order. */
const DOWN_COUNTERS = LEVEL_COUNTERS.map((k) => `${k}_down` as DownCounter);

/**
 * Count `n` ops of `counter` into `c`, at the top level (`below` false) or below it: the total
 * always, the `_down` twin too when below.
 *
 * @example A key switch after a mod switch counts in both
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { countAt, zeroCounts } from "./plan.ts";
 *
 * const c = zeroCounts();
 * countAt(c, "key_switches", 2, false);
 * countAt(c, "key_switches", 1, true);
 * assertEquals([c.key_switches, c.key_switches_down], [3, 1]);
 * ```
 */
export function countAt(c: OpCounts, counter: LevelCounter, n: number, below: boolean): void {
  c[counter] += n;
  if (below && n !== 0) {
    const d = `${counter}_down` as DownCounter;
    c[d] = (c[d] ?? 0) + n;
  }
}

/**
 * An all-zero `OpCounts`.
 *
 * @example Every field is zero
 * ```ts
 * import { assert } from "@std/assert";
 * import { zeroCounts } from "./plan.ts";
 *
 * assert(Object.values(zeroCounts()).every((v) => v === 0));
 * ```
 */
export function zeroCounts(): OpCounts {
  return {
    perm_in: 0,
    perm_out: 0,
    rotate_rows: 0,
    rotate_columns: 0,
    key_switches: 0,
    mult: 0,
    mult_coeff: 0,
    add: 0,
    mult_scalar: 0,
    extract: 0,
    ntt: 0,
    intt: 0,
    cts_up: 0,
    cts_down: 0,
    mod_switch: 0,
    add_mask: 0,
    enc_server: 0,
    flood: 0,
  };
}

/**
 * Add `b` into `a` field by field; returns `a`.
 *
 * @example Totals of two layers
 * ```ts
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { addCounts, zeroCounts } from "./plan.ts";
 *
 * const total = { ...zeroCounts(), add: 1, mult: 3 };
 * assertStrictEquals(addCounts(total, { ...zeroCounts(), add: 2 }), total);
 * assertEquals([total.add, total.mult], [3, 3]);
 * ```
 */
export function addCounts(a: OpCounts, b: OpCounts): OpCounts {
  for (const k of TOTALS) a[k] += b[k];
  for (const k of DOWN_COUNTERS) {
    const v = (a[k] ?? 0) + (b[k] ?? 0);
    if (v !== 0) a[k] = v;
    else delete a[k];
  }
  return a;
}

/**
 * Subtract `b` from `a` field by field; returns `a` (a `_down` counter that reaches 0 is
 * dropped, as counts keep them only above 0).
 *
 * @example What one structure's zeroing deletes
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { subCounts, zeroCounts } from "./plan.ts";
 *
 * const before = { ...zeroCounts(), key_switches: 3, key_switches_down: 1 };
 * const after = { ...zeroCounts(), key_switches: 2, key_switches_down: 1 };
 * assertEquals(subCounts(before, after), { ...zeroCounts(), key_switches: 1 });
 * ```
 */
export function subCounts(a: OpCounts, b: OpCounts): OpCounts {
  for (const k of TOTALS) a[k] -= b[k];
  for (const k of DOWN_COUNTERS) {
    const v = (a[k] ?? 0) - (b[k] ?? 0);
    if (v !== 0) a[k] = v;
    else delete a[k];
  }
  return a;
}

/** A counter every `OpCounts` has (the `_down` ones are optional). */
type TotalCounter = Exclude<keyof OpCounts, DownCounter>;

/** The counters every `OpCounts` has. */
const TOTALS = Object.keys(zeroCounts()) as TotalCounter[];

/**
 * Tally one op into `c`: the counting rule `countPlan` applies to every op of a plan (and the
 * plaintext simulator to every op it walks), for callers that count a subset of a plan's ops.
 * `keySteps` are the steps that have their own Galois key (a row rotation by another step costs
 * one key switch per NAF digit); `coeffMasks` says the plan's masks multiply coefficient-form
 * ciphertexts (`MaskBank.ntt === false`); `depth` is the op's level in mod switches below the top
 * (`OpList.depths`), which charges it to the `_down` counters too. The executor keeps its own
 * ledger of the SEAL calls it makes, levels read from the ciphertexts; the tests check it equals
 * these counts.
 *
 * @example A rotation with a swap under its own key: one Perm, two key switches
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { tallyOp, zeroCounts } from "./plan.ts";
 *
 * const c = zeroCounts();
 * tallyOp(c, { kind: "rotate", dst: 1, src: 0, rot: { step: 3, swap: true }, side: "in" }, new Set([3, 0]));
 * assertEquals([c.perm_in, c.rotate_rows, c.rotate_columns, c.key_switches], [1, 1, 1, 2]);
 * ```
 */
export function tallyOp(
  c: OpCounts,
  op: HeOp,
  keySteps: ReadonlySet<number>,
  coeffMasks = false,
  depth = 0,
): void {
  const rot = op.kind === "rotate" ? op.rot : null;
  const sideIn = op.kind === "rotate" && op.side === "in";
  const switches = op.kind === "mask" ? op.switches : 0;
  tallyKind(c, op.kind, rot, sideIn, switches, keySteps, coeffMasks, depth > 0);
}

/**
 * The counting rule of every op kind (used by `tallyOp` and by `OpList.tally`), for `n` ops of
 * the kind at one level (one op of a rotation or mask: their charge depends on `rot`, `sideIn`
 * and `switches`).
 */
function tallyKind(
  c: OpCounts,
  kind: HeOp["kind"],
  rot: Rotation | null,
  sideIn: boolean,
  switches: number,
  keySteps: ReadonlySet<number>,
  coeffMasks: boolean,
  below: boolean,
  n = 1,
): void {
  switch (kind) {
    case "rotate": {
      if (!rot || isIdentity(rot)) throw new Error("plan bug: identity rotation op");
      if (sideIn) c.perm_in++;
      else c.perm_out++;
      if (rot.step !== 0) {
        c.rotate_rows++;
        countAt(c, "key_switches", rowKeySwitches(rot.step, keySteps), below);
      }
      if (rot.swap) {
        c.rotate_columns++;
        countAt(c, "key_switches", 1, below);
      }
      return;
    }
    case "ntt":
      countAt(c, "ntt", n, below);
      return;
    case "intt":
      countAt(c, "intt", n, below);
      return;
    case "mul":
      countAt(c, "mult", n, below);
      if (coeffMasks) countAt(c, "mult_coeff", n, below);
      return;
    case "add":
      countAt(c, "add", n, below);
      return;
    case "scale":
      countAt(c, "mult_scalar", n, below);
      return;
    case "extract":
      c.extract += n;
      return;
    case "zero":
      return;
    case "modswitch":
      countAt(c, "mod_switch", n, below);
      return;
    case "mask":
      // The mask is encrypted at the top and switched down to its register's level.
      c.enc_server++;
      if (switches > 0) {
        countAt(c, "mod_switch", 1, false);
        countAt(c, "mod_switch", switches - 1, true);
      }
      countAt(c, "add_mask", 1, below);
      return;
    case "flood":
      countAt(c, "flood", n, below);
      return;
  }
}

const countCache = new WeakMap<LayerPlan, OpCounts>();

/**
 * Count a plan's HE ops without running anything (plans are immutable: each is counted once).
 *
 * @example GAZELLE's input-rotation convolution of a 5 × 5 kernel
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { countPlan } from "./plan.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=28,w=28,ci=1,co=5,k=5"), 1);
 * const c = countPlan(planGazelle(layer, { preset: getPreset("gazelle"), method: "ir", stock: true }).parts[0]);
 * assertEquals([c.perm_in, c.mult, c.cts_up], [49, 150, 1]);
 * ```
 */
export function countPlan(plan: LayerPlan): OpCounts {
  const hit = countCache.get(plan);
  if (hit) return { ...hit };
  const c = zeroCounts();
  const keySteps = new Set(plan.keys.steps);
  plan.ops.tally(c, keySteps, plan.masks.ntt === false);
  c.cts_up = plan.inputs;
  c.cts_down = plan.outputs.filter((o) => o !== null).length;
  countCache.set(plan, c);
  return { ...c };
}

/**
 * Bytes of one uncompressed serialized ciphertext at N = `slots` with `dataPrimes` primes (SEAL 4
 * format): two polynomials of 8-byte coefficients per prime, plus a 113-byte header.
 *
 * @example A fresh ciphertext of the `gazelle` preset (N = 2048, two data primes)
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ciphertextBytes } from "./plan.ts";
 *
 * assertEquals(ciphertextBytes(2048, 2), 113 + 2 * 2 * 2048 * 8);
 * ```
 */
export function ciphertextBytes(slots: number, dataPrimes: number): number {
  return SEAL_CT_OVERHEAD + 2 * slots * dataPrimes * 8;
}

/**
 * A layer as one or more independent HE plans whose outputs add up mod t (SCI runs every stride
 * phase as its own convolution, possibly at its own N). GAZELLE layers have one part.
 */
export interface LayerProgram {
  /** The framework whose algorithm the parts follow. */
  readonly framework: string;
  /** Stable layer name (as `LayerPlan.layer`). */
  readonly layer: string;
  /** Conv or FC method of the layer (as `LayerPlan.method`). */
  readonly method: string;
  /** True if every part reproduces the framework's stock behaviour. */
  readonly stock: boolean;
  /** Framework geometry of the whole layer (per-part geometry is in `parts[i].geometry`). */
  readonly geometry: Readonly<Record<string, number | string>>;
  /** The independent plans; their outputs add up mod t to the layer output. */
  readonly parts: readonly LayerPlan[];
}

/**
 * A one-part program.
 *
 * @example A GAZELLE FC plan as a program
 * ```ts
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { programOf } from "./plan.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelleFc } from "../frameworks/mod.ts";
 *
 * const plan = planGazelleFc(
 *   { name: "fc", shape: { kind: "fc", in: 4, out: 2 }, weights: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
 *   { preset: getPreset("gazelle") },
 * ).parts[0];
 * const program = programOf(plan);
 * assertEquals(program.parts.length, 1);
 * assertStrictEquals(program.parts[0], plan);
 * assertEquals(program.layer, plan.layer);
 * ```
 */
export function programOf(plan: LayerPlan): LayerProgram {
  return {
    framework: plan.framework,
    layer: plan.layer,
    method: plan.method,
    stock: plan.stock,
    geometry: plan.geometry,
    parts: [plan],
  };
}

/**
 * Counts of all parts of a program, added field by field.
 *
 * @example A one-part program counts as its plan
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { countPlan, countProgram, programOf } from "./plan.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelleFc } from "../frameworks/mod.ts";
 *
 * const plan = planGazelleFc(
 *   { name: "fc", shape: { kind: "fc", in: 4, out: 2 }, weights: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
 *   { preset: getPreset("gazelle") },
 * ).parts[0];
 * assertEquals(countProgram(programOf(plan)), countPlan(plan));
 * ```
 */
export function countProgram(program: LayerProgram): OpCounts {
  const total = zeroCounts();
  for (const p of program.parts) addCounts(total, countPlan(p));
  return total;
}
