import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { CoreSlots } from "./_core_slots.ts";

Deno.test("CoreSlots never runs more work than it has slots, and serves waiters in order", async () => {
  const slots = new CoreSlots(2);
  let running = 0, most = 0;
  const started: number[] = [];
  await Promise.all(Array.from({ length: 7 }, (_, i) =>
    slots.run(async () => {
      started.push(i);
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 1 + (i % 3)));
      running--;
    })));
  assertEquals(most, 2);
  assertEquals(started, [0, 1, 2, 3, 4, 5, 6]);
  assertEquals(slots.free, 2);
});

Deno.test("CoreSlots gives a slot back when the work throws; one slot runs work one at a time", async () => {
  const slots = new CoreSlots(1);
  await assertRejects(() => slots.run(() => Promise.reject(new Error("boom"))), Error, "boom");
  assertEquals(slots.free, 1);
  const order: string[] = [];
  await Promise.all([
    slots.run(async () => {
      order.push("bench in");
      await new Promise((r) => setTimeout(r, 5));
      order.push("bench out");
    }),
    slots.run(() => Promise.resolve(order.push("fine-tune"))),
  ]);
  assertEquals(order, ["bench in", "bench out", "fine-tune"]);
  assertThrows(() => new CoreSlots(0), RangeError, "0 slots");
});
