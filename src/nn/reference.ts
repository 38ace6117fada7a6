/**
 * Integer reference layers mod t: the oracle every homomorphic result must equal exactly. Written
 * directly from the layer definition (stride, zero padding), independent of any packing.
 *
 * @module
 */
import { convOutH, convOutW, convPads, type IntLayer, type LayerShape } from "./layers.ts";

/** Non-negative residue of `v` mod `t`. */
function mod(v: number, t: number): number {
  const r = v % t;
  return r < 0 ? r + t : r;
}

/**
 * y = layer(x) mod t for a conv, FC or BN layer: `x` holds `inputCount(shape)` residues mod t
 * (CHW for maps), the result `outputCount(shape)` residues in [0, t).
 *
 * @example An FC layer with a negative weight
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { referenceLayer } from "./reference.ts";
 * import { parseLayerSpec } from "./layers.ts";
 *
 * const layer = { name: "f", shape: parseLayerSpec("fc:in=2,out=1"), weights: Int32Array.from([-1, 2]) };
 * assertEquals(referenceLayer(layer, Float64Array.from([3, 4]), 97), Float64Array.from([5]));
 * ```
 */
export function referenceLayer(layer: IntLayer, x: Float64Array, t: number): Float64Array {
  const s: LayerShape = layer.shape;
  const W = layer.weights;
  if (s.kind === "bn") {
    const hw = s.h * s.w;
    return x.map((v, i) => mod(W[Math.floor(i / hw)] * v, t));
  }
  if (s.kind === "fc") {
    const y = new Float64Array(s.out);
    for (let o = 0; o < s.out; o++) {
      let acc = 0;
      for (let i = 0; i < s.in; i++) {
        // Exact while |w|·t < 2^53 (8-bit weights and t < 2^45).
        const w = W[o * s.in + i];
        if (w !== 0) acc = mod(acc + mod(w * x[i], t), t);
      }
      y[o] = acc;
    }
    return y;
  }
  const oh = convOutH(s), ow = convOutW(s);
  const [top, left] = convPads(s);
  const y = new Float64Array(s.co * oh * ow);
  for (let o = 0; o < s.co; o++) {
    for (let yy = 0; yy < oh; yy++) {
      for (let xx = 0; xx < ow; xx++) {
        let acc = 0;
        for (let i = 0; i < s.ci; i++) {
          for (let ky = 0; ky < s.k; ky++) {
            const iy = yy * s.s + ky - top;
            if (iy < 0 || iy >= s.h) continue;
            for (let kx = 0; kx < s.k; kx++) {
              const ix = xx * s.s + kx - left;
              if (ix < 0 || ix >= s.w) continue;
              const w = W[((o * s.ci + i) * s.k + ky) * s.k + kx];
              if (w !== 0) acc = mod(acc + mod(w * x[(i * s.h + iy) * s.w + ix], t), t);
            }
          }
        }
        y[(o * oh + yy) * ow + xx] = acc;
      }
    }
  }
  return y;
}
