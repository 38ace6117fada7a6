/**
 * `deno task cost --model NAME|FILE.onnx --framework gazelle|cryptflow2|cheetah [--method M]
 * [--stock] [--masks FILE] [--width W] [--seed N] [--preset NAME] [--bits L] [--json|--csv]`:
 * plan every linear layer of a model (no encryption) and print its HE op counts per layer.
 * Bounds: `--width` (0, 4], `--seed` 0..4294967295, `--bits` 32..41.
 *
 * @module
 */
import { UserError } from "../src/base/mod.ts";
import { costPercent, type ModelCost, modelCostParallel } from "../src/cost/mod.ts";
import type { Preset } from "../src/he/mod.ts";
import { loadModel, type Network, networkHash, sha256Hex } from "../src/nn/mod.ts";
// study/ and prune/ load only when needed (the manifest, --masks), after the planning Workers
// have started: not on the way to them.
import type { PruneFile } from "../src/study/mod.ts";
import {
  frameworkFlag,
  frameworkPreset,
  type Help,
  intFlag,
  METHOD_HELP,
  methodFlag,
  parseFlags,
  progress,
  realFlag,
  runMain,
  SEED_RANGE,
  WIDTH_RANGE,
} from "./_cli.ts";

const COLUMNS = ["perm_in", "perm_out", "key_switches", "mult", "add"] as const;

/** Ciphertext bytes up and down of every layer and their sum (Cheetah's cost is mostly down). */
function bytesOf(t: ModelCost): { layers: [number, number][]; total: [number, number] } {
  const layers = t.layers.map((l): [number, number] => [l.bytes.up, l.bytes.down]);
  const total = layers.reduce((a, b): [number, number] => [a[0] + b[0], a[1] + b[1]], [0, 0]);
  return { layers, total };
}

/**
 * One CSV table: a header, then every layer and a total row of each table; with more than one
 * table (`--masks`), a first `variant` column says which (`unpruned`, `pruned`).
 */
function csv(tables: readonly { variant: string; t: ModelCost }[]): string {
  const withVariant = tables.length > 1;
  const head = [
    ...(withVariant ? ["variant"] : []),
    "name",
    "kind",
    "shape",
    "slots",
    "channels_per_ct",
    ...COLUMNS,
    "bytes_up",
    "bytes_down",
    "predicted_ms",
  ];
  const q = (
    v: unknown,
  ) => (typeof v === "string" && /[",\n]/.test(v)
    ? `"${v.replaceAll('"', '""')}"`
    : String(v ?? ""));
  const rows = tables.flatMap(({ variant, t }) => {
    const lead = withVariant ? [variant] : [];
    const bytes = bytesOf(t);
    return [
      ...t.layers.map((l, i) => [
        ...lead,
        l.name,
        l.kind,
        l.shape,
        l.slots,
        l.channels_per_ct,
        ...COLUMNS.map((c) => l.ops[c]),
        ...bytes.layers[i],
        l.predicted_server_ms,
      ]),
      [
        ...lead,
        "total",
        "",
        "",
        "",
        "",
        ...COLUMNS.map((c) => t.totals.ops[c]),
        ...bytes.total,
        t.totals.predicted_server_ms,
      ],
    ];
  });
  return [head, ...rows].map((r) => r.map(q).join(",")).join("\n");
}

function table(t: ModelCost): string {
  const head = [
    "layer",
    "kind",
    "shape",
    "slots",
    "c/ct",
    "perm_in",
    "perm_out",
    "ks",
    "mult",
    "add",
    "KB up",
    "KB down",
  ];
  const bytes = bytesOf(t);
  const kb = ([up, down]: [number, number]) => [(up / 1e3).toFixed(1), (down / 1e3).toFixed(1)];
  const rows = t.layers.map((
    l,
    i,
  ) => [
    l.name,
    l.kind,
    l.shape,
    String(l.slots),
    String(l.channels_per_ct ?? "-"),
    ...COLUMNS.map((c) => String(l.ops[c])),
    ...kb(bytes.layers[i]),
  ]);
  rows.push([
    "total",
    "",
    "",
    "",
    "",
    ...COLUMNS.map((c) => String(t.totals.ops[c])),
    ...kb(bytes.total),
  ]);
  const w = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) =>
    r.map((s, j) => (j < 3 ? s.padEnd(w[j]) : s.padStart(w[j]))).join("  ");
  return [
    `${t.model} under ${t.framework} (${t.preset}: ${t.security}); weights: ${t.weights}; ${
      t.stock ? "stock" : "pruning-aware"
    }`,
    line(head),
    ...rows.map(line),
  ].join("\n");
}

