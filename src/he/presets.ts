/**
 * BFV parameter sets ("presets") as data. A preset fixes the ring degree N (= batching slots), the
 * coefficient modulus primes (the last one is SEAL's special key-switching prime) and the plaintext
 * modulus t, a batching prime (t ≡ 1 mod 2N).
 *
 * @module
 */

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
 * @example
 * ```ts
 * import { SCI_PRIME_MOD } from "./presets.ts";
 *
 * if (SCI_PRIME_MOD[37] !== 137352314881) throw new Error();
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
 * @example
 * ```ts
 * import { SCI_DEFAULT_BITS } from "./presets.ts";
 *
 * if (SCI_DEFAULT_BITS !== 37) throw new Error();
 * ```
 */
export const SCI_DEFAULT_BITS = 37;

/**
 * The CrypTFlow2 (SCI-HE) parameter set for ℓ-bit shares at N slots: q = {60, 60, 60, 38} bits
 * (`utils-HE.cpp`), 218 bits, within the 128-bit bound for every N ≥ 8192.
 *
 * @example
 * ```ts
 * import { cryptflow2Preset } from "./presets.ts";
 *
 * const p = cryptflow2Preset(41, 16384);
 * if (p.name !== "cryptflow2-l41-N16384" || p.plainModulus !== 2198100901889) throw new Error();
 * ```
 */
export function cryptflow2Preset(bits = SCI_DEFAULT_BITS, slots = 8192): Preset {
  const t = SCI_PRIME_MOD[bits];
  if (t === undefined) {
    throw new RangeError(`SCI share bit length must be 32..41 (got ${bits})`);
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
 * The same parameter set at another ring degree (SCI grows N for large maps).
 *
 * @example
 * ```ts
 * import { getPreset, withSlots } from "./presets.ts";
 *
 * if (withSlots(getPreset("cryptflow2"), 16384).name !== "cryptflow2-N16384") throw new Error();
 * ```
 */
export function withSlots(p: Preset, slots: number): Preset {
  if (slots === p.polyModulusDegree) return p;
  const base = p.name.replace(/-N[0-9]+$/, "");
  return { ...p, name: `${base}-N${slots}`, polyModulusDegree: slots };
}

/**
 * Built-in presets.
 *
 * @example
 * ```ts
 * import { PRESETS } from "./presets.ts";
 *
 * if (PRESETS["gazelle-secure"].securityBits !== 128) throw new Error();
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
 * @example
 * ```ts
 * import { presetNames } from "./presets.ts";
 *
 * if (!presetNames().includes("gazelle")) throw new Error();
 * ```
 */
export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/**
 * The preset called `name`, or a one-line error listing the known presets.
 *
 * @example
 * ```ts
 * import { getPreset } from "./presets.ts";
 *
 * if (getPreset("gazelle").polyModulusDegree !== 2048) throw new Error();
 * ```
 */
export function getPreset(name: string): Preset {
  const p = PRESETS[name];
  if (!p) {
    throw new RangeError(`Unknown preset "${name}": use one of ${presetNames().join(", ")}`);
  }
  return p;
}

/**
 * Human label of a preset's security, shown wherever its results appear.
 *
 * @example
 * ```ts
 * import { getPreset, securityLabel } from "./presets.ts";
 *
 * if (securityLabel(getPreset("gazelle-secure")) !== "128-bit secure") throw new Error();
 * ```
 */
export function securityLabel(p: Preset): string {
  return p.securityBits === 128
    ? "128-bit secure"
    : `NOT 128-bit secure (security level none, N = ${p.polyModulusDegree}, ` +
      `log q = ${p.coeffModulusBits.reduce((a, b) => a + b, 0)})`;
}
