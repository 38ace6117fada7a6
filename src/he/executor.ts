/**
 * The one executor: runs any `LayerPlan` on node-seal through an instrumented evaluator whose
 * ledger counts every SEAL call it makes. Split in phases so benchmarks can time the server part
 * alone: `prepareLayer` (keys, encoded NTT-form masks), `encryptInput` (client),
 * `runServer` (the timed part), `decryptOutput` (client). Ciphertexts cross the phases as opaque
 * `CiphertextHandle`s; the SEAL objects behind them and behind a `PreparedLayer` stay here.
 *
 * @module
 */
import type { Ciphertext, GaloisKeys, Plaintext } from "node-seal";
import { secureUniformModT, UserError } from "../base/mod.ts";
import { sealCall, translateSealError } from "./_errors.ts";
import { galoisElement, isIdentity, naf, type Rotation } from "./galois.ts";
import { floodCiphertext } from "./_flood.ts";
import { extractCiphertext } from "./_coeff.ts";
import { checkSealMemory } from "./memory.ts";
import type { PresetEnv } from "./env.ts";
import { presetEnv } from "./env.ts";
import {
  addCounts,
  ciphertextBytes,
  countAt,
  type HeOp,
  type LayerPlan,
  type LayerProgram,
  type OpCounts,
  zeroCounts,
} from "./plan.ts";
import { securityLabel } from "./presets.ts";

/**
 * A ciphertext in SEAL's WebAssembly heap, opaque outside the HE engine: `encryptInput` and
 * `runServer` make them; `runServer` and `decryptOutput` take them. The WASM heap is not garbage
 * collected, so their owner frees them with `delete()`.
 */
export interface CiphertextHandle {
  /** Free the ciphertext's SEAL memory; the handle must not be used afterwards. */
  delete(): void;
}

/** The SEAL ciphertext behind each handle the executor made. */
const sealOf = new WeakMap<CiphertextHandle, Ciphertext>();

/** A new handle on `ct` (the handle's `delete` frees `ct`). */
function handleOf(ct: Ciphertext): CiphertextHandle {
  const handle: CiphertextHandle = { delete: () => ct.delete() };
  sealOf.set(handle, ct);
  return handle;
}

/**
 * The SEAL ciphertext behind a handle made by `encryptInput` or `runServer` (the executor's own
 * unwrapping; tests use it to inspect ciphertexts). Not part of the `he` face.
 *
 * @example An encrypted input starts in coefficient form
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { encryptInput, prepareLayer, sealCiphertext } from "./executor.ts";
 * import { closeEnvs, getPreset } from "./mod.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=8,out=2"), 1);
 * using prep = await prepareLayer(planGazelle(layer, { preset: getPreset("gazelle") }).parts[0]);
 * const [ct] = encryptInput(prep, new Float64Array(8));
 * assertEquals(sealCiphertext(ct).isNttForm(), false);
 * ct.delete();
 * assertThrows(() => sealCiphertext({ delete() {} }), Error, "not a ciphertext of this HE engine");
 * closeEnvs();
 * ```
 */
export function sealCiphertext(handle: CiphertextHandle): Ciphertext {
  const ct = sealOf.get(handle);
  if (!ct) {
    throw new Error("not a ciphertext of this HE engine (encryptInput and runServer make them)");
  }
  return ct;
}

/**
 * A plan made ready to run: its Galois keys generated (or leased from the per-preset cache), its
 * masks encoded as SEAL plaintexts (NTT form unless the plan's masks say otherwise) and the
 * server's encryptions of zero its `zero` ops copy. Dispose it to free the masks and release the
 * keys.
 */
export interface PreparedLayer extends Disposable {
  /** The plan this prepares. */
  readonly plan: LayerPlan;
  /** Bytes of the plan's Galois key set (uncompressed SEAL serialization), sent once per session. */
  readonly galoisKeyBytes: number;
}

/** What `prepareLayer` holds behind a `PreparedLayer`: the SEAL objects the server works with. */
interface Prepared extends PreparedLayer {
  readonly env: PresetEnv;
  readonly galoisKeys: GaloisKeys;
  /** The plan's masks as SEAL plaintexts, by mask index. */
  readonly masks: readonly Plaintext[];
  /** The server's encryptions of zero by (level, NTT form), for plans with `zero` ops. */
  readonly zeros: ReadonlyMap<string, Ciphertext>;
}

/** Every `PreparedLayer` that `prepareLayer` made, mapped to itself with its SEAL side. */
const preparedLayers = new WeakMap<PreparedLayer, Prepared>();