/**
 * Per-layer ops before → after pruning (Perm, key switches, Mult, Add), with the predicted cost of
 * both; each model is planned with its own Galois keys, so `ks` shows what its rotations cost.
 */
function compare(a: ModelCost, b: ModelCost): string {
  const head = ["layer", "perm", "ks", "mult", "add", "ms", "ms pruned", "%"];
  const perm = (c: ModelCost["totals"]["ops"]) => c.perm_in + c.perm_out;
  const pair = (x: number, y: number) => `${x} → ${y}`;
  const ms = (v: number | null) => (v === null ? "-" : v.toFixed(1));
  const pct = (x: number | null, y: number | null) =>
    x !== null && y !== null && x > 0 ? (100 * y / x).toFixed(1) : "-";
  type Side = { ops: ModelCost["totals"]["ops"]; predicted_server_ms: number | null };
  const row = (name: string, x: Side, y: Side) => [
    name,
    pair(perm(x.ops), perm(y.ops)),
    pair(x.ops.key_switches, y.ops.key_switches),
    pair(x.ops.mult, y.ops.mult),
    pair(x.ops.add, y.ops.add),
    ms(x.predicted_server_ms),
    ms(y.predicted_server_ms),
    pct(x.predicted_server_ms, y.predicted_server_ms),
  ];
  const rows = a.layers.map((l, i) => row(l.name, l, b.layers[i]));
  rows.push(row("total", a.totals, b.totals));
  const w = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) =>
    r.map((s, j) => (j === 0 ? s.padEnd(w[j]) : s.padStart(w[j]))).join("  ");
  const total = costPercent(a, b);
  return [
    `${a.model} under ${a.framework} (${a.preset}: ${a.security}); weights: ${a.weights}; ` +
    `unpruned → pruned, ${
      a.stock ? "stock" : "pruning-aware"
    } counts, predicted ms from measured unit costs`,
    line(head),
    ...rows.map(line),
    `HE cost ${total ?? "-"}% of unpruned (each model planned with its own Galois keys; ` +
    `ks = key switches)`,
  ].join("\n");
}

/** The manifest of a cost table: the run's, plus the model's and the mask file's SHA-256. */
async function costManifest(
  net: Network,
  preset: Preset,
  seed: number | undefined,
  maskText: string | undefined,
) {
  const { buildManifest } = await import("../src/study/mod.ts");
  return {
    ...buildManifest([preset], seed === undefined ? {} : { weights: seed }, net.weights),
    model_hash: await networkHash(net),
    ...(maskText ? { mask_file_hash: await sha256Hex([new TextEncoder().encode(maskText)]) } : {}),
  };
}

