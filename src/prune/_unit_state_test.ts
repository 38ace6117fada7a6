import { assert, assertAlmostEquals } from "@std/assert";
import fc from "fast-check";
import { UnitState } from "./_unit_state.ts";
import { swapPositions, type Touch } from "./_swap.ts";
import { ProxyState } from "./_proxy.ts";
import type { LayerMove } from "./permute.ts";
import { layerStructures } from "./structures.ts";
import { FRAMEWORKS } from "../frameworks/mod.ts";
import { getPreset } from "../he/mod.ts";
import { SeededRng } from "../base/mod.ts";
import { parseLayerSpec } from "../nn/mod.ts";

/**
 * The test oracle, the assembler's old way: apply the swap to the whole row or column block of
 * the per-weight model (`swapPositions` on `ProxyState`), read the change of Φ and of the predicted
 * ms, and swap back.
 */
function applyAndRevert(t: Touch, p: number, q: number): { dPhi: number; dMs: number } {
  const phi = t.state.phi, ms = t.state.ms;
  swapPositions(t, p, q);
  const d = { dPhi: t.state.phi - phi, dMs: t.state.ms - ms };
  swapPositions(t, p, q);
  return d;
}

/** A small random layer: its spec and how its weights move (an FC may read a flattened map). */
const layerCase = fc.oneof(
  fc.record({
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    ci: fc.integer({ min: 2, max: 12 }),
    co: fc.integer({ min: 2, max: 12 }),
    k: fc.constantFrom(1, 3),
    // Stride 2 splits a kernel's taps over several classes under CrypTFlow2.
    stride: fc.constantFrom(1, 2),
  }).map(({ h, w, ci, co, k, stride }) => ({
    spec: `conv:h=${h},w=${w},ci=${ci},co=${co},k=${k},s=${stride}`,
    move: { rows: co, cols: ci, inner: k * k, block: 1 },
  })),
  fc.record({
    channels: fc.integer({ min: 2, max: 10 }),
    block: fc.integer({ min: 1, max: 4 }),
    out: fc.integer({ min: 2, max: 10 }),
  }).map(({ channels, block, out }) => ({
    spec: `fc:in=${channels * block},out=${out}`,
    move: { rows: out, cols: channels * block, inner: 1, block },
  })),
);

/** One layer, mask and swap sequence checked against the oracle; whether any swap moved the ms. */
function checkSwaps(
  framework: string,
  spec: string,
  m: Omit<LayerMove, "outTie" | "inTie">,
  keep: number,
  wholeKernels: boolean,
  maskSeed: number,
  trials: readonly (readonly [boolean, number, number, boolean])[],
): { kernelUnits: boolean; deaths: number } {
  const s = layerStructures("c", parseLayerSpec(spec), { framework, preset: getPreset(framework) });
  const move: LayerMove = { ...m, outTie: null, inTie: null };
  const rng = new SeededRng(maskSeed);
  const kept = new Uint8Array(s.weights);
  const unit = wholeKernels ? move.inner : 1;
  for (let j = 0; j < s.weights; j += unit) kept.fill(rng.next() < keep ? 1 : 0, j, j + unit);
  const u = new UnitState(new ProxyState(s, kept), move);
  const oracle = new ProxyState(s, kept);
  let deaths = 0;
  for (const [rows, a, b, apply] of trials) {
    const side = rows ? "rows" : "cols";
    const n = u.positions(side), p = a % n, q = b % n;
    const t: Touch = { state: oracle, move, rows };
    const { dPhi, dMs } = applyAndRevert(t, p, q);
    u.evaluate(side, p, q);
    const at = `${framework} ${spec} ${side} ${p}↔${q}`;
    assertAlmostEquals(u.gainPhi, dPhi, 1e-9 * (1 + Math.abs(oracle.phi)), `Φ, ${at}`);
    assertAlmostEquals(-u.gainDeleted, dMs, 1e-9 * (1 + oracle.ms), `ms, ${at}`);
    if (dMs !== 0) deaths++;
    if (!apply) continue;
    u.swap(side, p, q);
    swapPositions(t, p, q);
    assertAlmostEquals(u.phi, oracle.phi, 1e-9 * (1 + Math.abs(oracle.phi)), `Φ, ${at}`);
    assertAlmostEquals(u.ms, oracle.ms, 1e-9 * (1 + oracle.ms), `ms, ${at}`);
  }
  return { kernelUnits: u.unit > 1, deaths };
}

const swaps = fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.nat(), fc.boolean()), {
  minLength: 1,
  maxLength: 40,
});

Deno.test("UnitState's incremental swap delta equals apply-and-revert on the per-weight model (random layers, masks and swaps, every framework)", () => {
  let cases = 0, kernelUnits = 0, deaths = 0;
  fc.assert(
    fc.property(
      layerCase,
      fc.constantFrom(...FRAMEWORKS),
      // Kept fraction, and whether whole kernels are kept or pruned (MOSAIC's kernel units).
      fc.constantFrom(0.05, 0.3, 0.7, 0.95),
      fc.boolean(),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      swaps,
      ({ spec, move }, framework, keep, wholeKernels, maskSeed, trials) => {
        const r = checkSwaps(framework, spec, move, keep, wholeKernels, maskSeed, trials);
        cases++;
        if (r.kernelUnits) kernelUnits++;
        deaths += r.deaths;
      },
    ),
    { seed: 16, numRuns: 300 },
  );
  // The cases must reach both unit sizes and swaps that complete or revive structures.
  assert(kernelUnits > 20, `only ${kernelUnits} of ${cases} cases had kernel units`);
  assert(deaths > 100, `only ${deaths} swaps changed the predicted ms`);
});

Deno.test("UnitState's incremental swap delta equals apply-and-revert where every kernel lies in two classes (a stride-2 CrypTFlow2 convolution)", () => {
  // Every kernel's taps fall in two classes here (ResNet-18's stride-2 convolutions are alike).
  const spec = "conv:h=32,w=32,ci=32,co=8,k=3,s=2";
  const move = { rows: 8, cols: 32, inner: 9, block: 1 };
  fc.assert(
    fc.property(
      fc.constantFrom(0.05, 0.3, 0.7),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      swaps,
      (keep, maskSeed, trials) => {
        checkSwaps("cryptflow2", spec, move, keep, true, maskSeed, trials);
      },
    ),
    { seed: 16, numRuns: 30 },
  );
});
