/**
 * The unit HE ops on random data, as closures over one cached environment: `bench/he_ops_bench.ts`
 * times them under `deno bench`, and `measureUnitCosts` times the same closures in-process to
 * predict layer times (Σ count × unit cost).
 *
 * @module
 */
import process from "node:process";
import type { Ciphertext, Plaintext } from "node-seal";
import { presetEnv } from "./env.ts";
import { floodCiphertext } from "./_flood.ts";
import { extractCiphertext } from "./_coeff.ts";
import { encryptMask } from "./executor.ts";
import { cheetahTruncationBits, type Preset } from "./presets.ts";
import { randomModT, randomSigned, SeededRng } from "../base/mod.ts";
import type { UnitCosts } from "./unit_costs.ts";

/**
 * Names of the timed unit ops. Ops named `…_down` run one level below the top (on a ciphertext
 * mod-switched once), where CrypTFlow2 rotates and adds its partial sums: fewer primes, cheaper.
 *
 * @example Twenty-three ops, rotations at both levels among them
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { UNIT_OPS } from "./unit_ops.ts";
 *
 * assertEquals(UNIT_OPS.length, 23);
 * assert(UNIT_OPS.includes("rotate_rows") && UNIT_OPS.includes("rotate_rows_down"));
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
  "mod_switch_down",
  "flood_down",
  "add_down",
  "multiply_plain_down",
  "multiply_plain_ntt_down",
  "rotate_rows_down",
  "ntt_down",
  "intt_down",
  "multiply_scalar_down",
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
  // One level down: the operands mod-switched once (a plaintext in NTT form is tied to a level).
  const aDown = ct(), bDown = ct(), aDownNtt = ct(), wDownNtt = pt();
  ev.cipherModSwitchToNext(a, aDown);
  ev.cipherModSwitchToNext(b, bDown);
  ev.cipherTransformToNtt(aDown, aDownNtt);
  encoder.encode(BigInt64Array.from(randomSigned(n, 8, rng), BigInt), wDownNtt);
  {
    using down = aDown.parmsId();
    ev.plainTransformToNttInplace(wDownNtt, down);
  }
  // A second switch needs a third data prime; with two, no plan switches below the top.
  const canSwitchDown = preset.coeffModulusBits.length - 1 >= 3;
  const keep = Int32Array.from({ length: n }, (_, i) => i);
  const bits = cheetahTruncationBits(preset);
  const run: Record<UnitOp, () => void> = {
    encrypt: () => encryptor.encryptSymmetric(x, out),
    // The server's output mask as the executor makes it: drawn, encoded, encrypted (the draw and
    // the encoding are a tenth of it under coefficient encoding).
    encrypt_public: () => encryptMask(env, out),
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
    mod_switch_down: canSwitchDown
      ? () => ev.cipherModSwitchToNext(aDown, out)
      : () => ev.cipherModSwitchToNext(a, out),
    flood_down: () => {
      out.assign(aDown);
      floodCiphertext(seal, context, out, 63);
    },
    add_down: () => ev.add(aDown, bDown, out),
    multiply_plain_down: () => ev.multiplyPlain(aDown, w, out),
    multiply_plain_ntt_down: () => ev.multiplyPlain(aDownNtt, wDownNtt, out),
    rotate_rows_down: coefficients
      ? () => ev.applyGalois(aDown, 3, keys, out)
      : () => ev.rotateRows(aDown, 1, keys, out),
    ntt_down: () => ev.cipherTransformToNtt(aDown, out),
    intt_down: () => ev.cipherTransformFromNtt(aDownNtt, out),
    multiply_scalar_down: () => ev.multiplyPlain(aDown, scalar, out),
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

/**
 * The revision of what the unit ops time, recorded in the `source` of every `measureUnitCosts`
 * result (`unit ops r<revision>`): raised whenever a unit op changes what it runs, so that unit
 * costs measured and cached by an older revision are measured again (`isCurrentMeasurement`).
 * Revision 2: `encrypt_public` draws, encodes and encrypts an output mask (`encryptMask`), as the
 * executor's mask op does; revision 1 timed the encryption alone.
 *
 * @example The revision is in every measurement's source
 * ```ts
 * import { assert } from "@std/assert";
 * import { UNIT_OPS_REVISION } from "./unit_ops.ts";
 *
 * assert(Number.isInteger(UNIT_OPS_REVISION) && UNIT_OPS_REVISION >= 2);
 * ```
 */
export const UNIT_OPS_REVISION = 2;

/**
 * Whether `unit` was measured in-process by the current unit ops (`UNIT_OPS_REVISION` in its
 * source), so a cache may serve it; false for an older revision's measurement and for costs
 * that were not measured by `measureUnitCosts` (a built-in table, a user's op weights).
 *
 * @example An older measurement is not current
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { isCurrentMeasurement, MEASURED_UNIT_COSTS } from "./mod.ts";
 *
 * const old = { ...MEASURED_UNIT_COSTS.cheetah, source: "measured in-process, cpu-min of 15 batches" };
 * assertEquals(isCurrentMeasurement(old), false);
 * assertEquals(isCurrentMeasurement({ ...old, source: "measured in-process (unit ops r2), cpu-min" }), true);
 * ```
 */
export function isCurrentMeasurement(unit: UnitCosts): boolean {
  return unit.source.includes(`(unit ops r${UNIT_OPS_REVISION})`);
}

/** The statistic unit costs and layer timings are read with (the same on both sides). */
export type TimingStatistic = "cpu-min" | "wall-min";