/** The SEAL side of a prepared layer; fails for an object `prepareLayer` did not make. */
function preparedOf(prep: PreparedLayer): Prepared {
  const p = preparedLayers.get(prep);
  if (!p) throw new Error("not a PreparedLayer made by prepareLayer");
  return p;
}

const zeroKey = (level: number, ntt: boolean) => `${level}:${ntt}`;

/**
 * Generate (or reuse) the plan's Galois keys and encode every mask in NTT form. A plan whose SEAL
 * objects cannot fit node-seal's 4 GiB heap (`sealMemory`) is refused first, in one line.
 *
 * @example Prepare once, then encrypt, run the server and decrypt
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { closeEnvs, decryptOutput, encryptInput, prepareLayer, runServer } from "./mod.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, referenceLayer, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=8,out=2"), 1);
 * using prep = await prepareLayer(planGazelle(layer, { preset: getPreset("gazelle") }).parts[0]);
 * const x = new Float64Array(8).fill(1);
 * const inputs = encryptInput(prep, x);
 * {
 *   using server = runServer(prep, inputs); // the part a benchmark times
 *   const { y } = decryptOutput(prep, server.outputs);
 *   assertEquals(y, referenceLayer(layer, x, prep.plan.preset.plainModulus));
 * }
 * for (const ct of inputs) ct.delete();
 * closeEnvs();
 * ```
 */
export async function prepareLayer(plan: LayerPlan): Promise<PreparedLayer> {
  checkSealMemory([plan]);
  const env = await presetEnv(plan.preset);
  const { seal, encoder, evaluator, context } = env;
  const lease = env.galoisKeys(plan.keys);
  const masks: Plaintext[] = [];
  const zeros = new Map<string, Ciphertext>();
  const values = new BigInt64Array(plan.slots);
  const dispose = () => {
    for (const m of masks) m.delete();
    masks.length = 0;
    for (const z of zeros.values()) z.delete();
    zeros.clear();
    lease.release();
  };
  try {
    using first = context.firstParmsId();
    const zero: number[] = [];
    for (let i = 0; i < plan.masks.count; i++) {
      values.fill(0n);
      plan.masks.fill(i, values);
      if (values.every((v) => v === 0n)) zero.push(i);
      const pt = new seal.Plaintext();
      masks.push(pt);
      sealCall(`encoding mask ${i} of ${plan.layer}`, () => {
        encoder.encode(values, pt);
        if (plan.masks.ntt !== false) {
          evaluator.plainTransformToNttInplace(pt, first);
        }
      });
    }
    for (const op of plan.ops) {
      if (op.kind !== "zero" || zeros.has(zeroKey(op.level, op.ntt))) continue;
      const z = new seal.Ciphertext();
      zeros.set(zeroKey(op.level, op.ntt), z);
      env.encryptor.encryptZero(z);
      for (let l = 0; l < op.level; l++) evaluator.cipherModSwitchToNextInplace(z);
      if (op.ntt) evaluator.cipherTransformToNttInplace(z);
    }
    if (zero.length > 0) {
      throw new UserError(
        `${plan.layer}: the ${
          plan.stock ? "stock " : ""
        }plan multiplies by ${zero.length} all-zero ` +
          `plaintexts, which SEAL rejects ("result ciphertext is transparent")` +
          (plan.stock ? "; execute without --stock (stock plans can be counted, not run)" : ""),
      );
    }
  } catch (e) {
    dispose();
    throw e;
  }
  const prep: Prepared = {
    plan,
    env,
    galoisKeys: lease.keys,
    galoisKeyBytes: lease.bytes,
    masks,
    zeros,
    [Symbol.dispose]: dispose,
  };
  preparedLayers.set(prep, prep);
  return prep;
}

/**
 * Client side: pack an input tensor (values mod t, the layer's input layout) into slot vectors and
 * encrypt each with the secret key, one ciphertext per plan input. The caller frees the result.
 *
 * @example One ciphertext for a small FC input
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { closeEnvs, encryptInput, prepareLayer } from "./mod.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=8,out=2"), 1);
 * using prep = await prepareLayer(planGazelle(layer, { preset: getPreset("gazelle") }).parts[0]);
 * const cts = encryptInput(prep, new Float64Array(8));
 * assertEquals(cts.length, 1);
 * cts.forEach((ct) => ct.delete());
 * closeEnvs();
 * ```
 */
