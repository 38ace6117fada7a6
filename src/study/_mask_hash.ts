/**
 * The SHA-256 of a pruning result's masks and permutations (layer names in sorted order, then the
 * bytes): the hash results files record per mask set, and the key under which the accuracy loop
 * recognises two pruning results that fine-tune the same network the same way.
 *
 * @module
 */
import { sha256Hex } from "../nn/mod.ts";

/**
 * Hash masks and permutations.
 *
 * @example Equal masks hash equal; one flipped bit does not
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { maskHash } from "./_mask_hash.ts";
 *
 * const perms = new Map([["conv1", Int32Array.of(1, 0)]]);
 * const a = await maskHash(new Map([["conv1", Uint8Array.of(1, 0, 1)]]), perms);
 * assertEquals(a, await maskHash(new Map([["conv1", Uint8Array.of(1, 0, 1)]]), perms));
 * assert(a !== await maskHash(new Map([["conv1", Uint8Array.of(1, 1, 1)]]), perms));
 * ```
 */
export async function maskHash(
  masks: ReadonlyMap<string, Uint8Array>,
  perms: ReadonlyMap<string, Int32Array>,
): Promise<string> {
  const parts: Uint8Array[] = [];
  for (const k of [...masks.keys()].sort()) parts.push(new TextEncoder().encode(k), masks.get(k)!);
  for (const k of [...perms.keys()].sort()) {
    const p = perms.get(k)!;
    parts.push(new TextEncoder().encode(k), new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  }
  return await sha256Hex(parts);
}
