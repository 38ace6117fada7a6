import { assert, assertEquals, assertNotEquals } from "@std/assert";
import fc from "fast-check";
import { MAX_SAFE_NAME, safeFileName } from "./safe_name.ts";

const SAFE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

Deno.test("safeFileName() keeps ordinary names and reduces the rest to a safe alphabet", async (t) => {
  // [name, the result, or null: any safe name other than the input]
  const cases: [string, string | null][] = [
    ["vgg16-cifar10", "vgg16-cifar10"],
    ["resnet18-fashionmnist-trained", "resnet18-fashionmnist-trained"],
    ["cryptflow2", "cryptflow2"],
    ["layer2.0.conv1", "layer2.0.conv1"],
    ["x/../../../../tmp/pwned", null],
    ["..", null],
    [".", null],
    [".hidden", null],
    ["", null],
    ["a\\b", null],
    ["a\0b", null],
    ["<script>", null],
    ["x' || true || '", null],
    ["模型", null],
    ["a".repeat(MAX_SAFE_NAME + 1), null],
  ];
  for (const [name, want] of cases) {
    await t.step(JSON.stringify(name).slice(0, 40), () => {
      const s = safeFileName(name);
      if (want !== null) assertEquals(s, want);
      else assertNotEquals(s, name);
      assert(SAFE.test(s) && s.length <= MAX_SAFE_NAME, s);
    });
  }
});

Deno.test("safeFileName() of any string is safe, bounded, stable, and keeps different names apart", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (name) => {
      const s = safeFileName(name);
      assert(SAFE.test(s), JSON.stringify(s));
      assert(s.length <= MAX_SAFE_NAME);
      assertEquals(safeFileName(name), s);
      assertEquals(safeFileName(s), s, "a safe name is its own reduction");
      if (SAFE.test(name) && name.length <= MAX_SAFE_NAME) assertEquals(s, name);
    }),
  );
  // Names that reduce to the same characters stay apart through the hash.
  assertNotEquals(safeFileName("a/b"), safeFileName("a:b"));
  assertNotEquals(safeFileName("a/b"), safeFileName("a_b"));
});
