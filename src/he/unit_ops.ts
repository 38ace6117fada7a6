/**
 * The unit HE ops on random data, as closures over one cached environment: `bench/he_ops_bench.ts`
 * times them under `deno bench`, and `measureUnitCosts` times the same closures in-process to
 * predict layer times (Σ count × unit cost).
 *
 * @module
 */
import type { Ciphertext, Plaintext } from "node-seal";
import { presetEnv } from "./env.ts";
import { floodCiphertext } from "./_flood.ts";
import { extractCiphertext } from "./_coeff.ts";
import { cheetahTruncationBits, type Preset } from "./presets.ts";
import { randomModT, randomSigned, SeededRng } from "../base/mod.ts";
import type { UnitCosts } from "./unit_costs.ts";

/**
 * Names of the timed unit ops.
 *
 * @example Fourteen ops, rotations among them
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { UNIT_OPS } from "./unit_ops.ts";
 *
 * assertEquals(UNIT_OPS.length, 14);
 * assert(UNIT_OPS.includes("rotate_rows"));
 * ```
 */
export const UNIT_OPS = [
  "encrypt",
  "encrypt_public",
  "mod_switch",
  "flood",
  "decrypt",
  "add",
  "multiply_plain",
  "multiply_plain_ntt",
  "rotate_rows",
  "rotate_columns",
  "ntt",
  "intt",
  "multiply_scalar",
  "extract",
] as const;

/** One timed unit op name. */
export type UnitOp = typeof UNIT_OPS[number];

/** Closures running each unit op once on random data. Dispose to free the SEAL objects. */
export interface UnitOpRunner extends Disposable {
  /** The preset whose cached environment the closures use. */
  readonly preset: Preset;
  /**
   * One closure per unit op, each running it once on the same random operands, writing into a
   * scratch ciphertext (the operands never change, so calls can repeat without bound).
   */
  readonly run: Readonly<Record<UnitOp, () => void>>;
}

/**
 * Build the unit-op closures for a preset: Galois keys and operands (random, drawn from `seed`)
 * are made once, untimed. `deno bench` times the closures; dispose the runner to free them.
 *
 * @example Every op runs, as often as asked
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { UNIT_OPS, unitOps } from "./unit_ops.ts";
 * import { closeEnvs, getPreset } from "./mod.ts";
 *
 * {
 *   using ops = await unitOps(getPreset("gazelle"));
 *   assertEquals(ops.preset.name, "gazelle");
 *   for (const op of UNIT_OPS) for (let i = 0; i < 2; i++) ops.run[op]();
 * }
 * closeEnvs();
 * ```
 */
