/**
 * What Cheetah's three planners share: the options, the multiply-accumulate of one output
 * ciphertext (coefficient form as OpenCheetah runs it, or with NTTs hoisted), the output tail
 * (re-share, mod switch to one prime, extract and truncate) and the assembled `LayerPlan`.
 *
 * @module
 */
import {
  cheetahTruncationBits,
  type LayerPlan,
  type MaskBank,
  OpList,
  type Preset,
  type Reg,
} from "../../he/mod.ts";
import { UserError } from "../../base/mod.ts";

/** How Cheetah multiplies plaintext and ciphertext polynomials. */
export type CheetahMethod = "coeff" | "ntt";

/** Options of Cheetah's planners. */
export interface CheetahPlanOptions {
  /** A coefficient-encoded preset (`cheetah`, `cheetah-secure`, `cheetahPreset(ℓ)`). */
  readonly preset: Preset;
  /**
   * `coeff` (default): every product is SEAL's `multiply_plain` on coefficient-form operands, as
   * OpenCheetah calls it (SEAL transforms the plaintext and the ciphertext inside: 5 NTTs per
   * prime). `ntt`: input ciphertexts and weights are transformed once, each product is a dyadic
   * product, each output is transformed back once (the hoisted form).
   */
  readonly method?: string;
  /**
   * Multiply every weight polynomial or block, zero or not (the closed forms of the paper with no
   * pruning). Default false: all-zero products are skipped and an output with no product is not
   * returned (OpenCheetah skips all-zero conv kernels; it refuses all-zero channels and FC blocks).
   */
  readonly stock?: boolean;
}

/** The checked method of `opts` (an unknown name is one line naming both). */
export function cheetahMethod(opts: CheetahPlanOptions): CheetahMethod {
  const m = opts.method ?? "coeff";
  if (m === "auto") return "coeff";
  if (m !== "coeff" && m !== "ntt") {
    throw new UserError(
      `Unknown Cheetah method "${m}": use coeff (as OpenCheetah) or ntt (hoisted)`,
    );
  }
  return m;
}

/** The preset of `opts`, refused in one line unless it encodes coefficients. */
export function cheetahPresetOf(opts: CheetahPlanOptions): Preset {
  if (opts.preset.encoding !== "coefficient") {
    throw new UserError(
      `Preset "${opts.preset.name}" packs slots; Cheetah needs coefficient encoding: ` +
        `use --preset cheetah or cheetah-secure`,
    );
  }
  return opts.preset;
}

/**
 * Builds a Cheetah op list: inputs `0 .. inputs − 1` (NTT'd first under `ntt`), one accumulator
 * per output, then each output's tail.
 */
export class CheetahProgram {
  readonly ops = new OpList();
  readonly outputs: (Reg | null)[] = [];
  #next: number;
  readonly #ntt: boolean;
  readonly #bits: { c0Bits: number; c1Bits: number };

  constructor(readonly preset: Preset, readonly inputs: number, method: CheetahMethod) {
    this.#next = inputs;
    this.#ntt = method === "ntt";
    this.#bits = cheetahTruncationBits(preset);
    if (this.#ntt) { for (let a = 0; a < inputs; a++) this.ops.push({ kind: "ntt", reg: a }); }
  }

  /**
   * One output ciphertext: Σ input × mask over `terms` ([input register, mask] pairs; `scale`
   * multiplies by a constant mask instead), then its tail. No terms: the output is identically
   * zero and not returned.
   */
  output(terms: readonly (readonly [Reg, number])[], scale = false): void {
    const o = this.outputs.length;
    if (terms.length === 0) {
      this.outputs.push(null);
      return;
    }
    const acc = this.#next++;
    terms.forEach(([src, mask], i) => {
      const dst = i === 0 ? acc : this.#next++;
      if (scale) this.ops.push({ kind: "scale", dst, src, mask });
      else this.ops.pushMul(dst, src, mask);
      if (i > 0) this.ops.pushAdd(acc, dst);
    });
    if (this.#ntt && !scale) this.ops.push({ kind: "intt", reg: acc });
    // Re-share: the server's uniform mask R (public-key encrypted) is added before the switch to
    // one prime; then extraction keeps the coefficients the client reads, truncated.
    this.ops.push({ kind: "mask", reg: acc, switches: 0, output: o });
    this.ops.push({ kind: "modswitch", reg: acc });
    this.ops.push({ kind: "extract", reg: acc, output: o, ...this.#bits });
    this.outputs.push(acc);
  }

  /** Masks are NTT-form plaintexts under `ntt` (weights transformed once, offline). */
  get nttMasks(): boolean {
    return this.#ntt;
  }
}

/** The parts of a Cheetah `LayerPlan` a planner supplies. */
export interface CheetahPlanParts {
  readonly layer: string;
  readonly method: string;
  readonly stock: boolean;
  readonly geometry: Readonly<Record<string, number | string>>;
  readonly program: CheetahProgram;
  readonly masks: MaskBank;
  packInput(x: Float64Array): BigUint64Array[];
  /** Coefficient positions per output (shared by outputs of the same spatial block). */
  coefficientsOf(output: number): Int32Array;
  /** Where layer output i sits: [output ciphertext, coefficient]. */
  locate(i: number): readonly [number, number];
  /** Layer outputs. */
  readonly outputCount: number;
}

/** Assemble the `LayerPlan`: no rotations (so no Galois keys), one prime left on the way back. */
export function cheetahPlan(p: CheetahPlanParts): LayerPlan {
  const { program } = p;
  const preset = program.preset;
  const t = BigInt(preset.plainModulus);
  return {
    framework: "cheetah",
    preset,
    layer: p.layer,
    method: p.method,
    stock: p.stock,
    slots: preset.polyModulusDegree,
    geometry: p.geometry,
    inputs: program.inputs,
    outputs: program.outputs,
    ops: program.ops,
    masks: p.masks,
    keys: { kind: "exact", steps: [] },
    downPrimes: 1,
    packInput: p.packInput,
    coefficientsOf: p.coefficientsOf,
    unpackOutput: (outs) =>
      Float64Array.from({ length: p.outputCount }, (_, i) => {
        const [o, k] = p.locate(i);
        const ct = outs[o];
        return ct ? Number(ct[k] % t) : 0;
      }),
  };
}
