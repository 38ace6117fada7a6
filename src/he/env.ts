/**
 * A cached HE environment per preset (context, secret/public keys, encoder, encryptor, decryptor,
 * evaluator) and per Galois key set, so key generation never lands inside a timed region and
 * repeated runs reuse the same SEAL objects (SEAL bench's `BMEnv` idea).
 *
 * @module
 */
import type {
  Decryptor,
  Encryptor,
  Evaluator,
  GaloisKeys,
  KeyGenerator,
  MainModule,
  PublicKey,
  SEALContext,
} from "node-seal";
import { UserError } from "../base/mod.ts";
import { sealCall } from "./_errors.ts";
import { galoisKeySetBytes, type KeyPlan } from "./galois.ts";
import type { Preset } from "./presets.ts";
import { loadSeal, type SealRuntime } from "./seal.ts";
import { coefficientEncoder, type PlainEncoder } from "./_coeff.ts";

/**
 * SEAL objects for one preset (internal to `he`: its handle types never reach the face). Free with
 * `[Symbol.dispose]` (or `closeEnvs`).
 */
export interface PresetEnv extends Disposable {
  /** The parameter set these objects implement. */
  readonly preset: Preset;
  /** The process-wide SEAL module and its heap size. */
  readonly runtime: SealRuntime;
  /** The SEAL module (constructors of plaintexts, ciphertexts, …). */
  readonly seal: MainModule;
  /** The BFV context of the preset (security level enforced unless the preset says none). */
  readonly context: SEALContext;
  /**
   * The preset's encoder: SEAL's BatchEncoder (N slots as a 2 × (N/2) matrix), or for a
   * coefficient-encoded preset the N coefficients of the plaintext polynomial.
   */
  readonly encoder: PlainEncoder;
  /** Encryptor holding both keys: `encryptSymmetric` (client), `encrypt` (public key, server). */
  readonly encryptor: Encryptor;
  /** Decryptor under the secret key. */
  readonly decryptor: Decryptor;
  /** Evaluator for every server op. */
  readonly evaluator: Evaluator;
  /** The key generator of the preset's secret key (unit ops make Galois keys by element). */
  readonly keyGenerator: KeyGenerator;
  /** Number of data primes of a fresh ciphertext. */
  readonly dataPrimes: number;
  /**
   * Lease the Galois keys of a key plan (generated once, then cached). Call `release()` when done;
   * beyond 4 cached sets, the least recently used set that nobody holds is freed.
   */
  galoisKeys(keys: KeyPlan): KeyLease;
}

/** A leased Galois key set. */
export interface KeyLease {
  /** The SEAL key set (valid until released). */
  readonly keys: GaloisKeys;
  /** Bytes of the set, uncompressed SEAL serialization. */
  readonly bytes: number;
  /** Give the lease back (idempotent); an unheld set may then be evicted. */
  release(): void;
}

interface KeyEntry {
  readonly keys: GaloisKeys;
  readonly bytes: number;
  leases: number;
}

const MAX_CACHED_KEY_SETS = 4;

const envs = new Map<string, PresetEnv>();

/**
 * The cached environment of `preset`, built on first use.
 *
 * @example Built once, then the same environment on every call
 * ```ts
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { closeEnvs, presetEnv } from "./env.ts";
 * import { getPreset } from "./presets.ts";
 *
 * const env = await presetEnv(getPreset("gazelle"));
 * assertEquals(env.encoder.slotCount(), 2048);
 * assertStrictEquals(await presetEnv(getPreset("gazelle")), env);
 * closeEnvs();
 * ```
 */
export async function presetEnv(preset: Preset): Promise<PresetEnv> {
  const hit = envs.get(preset.name);
  if (hit) return hit;
  const runtime = await loadSeal();
  const env = buildEnv(runtime, preset);
  envs.set(preset.name, env);
  return env;
}

/**
 * Free every cached HE environment: the SEAL contexts, keys and Galois key sets built per preset
 * on first use by the executor and the unit-op runners (tests and scripts call this at the end;
 * without it the process keeps them until exit). The next run rebuilds what it needs.
 *
 * @example A run after closeEnvs rebuilds its environment and computes the same
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { closeEnvs, executeLayer, getPreset } from "./mod.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const plan = planGazelle(syntheticLayer("fc", parseLayerSpec("fc:in=4,out=2"), 1), {
 *   preset: getPreset("gazelle"),
 * }).parts[0];
 * const x = Float64Array.from([1, 2, 3, 4]);
 * const first = await executeLayer(plan, x);
 * closeEnvs();
 * assertEquals((await executeLayer(plan, x)).result, first.result);
 * closeEnvs();
 * ```
 */
