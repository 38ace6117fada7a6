import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { UserError } from "../base/mod.ts";
import { cryptflow2Preset, getPreset } from "../he/mod.ts";
import { buildZoo, type Network } from "../nn/mod.ts";
import { modelCost, modelCostParallel, spawnPlanners } from "./model_cost.ts";

/** ResNet-18 at width 0.125 with its first conv's input grown to `size` × `size`. */
function grown(size: number): Network {
  const net = buildZoo("resnet18-cifar10", { width: 0.125 });
  return { ...net, name: `resnet18@${size}`, input: { ...net.input, h: size, w: size } };
}

/** `n` planning Workers whose `terminate()` calls are recorded. */
function spied(n: number): { workers: Worker[]; terminated: Set<Worker> } {
  const terminated = new Set<Worker>();
  const workers = spawnPlanners(n);
  for (const w of workers) {
    const terminate = w.terminate.bind(w);
    w.terminate = () => {
      terminated.add(w);
      terminate();
    };
  }
  return { workers, terminated };
}

Deno.test("modelCostParallel() terminates its Workers when the model fails before planning", async () => {
  // VGG-16 flattens its last map: a grown input no longer fits its classifier.
  const net = buildZoo("vgg16-cifar10", { width: 0.125 });
  const bad = { ...net, input: { ...net.input, h: 64, w: 64 } };
  const pool = spied(2);
  const opts = { framework: "gazelle", preset: getPreset("gazelle") } as const;
  await assertRejects(() => modelCostParallel(bad, opts, pool.workers), Error, "classifier");
  assertEquals(pool.terminated.size, 2);
});

Deno.test("modelCostParallel() rethrows a Worker's UserError as the UserError modelCost throws", async () => {
  // 200 × 200 maps need N = 65536 under SCI's rule: every conv of the first block is refused.
  const net = grown(200);
  const opts = { framework: "cryptflow2", preset: cryptflow2Preset() } as const;
  const inProcess = assertThrows(() => modelCost(net, opts), UserError);
  const e = await assertRejects(() => modelCostParallel(net, opts, 2), UserError);
  // Workers take the largest layers first: the same kind of line, for one of the refused layers.
  assertEquals(
    e.message.replace(/^Layer \S+/, "Layer L"),
    inProcess.message.replace(/^Layer \S+/, "Layer L"),
  );
  // A pool handed in is terminated on failure too, with every Worker still planning: no hang.
  const pool = spied(3);
  await assertRejects(() => modelCostParallel(net, opts, pool.workers), UserError, "N = 65536");
  assertEquals(pool.terminated.size, 3);
});

Deno.test("modelCostParallel() rethrows a memory refusal (a Worker's or its own) as one UserError line", async () => {
  const before = Deno.env.get("MOSAIC_MAX_MEMORY");
  Deno.env.set("MOSAIC_MAX_MEMORY", "1MB"); // Workers read the environment when they plan
  try {
    const net = buildZoo("vgg16-cifar10", { width: 0.25 });
    const opts = { framework: "gazelle", preset: getPreset("gazelle") } as const;
    const e = await assertRejects(() => modelCostParallel(net, opts, 2), UserError);
    assertEquals(
      /^Layer \S+ under gazelle needs an estimated .* memory limit \(MOSAIC_MAX_MEMORY=1MB\)/.test(
        e.message,
      ),
      true,
      e.message,
    );
    assertEquals(e.message.includes("\n"), false);
  } finally {
    if (before === undefined) Deno.env.delete("MOSAIC_MAX_MEMORY");
    else Deno.env.set("MOSAIC_MAX_MEMORY", before);
  }
});
