import { assert, assertEquals, assertRejects } from "@std/assert";
import jpeg from "jpeg-js";
import { UserError } from "../base/mod.ts";
import { accuracy } from "./accuracy.ts";
import { loadCifar10, loadDataset, loadDatasetFor, loadTinyImageNet } from "./datasets.ts";
import { gzip, idxBytes, imageFloats, loadFashionMnist } from "./images.ts";
import { buildZoo } from "./zoo.ts";

/** Expect a one-line `UserError` containing `msg`. */
async function rejectsOneLine(f: () => Promise<unknown>, msg: string): Promise<void> {
  const e = await assertRejects(f, UserError, msg);
  assert(!e.message.includes("\n"), e.message);
}

/** A folder of Tiny ImageNet's layout: 2 classes, 2 validation and 2 training images. */
async function tinyImageNet(dir: string): Promise<void> {
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
}

Deno.test("loadCifar10() reads the binary format; bad or missing files are one clear error", async () => {
  const dir = await Deno.makeTempDir();
  const records = new Uint8Array(3073 * 3);
  for (let r = 0; r < 3; r++) {
    records[r * 3073] = r + 2;
    records.fill(255, r * 3073 + 1, r * 3073 + 1025); // red plane saturated
  }
  await Deno.writeFile(`${dir}/test_batch.bin`, records);
  const set = await loadCifar10(dir, "test");
  assertEquals([set.name, set.n, set.c, set.h, set.w, set.classes], [
    "cifar10/test",
    3,
    3,
    32,
    32,
    10,
  ]);
  assertEquals([...set.labels], [2, 3, 4]);
  const x = imageFloats(set, 0);
  assert(Math.abs(x[0] - (1 - 0.4914) / 0.2470) < 1e-6); // red, normalized
  assert(Math.abs(x[1024] - (0 - 0.4822) / 0.2435) < 1e-6); // green
  assertEquals((await loadCifar10(dir, "test", 2)).n, 2);
  await rejectsOneLine(() => loadCifar10(dir, "train"), "data_batch_1.bin is missing");
  records[3073] = 11;
  await Deno.writeFile(`${dir}/test_batch.bin`, records);
  await rejectsOneLine(() => loadCifar10(dir), "record 1 has label 11");
  await Deno.writeFile(`${dir}/test_batch.bin`, records.subarray(0, 100));
  await rejectsOneLine(() => loadCifar10(dir), "not a multiple of 3073");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadTinyImageNet() reads the folder layout and decodes JPEGs", async () => {
  const dir = await Deno.makeTempDir();
  await tinyImageNet(dir);
  const val = await loadTinyImageNet(dir, "val");
  assertEquals([val.name, val.n, val.c, val.h, val.classes], ["tiny-imagenet/val", 2, 3, 64, 2]); // classes: as many as wnids.txt names
  assertEquals([...val.labels], [1, 0]);
  assert(imageFloats(val, 0)[2 * 4096] < -1.5, "blue channel is dark after normalization");
  const train = await loadTinyImageNet(dir, "train");
  assertEquals([...train.labels], [0, 1]);
  const net = buildZoo("resnet18-tinyimagenet", { width: 0.125 });
  const acc = accuracy(net, val);
  assert(acc >= 0 && acc <= 1);
  await Deno.writeFile(`${dir}/val/images/val_1.JPEG`, new Uint8Array([1, 2, 3]));
  await rejectsOneLine(() => loadTinyImageNet(dir, "val"), "is not a readable JPEG");
  await rejectsOneLine(() => loadTinyImageNet(`${dir}/nope`), "wnids.txt is missing");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadDataset() picks Fashion-MNIST from a folder of IDX files (raw or gz)", async () => {
  const dir = await Deno.makeTempDir();
  const n = 5;
  const pixels = Uint8Array.from({ length: n * 784 }, (_, i) => i % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => (3 * i) % 10);
  await Deno.writeFile(
    `${dir}/t10k-images-idx3-ubyte.gz`,
    await gzip(idxBytes([n, 28, 28], pixels)),
  );
  await Deno.writeFile(`${dir}/t10k-labels-idx1-ubyte.gz`, await gzip(idxBytes([n], labels)));
  await Deno.writeFile(
    `${dir}/train-images-idx3-ubyte`,
    idxBytes([2, 28, 28], pixels.subarray(0, 2 * 784)),
  );
  await Deno.writeFile(`${dir}/train-labels-idx1-ubyte`, idxBytes([2], labels.subarray(0, 2)));
  const test = await loadDataset({ data: `${dir}/` });
  assertEquals([test.name, test.n, test.c, test.h, test.source], [
    "fashion-mnist/test",
    n,
    1,
    28,
    dir,
  ]);
  assertEquals([...test.labels], [...labels]);
  assertEquals(test.pixels, pixels);
  assertEquals((await loadDataset({ data: dir, split: "train" })).n, 2);
  assertEquals((await loadDataset({ data: dir, limit: 3 })).n, 3);
  // Fitted to a 1-channel 32×32 network: padded; to a 3-channel one: grey repeated too.
  const grey = await loadDatasetFor(buildZoo("vgg16-fashionmnist", { width: 0.125 }), {
    data: dir,
  });
  assertEquals([grey.c, grey.h, grey.fitted], [1, 32, "padded 28×28→32×32 with 0"]);
  assertEquals(grey.pixels[2 * 32 + 2], pixels[0]);
  const rgb = await loadDatasetFor(buildZoo("resnet18-cifar10", { width: 0.125 }), { data: dir });
  assertEquals([rgb.c, rgb.fitted], [3, "grey repeated to 3 channels, padded 28×28→32×32 with 0"]);
  await rejectsOneLine(
    () => loadDataset({ data: dir, split: "val" }),
    'Unknown split "val" for Fashion-MNIST',
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadDatasetFor() fits CIFAR-10 and Tiny ImageNet folders, and defaults 1-channel nets to Fashion-MNIST", async () => {
  const dir = await Deno.makeTempDir();
  const records = new Uint8Array(3073 * 2);
  records.fill(100, 1, 1025).fill(200, 1025, 2049).fill(50, 2049, 3073); // image 0: R, G, B planes
  await Deno.writeFile(`${dir}/test_batch.bin`, records);
  const fashionNet = buildZoo("vgg16-fashionmnist", { width: 0.125 });
  const luma = await loadDatasetFor(fashionNet, { data: dir });
  assertEquals([luma.name, luma.c, luma.h, luma.fitted], [
    "cifar10/test",
    1,
    32,
    "RGB to luma (BT.601)",
  ]);
  assertEquals(luma.pixels[0], 153);
  const tiny = `${dir}/tiny`;
  await Deno.mkdir(tiny);
  await tinyImageNet(tiny);
  const down = await loadDatasetFor(fashionNet, { data: tiny, split: "test" });
  assertEquals([down.name, down.c, down.h, down.n], ["tiny-imagenet/val", 1, 32, 2]);
  assertEquals(down.fitted, "RGB to luma (BT.601), resized 64×64→32×32 (bilinear)");
  const byDefault = await loadDatasetFor(fashionNet, { limit: 7 });
  assertEquals([byDefault.name, byDefault.n, byDefault.h], ["fashion-mnist/test", 7, 32]);
  await rejectsOneLine(
    () => loadDatasetFor(buildZoo("vgg16-cifar10", { width: 0.125 })),
    "vgg16-cifar10@0.125 takes 3×32×32 inputs: give --data DIR",
  );
  await Deno.writeTextFile(
    `${tiny}/wnids.txt`,
    ["n01443537", "n01629819", ...Array.from({ length: 18 }, (_, i) => `n${i}`)].join("\n"),
  );
  await rejectsOneLine(
    () => loadDatasetFor(fashionNet, { data: tiny, limit: 0 }),
    "has 20 classes; vgg16-fashionmnist@0.125 outputs 10",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadDataset() errors name the folder and what it should hold", async () => {
  const dir = await Deno.makeTempDir();
  await rejectsOneLine(
    () => loadDataset({ data: dir }),
    `--data ${dir} holds no dataset: expected Fashion-MNIST IDX files`,
  );
  await rejectsOneLine(
    () => loadDataset({ data: `${dir}/none` }),
    `--data ${dir}/none: folder not found`,
  );
  await Deno.writeTextFile(`${dir}/test_batch.bin`, "x");
  await rejectsOneLine(
    () => loadDataset({ data: `${dir}/test_batch.bin` }),
    "is a file: give the folder",
  );
  await rejectsOneLine(
    () => loadDataset({ data: dir, split: "dev" }),
    'Unknown split "dev" for CIFAR-10: use test or train',
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadTinyImageNet() keeps every path a file names inside --data (traversal, absolute, symlinks)", async (t) => {
  const outside = await Deno.makeTempDir();
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${outside}/secret.JPEG`, "not for you\n");
    const ann = (file: string) =>
      Deno.writeTextFile(`${dir}/val/val_annotations.txt`, `${file}\tn01443537\t0\t0\t63\t63\n`);
    const cases: [string, () => Promise<unknown>, string][] = [
      [
        "a ../ path in val_annotations.txt",
        () => ann("../../../../etc/passwd"),
        'line 1 names image "../../../../etc/passwd": image names must be plain file names',
      ],
      ["an absolute path", () => ann("/etc/passwd"), 'names image "/etc/passwd"'],
      ["a bare ..", () => ann(".."), 'names image ".."'],
      [
        "a symbolic link out of the folder",
        async () => {
          await ann("val_0.JPEG");
          await Deno.remove(`${dir}/val/images/val_0.JPEG`);
          await Deno.symlink(`${outside}/secret.JPEG`, `${dir}/val/images/val_0.JPEG`);
        },
        "outside --data",
      ],
    ];
    for (const [name, setUp, msg] of cases) {
      await t.step(name, async () => {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
        await Deno.mkdir(dir);
        await tinyImageNet(dir);
        await setUp();
        await rejectsOneLine(() => loadTinyImageNet(dir, "val"), msg);
        await rejectsOneLine(() => loadDataset({ data: dir, split: "test" }), msg);
      });
    }
    await t.step("a class id that is a path (train split reads train/<wnid>/images)", async () => {
      await Deno.writeTextFile(`${dir}/wnids.txt`, "n01443537\n../../tmp\n");
      await rejectsOneLine(
        () => loadTinyImageNet(dir, "train"),
        'wnids.txt line 2 names class "../../tmp": a class id is a plain name',
      );
    });
    await t.step("a link that stays inside the folder is read", async () => {
      await Deno.remove(dir, { recursive: true });
      await Deno.mkdir(dir);
      await tinyImageNet(dir);
      await Deno.remove(`${dir}/val/images/val_1.JPEG`);
      await Deno.symlink(`${dir}/val/images/val_0.JPEG`, `${dir}/val/images/val_1.JPEG`);
      assertEquals((await loadTinyImageNet(dir, "val")).n, 2);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("dataset folders of 0 images, empty or truncated files and unknown splits are one line", async (t) => {
  const dir = await Deno.makeTempDir();
  const fresh = async () => {
    await Deno.remove(dir, { recursive: true });
    await Deno.mkdir(dir);
  };
  const cases: [string, () => Promise<unknown>, () => Promise<unknown>, string][] = [
    [
      "a 0-byte CIFAR-10 batch",
      () => Deno.writeFile(`${dir}/test_batch.bin`, new Uint8Array()),
      () => loadDataset({ data: dir }),
      "test_batch.bin is empty (0 bytes)",
    ],
    [
      "a 0-byte Fashion-MNIST IDX file",
      async () => {
        await Deno.writeFile(`${dir}/t10k-images-idx3-ubyte`, new Uint8Array());
        await Deno.writeFile(`${dir}/t10k-labels-idx1-ubyte`, idxBytes([1], new Uint8Array(1)));
      },
      () => loadDataset({ data: dir }),
      "t10k-images-idx3-ubyte is empty (0 bytes)",
    ],
    [
      "Fashion-MNIST IDX files of 0 images",
      async () => {
        await Deno.writeFile(
          `${dir}/t10k-images-idx3-ubyte`,
          idxBytes([0, 28, 28], new Uint8Array()),
        );
        await Deno.writeFile(`${dir}/t10k-labels-idx1-ubyte`, idxBytes([0], new Uint8Array()));
      },
      () => loadDataset({ data: dir }),
      "t10k-images-idx3-ubyte holds 0 images of 28×28 pixels",
    ],
    [
      "a truncated Fashion-MNIST IDX file",
      async () => {
        const img = idxBytes([2, 28, 28], new Uint8Array(2 * 784));
        await Deno.writeFile(`${dir}/t10k-images-idx3-ubyte`, img.subarray(0, 1000));
        await Deno.writeFile(`${dir}/t10k-labels-idx1-ubyte`, idxBytes([2], new Uint8Array(2)));
      },
      () => loadDataset({ data: dir }),
      "holds 984 data bytes; its header says 2×28×28 = 1568",
    ],
    [
      "a truncated gzipped IDX file",
      async () => {
        const gz = await gzip(idxBytes([2, 28, 28], new Uint8Array(2 * 784)));
        await Deno.writeFile(`${dir}/t10k-images-idx3-ubyte.gz`, gz.subarray(0, 20));
        await Deno.writeFile(
          `${dir}/t10k-labels-idx1-ubyte.gz`,
          await gzip(idxBytes([2], new Uint8Array(2))),
        );
      },
      () => loadDataset({ data: dir }),
      "is not a readable gzip file",
    ],
    [
      "an empty val_annotations.txt",
      async () => {
        await tinyImageNet(dir);
        await Deno.writeTextFile(`${dir}/val/val_annotations.txt`, "");
      },
      () => loadDataset({ data: dir }),
      "val_annotations.txt is empty (0 bytes)",
    ],
    [
      "a val_annotations.txt of blank lines",
      async () => {
        await tinyImageNet(dir);
        await Deno.writeTextFile(`${dir}/val/val_annotations.txt`, "\n\n");
      },
      () => loadDataset({ data: dir }),
      `--data ${dir} holds 0 Tiny ImageNet val images: expected val/val_annotations.txt lines`,
    ],
    [
      "training folders without images",
      async () => {
        await tinyImageNet(dir);
        for (const w of ["n01443537", "n01629819"]) {
          await Deno.remove(`${dir}/train/${w}/images/${w}_0.JPEG`);
        }
      },
      () => loadDataset({ data: dir, split: "train" }),
      `--data ${dir} holds 0 Tiny ImageNet train images: expected JPEGs in train/<wnid>/images`,
    ],
    [
      "a wnids.txt of blank lines",
      async () => {
        await tinyImageNet(dir);
        await Deno.writeTextFile(`${dir}/wnids.txt`, " \n");
      },
      () => loadDataset({ data: dir }),
      "wnids.txt names no classes",
    ],
    [
      "a class named twice",
      async () => {
        await tinyImageNet(dir);
        await Deno.writeTextFile(`${dir}/wnids.txt`, "n01443537\nn01443537\n");
      },
      () => loadDataset({ data: dir }),
      'wnids.txt names class "n01443537" twice',
    ],
    [
      "an annotation line without a class",
      async () => {
        await tinyImageNet(dir);
        await Deno.writeTextFile(`${dir}/val/val_annotations.txt`, "val_0.JPEG\n");
      },
      () => loadDataset({ data: dir }),
      'line 1 names class "", not in wnids.txt',
    ],
    [
      "a 0-byte JPEG",
      async () => {
        await tinyImageNet(dir);
        await Deno.writeFile(`${dir}/val/images/val_1.JPEG`, new Uint8Array());
      },
      () => loadDataset({ data: dir }),
      "val_1.JPEG is empty (0 bytes)",
    ],
    [
      "an unknown split passed to the CIFAR-10 loader",
      () => Deno.writeFile(`${dir}/test_batch.bin`, new Uint8Array(3073)),
      () => loadCifar10(dir, "bogus" as "test"),
      'Unknown split "bogus" for CIFAR-10: use test or train',
    ],
    [
      "an unknown split passed to the Tiny ImageNet loader",
      () => tinyImageNet(dir),
      () => loadTinyImageNet(dir, "test" as "val"),
      'Unknown split "test" for Tiny ImageNet: use val or train',
    ],
    [
      "an unknown split passed to the Fashion-MNIST loader",
      () => Promise.resolve(),
      () => loadFashionMnist("bogus" as "train"),
      'Unknown split "bogus" for Fashion-MNIST: use test or train',
    ],
  ];
  try {
    for (const [name, setUp, load, msg] of cases) {
      await t.step(name, async () => {
        await fresh();
        await setUp();
        await rejectsOneLine(load, msg);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
