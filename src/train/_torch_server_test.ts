import { assert, assertRejects } from "@std/assert";
import { findTorch } from "./torch.ts";
import { TorchServer } from "./_torch_server.ts";

const torch = await findTorch();
if (!torch) console.log("SKIPPED torch server tests: no Python with torch");

Deno.test({
  name: "a served torch process answers a failing job in one line and takes the next job",
  ignore: !torch,
  async fn() {
    const script = new URL("./torch_engine.py", import.meta.url).pathname;
    const server = new TorchServer(torch!.python, script, { OMP_NUM_THREADS: "1" });
    const dir = await Deno.makeTempDir();
    try {
      for (let i = 0; i < 2; i++) {
        // No job.json in the folder: the job fails, the process goes on.
        await assertRejects(() => server.run(dir), Error, "torch engine failed: torch engine:");
        assert(!server.dead, "a failed job does not end the process");
      }
      await Deno.writeTextFile(`${dir}/job.json`, "{not json");
      await assertRejects(() => server.run(dir), Error, "JSONDecodeError");
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
    assert(server.dead);
    await assertRejects(() => server.run(dir), Error, "busy or ended");
  },
});
