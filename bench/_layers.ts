/**
 * Shared machinery of the per-layer benches: each case is planned up front; on its bench's first
 * call it is prepared (keys, NTT masks) and encrypted outside the timed region, and that call's
 * output (deno bench's warm-up run) is checked against the integer reference before any of its
 * timings is reported (a wrong layer is an error, never a number): the check needs no run of its
 * own. `Deno.bench` times the server compute of all its parts.
 * At the end, the fastest wall-clock samples are printed next to Σ (op count × unit op time),
 * with unit times measured in this same process (the fastest batch, CPU time). Each timed call's
 * CPU time goes to stderr as `cpu-ms <name> <ms>`, which the study reads beside deno bench's
 * wall-clock statistics.
 */
import { randomModT, SeededRng } from "../src/base/mod.ts";
import {
  type CiphertextHandle,
  countPlan,
  decryptOutput,
  encryptInput,
  type LayerProgram,
  predictMs,
  type PreparedLayer,
  prepareLayer,
  runServer,
  type ServerResult,
  type UnitCosts,
} from "../src/he/mod.ts";
import { inputCount, type IntLayer, referenceLayer } from "../src/nn/mod.ts";
import { measureUnitCosts, timingClock } from "../src/he/mod.ts";

/** One timed layer. */
export interface LayerCase {
  readonly model: string;
  readonly layer: IntLayer;
  readonly framework: string;
  readonly variant: string;
  readonly program: LayerProgram;
  /** The group's baseline (the unpruned layer). */
  readonly baseline?: boolean;
  /** Timed samples (default 3; 1 for slow layers). */
  readonly n?: number;
}

/** Options of `benchLayers`. */
export interface BenchLayersOptions {
  readonly seed?: number;
  /** Measure unit costs in-process and print measured vs predicted at exit (default true). */
  readonly predict?: boolean;
}

const unitCache = new Map<string, UnitCosts>();
const rows: { name: string; predicted: number; times: number[] }[] = [];

const encoder = new TextEncoder();
const clock = timingClock();

type Prepared = { prep: PreparedLayer; inputs: CiphertextHandle[] }[];

/** The one layer whose keys, masks and inputs are alive (a full model does not fit at once). */
let live: { name: string; preps: Prepared } | null = null;

function release(): void {
  if (!live) return;
  for (const { prep, inputs } of live.preps) {
    for (const ct of inputs) ct.delete();
    prep[Symbol.dispose]();
  }
  live = null;
}

/** Keys, masks and encrypted input of a case. */
async function prepare(c: LayerCase, x: Float64Array): Promise<Prepared> {
  const preps: Prepared = [];
  for (const part of c.program.parts) {
    const prep = await prepareLayer(part);
    preps.push({ prep, inputs: encryptInput(prep, x) });
  }
  return preps;
}

/** Throw unless the server results of a case's parts decrypt to the integer reference layer. */
function verify(
  c: LayerCase,
  name: string,
  x: Float64Array,
  preps: Prepared,
  results: readonly ServerResult[],
): void {
  const t = c.program.parts[0].preset.plainModulus;
  let sum = new Float64Array(0);
  preps.forEach(({ prep }, i) => {
    const { y } = decryptOutput(prep, results[i].outputs);
    const mask = prep.plan.unpackOutput(results[i].masks);
    const res = y.map((v, j) => (v - mask[j] + t) % t);
    sum = sum.length === 0 ? res : sum.map((v, j) => (v + res[j]) % t);
  });
  const ref = referenceLayer(c.layer, x, t);
  if (!sum.every((v, j) => v === ref[j])) throw new Error(`${name}: HE output is wrong`);
}

/**
 * Register a `Deno.bench` for each case. A case is prepared (keys, mask encoding, encryption) on
 * its bench's first call, before `b.start()`, and that call's results are verified after
 * `b.end()` (deno bench keeps no sample of its warm-up call, and no `cpu-ms` line is written
 * before the check passes); the previous case is freed first, so one layer's SEAL objects are
 * alive at a time whatever the model's size.
 */
export async function benchLayers(
  cases: readonly LayerCase[],
  opts: BenchLayersOptions = {},
): Promise<void> {
  const seed = opts.seed ?? 200;
  const predict = opts.predict ?? true;
  for (const [i, c] of cases.entries()) {
    const t = c.program.parts[0].preset.plainModulus;
    const x = randomModT(inputCount(c.layer.shape), t, new SeededRng(seed + i));
    let predicted = 0;
    if (predict) {
      for (const part of c.program.parts) {
        if (!unitCache.has(part.preset.name)) {
          unitCache.set(part.preset.name, await measureUnitCosts(part.preset));
        }
        predicted += predictMs(countPlan(part), unitCache.get(part.preset.name)!);
      }
    }
    const name = `${c.model}/${c.layer.name}/${c.framework}/${c.variant}`;
    const row = { name, predicted, times: [] as number[] };
    if (predict) rows.push(row);
    Deno.bench(
      {
        name,
        group: `${c.model}/${c.layer.name}/${c.framework}`,
        baseline: c.baseline ?? false,
        n: c.n ?? 3,
        warmup: 1,
      },
      async (b) => {
        const first = live?.name !== name;
        if (first) {
          release();
          live = { name, preps: await prepare(c, x) };
        }
        const { preps } = live!;
        b.start();
        const t0 = performance.now(), c0 = clock.now();
        const results = preps.map(({ prep, inputs }) => runServer(prep, inputs));
        const cpu = clock.now() - c0;
        const wall = performance.now() - t0;
        b.end();
        try {
          if (first) {
            verify(c, name, x, preps, results);
            // Progress on stderr, written directly: deno bench swallows console output of
            // benches, and --json keeps stdout for its JSON.
            Deno.stderr.writeSync(encoder.encode(`verified ${name} [${i + 1}/${cases.length}]\n`));
          }
          row.times.push(wall);
          // The timed call's CPU time, for the study to read beside deno bench's wall clock.
          if (clock.statistic === "cpu-min") {
            Deno.stderr.writeSync(encoder.encode(`cpu-ms ${name} ${cpu.toFixed(4)}\n`));
          }
        } finally {
          for (const r of results) r[Symbol.dispose]();
        }
      },
    );
  }
}

// On stderr: `deno bench --json` keeps stdout for its JSON.
globalThis.addEventListener("unload", () => {
  release();
  if (rows.length === 0) return;
  console.error(
    "\nmeasured server time vs cost model Σ count × unit time (unit times measured in-process)",
  );
  for (const r of rows) {
    if (r.times.length === 0) continue;
    const fastest = Math.min(...r.times);
    console.error(
      `${r.name.padEnd(64)} fastest ${fastest.toFixed(1).padStart(9)} ms  predicted ` +
        `${r.predicted.toFixed(1).padStart(9)} ms  ratio ${(fastest / r.predicted).toFixed(3)}`,
    );
  }
});