/**
 * The clock unit costs and layer timings are read with: the process's CPU time where the runtime
 * gives it (`process.cpuUsage`: a loaded machine preempts the process, which wall time counts and
 * CPU time does not; valid because the timing process runs nothing else meanwhile), else wall
 * time. `now()` reads it in ms.
 *
 * @example CPU time advances with work
 * ```ts
 * import { assert } from "@std/assert";
 * import { timingClock } from "./unit_ops.ts";
 *
 * const clock = timingClock();
 * const t0 = clock.now();
 * let x = 0;
 * for (let i = 0; i < 3e6; i++) x += Math.sqrt(i);
 * assert(x > 0 && clock.now() >= t0);
 * assert(clock.statistic === "cpu-min" || clock.statistic === "wall-min");
 * ```
 */
export function timingClock(): { readonly statistic: TimingStatistic; now(): number } {
  if (typeof process.cpuUsage === "function") {
    return {
      statistic: "cpu-min",
      now: () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      },
    };
  }
  return { statistic: "wall-min", now: () => performance.now() };
}

/** Options of `measureUnitOps` and `measureUnitCosts`. */
export interface MeasureOptions {
  /** Timed batches per op (default 15): the statistic is the fastest batch's per-op time. */
  readonly reps?: number;
  /** Warm-up per op, ms (default 100): V8 runs fresh WASM in its baseline tier first. */
  readonly warmupMs?: number;
  /** Time each batch runs at least, ms (default 2): short ops repeat to outlast the clock's grain. */
  readonly batchMs?: number;
}

/**
 * Milliseconds of each unit op: after a warm-up of `warmupMs` per op, `reps` batches of
 * repeated calls are timed with `timingClock()` and the fastest batch's time per call is kept
 * (the minimum: the load-insensitive statistic, the same the report reads layer timings with).
 *
 * @example Every op gets a time, at the top level and one level down (which ops are faster is
 * measured, not asserted: `deno task calibrate` prints the times and the report records them)
 * ```ts
 * import { assert } from "@std/assert";
 * import { measureUnitOps } from "./unit_ops.ts";
 * import { closeEnvs, cryptflow2Preset } from "./mod.ts";
 *
 * const ms = await measureUnitOps(cryptflow2Preset(), { reps: 2, warmupMs: 5 });
 * for (const t of [ms.rotate_rows, ms.rotate_rows_down, ms.add]) assert(t > 0 && Number.isFinite(t));
 * closeEnvs();
 * ```
 */
export async function measureUnitOps(
  preset: Preset,
  opts: MeasureOptions = {},
): Promise<Record<UnitOp, number>> {
  using ops = await unitOps(preset);
  const reps = opts.reps ?? 15, warm = opts.warmupMs ?? 100, batchMs = opts.batchMs ?? 2;
  const clock = timingClock();
  const out = {} as Record<UnitOp, number>;
  for (const name of UNIT_OPS) {
    const f = ops.run[name];
    const t0 = performance.now();
    let calls = 0;
    while (performance.now() - t0 < warm || calls < 2) {
      f();
      calls++;
    }
    // Calls per batch: enough for batchMs at the warm-up's pace.
    const per = Math.max(1, Math.ceil(batchMs / ((performance.now() - t0) / calls)));
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const s = clock.now();
      for (let j = 0; j < per; j++) f();
      best = Math.min(best, (clock.now() - s) / per);
    }
    out[name] = best;
  }
  return out;
}

/**
 * Unit costs for the cost model, measured now on this machine with `measureUnitOps` (the fastest
 * of `reps` batches of each op, CPU time where the runtime gives it), at the top level and one
 * level down. A key switch is timed as a row rotation by a step with its own key.
 *
 * @example Measured costs, ordered as expected
 * ```ts
 * import { assert, assertMatch } from "@std/assert";
 * import { isCurrentMeasurement, measureUnitCosts } from "./unit_ops.ts";
 * import { closeEnvs, getPreset } from "./mod.ts";
 *
 * const unit = await measureUnitCosts(getPreset("gazelle"), { reps: 3, warmupMs: 5 });
 * assert(unit.keySwitch > unit.add && unit.add > 0);
 * assert(unit.down !== undefined && unit.down.keySwitch > 0);
 * assertMatch(unit.source, /^measured in-process/);
 * assert(isCurrentMeasurement(unit));
 * closeEnvs();
 * ```
 */
export async function measureUnitCosts(
  preset: Preset,
  opts?: MeasureOptions,
): Promise<UnitCosts> {
  const m = await measureUnitOps(preset, opts);
  const r = (v: number) => Number(v.toPrecision(4));
  return {
    keySwitch: r(m.rotate_rows),
    mult: r(m.multiply_plain_ntt),
    multCoeff: r(m.multiply_plain),
    add: r(m.add),
    ntt: r(m.ntt),
    intt: r(m.intt),
    modSwitch: r(m.mod_switch),
    flood: r(m.flood),
    encPublic: r(m.encrypt_public),
    multScalar: r(m.multiply_scalar),
    extract: r(m.extract),
    down: {
      keySwitch: r(m.rotate_rows_down),
      mult: r(m.multiply_plain_ntt_down),
      multCoeff: r(m.multiply_plain_down),
      add: r(m.add_down),
      ntt: r(m.ntt_down),
      intt: r(m.intt_down),
      modSwitch: r(m.mod_switch_down),
      flood: r(m.flood_down),
      multScalar: r(m.multiply_scalar_down),
    },
    source: `measured in-process (unit ops r${UNIT_OPS_REVISION}), ${timingClock().statistic} ` +
      `of ${opts?.reps ?? 15} batches ` +
      `(Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores)`,
  };
}