export function encryptInput(prep: PreparedLayer, x: Float64Array): CiphertextHandle[] {
  const { seal, encoder, encryptor } = preparedOf(prep).env;
  const out: Ciphertext[] = [];
  using pt = new seal.Plaintext();
  try {
    for (const v of prep.plan.packInput(x)) {
      const ct = new seal.Ciphertext();
      out.push(ct);
      sealCall(`encrypting input ciphertext ${out.length - 1} of ${prep.plan.layer}`, () => {
        encoder.encode(v, pt);
        encryptor.encryptSymmetric(pt, ct);
      });
    }
  } catch (e) {
    for (const ct of out) ct.delete();
    throw e;
  }
  return out.map(handleOf);
}

/**
 * What the server computed: the output ciphertexts and the ledger of the SEAL calls it made.
 * Disposing it frees the output ciphertexts.
 */
export interface ServerResult extends Disposable {
  /** One ciphertext per plan output (owned by this result), null for an identically zero output. */
  readonly outputs: readonly (CiphertextHandle | null)[];
  /** Every SEAL call the server made, tallied by the same rules as `countPlan`. */
  readonly ledger: OpCounts;
  /**
   * The uniform mask R (mod t, one value per slot) added to each output: the server's share of
   * the result is −R. Null for an output the plan does not mask.
   */
  readonly masks: readonly (BigUint64Array | null)[];
}

/**
 * Server side: walk the plan over the input ciphertexts through an instrumented evaluator. Every
 * SEAL call made is tallied into the returned ledger. Each op is one step: rotations
 * (`rotateCiphertext`), NTT and mod switch transforms, products, accumulation, output protection
 * (`maskCiphertext`, `floodCiphertext`). Dead registers are reused as destinations; the inputs
 * are never modified (a plan op that would modify one in place fails as a plan bug); on failure
 * everything the server allocated is freed.
 *
 * @example The ledger equals the plan's counts
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { closeEnvs, countPlan, encryptInput, prepareLayer, runServer } from "./mod.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const plan = planGazelle(syntheticLayer("fc", parseLayerSpec("fc:in=8,out=2"), 1), { preset: getPreset("gazelle") }).parts[0];
 * using prep = await prepareLayer(plan);
 * const inputs = encryptInput(prep, new Float64Array(8).fill(3));
 * {
 *   using server = runServer(prep, inputs);
 *   assertEquals(server.ledger, countPlan(plan));
 * }
 * inputs.forEach((ct) => ct.delete());
 * closeEnvs();
 * ```
 */
export function runServer(
  prep: PreparedLayer,
  inputs: readonly CiphertextHandle[],
): ServerResult {
  const prepared = preparedOf(prep);
  const { plan } = prepared;
  if (inputs.length !== plan.inputs) {
    throw new Error(
      `${plan.layer}: expected ${plan.inputs} input ciphertexts, got ${inputs.length}`,
    );
  }
  const run = new ServerRun(prepared, inputs.map(sealCiphertext));
  try {
    plan.ops.forEach((op, i) => run.step(op, i));
    return run.finish();
  } catch (e) {
    run.abort();
    throw translateSealError(e, `${plan.layer} (${plan.framework}/${plan.method})`);
  }
}

/** The ops of one kind family (narrows `HeOp` for the steps of `ServerRun`). */
type OpOf<K extends HeOp["kind"]> = Extract<HeOp, { kind: K }>;

/**
 * One server walk over a plan: the register file (ciphertexts by register, which ones the server
 * owns, a pool of dead ones reused as destinations), the ledger and the output masks drawn. Not
 * exported: its ownership rules hold only inside one `runServer` call, which is its interface.
 */
class ServerRun {
  readonly #prep: Prepared;
  readonly #ledger = zeroCounts();
  /** The mask R drawn for each output (null: unmasked). */
  readonly #outputMasks: (BigUint64Array | null)[];
  readonly #regs: (Ciphertext | undefined)[];
  /** False for the caller's inputs: the server never modifies or frees them. */
  readonly #owned: boolean[];
  /** Dead ciphertexts, reused as destinations: allocating is slow and the WASM heap never shrinks. */
  readonly #pool: Ciphertext[] = [];
  /** Index of the last op reading or writing each register (it is released after that op). */
  readonly #lastUse: number[];
  readonly #isOutput: ReadonlySet<number>;

  constructor(prep: Prepared, inputs: readonly Ciphertext[]) {
    const { plan } = prep;
    this.#prep = prep;
    this.#outputMasks = plan.outputs.map(() => null);
    this.#regs = [...inputs];
    this.#owned = inputs.map(() => false);
    this.#lastUse = lastUses(plan);
    this.#isOutput = new Set(plan.outputs.filter((r): r is number => r !== null));
  }

