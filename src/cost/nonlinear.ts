/**
 * Cost model of the nonlinear layers, which run outside HE (CrypTFlow2: OT-based protocols over the
 * field Z_p for SCI-HE; GAZELLE: garbled circuits; Cheetah: VOLE-style silent-OT protocols over
 * Z_{2^ℓ}, counted but not modelled). Communication and rounds per docs/frameworks.md §2.7
 * (λ = 128); counts come from the number of activations. Pruning changes them only when channels
 * vanish.
 *
 * @module
 */
import { inferShapes, LAYER_SPEC_LIMITS, type Network } from "../nn/mod.ts";
import { UserError } from "../base/mod.ts";

/** A nonlinear layer: ReLU on c × h × w activations, or a k × k / stride s MaxPool. */
export type NonlinearShape =
  | { readonly kind: "relu"; readonly c: number; readonly h: number; readonly w: number }
  | {
    readonly kind: "maxpool";
    readonly c: number;
    readonly h: number;
    readonly w: number;
    readonly k: number;
    readonly s: number;
  };

/** Communication and rounds of a nonlinear layer; null where no published formula exists. */
export interface NonlinearCost {
  /** The protocol costed (e.g. "CrypTFlow2 ReLU over Z_p (SCI_HE)"). */
  readonly protocol: string;
  /** Number of ReLU (comparison) instances. */
  readonly relus: number;
  /** Total communication in bits (an upper bound for CrypTFlow2's formulas). */
  readonly bits: number | null;
  /** Communication rounds (a MaxPool adds up those of its k² − 1 sequential ReLUs). */
  readonly rounds: number | null;
  /** The formula used and where it is published, or why there is none. */
  readonly source: string;
}

/** Security parameter λ of the OT / GC protocols. */
const LAMBDA = 128;

/** Per-ReLU cost of a framework for η-bit values (null where no formula is published). */
function reluUnit(
  framework: string,
  eta: number,
): { bits: number | null; rounds: number | null; protocol: string; source: string } {
  if (framework === "cryptflow2") {
    return {
      bits: 1.5 * LAMBDA * (eta + 1) + 31 * eta,
      rounds: Math.ceil(Math.log2(eta)) + 4,
      protocol: "CrypTFlow2 ReLU over Z_p (SCI_HE)",
      source: "CrypTFlow2: < (3/2)·λ·(η+1) + 31η bits, log η + 4 rounds (docs/frameworks.md §2.7)",
    };
  }
  if (framework === "gazelle") {
    return {
      bits: 18 * LAMBDA * eta - 6 * LAMBDA,
      rounds: 2,
      protocol: "garbled-circuit ReLU over Z_p",
      source:
        "GC baseline 18λη − 6λ bits, 2 rounds (CrypTFlow2's comparison, docs/frameworks.md §2.7)",
    };
  }
  if (framework === "cheetah") {
    return {
      bits: null,
      rounds: null,
      protocol: "Cheetah ReLU over Z_2^ℓ (VOLE-style silent OT)",
      source: "not modelled: Cheetah's ReLU and truncation run on VOLE-style silent OT (Huang et " +
        "al., USENIX Security 2022, §5; OpenCheetah SCI/src/library_fixed_uniform_cheetah.cpp), " +
        "with no published per-ReLU formula; counted, not costed",
    };
  }
  throw new UserError(`No nonlinear cost model for framework "${framework}"`);
}

/**
 * Communication and rounds of a ReLU or MaxPool layer on η-bit shares (η = bits of the plaintext
 * prime). MaxPool is SCI's linear scan: k² − 1 sequential batched ReLUs, max ← ReLU(max − x) + x.
 *
 * @example One CrypTFlow2 ReLU at η = 32: at most 7328 bits in 9 rounds (docs/frameworks.md §2.7)
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { nonlinearCost } from "./nonlinear.ts";
 *
 * const c = nonlinearCost("cryptflow2", { kind: "relu", c: 1, h: 1, w: 1 }, 32);
 * assertEquals([c.relus, c.bits, c.rounds], [1, 7328, 9]);
 * ```
 *
 * @example Cheetah's ReLUs are counted, their cost not modelled (no published formula)
 * ```ts
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 * import { nonlinearCost } from "./nonlinear.ts";
 *
 * const c = nonlinearCost("cheetah", { kind: "relu", c: 2, h: 4, w: 4 }, 37);
 * assertEquals([c.relus, c.bits, c.rounds], [32, null, null]);
 * assertStringIncludes(c.source, "not modelled");
 * ```
 */
export function nonlinearCost(
  framework: string,
  shape: NonlinearShape,
  eta: number,
): NonlinearCost {
  const unit = reluUnit(framework, eta);
  if (shape.kind === "relu") {
    const relus = shape.c * shape.h * shape.w;
    return {
      protocol: unit.protocol,
      relus,
      bits: unit.bits === null ? null : relus * unit.bits,
      rounds: unit.rounds,
      source: unit.source,
    };
  }
  const oh = Math.floor((shape.h - shape.k) / shape.s) + 1;
  const ow = Math.floor((shape.w - shape.k) / shape.s) + 1;
  const steps = shape.k * shape.k - 1;
  const relus = shape.c * oh * ow * steps;
  if (framework === "gazelle") {
    return {
      protocol: "garbled-circuit MaxPool",
      relus,
      bits: null,
      rounds: null,
      source: "GAZELLE's MaxPool circuit cost is not published (docs/frameworks.md §1.7)",
    };
  }
  if (unit.bits === null || unit.rounds === null) {
    return {
      protocol: `${framework} MaxPool (linear scan of ReLUs)`,
      relus,
      bits: null,
      rounds: null,
      source: `${steps} sequential batched ReLUs per window; ${unit.source}`,
    };
  }
  return {
    protocol: "CrypTFlow2 MaxPool (linear scan of ReLUs)",
    relus,
    bits: relus * unit.bits,
    rounds: steps * unit.rounds,
    source: `${steps} sequential batched ReLUs per window; ${unit.source}`,
  };
}

