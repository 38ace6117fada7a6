/**
 * The report's headline, the words both pages open with: per framework, one sentence saying for
 * each model how much HE cost MOSAIC leaves against Hunter at equal weight sparsity, at equal
 * retained saliency and (with the accuracy loop) at equal accuracy, with a table of every
 * comparison; above it, what the run was (commit, CPU, date, weights) and how far its predictions
 * can be trusted (which unit costs, measured where, and the median measured / predicted ratio).
 *
 * One source for the words: `index.html` and `summary.md` differ only in the `Markup` passed.
 *
 * @module
 */
import type { Chart } from "./_charts.ts";
import { type Results, unitCostsOrigin } from "../study/mod.ts";
import type { UnitCosts } from "../he/mod.ts";
import {
  accuracyDeltas,
  type MethodDelta,
  REFERENCE_UNIT_COSTS_NAME,
  referenceUnitCosts,
  saliencyDeltas,
  sparsityDeltas,
} from "./_compare.ts";
import { escapeHtml, escapeMarkdown } from "./_escape.ts";

/** How a page marks up the headline's words. */
export interface Markup {
  /** Any value from the results as text of the page (escaped). */
  text(s: unknown): string;
  /** Strong emphasis of already marked-up text. */
  strong(s: string): string;
  /** A command, written as code (fixed strings only, never data). */
  code(s: string): string;
  /** A link to a file of the report (fixed names only, never data). */
  link(href: string, text: string): string;
}

/** Markdown markup (`summary.md`). */
export const MARKDOWN: Markup = {
  text: escapeMarkdown,
  strong: (s) => `**${s}**`,
  code: (s) => `\`${s}\``,
  link: (href, text) => `[${text}](${href})`,
};

/** HTML markup (`index.html`). */
export const HTML: Markup = {
  text: escapeHtml,
  strong: (s) => `<strong>${s}</strong>`,
  code: (s) => `<code>${s}</code>`,
  link: (href, text) => `<a href="${href}">${text}</a>`,
};

/**
 * The range of median measured / predicted server time within which the headline calls the
 * predictions sound; outside it, it says in words that they are off.
 */
export const SOUND_RATIO: readonly [number, number] = [0.87, 1.15];

/** Frameworks as the papers write them. */
const FRAMEWORK_TITLE: Readonly<Record<string, string>> = {
  gazelle: "GAZELLE",
  cryptflow2: "CrypTFlow2",
  cheetah: "Cheetah",
};

/** `fw` as the papers write it (an unknown name as given). */
function frameworkTitle(fw: string): string {
  return FRAMEWORK_TITLE[fw] ?? fw;
}

/**
 * The name of the unit costs the run's predictions and cost percentages are under.
 *
 * @example A results file without a name gets a generic one
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { unitCostsName } from "./_headline.ts";
 *
 * assertEquals(unitCostsName({ manifest: { unit_costs_name: "mine" } } as never), "mine");
 * assertEquals(unitCostsName({ manifest: {} } as never), "node-seal unit costs of the run");
 * ```
 */
export function unitCostsName(r: Results): string {
  return r.manifest.unit_costs_name ?? "node-seal unit costs of the run";
}

/** Whether the run's weights are synthetic (drawn from a seed, never trained). */
function synthetic(r: Results): boolean {
  return /synthetic|not trained/i.test(r.manifest.weights);
}

/**
 * Median measured / predicted ratio per framework (the `time_vs_predicted` chart's rows, under
 * the run's unit costs), with the number of timed layers it is over (empty if nothing was timed).
 *
 * @example Both frameworks of the sample results were timed
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { agreement } from "./_headline.ts";
 * import { allCharts } from "./_charts.ts";
 * import { readResults } from "../study/mod.ts";
 * import { reportWeights } from "./report.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const a = agreement(allCharts(r, reportWeights(r, null)));
 * assertEquals(Object.keys(a).sort(), ["cryptflow2", "gazelle"]);
 * assertEquals(a.gazelle.n + a.cryptflow2.n, r.timings.length);
 * ```
 */
