/**
 * The one executor: runs any `LayerPlan` on node-seal through an instrumented evaluator whose
 * ledger counts every SEAL call it makes. Split in phases so benchmarks can time the server part
 * alone: `prepareLayer` (keys, encoded NTT-form masks), `encryptInput` (client),
 * `runServer` (the timed part), `decryptOutput` (client).
 *
 * @module
 */
import type { Ciphertext, GaloisKeys, Plaintext } from "node-seal";
import { sealCall, translateSealError, UserError } from "./errors.ts";
import { galoisElement, naf } from "./galois.ts";
import { floodCiphertext } from "./flood.ts";
import type { PresetEnv } from "./env.ts";
import { presetEnv } from "./env.ts";
import {
  addCounts,
  ciphertextBytes,
  type HeOp,
  type LayerPlan,
  type LayerProgram,
  type OpCounts,
  zeroCounts,
} from "./plan.ts";
import { securityLabel } from "./presets.ts";

/** A plan with its keys and NTT-form masks ready: everything the server needs before it starts. */
export interface PreparedLayer extends Disposable {
  readonly plan: LayerPlan;
  readonly env: PresetEnv;
  readonly galoisKeys: GaloisKeys;
  /** Bytes of the Galois key set (uncompressed SEAL serialization). */
  readonly galoisKeyBytes: number;
  readonly masks: readonly Plaintext[];
  /** The server's encryptions of zero by (level, NTT form), for plans with `zero` ops. */
  readonly zeros: ReadonlyMap<string, Ciphertext>;
}

const zeroKey = (level: number, ntt: boolean) => `${level}:${ntt}`;

/**
 * Generate (or reuse) the plan's Galois keys and encode every mask in NTT form.
 *
 * @example
 * ```ts
 * import { closeEnvs, decryptOutput, encryptInput, prepareLayer, runServer } from "./mod.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=8,out=2"), 1);
 * using prep = await prepareLayer(planGazelle(layer, { preset: getPreset("gazelle") }).parts[0]);
 * const inputs = encryptInput(prep, new Float64Array(8).fill(1));
 * {
 *   using server = runServer(prep, inputs); // the part a benchmark times
 *   const { y } = decryptOutput(prep, server.outputs);
 *   console.log(y, server.ledger.mult);
 * }
 * for (const ct of inputs) ct.delete();
 * closeEnvs();
 * ```
 */
export async function prepareLayer(plan: LayerPlan): Promise<PreparedLayer> {
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
          evaluator.plainTransformToNttInplace(pt, context.firstParmsId());
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
  return {
    plan,
    env,
    galoisKeys: lease.keys,
    galoisKeyBytes: lease.bytes,
    masks,
    zeros,
    [Symbol.dispose]: dispose,
  };
}

/**
 * Client side: pack and encrypt an input tensor (values mod t). The caller frees the result.
 *
 * @example
 * ```ts
 * import { closeEnvs, encryptInput, prepareLayer } from "./mod.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 *
 * const layer = syntheticLayer("fc", parseLayerSpec("fc:in=8,out=2"), 1);
 * using prep = await prepareLayer(planGazelle(layer, { preset: getPreset("gazelle") }).parts[0]);
 * const cts = encryptInput(prep, new Float64Array(8));
 * if (cts.length !== 1) throw new Error();
 * cts.forEach((ct) => ct.delete());
 * closeEnvs();
 * ```
 */
export function encryptInput(prep: PreparedLayer, x: Float64Array): Ciphertext[] {
  const { seal, encoder, encryptor } = prep.env;
  const out: Ciphertext[] = [];
  using pt = new seal.Plaintext();
  try {
    for (const v of prep.plan.packInput(x)) {
      const ct = new seal.Ciphertext();
      out.push(ct);
      encoder.encode(v, pt);
      encryptor.encryptSymmetric(pt, ct);
    }
  } catch (e) {
    for (const ct of out) ct.delete();
    throw e;
  }
  return out;
}

/** What the server computed: output ciphertexts (null = identically zero) and its op ledger. */
export interface ServerResult extends Disposable {
  readonly outputs: readonly (Ciphertext | null)[];
  readonly ledger: OpCounts;
  /** The uniform masks R added to each output (the server's share is −R); null if unmasked. */
  readonly masks: readonly (BigUint64Array | null)[];
}

/** Uniform residues mod t from the platform CSPRNG (rejection sampling on 53-bit draws). */
export function uniformModT(n: number, t: number): BigUint64Array {
  const out = new BigUint64Array(n);
  const limit = Math.floor(2 ** 53 / t) * t;
  // getRandomValues fills at most 64 KiB per call.
  const words = new Uint32Array(Math.min(2 * n, 16384));
  let i = 0;
  while (i < n) {
    crypto.getRandomValues(words);
    for (let j = 0; j < words.length && i < n; j += 2) {
      const v = (words[j] >>> 11) * 2 ** 32 + words[j + 1]; // 21 + 32 = 53 bits
      if (v < limit) out[i++] = BigInt(v % t);
    }
  }
  return out;
}

