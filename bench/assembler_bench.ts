/**
 * MOSAIC's assembler on one full-width layer: the channel tie VGG-16/CIFAR-10's features.34 writes
 * (512 channels, 2×2 maps) and features.37 reads, 70 % of kernels pruned at random, default search
 * (32 swap trials per channel × 4 passes). Names: `assembler/<model>/<layer>/<framework>`. The
 * layers' structures and the mask are made once, outside the measurement; each iteration rebuilds
 * the two layers' search state and assembles from the same mask.
 */
import { getPreset } from "../src/he/mod.ts";
import { shapeLabel, vgg16Cifar10Shapes } from "../src/nn/mod.ts";
import { syntheticAssembly } from "../src/prune/mod.ts";

const vgg = new Map(vgg16Cifar10Shapes().map((l) => [l.name, shapeLabel(l.shape)]));

for (const framework of ["gazelle", "cryptflow2"]) {
  const run = syntheticAssembly({
    framework,
    preset: getPreset(framework),
    producer: vgg.get("features.34")!,
    consumer: vgg.get("features.37")!,
    keep: 0.3,
  });
  // One assembly up front: it checks the search does something and shows what it reaches.
  const r = run({ seed: 1 });
  if (!(r.phiAfter > r.phiBefore)) throw new Error(`${framework}: assembly did not raise Φ`);
  console.error(
    `assembler/${framework}: ${r.trials} trials, ${r.accepted} kept, ` +
      `Φ ${r.phiBefore.toFixed(3)} → ${r.phiAfter.toFixed(3)}, ${r.ms.toFixed(0)} ms`,
  );
  Deno.bench({
    name: `assembler/vgg16-cifar10/features.34/${framework}`,
    group: "assembler/vgg16-cifar10/features.34",
    n: 5,
    warmup: 1,
  }, () => {
    run({ seed: 1 });
  });
}