export function closeEnvs(): void {
  for (const env of envs.values()) env[Symbol.dispose]();
  envs.clear();
}

function buildEnv(runtime: SealRuntime, preset: Preset): PresetEnv {
  const { seal } = runtime;
  const N = preset.polyModulusDegree;
  const owned: { delete(): void }[] = [];
  const own = <T extends { delete(): void }>(x: T): T => (owned.push(x), x);
  try {
    const parms = own(new seal.EncryptionParameters(seal.SchemeType.bfv));
    parms.setPolyModulusDegree(N);
    const coeff = own(seal.CoeffModulus.Create(N, Int32Array.from(preset.coeffModulusBits)));
    parms.setCoeffModulus(coeff);
    const t = own(new seal.Modulus(BigInt(preset.plainModulus)));
    parms.setPlainModulus(t);
    const sec = preset.securityBits === 128 ? seal.SecLevelType.tc128 : seal.SecLevelType.none;
    const context: SEALContext = own(new seal.SEALContext(parms, true, sec));
    if (!context.parametersSet() || !context.usingKeyswitching()) {
      throw new UserError(
        `Preset "${preset.name}" is not a usable BFV parameter set in SEAL ` +
          `(${context.toHuman()}): fix its moduli`,
      );
    }
    const first = own(context.firstContextData());
    const coefficients = preset.encoding === "coefficient";
    const batching = own(first.qualifiers()).usingBatching;
    if (!batching && !coefficients) {
      throw new UserError(
        `Preset "${preset.name}": t = ${preset.plainModulus} is not a batching prime for N = ${N}`,
      );
    }
    const kg: KeyGenerator = own(new seal.KeyGenerator(context));
    const sk = own(kg.secretKey());
    const pk: PublicKey = own(kg.createPublicKey());
    const encoder: PlainEncoder = coefficients
      ? coefficientEncoder(seal, context, N, preset.plainModulus)
      : own(new seal.BatchEncoder(context));
    const encryptor: Encryptor = own(new seal.Encryptor(context, pk, sk));
    const decryptor: Decryptor = own(new seal.Decryptor(context, sk));
    const evaluator: Evaluator = own(new seal.Evaluator(context));
    const keyCache = new Map<string, KeyEntry>();
    const evict = () => {
      for (const [id, e] of keyCache) {
        if (keyCache.size <= MAX_CACHED_KEY_SETS) return;
        if (e.leases > 0) continue;
        e.keys.delete();
        keyCache.delete(id);
      }
    };
    const dispose = () => {
      for (const k of keyCache.values()) k.keys.delete();
      keyCache.clear();
      for (const o of owned.reverse()) o.delete();
      owned.length = 0;
    };
    return {
      preset,
      runtime,
      seal,
      context,
      encoder,
      encryptor,
      decryptor,
      evaluator,
      keyGenerator: kg,
      dataPrimes: preset.coeffModulusBits.length - 1,
      galoisKeys(plan: KeyPlan): KeyLease {
        const id = `${plan.kind}:${plan.steps.join(",")}`;
        if (coefficients && plan.steps.length > 0) {
          // Coefficient encoding has no slots to rotate (and SEAL makes no key by step without
          // batching).
          throw new Error(`plan bug: slot rotations under coefficient-encoded ${preset.name}`);
        }
        if (plan.steps.length === 0) {
          // A plan without rotations (every Cheetah plan, a GAZELLE or SCI layer with one
          // product per output) asks for no key: none is made or sent (`programSummary` agrees).
          const keys = new seal.GaloisKeys();
          return { keys, bytes: 0, release: () => keys.delete() };
        }
        let entry = keyCache.get(id);
        if (entry) {
          keyCache.delete(id); // re-insert: most recently used last
        } else {
          const keys = sealCall(
            `Galois keys for ${plan.steps.length} steps (${preset.name})`,
            () => kg.createGaloisKeysWithSteps(Int32Array.from(plan.steps)),
          );
          // Computed, not serialized: serializing a large key set would grow the WASM heap for good.
          const bytes = galoisKeySetBytes(plan.steps.length, N, preset.coeffModulusBits.length);
          entry = { keys, bytes, leases: 0 };
        }
        keyCache.set(id, entry);
        entry.leases++;
        evict();
        const e = entry;
        let released = false;
        return {
          keys: e.keys,
          bytes: e.bytes,
          release() {
            if (released) return;
            released = true;
            e.leases--;
            evict();
          },
        };
      },
      [Symbol.dispose]: dispose,
    };
  } catch (e) {
    for (const o of owned.reverse()) o.delete();
    throw e instanceof UserError ? e : new Error(`Building preset "${preset.name}" failed`, {
      cause: e,
    });
  }
}
