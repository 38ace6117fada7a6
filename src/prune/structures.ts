/**
 * HE pruning structures of a linear layer, derived from the framework's own plan rather than
 * re-derived by hand: the layer is planned once with every weight set to its index + 1, so each
 * plaintext product names the weights it holds. From the op graph of that dense plan:
 *
 * - a **multiplier** structure is a set of products holding the same kernels (a generalised
 *   diagonal of a kernel block, all taps); zeroing it deletes their Mult and Add;
 * - an **output-rotation** structure is every product summed into one rotated partial sum (one
 *   diagonal of an output ciphertext across all input ciphertexts); zeroing it also deletes that
 *   output Perm;
 * - an **input-rotation** structure is every product reading one rotated input (one tap across
 *   every kernel reading one input ciphertext); zeroing it also deletes that input Perm;
 * - an **fc-diagonal** structure is one packed diagonal of an FC weight matrix: its rotation,
 *   Mult and Add;
 * - a **product** structure is the weights of one plaintext product (GAZELLE: one tap of a
 *   diagonal's kernels; SCI: one encoded kernel block; Cheetah: one kernel polynomial, the same
 *   weights in every spatial block, so its multiplier structure too): the finest unit whose
 *   zeroing deletes a Mult. Products are kept even where they equal a coarser structure, so `--kinds product`
 *   alone offers every product.
 *
 * Each structure's claim (the ops its zeroing deletes) comes from `survivingCounts`, which runs
 * the pruning-aware skip rules on the dense op graph; tests check every claim against re-planning.
 * Claims and `counts` price rotations under the dense plan's Galois keys: the search's cost model,
 * cheap to update. Reports count the deployed pruned plan under its own keys instead (`prune`'s
 * report; docs/methods.md, "HE cost convention: which Galois keys").
 *
 * @module
 */
import { frameworkName, planLayer, structureMethod } from "../frameworks/mod.ts";
import {
  addCounts,
  type HeOp,
  type LayerPlan,
  type LayerProgram,
  type OpCounts,
  predictMs,
  type Preset,
  subCounts,
  tallyOp,
  type UnitCosts,
  unitCostsFor,
  zeroCounts,
} from "../he/mod.ts";
import { type LayerShape, shapeLabel, weightCount } from "../nn/mod.ts";

/** The kinds of HE pruning structure. */
export const STRUCTURE_KINDS = [
  "multiplier",
  "output-rotation",
  "input-rotation",
  "fc-diagonal",
  "product",
] as const;

/**
 * A kind of HE pruning structure, by what zeroing it deletes:
 *
 * - `multiplier`: products holding the same kernels (a generalised diagonal of a kernel block, all
 *   taps): their Mult and Add;
 * - `output-rotation`: every product summed into one rotated partial sum: their Mults and Adds and
 *   that output Perm;
 * - `input-rotation`: every product reading one rotated input: their Mults and Adds and that
 *   input Perm;
 * - `fc-diagonal`: one packed diagonal of an FC weight matrix: its rotation, Mult and Add;
 * - `product`: the weights of one plaintext product: its Mult (the finest such unit).
 */
export type StructureKind = typeof STRUCTURE_KINDS[number];

/**
 * The kinds selection offers by default: Hunter's three (internal, external, weight diagonal)
 * in their conv and FC forms. `product`, the finest unit that deletes a Mult, is opt-in.
 *
 * @example Every kind but `product`
 * ```ts
 * import { DEFAULT_KINDS, STRUCTURE_KINDS } from "./structures.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(DEFAULT_KINDS, STRUCTURE_KINDS.filter((k) => k !== "product"));
 * ```
 */
export const DEFAULT_KINDS: readonly StructureKind[] = [
  "multiplier",
  "output-rotation",
  "input-rotation",
  "fc-diagonal",
];

/** A set of weights (flat indices, position space) whose zeroing deletes HE ops. */
export interface Structure {
  /** Which kind of structure this is (what its zeroing deletes: `StructureKind`). */
  readonly kind: StructureKind;
  /** Sorted flat weight indices. */
  readonly weights: Int32Array;
}

/** Geometry options a layer's structures depend on. */
export interface StructureOptions {
  /** Framework whose plan the structures follow (`FRAMEWORKS`). */
  readonly framework: string;
  /** HE parameters the layer is planned and priced under. */
  readonly preset: Preset;
  /**
   * The framework's plan method (`structureMethod`; default GAZELLE `or`, since the structures of
   * `auto` would depend on the weights; CrypTFlow2 `sci`; Cheetah `coeff`).
   */
  readonly method?: string;
}

