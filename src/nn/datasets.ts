/**
 * Dataset loaders for measuring accuracy when the user points to the data (nothing is downloaded):
 * the CIFAR-10 binary format (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`: records of
 * 1 label byte + 3072 bytes, R, G, B planes of 32 × 32) and the Tiny ImageNet folder layout
 * (`wnids.txt`, `train/<wnid>/images/*.JPEG`, `val/images/*.JPEG` with `val/val_annotations.txt`),
 * JPEGs decoded with `jpeg-js`. Images are normalized per channel (x/255 − mean)/std.
 *
 * @module
 */
import jpeg from "jpeg-js";
import { UserError } from "../he/errors.ts";
import { forward } from "./forward.ts";
import type { Network } from "./network.ts";

/** Labelled images in CHW float layout. */
export interface Dataset {
  readonly name: string;
  readonly size: number;
  readonly channels: number;
  readonly images: readonly Float32Array[];
  readonly labels: Uint16Array;
}

const CIFAR_MEAN = [0.4914, 0.4822, 0.4465], CIFAR_STD = [0.2470, 0.2435, 0.2616];
const IMAGENET_MEAN = [0.485, 0.456, 0.406], IMAGENET_STD = [0.229, 0.224, 0.225];

async function readOrFail(path: string, what: string, fix: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UserError(`${what} not found: ${path} is missing; ${fix}`);
    }
    throw new UserError(`${what}: cannot read ${path} (${(e as Error).message})`);
  }
}

/**
 * Load the CIFAR-10 binary test split (or train split) from `dir`, at most `limit` images.
 *
 * @example
 * ```ts
 * import { loadCifar10 } from "./datasets.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const rec = new Uint8Array(3073 * 2);
 * rec[0] = 3; // label of the first image
 * await Deno.writeFile(`${dir}/test_batch.bin`, rec);
 * const ds = await loadCifar10(dir);
 * if (ds.labels[0] !== 3 || ds.images.length !== 2) throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCifar10(
  dir: string,
  split: "test" | "train" = "test",
  limit = Infinity,
): Promise<Dataset> {
  const files = split === "test"
    ? ["test_batch.bin"]
    : [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
  const images: Float32Array[] = [];
  const labels: number[] = [];
  const fix =
    "extract cifar-10-binary.tar.gz (the binary version) and pass its cifar-10-batches-bin folder";
  for (const f of files) {
    if (images.length >= limit) break;
    const bytes = await readOrFail(`${dir}/${f}`, "CIFAR-10 data", fix);
    if (bytes.length % 3073 !== 0) {
      throw new UserError(
        `CIFAR-10 file ${dir}/${f} is ${bytes.length} bytes, not a multiple of 3073: the file is corrupt`,
      );
    }
    for (let r = 0; r < bytes.length / 3073 && images.length < limit; r++) {
      const base = r * 3073;
      if (bytes[base] > 9) {
        throw new UserError(
          `CIFAR-10 file ${dir}/${f}: record ${r} has label ${bytes[base]} (> 9): corrupt`,
        );
      }
      labels.push(bytes[base]);
      const img = new Float32Array(3072);
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < 1024; p++) {
          img[c * 1024 + p] = (bytes[base + 1 + c * 1024 + p] / 255 - CIFAR_MEAN[c]) / CIFAR_STD[c];
        }
      }
      images.push(img);
    }
  }
  return {
    name: `cifar10-${split}`,
    size: 32,
    channels: 3,
    images,
    labels: Uint16Array.from(labels),
  };
}

function decodeJpeg(bytes: Uint8Array, path: string, size: number): Float32Array {
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
  const img = new Float32Array(3 * size * size);
  for (let p = 0; p < size * size; p++) {
    for (let c = 0; c < 3; c++) {
      img[c * size * size + p] = (raw.data[4 * p + c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
    }
  }
  return img;
}

/**
 * Load Tiny ImageNet (64 × 64, 200 classes) from its folder layout, at most `limit` images.
 *
 * @example
 * ```ts
 * import { loadTinyImageNet } from "./datasets.ts";
 *
 * try {
 *   await loadTinyImageNet("/nonexistent");
 * } catch (e) {
 *   console.log((e as Error).message); // Tiny ImageNet class list not found: …
 * }
 * ```
 */
