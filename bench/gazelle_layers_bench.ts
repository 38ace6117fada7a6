/**
 * Representative GAZELLE layers, server compute only: keys, mask encoding and encryption happen
 * before `b.start()`. Each layer is verified once against the integer reference before it is timed
 * (a wrong layer is an error, never a number). At the end the measured medians are printed next to
 * the cost model, Σ (op count × unit op time), with unit times measured in this same process.
 *
 * Names: `<model>/<layer>/gazelle/<method>-<preset>`.
 */
import {
  countPlan,
  decryptOutput,
  encryptInput,
  getPreset,
  inputCount,
  type LayerShape,
  planGazelle,
  predictMs,
  prepareLayer,
  randomModT,
  referenceLayer,
  Rng,
  runServer,
  syntheticLayer,
  vgg16Cifar10Shapes,
} from "../mod.ts";
import { measureUnitCosts } from "../src/cost/mod.ts";

const vgg = new Map(vgg16Cifar10Shapes().map((l) => [l.name, l.shape]));
const CASES: { preset: string; model: string; layer: string; shape: LayerShape }[] = [
  { preset: "gazelle", model: "vgg16-cifar10", layer: "features.0", shape: vgg.get("features.0")! },
  { preset: "gazelle", model: "vgg16-cifar10", layer: "features.3", shape: vgg.get("features.3")! },
  {
    preset: "gazelle",
    model: "vgg16-cifar10",
    layer: "features.10",
    shape: vgg.get("features.10")!,
  },
  {
    preset: "gazelle",
    model: "vgg16-cifar10",
    layer: "features.14",
    shape: vgg.get("features.14")!,
  },
  { preset: "gazelle", model: "vgg16-cifar10", layer: "classifier", shape: vgg.get("classifier")! },
  {
    preset: "gazelle",
    model: "resnet-stride2",
    layer: "conv:16x16,64->128,s2",
    shape: { kind: "conv", h: 16, w: 16, ci: 64, co: 128, k: 3, s: 2, p: 1 },
  },
  {
    preset: "gazelle-secure",
    model: "vgg16-cifar10",
    layer: "features.6",
    shape: vgg.get("features.6")!,
  },
];

const unitCache = new Map<string, Awaited<ReturnType<typeof measureUnitCosts>>>();
const rows: { name: string; predicted: number; times: number[] }[] = [];

for (const [i, c] of CASES.entries()) {
  const preset = getPreset(c.preset);
  if (!unitCache.has(c.preset)) unitCache.set(c.preset, await measureUnitCosts(preset));
  const layer = syntheticLayer(c.layer, c.shape, 100 + i);
  const plan = planGazelle(layer, { preset });
  const prep = await prepareLayer(plan);
  const x = randomModT(inputCount(c.shape), preset.plainModulus, new Rng(200 + i));
  const inputs = encryptInput(prep, x);
  {
    using check = runServer(prep, inputs);
    const { y } = decryptOutput(prep, check.outputs);
    const ref = referenceLayer(layer, x, preset.plainModulus);
    if (!y.every((v, j) => v === ref[j])) throw new Error(`${c.layer}: HE output is wrong`);
  }
  const name = `${c.model}/${c.layer}/gazelle/${plan.method}-${c.preset}`;
  const row = {
    name,
    predicted: predictMs(countPlan(plan), unitCache.get(c.preset)!),
    times: [] as number[],
  };
  rows.push(row);
  Deno.bench({ name, group: `${c.model}/${c.layer}/gazelle`, n: 3, warmup: 1 }, (b) => {
    b.start();
    const t0 = performance.now();
    const r = runServer(prep, inputs);
    row.times.push(performance.now() - t0);
    b.end();
    r[Symbol.dispose]();
  });
}

globalThis.addEventListener("unload", () => {
  console.log(
    "\nmeasured server time vs cost model Σ count × unit time (unit times measured in-process)",
  );
  for (const r of rows) {
    if (r.times.length === 0) continue;
    const s = [...r.times].sort((a, b) => a - b);
    const med = s[s.length >> 1];
    console.log(
      `${r.name.padEnd(58)} measured ${med.toFixed(1).padStart(8)} ms  predicted ` +
        `${r.predicted.toFixed(1).padStart(8)} ms  ratio ${(med / r.predicted).toFixed(3)}`,
    );
  }
});
