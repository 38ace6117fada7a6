/**
 * The data a task reads, found from one `--data` value: the name `fashion-mnist` (or nothing, for
 * a 1-channel network) → Fashion-MNIST where `loadFashionMnist` finds it; a folder → whatever it
 * holds: Fashion-MNIST IDX files, the CIFAR-10 binary format (`data_batch_1.bin` …
 * `data_batch_5.bin`, `test_batch.bin`: records of 1 label byte + 3072 bytes, R, G, B planes of
 * 32 × 32) or the Tiny ImageNet folder layout (`wnids.txt`, `train/<wnid>/images/*.JPEG`,
 * `val/images/*.JPEG` with `val/val_annotations.txt`, JPEGs decoded with `jpeg-js`). Every loader
 * gives an `ImageSet` (uint8 pixels with the dataset's normalization), and `loadDatasetFor` fits it
 * to the network's input (`fitImages`). Nothing is downloaded.
 *
 * @module
 */
import { UserError } from "../base/mod.ts";
import { fitToNetwork, type ImageSet, loadFashionMnist } from "./images.ts";
import { inferShapes, type Network } from "./network.ts";

/** An image set and `source`, the folder it was read from. */
export type LoadedSet = ImageSet & { readonly source: string };

/** A per-channel normalization x = (pixel/255 − mean[c]) / std[c]. */
export interface Normalization {
  /** Per-channel mean of pixel/255. */
  readonly mean: readonly number[];
  /** Per-channel standard deviation of pixel/255. */
  readonly std: readonly number[];
}

/** CIFAR-10's normalization (per-channel mean and std of its training images). */
export const CIFAR10_NORM: Normalization = {
  mean: [0.4914, 0.4822, 0.4465],
  std: [0.2470, 0.2435, 0.2616],
};
/** ImageNet's normalization, which Tiny ImageNet models use. */
export const IMAGENET_NORM: Normalization = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

async function readOrFail(path: string, what: string, fix: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UserError(`${what} not found: ${path} is missing; ${fix}`);
    }
    throw new UserError(`${what}: cannot read ${path} (${(e as Error).message})`);
  }
  if (bytes.length === 0) throw new UserError(`${what}: ${path} is empty (0 bytes); ${fix}`);
  return bytes;
}

/**
 * A file or folder name read from a dataset's own files (a Tiny ImageNet class id or image name):
 * a plain name, never a path (no slash or backslash, not `..`, no control characters), so what a file says
 * stays inside the `--data` folder.
 */
