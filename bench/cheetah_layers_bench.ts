/**
 * Representative Cheetah layers, server compute only (keys, mask encoding and encryption before
 * `b.start()`; re-sharing, the switch to one prime and extraction are server work and are timed),
 * each verified before it is timed, as OpenCheetah multiplies (`coeff`: SEAL's `multiply_plain`
 * on coefficient-form operands) and with NTTs hoisted (`ntt`). Names:
 * `<model>/<layer>/cheetah/<method>-<preset>`.
 */
import { planLayer } from "../src/frameworks/mod.ts";
import { getPreset } from "../src/he/mod.ts";
import { parseLayerSpec, shapeLabel, syntheticLayer, vgg16Cifar10Shapes } from "../src/nn/mod.ts";
import { benchLayers, type LayerCase } from "./_layers.ts";

const vgg = new Map(vgg16Cifar10Shapes().map((l) => [l.name, shapeLabel(l.shape)]));
// [preset, method, model, layer name, layer spec]
const CASES: [string, string, string, string, string][] = [
  // 32 × 32 × 3 → 64 (34 × 34 padded: Ĉ = 3, one block): the output ciphertexts dominate.
  ["cheetah", "coeff", "vgg16-cifar10", "features.0", vgg.get("features.0")!],
  ["cheetah", "ntt", "vgg16-cifar10", "features.0", vgg.get("features.0")!],
  // 8 × 8 × 128 → 256: Ĉ = 40, n_C = 4 (1,024 products).
  ["cheetah", "coeff", "vgg16-cifar10", "features.14", vgg.get("features.14")!],
  ["cheetah", "ntt", "vgg16-cifar10", "features.14", vgg.get("features.14")!],
  // A map larger than N: Ĉ = 1, four overlapping spatial blocks.
  ["cheetah", "coeff", "tinyimagenet-conv", "conv64-3-16", "conv:h=64,w=64,ci=3,co=16,k=3,p=1"],
  ["cheetah", "coeff", "vgg16-cifar10", "classifier", vgg.get("classifier")!],
  ["cheetah", "coeff", "resnet-cifar10", "bn", "bn:c=64,h=16,w=16"],
  // N = 8192: 18 × 18 padded, Ĉ = 25 of 64 channels, n_C = 3.
  ["cheetah-secure", "coeff", "vgg16-cifar10", "features.7", vgg.get("features.7")!],
];

await benchLayers(CASES.map(([presetName, method, model, name, spec], i): LayerCase => {
  const layer = syntheticLayer(name, parseLayerSpec(spec), 500 + i);
  const program = planLayer(layer, { framework: "cheetah", preset: getPreset(presetName), method });
  return {
    model,
    layer,
    framework: "cheetah",
    variant: `${program.method}-${presetName}`,
    program,
  };
}));
