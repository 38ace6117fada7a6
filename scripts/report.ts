/**
 * `deno task report [--framework gazelle|cryptflow2|all] [--preset NAME] [--bits L]
 * [--method ir|or|auto] [--stock] [--execute] [--json] [--out-dir DIR]`: the main job. Plans every
 * linear layer of the default layer set (CIFAR-10 VGG-16 shapes, synthetic weights) for each
 * framework, prints the per-layer op tables and writes `reports/<framework>_layers.json` with a
 * manifest. `--execute` also runs each layer homomorphically and verifies it.
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import {
  addCounts,
  buildManifest,
  closeEnvs,
  countProgram,
  cryptflow2Preset,
  executeProgram,
  FRAMEWORKS,
  inputCount,
  type OpCounts,
  planLayer,
  type Preset,
  programSummary,
  randomModT,
  referenceLayer,
  Rng,
  securityLabel,
  shapeLabel,
  syntheticLayer,
  UserError,
  vgg16Cifar10Shapes,
  writeFileAtomic,
  zeroCounts,
} from "../mod.ts";
import { checkFlags, methodFlag, presetFlag, progress, runMain } from "./_cli.ts";

const SEED = 1;

interface Options {
  method: "ir" | "or" | "auto";
  stock: boolean;
  execute: boolean;
}

async function reportFramework(framework: string, preset: Preset, opts: Options) {
  const shapes = vgg16Cifar10Shapes();
  const rows: Record<string, unknown>[] = [];
  const total = zeroCounts();
  let predicted: number | null = 0;
  let verifiedAll = true;
  for (const [i, { name, shape }] of shapes.entries()) {
    progress(`${framework} [${i + 1}/${shapes.length}] ${name} ${shapeLabel(shape)}`);
    const layer = syntheticLayer(name, shape, SEED + i);
    const program = planLayer(framework, layer, { preset, method: opts.method, stock: opts.stock });
    const row: Record<string, unknown> = {
      name,
      shape: shapeLabel(shape),
      ...programSummary(program),
    };
    addCounts(total, countProgram(program));
    const p = row.predicted_server_ms as number | null;
    predicted = predicted === null || p === null ? null : predicted + p;
    if (opts.execute) {
      const x = randomModT(inputCount(shape), preset.plainModulus, new Rng(SEED + 1000 + i));
      const run = await executeProgram(program, x);
      const ref = referenceLayer(layer, x, preset.plainModulus);
      const verified = run.result.every((v, j) => v === ref[j]) &&
        JSON.stringify(run.ledger) === JSON.stringify(countProgram(program));
      verifiedAll &&= verified;
      Object.assign(row, {
        server_ms: Number(run.timesMs.server.toFixed(1)),
        noise_budget_bits: run.noiseBudget,
        verified,
      });
      progress(`    server ${run.timesMs.server.toFixed(0)} ms, budget ${run.noiseBudget} bits`);
      closeEnvs();
    }
    rows.push(row);
  }
  const doc = {
    title: `${framework} per-layer HE op counts, CIFAR-10 VGG-16 shapes`,
    weights: "SYNTHETIC uniform signed 8-bit weights (not a trained model)",
    framework,
    preset: preset.name,
    security: securityLabel(preset),
    stock: opts.stock,
    layers: rows,
    totals: {
      ops: total,
      predicted_server_ms: predicted === null ? null : Number(predicted.toFixed(1)),
    },
    manifest: buildManifest([preset], { weights: SEED, inputs: SEED + 1000 }, "synthetic"),
  };
  return { doc, verifiedAll };
}

function printTable(doc: Awaited<ReturnType<typeof reportFramework>>["doc"], execute: boolean) {
  console.log(`\n${doc.title} (${doc.weights})`);
  console.log(`preset ${doc.preset}: ${doc.security}; ${doc.stock ? "stock" : "pruning-aware"}`);
  const head = [
    "layer",
    "shape",
    "method",
    "c_n",
    "in",
    "out",
    "perm_in",
    "perm_out",
    "ks",
    "mult",
    "add",
  ];
  head.push("pred_ms");
  if (execute) head.push("run_ms", "noise", "ok");
  const cells = (r: Record<string, unknown>) => {
    const c = r.ops as OpCounts;
    const row = [
      r.name,
      r.shape,
      r.method,
      r.channels_per_ct ?? "-",
      r.in_cts,
      r.out_cts,
      c.perm_in,
      c.perm_out,
    ];
    row.push(c.key_switches, c.mult, c.add, r.predicted_server_ms ?? "-");
    if (execute) row.push(r.server_ms, r.noise_budget_bits, r.verified);
    return row.map(String);
  };
  const t = doc.totals.ops;
  const table = doc.layers.map(cells);
  table.push(
    [
      "total",
      "",
      "",
      "",
      String(t.cts_up),
      String(t.cts_down),
      String(t.perm_in),
      String(t.perm_out),
    ]
      .concat([
        String(t.key_switches),
        String(t.mult),
        String(t.add),
        String(doc.totals.predicted_server_ms ?? "-"),
      ]),
  );
  const widths = head.map((h, j) => Math.max(h.length, ...table.map((r) => (r[j] ?? "").length)));
  const line = (cs: string[]) =>
    cs.map((s, j) => (j < 3 ? s.padEnd(widths[j]) : s.padStart(widths[j]))).join("  ");
  console.log(line(head));
  for (const r of table) console.log(line(r));
}

async function main(): Promise<number> {
  const args = parseArgs(Deno.args, {
    boolean: ["stock", "execute", "json"],
    string: ["framework", "preset", "bits", "method", "out-dir"],
  });
  checkFlags(args, [
    "stock",
    "execute",
    "json",
    "framework",
    "preset",
    "bits",
    "method",
    "out-dir",
  ]);
  const which = args.framework ?? "all";
  if (which !== "all" && !(FRAMEWORKS as readonly string[]).includes(which)) {
    throw new UserError(`Unknown --framework "${which}": use ${FRAMEWORKS.join(", ")} or all`);
  }
  const frameworks = which === "all" ? [...FRAMEWORKS] : [which];
  const bits = Number(args.bits ?? 37);
  if (!Number.isInteger(bits) || bits < 32 || bits > 41) {
    throw new UserError(`--bits must be an integer in 32..41 (got "${args.bits}")`);
  }
  const presets: Record<string, Preset> = {
    gazelle: presetFlag(args.preset),
    cryptflow2: cryptflow2Preset(bits),
  };
  const opts: Options = {
    method: methodFlag(args.method),
    stock: args.stock,
    execute: args.execute,
  };
  const outDir = args["out-dir"] ?? "reports";
  await Deno.mkdir(outDir, { recursive: true });
  let ok = true;
  const docs = [];
  for (const framework of frameworks) {
    const { doc, verifiedAll } = await reportFramework(framework, presets[framework], opts);
    ok &&= verifiedAll;
    const out = `${outDir}/${framework}_layers.json`;
    await writeFileAtomic(out, JSON.stringify(doc, null, 2) + "\n");
    progress(`written: ${out}`);
    docs.push(doc);
  }
  closeEnvs();
  if (args.json) console.log(JSON.stringify(docs, null, 2));
  else for (const doc of docs) printTable(doc, opts.execute);
  return ok ? 0 : 1;
}

if (import.meta.main) await runMain(main);