function isPlainName(name: string): boolean {
  if (name === "." || name === "..") return false;
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    if (ch === "/" || ch === "\\" || c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

/** A name as an error line quotes it (a JSON string, cut after 60 characters). */
function quoted(name: string): string {
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
}

/**
 * Read `path`, built from names a dataset file gives, only if it resolves (symbolic links
 * followed) inside `root`, the real path of the `--data` folder.
 */
async function readInside(
  root: string,
  dir: string,
  path: string,
  what: string,
  fix: string,
): Promise<Uint8Array> {
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch {
    return await readOrFail(path, what, fix); // missing or unreadable: its own one line
  }
  if (!real.startsWith(root.endsWith("/") ? root : `${root}/`)) {
    throw new UserError(
      `${what} ${path} leads to ${
        JSON.stringify(real)
      }, outside --data ${dir}: a dataset's files must stay inside its folder`,
    );
  }
  return await readOrFail(path, what, fix);
}

/** The splits each loader reads. */
const SPLITS = {
  "Fashion-MNIST": ["test", "train"],
  "CIFAR-10": ["test", "train"],
  "Tiny ImageNet": ["val", "train"],
} as const;

/** `split` if `dataset` has it, else one line naming the splits it has. */
function checkSplit<D extends keyof typeof SPLITS>(
  dataset: D,
  split: string,
): (typeof SPLITS)[D][number] {
  const allowed: readonly string[] = SPLITS[dataset];
  if (!allowed.includes(split)) {
    throw new UserError(
      `Unknown split ${quoted(split)} for ${dataset}: use ${allowed.join(" or ")}`,
    );
  }
  return split as (typeof SPLITS)[D][number];
}

/**
 * Load the CIFAR-10 binary test split (or train split) from `dir`, at most `limit` images.
 *
 * @example Two records of a binary test batch
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { loadCifar10 } from "./datasets.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const rec = new Uint8Array(3073 * 2);
 * rec[0] = 3; // label of the first image
 * await Deno.writeFile(`${dir}/test_batch.bin`, rec);
 * const set = await loadCifar10(dir);
 * assertEquals([set.n, set.c, set.h, set.w, set.labels[0]], [2, 3, 32, 32, 3]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCifar10(
  dir: string,
  split: "test" | "train" = "test",
  limit = Infinity,
): Promise<LoadedSet> {
  const files = checkSplit("CIFAR-10", split) === "test"
    ? ["test_batch.bin"]
    : [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
  const fix =
    "extract cifar-10-binary.tar.gz (the binary version) and pass its cifar-10-batches-bin folder";
  const records: Uint8Array[] = [];
  let n = 0;
  for (const f of files) {
    if (n >= limit) break;
    const bytes = await readOrFail(
      `${dir}/${f}`,
      "CIFAR-10 data",
      `expected records of 3073 bytes (a label, then 32×32 R, G and B planes); ${fix}`,
    );
    if (bytes.length % 3073 !== 0) {
      throw new UserError(
        `CIFAR-10 file ${dir}/${f} is ${bytes.length} bytes, not a multiple of 3073: the file is corrupt`,
      );
    }
    const take = Math.min(bytes.length / 3073, limit - n);
    records.push(bytes.subarray(0, take * 3073));
    n += take;
  }
  const pixels = new Uint8Array(n * 3072), labels = new Uint8Array(n);
  let i = 0;
  for (const [k, bytes] of records.entries()) {
    for (let r = 0; r < bytes.length / 3073; r++, i++) {
      const base = r * 3073;
      if (bytes[base] > 9) {
        throw new UserError(
          `CIFAR-10 file ${dir}/${files[k]}: record ${r} has label ${bytes[base]} (> 9): corrupt`,
        );
      }
      labels[i] = bytes[base];
      pixels.set(bytes.subarray(base + 1, base + 3073), i * 3072); // already R, G, B planes
    }
  }
  return {
    name: `cifar10/${split}`,
    n,
    c: 3,
    h: 32,
    w: 32,
    pixels,
    labels,
    classes: 10,
    mean: CIFAR10_NORM.mean,
    std: CIFAR10_NORM.std,
    fitted: "",
    source: dir,
  };
}

/** jpeg-js, loaded on the first Tiny ImageNet load (not when `nn` is imported). */
type JpegJs = typeof import("jpeg-js");

/** Decode a Tiny ImageNet JPEG (grey ones too) into CHW RGB planes at `out`. */
function decodeJpeg(
  jpeg: JpegJs,
  bytes: Uint8Array,
  path: string,
  size: number,
  out: Uint8Array,
): void {
  let raw;
  try {
    raw = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  } catch (e) {
    throw new UserError(`${path} is not a readable JPEG (${(e as Error).message})`);
  }
  if (raw.width !== size || raw.height !== size) {
    throw new UserError(
      `${path} is ${raw.width}×${raw.height}; Tiny ImageNet images are ${size}×${size}`,
    );
  }
  const hw = size * size;
  for (let p = 0; p < hw; p++) {
    for (let c = 0; c < 3; c++) out[c * hw + p] = raw.data[4 * p + c];
  }
}

/**
 * Load Tiny ImageNet (64 × 64, 200 classes) from its folder layout, at most `limit` images. Its
 * test split has no labels, so the validation split is the held-out one. The class ids of
 * `wnids.txt` and the image names of `val/val_annotations.txt` must be plain names (no `/`, no
 * `..`), and every image must resolve inside `dir` (symbolic links followed): what a file says
 * never reaches outside the folder. A split of 0 images, an empty file or an image leading out of
 * `dir` is one line.
 *
 * @example A missing folder is one clear error
 * ```ts
 * import { loadTinyImageNet } from "./datasets.ts";
 * import { assertRejects } from "@std/assert";
 *
 * await assertRejects(
 *   () => loadTinyImageNet("/nonexistent"),
 *   Error,
 *   "Tiny ImageNet class list not found: /nonexistent/wnids.txt is missing",
 * );
 * ```
 */
export async function loadTinyImageNet(
  dir: string,
  split: "val" | "train" = "val",
  limit = Infinity,
): Promise<LoadedSet> {
  checkSplit("Tiny ImageNet", split);
  const fix = "extract tiny-imagenet-200.zip and pass its tiny-imagenet-200 folder";
  const wnidsPath = `${dir}/wnids.txt`;
  const wnids = new TextDecoder().decode(
    await readOrFail(wnidsPath, "Tiny ImageNet class list", fix),
  )
    .split(/\r?\n/).map((s) => s.trim()).filter((s) => s);
  if (wnids.length === 0) {
    throw new UserError(`${wnidsPath} names no classes: expected one WordNet id per line; ${fix}`);
  }
  const index = new Map<string, number>();
  for (const [i, w] of wnids.entries()) {
    if (!isPlainName(w)) {
      throw new UserError(
        `${wnidsPath} line ${i + 1} names class ${
          quoted(w)
        }: a class id is a plain name (no /, no ..); ${fix}`,
      );
    }
    if (index.has(w)) throw new UserError(`${wnidsPath} names class ${quoted(w)} twice`);
    index.set(w, i);
  }
  const root = await Deno.realPath(dir);
  const entries: [string, number][] = [];
  if (split === "val") {
    const annPath = `${dir}/val/val_annotations.txt`;
    const ann = new TextDecoder().decode(
      await readOrFail(annPath, "Tiny ImageNet validation labels", fix),
    );
    for (const [i, line] of ann.split(/\r?\n/).entries()) {
      const [file, wnid] = line.split("\t");
      if (!file) continue;
      if (!isPlainName(file)) {
        throw new UserError(
          `${annPath} line ${i + 1} names image ${
            quoted(file)
          }: image names must be plain file names inside val/images (no /, no ..)`,
        );
      }
      const label = index.get(wnid);
      if (label === undefined) {
        throw new UserError(
          `${annPath} line ${i + 1} names class ${
            quoted(wnid ?? "")
          }, not in wnids.txt: expected NAME.JPEG<TAB>WNID<TAB>box per line`,
        );
      }
      entries.push([`${dir}/val/images/${file}`, label]);
    }
  } else {
    for (const [wnid, label] of index) {
      const folder = `${dir}/train/${wnid}/images`;
      const names: string[] = [];
      try {
        for await (const e of Deno.readDir(folder)) if (e.isFile) names.push(e.name);
      } catch {
        throw new UserError(`Tiny ImageNet training folder ${folder} is missing; ${fix}`);
      }
      const odd = names.find((n) => !isPlainName(n));
      if (odd !== undefined) {
        throw new UserError(`${folder} holds a file named ${quoted(odd)}: rename or remove it`);
      }
      for (const n of names.sort()) entries.push([`${folder}/${n}`, label]);
    }
  }
  if (entries.length === 0) {
    const expected = split === "val"
      ? "val/val_annotations.txt lines NAME.JPEG<TAB>WNID naming images in val/images"
      : "JPEGs in train/<wnid>/images for the classes of wnids.txt";
    throw new UserError(
      `--data ${dir} holds 0 Tiny ImageNet ${split} images: expected ${expected}`,
    );
  }
  const picked = entries.slice(0, Math.min(entries.length, limit));
  const size = 64, chw = 3 * size * size;
  const pixels = new Uint8Array(picked.length * chw);
  const jpeg: JpegJs = (await import("jpeg-js")).default;
  for (const [i, [path]] of picked.entries()) {
    const bytes = await readInside(root, dir, path, "Tiny ImageNet image", fix);
    decodeJpeg(jpeg, bytes, path, size, pixels.subarray(i * chw, (i + 1) * chw));
  }
  return {
    name: `tiny-imagenet/${split}`,
    n: picked.length,
    c: 3,
    h: size,
    w: size,
    pixels,
    labels: Uint8Array.from(picked, ([, l]) => l),
    classes: wnids.length,
    mean: IMAGENET_NORM.mean,
    std: IMAGENET_NORM.std,
    fitted: "",
    source: dir,
  };
}

/** What a task asks for: `data` (a dataset name or a folder), the split, and how many images. */
export interface DataRequest {
  /** `fashion-mnist`, or a folder of Fashion-MNIST, CIFAR-10 (binary) or Tiny ImageNet files. */
  readonly data?: string;
  /** `test` (default; Tiny ImageNet's `val`), `train`, or `val` for Tiny ImageNet. */
  readonly split?: string;
  /** At most this many images (the first ones). */
  readonly limit?: number;
}

/** The names `--data` takes besides folders. */
export const DATASET_NAMES: readonly string[] = ["fashion-mnist"];

const EXPECTED =
  "Fashion-MNIST IDX files (t10k-images-idx3-ubyte[.gz], …), CIFAR-10 binary batches " +
  "(test_batch.bin, data_batch_1.bin, …) or Tiny ImageNet (wnids.txt, val/, train/)";

/** What kind of dataset a folder holds, from its file names. */
async function kindOf(dir: string): Promise<"fashion-mnist" | "cifar10" | "tiny-imagenet"> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new UserError(`--data ${dir}: cannot read it (${(e as Error).message})`);
    }
    throw new UserError(
      `--data ${dir}: folder not found; give a folder of ${EXPECTED}, or --data fashion-mnist`,
    );
  }
  if (!info.isDirectory) throw new UserError(`--data ${dir} is a file: give the folder holding it`);
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  if (names.some((n) => /^(t10k|train)-(images-idx3|labels-idx1)/.test(n))) return "fashion-mnist";
  if (names.some((n) => /^(test_batch|data_batch_\d)\.bin$/.test(n))) return "cifar10";
  if (names.includes("wnids.txt")) return "tiny-imagenet";
  throw new UserError(`--data ${dir} holds no dataset: expected ${EXPECTED}`);
}

