import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../base/mod.ts";
import { BenchProgress, benchTimings, verifiedLine } from "./_bench_output.ts";
import { parseResults } from "./results.ts";

// A real `deno bench --json` output of bench/vgg16_cifar10_bench.ts (deno 2.9.6, quick profile,
// GAZELLE, budget 0.7) and what the bench file wrote on stderr meanwhile.
const root = new URL("../../", import.meta.url);
const JSON_TEXT = await Deno.readTextFile(
  new URL("fixtures/bench/vgg16_cifar10_quick_gazelle.json", root),
);
const STDERR = await Deno.readTextFile(
  new URL("fixtures/bench/vgg16_cifar10_quick_gazelle.stderr.txt", root),
);
const RAW = JSON.parse(JSON_TEXT);

Deno.test("benchTimings() keeps every statistic of a captured deno bench --json output, in ms", () => {
  const rows = benchTimings(JSON_TEXT, "deno bench of vgg16-cifar10");
  assertEquals(rows.length, RAW.benches.length);
  for (const [i, row] of rows.entries()) {
    const ok = RAW.benches[i].results[0].ok;
    assertEquals(
      `${row.model}@0.25/${row.layer}/${row.framework}/${row.variant}`,
      RAW.benches[i].name,
    );
    const st = row.stats!;
    for (
      const [ours, theirs] of [
        ["mean", "avg"],
        ["min", "min"],
        ["max", "max"],
        ["p75", "p75"],
        ["p99", "p99"],
        ["p995", "p995"],
        ["p999", "p999"],
      ] as const
    ) {
      assertAlmostEquals(st[ours]!, ok[theirs] / 1e6, 1e-6, `${row.layer} ${ours}`);
    }
    assertEquals([st.n, row.samples], [ok.n, ok.n]);
    assertEquals([st.high_precision, st.explicit_timers], [
      ok.highPrecision,
      ok.usedExplicitTimers,
    ]);
    assertEquals(row.measured_ms, Number((ok.avg / 1e6).toFixed(3)));
    assert(st.min <= st.p75 && st.p75 <= st.p99 && st.p99 <= st.max, row.layer);
  }
  assertEquals(rows[0].stats, {
    n: 4,
    mean: 77.059956,
    min: 61.565458,
    max: 97.350631,
    p75: 78.734987,
    p99: 97.350631,
    p995: 97.350631,
    p999: 97.350631,
    high_precision: true,
    explicit_timers: true,
  });
});

Deno.test("timings read from a real output pass the results schema, and round-trip", async () => {
  const sample = JSON.parse(
    await Deno.readTextFile(new URL("fixtures/results/quick_cifar10.json", root)),
  );
  const timings = benchTimings(JSON_TEXT, "deno bench of vgg16-cifar10");
  const text = JSON.stringify({ ...sample, timings });
  assertEquals(JSON.stringify(parseResults(text, "r.json")), text);
});

Deno.test("benchTimings() refuses a failed bench, a foreign name and a foreign format in one line", () => {
  const failed = structuredClone(RAW);
  failed.benches[2].results = [{ failed: "Error: HE output is wrong" }];
  assertThrows(
    () => benchTimings(JSON.stringify(failed), "deno bench of vgg16-cifar10"),
    UserError,
    "deno bench of vgg16-cifar10: benches[2] (vgg16-cifar10@0.25/features.0/gazelle/mosaic) has no result",
  );
  const foreign = structuredClone(RAW);
  foreign.benches[0].name = "sum";
  assertThrows(
    () => benchTimings(JSON.stringify(foreign), "b"),
    UserError,
    '"sum" is not <model>/',
  );
  const renamed = structuredClone(RAW);
  renamed.benches[0].results[0].ok.avg = "77 ms";
  assertThrows(
    () => benchTimings(JSON.stringify(renamed), "b"),
    UserError,
    'b: benches[0].results[0].ok.avg: expected a number, got "77 ms"',
  );
  assertThrows(() => benchTimings("Check bench/x.ts", "b"), UserError, "b is not valid JSON");
});

Deno.test("the captured stderr's verified lines count the benches of the JSON, in order", () => {
  const lines = STDERR.split("\n").map(verifiedLine).filter((v) => v !== null);
  assertEquals(lines.map((v) => v.name), RAW.benches.map((b: { name: string }) => b.name));
  assertEquals(lines.map((v) => v.index), lines.map((_, i) => i + 1));
  assert(lines.every((v) => v.count === lines.length));
  for (const other of ["verified x", "verified x [1/2] extra", "skipped a/b/c/d: too big", ""]) {
    assertEquals(verifiedLine(other), null, other);
  }
});

/** The progress lines of the captured stderr, a bench every `secondsEach` s on a test clock. */
function replay(
  expected: Map<string, number>,
  secondsEach: number,
  extra: string[] = [],
): string[] {
  let t = 0;
  const out: string[] = [];
  const p = new BenchProgress((l) => out.push(l), expected, { now: () => t, intervalMs: 0 });
  for (const line of [...extra, ...STDERR.split("\n")]) {
    if (verifiedLine(line)) t += secondsEach * 1000;
    p.line(line);
  }
  t += secondsEach * 1000;
  p.end();
  return out;
}

/** The same predicted ms for each captured bench, keyed `<layer>/<framework>/<variant>`. */
const PREDICTED = new Map<string, number>(
  RAW.benches.map((b: { name: string }) => [b.name.slice(b.name.indexOf("/") + 1), 1]),
);

Deno.test("BenchProgress says each bench of the captured run, counting up to 12/12", () => {
  const lines = replay(PREDICTED, 2);
  assertEquals(lines.length, 13);
  for (const [i, line] of lines.entries()) {
    assert(line.startsWith(`  ${i}/12 benches, `), line);
  }
  // Equal weights, 2 s a bench: after 3 benches (6 s) the 9 left take 18 s.
  assertEquals(
    lines[3],
    "  3/12 benches, 6.0 s elapsed, ETA 18 s (verified vgg16-cifar10@0.25/features.14/gazelle/unpruned)",
  );
  assertEquals(lines[12], "  12/12 benches, 24.0 s elapsed");
});

Deno.test("BenchProgress weighs benches by their predicted ms when the predictions cover them", () => {
  const heavy = new Map(PREDICTED);
  heavy.set("features.0/gazelle/unpruned", 10); // 10 of 21 units
  const lines = replay(heavy, 2);
  // The first bench (2 s) was 10 of 21 units: the 11 left take 2.2 s.
  assert(lines[1].startsWith("  1/12 benches, 2.0 s elapsed, ETA 3 s "), lines[1]);
  // Predictions for other benches than the file runs: equal weights (11 left take 22 s).
  const other = new Map([...heavy].filter(([k]) => !k.startsWith("classifier/")));
  assert(replay(other, 2)[1].startsWith("  1/12 benches, 2.0 s elapsed, ETA 22 s "));
  // A bench the file skipped is not waited for: the other 12 are all there is.
  const skipped = "skipped vgg16-cifar10@0.25/features.2/gazelle/unpruned: its masks need 3.0 GB";
  const withSkip = new Map([...heavy, ["features.2/gazelle/unpruned", 1000]]);
  const lines2 = replay(withSkip, 2, [skipped]);
  assertEquals(lines2[0], `  ${skipped}`);
  assert(lines2[2].startsWith("  1/12 benches, 2.0 s elapsed, ETA 3 s "), lines2[2]);
});