/**
 * The HE structure model of one linear layer: its products and the rotations and partial sums
 * they feed, each with a cost in predicted milliseconds, plus the structures built from them.
 * Weight indices are flat (conv [co][ci][k][k], FC [out][in]) in position space; products, input
 * groups and partial sums are numbered 0 … count − 1 across all parts of the layer's program.
 */
export interface LayerStructures {
  /** Layer name (the network node's name). */
  readonly layer: string;
  /** Framework the layer was planned for. */
  readonly framework: string;
  /** Method of the plan: GAZELLE conv `ir` or `or`, CrypTFlow2 conv `sci`, FC `hybrid`. */
  readonly method: string;
  /** The layer's shape. */
  readonly shape: LayerShape;
  /** Number of weights. */
  readonly weights: number;
  /** Weights per basic pruning unit (k·k for conv: one 2-D kernel; 1 for FC). */
  readonly unitSize: number;
  /** Products: weights of product m are `prodWeights[prodStart[m] .. prodStart[m + 1]]`. */
  readonly prodStart: Int32Array;
  /** Weight indices of every product, product after product, each product's sorted. */
  readonly prodWeights: Int32Array;
  /** Products of weight j: `weightProds[weightStart[j] .. weightStart[j + 1]]`. */
  readonly weightStart: Int32Array;
  /** Product indices of every weight, weight after weight (`weightStart` delimits them). */
  readonly weightProds: Int32Array;
  /** Predicted ms of each product (its Mult and the Add that consumes it). */
  readonly prodCost: Float64Array;
  /** Input group (rotated input or NTT-ed input) of each product. */
  readonly prodRot: Int32Array;
  /** Predicted ms of each input group: its input rotation (if any), NTT and switches. */
  readonly rotCost: Float64Array;
  /** Products reading each input group (the group is deleted when all of them are). */
  readonly rotSize: Int32Array;
  /** Partial sum (accumulator) of each product. */
  readonly prodAcc: Int32Array;
  /** Predicted ms of each partial sum: its INTT and switches, and the output rotation of it. */
  readonly accCost: Float64Array;
  /** Products summed into each partial sum (it is deleted when all of them are). */
  readonly accSize: Int32Array;
  /**
   * Every structure of the layer, all kinds (`product` included); a weight set that is two coarser
   * kinds at once is listed once, under the kind that deletes more.
   */
  readonly structures: readonly Structure[];
  /** Dense (unpruned) counts of the pruning-aware plan (every product live). */
  readonly dense: OpCounts;
  /** Measured node-seal unit costs (ms per op) of the preset, which price every cost above. */
  readonly unit: UnitCosts;
  /**
   * Exact pruning-aware counts of the layer with `kept` (1 = kept, position space), rotations under
   * the dense plan's Galois keys (re-planning may choose fewer keys: fewer key switches).
   */
  counts(kept: Uint8Array): OpCounts;
  /** Exact ops deleted by zeroing `s` on top of `kept` (default: the dense layer). */
  claim(s: Structure, kept?: Uint8Array): OpCounts;
}

/**
 * Pruning-aware counts of a dense plan after zeroing weights: products whose weights are all
 * zero vanish, then every op whose value is identically zero or whose result nothing uses (an
 * unused rotation or NTT, a partial sum of nothing, the add of a zero term).
 *
 * @example All masks live: the plan's counts; none: no Mult
 * ```ts
 * import { survivingCounts } from "./structures.ts";
 * import { countPlan, getPreset } from "../he/mod.ts";
 * import { planGazelle } from "../frameworks/mod.ts";
 * import { parseLayerSpec, syntheticLayer } from "../nn/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const layer = syntheticLayer("c", parseLayerSpec("conv:h=8,w=8,ci=4,co=4,k=3"), 1);
 * const plan = planGazelle(layer, { preset: getPreset("gazelle"), method: "or" }).parts[0];
 * assertEquals(survivingCounts(plan, () => true).mult, countPlan(plan).mult);
 * assertEquals(survivingCounts(plan, () => false).mult, 0);
 * ```
 */