export async function loadTinyImageNet(
  dir: string,
  split: "val" | "train" = "val",
  limit = Infinity,
): Promise<Dataset> {
  const fix = "extract tiny-imagenet-200.zip and pass its tiny-imagenet-200 folder";
  const wnids = new TextDecoder().decode(
    await readOrFail(`${dir}/wnids.txt`, "Tiny ImageNet class list", fix),
  )
    .split(/\r?\n/).map((s) => s.trim()).filter((s) => s);
  const index = new Map(wnids.map((w, i) => [w, i]));
  const entries: [string, number][] = [];
  if (split === "val") {
    const ann = new TextDecoder().decode(
      await readOrFail(`${dir}/val/val_annotations.txt`, "Tiny ImageNet validation labels", fix),
    );
    for (const line of ann.split(/\r?\n/)) {
      const [file, wnid] = line.split("\t");
      if (!file) continue;
      const label = index.get(wnid);
      if (label === undefined) {
        throw new UserError(`${dir}/val/val_annotations.txt names class ${wnid}, not in wnids.txt`);
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
      for (const n of names.sort()) entries.push([`${folder}/${n}`, label]);
    }
  }
  const picked = entries.slice(0, Math.min(entries.length, limit));
  const images: Float32Array[] = [];
  for (const [path] of picked) {
    images.push(decodeJpeg(await readOrFail(path, "Tiny ImageNet image", fix), path, 64));
  }
  return {
    name: `tinyimagenet-${split}`,
    size: 64,
    channels: 3,
    images,
    labels: Uint16Array.from(picked, ([, l]) => l),
  };
}

/**
 * Top-1 accuracy of `net` on a dataset (IR float forward pass).
 *
 * @example
 * ```ts
 * import { accuracy } from "./datasets.ts";
 * import { tinyBatchNorm } from "./fixtures.ts";
 *
 * const ds = { name: "x", size: 8, channels: 3, images: [new Float32Array(192)], labels: Uint16Array.from([0]) };
 * const acc = accuracy(tinyBatchNorm(), ds);
 * if (acc !== 0 && acc !== 1) throw new Error();
 * ```
 */
export function accuracy(net: Network, ds: Dataset): number {
  if (net.input.h !== ds.size || net.input.c !== ds.channels) {
    throw new UserError(
      `${net.name} takes ${net.input.c}×${net.input.h}×${net.input.w} inputs; ${ds.name} has ${ds.channels}×${ds.size}×${ds.size}`,
    );
  }
  let hits = 0;
  ds.images.forEach((img, i) => {
    const y = forward(net, img);
    let best = 0;
    for (let j = 1; j < y.length; j++) if (y[j] > y[best]) best = j;
    if (best === ds.labels[i]) hits++;
  });
  return ds.images.length ? hits / ds.images.length : 0;
}

/**
 * The dataset a network takes, by input size: CIFAR-10 (32×32, split `test`|`train`) or Tiny
 * ImageNet (64×64, split `val`|`train`) from `dir`.
 *
 * @example
 * ```ts
 * import { loadDatasetFor } from "./datasets.ts";
 * import { buildZoo } from "./zoo.ts";
 *
 * try {
 *   await loadDatasetFor(buildZoo("vgg16-cifar10", { width: 0.125 }), "/nonexistent");
 * } catch (e) {
 *   console.log((e as Error).message); // CIFAR-10 … not found …
 * }
 * ```
 */
export async function loadDatasetFor(
  net: Network,
  dir: string,
  split?: string,
  limit = Infinity,
): Promise<Dataset> {
  return net.input.h === 32
    ? await loadCifar10(dir, (split ?? "test") as "test" | "train", limit)
    : await loadTinyImageNet(dir, (split ?? "val") as "val" | "train", limit);
}
