/**
 * What a layer's plan will hold, predicted from its shape and the framework's packing before
 * anything is built: each planner's part counts (ciphertexts, masks, ops, rotations, tables), as
 * upper bounds of the built plan's, turned into bytes by the HE side's `estimateMemory`. Shapes a
 * planner refuses on its own (a map row wider than half a ciphertext, SCI needing N = 65536)
 * predict nothing for the parts it would not build: the planner says why, before allocating.
 *
 * @module
 */
import {
  DEFAULT_KEY_BUDGET_BYTES,
  estimateMemory,
  type MemoryEstimate,
  type PartCounts,
  type Preset,
} from "../he/mod.ts";
import {
  type BnShape,
  convOutH,
  convOutW,
  convPads,
  type ConvShape,
  type FcShape,
  inputCount,
  type LayerShape,
  weightCount,
} from "../nn/mod.ts";
import { cheetahConvGeometry, cheetahFcSplit } from "./cheetah/mod.ts";

/** The planner options a memory estimate reads (a subset of `PlanOptions`). */
export interface MemoryPlanOptions {
  /** The framework (`FRAMEWORKS`). */
  readonly framework: string;
  /** The preset the layer is planned at (CrypTFlow2 grows N per layer as SCI does). */
  readonly preset: Preset;
  /**
   * GAZELLE's conv method (`auto`, the default, plans OR and may plan IR too), or Cheetah's
   * (`coeff`, `ntt`).
   */
  readonly method?: string;
  /** Stock plans (nothing skipped). */
  readonly stock?: boolean;
  /** Largest exact Galois key set before the ±2^i set. */
  readonly keyBudgetBytes?: number;
  /** A weight mask: `planLayer` then copies the weights once. */
  readonly mask?: Uint8Array;
}

/** JavaScript heap per mask of the rotation planner: index record, schedule, products, key set. */
const ROTATION_MASK_BYTES = 128;
/** JavaScript heap per mask of the hybrid FC planner: a [chunk, diagonal, group] tuple. */
const FC_MASK_BYTES = 160;
/** JavaScript heap per mask of the element-wise planner: its ciphertext index and output slot. */
const ELEMENTWISE_MASK_BYTES = 32;
/** JavaScript heap per input rotation object (with its rotation and issue-order entries). */
const IN_ROTATION_BYTES = 192;
/** Largest ring degree node-seal supports (SCI would go to 65536). */
const MAX_SLOTS = 32768;

/** Next power of two ≥ x (1 for x ≤ 1), without looping on x (Infinity stays Infinity). */
function np2(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (x <= 1) return 1;
  let p = 2 ** Math.ceil(Math.log2(x));
  if (p < x) p *= 2;
  else if (p / 2 >= x) p /= 2;
  return p;
}

/**
 * Of the channel offsets a conv may use (`straight` rotations by whole channel blocks within the
 * halves, `crossed` ones with the half swap), how many can pair one of `ci` input channels with
 * one of `co` output channels when a ciphertext holds `cn` (the first cn/2 in its lower half;
 * `fold`: outputs stand in both halves). A pair (output block j, input block j + r) fixes the
 * offset, and a half's channels are contiguous, so a pairing of halves holding a and b channels
 * yields at most a + b − 1 offsets.
 */
function pairedOffsets(
  straight: number,
  crossed: number,
  ci: number,
  co: number,
  cn: number,
  fold = false,
): number {
  const h = cn / 2;
  const halves = (c: number) => [Math.min(c, h), Math.min(Math.max(c - h, 0), h)];
  const inH = halves(ci), outH = halves(co);
  if (fold) outH[1] = outH[0];
  const d = (i: number, o: number) => (inH[i] > 0 && outH[o] > 0 ? inH[i] + outH[o] - 1 : 0);
  return Math.min(straight, h, d(0, 0) + d(1, 1)) + Math.min(crossed, h, d(0, 1) + d(1, 0));
}

