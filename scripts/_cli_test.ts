import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../src/base/mod.ts";
import {
  enumValue,
  frameworkPreset,
  intFlag,
  intItem,
  listFlag,
  parseFlags,
  pruningFlags,
  realFlag,
  realItem,
  SEED_RANGE,
} from "./_cli.ts";

/** Expect one `UserError` line containing `msg`. */
function refuses(f: () => unknown, msg: string): void {
  const e = assertThrows(f, UserError, msg);
  assertEquals(e.message.includes("\n"), false, e.message);
}

const SPEC = {
  string: ["swaps", "data"],
  boolean: ["json", "bench"],
  negatable: ["bench"],
  default: { bench: true },
  collect: ["merge"],
} as const;

Deno.test("parseFlags() reads values, booleans, negations and repeated collect flags as before", () => {
  const a = parseFlags(["--swaps=8", "--json", "--data", "-d", "--merge", "a", "--merge=b"], SPEC);
  assertEquals([a.swaps, a.data, a.json, a.bench, a.merge, a._], ["8", "-d", true, true, [
    "a",
    "b",
  ], []]);
  const b = parseFlags(["--no-bench"], SPEC);
  assertEquals([b.swaps, b.json, b.bench, b.merge], [undefined, false, false, []]);
  // A negative number after a value flag is its value, for the numeric check to name the flag.
  assertEquals(parseFlags(["--swaps", "-5"], SPEC).swaps, "-5");
  assertEquals(parseFlags(["x", "--", "--y"], { positionals: 2 })._, ["x", "--y"]);
});

Deno.test("parseFlags() refuses a bad command line in one line naming the flag", () => {
  const cases: [string[], string][] = [
    [["--bogus"], "Unknown option --bogus: accepted options are --swaps, --data, --merge"],
    [["-5"], "Unknown option -5"],
    [["-x"], "Unknown option -x"],
    [["--swaps"], "--swaps needs a value: --swaps VALUE"],
    [["--swaps", "--json"], "--swaps needs a value: --swaps VALUE (got the option --json)"],
    [["--swaps="], "--swaps needs a value: --swaps VALUE (got an empty one)"],
    [["--data", ""], "--data needs a value"],
    [["--merge"], "--merge needs a value"],
    [["--swaps", "1", "--swaps", "2"], "--swaps is given twice: give it once"],
    [["--json", "--json"], "--json is given twice"],
    [["--bench", "--no-bench"], "--bench is given twice (as --bench or --no-bench)"],
    [["--json=yes"], '--json takes no value (got "yes")'],
    [["--no-json"], "Unknown option --no-json"],
    [["--json", "3"], 'unexpected argument "3" after --json, which takes no value'],
    [["stray"], 'unexpected argument "stray": this task takes options only'],
    [["--bo\ngus"], 'Unknown option "--bo\\ngus"'],
  ];
  for (const [argv, msg] of cases) refuses(() => parseFlags(argv, SPEC), msg);
  refuses(() => parseFlags(["a", "b"], { positionals: 1 }), "takes at most 1 argument");
});

Deno.test("intFlag(), realFlag() and listFlag() take decimal numbers in range and name the flag", () => {
  const passes = { min: 1, max: 100, default: 4 };
  assertEquals(intFlag({ passes: undefined }, "passes", passes), 4);
  assertEquals(intFlag({ passes: "1e2" }, "passes", passes), 100);
  for (
    const [v, got] of [
      ["2.5", "2.5"],
      ["0", "0"],
      ["101", "101"],
      ["abc", '"abc"'],
      [
        "0x10",
        '"0x10"',
      ],
      ["Infinity", '"Infinity"'],
      [" 5", '" 5"'],
      ["NaN", '"NaN"'],
    ]
  ) {
    refuses(
      () => intFlag({ passes: v }, "passes", passes),
      `--passes must be an integer in 1..100 (got ${got})`,
    );
  }
  assertEquals(intFlag({ seed: "4294967295" }, "seed", SEED_RANGE), 4294967295);
  refuses(() => intFlag({ seed: "4294967296" }, "seed", SEED_RANGE), "0..4294967295");
  const ratio = { min: 0, max: 1, minOpen: true };
  assertEquals(realFlag({ ratio: ".5" }, "ratio", ratio), 0.5);
  assertEquals(realFlag({ ratio: "1" }, "ratio", ratio), 1);
  refuses(
    () => realFlag({ ratio: "0" }, "ratio", ratio),
    "--ratio must be a number in (0, 1] (got 0)",
  );
  refuses(() => realFlag({ ratio: "1e999" }, "ratio", ratio), "(got 1e999)");
  const seeds = intItem(SEED_RANGE);
  assertEquals(listFlag({ seeds: " 1, 2 ,3" }, "seeds", seeds), [1, 2, 3]);
  assertEquals(listFlag({ seeds: undefined }, "seeds", seeds), undefined);
  assertEquals(listFlag({ seeds: undefined }, "seeds", seeds, { default: [7] }), [7]);
  refuses(() => listFlag({ seeds: "1,01" }, "seeds", seeds), "--seeds names 1 twice");
  refuses(() => listFlag({ seeds: "1,-2" }, "seeds", seeds), "each of --seeds must be an integer");
  refuses(
    () => listFlag({ seeds: "1,2,3" }, "seeds", seeds, { max: 2 }),
    "at most 2 items (got 3)",
  );
  refuses(() => listFlag({ b: "0.5," }, "b", realItem(ratio)), '--b "0.5," has an empty item');
});

Deno.test("choice flags and the shared helpers refuse by name", () => {
  refuses(
    () => enumValue("x", "--split", ["test", "train", "val"]),
    'Unknown --split "x": use test, train or val',
  );
  refuses(
    () => enumValue("x", "--kinds", ["a", "b"], "structure kind"),
    'Unknown structure kind "x" in --kinds: use a or b',
  );
  refuses(
    () => pruningFlags({ kinds: "multiplier,multiplier" }),
    '--kinds names "multiplier" twice',
  );
  refuses(() => pruningFlags({ floor: "1" }), "--floor must be a number in [0, 1) (got 1)");
  refuses(() => pruningFlags({ importance: "magic" }), 'Unknown --importance "magic"');
  assertEquals(pruningFlags({ floor: "0.1", unit: "weight" }).floor, 0.1);
  refuses(
    () => frameworkPreset("cryptflow2", undefined, "2.5"),
    "--bits must be an integer in 32..41 (got 2.5)",
  );
  assertEquals(frameworkPreset("cryptflow2", undefined, "41").name, "cryptflow2-l41");
});