export function survivingCounts(plan: LayerPlan, maskLive: (mask: number) => boolean): OpCounts {
  const ops = plan.ops;
  const n = ops.length;
  const list: HeOp[] = new Array(n);
  let maxReg = plan.inputs;
  for (let i = 0; i < n; i++) {
    const op = list[i] = ops.get(i);
    const r = op.kind === "rotate" || op.kind === "mul" || op.kind === "scale" || op.kind === "add"
      ? Math.max(op.dst, op.src)
      : op.kind === "zero"
      ? op.dst
      : op.reg;
    if (r > maxReg) maxReg = r;
  }
  const nz = new Uint8Array(maxReg + 1);
  nz.fill(1, 0, plan.inputs);
  const result = new Uint8Array(n), srcNz = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const op = list[i];
    switch (op.kind) {
      case "rotate":
        result[i] = nz[op.dst] = nz[op.src];
        break;
      case "mul":
      case "scale":
        result[i] = nz[op.dst] = nz[op.src] && maskLive(op.mask) ? 1 : 0;
        break;
      case "add":
        srcNz[i] = nz[op.src];
        result[i] = nz[op.dst] & nz[op.src];
        nz[op.dst] |= nz[op.src];
        break;
      case "zero":
        // Stock plans only: an encryption of zero that sums start from; never a value.
        nz[op.dst] = 0;
        break;
      default:
        result[i] = nz[op.reg];
    }
  }
  const needed = new Uint8Array(maxReg + 1);
  for (const o of plan.outputs) if (o !== null) needed[o] = 1;
  const c = zeroCounts();
  const keySteps = new Set(plan.keys.steps);
  const coeff = plan.masks.ntt === false;
  const depths = ops.depths();
  for (let i = n - 1; i >= 0; i--) {
    const op = list[i];
    let keep = false;
    switch (op.kind) {
      case "rotate":
      case "mul":
      case "scale":
        keep = needed[op.dst] === 1 && result[i] === 1;
        if (keep) needed[op.src] = 1;
        break;
      case "add":
        if (needed[op.dst] && srcNz[i]) needed[op.src] = 1;
        keep = needed[op.dst] === 1 && result[i] === 1;
        break;
      case "zero":
        break;
      default:
        keep = needed[op.reg] === 1 && result[i] === 1;
    }
    if (keep) tallyOp(c, op, keySteps, coeff, depths[i]);
  }
  c.cts_up = plan.inputs;
  // An output whose value is identically zero is not returned.
  c.cts_down = plan.outputs.filter((o) => o !== null && nz[o] === 1).length;
  return c;
}

/** Weights of a product, from the index-weighted plan (weight j is stored as j + 1). */
function productWeights(plan: LayerPlan, m: number): number[] {
  let vals: number[];
  if (plan.masks.weightsOf) vals = plan.masks.weightsOf(m);
  else {
    const buf = new BigInt64Array(plan.slots);
    plan.masks.fill(m, buf);
    vals = [];
    for (const v of buf) if (v !== 0n) vals.push(Number(v));
  }
  const set = [...new Set(vals)].map((v) => v - 1).sort((a, b) => a - b);
  return set;
}

function hashOf(a: ArrayLike<number>): string {
  let h1 = 0x811c9dc5, h2 = 0x9e3779b9;
  for (let i = 0; i < a.length; i++) {
    h1 = Math.imul(h1 ^ a[i], 16777619);
    h2 = Math.imul(h2 + a[i], 2246822519) ^ (h2 >>> 13);
  }
  return `${a.length}:${h1 >>> 0}:${h2 >>> 0}`;
}

const cache = new Map<string, LayerStructures>();

/**
 * The structure model of a layer shape under a framework (cached per geometry: it does not
 * depend on the weights).
 *
 * @example What zeroing one output-rotation structure deletes
 * ```ts
 * import { layerStructures } from "./structures.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { parseLayerSpec } from "../nn/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const s = layerStructures("c", parseLayerSpec("conv:h=8,w=8,ci=8,co=8,k=3"), {
 *   framework: "gazelle",
 *   preset: getPreset("gazelle"),
 * });
 * const rot = s.structures.find((x) => x.kind === "output-rotation")!;
 * const c = s.claim(rot);
 * // Its output Perm, and the Mult and Add of each of the 9 products summed into it.
 * assertEquals([c.perm_out, c.mult, c.add], [1, 9, 9]);
 * ```
 */
