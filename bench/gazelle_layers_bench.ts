/**
 * Representative GAZELLE layers, server compute only (keys, mask encoding and encryption happen
 * before `b.start()`), each verified before it is timed.
 * Names: `<model>/<layer>/gazelle/<method>-<preset>`.
 */
import { planLayer } from "../src/frameworks/mod.ts";
import { getPreset } from "../src/he/mod.ts";
import { parseLayerSpec, shapeLabel, syntheticLayer, vgg16Cifar10Shapes } from "../src/nn/mod.ts";
import { benchLayers, type LayerCase } from "./_layers.ts";

const vgg = new Map(vgg16Cifar10Shapes().map((l) => [l.name, shapeLabel(l.shape)]));
// [preset, model, layer name, layer spec]
const CASES: [string, string, string, string][] = [
  ["gazelle", "vgg16-cifar10", "features.0", vgg.get("features.0")!],
  ["gazelle", "vgg16-cifar10", "features.7", vgg.get("features.7")!],
  ["gazelle", "vgg16-cifar10", "features.24", vgg.get("features.24")!],
  ["gazelle", "vgg16-cifar10", "features.34", vgg.get("features.34")!],
  ["gazelle", "vgg16-cifar10", "classifier", vgg.get("classifier")!],
  ["gazelle", "resnet-stride2", "conv16-64-128-s2", "conv:h=16,w=16,ci=64,co=128,k=3,s=2,p=1"],
  ["gazelle-secure", "vgg16-cifar10", "features.14", vgg.get("features.14")!],
];

await benchLayers(CASES.map(([presetName, model, name, spec], i): LayerCase => {
  const layer = syntheticLayer(name, parseLayerSpec(spec), 100 + i);
  const program = planLayer(layer, { framework: "gazelle", preset: getPreset(presetName) });
  return {
    model,
    layer,
    framework: "gazelle",
    variant: `${program.method}-${presetName}`,
    program,
  };
}));