/** A conv layer lowered to a stride-1 grid as `lowerConv` does: grid, channels and taps. */
function gazelleGrid(s: ConvShape) {
  const [top, left, bottom, right] = convPads(s);
  const same = top === left && top === bottom && top === right && 2 * top === s.k - 1;
  const oh = convOutH(s), ow = convOutW(s);
  if (s.s === 1 && same) {
    return { gh: s.h, gw: s.w, ci: s.ci, taps: s.k * s.k, outElems: s.co * oh * ow };
  }
  const a = Math.ceil(s.k / s.s);
  const phases = Math.min(s.s, s.k) ** 2;
  return {
    gh: oh + a - 1,
    gw: ow + a - 1,
    ci: phases * s.ci,
    taps: a * a,
    outElems: s.co * oh * ow,
  };
}

/** A packing's shape as `blockPacking` / `rowPacking` lay it out, or null if neither fits. */
function packingOf(gh: number, gw: number, n: number):
  | { kind: "blocks"; cn: number; parts: 1 }
  | { kind: "rows"; cn: 2; parts: number }
  | null {
  if (!Number.isFinite(gh * gw)) return null;
  const block = np2(gh * gw);
  if (2 * block <= n) return { kind: "blocks", cn: n / block, parts: 1 };
  const half = n / 2;
  if (gw > half) return null;
  let parts = 2;
  while (Math.ceil(gh / parts) * gw > half) parts *= 2;
  return { kind: "rows", cn: 2, parts };
}

/** Counts of a rotation-planned conv part (`planRotationConv`), from its scheme's sizes. */
interface RotationSizes {
  readonly slots: number;
  readonly primes: number;
  /** Input and output ciphertexts. */
  readonly inCts: number;
  readonly outCts: number;
  /** Channels per ciphertext of the output packing (its groups per ciphertext are ≤ 2×). */
  readonly channelsPerCt: number;
  /** Input rotations, partial sums (output ciphertext × output rotation), products, taps. */
  readonly inRots: number;
  readonly partials: number;
  readonly products: number;
  readonly taps: number;
  /** Output ciphertexts one input rotation targets. */
  readonly targets: number;
  /** Elements of the input grid stack and of the output (valid) stack. */
  readonly inElems: number;
  readonly outElems: number;
  /** Distinct rotation steps (key candidates). */
  readonly keySteps: number;
  /** Mod switches after the products and at the end; stock sums from zero; folded halves. */
  readonly switchesAfterMac: number;
  readonly switchesAtEnd: number;
  readonly fold: boolean;
  /** Elements of the layer's own input (the client's tensor before lifting). */
  readonly layerInputs: number;
  readonly keyBudgetBytes?: number;
}

function rotationPart(z: RotationSizes): PartCounts {
  const n = z.slots;
  const acc = z.partials;
  const ops = 2 * z.inRots + 2 * z.products + acc * (6 + z.switchesAfterMac) +
    z.outCts * (11 + z.switchesAtEnd) + 16;
  const groupsPerCt = Math.min(n, 2 * z.channelsPerCt);
  const tables =
    // Packings: slot ↔ element tables both ways, and every slot's element (channel, position).
    (z.inCts + z.outCts) * n * 12 + (z.inElems + z.outElems) * 4 +
    // Output groups (folded halves add half a ciphertext), their objects, one ciphertext's lists.
    z.outCts * n * 12 * (z.fold ? 1.5 : 1) + z.outCts * groupsPerCt * 256 + 64 * n +
    // Representatives per (output ct, tap), rotation objects, targets, partial sums.
    z.outCts * z.taps * groupsPerCt * 4 + z.inRots * (IN_ROTATION_BYTES + 8 * z.targets) +
    acc * 96;
  return {
    slots: n,
    primes: z.primes,
    nttMasks: true,
    inputs: z.inCts,
    outputs: z.outCts,
    masks: z.products,
    maskRecordBytes: ROTATION_MASK_BYTES,
    ops,
    keySteps: z.keySteps,
    keyBudgetBytes: z.keyBudgetBytes,
    // The sums, a product, and the rotated inputs: one at a time in rotation-major order (sums ≤
    // rotations), all of them (fewer than the sums) in accumulator-major order; the caller's
    // inputs stay alive beside their NTT copies.
    liveCiphertexts: 2 * z.inCts + Math.min(z.inRots, acc) + acc + z.outCts + 4,
    tableBytes: tables,
    elements: z.layerInputs + z.inElems + z.outElems,
  };
}

