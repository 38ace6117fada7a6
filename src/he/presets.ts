/**
 * BFV parameter sets ("presets") as data. A preset fixes the ring degree N (= batching slots), the
 * coefficient modulus primes (the last one is SEAL's special key-switching prime) and the plaintext
 * modulus t: a batching prime (t ≡ 1 mod 2N) for slot-encoded presets, any t (Cheetah's 2^ℓ) for
 * coefficient-encoded ones.
 *
 * @module
 */
import { UserError } from "../base/mod.ts";

/** One BFV parameter set. */
export interface Preset {
  /** Name used on the command line and in reports. */
  readonly name: string;
  /** Polynomial modulus degree N; also the number of batching slots. */
  readonly polyModulusDegree: number;
  /** Bit sizes of the coefficient-modulus primes; the last is the special (key-switching) prime. */
  readonly coeffModulusBits: readonly number[];
  /** Plaintext modulus t: a batching prime, or any t < 2^53 for coefficient encoding. */
  readonly plainModulus: number;
  /**
   * How plaintexts carry values: `batch` (default) as N SIMD slots (SEAL's BatchEncoder), or
   * `coefficient` as the N coefficients of the plaintext polynomial (Cheetah: no batching, so t
   * need not be prime, and a product of plaintext and ciphertext is a nega-cyclic convolution).
   */
  readonly encoding?: "batch" | "coefficient";
  /** SEAL security level enforced when the context is built: 128 or 0 (none). */
  readonly securityBits: 128 | 0;
  /** A layer whose decrypted output keeps fewer bits of noise budget than this fails. */
  readonly minNoiseBudgetBits: number;
  /** Why this parameter set exists. */
  readonly note: string;
}

/**
 * GAZELLE's plaintext prime p = 557057 (20 bits, `params.cpp` of gazelle_mpc). 557057 − 1 = 17·2^15,
 * so it is a batching prime for every N ≤ 16384.
 */
const GAZELLE_P = 557057;

/**
 * SCI's plaintext primes by bit length ℓ (`default_prime_mod` in EzPC's SCI): ℓ-bit primes with
 * p ≡ 1 (mod 2^17), so batching works for every N ≤ 65536.
 *
 * @example The 37-bit prime is 1 mod 2^17
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SCI_PRIME_MOD } from "./presets.ts";
 *
 * assertEquals(SCI_PRIME_MOD[37], 137352314881);
 * assertEquals(SCI_PRIME_MOD[37] % 2 ** 17, 1);
 * ```
 */
export const SCI_PRIME_MOD: Readonly<Record<number, number>> = {
  32: 4293918721,
  33: 8585084929,
  34: 17171218433,
  35: 34359214081,
  36: 68686184449,
  37: 137352314881,
  38: 274824036353,
  39: 549753716737,
  40: 1099480956929,
  41: 2198100901889,
};

/**
 * SCI's default share bit length ℓ (SCI's ResNet-50 uses 37).
 *
 * @example 37 bits
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SCI_DEFAULT_BITS } from "./presets.ts";
 *
 * assertEquals(SCI_DEFAULT_BITS, 37);
 * ```
 */
export const SCI_DEFAULT_BITS = 37;

/**
 * The CrypTFlow2 (SCI-HE) parameter set for `bits`-bit shares ℓ (32..41, default 37, SCI's
 * default) at N = `slots` (default 8192): q = {60, 60, 60, 38} bits (`utils-HE.cpp`), 218 bits,
 * within the 128-bit bound for every N ≥ 8192; t is `SCI_PRIME_MOD[bits]`. The name records
 * any non-default ℓ and N.
 *
 * @example The default is the built-in `cryptflow2`; other widths and rings are named
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { cryptflow2Preset, getPreset } from "./presets.ts";
 *
 * assertEquals(cryptflow2Preset(), getPreset("cryptflow2"));
 * const p = cryptflow2Preset(41, 16384);
 * assertEquals([p.name, p.plainModulus], ["cryptflow2-l41-N16384", 2198100901889]);
 * ```
 */
export function cryptflow2Preset(bits = SCI_DEFAULT_BITS, slots = 8192): Preset {
  const t = SCI_PRIME_MOD[bits];
  if (t === undefined) {
    throw new UserError(`SCI share bit length must be 32..41 (got ${bits})`);
  }
  const name = `cryptflow2${bits === SCI_DEFAULT_BITS ? "" : `-l${bits}`}${
    slots === 8192 ? "" : `-N${slots}`
  }`;
  return {
    name,
    polyModulusDegree: slots,
    coeffModulusBits: [60, 60, 60, 38],
    plainModulus: t,
    securityBits: 128,
    minNoiseBudgetBits: 4,
    note: `SCI-HE parameters: N = ${slots}, q = {60, 60, 60, 38}, ${bits}-bit plaintext prime`,
  };
}