export async function unitOps(preset: Preset, seed = 1): Promise<UnitOpRunner> {
  const env = await presetEnv(preset);
  const { seal, encoder, encryptor, decryptor, evaluator: ev, context } = env;
  const n = preset.polyModulusDegree;
  const rng = new SeededRng(seed);
  // Coefficient encoding has no slots to rotate: its automorphisms X → X^3 and X → X^(2N−1)
  // (the elements of a row step of 1 and of the column swap) go through keys made by element.
  const coefficients = preset.encoding === "coefficient";
  const lease = coefficients
    ? (() => {
      const keys = env.keyGenerator.createGaloisKeys();
      return { keys, bytes: 0, release: () => keys.delete() };
    })()
    : env.galoisKeys({ kind: "exact", steps: [0, 1] });
  const keys = lease.keys;
  const owned: (Ciphertext | Plaintext)[] = [];
  const ct = () => {
    const c = new seal.Ciphertext();
    owned.push(c);
    return c;
  };
  const pt = () => {
    const p = new seal.Plaintext();
    owned.push(p);
    return p;
  };
  const x = pt(), w = pt(), wNtt = pt(), scalar = pt(), scratchPt = pt();
  encoder.encode(BigUint64Array.from(randomModT(n, preset.plainModulus, rng), BigInt), x);
  // Random weights: a constant plaintext would hit SEAL's monomial fast path.
  encoder.encode(BigInt64Array.from(randomSigned(n, 8, rng), BigInt), w);
  encoder.encode(BigInt64Array.from(randomSigned(n, 8, rng), BigInt), wNtt);
  // A constant polynomial (all slots equal, or one coefficient): SEAL's monomial path.
  const s = BigInt(randomSigned(1, 8, rng)[0] || 3);
  encoder.encode(
    preset.encoding === "coefficient" ? BigInt64Array.of(s) : new BigInt64Array(n).fill(s),
    scalar,
  );
  {
    using first = context.firstParmsId();
    ev.plainTransformToNttInplace(wNtt, first);
  }
  const a = ct(), b = ct(), aNtt = ct(), out = ct();
  encryptor.encryptSymmetric(x, a);
  encryptor.encryptSymmetric(x, b);
  ev.cipherTransformToNtt(a, aNtt);
  const aLast = ct();
  {
    using last = context.lastParmsId();
    ev.cipherModSwitchTo(a, last, aLast);
  }
  const keep = Int32Array.from({ length: n }, (_, i) => i);
  const bits = cheetahTruncationBits(preset);
  const run: Record<UnitOp, () => void> = {
    encrypt: () => encryptor.encryptSymmetric(x, out),
    encrypt_public: () => encryptor.encrypt(x, out),
    mod_switch: () => ev.cipherModSwitchToNext(a, out),
    // SCI's smudging width at ℓ = 37; the copy keeps every call on the same fresh noise.
    flood: () => {
      out.assign(a);
      floodCiphertext(seal, context, out, 63);
    },
    decrypt: () => decryptor.decrypt(a, scratchPt),
    add: () => ev.add(a, b, out),
    multiply_plain: () => ev.multiplyPlain(a, w, out),
    multiply_plain_ntt: () => ev.multiplyPlain(aNtt, wNtt, out),
    rotate_rows: coefficients
      ? () => ev.applyGalois(a, 3, keys, out)
      : () => ev.rotateRows(a, 1, keys, out),
    rotate_columns: coefficients
      ? () => ev.applyGalois(a, 2 * n - 1, keys, out)
      : () => ev.rotateColumns(a, keys, out),
    ntt: () => ev.cipherTransformToNtt(a, out),
    intt: () => ev.cipherTransformFromNtt(aNtt, out),
    multiply_scalar: () => ev.multiplyPlain(a, scalar, out),
    // On a ciphertext at one prime, as Cheetah sends it; the copy keeps every call the same.
    extract: () => {
      out.assign(aLast);
      extractCiphertext(seal, context, out, keep, bits.c0Bits, bits.c1Bits);
    },
  };
  return {
    preset,
    run,
    [Symbol.dispose]: () => {
      for (const o of owned) o.delete();
      owned.length = 0;
      lease.release();
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Median milliseconds of each unit op, after a warm-up of `warmupMs` per op (V8 runs fresh WASM
 * in its baseline tier first, about 2× slower).
 *
 * @example A rotation (a key switch) is slower than an addition
 * ```ts
 * import { assert } from "@std/assert";
 * import { measureUnitOps } from "./unit_ops.ts";
 * import { closeEnvs, getPreset } from "./mod.ts";
 *
 * const ms = await measureUnitOps(getPreset("gazelle"), { reps: 3, warmupMs: 5 });
 * assert(ms.rotate_rows > ms.add);
 * closeEnvs();
 * ```
 */
export async function measureUnitOps(
  preset: Preset,
  opts: { reps?: number; warmupMs?: number } = {},
): Promise<Record<UnitOp, number>> {
  using ops = await unitOps(preset);
  const reps = opts.reps ?? 30, warm = opts.warmupMs ?? 150;
  const out = {} as Record<UnitOp, number>;
  for (const name of UNIT_OPS) {
    const f = ops.run[name];
    const t0 = performance.now();
    while (performance.now() - t0 < warm) f();
    const times = [];
    for (let i = 0; i < reps; i++) {
      const s = performance.now();
      f();
      times.push(performance.now() - s);
    }
    out[name] = median(times);
  }
  return out;
}

/**
 * Unit costs for the cost model, measured now on this machine: the median of `reps` runs
 * (default 30) of each unit op after `warmupMs` (default 150) of warm-up per op. A key switch is
 * timed as a row rotation by a step with its own key.
 *
 * @example Measured costs, ordered as expected
 * ```ts
 * import { assert, assertMatch } from "@std/assert";
 * import { measureUnitCosts } from "./unit_ops.ts";
 * import { closeEnvs, getPreset } from "./mod.ts";
 *
 * const unit = await measureUnitCosts(getPreset("gazelle"), { reps: 3, warmupMs: 5 });
 * assert(unit.keySwitch > unit.add && unit.add > 0);
 * assertMatch(unit.source, /^measured in-process/);
 * closeEnvs();
 * ```
 */
export async function measureUnitCosts(
  preset: Preset,
  opts?: { reps?: number; warmupMs?: number },
): Promise<UnitCosts> {
  const m = await measureUnitOps(preset, opts);
  return {
    keySwitch: m.rotate_rows,
    mult: m.multiply_plain_ntt,
    multCoeff: m.multiply_plain,
    add: m.add,
    ntt: m.ntt,
    intt: m.intt,
    modSwitch: m.mod_switch,
    flood: m.flood,
    encPublic: m.encrypt_public,
    multScalar: m.multiply_scalar,
    extract: m.extract,
    source: `measured in-process (${Deno.version.deno}, ${navigator.hardwareConcurrency} cores)`,
  };
}