function gazelleConv(s: ConvShape, o: MemoryPlanOptions): PartCounts[] {
  const n = o.preset.polyModulusDegree;
  const g = gazelleGrid(s);
  const pack = packingOf(g.gh, g.gw, n);
  const method = o.method ?? "auto";
  if (!pack || (method === "ir" && pack.kind === "rows")) return []; // the planner refuses
  const inCts = Math.ceil(g.ci / pack.cn) * pack.parts;
  const outCts = Math.ceil(s.co / pack.cn) * pack.parts;
  // Channel offsets that pair some input with some output channel (GAZELLE's stock code issues
  // every offset; pruning-aware plans skip the all-zero rest).
  const offsets = o.stock || pack.kind === "rows"
    ? pack.cn
    : pairedOffsets(pack.cn / 2, pack.cn / 2, g.ci, s.co, pack.cn);
  const common = {
    slots: n,
    primes: o.preset.coeffModulusBits.length,
    inCts,
    outCts,
    channelsPerCt: pack.cn,
    taps: g.taps,
    inElems: g.ci * g.gh * g.gw,
    outElems: g.outElems,
    switchesAfterMac: 0,
    switchesAtEnd: 0,
    fold: false,
    layerInputs: inputCount(s),
    keyBudgetBytes: o.keyBudgetBytes,
  };
  const or = (): PartCounts => {
    if (pack.kind === "rows") {
      const targets = Math.ceil(outCts / pack.parts);
      const inRots = inCts * g.taps;
      return rotationPart({
        ...common,
        inRots,
        partials: outCts * 2,
        products: inRots * targets * 2,
        targets,
        keySteps: g.taps + 1,
      });
    }
    const inRots = inCts * g.taps;
    return rotationPart({
      ...common,
      inRots,
      partials: outCts * offsets, // stock: every offset
      products: inRots * outCts * offsets,
      targets: outCts,
      keySteps: g.taps + offsets + 1,
    });
  };
  const ir = (): PartCounts => {
    const inRots = inCts * offsets * g.taps;
    return rotationPart({
      ...common,
      inRots,
      partials: outCts,
      products: inRots * outCts,
      targets: outCts,
      keySteps: offsets * g.taps + 1,
    });
  };
  if (method === "or") return [or()];
  if (method === "ir") return [ir()];
  // `auto` keeps the OR plan while it may plan IR too (rows: OR only).
  return pack.kind === "rows" ? [or()] : [or(), ir()];
}

/** SCI's stride phases (`sciPhases`) and their parts (`planPhase`), up to the first it refuses. */
function cryptflow2Conv(s: ConvShape, o: MemoryPlanOptions): PartCounts[] {
  const newH = convOutH(s), newW = convOutW(s);
  const limitH = s.k + (newH - 1) * s.s, limitW = s.k + (newW - 1) * s.s;
  const stock = o.stock ?? false;
  const parts: PartCounts[] = [];
  const reach = Math.min(s.s, s.k);
  for (let sr = 0; sr < reach; sr++) {
    for (let sc = 0; sc < reach; sc++) {
      const lfh = Math.ceil((s.k - sr) / s.s), lfw = Math.ceil((s.k - sc) / s.s);
      const lh = Math.ceil((limitH - sr) / s.s), lw = Math.ceil((limitW - sc) / s.s);
      const hw = lh * lw;
      const n = Math.min(65536, Math.max(o.preset.polyModulusDegree, 2 * np2(hw)));
      if (!(n <= MAX_SLOTS)) return parts; // the planner refuses this phase
      const S = np2(hw), cn = n / S, cph = cn / 2;
      const inCts = Math.ceil(s.ci / cn), outCts = Math.ceil(s.co / cn);
      const outHalves = Math.ceil(s.co / cph), inpHalves = Math.ceil(s.ci / cph);
      const outRots = outHalves > 1 ? 2 * cph : cph;
      const taps = lfh * lfw;
      const inRots = inCts * taps;
      // SCI skips all-zero masks even in its own code: only rotations pairing channels count.
      const fold = outHalves === 1 && inpHalves > 1;
      const paired = pairedOffsets(cph, outRots - cph, s.ci, s.co, cn, fold);
      parts.push(rotationPart({
        slots: n,
        primes: o.preset.coeffModulusBits.length,
        inCts,
        outCts,
        channelsPerCt: cn,
        inRots,
        // Stock SCI rotates an encryption of zero for every empty partial sum too.
        partials: outCts * (stock ? outRots : paired),
        products: inRots * outCts * paired,
        taps,
        targets: outCts,
        inElems: s.ci * hw,
        outElems: s.co * newH * newW,
        keySteps: taps + (stock ? outRots : paired) + 1,
        switchesAfterMac: 1 + (stock ? 2 : 0),
        switchesAtEnd: 1 + (stock ? 2 : 0),
        fold,
        layerInputs: inputCount(s),
        keyBudgetBytes: o.keyBudgetBytes,
      }));
    }
  }
  return parts;
}