/**
 * Cheetah's default share bit length ℓ (t = 2^37, the bit length of the maintainer's ResNet-50
 * run in OpenCheetah issue #26).
 *
 * @example 37 bits
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CHEETAH_DEFAULT_BITS } from "./presets.ts";
 *
 * assertEquals(CHEETAH_DEFAULT_BITS, 37);
 * ```
 */
export const CHEETAH_DEFAULT_BITS = 37;

/**
 * The Cheetah parameter set for `bits`-bit shares ℓ (2..52, default 37): BFV with coefficient
 * encoding, plaintext modulus t = 2^ℓ used directly (no batching), data modulus {60, 49} bits
 * (OpenCheetah `SCI/src/cheetah/cheetah-api.cpp`, `CheetahLinear`).
 *
 * - `secure = false` (`cheetah`): N = 4096 as Cheetah. Cheetah's patched SEAL 3.7 keeps no special
 *   prime; stock SEAL 4 needs one, so q = {60, 49, 60} = 169 bits, above the 109-bit bound of
 *   128-bit security at N = 4096: security level none, labelled NOT 128-bit secure (the data
 *   level, which every ciphertext of the layer lives at, is Cheetah's own).
 * - `secure = true` (`cheetah-secure`): the same moduli at N = 8192 (≤ 218 bits: 128-bit secure),
 *   with N = 8192's block geometry (more channels per ciphertext).
 *
 * The name records a non-default ℓ (`cheetah-l41`, `cheetah-secure-l41`).
 *
 * @example The defaults are the built-in presets; other widths are named
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { cheetahPreset, getPreset, securityLabel } from "./presets.ts";
 *
 * assertEquals(cheetahPreset(), getPreset("cheetah"));
 * assertEquals(cheetahPreset(37, true), getPreset("cheetah-secure"));
 * const p = cheetahPreset(41);
 * assertEquals([p.name, p.plainModulus, p.encoding], ["cheetah-l41", 2 ** 41, "coefficient"]);
 * assertEquals(securityLabel(p), "NOT 128-bit secure (security level none, N = 4096, log q = 169)");
 * ```
 */
export function cheetahPreset(bits = CHEETAH_DEFAULT_BITS, secure = false): Preset {
  if (!Number.isInteger(bits) || bits < 2 || bits > 52) {
    throw new UserError(`Cheetah share bit length must be an integer in 2..52 (got ${bits})`);
  }
  const slots = secure ? 8192 : 4096;
  const name = `cheetah${secure ? "-secure" : ""}${
    bits === CHEETAH_DEFAULT_BITS ? "" : `-l${bits}`
  }`;
  return {
    name,
    polyModulusDegree: slots,
    coeffModulusBits: [60, 49, 60],
    plainModulus: 2 ** bits,
    encoding: "coefficient",
    securityBits: secure ? 128 : 0,
    // Cheetah's truncation of the returned ciphertexts spends all but about a bit of the noise
    // budget on purpose (the low bits it drops are below the decryption threshold); exactness is
    // what the executor's comparison with the reference checks.
    minNoiseBudgetBits: 0,
    note: `Cheetah's parameters: N = ${slots}, data q = {60, 49} (+ a 60-bit special prime), ` +
      `t = 2^${bits}, coefficient encoding` +
      (secure ? " (128-bit secure)" : "; 169-bit q at N = 4096 is NOT 128-bit secure"),
  };
}

/**
 * The same parameter set at ring degree N = `slots` (SCI grows N for large maps); the name gets
 * an `-N<slots>` suffix. The same preset object if N is unchanged.
 *
 * @example CrypTFlow2's parameters at N = 16384
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { getPreset, withSlots } from "./presets.ts";
 *
 * const big = withSlots(getPreset("cryptflow2"), 16384);
 * assertEquals([big.name, big.polyModulusDegree], ["cryptflow2-N16384", 16384]);
 * ```
 */
export function withSlots(p: Preset, slots: number): Preset {
  if (slots === p.polyModulusDegree) return p;
  const base = p.name.replace(/-N[0-9]+$/, "");
  return { ...p, name: `${base}-N${slots}`, polyModulusDegree: slots };
}

/**
 * Built-in presets by name.
 *
 * @example gazelle-secure is 128-bit secure
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { PRESETS } from "./presets.ts";
 *
 * assertEquals(PRESETS["gazelle-secure"].securityBits, 128);
 * ```
 */