/**
 * Truncation / field division after a linear layer: counted, cost unknown.
 *
 * @example Truncation has no published cost: bits and rounds are null
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { truncationCost } from "./nonlinear.ts";
 *
 * const c = truncationCost(10);
 * assertEquals([c.relus, c.bits, c.rounds], [0, null, null]);
 * ```
 */
export function truncationCost(values: number): NonlinearCost {
  return {
    protocol: "SCI field division by 2^s (truncation)",
    relus: 0,
    bits: null,
    rounds: null,
    source: `${values} values; SCI's truncation / field-division cost is not available ` +
      "(docs/frameworks.md §2.7), so it is counted but not costed",
  };
}

const FIELDS: Record<string, readonly string[]> = {
  relu: ["c", "h", "w"],
  maxpool: ["c", "h", "w", "k", "s"],
};

/**
 * Parse `relu:c=..,h=..,w=..` or `maxpool:c=..,h=..,w=..,k=..[,s=k]`; null for other kinds.
 *
 * @example The stride of a MaxPool defaults to its window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseNonlinearSpec } from "./nonlinear.ts";
 *
 * assertEquals(parseNonlinearSpec("maxpool:c=64,h=32,w=32,k=2"), {
 *   kind: "maxpool", c: 64, h: 32, w: 32, k: 2, s: 2,
 * });
 * assertEquals(parseNonlinearSpec("conv:h=32,w=32,ci=3,co=64,k=3"), null);
 * ```
 */
export function parseNonlinearSpec(spec: string): NonlinearShape | null {
  const m = /^(relu|maxpool):(.*)$/.exec(spec.trim());
  if (!m) return null;
  const kind = m[1];
  const show = JSON.stringify(spec.length > 200 ? `${spec.slice(0, 199)}…` : spec);
  const f: Record<string, number> = {};
  for (const part of m[2].split(",").filter((x) => x)) {
    const kv = /^([a-z]+)=(\d+)$/.exec(part.trim());
    if (!kv || !FIELDS[kind].includes(kv[1])) {
      throw new UserError(
        `Bad field ${JSON.stringify(part.slice(0, 40))} in ${show}: ${kind} takes ` +
          `${FIELDS[kind].join(", ")}`,
      );
    }
    if (kv[1] in f) throw new UserError(`Spec ${show} gives field "${kv[1]}" twice`);
    const [lo, hi] = LAYER_SPEC_LIMITS[kv[1]];
    f[kv[1]] = Number(kv[2]);
    if (!(f[kv[1]] >= lo && f[kv[1]] <= hi)) {
      throw new UserError(
        `Spec ${show}: field ${kv[1]} = ${kv[2].slice(0, 20)} is out of range ${lo}..${hi}`,
      );
    }
  }
  for (const k of FIELDS[kind]) {
    if (k === "s") continue;
    if (!(f[k] >= 1)) throw new UserError(`Spec ${show} needs ${k} ≥ 1`);
  }
  if (kind === "relu") return { kind, c: f.c, h: f.h, w: f.w };
  const s = f.s ?? f.k;
  if (f.k > f.h || f.k > f.w || s < 1) {
    throw new UserError(`Spec ${show}: the pool window must fit the map and s ≥ 1`);
  }
  return { kind: "maxpool", c: f.c, h: f.h, w: f.w, k: f.k, s };
}

/** Nonlinear cost of a whole network. */
export interface NetworkNonlinear {
  /** ReLU (comparison) instances of all ReLU and MaxPool layers. */
  readonly relus: number;
  /** Communication of the layers with a published formula, bits. */
  readonly bits: number;
  /** Layers without a published formula (counted in `relus`, not in `bits`). */
  readonly uncosted: readonly string[];
}

/**
 * The ReLU and MaxPool layers of a network, costed for a framework on η-bit shares.
 *
 * @example Every ReLU and MaxPool of VGG-16 has a CrypTFlow2 formula; GAZELLE's MaxPools have none
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { networkNonlinear } from "./nonlinear.ts";
 * import { buildZoo } from "../nn/mod.ts";
 *
 * const net = buildZoo("vgg16-cifar10", { width: 0.125 });
 * const c = networkNonlinear(net, "cryptflow2", 37);
 * assert(c.relus > 0 && c.bits > 0);
 * assertEquals(c.uncosted, []);
 * const g = networkNonlinear(net, "gazelle", 20);
 * assertEquals(g.relus, c.relus);
 * assert(g.uncosted.length > 0);
 * ```
 */
export function networkNonlinear(net: Network, framework: string, eta: number): NetworkNonlinear {
  const shapes = inferShapes(net);
  let relus = 0, bits = 0;
  const uncosted: string[] = [];
  for (const n of net.nodes) {
    let shape: NonlinearShape | null = null;
    const s = shapes.get(n.inputs[0]);
    if (!s || s.length !== 3) continue;
    const [c, h, w] = s;
    if (n.op === "Relu") shape = { kind: "relu", c, h, w };
    else if (n.op === "MaxPool") shape = { kind: "maxpool", c, h, w, k: n.k, s: n.stride };
    if (!shape) continue;
    const cost = nonlinearCost(framework, shape, eta);
    relus += cost.relus;
    if (cost.bits === null) uncosted.push(n.name);
    else bits += cost.bits;
  }
  return { relus, bits, uncosted };
}