/**
 * Server side: walk the plan over the input ciphertexts (which are not modified) through an
 * instrumented evaluator. Every SEAL call made is tallied into the returned ledger.
 *
 * @example
 * ```ts
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
 *   if (JSON.stringify(server.ledger) !== JSON.stringify(countPlan(plan))) throw new Error();
 * }
 * inputs.forEach((ct) => ct.delete());
 * closeEnvs();
 * ```
 */
export function runServer(prep: PreparedLayer, inputs: readonly Ciphertext[]): ServerResult {
  const { plan, env, galoisKeys, masks, zeros } = prep;
  const { seal, evaluator: ev, encoder, encryptor } = env;
  const outputMasks: (BigUint64Array | null)[] = plan.outputs.map(() => null);
  if (inputs.length !== plan.inputs) {
    throw new Error(
      `${plan.layer}: expected ${plan.inputs} input ciphertexts, got ${inputs.length}`,
    );
  }
  const ledger = zeroCounts();
  const lastUse = lastUses(plan);
  const isOutput = new Set(plan.outputs.filter((r): r is number => r !== null));
  const regs: (Ciphertext | undefined)[] = [...inputs];
  const owned: boolean[] = inputs.map(() => false);
  const pool: Ciphertext[] = [];
  const fresh = () => pool.pop() ?? new seal.Ciphertext();
  const rowKs = (step: number) =>
    galoisKeys.hasKey(galoisElement(step, plan.slots)) ? 1 : naf(step).length;
  const get = (r: number) => {
    const ct = regs[r];
    if (!ct) throw new Error(`plan bug: register ${r} read before it was written`);
    return ct;
  };
  const release = (r: number) => {
    if (isOutput.has(r)) return;
    const ct = regs[r];
    if (ct && owned[r]) pool.push(ct);
    regs[r] = undefined;
  };
  try {
    plan.ops.forEach((op, i) => {
      switch (op.kind) {
        case "rotate": {
          const dst = fresh();
          regs[op.dst] = dst;
          owned[op.dst] = true;
          const src = get(op.src);
          if (op.rot.step !== 0) {
            ev.rotateRows(src, op.rot.step, galoisKeys, dst);
            ledger.rotate_rows++;
            ledger.key_switches += rowKs(op.rot.step);
            if (op.rot.swap) ev.rotateColumnsInplace(dst, galoisKeys);
          } else {
            ev.rotateColumns(src, galoisKeys, dst);
          }
          if (op.rot.swap) {
            ledger.rotate_columns++;
            ledger.key_switches++;
          }
          if (op.side === "in") ledger.perm_in++;
          else ledger.perm_out++;
          break;
        }
        case "ntt": {
          if (owned[op.reg]) {
            ev.cipherTransformToNttInplace(get(op.reg));
          } else {
            // Inputs belong to the caller: transform out of place instead of mutating them.
            const dst = fresh();
            ev.cipherTransformToNtt(get(op.reg), dst);
            regs[op.reg] = dst;
            owned[op.reg] = true;
          }
          ledger.ntt++;
          break;
        }
        case "intt":
          ev.cipherTransformFromNttInplace(get(op.reg));
          ledger.intt++;
          break;
        case "mul": {
          const dst = fresh();
          regs[op.dst] = dst;
          owned[op.dst] = true;
          const pt = masks[op.mask];
          ev.multiplyPlain(get(op.src), pt, dst);
          ledger.mult++;
          if (!pt.isNttForm()) ledger.mult_coeff++;
          break;
        }
        case "add":
          ev.addInplace(get(op.dst), get(op.src));
          ledger.add++;
          break;
        case "zero": {
          const dst = fresh();
          dst.assign(zeros.get(zeroKey(op.level, op.ntt))!);
          regs[op.dst] = dst;
          owned[op.dst] = true;
          break;
        }
        case "modswitch":
          ev.cipherModSwitchToNextInplace(get(op.reg));
          ledger.mod_switch++;
          break;
        case "flood":
          floodCiphertext(seal, env.context, get(op.reg), op.bits);
          ledger.flood++;
          break;
        case "mask": {
          const r = uniformModT(plan.slots, plan.preset.plainModulus);
          outputMasks[op.output] = r;
          using pt = new seal.Plaintext();
          const m = fresh();
          try {
            encoder.encode(r, pt);
            encryptor.encrypt(pt, m); // public-key encryption, as the server does
            ledger.enc_server++;
            for (let l = 0; l < op.switches; l++) {
              ev.cipherModSwitchToNextInplace(m);
              ledger.mod_switch++;
            }
            ev.addInplace(get(op.reg), m);
            ledger.add_mask++;
          } finally {
            pool.push(m);
          }
          break;
        }
      }
      for (const r of regsOf(op)) if (lastUse[r] === i) release(r);
    });
  } catch (e) {
    for (let r = 0; r < regs.length; r++) if (owned[r]) regs[r]?.delete();
    for (const ct of pool) ct.delete();
    throw translateSealError(e, `${plan.layer} (${plan.framework}/${plan.method})`);
  }
  for (const ct of pool) ct.delete();
  const outputs = plan.outputs.map((r) => (r === null ? null : get(r)));
  ledger.cts_up = plan.inputs;
  ledger.cts_down = outputs.filter((o) => o !== null).length;
  return {
    outputs,
    ledger,
    masks: outputMasks,
    [Symbol.dispose]: () => outputs.forEach((o) => o?.delete()),
  };
}

