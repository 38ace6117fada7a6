import { buildZoo } from "./src/nn/zoo.ts";
import { modelCost } from "./src/cost/model_cost.ts";
import { getPreset } from "./src/he/presets.ts";
const t0 = performance.now();
const net = buildZoo("resnet50-tinyimagenet");
const t1 = performance.now();
modelCost(net, { framework: "gazelle", preset: getPreset("gazelle") });
console.log("build", (t1 - t0).toFixed(0), "cost", (performance.now() - t1).toFixed(0));