/** The hybrid FC method (`planHybridFc`) at `n` slots. */
function hybridFc(s: FcShape, n: number, o: MemoryPlanOptions, switches: number): PartCounts {
  const niP = np2(s.in);
  const L = Math.min(niP, n / 2);
  const chunks = niP / L;
  const pack = n / L;
  const noP = np2(s.out);
  const [D, groups] = noP <= pack * L ? [Math.max(1, noP / pack), 1] : [L, Math.ceil(s.out / n)];
  const masks = chunks * D * groups;
  const inRots = chunks * (D - 1);
  const log = Math.max(0, Math.ceil(Math.log2(L / D)));
  const ops = 2 * inRots + chunks + 2 * masks + groups * (8 + 2 * log + 2 * switches) + 16;
  return {
    slots: n,
    primes: o.preset.coeffModulusBits.length,
    nttMasks: true,
    inputs: chunks,
    outputs: groups,
    masks,
    maskRecordBytes: FC_MASK_BYTES,
    ops,
    keySteps: Math.min(D, n / 2) + log,
    keyBudgetBytes: o.keyBudgetBytes,
    // Inputs (and their NTT copies), a rotated chunk, a product, the sums, a rotated sum.
    liveCiphertexts: 2 * chunks + groups + 6,
    tableBytes: (inRots + groups * log) * 64,
    elements: s.in + s.out,
  };
}

function cryptflow2Fc(s: FcShape, o: MemoryPlanOptions): PartCounts[] {
  const n = Math.min(65536, Math.max(o.preset.polyModulusDegree, 2 * np2(s.in)));
  if (!(n <= MAX_SLOTS)) return []; // the planner refuses
  return [hybridFc(s, n, o, 2 + (o.stock ? 2 : 0))];
}

/** The element-wise planner (`planElementwise`): one product per ciphertext. */
function elementwise(s: BnShape, o: MemoryPlanOptions): PartCounts[] {
  const n = o.preset.polyModulusDegree;
  const total = s.c * s.h * s.w;
  const cts = Math.ceil(total / n);
  return [{
    slots: n,
    primes: o.preset.coeffModulusBits.length,
    nttMasks: false,
    inputs: cts,
    outputs: cts,
    masks: cts,
    maskRecordBytes: ELEMENTWISE_MASK_BYTES,
    ops: 6 * cts + 16,
    keySteps: 0,
    keyBudgetBytes: o.keyBudgetBytes ?? DEFAULT_KEY_BUDGET_BYTES,
    // Every input is encrypted up front and every output kept: both ends are alive at once.
    liveCiphertexts: 3 * cts + 4,
    tableBytes: 0,
    elements: 2 * total,
  }];
}

/** JavaScript heap per Cheetah mask: its (output, block) entry and its id in the dense table. */
const CHEETAH_MASK_BYTES = 16;

/**
 * A Cheetah part (`CheetahProgram`): `products` products, each an op and its add; per output an
 * INTT (`ntt`), re-share, switch and extraction; per input an NTT (`ntt`). Inputs and outputs are
 * all alive at the end (outputs are kept until returned), with a product and the caller's copies.
 */
