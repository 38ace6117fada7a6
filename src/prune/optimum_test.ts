import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { gapCases, measureGap } from "./assembly_gap.ts";
import { assemblyValue, instanceStates, optimum, type SmallInstance } from "./optimum.ts";
import { permuteWeights } from "./permute.ts";
import { ProxyState } from "./proxy.ts";
import { denseMs } from "./select.ts";

/** Every permutation of 0 … n − 1, by recursion (not Heap's order: an independent enumeration). */
function allPerms(n: number): Int32Array[] {
  if (n === 0) return [new Int32Array(0)];
  const out: Int32Array[] = [];
  for (const rest of allPerms(n - 1)) {
    for (let at = 0; at <= rest.length; at++) {
      const p = new Int32Array(n);
      p.set(rest.subarray(0, at), 0);
      p[at] = n - 1;
      p.set(rest.subarray(at), at + 1);
      out.push(p);
    }
  }
  return out;
}

/** Φ, deleted ms and complete structures from scratch: fresh states, every structure rescanned. */
function bruteForce(inst: SmallInstance) {
  let phi = -Infinity, del = -Infinity, cnt = -1;
  for (const perm of allPerms(inst.tie.channels)) {
    let p = 0, d = 0, c = 0;
    for (const [name, { s, kept }] of inst.layers) {
      const mv = inst.moves.get(name)!;
      const m = permuteWeights(
        kept,
        mv,
        mv.outTie === inst.tie ? perm : null,
        mv.inTie === inst.tie ? perm : null,
      );
      const st = new ProxyState(s, m);
      p += st.phi;
      d += denseMs(st) - st.ms;
      for (const x of s.structures) {
        if (x.kind !== "product" && x.weights.every((j) => m[j] === 0)) c++;
      }
    }
    phi = Math.max(phi, p);
    del = Math.max(del, d);
    cnt = Math.max(cnt, c);
  }
  return { phi, del, cnt };
}

const tiny = (framework: "gazelle" | "cryptflow2", mask: string) =>
  gapCases({
    seed: 5,
    geometries: [{
      framework,
      producer: framework === "gazelle"
        ? "conv:h=20,w=20,ci=4,co=6,k=3"
        : "conv:h=32,w=32,ci=4,co=6,k=3",
      consumer: framework === "gazelle"
        ? "conv:h=20,w=20,ci=6,co=4,k=3"
        : "conv:h=32,w=32,ci=6,co=4,k=3",
    }],
    masks: [mask],
  })[0];

Deno.test("the optimum equals a brute force that rebuilds every permutation from scratch", () => {
  for (const fw of ["gazelle", "cryptflow2"] as const) {
    for (const mask of ["random-50", "random-90"]) {
      const c = tiny(fw, mask);
      const opt = optimum(c.instance);
      const bf = bruteForce(c.instance);
      assertEquals(opt.permutations, 720);
      assertAlmostEquals(opt.phi.value.phi, bf.phi, 1e-9, `${fw} ${mask} phi`);
      assertAlmostEquals(opt.deleted.value.deletedMs, bf.del, 1e-9, `${fw} ${mask} ms`);
      assertEquals(opt.complete.value.completeTotal, bf.cnt, `${fw} ${mask} complete`);
      // Each optimum's permutation reproduces its value.
      const v = assemblyValue(instanceStates(c.instance, opt.deleted.perm));
      assertAlmostEquals(v.deletedMs, bf.del, 1e-9);
    }
  }
});

Deno.test("the optimum is at least the assembler's value under every objective", () => {
  for (const fw of ["gazelle", "cryptflow2"] as const) {
    for (const mask of ["random-50", "random-70", "random-90"]) {
      const row = measureGap(tiny(fw, mask), { seed: 2 });
      const a = row.assembler, o = row.optimum;
      assert(a.phi <= o.phi + 1e-9, `${fw} ${mask} phi ${a.phi} > ${o.phi}`);
      assert(a.deletedMs <= o.deletedMs + 1e-9, `${fw} ${mask} ms ${a.deletedMs} > ${o.deletedMs}`);
      assert(a.completeTotal <= o.complete, `${fw} ${mask} complete`);
      assert(row.identity.deletedMs <= o.deletedMs + 1e-9);
    }
  }
});