export function layerStructures(
  name: string,
  shape: LayerShape,
  opts: StructureOptions,
): LayerStructures {
  const method = structureMethod(frameworkName(opts.framework), opts.method);
  const key = `${opts.framework}|${opts.preset.name}|${method}|${shapeLabel(shape)}`;
  const hit = cache.get(key);
  if (hit) return { ...hit, layer: name };
  const built = buildStructures(name, shape, opts, method);
  if (cache.size > 256) cache.clear();
  cache.set(key, built);
  return built;
}

function buildStructures(
  name: string,
  shape: LayerShape,
  opts: StructureOptions,
  method: string,
): LayerStructures {
  if (shape.kind === "bn") throw new Error("a BatchNorm layer has no pruning structures");
  const nW = weightCount(shape);
  const index = Int32Array.from({ length: nW }, (_, j) => j + 1);
  const program: LayerProgram = planLayer({ name, shape, weights: index }, {
    framework: frameworkName(opts.framework),
    preset: opts.preset,
    method,
  });
  const unit = unitCostsFor(opts.preset.name);
  if (!unit) throw new Error(`no unit costs for preset ${opts.preset.name}`);
  const unitSize = shape.kind === "conv" ? shape.k * shape.k : 1;
  const scan = emptyScan();
  program.parts.forEach((plan, part) => scanPart(scan, plan, part, unit));
  const idx = indexProducts(scan, nW);
  const structures = structuresOf(scan, idx, unitSize, shape.kind === "fc");
  const { counts, claim } = exactCounts(program, scan, idx, nW);
  return {
    layer: name,
    framework: opts.framework,
    method: program.method,
    shape,
    weights: nW,
    unitSize,
    prodStart: idx.prodStart,
    prodWeights: idx.prodWeights,
    weightStart: idx.weightStart,
    weightProds: idx.weightProds,
    prodCost: Float64Array.from(scan.prodCost),
    prodRot: Int32Array.from(scan.prodRot),
    rotCost: Float64Array.from(scan.rotCost),
    rotSize: idx.rotSize,
    prodAcc: idx.prodAcc,
    accCost: Float64Array.from(idx.accCost),
    accSize: idx.accSize,
    structures,
    dense: scan.dense,
    unit,
    counts,
    claim,
  };
}

/** Predicted ms of one op of a plan: what products, input groups and partial sums are priced in. */
function opMs(op: HeOp, plan: LayerPlan, unit: UnitCosts): number {
  const c = zeroCounts();
  tallyOp(c, op, new Set(plan.keys.steps), plan.masks.ntt === false);
  return predictMs(c, unit);
}

/** Per product, input group and accumulator slot: what `scanPart` collects for `indexProducts`. */
interface ProductScan {
  /** Weights of each product (from the index-weighted masks). */
  readonly prodW: number[][];
  readonly prodCost: number[];
  readonly prodRot: number[];
  /** Accumulator slot of each product (slots dropped when products merge are NaN in accCost). */
  readonly prodAcc: number[];
  readonly prodPart: number[];
  readonly prodMask: number[];
  readonly rotCost: number[];
  /** Whether each input group is read through an input rotation. */
  readonly rotIn: boolean[];
  readonly accCost: number[];
  /** Whether each accumulator slot feeds an output rotation. */
  readonly rotOut: boolean[];
  readonly dense: OpCounts;
}

/** The empty scan `buildStructures` fills part by part. */
function emptyScan(): ProductScan {
  return {
    prodW: [],
    prodCost: [],
    prodRot: [],
    prodAcc: [],
    prodPart: [],
    prodMask: [],
    rotCost: [],
    rotIn: [],
    accCost: [],
    rotOut: [],
    dense: zeroCounts(),
  };
}

/** Register facts of one part's ops (input rotations, merges, unary ms) that `scanPart` needs. */
function partRegisters(list: readonly HeOp[], msOf: (op: HeOp) => number) {
  const rotatedBy = new Map<number, number>(); // reg → index of the rotate op writing it
  list.forEach((op, i) => {
    if (op.kind === "rotate" && op.side === "in") rotatedBy.set(op.dst, i);
  });
  // A register that receives a partial sum (not a product) is merged: the ops on it from then
  // on (output-level rotations, switches) are shared and belong to no one partial sum.
  const products = new Set<number>();
  const mergedAt = new Map<number, number>();
  list.forEach((op, i) => {
    if (op.kind === "mul") products.add(op.dst);
    else if (op.kind === "add" && !products.has(op.src) && !mergedAt.has(op.dst)) {
      mergedAt.set(op.dst, i);
    }
  });
  const own = (reg: number, i: number) => !(i > (mergedAt.get(reg) ?? Infinity));
  const unaryMs = new Map<number, number>();
  list.forEach((op, i) => {
    if ((op.kind === "ntt" || op.kind === "intt" || op.kind === "modswitch") && own(op.reg, i)) {
      unaryMs.set(op.reg, (unaryMs.get(op.reg) ?? 0) + msOf(op));
    }
  });
  return { rotatedBy, own, unaryMs };
}

