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
