/**
 * `deno task plan <framework> <layer-spec> [--method ir|or|auto] [--preset NAME] [--stock]
 * [--execute] [--seed N] [--json]`: plan one linear layer, print its HE op counts, optionally run
 * it homomorphically and verify it against the integer reference layer.
 *
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import {
  buildManifest,
  ciphertextBytes,
  closeEnvs,
  countPlan,
  executeLayer,
  galoisKeySetBytes,
  inputCount,
  type LayerPlan,
  MEASURED_UNIT_COSTS,
  parseLayerSpec,
  planLayer,
  predictMs,
  randomModT,
  referenceLayer,
  Rng,
  securityLabel,
  shapeLabel,
  syntheticLayer,
  UserError,
} from "../mod.ts";
import { checkFlags, methodFlag, presetFlag, runMain } from "./_cli.ts";

const USAGE = "usage: deno task plan gazelle <conv:h=..,w=..,ci=..,co=..,k=..[,s=..][,p=..] | " +
  "fc:in=..,out=..> [--method ir|or|auto] [--preset gazelle|gazelle-secure] [--stock] " +
  "[--execute] [--seed N] [--json]";

/** The JSON document `deno task plan --json` prints. */
export function planSummary(plan: LayerPlan): Record<string, unknown> {
  const c = countPlan(plan);
  const unit = MEASURED_UNIT_COSTS[plan.preset.name];
  const primes = plan.preset.coeffModulusBits.length;
  return {
    framework: plan.framework,
    preset: plan.preset.name,
    security: securityLabel(plan.preset),
    layer: plan.layer,
    slots: plan.slots,
    channels_per_ct: plan.geometry.channels_per_ct ?? null,
    in_cts: plan.inputs,
    out_cts: plan.outputs.length,
    method: plan.method,
    stock: plan.stock,
    geometry: plan.geometry,
    keys: { kind: plan.keys.kind, count: plan.keys.steps.length },
    ops: {
      perm_in: c.perm_in,
      perm_out: c.perm_out,
      key_switches: c.key_switches,
      mult: c.mult,
      add: c.add,
      rotate_rows: c.rotate_rows,
      rotate_columns: c.rotate_columns,
      ntt: c.ntt,
      intt: c.intt,
      cts_up: c.cts_up,
      cts_down: c.cts_down,
    },
    bytes: {
      up: c.cts_up * ciphertextBytes(plan.slots, primes - 1),
      down: c.cts_down * ciphertextBytes(plan.slots, primes - 1),
      galois_keys: galoisKeySetBytes(plan.keys.steps.length, plan.slots, primes),
    },
    predicted_server_ms: unit ? Number(predictMs(c, unit).toFixed(2)) : null,
  };
}

async function main(): Promise<number> {
  const args = parseArgs(Deno.args, {
    boolean: ["stock", "execute", "json", "help"],
    string: ["method", "preset", "seed"],
  });
  checkFlags(args, ["stock", "execute", "json", "help", "method", "preset", "seed"]);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const [framework, spec] = args._.map(String);
  if (!framework || !spec) throw new UserError(`missing arguments; ${USAGE}`);
  const method = methodFlag(args.method);
  const preset = presetFlag(args.preset);
  const seed = Number(args.seed ?? 1);
  if (!Number.isInteger(seed)) {
    throw new UserError(`--seed must be an integer (got "${args.seed}")`);
  }
  const shape = parseLayerSpec(spec);
  const layer = syntheticLayer(shapeLabel(shape), shape, seed);
  const plan = planLayer(framework, layer, {
    preset,
    method,
    stock: args.stock,
  });
  const out: Record<string, unknown> = planSummary(plan);
  let ok = true;
  if (args.execute) {
    const x = randomModT(inputCount(shape), preset.plainModulus, new Rng(seed + 1));
    const run = await executeLayer(plan, x);
    const ref = referenceLayer(layer, x, preset.plainModulus);
    const verified = run.y.length === ref.length && run.y.every((v, i) => v === ref[i]);
    const ledgerOk = JSON.stringify(run.ledger) === JSON.stringify(countPlan(plan));
    ok = verified && ledgerOk;
    Object.assign(out, {
      times_ms: {
        encrypt: Number(run.timesMs.encrypt.toFixed(2)),
        server: Number(run.timesMs.server.toFixed(2)),
        decrypt: Number(run.timesMs.decrypt.toFixed(2)),
      },
      noise_budget_bits: run.noiseBudget,
      bytes: { up: run.bytes.up, down: run.bytes.down, galois_keys: run.bytes.galoisKeys },
      verified,
      ledger_matches_plan: ledgerOk,
    });
    closeEnvs();
  }
  out.weights = `synthetic: uniform signed 8-bit, seed ${seed}`;
  out.manifest = buildManifest([preset], { weights: seed, input: seed + 1 }, "synthetic");
  if (args.json) console.log(JSON.stringify(out, null, 2));
  else printTable(out);
  return ok ? 0 : 1;
}

function printTable(out: Record<string, unknown>): void {
  const rows: [string, string][] = [];
  const add = (k: string, v: unknown) =>
    rows.push([k, typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)]);
  for (const [k, v] of Object.entries(out)) {
    if (k === "ops" || k === "times_ms") {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) add(`${k}.${k2}`, v2);
    } else add(k, v);
  }
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

if (import.meta.main) await runMain(main);
