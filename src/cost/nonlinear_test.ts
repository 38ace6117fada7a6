import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../base/mod.ts";
import { nonlinearCost, parseNonlinearSpec, truncationCost } from "./nonlinear.ts";

Deno.test("nonlinearCost() matches docs/frameworks.md §2.7 at ℓ = η = 32", () => {
  const one = { kind: "relu" as const, c: 1, h: 1, w: 1 };
  // CrypTFlow2 field ReLU ≤ 7328 bits, log η + 4 = 9 rounds; GC baseline 72960 bits, 2 rounds.
  assertEquals([
    nonlinearCost("cryptflow2", one, 32).bits,
    nonlinearCost("cryptflow2", one, 32).rounds,
  ], [7328, 9]);
  assertEquals([nonlinearCost("gazelle", one, 32).bits, nonlinearCost("gazelle", one, 32).rounds], [
    72960,
    2,
  ]);
  const relu = nonlinearCost("cryptflow2", { kind: "relu", c: 64, h: 32, w: 32 }, 37);
  assertEquals(relu.relus, 65536);
  assertEquals(relu.bits, 65536 * (1.5 * 128 * 38 + 31 * 37));
});

Deno.test("MaxPool is k² − 1 sequential ReLUs per window; unpublished costs stay null", () => {
  const pool = nonlinearCost("cryptflow2", { kind: "maxpool", c: 2, h: 4, w: 4, k: 2, s: 2 }, 32);
  assertEquals([pool.relus, pool.bits, pool.rounds], [2 * 4 * 3, 24 * 7328, 3 * 9]);
  const g = nonlinearCost("gazelle", { kind: "maxpool", c: 2, h: 4, w: 4, k: 2, s: 2 }, 20);
  assertEquals([g.bits, g.rounds], [null, null]);
  assertEquals(truncationCost(100).bits, null);
});

Deno.test("parseNonlinearSpec() reads relu/maxpool specs and rejects bad ones in one line", () => {
  assertEquals(parseNonlinearSpec("relu:c=3,h=4,w=5"), { kind: "relu", c: 3, h: 4, w: 5 });
  assertEquals(parseNonlinearSpec("conv:h=1"), null);
  assertThrows(() => parseNonlinearSpec("maxpool:c=1,h=2,w=2,k=3"), UserError, "must fit the map");
  assertThrows(() => parseNonlinearSpec("relu:c=1,h=2,q=2"), UserError, 'Bad field "q=2"');
});
