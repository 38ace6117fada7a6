/**
 * Representative CrypTFlow2 (SCI-HE) layers, server compute only (keys, masks and encryption
 * before `b.start()`; output-mask encryption, flooding and mod switches are server work and are
 * timed), each verified before it is timed. Names: `<model>/<layer>/cryptflow2/sci-N<slots>`.
 */
import { planLayer } from "../src/frameworks/mod.ts";
import { getPreset } from "../src/he/mod.ts";
import { parseLayerSpec, syntheticLayer } from "../src/nn/mod.ts";
import { benchLayers, type LayerCase } from "./_layers.ts";

const preset = getPreset("cryptflow2");
// [model, layer name, layer spec]
const CASES: [string, string, string][] = [
  ["minionn-cifar10", "conv16-64-64", "conv:h=16,w=16,ci=64,co=64,k=3,p=1"],
  ["cifar-conv", "conv8-128-128", "conv:h=8,w=8,ci=128,co=128,k=3,p=1"],
  ["resnet-stride2", "conv16-64-128-s2", "conv:h=16,w=16,ci=64,co=128,k=3,s=2,p=1"],
  ["resnet-stride2", "conv14-256-512-1x1-s2", "conv:h=14,w=14,ci=256,co=512,k=1,s=2,p=0"],
  ["tinyimagenet-conv", "conv64-3-16", "conv:h=64,w=64,ci=3,co=16,k=3,p=1"],
  ["vgg16-cifar10", "classifier", "fc:in=512,out=10"],
  ["resnet-cifar10", "bn", "bn:c=64,h=16,w=16"],
];

await benchLayers(CASES.map(([model, name, spec], i): LayerCase => {
  const layer = syntheticLayer(name, parseLayerSpec(spec), 300 + i);
  const program = planLayer(layer, { framework: "cryptflow2", preset });
  const slots = [...new Set(program.parts.map((p) => p.slots))].join("+");
  return { model, layer, framework: "cryptflow2", variant: `sci-N${slots}`, program };
}));