export const PRESETS: Readonly<Record<string, Preset>> = {
  gazelle: {
    name: "gazelle",
    polyModulusDegree: 2048,
    // SEAL needs a special prime to key-switch, and 128-bit security at N = 2048 allows a single
    // 54-bit prime (no rotations at all). GAZELLE's own n = 2048 geometry therefore needs security
    // level none; {60, 40} data primes keep ≥ 30 bits of budget after the deepest VGG/ResNet layers.
    coeffModulusBits: [60, 40, 60],
    plainModulus: GAZELLE_P,
    securityBits: 0,
    minNoiseBudgetBits: 4,
    note: "GAZELLE's n = 2048 slot geometry; 160-bit q at N = 2048 is NOT 128-bit secure",
  },
  "gazelle-secure": {
    name: "gazelle-secure",
    polyModulusDegree: 4096,
    // SEAL's BFVDefault(4096): 109 bits, the 128-bit maximum at N = 4096.
    coeffModulusBits: [36, 36, 37],
    plainModulus: GAZELLE_P,
    securityBits: 128,
    minNoiseBudgetBits: 4,
    note: "GAZELLE's algorithms at N = 4096, 128-bit secure (HE standard)",
  },
  cryptflow2: cryptflow2Preset(),
  cheetah: cheetahPreset(),
  "cheetah-secure": cheetahPreset(CHEETAH_DEFAULT_BITS, true),
};

/**
 * Names of the built-in presets.
 *
 * @example The five built-in presets
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { presetNames } from "./presets.ts";
 *
 * assertEquals(presetNames(), ["gazelle", "gazelle-secure", "cryptflow2", "cheetah", "cheetah-secure"]);
 * ```
 */
export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/**
 * The built-in preset called `name`; a `UserError` listing the known presets otherwise.
 *
 * @example GAZELLE's ring, and an unknown name
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { getPreset } from "./presets.ts";
 * import { UserError } from "../base/mod.ts";
 *
 * assertEquals(getPreset("gazelle").polyModulusDegree, 2048);
 * assertThrows(() => getPreset("bfv"), UserError, "use one of gazelle, gazelle-secure, cryptflow2, cheetah");
 * ```
 */
export function getPreset(name: string): Preset {
  const p = PRESETS[name];
  if (!p) {
    throw new UserError(`Unknown preset "${name}": use one of ${presetNames().join(", ")}`);
  }
  return p;
}

/**
 * Human label of a preset's security, shown wherever its results appear.
 *
 * @example Secure, and not
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { getPreset, securityLabel } from "./presets.ts";
 *
 * assertEquals(securityLabel(getPreset("gazelle-secure")), "128-bit secure");
 * assertEquals(
 *   securityLabel(getPreset("gazelle")),
 *   "NOT 128-bit secure (security level none, N = 2048, log q = 160)",
 * );
 * ```
 */
export function securityLabel(p: Preset): string {
  return p.securityBits === 128
    ? "128-bit secure"
    : `NOT 128-bit secure (security level none, N = ${p.polyModulusDegree}, ` +
      `log q = ${p.coeffModulusBits.reduce((a, b) => a + b, 0)})`;
}

/**
 * Low bits Cheetah drops from a returned ciphertext (at its last data prime q0) before sending it:
 * `c0Bits` of c0, `c1Bits` of c1 (OpenCheetah `hom_conv2d_ss.cc`, `truncate_for_decryption`).
 * With Δ = ⌊q0 / t⌋ of n_Δ = bits(q0) − bits(t) bits, c0 loses n_Δ − 1 bits (one more for a t
 * that is not a power of two), c1 loses n_Δ − ⌊log2(12 · N · √(1/18))⌋ bits, so the error both
 * add stays below Δ / 2 except with probability about 2^−40 (the upstream comment's bound).
 *
 * @example t = 2^37, q0 = 60 bits, N = 4096: 21 bits of c0, 9 of c1
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { cheetahTruncationBits, getPreset } from "./presets.ts";
 *
 * assertEquals(cheetahTruncationBits(getPreset("cheetah")), { c0Bits: 21, c1Bits: 9 });
 * assertEquals(cheetahTruncationBits(getPreset("cheetah-secure")), { c0Bits: 21, c1Bits: 8 });
 * ```
 */
export function cheetahTruncationBits(p: Preset): { c0Bits: number; c1Bits: number } {
  const t = p.plainModulus;
  const tBits = Math.floor(Math.log2(t)) + 1;
  const deltaBits = p.coeffModulusBits[0] - tBits;
  const powerOfTwo = Number.isInteger(Math.log2(t));
  const varBits = Math.floor(Math.log2(12 * p.polyModulusDegree * Math.sqrt(1 / 18)));
  return {
    c0Bits: Math.max(0, deltaBits - 1 - (powerOfTwo ? 0 : 1)),
    c1Bits: Math.max(0, deltaBits - varBits),
  };
}
