// Property-based fuzzing of layer specs, as `deno task plan` reads them: random well-formed-ish
// specs (random fields and values, near-valid specs with a field or two broken, random strings)
// through parseLayerSpec (or parseNonlinearSpec for relu:/maxpool:) and planning under both
// frameworks give a plan or a one-line UserError, never another exception, in bounded time per
// case. Fixed seed for CI; MOSAIC_FUZZ_SEED=random (or a number) and MOSAIC_FUZZ_RUNS=N explore.
import { assert } from "@std/assert";
import fc from "fast-check";
import { UserError } from "../base/mod.ts";
import { nonlinearCost, parseNonlinearSpec } from "../cost/mod.ts";
import { planLayer } from "../frameworks/mod.ts";
import { cryptflow2Preset, getPreset } from "../he/mod.ts";
import { parseLayerSpec } from "./layers.ts";
import { syntheticLayer } from "./synthetic.ts";
import { fuzzRuns, fuzzSeed } from "./_testing.ts";

const FIELDS = ["h", "w", "ci", "co", "k", "s", "p", "pt", "pl", "pb", "pr", "in", "out", "c"];

/** A field value: mostly small sizes, sometimes the limits, huge numbers or not a number at all. */
const value = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 12 }).map(String) },
  { weight: 2, arbitrary: fc.integer({ min: 13, max: 64 }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "16384",
      "16385",
      "65536",
      "65537",
      "1048576",
      "1048577",
      "32",
      "33",
      "-1",
      "-0",
      "007",
    ),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^-?\d{1,25}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", "1.5", "1e3", "+3", " 7 ", "x", "0x10", "NaN", "Infinity", "٣"),
  },
);
const name = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...FIELDS) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 4 }) },
);
const part = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(name, value).map(([n, v]) => `${n}=${v}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const kind = fc.constantFrom("conv", "conv", "fc", "bn", "relu", "maxpool", "pool", "", "CONV");

/** Random fields after a kind. */
const loose = fc.tuple(kind, fc.array(part, { maxLength: 12 })).map(([k, ps]) =>
  `${k}:${ps.join(",")}`
);

/** A valid small spec with a few fields replaced, dropped or repeated. */
const REQUIRED: Record<string, string[]> = {
  conv: ["h", "w", "ci", "co", "k"],
  fc: ["in", "out"],
  bn: ["c", "h", "w"],
  relu: ["c", "h", "w"],
  maxpool: ["c", "h", "w", "k"],
};
const nearValid = fc.record({
  kind: fc.constantFrom("conv", "conv", "conv", "fc", "bn", "relu", "maxpool"),
  sizes: fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 5, maxLength: 5 }),
  k: fc.integer({ min: 1, max: 5 }),
  extra: fc.oneof(
    { weight: 3, arbitrary: fc.constant([]) },
    {
      weight: 2,
      arbitrary: fc.array(fc.tuple(fc.constantFrom(...FIELDS), value), { maxLength: 2 }),
    },
  ),
  drop: fc.integer({ min: -12, max: 4 }), // < 0: keep every required field
}).map(({ kind, sizes, k, extra, drop }) => {
  const fields = REQUIRED[kind].map((f, i) => [f, String(f === "k" ? k : sizes[i])]);
  if (drop >= 0) fields.splice(drop % fields.length, 1);
  return `${kind}:${[...fields, ...extra].map(([f, v]) => `${f}=${v}`).join(",")}`;
});

const spec = fc.oneof(
  { weight: 4, arbitrary: nearValid },
  { weight: 4, arbitrary: loose },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
);

const PRESETS = { gazelle: getPreset("gazelle"), cryptflow2: cryptflow2Preset() } as const;

/** What `deno task plan` does with a spec, for both frameworks. */
function planSpec(text: string): void {
  const nonlinear = parseNonlinearSpec(text);
  if (nonlinear) {
    for (const f of Object.keys(PRESETS)) nonlinearCost(f, nonlinear, 37);
    return;
  }
  const shape = parseLayerSpec(text);
  const layer = syntheticLayer("fuzz", shape, 1);
  for (const [framework, preset] of Object.entries(PRESETS)) {
    try {
      planLayer(layer, { framework: framework as keyof typeof PRESETS, preset });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      assert(!e.message.includes("\n"), e.message);
    }
  }
}

Deno.test("fuzz: random layer specs parse and plan, or are refused with one UserError line, never another exception", () => {
  const runs = fuzzRuns(6000); // ≈ 2 s on a busy 2-core machine
  let parsed = 0, refused = 0, slowest = 0;
  fc.assert(
    fc.property(spec, (text) => {
      const t0 = performance.now();
      try {
        planSpec(text);
        parsed++;
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        assert(!e.message.includes("\n") && !e.message.includes("\r"), e.message);
        refused++;
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      assert(ms < 10_000, `planning ${JSON.stringify(text)} took ${ms.toFixed(0)} ms`);
    }),
    { seed: fuzzSeed(), numRuns: runs },
  );
  console.log(
    `fuzzed ${runs} layer specs: ${parsed} parsed (and planned), ${refused} refused, ` +
      `slowest ${slowest.toFixed(0)} ms`,
  );
  assert(parsed > runs / 10 && refused > runs / 4, "the specs should mix good and bad");
});
