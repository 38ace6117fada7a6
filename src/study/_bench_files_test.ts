import { assertEquals } from "@std/assert";
import { BENCH_DIR, MODEL_BENCH_FILES } from "./_bench_files.ts";
import { checkStudy, DEFAULT_STUDY } from "./study.ts";

Deno.test("the bench registry and bench/ agree: every per-model bench file is registered, every entry exists", async () => {
  // Files of bench/ that time something other than one model's layers.
  const other = new Set([
    "assembler_bench.ts",
    "calibrate_bench.ts",
    "cost_tables_bench.ts",
    "cheetah_layers_bench.ts",
    "cryptflow2_layers_bench.ts",
    "gazelle_layers_bench.ts",
    "he_ops_bench.ts",
    "train_bench.ts",
  ]);
  const onDisk: string[] = [];
  for await (const e of Deno.readDir(BENCH_DIR)) {
    if (e.name.endsWith("_bench.ts") && !other.has(e.name)) onDisk.push(e.name);
  }
  assertEquals(onDisk.sort(), Object.values(MODEL_BENCH_FILES).sort());
  for (const [model, file] of Object.entries(MODEL_BENCH_FILES)) {
    const text = await Deno.readTextFile(new URL(file, BENCH_DIR));
    assertEquals(text.includes(`registerModelBenches("${model}")`), true, `${file} times ${model}`);
  }
});

Deno.test("every registered model is one a study accepts", () => {
  checkStudy({
    ...DEFAULT_STUDY,
    models: Object.keys(MODEL_BENCH_FILES),
    profile: "quick",
    width: 0.25,
  });
});
