import { assert, assertEquals } from "@std/assert";
import { NATIVE_SEAL_RATIOS } from "../cost/mod.ts";
import { renderReport } from "../report/mod.ts";
import { isoLines } from "../report/mod.ts";
import { runStudy } from "./run.ts";
import { FINETUNE_RECIPE } from "../train/mod.ts";
import type { StudySpec } from "./results.ts";
import { DEFAULT_STUDY } from "./study.ts";

Deno.test("the study fine-tunes every pruned trained model and reports iso-accuracy", async () => {
  const spec: StudySpec = {
    profile: "quick",
    width: 0.25,
    models: ["vgg16-fashionmnist-trained"],
    frameworks: ["gazelle"],
    budgets: [0.3, 0.9],
    default_budget: 0.3,
    seed: 1,
    pruning: DEFAULT_STUDY.pruning,
    accuracy: {
      seeds: [1],
      recipe: { ...FINETUNE_RECIPE, epochs: 0.01 },
      distill: null,
      test_limit: 300,
      deltas: [0.5, 1],
    },
  };
  const lines: string[] = [];
  const r = await runStudy(spec, null, false, NATIVE_SEAL_RATIOS, (l) => lines.push(l), {
    enabled: true,
    engine: "auto",
  });
  assertEquals(r.prune.length, 4);
  for (const row of r.prune) {
    if (!row.accuracy) throw new Error(`${row.method} ${row.budget} has no accuracy`);
    assertEquals(row.seed, 1);
    assertEquals(row.budget_kind, "global");
    assert(row.accuracy.finetuned >= 0 && row.accuracy.finetuned <= 1);
  }
  const acc = r.accuracy!;
  assertEquals(acc.test_images, 300);
  assertEquals(acc.unpruned.length, 1);
  // The shipped model is trained: far above chance on the first 300 test images.
  assert(acc.unpruned[0].accuracy > 0.85, `unpruned ${acc.unpruned[0].accuracy}`);
  assertEquals(acc.iso.length, 4, "2 methods × 2 deltas");
  assert(lines.some((l) => l.includes("fine-tuned")), "progress names each fine-tune");
  // The report leads with the iso-accuracy table and chart.
  const dir = await Deno.makeTempDir();
  try {
    const pngs = await renderReport(r, dir, null);
    assert(pngs.includes("charts/iso_accuracy.png"), pngs.join());
    const md = await Deno.readTextFile(`${dir}/summary.md`);
    assert(md.includes("HE cost at iso-accuracy"), md.slice(0, 400));
    assert(md.includes("ranked by share importance"), "the summary says how both methods pruned");
    assertEquals(isoLines(r).length, 2);
    const html = await Deno.readTextFile(`${dir}/index.html`);
    assert(html.includes("iso-accuracy"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