function regsOf(op: HeOp): number[] {
  switch (op.kind) {
    case "rotate":
    case "mul":
    case "add":
      return [op.dst, op.src];
    case "ntt":
    case "intt":
    case "modswitch":
    case "mask":
    case "flood":
      return [op.reg];
    case "zero":
      return [op.dst];
  }
}

function lastUses(plan: LayerPlan): number[] {
  const last: number[] = [];
  plan.ops.forEach((op, i) => {
    for (const r of regsOf(op)) last[r] = i;
  });
  return last;
}

/**
 * Client side: decrypt the outputs, read the output tensor and the smallest noise budget left.
 *
 * @example
 * ```ts
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
 *   if (y[0] !== 0 || noiseBudget < 4) throw new Error();
 * }
 * inputs.forEach((ct) => ct.delete());
 * closeEnvs();
 * ```
 */
export function decryptOutput(
  prep: PreparedLayer,
  outputs: readonly (Ciphertext | null)[],
): { y: Float64Array; noiseBudget: number } {
  const { seal, decryptor, encoder } = prep.env;
  using pt = new seal.Plaintext();
  let noiseBudget = Infinity;
  const slots = outputs.map((ct) => {
    if (!ct) return null;
    noiseBudget = Math.min(noiseBudget, decryptor.invariantNoiseBudget(ct));
    decryptor.decrypt(ct, pt);
    return encoder.decodeBigUint64(pt) as BigUint64Array;
  });
  return { y: prep.plan.unpackOutput(slots), noiseBudget };
}

/** Everything one homomorphic run of a layer (or program) produced. */
export interface ExecutionReport {
  readonly layer: string;
  readonly preset: string;
  readonly security: string;
  /** What the client decrypted: its share L(x) + R (values mod t). */
  readonly y: Float64Array;
  /** The server's output masks R read at the output positions (zero when unmasked). */
  readonly serverMask: Float64Array;
  /** The layer output the HE computation carried, (y − R) mod t: what verification compares. */
  readonly result: Float64Array;
  readonly ledger: OpCounts;
  /** Smallest invariant noise budget (bits) over the output ciphertexts. */
  readonly noiseBudget: number;
  readonly timesMs: { readonly encrypt: number; readonly server: number; readonly decrypt: number };
  readonly bytes: { readonly up: number; readonly down: number; readonly galoisKeys: number };
  /** Galois keys generated for the plan and how they were chosen. */
  readonly keys: { readonly kind: string; readonly count: number };
  /** Slots of each part (SCI phases may differ). */
  readonly slots: readonly number[];
}

function subMod(a: Float64Array, b: Float64Array, t: number): Float64Array {
  return a.map((v, i) => (v - b[i] + t) % t);
}

/**
 * Run a plan end to end on input `x` (values mod t). Fails with one line if the result keeps less
 * noise budget than the preset's safety margin.
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
        up: server.ledger.cts_up * ciphertextBytes(plan.slots, prep.env.dataPrimes),
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
 * stride phases are independent convolutions whose shares add up).
 *
 * @example
 * ```ts
 * import { closeEnvs, executeProgram } from "./mod.ts";
 * import { getPreset } from "./presets.ts";
 * import { planLayer } from "../frameworks/mod.ts";
 * import { parseLayerSpec, referenceLayer, syntheticLayer } from "../nn/mod.ts";
 *
 * const preset = getPreset("gazelle");
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=4,w=4,ci=1,co=2,k=3,s=2"), 1);
 * const x = new Float64Array(16).map((_, i) => i);
 * const run = await executeProgram(planLayer(layer, { framework: "gazelle", preset }), x);
 * const ref = referenceLayer(layer, x, preset.plainModulus);
 * if (!run.result.every((v, i) => v === ref[i])) throw new Error();
 * closeEnvs();
 * ```
 */
export async function executeProgram(
  program: LayerProgram,
  x: Float64Array,
): Promise<ExecutionReport> {
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
