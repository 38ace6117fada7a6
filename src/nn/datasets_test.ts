import { assert, assertEquals, assertRejects } from "@std/assert";
import jpeg from "jpeg-js";
import { UserError } from "../he/errors.ts";
import { accuracy, loadCifar10, loadTinyImageNet } from "./datasets.ts";
import { buildZoo } from "./zoo.ts";

Deno.test("loadCifar10() reads the binary format; bad or missing files are one clear error", async () => {
  const dir = await Deno.makeTempDir();
  const records = new Uint8Array(3073 * 3);
  for (let r = 0; r < 3; r++) {
    records[r * 3073] = r + 2;
    records.fill(255, r * 3073 + 1, r * 3073 + 1025); // red plane saturated
  }
  await Deno.writeFile(`${dir}/test_batch.bin`, records);
  const ds = await loadCifar10(dir, "test");
  assertEquals([...ds.labels], [2, 3, 4]);
  assert(Math.abs(ds.images[0][0] - (1 - 0.4914) / 0.2470) < 1e-6); // red, normalized
  assert(Math.abs(ds.images[0][1024] - (0 - 0.4822) / 0.2435) < 1e-6); // green
  assertEquals((await loadCifar10(dir, "test", 2)).images.length, 2);
  await assertRejects(() => loadCifar10(dir, "train"), UserError, "data_batch_1.bin is missing");
  await Deno.writeFile(`${dir}/test_batch.bin`, records.subarray(0, 100));
  await assertRejects(() => loadCifar10(dir), UserError, "not a multiple of 3073");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadTinyImageNet() reads the folder layout and decodes JPEGs", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/wnids.txt`, "n01443537\nn01629819\n");
  await Deno.mkdir(`${dir}/val/images`, { recursive: true });
  const rgba = new Uint8Array(64 * 64 * 4).fill(255);
  for (let p = 0; p < 64 * 64; p++) rgba[4 * p + 2] = 0; // yellow: no blue
  const img = jpeg.encode({ data: rgba, width: 64, height: 64 }, 95).data;
  await Deno.writeFile(`${dir}/val/images/val_0.JPEG`, img);
  await Deno.writeFile(`${dir}/val/images/val_1.JPEG`, img);
  await Deno.writeTextFile(
    `${dir}/val/val_annotations.txt`,
    "val_0.JPEG\tn01629819\t0\t0\t63\t63\nval_1.JPEG\tn01443537\t0\t0\t63\t63\n",
  );
  for (const wnid of ["n01443537", "n01629819"]) {
    await Deno.mkdir(`${dir}/train/${wnid}/images`, { recursive: true });
    await Deno.writeFile(`${dir}/train/${wnid}/images/${wnid}_0.JPEG`, img);
  }
  const val = await loadTinyImageNet(dir, "val");
  assertEquals([...val.labels], [1, 0]);
  assert(val.images[0][2 * 4096] < -1.5, "blue channel is dark after normalization");
  const train = await loadTinyImageNet(dir, "train");
  assertEquals([...train.labels], [0, 1]);
  const net = buildZoo("resnet18-tinyimagenet", { width: 0.125 });
  const acc = accuracy(net, val);
  assert(acc >= 0 && acc <= 1);
  await Deno.writeFile(`${dir}/val/images/val_1.JPEG`, new Uint8Array([1, 2, 3]));
  await assertRejects(() => loadTinyImageNet(dir, "val"), UserError, "is not a readable JPEG");
  await assertRejects(() => loadTinyImageNet(`${dir}/nope`), UserError, "wnids.txt is missing");
  await Deno.remove(dir, { recursive: true });
});
