/**
 * Reading what a per-model bench file says: the timings of `deno bench --json` (every statistic
 * it gives per bench, ns converted to ms) and the `verified <name> [i/n]` lines the bench file
 * writes on stderr as each bench starts, which are the only progress `deno bench --json` lets
 * through before its JSON at the end.
 *
 * @module
 */
import { z } from "zod";
import {
  checkJson,
  EtaProgress,
  type EtaProgressOptions,
  parseJsonText,
  UserError,
} from "../base/mod.ts";
import type { BenchStats, TimingRow } from "./results.ts";

const ns = z.number().nonnegative();

/** What we read of `deno bench --json` (version 1, deno 2.x); other fields are left alone. */
const benchJsonSchema = z.object({
  benches: z.array(z.object({
    name: z.string(),
    results: z.array(z.object({
      ok: z.object({
        n: z.number().int().nonnegative(),
        min: ns,
        max: ns,
        avg: ns,
        p75: ns,
        p99: ns,
        p995: ns.optional(),
        p999: ns.optional(),
        highPrecision: z.boolean().optional(),
        usedExplicitTimers: z.boolean().optional(),
      }).optional(),
    })),
  })),
});

/** ns to ms, to the ns (what `deno bench` resolves). */
function msOf(t: number): number {
  return Number((t / 1e6).toFixed(6));
}

/** One bench of a `deno bench --json` output: its name and every statistic it gives, in ms. */
export interface BenchResult {
  /** The bench's name. */
  readonly name: string;
  /** Its statistics (ms). */
  readonly stats: BenchStats;
}

/**
 * Every bench of one `deno bench --json` output with every statistic `deno bench` gives (ns
 * converted to ms). `source` names the output in errors; a bench without a result (it failed)
 * is one `UserError`.
 *
 * @example Two benches of a captured output
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { benchResults } from "./_bench_output.ts";
 *
 * const url = new URL("../../fixtures/bench/vgg16_cifar10_quick_gazelle.json", import.meta.url);
 * const [first] = benchResults(await Deno.readTextFile(url), "deno bench of vgg16-cifar10");
 * assertEquals(first.name, "vgg16-cifar10@0.25/features.0/gazelle/unpruned");
 * assertEquals(first.stats.min, 61.565458);
 * ```
 */
export function benchResults(text: string, source: string): BenchResult[] {
  const fix = "the deno version may write another format; report it with `deno --version`";
  const doc = checkJson(benchJsonSchema, parseJsonText(text, source, fix), source, fix);
  return doc.benches.map((b, i) => {
    const ok = b.results[0]?.ok;
    if (!ok) throw new UserError(`${source}: benches[${i}] (${b.name}) has no result`);
    const stats: BenchStats = {
      n: ok.n,
      mean: msOf(ok.avg),
      min: msOf(ok.min),
      max: msOf(ok.max),
      p75: msOf(ok.p75),
      p99: msOf(ok.p99),
      ...(ok.p995 === undefined ? {} : { p995: msOf(ok.p995) }),
      ...(ok.p999 === undefined ? {} : { p999: msOf(ok.p999) }),
      ...(ok.highPrecision === undefined ? {} : { high_precision: ok.highPrecision }),
      ...(ok.usedExplicitTimers === undefined ? {} : { explicit_timers: ok.usedExplicitTimers }),
    };
    return { name: b.name, stats };
  });
}

/**
 * The timing rows of one `deno bench --json` output of a per-model bench file: benches named
 * `<model>[@width]/<layer>/<framework>/<variant>`, each with every statistic `deno bench` gives
 * (`stats`, ms) and its mean again as `measured_ms` (3 decimals). `source` names the output in
 * errors; a bench without a result (it failed) is one `UserError`.
 *
 * @example A captured output of the VGG-16 bench file (quick profile, GAZELLE)
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { benchTimings } from "./_bench_output.ts";
 *
 * const url = new URL("../../fixtures/bench/vgg16_cifar10_quick_gazelle.json", import.meta.url);
 * const rows = benchTimings(await Deno.readTextFile(url), "deno bench of vgg16-cifar10");
 * assertEquals(rows.length, 12);
 * const { model, layer, framework, variant, stats } = rows[0];
 * assertEquals([model, layer, framework, variant], ["vgg16-cifar10", "features.0", "gazelle", "unpruned"]);
 * assertEquals(stats?.min, 61.565458);
 * ```
 */
export function benchTimings(text: string, source: string): TimingRow[] {
  return benchResults(text, source).map(({ name, stats }, i) => {
    const parts = name.split("/");
    if (parts.length < 4) {
      throw new UserError(
        `${source}: benches[${i}]: ${JSON.stringify(name)} is not ` +
          `<model>/<layer>/<framework>/<variant>: the bench file registers other benches`,
      );
    }
    return {
      model: parts[0].split("@")[0],
      layer: parts.slice(1, -2).join("/"),
      framework: parts.at(-2)!,
      variant: parts.at(-1) as TimingRow["variant"],
      measured_ms: Number(stats.mean.toFixed(3)),
      samples: stats.n,
      stats,
    };
  });
}

/** A bench file's `verified <name> [i/n]` line: bench i of n (1-based) is about to be timed. */
export interface VerifiedLine {
  /** The bench's name, `<model>[@width]/<layer>/<framework>/<variant>`. */
  readonly name: string;
  /** Its place among the benches the file registered, from 1. */
  readonly index: number;
  /** How many benches the file registered. */
  readonly count: number;
}

