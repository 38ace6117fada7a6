/**
 * Labelled images as compact uint8 data (`ImageSet`): the IDX format of (Fashion-)MNIST, read from
 * gz or raw files, the shipped Fashion-MNIST files and where else they are found, and the one
 * documented way an image set is fitted to a network's input (channels, padding, resize) before it
 * is normalized. Training engines take fitted `ImageSet`s; the float `Dataset` of the IR's forward
 * pass is made from one with `toDataset`.
 *
 * @module
 */
import { UserError } from "../base/mod.ts";
import { checkAllocation, formatBytes } from "../he/mod.ts";
import { sha256Hex } from "./masks.ts";
import { inferShapes, type Network } from "./network.ts";

/** Images as uint8 pixels (n × c × h × w), labels, and the per-channel normalization. */
export interface ImageSet {
  /** Dataset and split, e.g. `fashion-mnist/test`. */
  readonly name: string;
  /** Number of images. */
  readonly n: number;
  /** Channels per image. */
  readonly c: number;
  /** Image height, in pixels. */
  readonly h: number;
  /** Image width, in pixels. */
  readonly w: number;
  /** n·c·h·w raw pixel values 0–255, image by image, each CHW. */
  readonly pixels: Uint8Array;
  /** n class indices in [0, classes). */
  readonly labels: Uint8Array;
  /** Number of classes of the dataset. */
  readonly classes: number;
  /** Per-channel mean of the normalization x = (pixel/255 − mean[c]) / std[c] (c entries). */
  readonly mean: readonly number[];
  /** Per-channel standard deviation of the normalization (c entries). */
  readonly std: readonly number[];
  /** How the set was fitted to a network (empty when raw), e.g. "padded 28→32 with 0". */
  readonly fitted: string;
}

/** Labelled images in CHW float layout, one array per image (see `toDataset`). */
export interface Dataset {
  /** The image set's name. */
  readonly name: string;
  /** Image height and width, in pixels (images are square). */
  readonly size: number;
  /** Channels per image. */
  readonly channels: number;
  /** One normalized CHW image per entry (channels·size·size floats). */
  readonly images: readonly Float32Array[];
  /** The class of each image. */
  readonly labels: Uint16Array;
}

/** Fashion-MNIST's normalization (mean and std of the 60,000 training images). */
export const FASHION_MNIST_NORM = { mean: [0.2860], std: [0.3530] } as const;

async function gunzipIfNeeded(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Parse an IDX file (gz or raw): magic 0x0000_08_NN (uint8 data, NN dimensions), big-endian sizes,
 * then the data. Returns the dimensions and the data; any mismatch is one line naming the file.
 *
 * @example Three labels, raw and gzipped
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gzip, parseIdx } from "./images.ts";
 *
 * const raw = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]);
 * const want = { dims: [3], data: Uint8Array.from([7, 8, 9]) };
 * assertEquals(await parseIdx(raw, "labels.idx"), want);
 * assertEquals(await parseIdx(await gzip(raw), "labels.idx.gz"), want);
 * ```
 */
export async function parseIdx(
  bytes: Uint8Array,
  source: string,
): Promise<{ dims: number[]; data: Uint8Array }> {
  if (bytes.length === 0) {
    throw new UserError(`${source} is empty (0 bytes): re-download or pass the IDX file`);
  }
  let raw: Uint8Array;
  try {
    raw = await gunzipIfNeeded(bytes);
  } catch {
    throw new UserError(`${source} is not a readable gzip file: re-download or pass the raw IDX`);
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0 || raw[2] !== 8 || raw[3] < 1) {
    throw new UserError(`${source} is not an IDX file of uint8 data (bad magic number)`);
  }
  const nd = raw[3];
  if (raw.length < 4 + 4 * nd) throw new UserError(`${source} is truncated (IDX header)`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * nd;
  if (raw.length !== start + size) {
    throw new UserError(
      `${source} holds ${raw.length - start} data bytes; its header says ${
        dims.join("×")
      } = ${size}`,
    );
  }
  return { dims, data: raw.subarray(start) };
}

/**
 * Encode images or labels as an IDX file (uint8 data, uncompressed): `dims` are the sizes (e.g.
 * [n, h, w] for images, [n] for labels), `data` their product of bytes.
 *
 * @example Labels as IDX, read back
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { idxBytes, parseIdx } from "./images.ts";
 *
 * const bytes = idxBytes([3], Uint8Array.from([7, 8, 9]));
 * assertEquals(bytes, Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]));
 * assertEquals((await parseIdx(bytes, "labels")).dims, [3]);
 * ```
 */
