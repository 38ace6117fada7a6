/**
 * Progress of long steps that would otherwise be silent (MOSAIC's assembly, timing a model with
 * `deno bench`): lines such as `12/40 layers, 3.1 s elapsed, ETA 7 s` through a
 * `(line: string) => void` callback, at most one per interval (the last one always), the time left
 * estimated from the time per unit of work so far.
 *
 * @module
 */

/**
 * A duration as a progress line says it: `3.1 s` under a minute, then `3 min 5 s`, `2 h 5 min`.
 * Elapsed times (`"tenths"`) show tenths of a second and round longer ones to the nearest; estimates
 * (`"ceil"`) show whole seconds rounded up: an estimate should neither claim tenths nor promise
 * less time than it expects.
 *
 * @example Elapsed times in tenths, estimates rounded up to whole seconds
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatDuration } from "./progress.ts";
 *
 * assertEquals(formatDuration(3140), "3.1 s");
 * assertEquals(formatDuration(6200, "ceil"), "7 s");
 * assertEquals(formatDuration(185_200), "3 min 5 s");
 * assertEquals(formatDuration(7_510_000), "2 h 5 min");
 * ```
 */
export function formatDuration(ms: number, round: "tenths" | "ceil" = "tenths"): string {
  const s = Math.max(0, ms) / 1000;
  if (round === "tenths" && s < 59.95) return `${s.toFixed(1)} s`;
  const up = round === "ceil";
  const whole = up ? Math.ceil(s - 1e-9) : Math.round(s);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  const min = up ? Math.ceil(whole / 60) : Math.round(whole / 60);
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** What one progress line says. */
export interface ProgressState {
  /** Items finished. */
  readonly done: number;
  /** Items in all. */
  readonly total: number;
  /** The items, plural (`layers`, `benches`). */
  readonly what: string;
  /** Time since the step started, ms. */
  readonly elapsedMs: number;
  /** Estimated time left, ms, or null when there is no estimate yet (nothing finished). */
  readonly etaMs: number | null;
}

/**
 * One progress line: `12/40 layers, 3.1 s elapsed, ETA 7 s`; without the estimate when there is
 * none yet, and when everything is done.
 *
 * @example Under way, and done
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatProgress } from "./progress.ts";
 *
 * const line = formatProgress({ done: 12, total: 40, what: "layers", elapsedMs: 3100, etaMs: 6400 });
 * assertEquals(line, "12/40 layers, 3.1 s elapsed, ETA 7 s");
 * assertEquals(
 *   formatProgress({ done: 40, total: 40, what: "layers", elapsedMs: 9800, etaMs: 0 }),
 *   "40/40 layers, 9.8 s elapsed",
 * );
 * ```
 */
export function formatProgress(p: ProgressState): string {
  const eta = p.etaMs === null || p.done >= p.total
    ? ""
    : `, ETA ${formatDuration(p.etaMs, "ceil")}`;
  return `${p.done}/${p.total} ${p.what}, ${formatDuration(p.elapsedMs)} elapsed${eta}`;
}

/** How an `EtaProgress` counts, estimates and throttles. */
export interface EtaProgressOptions {
  /** Items in all (layers, benches). */
  readonly total: number;
  /** The items, plural, as the line names them. */
  readonly what: string;
  /**
   * Work of all items, in any unit (default `total`: every item the same). When items differ in
   * size, give their work here and the work finished to `update`: the estimate is the time per
   * unit of work so far times the work left.
   */
  readonly totalWork?: number;
  /** Text before the counts (e.g. `mosaic: assembly, `). */
  readonly prefix?: string;
  /** Fewest ms between two lines (default 1000); the line of the last item always comes. */
  readonly intervalMs?: number;
  /** The clock, ms (default `performance.now`); the step starts when the `EtaProgress` is made. */
  readonly now?: () => number;
}

/**
 * A throttled progress reporter with an estimate of the time left: `update` after each item; a
 * line goes to `say` when `intervalMs` have passed since the last one (or since the start), and
 * always for the last item.
 *
 * @example Items of unequal work, a line at most every second (a test clock)
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { EtaProgress } from "./progress.ts";
 *
 * let t = 0;
 * const lines: string[] = [];
 * const p = new EtaProgress((l) => lines.push(l), {
 *   total: 3,
 *   what: "layers",
 *   totalWork: 10,
 *   now: () => t,
 * });
 * t = 500;
 * p.update(1, { work: 1 }); // too soon after the start: no line
 * t = 2000;
 * p.update(2, { work: 4 }); // 4 units in 2 s: the 6 left take 3 s
 * t = 2100;
 * p.update(3, { work: 10 }); // the last item: always a line
 * assertEquals(lines, ["2/3 layers, 2.0 s elapsed, ETA 3 s", "3/3 layers, 2.1 s elapsed"]);
 * ```
 */
export class EtaProgress {
  readonly #say: (line: string) => void;
  readonly #total: number;
  readonly #what: string;
  readonly #totalWork: number;
  readonly #prefix: string;
  readonly #interval: number;
  readonly #now: () => number;
  readonly #start: number;
  #last: number;
  #finished = false;

  /** A reporter whose step starts now; `say` receives the lines. */
  constructor(say: (line: string) => void, opts: EtaProgressOptions) {
    this.#say = say;
    this.#total = opts.total;
    this.#what = opts.what;
    this.#totalWork = opts.totalWork ?? opts.total;
    this.#prefix = opts.prefix ?? "";
    this.#interval = opts.intervalMs ?? 1000;
    this.#now = opts.now ?? (() => performance.now());
    this.#start = this.#last = this.#now();
  }

  /**
   * Record that `done` items are finished (`work`: the work they took, in `totalWork`'s unit;
   * default `done`). Says a line (with `note` after it, in parentheses) if the interval has passed
   * or this is the last item, and tells whether it did; after the last item, says nothing more.
   */
  update(done: number, opts: { readonly work?: number; readonly note?: string } = {}): boolean {
    if (this.#finished) return false;
    const now = this.#now();
    const last = done >= this.#total;
    if (!last && now - this.#last < this.#interval) return false;
    this.#last = now;
    this.#finished = last;
    const work = opts.work ?? done, elapsedMs = now - this.#start;
    const etaMs = work > 0 ? elapsedMs / work * Math.max(0, this.#totalWork - work) : null;
    const line = formatProgress({ done, total: this.#total, what: this.#what, elapsedMs, etaMs });
    this.#say(`${this.#prefix}${line}${opts.note ? ` (${opts.note})` : ""}`);
    return true;
  }
}
