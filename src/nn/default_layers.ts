/**
 * The default layer set of the report until the model zoo lands: the linear-layer shapes of the
 * CIFAR-10 VGG-16 (13 3×3 "same" convolutions [64, 64, M, 128, 128, M, 256×3, M, 512×3, M, 512×3, M]
 * and a 512 → 10 classifier), with synthetic weights.
 *
 * @module
 */
import type { LayerShape } from "./layers.ts";

/**
 * Named layer shapes of CIFAR-10 VGG-16.
 *
 * @example
 * ```ts
 * import { vgg16Cifar10Shapes } from "./default_layers.ts";
 *
 * if (vgg16Cifar10Shapes().length !== 14) throw new Error();
 * ```
 */
export function vgg16Cifar10Shapes(): { name: string; shape: LayerShape }[] {
  const M = "M" as const;
  const cfg: (number | "M")[] = [64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M];
  cfg.push(512, 512, 512, M);
  const out: { name: string; shape: LayerShape }[] = [];
  let size = 32, ci = 3;
  cfg.forEach((v, idx) => {
    if (v === "M") {
      size /= 2;
      return;
    }
    out.push({
      name: `features.${idx}`,
      shape: { kind: "conv", h: size, w: size, ci, co: v, k: 3, s: 1, p: 1 },
    });
    ci = v;
  });
  out.push({ name: "classifier", shape: { kind: "fc", in: 512, out: 10 } });
  return out;
}