const HELP: Help = {
  usage: "deno task cost --model NAME|FILE.onnx [options]",
  about:
    "Plan every linear layer of a model (no encryption) and print its HE op counts per layer;\n" +
    "with --masks, also the counts of the model pruned (and permuted) by that prune file.",
  options: [
    {
      flag: "--model NAME|FILE.onnx",
      what: "a zoo name such as vgg16-cifar10, or a .onnx (required)",
    },
    {
      flag: "--framework gazelle|cryptflow2|cheetah",
      default: "gazelle",
      what: "the HE framework",
    },
    {
      flag: "--method M",
      default: "the prune file's, else auto",
      what: METHOD_HELP,
    },
    { flag: "--stock", what: "plan the framework as published (no MOSAIC changes)" },
    { flag: "--masks FILE", what: "a prune file from deno task prune: cost the pruned model too" },
    { flag: "--width W", default: "the zoo's", what: "width of a zoo model, in (0, 4]" },
    { flag: "--seed N", default: "the zoo's", what: "weight seed of a zoo model, 0..4294967295" },
    { flag: "--preset NAME", default: "the framework's", what: "HE parameter preset" },
    { flag: "--bits L", default: 37, what: "cryptflow2's or cheetah's share width, 32..41" },
    { flag: "--json", what: "print JSON" },
    { flag: "--csv", what: "print CSV: one table (with --masks, a variant column)" },
  ],
  examples: [
    "deno task cost --model vgg16-cifar10 --framework gazelle",
    "deno task cost --model vgg16-cifar10 --framework cryptflow2 --masks reports/m.json --json",
  ],
};

async function main(): Promise<number> {
  const args = parseFlags(Deno.args, {
    boolean: ["stock", "json", "csv"],
    string: ["model", "framework", "method", "masks", "width", "seed", "preset", "bits"],
    help: HELP,
  });
  if (!args.model) {
    throw new UserError("missing --model (a zoo name such as vgg16-cifar10, or a .onnx file)");
  }
  const framework = frameworkFlag(args.framework);
  const width = realFlag(args, "width", WIDTH_RANGE);
  const seed = intFlag(args, "seed", SEED_RANGE);
  if (args.method !== undefined) methodFlag(args.method, framework);
  const preset = frameworkPreset(framework, args.preset, args.bits);
  progress(`loading ${args.model}`);
  const net = await loadModel(args.model, { width, seed });
  let file: PruneFile | undefined;
  let maskText: string | undefined;
  if (args.masks) {
    let text: string;
    try {
      text = await Deno.readTextFile(args.masks);
    } catch {
      throw new UserError(`Mask file ${args.masks} cannot be read: check the path`);
    }
    const { readPruneFile } = await import("../src/study/mod.ts");
    file = await readPruneFile(text, args.masks, net);
    maskText = text;
    if (file.framework && file.framework !== framework) {
      progress(
        `note: ${args.masks} was pruned for ${file.framework}, costed here under ${framework}`,
      );
    }
  }
  // The prune file's method is its framework's: it applies only under that framework.
  const fileMethod = file?.framework === framework ? file.convMethod : undefined;
  const method = methodFlag(args.method ?? fileMethod, framework);
  progress(`planning ${net.name} for ${framework}`);
  // On the threads `plannerThreads` picks: one for every zoo table (a Worker would cost more
  // than it saves), every core for larger ones.
  const t = await modelCostParallel(net, { framework, preset, method, stock: args.stock });
  if (file) {
    progress(`planning ${net.name} pruned by ${args.masks}`);
    const { deployedNetwork } = await import("../src/prune/mod.ts");
    const after = await modelCostParallel(deployedNetwork(net, file), {
      framework,
      preset,
      method,
      stock: args.stock,
    });
    if (args.json) {
      const manifest = await costManifest(net, preset, seed, maskText);
      const cost_pct = costPercent(t, after);
      console.log(JSON.stringify({ unpruned: t, pruned: after, cost_pct, manifest }, null, 2));
    } else if (args.csv) {
      console.log(csv([{ variant: "unpruned", t }, { variant: "pruned", t: after }]));
    } else console.log(compare(t, after));
    return 0;
  }
  if (args.json) {
    console.log(
      JSON.stringify({ ...t, manifest: await costManifest(net, preset, seed, undefined) }, null, 2),
    );
  } else if (args.csv) console.log(csv([{ variant: "unpruned", t }]));
  else console.log(table(t));
  return 0;
}

if (import.meta.main) await runMain(main);