/**
 * Read a `verified <name> [i/n]` line of a bench file's stderr, or null for any other line.
 *
 * @example The third bench of twelve
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { verifiedLine } from "./_bench_output.ts";
 *
 * assertEquals(verifiedLine("verified vgg16-cifar10@0.25/features.0/gazelle/mosaic [3/12]"), {
 *   name: "vgg16-cifar10@0.25/features.0/gazelle/mosaic",
 *   index: 3,
 *   count: 12,
 * });
 * assertEquals(verifiedLine("Check bench/vgg16_cifar10_bench.ts"), null);
 * ```
 */
export function verifiedLine(line: string): VerifiedLine | null {
  const m = line.match(/^verified (\S+) \[(\d+)\/(\d+)\]$/);
  return m ? { name: m[1], index: Number(m[2]), count: Number(m[3]) } : null;
}

/** A bench's name without its model: `<layer>/<framework>/<variant>`. */
function benchKey(name: string): string {
  return name.slice(name.indexOf("/") + 1);
}

/**
 * Progress of a model's benches, from the `verified <name> [i/n]` line the bench file writes as
 * bench i starts (benches 1 … i − 1 are then done): a line with the benches done and an estimate
 * of the time left (at most one a second), and one when `deno bench` has ended. The clock starts
 * at the first bench: before it, `deno bench` type-checks, loads and prunes the model. A bench
 * weighs its predicted ms (`expected`) where those name as many benches as the file runs (the
 * skipped ones aside); otherwise every bench weighs the same. `skipped` lines pass through.
 *
 * @example Three benches, the first two cheap: the estimate counts the third's weight
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { BenchProgress } from "./_bench_output.ts";
 *
 * let t = 0;
 * const lines: string[] = [];
 * const expected = new Map([["l/gazelle/unpruned", 1], ["l/gazelle/hunter", 1], ["l/gazelle/mosaic", 8]]);
 * const p = new BenchProgress((l) => lines.push(l), expected, { now: () => t, intervalMs: 0 });
 * p.line("verified m/l/gazelle/unpruned [1/3]");
 * t = 2000;
 * p.line("verified m/l/gazelle/hunter [2/3]"); // 1 unit in 2 s, 9 left
 * t = 4000;
 * p.line("verified m/l/gazelle/mosaic [3/3]"); // 2 units in 4 s, 8 left
 * t = 20000;
 * p.end();
 * assertEquals(lines, [
 *   "  0/3 benches, 0.0 s elapsed (verified m/l/gazelle/unpruned)",
 *   "  1/3 benches, 2.0 s elapsed, ETA 18 s (verified m/l/gazelle/hunter)",
 *   "  2/3 benches, 4.0 s elapsed, ETA 16 s (verified m/l/gazelle/mosaic)",
 *   "  3/3 benches, 20.0 s elapsed",
 * ]);
 * ```
 */
export class BenchProgress {
  readonly #say: (line: string) => void;
  readonly #expected: ReadonlyMap<string, number>;
  readonly #clock: Pick<EtaProgressOptions, "now" | "intervalMs">;
  readonly #skipped = new Set<string>();
  #meter: EtaProgress | null = null;
  #weight: (key: string) => number = () => 1;
  #count = 0;
  /** Work of the benches done, and of the one under way. */
  #done = 0;
  #current = 0;

  /**
   * Lines go to `say`; `expected` holds predicted ms per bench, keyed
   * `<layer>/<framework>/<variant>`; `clock` sets the meter's clock and interval (for tests).
   */
  constructor(
    say: (line: string) => void,
    expected: ReadonlyMap<string, number>,
    clock: Pick<EtaProgressOptions, "now" | "intervalMs"> = {},
  ) {
    this.#say = say;
    this.#expected = expected;
    this.#clock = clock;
  }

  /** Read one line the bench file wrote on stderr. */
  line(line: string): void {
    if (line.startsWith("skipped ")) {
      this.#skipped.add(benchKey(line.slice("skipped ".length).split(":")[0]));
      this.#say(`  ${line}`);
      return;
    }
    const v = verifiedLine(line);
    if (!v) return;
    if (!this.#meter) this.#start(v.count);
    this.#done += this.#current;
    this.#current = this.#weight(benchKey(v.name));
    this.#meter!.update(v.index - 1, { work: this.#done, note: `verified ${v.name}` });
  }

  /** `deno bench` has ended well: every bench is done. */
  end(): void {
    this.#meter?.update(this.#count, { work: this.#done + this.#current });
  }

  /** The first bench starts: the clock, and the weights if the predictions cover the benches. */
  #start(count: number): void {
    const keys = [...this.#expected.keys()].filter((k) => !this.#skipped.has(k));
    const total = keys.reduce((w, k) => w + this.#expected.get(k)!, 0);
    const weighted = keys.length === count && total > 0;
    if (weighted) this.#weight = (k) => this.#expected.get(k) ?? total / count;
    this.#count = count;
    this.#meter = new EtaProgress(this.#say, {
      total: count,
      what: "benches",
      totalWork: weighted ? total : count,
      prefix: "  ",
      ...this.#clock,
    });
  }
}
