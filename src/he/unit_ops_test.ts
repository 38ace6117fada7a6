/**
 * The unit ops do the work the executor's ops do: a unit op timed on other work than its plan op
 * skews every prediction that counts it (the server's output masks were priced as a bare public-key
 * encryption while the executor also draws and encodes the mask: Cheetah's layers, one mask per
 * output, ran 8–13% over their prediction).
 */
import { assert, assertEquals } from "@std/assert";
import { closeEnvs, getPreset, type Preset, zeroCounts } from "./mod.ts";
import { encryptMask, maskCiphertext } from "./executor.ts";
import { presetEnv } from "./env.ts";
import { UNIT_OPS, unitOps } from "./unit_ops.ts";

/** Bytes `f` draws from the CSPRNG (`crypto.getRandomValues`), counted by a temporary wrapper. */
function csprngBytes(f: () => void): number {
  const original = crypto.getRandomValues;
  let bytes = 0;
  crypto.getRandomValues = <T extends ArrayBufferView | null>(view: T): T => {
    bytes += view?.byteLength ?? 0;
    return original.call(crypto, view as ArrayBufferView) as T;
  };
  try {
    f();
  } finally {
    crypto.getRandomValues = original;
  }
  return bytes;
}

// Cheetah's t = 2^37 divides 2^53, so the mask draw never rejects and both sides draw the same
// bytes (a prime t, as the batching presets have, rejects draws at random).
for (const preset of [getPreset("cheetah"), getPreset("cheetah-secure")] as Preset[]) {
  Deno.test(`${preset.name}: encrypt_public draws a fresh mask per call, as the mask op does`, async () => {
    const env = await presetEnv(preset);
    {
      using ops = await unitOps(preset);
      const unit = csprngBytes(() => ops.run.encrypt_public());
      using ct = new env.seal.Ciphertext();
      using scratch = new env.seal.Ciphertext();
      env.encryptor.encryptZero(ct);
      const ledger = zeroCounts();
      const executed = csprngBytes(() => maskCiphertext(env, ct, 0, scratch, ledger));
      // Two 32-bit words per 53-bit draw, one draw per coefficient, and SEAL's own seed for the
      // encryption's randomness (its entropy source is the same CSPRNG under WebAssembly).
      assert(executed > 8 * preset.polyModulusDegree, `${executed} bytes drawn`);
      assertEquals(unit, executed);
      assertEquals([ledger.enc_server, ledger.add_mask], [1, 1]);
      // And again: the operands do not freeze the mask (every call draws).
      assertEquals(csprngBytes(() => ops.run.encrypt_public()), executed);
    }
    closeEnvs();
  });
}

Deno.test("encryptMask encrypts the mask it returns, under either encoding", async () => {
  for (const name of ["gazelle", "cheetah"]) {
    const env = await presetEnv(getPreset(name));
    using ct = new env.seal.Ciphertext();
    using pt = new env.seal.Plaintext();
    const r = encryptMask(env, ct);
    const again = encryptMask(env, ct);
    env.decryptor.decrypt(ct, pt);
    assertEquals(env.encoder.decodeBigUint64(pt), again);
    assert(r.some((v, i) => v !== again[i]), `${name}: two masks drawn alike`);
  }
  closeEnvs();
});

Deno.test("every unit op of a coefficient-encoded preset runs repeatedly", async () => {
  {
    using ops = await unitOps(getPreset("cheetah"));
    for (const op of UNIT_OPS) for (let i = 0; i < 2; i++) ops.run[op]();
  }
  closeEnvs();
});
