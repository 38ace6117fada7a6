/**
 * `deno task plan <framework> <layer-spec> [--method M] [--preset NAME] [--bits L]
 * [--stock] [--execute] [--seed N] [--json]`: plan one linear layer, print its HE op counts,
 * optionally run it homomorphically and verify it against the integer reference layer.
 * `relu:` and `maxpool:` specs print the nonlinear (OT / GC) cost instead. Bounds: `--bits`
 * 32..41, `--seed` 0..4294967295.
 *
 * @module
 */
import { randomModT, SeededRng, UserError } from "../src/base/mod.ts";
import { nonlinearCost, parseNonlinearSpec, programSummary } from "../src/cost/mod.ts";
import { checkLayerMemory, frameworkName, planLayer } from "../src/frameworks/mod.ts";
import { closeEnvs, countProgram, executeProgram } from "../src/he/mod.ts";
import {
  inputCount,
  parseLayerSpec,
  referenceLayer,
  shapeLabel,
  syntheticLayer,
} from "../src/nn/mod.ts";
import { buildManifest } from "../src/study/mod.ts";
import {
  frameworkPreset,
  type Help,
  intFlag,
  METHOD_HELP,
  methodFlag,
  parseFlags,
  runMain,
  SEED_RANGE,
} from "./_cli.ts";

const HELP: Help = {
  usage: "deno task plan <gazelle|cryptflow2|cheetah> <layer-spec> [options]",
  about:
    "Plan one linear layer and print its HE op counts; optionally run it homomorphically and\n" +
    "verify it against the integer reference layer. relu: and maxpool: specs print the nonlinear\n" +
    "(OT / GC) cost instead. Layer specs: conv:h=..,w=..,ci=..,co=..,k=..[,s=..][,p=..] |\n" +
    "fc:in=..,out=.. | bn:c=..,h=..,w=.. | relu:c=..,h=..,w=.. | maxpool:c=..,h=..,w=..,k=..[,s=..]",
  options: [
    { flag: "--method M", default: "auto", what: METHOD_HELP },
    { flag: "--preset NAME", default: "the framework's", what: "HE parameter preset" },
    { flag: "--bits L", default: 37, what: "cryptflow2's or cheetah's share width, 32..41" },
    { flag: "--stock", what: "plan the framework as published (no MOSAIC changes)" },
    { flag: "--execute", what: "run the plan homomorphically and verify it" },
    { flag: "--seed N", default: 1, what: "weights and input seed, 0..4294967295" },
    { flag: "--json", what: "print JSON instead of a table" },
  ],
  examples: [
    "deno task plan gazelle conv:h=16,w=16,ci=8,co=8,k=3",
    "deno task plan cryptflow2 fc:in=64,out=10 --execute --json",
  ],
};

const USAGE =
  "usage: deno task plan <gazelle|cryptflow2|cheetah> <conv:h=..,w=..,ci=..,co=..,k=..[,s=..][,p=..] | " +
  "fc:in=..,out=.. | bn:c=..,h=..,w=.. | relu:c=..,h=..,w=.. | maxpool:c=..,h=..,w=..,k=..[,s=..]> " +
  "[--method M] [--preset NAME] [--bits 32..41] [--stock] [--execute] [--seed 0..4294967295] [--json]";

async function main(): Promise<number> {
  const args = parseFlags(Deno.args, {
    boolean: ["stock", "execute", "json"],
    string: ["method", "preset", "seed", "bits"],
    positionals: 2,
    help: HELP,
  });
  const [name, spec] = args._;
  if (!name || !spec) throw new UserError(`missing arguments; ${USAGE}`);
  const framework = frameworkName(name);
  const method = methodFlag(args.method, framework);
  const preset = frameworkPreset(framework, args.preset, args.bits);
  const seed = intFlag(args, "seed", { ...SEED_RANGE, default: 1 });
  const manifest = () => buildManifest([preset], { weights: seed, input: seed + 1 }, "synthetic");
  const nonlinear = parseNonlinearSpec(spec);
  if (nonlinear) {
    const eta = Math.ceil(Math.log2(preset.plainModulus));
    const out = {
      framework,
      layer: spec,
      eta,
      cost: nonlinearCost(framework, nonlinear, eta),
      manifest: manifest(),
    };
    if (args.json) console.log(JSON.stringify(out, null, 2));
    else printTable({ framework, layer: spec, eta, ...out.cost });
    return 0;
  }
  const shape = parseLayerSpec(spec);
  const opts = { framework, preset, method, stock: args.stock };
  // Before the weights exist: a layer too large for memory is one line, not an allocation failure.
  checkLayerMemory(shape, shapeLabel(shape), opts, { execute: args.execute });
  const layer = syntheticLayer(shapeLabel(shape), shape, seed);
  const program = planLayer(layer, opts);
  const out: Record<string, unknown> = { ...programSummary(program) };
  let ok = true;
  if (args.execute) {
    const x = randomModT(inputCount(shape), preset.plainModulus, new SeededRng(seed + 1));
    const run = await executeProgram(program, x);
    const ref = referenceLayer(layer, x, preset.plainModulus);
    const verified = run.result.length === ref.length && run.result.every((v, i) => v === ref[i]);
    const ledgerOk = JSON.stringify(run.ledger) === JSON.stringify(countProgram(program));
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
  out.manifest = manifest();
  if (args.json) console.log(JSON.stringify(out, null, 2));
  else printTable(out);
  return ok ? 0 : 1;
}

function printTable(out: Record<string, unknown>): void {
  const rows: [string, string][] = [];
  const add = (k: string, v: unknown) =>
    rows.push([k, typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)]);
  for (const [k, v] of Object.entries(out)) {
    if (k === "manifest" || k === "parts") continue;
    if (k === "ops" || k === "times_ms") {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) add(`${k}.${k2}`, v2);
    } else add(k, v);
  }
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

if (import.meta.main) await runMain(main);
