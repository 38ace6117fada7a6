/**
 * A synthetic assembly instance: one free channel tie between two convolutions (the producer
 * writes it, the consumer reads it), with whole kernels kept i.i.d. at random. It isolates the
 * assembler's search from the rest of pruning, so it can be timed on full-width layers
 * (`bench/assembler_bench.ts`).
 *
 * @module
 */
import type { Preset } from "../he/mod.ts";
import { type ChannelTie, type LayerShape, parseLayerSpec } from "../nn/mod.ts";
import { SeededRng, UserError } from "../base/mod.ts";
import { assemble, type AssembleOptions } from "./assemble.ts";
import type { LayerMove } from "./permute.ts";
import { ProxyState } from "./_proxy.ts";
import { layerStructures } from "./structures.ts";

/** The layers, framework and mask of a synthetic assembly instance. */
export interface SyntheticAssemblyOptions {
  /** Framework whose structures the layers have (`gazelle`, `cryptflow2`, `cheetah`). */
  readonly framework: string;
  /** HE parameters the layers are planned and priced under. */
  readonly preset: Preset;
  /** Conv layer spec of the producer (its `co` output channels are the tie). */
  readonly producer: string;
  /** Conv layer spec of the consumer (its `ci` must equal the producer's `co`). */
  readonly consumer: string;
  /** Fraction of kernels kept, each drawn independently (default 0.3). */
  readonly keep?: number;
  /** Seed of the mask (default 1). */
  readonly seed?: number;
}

/** What one assembly of the instance did (`AssembleResult` without the permutation). */
export interface AssemblySummary {
  /** Swap trials evaluated. */
  readonly trials: number;
  /** Swaps kept. */
  readonly accepted: number;
  /** Φ of the two layers in the mask's own order. */
  readonly phiBefore: number;
  /** … after assembly. */
  readonly phiAfter: number;
  /** Predicted ms deleted by complete structures in the mask's own order. */
  readonly deletedBefore: number;
  /** … after assembly. */
  readonly deletedAfter: number;
  /** Wall-clock ms of the assembly. */
  readonly ms: number;
}

/**
 * Build a synthetic instance (the layers' structures are built here, once) and return a function
 * that assembles it from the same mask on every call.
 *
 * @example Assembly raises Φ, the same way on every call
 * ```ts
 * import { syntheticAssembly } from "./synthetic_assembly.ts";
 * import { getPreset } from "../he/mod.ts";
 * import { assertEquals, assertGreater } from "@std/assert";
 *
 * const run = syntheticAssembly({
 *   framework: "gazelle",
 *   preset: getPreset("gazelle"),
 *   producer: "conv:h=4,w=4,ci=16,co=32,k=3",
 *   consumer: "conv:h=4,w=4,ci=32,co=16,k=3",
 * });
 * const a = run({ seed: 1, minTrials: 200 }), b = run({ seed: 1, minTrials: 200 });
 * assertGreater(a.phiAfter, a.phiBefore);
 * assertEquals({ ...a, ms: 0 }, { ...b, ms: 0 });
 * ```
 */
export function syntheticAssembly(
  opts: SyntheticAssemblyOptions,
): (assembly: AssembleOptions) => AssemblySummary {
  const producer = convShape(opts.producer, "producer");
  const consumer = convShape(opts.consumer, "consumer");
  if (producer.co !== consumer.ci) {
    throw new UserError(
      `synthetic assembly: the producer writes ${producer.co} channels but the consumer reads ` +
        `${consumer.ci}: give the consumer ci=${producer.co}`,
    );
  }
  const keep = opts.keep ?? 0.3;
  if (!(keep >= 0 && keep <= 1)) {
    throw new UserError(`synthetic assembly: keep ${keep} is not a fraction: give 0 to 1`);
  }
  const tie: ChannelTie = {
    tensors: ["tie"],
    channels: producer.co,
    producers: ["producer"],
    consumers: [{ layer: "consumer", block: 1 }],
    followers: [],
    fixed: false,
  };
  const rng = new SeededRng(opts.seed ?? 1);
  const layer = (name: string, shape: ConvShape, outTie: ChannelTie | null) => {
    const s = layerStructures(name, shape, opts), cell = shape.k * shape.k;
    const kept = new Uint8Array(s.weights);
    for (let j = 0; j < s.weights; j += cell) if (rng.next() < keep) kept.fill(1, j, j + cell);
    const move: LayerMove = {
      rows: shape.co,
      cols: shape.ci,
      inner: cell,
      block: 1,
      outTie,
      inTie: outTie ? null : tie,
    };
    return { s, move, kept };
  };
  const layers = [layer("producer", producer, tie), layer("consumer", consumer, null)];
  const moves = new Map(layers.map(({ s, move }) => [s.layer, move]));
  return (assembly) => {
    const states = new Map(layers.map(({ s, kept }) => [s.layer, new ProxyState(s, kept)]));
    const { trials, accepted, phiBefore, phiAfter, deletedBefore, deletedAfter, ms } = assemble(
      [tie],
      moves,
      states,
      assembly,
    );
    return { trials, accepted, phiBefore, phiAfter, deletedBefore, deletedAfter, ms };
  };
}

type ConvShape = Extract<LayerShape, { kind: "conv" }>;

function convShape(spec: string, what: string): ConvShape {
  const shape = parseLayerSpec(spec);
  if (shape.kind !== "conv") {
    throw new UserError(`synthetic assembly: the ${what} "${spec}" is no conv: give conv:…`);
  }
  return shape;
}
