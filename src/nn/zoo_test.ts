import { assertEquals } from "@std/assert";
import { sha256Hex } from "./masks.ts";
import { syntheticConvWeights, ZOO_WEIGHTS_VERSION } from "./zoo.ts";

Deno.test("the synthetic-weight generator draws what its version says (else bump ZOO_WEIGHTS_VERSION)", async () => {
  // networkHash hashes a zoo conv as its recipe and ZOO_WEIGHTS_VERSION: if the generator's output
  // changes, bump the version (so the models' hashes change with their weights), then this digest.
  const w = syntheticConvWeights({ state: 123456789, ci: 16, co: 8, k: 3 });
  assertEquals(
    [ZOO_WEIGHTS_VERSION, await sha256Hex([new Uint8Array(w.buffer)])],
    [1, "cfbb5e98e0cf19b8d4b1f2ab4a88ce464eaad3bb6a04cb9d3c7239c8b67b94b7"],
  );
});