/** Step 1, per plan part: its products, input groups and partial sums with costs; dense counts. */
function scanPart(scan: ProductScan, plan: LayerPlan, part: number, unit: UnitCosts) {
  const ops = plan.ops;
  const list = Array.from({ length: ops.length }, (_, i) => ops.get(i));
  const msOf = (op: HeOp) => opMs(op, plan, unit);
  const addMs = unit.add;
  const { prodW, prodCost, prodRot, prodAcc, rotCost, accCost, rotOut, rotIn } = scan;
  const { rotatedBy, own, unaryMs } = partRegisters(list, msOf);
  // Register → input group / accumulator ids, for this part.
  const groupOfReg = new Map<number, number>();
  const accOfReg = new Map<number, number>();
  const prodOfReg = new Map<number, number>();
  for (const op of list) {
    if (op.kind === "mul") {
      const m = prodW.length;
      prodW.push(productWeights(plan, op.mask));
      scan.prodPart.push(part);
      scan.prodMask.push(op.mask);
      prodCost.push(msOf(op) + addMs);
      let g = groupOfReg.get(op.src);
      if (g === undefined) {
        g = rotCost.length;
        groupOfReg.set(op.src, g);
        const r = rotatedBy.get(op.src);
        rotCost.push((r === undefined ? 0 : msOf(list[r])) + (unaryMs.get(op.src) ?? 0));
        rotIn.push(r !== undefined);
      }
      prodRot.push(g);
      prodOfReg.set(op.dst, m);
      const a = accCost.length;
      accOfReg.set(op.dst, a);
      accCost.push(0);
      rotOut.push(false);
      prodAcc.push(a);
    } else if (op.kind === "add") {
      const m = prodOfReg.get(op.src);
      const a = accOfReg.get(op.dst);
      if (m !== undefined && a !== undefined && prodAcc[m] !== a) {
        // The product joins the accumulator it is added into; its own slot is dropped.
        accCost[prodAcc[m]] = NaN;
        prodAcc[m] = a;
      }
    }
  }
  // Accumulator costs: INTT and switches of the root, and the output rotation reading it.
  for (const [reg, a] of accOfReg) {
    if (Number.isNaN(accCost[a])) continue;
    accCost[a] = unaryMs.get(reg) ?? 0;
  }
  for (const [i, op] of list.entries()) {
    if (op.kind === "rotate" && op.side === "out" && own(op.src, i)) {
      const a = accOfReg.get(op.src);
      if (a !== undefined && !Number.isNaN(accCost[a])) {
        accCost[a] += msOf(op);
        rotOut[a] = true;
      }
    }
  }
  const c = survivingCounts(plan, () => true);
  addCounts(scan.dense, c);
}

/** Step 2: product ↔ weight incidence as flat arrays, accumulators renumbered densely, sizes. */
function indexProducts(scan: ProductScan, nW: number) {
  const { prodW, prodRot, prodAcc, rotCost, accCost, rotOut } = scan;
  const accMap = new Int32Array(accCost.length).fill(-1);
  const accCostD: number[] = [], accOut: boolean[] = [];
  accCost.forEach((v, a) => {
    if (!Number.isNaN(v)) {
      accMap[a] = accCostD.length;
      accCostD.push(v);
      accOut.push(rotOut[a]);
    }
  });
  const P = prodW.length;
  const prodStart = new Int32Array(P + 1);
  for (let m = 0; m < P; m++) prodStart[m + 1] = prodStart[m] + prodW[m].length;
  const prodWeights = new Int32Array(prodStart[P]);
  prodW.forEach((w, m) => prodWeights.set(w, prodStart[m]));
  const weightStart = new Int32Array(nW + 1);
  for (const j of prodWeights) weightStart[j + 1]++;
  for (let j = 0; j < nW; j++) weightStart[j + 1] += weightStart[j];
  const fillAt = weightStart.slice(0, nW);
  const weightProds = new Int32Array(prodWeights.length);
  for (let m = 0; m < P; m++) {
    for (let q = prodStart[m]; q < prodStart[m + 1]; q++) {
      weightProds[fillAt[prodWeights[q]]++] = m;
    }
  }
  const prodAccD = Int32Array.from(prodAcc, (a) => accMap[a]);
  const rotSize = new Int32Array(rotCost.length), accSize = new Int32Array(accCostD.length);
  for (let m = 0; m < P; m++) {
    rotSize[prodRot[m]]++;
    accSize[prodAccD[m]]++;
  }
  return {
    prodStart,
    prodWeights,
    weightStart,
    weightProds,
    prodAcc: prodAccD,
    accCost: accCostD,
    accOut,
    rotSize,
    accSize,
  };
}

