import { assert, assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../base/mod.ts";
import {
  fitImages,
  gzip,
  idxBytes,
  imageFloats,
  type ImageSet,
  loadFashionMnist,
  parseIdx,
} from "./images.ts";

/** Expect a one-line `UserError` containing `msg`. */
async function rejectsOneLine(f: () => Promise<unknown>, msg: string): Promise<void> {
  const e = await assertRejects(f, UserError, msg);
  assert(!e.message.includes("\n"), e.message);
}

function set(c: number, h: number, w: number, pixels: Uint8Array, extra = {}): ImageSet {
  return {
    name: "t",
    n: pixels.length / (c * h * w),
    c,
    h,
    w,
    pixels,
    labels: new Uint8Array(pixels.length / (c * h * w)),
    classes: 10,
    mean: Array(c).fill(0.5),
    std: Array(c).fill(0.25),
    fitted: "",
    ...extra,
  };
}

Deno.test("parseIdx() reads raw and gz IDX; bad magic, truncation and size mismatches are one line", async () => {
  const img = idxBytes([2, 3, 4], Uint8Array.from({ length: 24 }, (_, i) => i));
  for (const bytes of [img, await gzip(img)]) {
    const { dims, data } = await parseIdx(bytes, "x.idx");
    assertEquals(dims, [2, 3, 4]);
    assertEquals(data[23], 23);
  }
  const badMagic = img.slice();
  badMagic[2] = 0x0d; // float data, not uint8
  await rejectsOneLine(() => parseIdx(badMagic, "a.idx"), "a.idx is not an IDX file of uint8 data");
  await rejectsOneLine(() => parseIdx(Uint8Array.from([0, 0]), "b.idx"), "bad magic number");
  await rejectsOneLine(() => parseIdx(img.subarray(0, 10), "c.idx"), "c.idx is truncated");
  await rejectsOneLine(
    () => parseIdx(img.subarray(0, img.length - 1), "d.idx"),
    "d.idx holds 23 data bytes; its header says 2×3×4 = 24",
  );
  const long = new Uint8Array(img.length + 5);
  long.set(img);
  await rejectsOneLine(() => parseIdx(long, "e.idx"), "holds 29 data bytes");
  const gz = await gzip(img);
  await rejectsOneLine(() => parseIdx(gz.subarray(0, 12), "f.gz"), "f.gz is not a readable gzip");
});

Deno.test("loadFashionMnist() refuses labels > 9 and images/labels count mismatches in one line", async () => {
  const dir = await Deno.makeTempDir();
  const write = (name: string, dims: number[], data: Uint8Array) =>
    Deno.writeFile(`${dir}/${name}`, idxBytes(dims, data));
  await write("t10k-images-idx3-ubyte", [3, 28, 28], new Uint8Array(3 * 784).fill(7));
  await write("t10k-labels-idx1-ubyte", [3], Uint8Array.from([1, 12, 3]));
  await rejectsOneLine(() => loadFashionMnist("test", { dir }), "label 12 at 1 is > 9");
  await write("t10k-labels-idx1-ubyte", [2], Uint8Array.from([1, 2]));
  await rejectsOneLine(() => loadFashionMnist("test", { dir }), "do not form an image set");
  await write("t10k-labels-idx1-ubyte", [3], Uint8Array.from([1, 2, 3]));
  const ok = await loadFashionMnist("test", { dir, limit: 2 });
  assertEquals([ok.n, ok.h, ok.w, ok.source, [...ok.labels]], [2, 28, 28, dir, [1, 2]]);
  await rejectsOneLine(() => loadFashionMnist("train", { dir }), "train split not found in");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fitImages() pads 28→32 with 0 and keeps every pixel", () => {
  const px = Uint8Array.from({ length: 784 }, (_, i) => 1 + (i % 250));
  const fit = fitImages(set(1, 28, 28, px), { c: 1, h: 32, w: 32 });
  assertEquals([fit.c, fit.h, fit.w, fit.fitted], [1, 32, 32, "padded 28×28→32×32 with 0"]);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
      assertEquals(fit.pixels[y * 32 + x], inside ? px[(y - 2) * 28 + x - 2] : 0, `${y},${x}`);
    }
  }
  assertEquals(fit.mean, [0.5]);
  // Padding is raw 0, the background: it normalizes to (0 − mean)/std like a black pixel.
  assertEquals(imageFloats(fit, 0)[0], -2);
});

Deno.test("fitImages() resizes 32→28 bilinearly (pixel centres aligned)", () => {
  // A horizontal ramp 8·x keeps being a ramp: out(x) = 8·((x + 0.5)·32/28 − 0.5).
  const px = Uint8Array.from({ length: 1024 }, (_, i) => 8 * (i % 32));
  const fit = fitImages(set(1, 32, 32, px), { c: 1, h: 28, w: 28 });
  assertEquals(fit.fitted, "resized 32×32→28×28 (bilinear)");
  for (const x of [0, 1, 13, 27]) {
    const want = Math.round(8 * ((x + 0.5) * 32 / 28 - 0.5));
    for (const y of [0, 14, 27]) assertEquals(fit.pixels[y * 28 + x], want, `${y},${x}`);
  }
  const flat = fitImages(set(1, 32, 32, new Uint8Array(1024).fill(77)), { c: 1, h: 28, w: 28 });
  assert(flat.pixels.every((v) => v === 77));
});

Deno.test("fitImages() repeats grey to 3 channels and takes BT.601 luma of RGB", () => {
  const grey = set(1, 2, 2, Uint8Array.from([0, 100, 200, 255]), { mean: [0.3], std: [0.2] });
  const rgb = fitImages(grey, { c: 3, h: 2, w: 2 });
  assertEquals([...rgb.pixels], [0, 100, 200, 255, 0, 100, 200, 255, 0, 100, 200, 255]);
  assertEquals([rgb.mean, rgb.std, rgb.fitted], [
    [0.3, 0.3, 0.3],
    [0.2, 0.2, 0.2],
    "grey repeated to 3 channels",
  ]);
  // R=100, G=200, B=50 → 0.299·100 + 0.587·200 + 0.114·50 = 153.
  const colour = set(3, 1, 2, Uint8Array.from([100, 255, 200, 0, 50, 0]), {
    mean: [0.4, 0.5, 0.6],
    std: [0.2, 0.2, 0.2],
  });
  const luma = fitImages(colour, { c: 1, h: 1, w: 2 });
  assertEquals([...luma.pixels], [153, 76]);
  assertEquals(luma.fitted, "RGB to luma (BT.601)");
  assert(Math.abs(luma.mean[0] - (0.299 * 0.4 + 0.587 * 0.5 + 0.114 * 0.6)) < 1e-12);
  // Both at once: 1×28×28 into 3×32×32.
  const both = fitImages(set(1, 28, 28, new Uint8Array(784).fill(9)), { c: 3, h: 32, w: 32 });
  assertEquals(both.fitted, "grey repeated to 3 channels, padded 28×28→32×32 with 0");
  assertEquals([both.pixels[2 * 1024 + 2 * 32 + 2], both.pixels[2 * 1024]], [9, 0]);
  // Same shape: the set itself, nothing fitted.
  assertEquals(fitImages(grey, { c: 1, h: 2, w: 2 }), grey);
});