export function idxBytes(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 8, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/**
 * Gzip bytes (for shipping IDX files).
 *
 * @example A gzip stream starts with its magic bytes
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gzip } from "./images.ts";
 *
 * const z = await gzip(new Uint8Array(1000));
 * assertEquals([z[0], z[1]], [0x1f, 0x8b]);
 * ```
 */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Where the shipped Fashion-MNIST files are: the repository's `data/fashion-mnist/` folder. */
export const SHIPPED_FASHION_MNIST: URL = new URL("../../data/fashion-mnist/", import.meta.url);
/** Where Debian's `dataset-fashion-mnist` installs the full set (a folder of gzipped IDX files). */
export const DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist";

/** The split names of Fashion-MNIST: `test` (10,000), `train` (60,000, or the shipped subset). */
export type FashionSplit = "test" | "train";

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** The first IDX file of a split found in `dir` (gz or raw, either naming), or undefined. */
async function findSplit(
  dir: string,
  split: FashionSplit,
): Promise<{ images: string; labels: string } | undefined> {
  const stem = split === "test" ? "t10k" : "train";
  for (const ext of ["-ubyte.gz", "-ubyte", ".gz", ""]) {
    const images = `${dir}/${stem}-images-idx3${ext}`, labels = `${dir}/${stem}-labels-idx1${ext}`;
    if (await exists(images) && await exists(labels)) return { images, labels };
  }
  return undefined;
}

/**
 * Load a Fashion-MNIST split. Where it looks, in order: `dir` when given (an error if the split is
 * not there), else the full set installed by Debian's `dataset-fashion-mnist`, else the files this
 * repository ships in `data/fashion-mnist/` (the whole 10,000-image test set and a 12,000-image
 * class-balanced subset of the training set). `limit` keeps the first images. The result's `source`
 * is the folder the split was read from.
 *
 * @example The first 100 test images
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { loadFashionMnist } from "./images.ts";
 *
 * const test = await loadFashionMnist("test", { limit: 100 });
 * assertEquals([test.n, test.c, test.h, test.w, test.classes], [100, 1, 28, 28, 10]);
 * assertEquals(test.pixels.length, 100 * 28 * 28);
 * ```
 */
export async function loadFashionMnist(
  split: FashionSplit,
  opts: { dir?: string; limit?: number } = {},
): Promise<ImageSet & { source: string }> {
  if (split !== "test" && split !== "train") {
    throw new UserError(
      `Unknown split ${JSON.stringify(String(split))} for Fashion-MNIST: use test or train`,
    );
  }
  let dir = opts.dir;
  let files = dir ? await findSplit(dir, split) : undefined;
  if (dir && !files) {
    throw new UserError(
      `Fashion-MNIST ${split} split not found in ${dir}: expected ${
        split === "test" ? "t10k" : "train"
      }-images-idx3-ubyte[.gz] and ${
        split === "test" ? "t10k" : "train"
      }-labels-idx1-ubyte[.gz] (Debian: apt-get install dataset-fashion-mnist)`,
    );
  }
  if (!files) {
    dir = DEBIAN_FASHION_MNIST;
    files = await findSplit(dir, split);
  }
  if (!files) {
    dir = SHIPPED_FASHION_MNIST.pathname.replace(/\/$/, "");
    files = await findSplit(dir, split);
  }
  if (!files) {
    throw new UserError(
      `Fashion-MNIST ${split} split not found (no --data, no ${DEBIAN_FASHION_MNIST}, no shipped data/fashion-mnist): pass --data DIR`,
    );
  }
  const img = await parseIdx(await Deno.readFile(files.images), files.images);
  const lab = await parseIdx(await Deno.readFile(files.labels), files.labels);
  if (img.dims.length !== 3 || lab.dims.length !== 1 || img.dims[0] !== lab.dims[0]) {
    throw new UserError(
      `${files.images} (${img.dims.join("×")}) and ${files.labels} (${
        lab.dims.join("×")
      }) do not form an image set: expected N×H×W images and N labels`,
    );
  }
  if (img.dims.some((d) => d === 0)) {
    const [n, h, w] = img.dims;
    throw new UserError(
      `${files.images} holds ${n} images of ${h}×${w} pixels: expected at least 1 image of at least 1×1`,
    );
  }
  const bad = lab.data.findIndex((l) => l > 9);
  if (bad >= 0) throw new UserError(`${files.labels}: label ${lab.data[bad]} at ${bad} is > 9`);
  const n = Math.min(img.dims[0], opts.limit ?? Infinity);
  const [, h, w] = img.dims;
  return {
    name: `fashion-mnist/${split}`,
    n,
    c: 1,
    h,
    w,
    pixels: img.data.slice(0, n * h * w),
    labels: lab.data.slice(0, n),
    classes: 10,
    mean: FASHION_MNIST_NORM.mean,
    std: FASHION_MNIST_NORM.std,
    fitted: "",
    source: dir!,
  };
}

/**
 * SHA-256 (64 lowercase hex digits) of an image set's pixels then labels (what manifests record);
 * names and normalization are not hashed.
 *
 * @example Fitting changes the pixels, so the hash
 * ```ts
 * import { assertMatch, assertNotEquals } from "@std/assert";
 * import { fitImages, imageSetHash, loadFashionMnist } from "./images.ts";
 *
 * const set = await loadFashionMnist("test", { limit: 4 });
 * const hash = await imageSetHash(set);
 * assertMatch(hash, /^[0-9a-f]{64}$/);
 * assertNotEquals(hash, await imageSetHash(fitImages(set, { c: 1, h: 32, w: 32 })));
 * ```
 */
export async function imageSetHash(set: ImageSet): Promise<string> {
  return await sha256Hex([set.pixels, set.labels]);
}

/**
 * Fit an image set to a network's input, the documented way:
 * - channels: 1 → 3 repeats the grey plane (and its mean/std); 3 → 1 takes the ITU-R BT.601 luma;
 * - size: a larger input is reached by padding every side with raw pixel 0 (the background of
 *   (Fashion-)MNIST; 28 → 32 keeps the CIFAR layer geometry), a smaller or odd difference by
 *   bilinear resizing.
 *
 * @example 28×28 grey images into a 3×32×32 network
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fitImages } from "./images.ts";
 *
 * const set = {
 *   name: "x", n: 1, c: 1, h: 28, w: 28, pixels: new Uint8Array(784).fill(200),
 *   labels: Uint8Array.from([3]), classes: 10, mean: [0.5], std: [0.25], fitted: "",
 * };
 * const fit = fitImages(set, { c: 3, h: 32, w: 32 });
 * assertEquals(fit.pixels.length, 3 * 1024);
 * assertEquals([fit.pixels[0], fit.pixels[2 * 32 + 2]], [0, 200]); // a 2-pixel border of 0
 * assertEquals(fit.mean, [0.5, 0.5, 0.5]);
 * assertEquals(fit.fitted, "grey repeated to 3 channels, padded 28×28→32×32 with 0");
 * ```
 */
export function fitImages(
  set: ImageSet,
  input: { readonly c: number; readonly h: number; readonly w: number },
): ImageSet {
  if (set.c === input.c && set.h === input.h && set.w === input.w) return set;
  if (input.c !== 1 && input.c !== 3) {
    throw new UserError(`cannot fit ${set.name} (${set.c} channels) to a ${input.c}-channel input`);
  }
  if (set.c !== 1 && set.c !== 3) {
    throw new UserError(`${set.name} has ${set.c} channels: only 1- or 3-channel images fit`);
  }
  const { n, h, w } = set, H = input.h, W = input.w, C = input.c;
  const out = new Uint8Array(n * C * H * W);
  const grey = new Uint8Array(h * w);
  const dy = H - h, dx = W - w;
  const pad = dy >= 0 && dx >= 0 && dy % 2 === 0 && dx % 2 === 0;
  for (let i = 0; i < n; i++) {
    const src = set.pixels.subarray(i * set.c * h * w, (i + 1) * set.c * h * w);
    for (let c = 0; c < C; c++) {
      let plane: Uint8Array;
      if (set.c === C) plane = src.subarray(c * h * w, (c + 1) * h * w);
      else if (set.c === 1) plane = src;
      else {
        for (let p = 0; p < h * w; p++) {
          grey[p] = Math.round(
            0.299 * src[p] + 0.587 * src[h * w + p] + 0.114 * src[2 * h * w + p],
          );
        }
        plane = grey;
      }
      const dst = out.subarray((i * C + c) * H * W, (i * C + c + 1) * H * W);
      if (pad) {
        for (let y = 0; y < h; y++) {
          dst.set(plane.subarray(y * w, (y + 1) * w), (y + dy / 2) * W + dx / 2);
        }
      } else {
        for (let y = 0; y < H; y++) {
          const fy = Math.max(0, Math.min(h - 1, (y + 0.5) * h / H - 0.5));
          const y0 = Math.floor(fy), y1 = Math.min(h - 1, y0 + 1), ay = fy - y0;
          for (let x = 0; x < W; x++) {
            const fx = Math.max(0, Math.min(w - 1, (x + 0.5) * w / W - 0.5));
            const x0 = Math.floor(fx), x1 = Math.min(w - 1, x0 + 1), ax = fx - x0;
            const top = plane[y0 * w + x0] * (1 - ax) + plane[y0 * w + x1] * ax;
            const bot = plane[y1 * w + x0] * (1 - ax) + plane[y1 * w + x1] * ax;
            dst[y * W + x] = Math.round(top * (1 - ay) + bot * ay);
          }
        }
      }
    }
  }
  const mean = C === set.c
    ? set.mean
    : set.c === 1
    ? [set.mean[0], set.mean[0], set.mean[0]]
    : [0.299 * set.mean[0] + 0.587 * set.mean[1] + 0.114 * set.mean[2]];
  const std = C === set.c
    ? set.std
    : set.c === 1
    ? [set.std[0], set.std[0], set.std[0]]
    : [Math.sqrt((set.std[0] ** 2 + set.std[1] ** 2 + set.std[2] ** 2) / 3)];
  const how = [
    set.c !== C ? (set.c === 1 ? "grey repeated to 3 channels" : "RGB to luma (BT.601)") : "",
    h !== H || w !== W
      ? (pad ? `padded ${h}×${w}→${H}×${W} with 0` : `resized ${h}×${w}→${H}×${W} (bilinear)`)
      : "",
  ].filter(Boolean).join(", ");
  return { ...set, c: C, h: H, w: W, pixels: out, mean, std, fitted: how };
}

/**
 * Fit an image set to a network's input (`net.input`), the documented way, giving what training
 * engines and accuracy runs take: channels 1 → 3 repeat the grey plane (and its mean/std), 3 → 1
 * take the ITU-R BT.601 luma; a larger input is reached by padding every side with raw pixel 0, a
 * smaller or odd difference by bilinear resizing. `fitted` says what was done; a set that already
 * fits is returned as it is. A network whose input is too large to hold these images (plus a batch
 * of its largest activation) within the memory limit (`memoryLimit` of the HE face:
 * `MOSAIC_MAX_MEMORY`) is a one-line `UserError` before anything is allocated.
 *
 * @example Fashion-MNIST for a zoo model
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fitToNetwork, loadFashionMnist } from "./images.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * const net = buildZoo("vgg16-fashionmnist", { width: 0.125 });
 * const set = fitToNetwork(await loadFashionMnist("test", { limit: 2 }), net);
 * assertEquals([set.c, set.h, set.w, set.fitted], [1, 32, 32, "padded 28×28→32×32 with 0"]);
 * ```
 */
export function fitToNetwork(set: ImageSet, net: Network): ImageSet {
  const { c, h, w } = net.input;
  const fits = set.c === c && set.h === h && set.w === w;
  const pixels = fits ? 0 : set.n * c * h * w;
  // Inference holds a batch (up to 256 images) of its largest tensor, in and out, as floats.
  let largest = 0;
  for (const shape of inferShapes(net).values()) {
    largest = Math.max(largest, shape.reduce((a, d) => a * d, 1));
  }
  const activations = Math.min(set.n, 256) * largest * 4 * 2;
  checkAllocation(
    `${set.name} fitted to ${net.name}'s ${c}×${h}×${w} input needs an estimated ` +
      formatBytes(pixels + activations),
    pixels + activations,
    `${set.n} images of ${formatBytes(c * h * w)}, activations ${formatBytes(activations)}`,
    { fix: "use a model with a smaller input, or fewer images (--limit)" },
  );
  return fitImages(set, net.input);
}

/**
 * Image i of a set as normalized CHW floats, (pixel/255 − mean[c]) / std[c]; written into `out`
 * (c·h·w floats) when given, else into a new array.
 *
 * @example The shipped first test image
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { imageFloats, loadFashionMnist } from "./images.ts";
 *
 * const set = await loadFashionMnist("test", { limit: 1 });
 * const x = imageFloats(set, 0);
 * assertEquals(x.length, 28 * 28);
 * assertAlmostEquals(x[0], (set.pixels[0] / 255 - set.mean[0]) / set.std[0], 1e-6);
 * ```
 */
export function imageFloats(set: ImageSet, i: number, out?: Float32Array): Float32Array {
  const hw = set.h * set.w, size = set.c * hw;
  const x = out ?? new Float32Array(size);
  for (let c = 0; c < set.c; c++) {
    const m = set.mean[c], s = set.std[c];
    for (let p = 0; p < hw; p++) x[c * hw + p] = (set.pixels[i * size + c * hw + p] / 255 - m) / s;
  }
  return x;
}

/**
 * An image set as per-image normalized floats (what `forward` takes one at a time); non-square
 * images are a `UserError`.
 */
export function toDataset(set: ImageSet): Dataset {
  if (set.h !== set.w) throw new UserError(`${set.name}: images are ${set.h}×${set.w}, not square`);
  return {
    name: set.name,
    size: set.h,
    channels: set.c,
    images: Array.from({ length: set.n }, (_, i) => imageFloats(set, i)),
    labels: Uint16Array.from(set.labels),
  };
}
