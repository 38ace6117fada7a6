/**
 * `deno task data`: regenerate `data/fashion-mnist/` from the full Fashion-MNIST (Debian's
 * `dataset-fashion-mnist`, or `--data DIR`): the 10,000-image test split as published, and a
 * class-balanced, seeded 12,000-image subset of the 60,000 training images (1,200 per class, in
 * the original order), with a manifest of SHA-256 hashes and the licence.
 *
 * @module
 */
import { SeededRng, writeFileAtomic } from "../src/base/mod.ts";
import {
  DEBIAN_FASHION_MNIST,
  gzip,
  idxBytes,
  imageSetHash,
  loadFashionMnist,
  sha256Hex,
} from "../src/nn/mod.ts";
import { type Help, parseFlags, progress, runMain } from "./_cli.ts";

const HELP: Help = {
  usage: "deno task data [--data DIR]",
  about:
    "Regenerate data/fashion-mnist/ from the full Fashion-MNIST: the 10,000-image test split\n" +
    "and a class-balanced, seeded 12,000-image training subset, with a manifest of hashes.",
  options: [
    {
      flag: "--data DIR",
      default: "/usr/share/datasets/fashion-mnist (Debian's)",
      what: "the full Fashion-MNIST IDX files",
    },
  ],
  examples: ["deno task data", "deno task data --data ~/datasets/fashion-mnist"],
};

const PER_CLASS = 1200;
const SEED = 2026;

async function main(): Promise<number> {
  const args = parseFlags(Deno.args, { string: ["data"], help: HELP });
  const dir = args.data ?? DEBIAN_FASHION_MNIST;
  const out = new URL("../data/fashion-mnist/", import.meta.url).pathname;
  const train = await loadFashionMnist("train", { dir });
  const test = await loadFashionMnist("test", { dir });
  progress(`read ${train.n} training and ${test.n} test images from ${dir}`);
  // Seeded choice of PER_CLASS indices per class; kept in the original order.
  const rng = new SeededRng(SEED);
  const chosen: number[] = [];
  for (let c = 0; c < 10; c++) {
    const idx = [...train.labels.keys()].filter((i) => train.labels[i] === c);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(0, i + 1);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    chosen.push(...idx.slice(0, PER_CLASS));
  }
  chosen.sort((a, b) => a - b);
  const hw = train.h * train.w;
  const pixels = new Uint8Array(chosen.length * hw), labels = new Uint8Array(chosen.length);
  chosen.forEach((src, i) => {
    pixels.set(train.pixels.subarray(src * hw, (src + 1) * hw), i * hw);
    labels[i] = train.labels[src];
  });
  const files: Record<string, Uint8Array> = {
    "train-images-idx3-ubyte.gz": await gzip(idxBytes([chosen.length, train.h, train.w], pixels)),
    "train-labels-idx1-ubyte.gz": await gzip(idxBytes([chosen.length], labels)),
    "t10k-images-idx3-ubyte.gz": await gzip(idxBytes([test.n, test.h, test.w], test.pixels)),
    "t10k-labels-idx1-ubyte.gz": await gzip(idxBytes([test.n], test.labels)),
  };
  const hashes: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) {
    await writeFileAtomic(`${out}${name}`, bytes);
    hashes[name] = await sha256Hex([bytes]);
  }
  const manifest = {
    dataset: "Fashion-MNIST",
    source:
      "Zalando Research, https://github.com/zalandoresearch/fashion-mnist (Xiao, Rasul, Vollgraf, 2017)",
    licence: "MIT (Copyright (c) 2017 Zalando SE)",
    taken_from: dir,
    test: {
      images: test.n,
      note: "the full published test split",
      sha256: await imageSetHash(test),
    },
    train: {
      images: chosen.length,
      note:
        `class-balanced subset of the 60,000 training images: ${PER_CLASS} per class, seeded choice (seed ${SEED}), original order`,
      full_set_sha256: await imageSetHash(train),
      sha256: await sha256Hex([pixels, labels]),
    },
    file_sha256: hashes,
  };
  await writeFileAtomic(`${out}MANIFEST.json`, JSON.stringify(manifest, null, 2) + "\n");
  progress(`wrote ${out}`);
  return 0;
}

if (import.meta.main) await runMain(main);
