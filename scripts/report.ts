/**
 * `deno task report [--preset NAME] [--method ir|or|auto] [--stock] [--execute] [--json]`:
 * the main job. Plans every linear layer of the default layer set (CIFAR-10 VGG-16 shapes,
 * synthetic weights) for GAZELLE, prints the per-layer op table and writes
 * `reports/gazelle_layers.json` with its manifest. `--execute` also runs each layer
 * homomorphically and verifies it.
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import {
  addCounts,
  buildManifest,
  closeEnvs,
  countProgram,
  executeProgram,
  inputCount,
  MEASURED_UNIT_COSTS,
  planLayer,
  predictMs,
  randomModT,
  referenceLayer,
  Rng,
  securityLabel,
  shapeLabel,
  syntheticLayer,
  vgg16Cifar10Shapes,
  writeFileAtomic,
  zeroCounts,
} from "../mod.ts";
import { checkFlags, methodFlag, presetFlag, progress, runMain } from "./_cli.ts";

const SEED = 1;

async function main(): Promise<number> {
  const args = parseArgs(Deno.args, {
    boolean: ["stock", "execute", "json"],
    string: ["preset", "method", "out"],
  });
  checkFlags(args, ["stock", "execute", "json", "preset", "method", "out"]);
  const method = methodFlag(args.method);
  const preset = presetFlag(args.preset);
  const unit = MEASURED_UNIT_COSTS[preset.name];
  const shapes = vgg16Cifar10Shapes();
  const rows = [];
  const total = zeroCounts();
  let allVerified = true;
  for (const [i, { name, shape }] of shapes.entries()) {
    progress(`[${i + 1}/${shapes.length}] ${name} ${shapeLabel(shape)}`);
    const layer = syntheticLayer(name, shape, SEED + i);
    const program = planLayer("gazelle", layer, { preset, method, stock: args.stock });
    const plan = program.parts[0];
    const c = countProgram(program);
    addCounts(total, c);
    const row: Record<string, unknown> = {
      name,
      shape: shapeLabel(shape),
      method: plan.method,
      channels_per_ct: plan.geometry.channels_per_ct ?? null,
      in_cts: plan.inputs,
      out_cts: plan.outputs.length,
      ops: c,
      predicted_server_ms: Number(predictMs(c, unit).toFixed(2)),
    };
    if (args.execute) {
      const x = randomModT(inputCount(shape), preset.plainModulus, new Rng(SEED + 1000 + i));
      const run = await executeProgram(program, x);
      const ref = referenceLayer(layer, x, preset.plainModulus);
      const verified = run.result.every((v, j) => v === ref[j]) &&
        JSON.stringify(run.ledger) === JSON.stringify(c);
      allVerified &&= verified;
      Object.assign(row, {
        server_ms: Number(run.timesMs.server.toFixed(1)),
        noise_budget_bits: run.noiseBudget,
        verified,
      });
      progress(`    server ${run.timesMs.server.toFixed(0)} ms, budget ${run.noiseBudget} bits`);
    }
    rows.push(row);
  }
  const manifest = buildManifest([preset], { weights: SEED, inputs: SEED + 1000 }, "synthetic");
  const doc = {
    title: "GAZELLE per-layer HE op counts, CIFAR-10 VGG-16 shapes",
    weights: "SYNTHETIC uniform signed 8-bit weights (not a trained model)",
    framework: "gazelle",
    preset: preset.name,
    security: securityLabel(preset),
    stock: args.stock,
    unit_costs: unit,
    layers: rows,
    totals: { ops: total, predicted_server_ms: Number(predictMs(total, unit).toFixed(1)) },
    manifest,
  };
  await Deno.mkdir("reports", { recursive: true });
  const out = args.out ?? "reports/gazelle_layers.json";
  await writeFileAtomic(out, JSON.stringify(doc, null, 2) + "\n");
  closeEnvs();
  if (args.json) {
    console.log(JSON.stringify(doc, null, 2));
  } else {
    console.log(`${doc.title} (${doc.weights})`);
    console.log(
      `preset ${preset.name}: ${securityLabel(preset)}; ${args.stock ? "stock" : "pruning-aware"}`,
    );
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
      "pred_ms",
    ];
    if (args.execute) head.push("run_ms", "noise", "ok");
    const table = rows.map((r) => {
      const c = r.ops as ReturnType<typeof zeroCounts>;
      const cells = [
        r.name,
        r.shape,
        r.method,
        r.channels_per_ct ?? "-",
        r.in_cts,
        r.out_cts,
        c.perm_in,
        c.perm_out,
        c.key_switches,
        c.mult,
        c.add,
        r.predicted_server_ms,
      ];
      if (args.execute) cells.push(r.server_ms, r.noise_budget_bits, r.verified);
      return cells.map(String);
    });
    table.push([
      "total",
      "",
      "",
      "",
      String(total.cts_up),
      String(total.cts_down),
      String(total.perm_in),
      String(total.perm_out),
      String(total.key_switches),
      String(total.mult),
      String(total.add),
      String(doc.totals.predicted_server_ms),
    ]);
    const widths = head.map((h, j) => Math.max(h.length, ...table.map((r) => (r[j] ?? "").length)));
    const line = (cells: string[]) =>
      cells.map((s, j) => (j < 3 ? s.padEnd(widths[j]) : s.padStart(widths[j]))).join("  ");
    console.log(line(head));
    for (const r of table) console.log(line(r));
    console.log(`written: ${out}`);
  }
  return allVerified ? 0 : 1;
}

if (import.meta.main) await runMain(main);
