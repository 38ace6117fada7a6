import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../base/mod.ts";
import { mergeShards, parseResults, type Results, type TimingRow } from "./results.ts";

const SAMPLE: Results = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/results/quick_cifar10.json", import.meta.url)),
);

/** The sample's first timing row with statistics (as `deno bench` gave them, in ms). */
const ROW: TimingRow = {
  ...SAMPLE.timings[0],
  measured_ms: 77.06,
  samples: 4,
  stats: {
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
  },
};

/** The sample with its first timing row replaced by `row`, as JSON text. */
function withRow(row: unknown): string {
  return JSON.stringify({ ...SAMPLE, timings: [row, ...SAMPLE.timings.slice(1)] });
}

Deno.test("a timing row with statistics round-trips; rows without them (older files) still parse", () => {
  const text = withRow(ROW);
  assertEquals(JSON.stringify(parseResults(text, "r.json")), text);
  assertEquals(parseResults(text, "r.json").timings[0].stats, ROW.stats);
  // p995, p999 and the timer flags are optional: deno may leave them out.
  const { p995: _a, p999: _b, high_precision: _c, explicit_timers: _d, ...core } = ROW.stats!;
  assertEquals(parseResults(withRow({ ...ROW, stats: core }), "r.json").timings[0].stats, core);
  // An older file: the shipped sample with its statistics taken out.
  const old = JSON.stringify({ ...SAMPLE, timings: SAMPLE.timings.map(({ stats: _, ...t }) => t) });
  assertEquals(parseResults(old, "r.json").timings.filter((t) => t.stats).length, 0);
});

Deno.test("malformed statistics are refused in one line naming the field", async (t) => {
  const cases: [string, unknown, string][] = [
    [
      "min above max",
      { min: 500 },
      "timings[0].stats.p75: 78.734987 is below min 500 (expected min ≤ p75 ≤ p99 ≤ p995 ≤ p999 ≤ max)",
    ],
    ["max below p99", { max: 90 }, "timings[0].stats.max: 90 is below p999 97.350631"],
    [
      "p99 below p75",
      { p99: 70, p995: undefined },
      "timings[0].stats.p99: 70 is below p75 78.734987 (expected min ≤ p75 ≤ p99 ≤ p999 ≤ max)",
    ],
    ["negative", { min: -1 }, "timings[0].stats.min: must be ≥ 0, got -1"],
    ["no samples", { n: 0 }, "timings[0].stats.n: must be > 0, got 0"],
    ["fractional n", { n: 2.5 }, "timings[0].stats.n: expected an integer, got 2.5"],
    [
      "mean outside",
      { mean: 50 },
      "timings[0].stats.mean: 50 is outside min 61.565458 … max 97.350631",
    ],
    ["missing p99", { p99: undefined }, "timings[0].stats.p99: missing (expected a number)"],
    ["a string", { mean: "77 ms" }, 'timings[0].stats.mean: expected a number, got "77 ms"'],
    ["not an object", null, "timings[0].stats: expected an object, got null"],
  ];
  for (const [what, change, want] of cases) {
    await t.step(what, () => {
      const stats = change === null ? null : { ...ROW.stats, ...change as object };
      const err = assertThrows(() => parseResults(withRow({ ...ROW, stats }), "r.json"), UserError);
      assertEquals(err.message.split(": ").slice(0, 1), ["Results file r.json"]);
      if (!err.message.includes(want)) throw new Error(`${err.message}\n  !~ ${want}`);
    });
  }
});

Deno.test("a row whose samples or mean disagree with its statistics is refused", () => {
  assertThrows(
    () => parseResults(withRow({ ...ROW, samples: 3 }), "r.json"),
    UserError,
    "timings[0].samples: 3 differs from stats.n 4 (both count the bench samples)",
  );
  assertThrows(
    () => parseResults(withRow({ ...ROW, measured_ms: 80 }), "r.json"),
    UserError,
    "timings[0].measured_ms: 80 differs from stats.mean 77.059956 (it is the mean, to 3 decimals)",
  );
});

Deno.test("merging shards keeps every timing row's statistics", () => {
  const shard = (index: number, timings: readonly TimingRow[]): Results => ({
    ...SAMPLE,
    shards: [{ index, count: 2 }],
    timings,
  });
  const second = { ...ROW, layer: "features.14", stats: { ...ROW.stats!, max: 120 } };
  const merged = mergeShards([shard(1, [ROW]), shard(2, [second])]);
  assertEquals(merged.timings, [ROW, second]);
  // And the merged file reads back with them.
  const text = JSON.stringify(merged);
  assertEquals(parseResults(text, "m.json").timings.map((t) => t.stats?.max), [97.350631, 120]);
});