/**
 * Load the image set a request names, as stored (not fitted): `fashion-mnist` → Fashion-MNIST
 * where `loadFashionMnist` finds it; a folder → the dataset its files are (Fashion-MNIST IDX, gz or
 * raw; CIFAR-10 binary; Tiny ImageNet). A missing folder, an empty one or a bad split is one line.
 *
 * @example Ten Fashion-MNIST test images, as stored
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { loadDataset } from "./datasets.ts";
 *
 * const set = await loadDataset({ data: "fashion-mnist", limit: 10 });
 * assertEquals([set.name, set.n, set.c, set.h], ["fashion-mnist/test", 10, 1, 28]);
 * ```
 */
export async function loadDataset(
  req: DataRequest & { readonly data: string },
): Promise<LoadedSet> {
  const limit = req.limit ?? Infinity;
  if (req.data.toLowerCase() === "fashion-mnist" || req.data.toLowerCase() === "fashionmnist") {
    return await loadFashionMnist(checkSplit("Fashion-MNIST", req.split ?? "test"), { limit });
  }
  const dir = req.data.replace(/(.)\/+$/, "$1");
  switch (await kindOf(dir)) {
    case "fashion-mnist": {
      const split = checkSplit("Fashion-MNIST", req.split ?? "test");
      return await loadFashionMnist(split, { dir, limit });
    }
    case "cifar10": {
      return await loadCifar10(dir, checkSplit("CIFAR-10", req.split ?? "test"), limit);
    }
    case "tiny-imagenet": {
      // Tiny ImageNet's test split is unlabelled: its validation split is the held-out one.
      const given = req.split === "test" ? "val" : req.split;
      return await loadTinyImageNet(dir, checkSplit("Tiny ImageNet", given ?? "val"), limit);
    }
  }
}

