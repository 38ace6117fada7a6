/**
 * BFV parameter sets ("presets") as data. A preset fixes the ring degree N (= batching slots), the
 * coefficient modulus primes (the last one is SEAL's special key-switching prime) and the plaintext
 * modulus t, a batching prime (t ≡ 1 mod 2N).
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
  /** Plaintext modulus t, a batching prime. */
  readonly plainModulus: number;
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
};

/**
 * Names of the built-in presets.
 *
 * @example The three built-in presets
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { presetNames } from "./presets.ts";
 *
 * assertEquals(presetNames(), ["gazelle", "gazelle-secure", "cryptflow2"]);
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
 * assertThrows(() => getPreset("bfv"), UserError, "use one of gazelle, gazelle-secure, cryptflow2");
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