function cheetahPart(
  o: MemoryPlanOptions,
  z: {
    inputs: number;
    outputs: number;
    masks: number;
    products: number;
    ntt: boolean;
    tableBytes: number;
    elements: number;
  },
): PartCounts {
  return {
    slots: o.preset.polyModulusDegree,
    primes: o.preset.coeffModulusBits.length,
    nttMasks: z.ntt,
    inputs: z.inputs,
    outputs: z.outputs,
    masks: z.masks,
    maskRecordBytes: CHEETAH_MASK_BYTES,
    ops: 2 * z.products + 4 * z.outputs + (z.ntt ? z.inputs : 0) + 16,
    keySteps: 0,
    keyBudgetBytes: o.keyBudgetBytes,
    liveCiphertexts: 2 * z.inputs + z.outputs + 6,
    // The plan's output list and per-output coefficient tables, beside the caller's tables.
    tableBytes: z.tableBytes + 8 * z.outputs,
    elements: z.elements,
  };
}

function cheetahConv(s: ConvShape, o: MemoryPlanOptions): PartCounts[] {
  let g;
  try {
    g = cheetahConvGeometry(s, o.preset.polyModulusDegree);
  } catch {
    return []; // the planner refuses (a kernel larger than its block)
  }
  const blocks = g.nH * g.nW;
  const oh = convOutH(s), ow = convOutW(s);
  return [cheetahPart(o, {
    inputs: g.nC * blocks,
    outputs: s.co * blocks,
    masks: s.co * g.nC,
    products: s.co * g.nC * blocks,
    ntt: o.method === "ntt",
    // Coefficient positions of every output (one list per spatial block), the mask index table.
    tableBytes: 4 * oh * ow + 64 * blocks + 4 * s.co * g.nC,
    elements: s.ci * s.h * s.w + s.co * oh * ow,
  })];
}

function cheetahFc(s: FcShape, o: MemoryPlanOptions): PartCounts[] {
  const { d0, d1 } = cheetahFcSplit(s.in, s.out, o.preset.polyModulusDegree);
  const ctIn = Math.ceil(s.in / d1), ctOut = Math.ceil(s.out / d0);
  return [cheetahPart(o, {
    inputs: ctIn,
    outputs: ctOut,
    masks: ctIn * ctOut,
    products: ctIn * ctOut,
    ntt: o.method === "ntt",
    tableBytes: 4 * s.out + 64 * ctOut,
    elements: s.in + s.out,
  })];
}

function cheetahBn(s: BnShape, o: MemoryPlanOptions): PartCounts[] {
  const side = Math.floor(Math.sqrt(o.preset.polyModulusDegree));
  const th = Math.min(side, s.h), tw = Math.min(side, s.w);
  const tiles = Math.ceil(s.h / th) * Math.ceil(s.w / tw);
  return [cheetahPart(o, {
    inputs: s.c * tiles,
    outputs: s.c * tiles,
    masks: s.c,
    products: s.c * tiles,
    ntt: false, // scalar products need no transform
    tableBytes: 4 * tiles * th * tw + 64 * tiles + 8 * s.c,
    elements: 2 * s.c * s.h * s.w,
  })];
}

/**
 * The predicted part counts of a layer under a framework (see the module comment); an unknown
 * framework predicts nothing (`planLayer` refuses it).
 */
export function layerCounts(shape: LayerShape, opts: MemoryPlanOptions): PartCounts[] {
  if (opts.framework === "cheetah") {
    if (opts.preset.encoding !== "coefficient") return []; // the planner refuses a slot preset
    switch (shape.kind) {
      case "conv":
        return cheetahConv(shape, opts);
      case "fc":
        return cheetahFc(shape, opts);
      case "bn":
        return cheetahBn(shape, opts);
    }
  }
  const gazelle = opts.framework === "gazelle";
  if (!gazelle && opts.framework !== "cryptflow2") return [];
  switch (shape.kind) {
    case "conv":
      return gazelle ? gazelleConv(shape, opts) : cryptflow2Conv(shape, opts);
    case "fc":
      return gazelle
        ? [hybridFc(shape, opts.preset.polyModulusDegree, opts, 0)]
        : cryptflow2Fc(shape, opts);
    case "bn":
      return elementwise(shape, opts);
  }
}

/** The memory estimate of a layer of shape `shape`, named `name`, planned under `opts`. */
export function layerMemory(
  shape: LayerShape,
  name: string,
  opts: MemoryPlanOptions,
): MemoryEstimate {
  return estimateMemory(
    name,
    opts.framework,
    layerCounts(shape, opts),
    weightCount(shape),
    opts.mask !== undefined,
  );
}
