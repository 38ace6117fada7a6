/**
 * A plaintext simulator of `LayerPlan`s: every register is a slot vector mod t, rotations follow
 * SEAL's 2 × (N/2) layout (`sourceSlot`), products are slot-wise; under a coefficient-encoded
 * preset (Cheetah) a register is a polynomial mod (X^N + 1, t) and a product is nega-cyclic. It checks planners on many
 * shapes, at any N (even insecure toy sizes), in milliseconds, with no SEAL. Its ledger tallies
 * the ops it walked the way `countPlan` does (the real executor's ledger is the independent one).
 *
 * @module
 */
import { sourceSlot } from "./galois.ts";
import { type LayerPlan, type OpCounts, tallyOp, zeroCounts } from "./plan.ts";
import { SeededRng } from "../base/mod.ts";

function mulMod(a: number, b: number, t: number): number {
  if (t < 2 ** 26) return (a * b) % t;
  return Number((BigInt(a) * BigInt(b)) % BigInt(t));
}

/** `src · mask` in Z_t[X]/(X^N + 1), over the mask's non-zero coefficients. */
function negacyclic(src: Float64Array, mask: Float64Array, t: number): Float64Array {
  const n = src.length;
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const m = mask[j];
    if (m === 0) continue;
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (v === 0) continue;
      const p = mulMod(v, m, t);
      const k = i + j;
      if (k < n) out[k] = (out[k] + p) % t;
      else out[k - n] = (out[k - n] - p + t) % t;
    }
  }
  return out;
}

/**
 * Run `plan` on input `x` (residues mod t) in the clear. Returns what the client would decrypt
 * (`y`, masked when the plan secret-shares its output), the server's masks at the output positions,
 * `result` = y − mask (the layer output), and the op ledger. Masks come from a seeded generator
 * (`seed`), so a simulation is reproducible.
 *
 * @example A strided convolution in the clear matches the integer reference and the counts
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { simulatePlan } from "./simulate.ts";
 * import { countPlan } from "./plan.ts";
 * import { getPreset } from "./presets.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, referenceLayer, syntheticLayer } from "../nn/mod.ts";
 *
 * const preset = getPreset("gazelle");
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=5,w=5,ci=3,co=4,k=3,s=2"), 1);
 * const x = new Float64Array(75).map((_, i) => i);
 * const plan = planGazelle(layer, { preset }).parts[0];
 * const { result, ledger } = simulatePlan(plan, x);
 * assertEquals(result, referenceLayer(layer, x, preset.plainModulus));
 * assertEquals(ledger, countPlan(plan));
 * ```
 */
export function simulatePlan(
  plan: LayerPlan,
  x: Float64Array,
  seed = 1,
): { y: Float64Array; serverMask: Float64Array; result: Float64Array; ledger: OpCounts } {
  const rng = new SeededRng(seed);
  const outMasks: (BigUint64Array | null)[] = plan.outputs.map(() => null);
  const t = plan.preset.plainModulus;
  const n = plan.slots;
  const T = BigInt(t);
  const keySteps = new Set(plan.keys.steps);
  const coefficients = plan.preset.encoding === "coefficient";
  const ledger = zeroCounts();
  const regs: (Float64Array | undefined)[] = plan.packInput(x).map((v) =>
    Float64Array.from(v, (b) => Number(b % T))
  );
  const masks = new Map<number, Float64Array>();
  const mask = (i: number) => {
    let m = masks.get(i);
    if (!m) {
      const raw = new BigInt64Array(n);
      plan.masks.fill(i, raw);
      m = Float64Array.from(raw, (b) => Number(((b % T) + T) % T));
      masks.set(i, m);
    }
    return m;
  };
  const get = (r: number) => {
    const v = regs[r];
    if (!v) throw new Error(`plan bug: register ${r} read before it was written`);
    return v;
  };
  const depths = plan.ops.depths();
  let i = 0;
  for (const op of plan.ops) {
    tallyOp(ledger, op, keySteps, plan.masks.ntt === false, depths[i++]);
    switch (op.kind) {
      case "rotate": {
        const src = get(op.src);
        const dst = new Float64Array(n);
        for (let j = 0; j < n; j++) dst[j] = src[sourceSlot(j, op.rot, n)];
        regs[op.dst] = dst;
        break;
      }
      case "ntt":
        // The simulator has no NTT domain; copy so an input register is never mutated.
        regs[op.reg] = Float64Array.from(get(op.reg));
        break;
      case "intt":
        get(op.reg);
        break;
      case "mul": {
        const src = get(op.src), m = mask(op.mask);
        if (m.every((v) => v === 0)) throw new Error(`plan multiplies by all-zero mask ${op.mask}`);
        regs[op.dst] = coefficients ? negacyclic(src, m, t) : src.map((v, j) => mulMod(v, m[j], t));
        break;
      }
      case "scale": {
        const src = get(op.src), m = mask(op.mask);
        if (!coefficients || m.some((v, j) => j > 0 && v !== 0) || m[0] === 0) {
          throw new Error(`plan bug: scale op by mask ${op.mask}, not a non-zero constant`);
        }
        regs[op.dst] = src.map((v) => mulMod(v, m[0], t));
        break;
      }
      case "extract": {
        // Truncation only adds noise; zeroing c0 outside the read coefficients leaves them alone.
        const d = get(op.reg);
        if (!plan.coefficientsOf) throw new Error("plan bug: extract without coefficientsOf");
        const keep = new Uint8Array(n);
        for (const k of plan.coefficientsOf(op.output)) keep[k] = 1;
        regs[op.reg] = d.map((v, k) => (keep[k] ? v : 0));
        break;
      }
      case "add": {
        const d = get(op.dst), s = get(op.src);
        for (let j = 0; j < n; j++) d[j] = (d[j] + s[j]) % t;
        break;
      }
      case "zero":
        regs[op.dst] = new Float64Array(n);
        break;
      case "modswitch":
      case "flood": // noise only: the plaintext is unchanged
        get(op.reg);
        break;
      case "mask": {
        const d = get(op.reg);
        const r = new BigUint64Array(n);
        for (let j = 0; j < n; j++) {
          const v = rng.int(0, t);
          r[j] = BigInt(v);
          d[j] = (d[j] + v) % t;
        }
        outMasks[op.output] = r;
        break;
      }
    }
  }
  const outs = plan.outputs.map((r) => (r === null ? null : BigUint64Array.from(get(r), BigInt)));
  ledger.cts_up = plan.inputs;
  ledger.cts_down = outs.filter((o) => o !== null).length;
  const y = plan.unpackOutput(outs);
  const serverMask = plan.unpackOutput(outMasks);
  return { y, serverMask, result: y.map((v, i) => (v - serverMask[i] + t) % t), ledger };
}
