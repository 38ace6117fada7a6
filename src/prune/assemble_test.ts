import { assert, assertEquals, assertMatch } from "@std/assert";
import { assemble, type AssembleOptions } from "./assemble.ts";
import { layerMoves } from "./permute.ts";
import { ProxyState } from "./_proxy.ts";
import { layerStructures } from "./structures.ts";
import { getPreset } from "../he/mod.ts";
import { buildZoo, channelTies, quantizedLayers } from "../nn/mod.ts";

/** A small assembly: VGG-16 at width 1/8, one kernel in ten kept, scattered. */
function smallAssembly(opts: Omit<AssembleOptions, "seed">) {
  const net = buildZoo("vgg16-cifar10", { width: 0.125 });
  const states = new Map(
    quantizedLayers(net).map(({ layer }) => {
      const s = layerStructures(layer.name, layer.shape, {
        framework: "gazelle",
        preset: getPreset("gazelle"),
      });
      const kept = Uint8Array.from(
        { length: s.weights },
        (_, j) => (Math.floor(j / s.unitSize) * 7919) % 10 === 0 ? 1 : 0,
      );
      return [layer.name, new ProxyState(s, kept)];
    }),
  );
  const ties = channelTies(net);
  const searched = ties.filter((t) => !t.fixed && t.channels >= 2).length;
  const r = assemble(ties, layerMoves(net, ties), states, {
    seed: 1,
    swapsPerChannel: 2,
    minTrials: 50,
    passes: 2,
    ...opts,
  });
  return { r, searched };
}

const LINE = /^mosaic: assembly, (\d+)\/(\d+) tie searches, \d+\.\d s elapsed(, ETA \d+ s)?$/;

Deno.test("assemble() reports every tie search in order, with an estimate, and ends on n/n", () => {
  const lines: string[] = [];
  const { r, searched } = smallAssembly({ progress: (l) => lines.push(l), progressIntervalMs: 0 });
  assert(searched > 3, `too few ties searched: ${searched}`);
  const n = 2 * searched; // two passes
  assertEquals(lines.length, n);
  for (const [k, line] of lines.entries()) {
    assertMatch(line, LINE);
    const [, done, total, eta] = line.match(LINE)!;
    assertEquals([Number(done), Number(total)], [k + 1, n]);
    // Every line but the last estimates the time left.
    assertEquals(eta !== undefined, k + 1 < n, line);
  }
  // Progress only watches: the search is the same without it.
  const quiet = smallAssembly({}).r;
  assertEquals(quiet.perms, r.perms);
  assertEquals([quiet.trials, quiet.accepted, quiet.deletedAfter], [
    r.trials,
    r.accepted,
    r.deletedAfter,
  ]);
});

Deno.test("assemble() throttles its progress lines and always says the last one", () => {
  const lines: string[] = [];
  const t0 = performance.now();
  const { searched } = smallAssembly({ progress: (l) => lines.push(l) });
  const seconds = (performance.now() - t0) / 1000;
  // The default interval is a second: at most one line a second, plus the last.
  assert(lines.length <= 1 + Math.floor(seconds), `${lines.length} lines in ${seconds} s`);
  assertMatch(lines.at(-1)!, new RegExp(`, ${2 * searched}/${2 * searched} tie searches, `));
});