export function agreement(charts: readonly Chart[]): Record<string, { median: number; n: number }> {
  const t = charts.find((c) => c.name === "time_vs_predicted");
  const by = new Map<string, number[]>();
  for (const row of t?.rows ?? []) {
    const l = by.get(String(row.framework)) ?? [];
    l.push(Number(row.ratio));
    by.set(String(row.framework), l);
  }
  const out: Record<string, { median: number; n: number }> = {};
  for (const [fw, l] of by) {
    l.sort((a, b) => a - b);
    const mid = l.length >> 1;
    const median = l.length % 2 ? l[mid] : (l[mid - 1] + l[mid]) / 2;
    out[fw] = { median: Number(median.toFixed(2)), n: l.length };
  }
  return out;
}

/** The ring degrees, per framework, the time chart priced with carried unit costs. */
function carriedRings(charts: readonly Chart[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const t = charts.find((c) => c.name === "time_vs_predicted");
  for (const row of t?.rows ?? []) {
    const ns = String(row.carried_n ?? "").split("+").filter((x) => x !== "").map(Number);
    const fw = String(row.framework), list = out.get(fw) ?? [];
    for (const n of ns) if (!list.includes(n)) list.push(n);
    if (list.length > 0) out.set(fw, list.sort((a, b) => a - b));
  }
  return out;
}

/** An ISO 8601 date-time as `YYYY-MM-DD HH:MM UTC`, a bare date as given. */
function when(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?/.exec(iso);
  if (!m) return iso;
  return m[2] ? `${m[1]} ${m[2]} UTC` : m[1];
}

/** Where the unit costs of the run were measured, in words (no final period). */
function originWords(r: Results, m: Markup): string {
  const o = unitCostsOrigin(r.manifest);
  const calibrate = m.code("deno task calibrate");
  if (o === null) {
    return `${m.text(unitCostsName(r))} (this results file does not record where or when ` +
      "they were measured)";
  }
  const date = o.measured ? ` on ${m.text(when(o.measured))}` : "";
  if (o.kind === "built-in") {
    return `the built-in table, measured on a ${m.text(o.cpu ?? "CPU it does not name")}${date}, ` +
      `not on this machine (run ${calibrate} to measure this one)`;
  }
  if (o.cpu === r.manifest.cpu && (o.how === "measured" || o.how === "cached")) {
    return `measured on this machine by the study${o.how === "cached" ? " (cached)" : ""}` +
      `${date} (${m.text(o.cpu)})`;
  }
  if (o.cpu === r.manifest.cpu) {
    return `calibrated on this machine by ${calibrate}${date} (${m.text(o.cpu)})`;
  }
  if (o.cpu === null) {
    return `calibrated by ${calibrate}${date} on a CPU the calibration file does not name`;
  }
  return `calibrated by ${calibrate}${date} on another CPU (${m.text(o.cpu)}), not this run's ` +
    `(${m.text(r.manifest.cpu)}): run ${calibrate} on this machine`;
}

/** The unit costs of one framework, ms per op, on one line. */
function unitLine(u: UnitCosts): string {
  return `key switch ${u.keySwitch}, plaintext × ciphertext ${u.mult} (coefficient form ` +
    `${u.multCoeff}), add ${u.add}, NTT ${u.ntt}, inverse NTT ${u.intt}, mod switch ` +
    `${u.modSwitch}, encryption ${u.encPublic}, flooding ${u.flood} ms`;
}

/** A number as a percentage of a fraction (0.7 → "70%"). */
function pct(fraction: number): string {
  return `${Number((100 * fraction).toFixed(1))}%`;
}

/** δ in points, singular for one. */
function points(delta: number): string {
  return delta === 1 ? "1 point" : `${delta} points`;
}

/**
 * The lines under the title: the run (commit, CPU, date, runtime, profile), its weights, the unit
 * costs its predictions use and where they were measured, and the median measured / predicted
 * ratio per framework, with a warning in words when one lies outside `SOUND_RATIO`.
 *
 * @example A run whose timings are twice the prediction is warned about
 * ```ts
 * import { assert } from "@std/assert";
 * import { MARKDOWN, metaLines } from "./_headline.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * const chart = { name: "time_vs_predicted", rows: [{ framework: "gazelle", ratio: 2 }] };
 * const text = metaLines(r, [chart] as never, MARKDOWN).join("\n");
 * assert(text.includes("outside 0.87–1.15"));
 * ```
 */
export function metaLines(r: Results, charts: readonly Chart[], m: Markup): string[] {
  const man = r.manifest, s = man.study;
  const lines = [
    `Commit ${m.text(man.git_sha)}; CPU ${m.text(man.cpu)} (${m.text(man.cores)} cores, ` +
    `${m.text(man.os)}); ${m.text(when(man.created))}; Deno ${m.text(man.deno)}, node-seal ` +
    `${m.text(man.node_seal)} (SEAL ${m.text(man.seal)}); ${m.text(s.profile)} profile, ` +
    `${s.width === 1 ? "full-width models" : `models at width ${m.text(s.width)}`}.`,
    `Weights: ${m.strong(m.text(man.weights))}${
      synthetic(r)
        ? " — synthetic, not trained: the costs show how each method prunes these weights, not " +
          "what it does to a trained model"
        : ""
    }.`,
    `HE presets: ${
      // The security label of an insecure preset already names N and log q.
      man.presets.map((p) =>
        `${m.text(p.name)} (${p.security.includes("N =") ? "" : `N = ${m.text(p.N)}, `}${
          m.text(p.security)
        })`
      ).join("; ")}.`,
    `Unit costs of the predictions: ${originWords(r, m)}.`,
    ...Object.entries(man.unit_costs).map(([fw, u]) =>
      `${m.text(frameworkTitle(fw))} unit costs: ${m.text(unitLine(u))} per op.`
    ),
    ...Object.entries(man.unit_costs_by_n ?? {}).flatMap(([fw, byN]) =>
      Object.entries(byN).map(([n, u]) =>
        `${m.text(frameworkTitle(fw))} unit costs at N = ${m.text(n)} (parts SCI plans at ` +
        `that ring): ${m.text(unitLine(u))} per op.`
      )
    ),
  ];
  const ag = Object.fromEntries(
    Object.entries(agreement(charts)).sort(([a], [b]) =>
      s.frameworks.indexOf(a) - s.frameworks.indexOf(b)
    ),
  );
  if (Object.keys(ag).length === 0) {
    lines.push("No layers were timed in this run: the predictions are not checked against time.");
    return lines;
  }
  const load = (l: readonly number[] | null | undefined) => l ? m.text(l.join(", ")) : "unknown";
  lines.push(
    "Median measured / predicted server time per layer: " +
      Object.entries(ag).map(([fw, a]) =>
        `${m.text(frameworkTitle(fw))} ${a.median.toFixed(2)} over ${a.n} timed layers`
      ).join(", ") +
      (man.timing
        ? ` (both sides the fastest ${
          man.timing.statistic === "cpu-min" ? "CPU" : "wall-clock"
        } time; load average ${load(man.timing.load_before)} before timing, ` +
          `${load(man.timing.load_after)} after).`
        : " (measured: mean wall-clock time)."),
  );
  const carried = carriedRings(charts);
  if (carried.size > 0) {
    lines.push(
      `Parts at ${
        [...carried].map(([fw, ns]) => `N = ${ns.join(", ")} (${m.text(frameworkTitle(fw))})`)
          .join(", ")
      } are predicted with unit costs carried from the study preset's N: the run measured none ` +
        "at those rings (see the time chart).",
    );
  }
  const [lo, hi] = SOUND_RATIO;
  const off = Object.entries(ag).filter(([, a]) => a.median < lo || a.median > hi);
  if (off.length > 0) {
    const o = unitCostsOrigin(man);
    const here = o?.kind === "calibrated" && o.cpu === man.cpu;
    lines.push(
      m.strong(
        `Predictions are off: under ${
          off.map(([fw, a]) =>
            `${m.text(frameworkTitle(fw))} measured time is ${a.median.toFixed(2)}× the predicted`
          )
            .join(", under ")
        }, outside ${lo}–${hi}.`,
      ) +
        " Read predicted milliseconds as relative costs, not as this machine's times" +
        (here
          ? " (the unit costs were calibrated here: the layers do not cost the sum of their " +
            "unit ops)."
          : `; run ${m.code("deno task calibrate")} on this machine, then ` +
            `${m.code("deno task report")} again.`),
    );
  }
  return lines;
}

/**
 * The report's data files, linked: the results it was rendered from, the timings for
 * github-action-benchmark, the headline's comparisons as CSV.
 *
 * @example Three links in Markdown
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { filesLine, MARKDOWN } from "./_headline.ts";
 *
 * assertEquals(filesLine(MARKDOWN).match(/\]\(/g)?.length, 3);
 * ```
 */
export function filesLine(m: Markup): string {
  return `Data: ${m.link("results.json", "results.json")} (everything this report shows), ` +
    `${m.link("benchmark.json", "benchmark.json")} (measured server ms per layer and variant, ` +
    `github-action-benchmark's customSmallerIsBetter format), ` +
    `${m.link("headline.csv", "headline.csv")} (every MOSAIC − Hunter comparison below).`;
}

/** The methods as the papers write them. */
const METHOD_TITLES: Readonly<Record<string, string>> = { hunter: "Hunter", mosaic: "MOSAIC" };

/** A difference MOSAIC − Hunter in words, marked up strong: "0.80 points less", "as much". */
function amount(d: MethodDelta, m: Markup): string {
  if (d.winner === "tie") return m.strong("as much");
  return m.strong(`${Math.abs(d.delta).toFixed(2)} points ${d.delta < 0 ? "less" : "more"}`);
}

/** Items joined as "a, b and c". */
function joinAnd(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The budget a model's sentence is about: the study's default if compared there, else the largest. */
function headlineBudget(r: Results, sparsity: readonly MethodDelta[]): number | null {
  if (sparsity.length === 0) return null;
  const b = r.manifest.study.default_budget;
  return sparsity.some((d) => d.at === b) ? b : Math.max(...sparsity.map((d) => d.at));
}

/** One model's clause of a framework's sentence; `first` opens the sentence. */
function modelClause(
  r: Results,
  model: string,
  deltas: readonly MethodDelta[],
  first: boolean,
  m: Markup,
): string | null {
  const of = (basis: string) => deltas.filter((d) => d.model === model && d.basis === basis);
  const sparsity = of("sparsity"), budget = headlineBudget(r, sparsity);
  if (budget === null) return null;
  const sp = sparsity.find((d) => d.at === budget)!;
  // A budget the floors kept a method from reaching is named as a budget, with what was reached.
  const reached = r.prune.filter((p) =>
    p.model === model && p.framework === sp.framework && p.budget === budget
  ).map((p) => p.sparsity);
  const short = reached.length > 0 && Math.min(...reached) < budget - 0.01;
  const where =
    (short
      ? `at the ${pct(budget)} weight-sparsity budget (reached ${
        reached.map((s) => pct(Number(s.toFixed(3)))).join(" and ")
      })`
      : `at ${pct(budget)} weight sparsity`) +
    ` (${sp.mosaic_pct.toFixed(2)}% vs ${sp.hunter_pct.toFixed(2)}% of unpruned)`;
  const head = first
    ? `MOSAIC leaves ${amount(sp, m)} HE cost ${sp.winner === "tie" ? "as" : "than"} Hunter on ` +
      `${m.text(model)} ${where}`
    : `on ${m.text(model)} ${amount(sp, m)} ${where}`;
  const rest: string[] = [];
  // At the largest budget Hunter's retained saliency often lies below every MOSAIC budget's (no
  // point without extrapolating): then the nearest budget with one speaks, and says which it is.
  const sal = of("saliency").sort((a, b) => Math.abs(a.at - budget) - Math.abs(b.at - budget))[0];
  rest.push(
    sal === undefined
      ? "no equal-saliency point (Hunter's retained saliency lies outside MOSAIC's measured range)"
      : `${amount(sal, m)} at equal retained saliency${
        sal.at === budget ? "" : ` (at Hunter's ${pct(sal.at)} budget)`
      }`,
  );
  if (r.accuracy) {
    const iso = r.accuracy.iso.filter((x) => x.model === model && x.framework === sp.framework);
    if (iso.length === 0) rest.push("no equal-accuracy point (its accuracy was not measured)");
    for (const dl of [...new Set(iso.map((x) => x.delta))].sort((a, b) => a - b)) {
      const d = of("accuracy").find((x) => x.at === dl);
      if (d) {
        rest.push(`${amount(d, m)} at equal accuracy (δ = ${points(dl)})`);
        continue;
      }
      // A method that reaches the accuracy where the other does not is the answer at that δ.
      const reached = iso.filter((x) => x.delta === dl && x.cost_pct !== null);
      rest.push(
        reached.length === 1
          ? `only ${m.strong(METHOD_TITLES[reached[0].method] ?? reached[0].method)} reaches ` +
            `the accuracy at δ = ${points(dl)} (${reached[0].cost_pct!.toFixed(2)}% of unpruned)`
          : reached.length === 0
          ? `neither method reaches the accuracy at δ = ${points(dl)}`
          : `no seed reaches the accuracy at δ = ${points(dl)} with both methods`,
      );
    }
  }
  return `${head}, ${joinAnd(rest)}`;
}

/** One framework of the headline: its sentence and the table of every comparison. */
export interface HeadlineSection {
  /** Framework name (as in the results). */
  readonly framework: string;
  /** The framework as the papers write it. */
  readonly title: string;
  /** The sentence, marked up. */
  readonly sentence: string;
  /** Table rows, column → cell (plain text: the page escapes it). */
  readonly rows: readonly Record<string, string>[];
}

const BASIS_WORDS: Readonly<Record<string, string>> = {
  sparsity: "equal sparsity",
  saliency: "equal retained saliency",
  accuracy: "equal accuracy",
};

const BASIS_ORDER = ["sparsity", "saliency", "accuracy"];

/** A difference with its sign always written (− is U+2212). */
function signed(x: number): string {
  return x > 0 ? `+${x.toFixed(2)}` : x < 0 ? `−${Math.abs(x).toFixed(2)}` : "0.00";
}

/** One comparison as a table row. */
function deltaRow(d: MethodDelta): Record<string, string> {
  return {
    model: d.model,
    basis: BASIS_WORDS[d.basis],
    at: d.basis === "accuracy"
      ? `δ = ${points(d.at)}`
      : d.basis === "sparsity"
      ? `${pct(d.at)} sparsity`
      : `Hunter's at ${pct(d.at)} sparsity`,
    "Hunter %": d.hunter_pct.toFixed(2),
    "MOSAIC %": d.mosaic_pct.toFixed(2),
    "Δ (MOSAIC − Hunter)": signed(d.delta),
    winner: d.winner === "tie" ? "tie" : `${METHOD_TITLES[d.winner]} ✓`,
  };
}

/**
 * The headline per framework of the study: a sentence stating, for each model, MOSAIC − Hunter
 * at equal sparsity (the default budget), at equal retained saliency (at Hunter's default budget)
 * and at every δ of equal accuracy, then the rows of every comparison (all budgets). Costs are %
 * of unpruned under the run's unit costs.
 *
 * @example MOSAIC cheaper, Hunter cheaper, and a tie
 * ```ts
 * import { assert } from "@std/assert";
 * import { headlineSections, MARKDOWN } from "./_headline.ts";
 * import { MEASURED_UNIT_COSTS, zeroCounts } from "../he/mod.ts";
 * import type { Results } from "../study/mod.ts";
 *
 * const row = (model: string, method: string, mult: number) => ({
 *   model, framework: "gazelle", method, budget: 0.7, retained_saliency: 0.9, cost_pct: mult, layers: [{
 *     dense: { ...zeroCounts(), mult: 100 }, pruned: { ...zeroCounts(), mult } }],
 * });
 * const r = {
 *   manifest: { study: { default_budget: 0.7, models: ["a", "b", "c"], frameworks: ["gazelle"] },
 *     unit_costs: MEASURED_UNIT_COSTS },
 *   prune: [row("a", "hunter", 30), row("a", "mosaic", 28), row("b", "hunter", 30),
 *     row("b", "mosaic", 31), row("c", "hunter", 30), row("c", "mosaic", 30)],
 * } as unknown as Results;
 * const [s] = headlineSections(r, MARKDOWN);
 * assert(s.sentence.startsWith("Under GAZELLE, MOSAIC leaves **2.00 points less** HE cost than Hunter on a"));
 * assert(s.sentence.includes("on b **1.00 points more** at 70% weight sparsity"));
 * assert(s.sentence.includes("on c **as much** at 70%"));
 * ```
 */
export function headlineSections(r: Results, m: Markup): HeadlineSection[] {
  const unit = referenceUnitCosts(r);
  const all = [...sparsityDeltas(r, unit), ...saliencyDeltas(r, unit), ...accuracyDeltas(r)];
  return r.manifest.study.frameworks.map((fw) => {
    const deltas = all.filter((d) => d.framework === fw);
    const clauses: string[] = [];
    for (const model of r.manifest.study.models) {
      const c = modelClause(r, model, deltas, clauses.length === 0, m);
      if (c) clauses.push(c);
    }
    const title = frameworkTitle(fw);
    const sentence = clauses.length > 0
      ? `Under ${m.text(title)}, ${clauses.join("; ")}.`
      : `Under ${m.text(title)}, no model was pruned by both methods at the same budget` +
        (unit[fw] ? "." : " with unit costs for it.");
    const order = (d: MethodDelta) => BASIS_ORDER.indexOf(d.basis);
    const rows = deltas.sort((a, b) =>
      r.manifest.study.models.indexOf(a.model) - r.manifest.study.models.indexOf(b.model) ||
      order(a) - order(b) || a.at - b.at
    ).map(deltaRow);
    return { framework: fw, title, sentence, rows };
  });
}

/**
 * What the headline's numbers mean, after its tables: the sign of Δ, the three bases, and that
 * accuracy was not compared when it was not measured.
 *
 * @example Without the accuracy loop the notes say so
 * ```ts
 * import { assert } from "@std/assert";
 * import { headlineNotes, MARKDOWN } from "./_headline.ts";
 * import { readResults } from "../study/mod.ts";
 *
 * const r = await readResults(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname);
 * assert(headlineNotes(r, MARKDOWN).join(" ").includes("Accuracy was not measured"));
 * ```
 */
export function headlineNotes(r: Results, m: Markup): string[] {
  return [
    `HE cost is the predicted server time of the linear layers under ${
      m.text(REFERENCE_UNIT_COSTS_NAME)
    } (as deno task prune and deno task cost print it, the same on every machine), in % of the ` +
    `unpruned model's; Δ = MOSAIC − Hunter in points (negative: MOSAIC leaves ` +
    "less; below 0.01 points a tie). Equal sparsity: the same weight sparsity budget. Equal " +
    "retained saliency: MOSAIC's cost interpolated linearly over its budgets at the retained " +
    "saliency Hunter reaches at that budget (nothing extrapolated)." +
    (r.accuracy
      ? " Equal accuracy: the lowest cost within δ points of the unpruned accuracy (the " +
        "iso-accuracy table below)."
      : ""),
    ...(r.accuracy ? [] : [
      "Accuracy was not measured in this run (the accuracy loop needs trained models), so " +
      "nothing is compared at equal accuracy.",
    ]),
  ];
}
