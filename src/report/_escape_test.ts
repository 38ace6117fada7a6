import { assert, assertEquals } from "@std/assert";
import { readResults, type Results } from "../study/mod.ts";
import { escapeHtml, escapeMarkdown } from "./_escape.ts";
import { allCharts } from "./_charts.ts";
import { indexHtml, summaryMarkdown } from "./html.ts";
import { reportWeights } from "./report.ts";

const FIXTURE = new URL("../../fixtures/results/quick_cifar10.json", import.meta.url).pathname;
const SCRIPT = "<script>alert(1)</script>";

Deno.test("escapeHtml() and escapeMarkdown() turn markup into text", async (t) => {
  // [input, HTML, Markdown]
  const cases: [unknown, string, string][] = [
    ["vgg16-cifar10", "vgg16-cifar10", "vgg16-cifar10"],
    [
      "Intel(R) Xeon(R) CPU @ 2.20GHz, x86_64",
      "Intel(R) Xeon(R) CPU @ 2.20GHz, x86_64",
      "Intel(R) Xeon(R) CPU @ 2.20GHz, x86_64",
    ],
    [SCRIPT, "&lt;script&gt;alert(1)&lt;/script&gt;", "\\<script\\>alert(1)\\</script\\>"],
    ['Bob\'s "CPU"', "Bob's &quot;CPU&quot;", 'Bob\'s "CPU"'],
    ["a | b", "a | b", "a \\| b"],
    ["[x](javascript:alert(1))", "[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"],
    [
      "**bold** _em_ `code` ~~s~~",
      "**bold** _em_ `code` ~~s~~",
      "\\*\\*bold\\*\\* \\_em\\_ \\`code\\` \\~\\~s\\~\\~",
    ],
    ["line\n# heading\r\n- item", "line\n# heading\r\n- item", "line # heading - item"],
    ["&amp; \\", "&amp;amp; \\", "\\&amp; \\\\"],
    [0.7, "0.7", "0.7"],
    [null, "", ""],
  ];
  for (const [input, html, md] of cases) {
    await t.step(JSON.stringify(input), () => {
      assertEquals(escapeHtml(input), html);
      assertEquals(escapeMarkdown(input), md);
    });
  }
});

/** The fixture results with one field set to `value` (a deep copy). */
type Patch = (r: Results & Record<string, unknown>, value: string) => void;

// deno-lint-ignore no-explicit-any
const w = (o: unknown) => o as any;

/** Fields of a results file that reach index.html and summary.md, each set to hostile text. */
const FIELDS: [string, Patch][] = [
  ["manifest.cpu", (r, v) => w(r.manifest).cpu = v],
  ["manifest.git_sha", (r, v) => w(r.manifest).git_sha = v],
  ["manifest.deno", (r, v) => w(r.manifest).deno = v],
  ["manifest.weights", (r, v) => w(r.manifest).weights = v],
  ["manifest.unit_costs_name", (r, v) => w(r.manifest).unit_costs_name = v],
  ["manifest.study.default_budget", (r, v) => w(r.manifest.study).default_budget = v],
  ["manifest.study.profile", (r, v) => w(r.manifest.study).profile = v],
  ["manifest.study.width", (r, v) => w(r.manifest.study).width = v],
  ["manifest.presets[0].name", (r, v) => w(r.manifest.presets[0]).name = v],
  ["a model name", (r, v) => {
    const old = r.manifest.study.models[0];
    w(r.manifest.study).models = r.manifest.study.models.map((m) => m === old ? v : m);
    for (const rows of [r.prune, r.timings, r.nonlinear]) {
      for (const row of rows) if (row.model === old) w(row).model = v;
    }
  }],
  ["a framework name", (r, v) => {
    for (const rows of [r.prune, r.timings, r.nonlinear]) {
      for (const row of rows) if (row.framework === "gazelle") w(row).framework = v;
    }
    w(r.manifest.study).frameworks = [v, "cryptflow2"];
  }],
  ["a layer name", (r, v) => {
    for (const p of r.prune) w(p.layers[0]).name = v;
  }],
  ["a retained saliency", (r, v) => {
    for (const p of r.prune) w(p).retained_saliency = v;
  }],
  ["a nonlinear source", (r, v) => w(r.nonlinear[0]).source = v],
  ["the op weights' name", () => {}], // --op-weights FILE's "name"
];

Deno.test("<script> in any field of a results file reaches index.html and summary.md as text", async (t) => {
  const base = await readResults(FIXTURE);
  for (const [field, patch] of FIELDS) {
    await t.step(field, () => {
      const r = structuredClone(base) as Results & Record<string, unknown>;
      patch(r, SCRIPT);
      const name = field === "the op weights' name" ? SCRIPT : "mine";
      const weights = reportWeights(r, { name, byFramework: r.manifest.unit_costs });
      const charts = allCharts(r, weights);
      const html = indexHtml(r, weights, charts), md = summaryMarkdown(r, weights, charts);
      assert(!/<script/i.test(html), `index.html: ${html.match(/.{0,60}<script.{0,20}/i)}`);
      assert(!/(?<!\\)<script/i.test(md), `summary.md: ${md.match(/.{0,60}<script.{0,20}/i)}`);
      assert(!/(?<!\\)</.test(md), "no other raw < in summary.md either");
    });
  }
});

Deno.test("an accuracy loop's names reach the pages as text", () => {
  const r = {
    manifest: {
      study: {
        default_budget: 0.7,
        width: 1,
        profile: "full",
        models: [],
        frameworks: [],
        accuracy: {
          seeds: [1],
          recipe: {
            epochs: 1,
            momentum: 0.9,
            lr: 0.1,
            lrSchedule: SCRIPT,
            batchSize: 128,
            weightDecay: 0,
          },
          distill: null,
          test_limit: null,
          deltas: [1],
        },
        pruning: { importance: SCRIPT, floor: 0.05, kinds: [SCRIPT], unit: SCRIPT },
      },
      git_sha: "x",
      weights: "w",
      presets: [],
      unit_costs: {},
    },
    prune: [],
    timings: [],
    nonlinear: [],
    shards: [],
    accuracy: {
      dataset: SCRIPT,
      engine: SCRIPT,
      train_images: 1,
      test_images: 1,
      unpruned: [{ model: SCRIPT, accuracy: 0.9 }],
      iso: [{
        model: SCRIPT,
        framework: SCRIPT,
        method: "hunter",
        delta: 1,
        unpruned: 0.9,
        cost_pct: null,
        cost_min: null,
        cost_max: null,
        seeds: [],
      }],
    },
  } as unknown as Results;
  const html = indexHtml(r, [], []), md = summaryMarkdown(r, [], []);
  assert(html.includes("&lt;script&gt;") && !/<script/i.test(html));
  assert(md.includes("\\<script\\>") && !/(?<!\\)<script/i.test(md));
});