/**
 * The image set a task evaluates `net` on (`req.data`: `fashion-mnist`, or a folder of
 * Fashion-MNIST IDX files, CIFAR-10 binary batches or Tiny ImageNet; nothing is downloaded),
 * fitted to its input as `fitToNetwork` does (1 ↔ 3 channels, padding or resizing; `fitted` says
 * how). Without `data`, a 1-channel network reads Fashion-MNIST and any other is asked for data
 * (a `UserError`); a dataset with more classes than the network outputs is refused.
 *
 * @example Fashion-MNIST into a 3-channel CIFAR-10 network
 * ```ts
 * import { loadDatasetFor } from "./datasets.ts";
 * import { buildZoo } from "./zoo.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const set = await loadDatasetFor(buildZoo("vgg16-cifar10", { width: 0.125 }), {
 *   data: "fashion-mnist",
 *   limit: 4,
 * });
 * assertEquals([set.n, set.c, set.h, set.w], [4, 3, 32, 32]);
 * assertEquals(set.fitted, "grey repeated to 3 channels, padded 28×28→32×32 with 0");
 * ```
 */
export async function loadDatasetFor(net: Network, req: DataRequest = {}): Promise<LoadedSet> {
  const { c, h, w } = net.input;
  if (req.data === undefined && c !== 1) {
    throw new UserError(
      `${net.name} takes ${c}×${h}×${w} inputs: give --data DIR (CIFAR-10 binary batches or Tiny ImageNet) or --data fashion-mnist (grey repeated to ${c} channels)`,
    );
  }
  const set = await loadDataset({ ...req, data: req.data ?? "fashion-mnist" });
  const outputs = (inferShapes(net).get(net.output) ?? []).reduce((a, b) => a * b, 1);
  if (set.classes > outputs) {
    throw new UserError(
      `${set.name} has ${set.classes} classes; ${net.name} outputs ${outputs}: give data with at most ${outputs} classes`,
    );
  }
  return { ...fitToNetwork(set, net), source: set.source };
}