  /** Run op `i`, then release the registers it was the last to use. */
  step(op: HeOp, i: number): void {
    switch (op.kind) {
      case "rotate":
        this.#rotate(op);
        break;
      case "ntt":
      case "intt":
      case "modswitch":
        this.#transform(op);
        break;
      case "mul":
      case "scale":
        this.#multiply(op);
        break;
      case "add":
      case "zero":
        this.#accumulate(op);
        break;
      case "mask":
      case "flood":
        this.#protect(op);
        break;
      case "extract":
        this.#extract(op);
        break;
    }
    for (const r of regsOf(op)) if (this.#lastUse[r] === i) this.#release(r);
  }

  /** Rotations: the automorphism into a fresh register, counted by the side it permutes. */
  #rotate(op: OpOf<"rotate">): void {
    const dst = this.#write(op.dst);
    const { env, galoisKeys } = this.#prep;
    rotateCiphertext(env, galoisKeys, this.#get(op.src), op.rot, dst, this.#ledger);
    if (op.side === "in") this.#ledger.perm_in++;
    else this.#ledger.perm_out++;
  }

  /** NTT, inverse NTT and mod switch, in place; the caller's inputs are transformed out of place. */
  #transform(op: OpOf<"ntt" | "intt" | "modswitch">): void {
    const ev = this.#prep.env.evaluator;
    switch (op.kind) {
      case "ntt":
        if (this.#owned[op.reg]) {
          ev.cipherTransformToNttInplace(this.#get(op.reg));
        } else {
          const input = this.#get(op.reg);
          ev.cipherTransformToNtt(input, this.#write(op.reg));
        }
        countAt(this.#ledger, "ntt", 1, this.#below(op.reg));
        return;
      case "intt":
        ev.cipherTransformFromNttInplace(this.#mutable(op.reg));
        countAt(this.#ledger, "intt", 1, this.#below(op.reg));
        return;
      case "modswitch": {
        const below = this.#below(op.reg);
        ev.cipherModSwitchToNextInplace(this.#mutable(op.reg));
        countAt(this.#ledger, "mod_switch", 1, below);
        return;
      }
    }
  }

  /**
   * Products: ciphertext × plaintext mask into a fresh register. A `scale` mask is a constant
   * polynomial, which SEAL multiplies coefficient by coefficient (its monomial path, no NTT).
   */
  #multiply(op: OpOf<"mul" | "scale">): void {
    const pt = this.#prep.masks[op.mask];
    if (op.kind === "scale" && (pt.isNttForm() || pt.nonzeroCoeffCount() !== 1)) {
      throw new Error(`plan bug: scale op ${op.mask} needs a constant coefficient-form mask`);
    }
    const dst = this.#write(op.dst);
    this.#prep.env.evaluator.multiplyPlain(this.#get(op.src), pt, dst);
    const below = this.#below(op.src);
    if (op.kind === "scale") {
      countAt(this.#ledger, "mult_scalar", 1, below);
      return;
    }
    countAt(this.#ledger, "mult", 1, below);
    if (!pt.isNttForm()) countAt(this.#ledger, "mult_coeff", 1, below);
  }

  /** Cheetah's extraction: zero the coefficients the client does not read, truncate low bits. */
  #extract(op: OpOf<"extract">): void {
    const { plan, env } = this.#prep;
    if (!plan.coefficientsOf) {
      throw new Error("plan bug: extract op in a plan without coefficientsOf");
    }
    const keep = plan.coefficientsOf(op.output);
    extractCiphertext(env.seal, env.context, this.#mutable(op.reg), keep, op.c0Bits, op.c1Bits);
    this.#ledger.extract++;
  }

  /** Accumulation: add a term into a sum, or start a sum from the server's encryption of zero. */
  #accumulate(op: OpOf<"add" | "zero">): void {
    if (op.kind === "add") {
      this.#prep.env.evaluator.addInplace(this.#mutable(op.dst), this.#get(op.src));
      countAt(this.#ledger, "add", 1, this.#below(op.dst));
    } else {
      this.#write(op.dst).assign(this.#prep.zeros.get(zeroKey(op.level, op.ntt))!);
    }
  }

  /** Output protection, in place: the server's additive mask (secret sharing) or noise flooding. */
  #protect(op: OpOf<"mask" | "flood">): void {
    const { env } = this.#prep;
    if (op.kind === "flood") {
      floodCiphertext(env.seal, env.context, this.#mutable(op.reg), op.bits);
      countAt(this.#ledger, "flood", 1, this.#below(op.reg));
      return;
    }
    const scratch = this.#fresh();
    try {
      const ct = this.#mutable(op.reg);
      this.#outputMasks[op.output] = maskCiphertext(env, ct, op.switches, scratch, this.#ledger);
    } finally {
      this.#pool.push(scratch);
    }
  }

  /** Whether register `r` holds a ciphertext below the top level (mod-switched: fewer primes). */
  #below(r: number): boolean {
    return this.#get(r).coeffModulusSize() < this.#prep.env.dataPrimes;
  }

  /** Finishing: free the pool, count the transfers, hand the outputs over (the caller frees them). */
  finish(): ServerResult {
    const { plan } = this.#prep;
    const outputs = plan.outputs.map((r) => (r === null ? null : this.#get(r)));
    for (const ct of this.#pool.splice(0)) ct.delete();
    this.#ledger.cts_up = plan.inputs;
    this.#ledger.cts_down = outputs.filter((o) => o !== null).length;
    return {
      outputs: outputs.map((o) => (o === null ? null : handleOf(o))),
      ledger: this.#ledger,
      masks: this.#outputMasks,
      [Symbol.dispose]: () => outputs.forEach((o) => o?.delete()),
    };
  }

  /** After a failure: free every ciphertext the server allocated, never the caller's inputs. */
  abort(): void {
    this.#regs.forEach((ct, r) => {
      if (this.#owned[r]) ct?.delete();
    });
    for (const ct of this.#pool.splice(0)) ct.delete();
  }

  #fresh(): Ciphertext {
    return this.#pool.pop() ?? new this.#prep.env.seal.Ciphertext();
  }

  /** A fresh ciphertext, owned by the server, as the new value of register `r`. */
  #write(r: number): Ciphertext {
    const ct = this.#fresh();
    this.#regs[r] = ct;
    this.#owned[r] = true;
    return ct;
  }

  #get(r: number): Ciphertext {
    const ct = this.#regs[r];
    if (!ct) throw new Error(`plan bug: register ${r} read before it was written`);
    return ct;
  }

  /** Register `r` for an op that modifies it in place: never one of the caller's inputs. */
  #mutable(r: number): Ciphertext {
    const ct = this.#get(r);
    if (!this.#owned[r]) {
      throw new Error(`plan bug: register ${r} holds a caller's input and would be modified`);
    }
    return ct;
  }

  #release(r: number): void {
    if (this.#isOutput.has(r)) return;
    const ct = this.#regs[r];
    if (ct && this.#owned[r]) this.#pool.push(ct);
    this.#regs[r] = undefined;
  }
}

/**
 * One automorphism into `dst`: SEAL's `rotateRows(step)`, then `rotateColumns` if `rot.swap` (step
 * 0 is the column swap alone). `src` is not modified. Tallies the calls and their key switches
 * under `keys`: one for a step with its own key, one per NAF digit for a step SEAL composes from
 * ±2^i keys, one per column swap (the same rule as `countPlan`).
 *
 * @example A step without its own key is composed from ±2^i keys
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { rotateCiphertext } from "./executor.ts";
 * import { closeEnvs, presetEnv } from "./env.ts";
 * import { getPreset, zeroCounts } from "./mod.ts";
 *
 * const env = await presetEnv(getPreset("gazelle"));
 * const lease = env.galoisKeys({ kind: "pow2", steps: [1, -1, 2, -2, 4, -4] });
 * using pt = new env.seal.Plaintext();
 * using src = new env.seal.Ciphertext();
 * using dst = new env.seal.Ciphertext();
 * env.encoder.encode(BigUint64Array.from({ length: 8 }, (_, i) => BigInt(i)), pt);
 * env.encryptor.encryptSymmetric(pt, src);
 * const ledger = zeroCounts();
 * rotateCiphertext(env, lease.keys, src, { step: 5, swap: false }, dst, ledger); // 5 = 4 + 1
 * env.decryptor.decrypt(dst, pt);
 * assertEquals((env.encoder.decodeBigUint64(pt) as BigUint64Array)[0], 5n);
 * assertEquals([ledger.rotate_rows, ledger.key_switches], [1, 2]);
 * lease.release();
 * closeEnvs();
 * ```
 */
export function rotateCiphertext(
  env: PresetEnv,
  keys: GaloisKeys,
  src: Ciphertext,
  rot: Rotation,
  dst: Ciphertext,
  ledger: OpCounts,
): void {
  if (isIdentity(rot)) throw new Error("plan bug: identity rotation op");
  const ev = env.evaluator;
  const below = src.coeffModulusSize() < env.dataPrimes;
  if (rot.step !== 0) {
    ev.rotateRows(src, rot.step, keys, dst);
    ledger.rotate_rows++;
    const own = keys.hasKey(galoisElement(rot.step, env.preset.polyModulusDegree));
    countAt(ledger, "key_switches", own ? 1 : naf(rot.step).length, below);
    if (rot.swap) ev.rotateColumnsInplace(dst, keys);
  } else {
    ev.rotateColumns(src, keys, dst);
  }
  if (rot.swap) {
    ledger.rotate_columns++;
    countAt(ledger, "key_switches", 1, below);
  }
}

/**
 * The server's encryption of a fresh output mask: draw R uniform mod t in every slot (or
 * coefficient) from the CSPRNG, encode it and encrypt it with the public key into `dst`. Returns
 * R. One `enc_server` op: the unit op `encrypt_public` times this very function, so the draw and
 * the encoding (a serialization round trip under coefficient encoding, about a tenth of the
 * encryption at N = 4096) are priced with the encryption.
 *
 * @example The ciphertext decrypts to the mask drawn
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { encryptMask } from "./executor.ts";
 * import { closeEnvs, presetEnv } from "./env.ts";
 * import { getPreset } from "./presets.ts";
 *
 * const env = await presetEnv(getPreset("cheetah"));
 * using ct = new env.seal.Ciphertext();
 * using pt = new env.seal.Plaintext();
 * const r = encryptMask(env, ct);
 * assertEquals(r.length, 4096);
 * env.decryptor.decrypt(ct, pt);
 * assertEquals(env.encoder.decodeBigUint64(pt), r);
 * closeEnvs();
 * ```
 */
export function encryptMask(env: PresetEnv, dst: Ciphertext): BigUint64Array {
  const r = secureUniformModT(env.preset.polyModulusDegree, env.preset.plainModulus);
  using pt = new env.seal.Plaintext();
  env.encoder.encode(r, pt);
  env.encryptor.encrypt(pt, dst); // public-key encryption, as the server does
  return r;
}

/**
 * Secret-share `ct` in place: draw a uniform mask R (mod t, every slot) and encrypt it with the
 * public key into `scratch` (`encryptMask`), mod-switch it `switches` times down to `ct`'s level
 * and add it. Returns R: the client decrypts its share L(x) + R, the server keeps −R. Tallies one
 * server encryption, the switches and one mask addition.
 *
 * @example The client's share minus R is the value
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { maskCiphertext } from "./executor.ts";
 * import { closeEnvs, presetEnv } from "./env.ts";
 * import { getPreset, zeroCounts } from "./mod.ts";
 *
 * const env = await presetEnv(getPreset("gazelle"));
 * const t = BigInt(env.preset.plainModulus);
 * using pt = new env.seal.Plaintext();
 * using ct = new env.seal.Ciphertext();
 * using scratch = new env.seal.Ciphertext();
 * env.encoder.encode(BigUint64Array.from([5n, 7n]), pt);
 * env.encryptor.encryptSymmetric(pt, ct);
 * env.evaluator.cipherModSwitchToNextInplace(ct);
 * const ledger = zeroCounts();
 * const r = maskCiphertext(env, ct, 1, scratch, ledger);
 * env.decryptor.decrypt(ct, pt);
 * const share = env.encoder.decodeBigUint64(pt) as BigUint64Array;
 * assertEquals((share[1] - r[1] + t) % t, 7n); // slot 1 held 7
 * assertEquals(share[2], r[2]); // slot 2 held 0
 * assertEquals([ledger.enc_server, ledger.mod_switch, ledger.add_mask], [1, 1, 1]);
 * closeEnvs();
 * ```
 */
export function maskCiphertext(
  env: PresetEnv,
  ct: Ciphertext,
  switches: number,
  scratch: Ciphertext,
  ledger: OpCounts,
): BigUint64Array {
  const { evaluator } = env;
  const r = encryptMask(env, scratch);
  ledger.enc_server++;
  for (let l = 0; l < switches; l++) {
    const below = scratch.coeffModulusSize() < env.dataPrimes;
    evaluator.cipherModSwitchToNextInplace(scratch);
    countAt(ledger, "mod_switch", 1, below);
  }
  evaluator.addInplace(ct, scratch);
  countAt(ledger, "add_mask", 1, ct.coeffModulusSize() < env.dataPrimes);
  return r;
}

/** The registers an op reads or writes (`ServerRun` releases them after their last use). */
function regsOf(op: HeOp): number[] {
  switch (op.kind) {
    case "rotate":
    case "mul":
    case "scale":
    case "add":
      return [op.dst, op.src];
    case "ntt":
    case "intt":
    case "modswitch":
    case "mask":
    case "flood":
    case "extract":
      return [op.reg];
    case "zero":
      return [op.dst];
  }
}

/** Index of the last op using each register: a liveness pass private to `ServerRun`. */
function lastUses(plan: LayerPlan): number[] {
  const last: number[] = [];
  plan.ops.forEach((op, i) => {
    for (const r of regsOf(op)) last[r] = i;
  });
  return last;
}

/**
 * Client side: decrypt the output ciphertexts (null reads as all zeros) and unpack them. Returns
 * `y`, the output tensor as the client decrypts it (values mod t; its share L(x) + R when the plan
 * masks its outputs), and `noiseBudget`, the smallest invariant noise budget left over the
 * ciphertexts, in bits (Infinity if every output is null).
 *
 * @example A zero input decrypts to zero, with noise budget to spare
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { closeEnvs, decryptOutput, encryptInput, prepareLayer, runServer } from "./mod.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const plan = planGazelle(syntheticLayer("fc", parseLayerSpec("fc:in=4,out=1"), 1), { preset: getPreset("gazelle") }).parts[0];
 * using prep = await prepareLayer(plan);
 * const inputs = encryptInput(prep, new Float64Array(4));
 * {
 *   using server = runServer(prep, inputs);
 *   const { y, noiseBudget } = decryptOutput(prep, server.outputs);
 *   assertEquals(y, new Float64Array(1));
 *   assert(noiseBudget >= prep.plan.preset.minNoiseBudgetBits);
 * }
 * inputs.forEach((ct) => ct.delete());
 * closeEnvs();
 * ```
 */
export function decryptOutput(
  prep: PreparedLayer,
  outputs: readonly (CiphertextHandle | null)[],
): { y: Float64Array; noiseBudget: number } {
  const { seal, decryptor, encoder } = preparedOf(prep).env;
  using pt = new seal.Plaintext();
  let noiseBudget = Infinity;
  const slots = outputs.map((handle) => {
    if (!handle) return null;
    const ct = sealCiphertext(handle);
    noiseBudget = Math.min(noiseBudget, decryptor.invariantNoiseBudget(ct));
    decryptor.decrypt(ct, pt);
    return encoder.decodeBigUint64(pt) as BigUint64Array;
  });
  return { y: prep.plan.unpackOutput(slots), noiseBudget };
}

/** Everything one homomorphic run of a layer (or program) produced. */
export interface ExecutionReport {
  /** The plan's layer name. */
  readonly layer: string;
  /** Preset name; a program whose parts use several presets joins them with `+`. */
  readonly preset: string;
  /** `securityLabel` of the preset(s), joined with `; ` for several. */
  readonly security: string;
  /** What the client decrypted: its share L(x) + R (values mod t). */
  readonly y: Float64Array;
  /** The server's output masks R read at the output positions (zero when unmasked). */
  readonly serverMask: Float64Array;
  /** The layer output the HE computation carried, (y − R) mod t: what verification compares. */
  readonly result: Float64Array;
  /** Every SEAL call the server made, tallied like `countPlan` (summed over a program's parts). */
  readonly ledger: OpCounts;
  /** Smallest invariant noise budget (bits) over the output ciphertexts. */
  readonly noiseBudget: number;
  /**
   * Wall-clock milliseconds of the client's packing and encryption, the server's walk of the plan
   * (`runServer`) and the client's decryption and unpacking. Key generation and mask encoding
   * (`prepareLayer`) are not included.
   */
  readonly timesMs: { readonly encrypt: number; readonly server: number; readonly decrypt: number };
  /**
   * Communication in bytes (uncompressed SEAL serialization): input ciphertexts up, output
   * ciphertexts down (at their mod-switched level), and the Galois key set sent once.
   */
  readonly bytes: { readonly up: number; readonly down: number; readonly galoisKeys: number };
  /** The plan's Galois key set: its `KeyPlan` kind (`exact` or `pow2`) and number of keys. */
  readonly keys: { readonly kind: string; readonly count: number };
  /** Slots of each part (SCI phases may differ). */
  readonly slots: readonly number[];
}

function subMod(a: Float64Array, b: Float64Array, t: number): Float64Array {
  return a.map((v, i) => (v - b[i] + t) % t);
}

/**
 * Run a plan end to end on input `x` (values mod t): prepare, encrypt, run the server, decrypt,
 * then free everything but the cached keys. Fails with one line if the result keeps less noise
 * budget than the preset's safety margin (`minNoiseBudgetBits`).
 *
 * @example One GAZELLE FC layer under encryption matches the integer reference
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { closeEnvs, countPlan, executeLayer, getPreset } from "./mod.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, referenceLayer, syntheticLayer } from "../nn/mod.ts";
 *
 * const preset = getPreset("gazelle");
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=8,out=2"), 1);
 * const plan = planGazelle(layer, { preset }).parts[0];
 * const x = new Float64Array(8).map((_, i) => i);
 * const run = await executeLayer(plan, x);
 * assertEquals(run.result, referenceLayer(layer, x, preset.plainModulus));
 * assertEquals(run.ledger, countPlan(plan));
 * closeEnvs();
 * ```
 */
export async function executeLayer(plan: LayerPlan, x: Float64Array): Promise<ExecutionReport> {
  using prep = await prepareLayer(plan);
  const t0 = performance.now();
  const inputs = encryptInput(prep, x);
  try {
    const t1 = performance.now();
    using server = runServer(prep, inputs);
    const t2 = performance.now();
    const { y, noiseBudget } = decryptOutput(prep, server.outputs);
    const t3 = performance.now();
    const p = plan.preset;
    if (noiseBudget < p.minNoiseBudgetBits) {
      throw new UserError(
        `Layer ${plan.layer} under preset ${p.name} keeps ${noiseBudget} bits of noise budget ` +
          `(< ${p.minNoiseBudgetBits} required): use a preset with a larger coefficient modulus`,
      );
    }
    const serverMask = plan.unpackOutput(server.masks);
    return {
      layer: plan.layer,
      preset: p.name,
      security: securityLabel(p),
      y,
      serverMask,
      result: subMod(y, serverMask, p.plainModulus),
      ledger: server.ledger,
      noiseBudget,
      timesMs: { encrypt: t1 - t0, server: t2 - t1, decrypt: t3 - t2 },
      bytes: {
        up: server.ledger.cts_up * ciphertextBytes(plan.slots, preparedOf(prep).env.dataPrimes),
        down: server.ledger.cts_down * ciphertextBytes(plan.slots, plan.downPrimes),
        galoisKeys: prep.galoisKeyBytes,
      },
      keys: { kind: plan.keys.kind, count: plan.keys.steps.length },
      slots: [plan.slots],
    };
  } finally {
    for (const ct of inputs) ct.delete();
  }
}

/**
 * Run every part of a program on the same layer input and add the parts' outputs mod t (SCI's
 * stride phases are independent convolutions whose shares add up). Ledgers, times, bytes and key
 * counts add up over the parts; the noise budget is the smallest. A program whose SEAL objects
 * cannot fit node-seal's 4 GiB heap is refused before any part runs.
 *
 * @example A strided convolution under encryption matches the integer reference
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { closeEnvs, executeProgram } from "./mod.ts";
 * import { getPreset } from "./presets.ts";
 * import { planLayer } from "../frameworks/mod.ts";
 * import { parseLayerSpec, referenceLayer, syntheticLayer } from "../nn/mod.ts";
 *
 * const preset = getPreset("gazelle");
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=4,w=4,ci=1,co=2,k=3,s=2"), 1);
 * const x = new Float64Array(16).map((_, i) => i);
 * const run = await executeProgram(planLayer(layer, { framework: "gazelle", preset }), x);
 * assertEquals(run.result, referenceLayer(layer, x, preset.plainModulus));
 * closeEnvs();
 * ```
 */
export async function executeProgram(
  program: LayerProgram,
  x: Float64Array,
): Promise<ExecutionReport> {
  checkSealMemory(program.parts);
  const runs: ExecutionReport[] = [];
  for (const part of program.parts) runs.push(await executeLayer(part, x));
  const t = program.parts[0].preset.plainModulus;
  const sum = (pick: (r: ExecutionReport) => Float64Array) =>
    runs.map(pick).reduce((acc, v) => acc.map((a, i) => (a + v[i]) % t));
  const ledger = zeroCounts();
  for (const r of runs) addCounts(ledger, r.ledger);
  const total = (f: (r: ExecutionReport) => number) => runs.reduce((a, r) => a + f(r), 0);
  return {
    layer: program.layer,
    preset: [...new Set(runs.map((r) => r.preset))].join("+"),
    security: [...new Set(runs.map((r) => r.security))].join("; "),
    y: sum((r) => r.y),
    serverMask: sum((r) => r.serverMask),
    result: sum((r) => r.result),
    ledger,
    noiseBudget: Math.min(...runs.map((r) => r.noiseBudget)),
    timesMs: {
      encrypt: total((r) => r.timesMs.encrypt),
      server: total((r) => r.timesMs.server),
      decrypt: total((r) => r.timesMs.decrypt),
    },
    bytes: {
      up: total((r) => r.bytes.up),
      down: total((r) => r.bytes.down),
      galoisKeys: total((r) => r.bytes.galoisKeys),
    },
    keys: {
      kind: [...new Set(runs.map((r) => r.keys.kind))].join("+"),
      count: total((r) => r.keys.count),
    },
    slots: runs.flatMap((r) => r.slots),
  };
}