/** Step 3: the structures of the products, each weight set once (the kinds: module doc). */
function structuresOf(
  scan: ProductScan,
  idx: ReturnType<typeof indexProducts>,
  unitSize: number,
  fc: boolean,
): Structure[] {
  const { prodW, prodPart, prodRot, rotIn } = scan;
  const P = prodW.length;
  const structures: Structure[] = [];
  const seen = new Set<string>();
  const add = (kind: StructureKind, members: number[]) => {
    const set = new Set<number>();
    for (const m of members) for (const j of prodW[m]) set.add(j);
    if (set.size === 0) return;
    const weights = Int32Array.from(set).sort();
    const key = kind === "product" ? `p${hashOf(weights)}` : hashOf(weights);
    if (seen.has(key)) return;
    seen.add(key);
    structures.push({ kind, weights });
  };
  const byKernels = new Map<string, number[]>();
  for (let m = 0; m < P; m++) {
    const kernels = [...new Set(prodW[m].map((j) => Math.floor(j / unitSize)))].sort((a, b) =>
      a - b
    );
    const key = `${prodPart[m]}|${kernels.join(",")}`;
    let l = byKernels.get(key);
    if (!l) byKernels.set(key, l = []);
    l.push(m);
  }
  // The larger kinds first: a set that is both an output-rotation and a multiplier structure
  // (a layer with one input ciphertext) is kept under the kind that deletes more.
  if (!fc) {
    const accMembers = Array.from({ length: idx.accCost.length }, () => [] as number[]);
    const rotMembers = Array.from({ length: scan.rotCost.length }, () => [] as number[]);
    for (let m = 0; m < P; m++) {
      accMembers[idx.prodAcc[m]].push(m);
      rotMembers[prodRot[m]].push(m);
    }
    accMembers.forEach((ms, a) => idx.accOut[a] && add("output-rotation", ms));
    rotMembers.forEach((ms, r) => rotIn[r] && add("input-rotation", ms));
  }
  for (const members of byKernels.values()) add(fc ? "fc-diagonal" : "multiplier", members);
  for (let m = 0; m < P; m++) add("product", [m]);
  return structures;
}

/** Step 4, `counts` and `claim`: the dense plan re-counted without the products a mask empties. */
function exactCounts(
  program: LayerProgram,
  scan: ProductScan,
  idx: ReturnType<typeof indexProducts>,
  nW: number,
): Pick<LayerStructures, "counts" | "claim"> {
  const { prodPart, prodMask } = scan;
  const { prodStart, prodWeights } = idx;
  const P = prodPart.length;
  const counts = (kept: Uint8Array): OpCounts => {
    if (kept.length !== nW) throw new Error(`mask of ${kept.length} for ${nW} weights`);
    const total = zeroCounts();
    program.parts.forEach((plan, part) => {
      const live = new Map<number, boolean>();
      for (let m = 0; m < P; m++) {
        if (prodPart[m] !== part) continue;
        let any = false;
        for (let q = prodStart[m]; q < prodStart[m + 1] && !any; q++) {
          any = kept[prodWeights[q]] === 1;
        }
        live.set(prodMask[m], any);
      }
      const c = survivingCounts(plan, (mask) => live.get(mask) ?? true);
      addCounts(total, c);
    });
    return total;
  };
  const claim = (s: Structure, kept?: Uint8Array): OpCounts => {
    const before = kept ?? new Uint8Array(nW).fill(1);
    const after = before.slice();
    for (const j of s.weights) after[j] = 0;
    const a = counts(before), b = counts(after);
    return subCounts(a, b);
  };
  return { counts, claim };
}
