/**
 * `deno task cost --model NAME|FILE.onnx --framework gazelle|cryptflow2 [--method ir|or|auto]
 * [--stock] [--masks FILE] [--width W] [--seed N] [--preset NAME] [--bits L] [--json|--csv]`:
 * plan every linear layer of a model (no encryption) and print its HE op counts per layer.
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import {
  cryptflow2Preset,
  FRAMEWORKS,
  loadModel,
  type ModelCost,
  modelCostParallel,
  readMaskFile,
  spawnPlanners,
  UserError,
} from "../mod.ts";
import { checkFlags, methodFlag, presetFlag, progress, runMain } from "./_cli.ts";

const COLUMNS = ["perm_in", "perm_out", "key_switches", "mult", "add"] as const;

function csv(t: ModelCost): string {
  const head = ["name", "kind", "shape", "slots", "channels_per_ct", ...COLUMNS];
  const q = (
    v: unknown,
  ) => (typeof v === "string" && /[",\n]/.test(v)
    ? `"${v.replaceAll('"', '""')}"`
    : String(v ?? ""));
  const rows = t.layers.map((
    l,
  ) => [l.name, l.kind, l.shape, l.slots, l.channels_per_ct, ...COLUMNS.map((c) => l.ops[c])]);
  rows.push(["total", "", "", "", "", ...COLUMNS.map((c) => t.totals.ops[c])]);
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
  ];
  const rows = t.layers.map((
    l,
  ) => [
    l.name,
    l.kind,
    l.shape,
    String(l.slots),
    String(l.channels_per_ct ?? "-"),
    ...COLUMNS.map((c) => String(l.ops[c])),
  ]);
  rows.push(["total", "", "", "", "", ...COLUMNS.map((c) => String(t.totals.ops[c]))]);
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

async function main(): Promise<number> {
  const args = parseArgs(Deno.args, {
    boolean: ["stock", "json", "csv"],
    string: ["model", "framework", "method", "masks", "width", "seed", "preset", "bits"],
  });
  checkFlags(args, [
    "stock",
    "json",
    "csv",
    "model",
    "framework",
    "method",
    "masks",
    "width",
    "seed",
    "preset",
    "bits",
  ]);
  if (!args.model) {
    throw new UserError("missing --model (a zoo name such as vgg16-cifar10, or a .onnx file)");
  }
  const framework = args.framework ?? "gazelle";
  if (!(FRAMEWORKS as readonly string[]).includes(framework)) {
    throw new UserError(`Unknown --framework "${framework}": use ${FRAMEWORKS.join(" or ")}`);
  }
  const width = args.width === undefined ? undefined : Number(args.width);
  const seed = args.seed === undefined ? undefined : Number(args.seed);
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw new UserError(`--seed must be an integer`);
  }
  const bits = Number(args.bits ?? 37);
  if (!Number.isInteger(bits) || bits < 32 || bits > 41) {
    throw new UserError(`--bits must be in 32..41`);
  }
  const preset = framework === "cryptflow2" && args.preset === undefined
    ? cryptflow2Preset(bits)
    : presetFlag(args.preset);
  // Start the planning workers first: they load their modules while the model is built.
  const pool = spawnPlanners(Math.max(2, navigator.hardwareConcurrency));
  let net;
  try {
    progress(`loading ${args.model}`);
    net = await loadModel(args.model, { width, seed });
  } catch (e) {
    pool.forEach((w) => w.terminate());
    throw e;
  }
  let masks;
  if (args.masks) {
    let text: string;
    try {
      text = await Deno.readTextFile(args.masks);
    } catch {
      throw new UserError(`Mask file ${args.masks} cannot be read: check the path`);
    }
    masks = await readMaskFile(text, args.masks, net);
  }
  progress(`planning ${net.name} for ${framework}`);
  const t = await modelCostParallel(net, {
    framework,
    preset,
    method: methodFlag(args.method),
    stock: args.stock,
    masks,
  }, pool);
  if (args.json) console.log(JSON.stringify(t, null, 2));
  else if (args.csv) console.log(csv(t));
  else console.log(table(t));
  return 0;
}

if (import.meta.main) await runMain(main);
