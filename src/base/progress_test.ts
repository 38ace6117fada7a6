import { assertEquals } from "@std/assert";
import { EtaProgress, formatDuration, formatProgress } from "./progress.ts";

Deno.test("formatDuration() says tenths under a minute, then minutes and hours; estimates round up", () => {
  const cases: [number, "tenths" | "ceil", string][] = [
    [0, "tenths", "0.0 s"],
    [-5, "tenths", "0.0 s"],
    [49, "tenths", "0.0 s"],
    [3140, "tenths", "3.1 s"],
    [59_940, "tenths", "59.9 s"],
    [59_960, "tenths", "1 min 0 s"],
    [61_900, "tenths", "1 min 2 s"],
    [3_599_000, "tenths", "59 min 59 s"],
    [3_600_000, "tenths", "1 h 0 min"],
    [7_530_000, "tenths", "2 h 6 min"],
    [7_510_000, "tenths", "2 h 5 min"],
    [0, "ceil", "0 s"],
    [1, "ceil", "1 s"],
    [6000, "ceil", "6 s"],
    [6001, "ceil", "7 s"],
    [59_001, "ceil", "1 min 0 s"],
    [61_100, "ceil", "1 min 2 s"],
    [3_600_001, "ceil", "1 h 1 min"],
    [7_530_000, "ceil", "2 h 6 min"],
  ];
  for (const [ms, round, want] of cases) {
    assertEquals(formatDuration(ms, round), want, `${ms} ${round}`);
  }
});

Deno.test("formatProgress() leaves the estimate out before any work and once done", () => {
  const at = (done: number, etaMs: number | null) =>
    formatProgress({ done, total: 40, what: "layers", elapsedMs: 3100, etaMs });
  assertEquals(at(12, 6400), "12/40 layers, 3.1 s elapsed, ETA 7 s");
  assertEquals(at(0, null), "0/40 layers, 3.1 s elapsed");
  assertEquals(at(40, 0), "40/40 layers, 3.1 s elapsed");
  assertEquals(at(12, 125_000), "12/40 layers, 3.1 s elapsed, ETA 2 min 5 s");
});

/** An EtaProgress on a test clock, with the lines it says. */
function meter(opts: { total: number; totalWork?: number; intervalMs?: number; prefix?: string }) {
  const clock = { t: 1000 };
  const lines: string[] = [];
  const p = new EtaProgress((l) => lines.push(l), { what: "benches", ...opts, now: () => clock.t });
  return { clock, lines, p };
}

Deno.test("EtaProgress says at most one line per interval, counted from the last line", () => {
  const { clock, lines, p } = meter({ total: 100 });
  const said: number[] = [];
  // An update every 100 ms of the test clock, for 5.5 s.
  for (let i = 1; i <= 55; i++) {
    clock.t += 100;
    if (p.update(i)) said.push(i);
  }
  assertEquals(said, [10, 20, 30, 40, 50]);
  assertEquals(lines.length, 5);
  // Equal items: 10 in 1 s, so the 90 left take 9 s.
  assertEquals(lines[0], "10/100 benches, 1.0 s elapsed, ETA 9 s");
  assertEquals(lines[4], "50/100 benches, 5.0 s elapsed, ETA 5 s");
});

Deno.test("EtaProgress always says the last item, once, and nothing after it", () => {
  const { clock, lines, p } = meter({ total: 3, prefix: "timing: " });
  clock.t += 10;
  assertEquals(p.update(1), false);
  clock.t += 10;
  assertEquals(p.update(3, { note: "verified x" }), true);
  clock.t += 5000;
  assertEquals(p.update(3), false);
  assertEquals(lines, ["timing: 3/3 benches, 0.0 s elapsed (verified x)"]);
});

Deno.test("EtaProgress estimates from the work done, not the count, when items differ", () => {
  const { clock, lines, p } = meter({ total: 4, totalWork: 100, intervalMs: 0 });
  clock.t += 2000;
  p.update(1, { work: 10 }); // 10 units in 2 s: 90 left take 18 s
  clock.t += 2000;
  p.update(2, { work: 50 }); // 50 units in 4 s: 50 left take 4 s
  clock.t += 1000;
  p.update(3, { work: 120 }); // more work than announced: no negative estimate
  assertEquals(lines, [
    "1/4 benches, 2.0 s elapsed, ETA 18 s",
    "2/4 benches, 4.0 s elapsed, ETA 4 s",
    "3/4 benches, 5.0 s elapsed, ETA 0 s",
  ]);
});

Deno.test("EtaProgress gives no estimate before any work is done", () => {
  const { clock, lines, p } = meter({ total: 5, totalWork: 50, intervalMs: 0 });
  clock.t += 3000;
  p.update(0, { work: 0 });
  assertEquals(lines, ["0/5 benches, 3.0 s elapsed"]);
});
