/**
 * Headless chart rendering: Vega-Lite → Vega → SVG (no canvas), text widths measured from the
 * DejaVu Sans font files (`dejavu-fonts-ttf`, glyph advances read by `opentype.js`) so labels are
 * placed right, then SVG → PNG with resvg (WebAssembly) given the same fonts.
 *
 * @module
 */
import type * as Vega from "vega";
import type * as VegaLite from "vega-lite";
import type * as ResvgWasm from "@resvg/resvg-wasm";
import type opentype from "opentype.js";

/** The rendering libraries, loaded on first render (not on import: a library user who only plans
 * layers never pays for them). */
interface Libs {
  readonly vega: typeof Vega;
  readonly vl: typeof VegaLite;
  readonly resvg: typeof ResvgWasm;
  readonly opentype: typeof opentype;
}

let libs: Promise<Libs> | null = null;

function loadLibs(): Promise<Libs> {
  libs ??= (async () => {
    const [vega, vl, resvg, ot] = await Promise.all([
      import("vega"),
      import("vega-lite"),
      import("@resvg/resvg-wasm"),
      import("opentype.js"),
    ]);
    return { vega, vl, resvg, opentype: ot.default };
  })();
  return libs;
}

interface Fonts {
  readonly regular: opentype.Font;
  readonly bold: opentype.Font;
  readonly buffers: Uint8Array[];
}

let fonts: Promise<Fonts> | null = null;
let wasm: Promise<void> | null = null;

async function readResolved(spec: string): Promise<Uint8Array> {
  return await Deno.readFile(new URL(import.meta.resolve(spec)));
}

function loadFonts(): Promise<Fonts> {
  fonts ??= (async () => {
    const { vega, opentype } = await loadLibs();
    const regular = await readResolved("dejavu-fonts-ttf/ttf/DejaVuSans.ttf");
    const bold = await readResolved("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf");
    const parse = (b: Uint8Array) =>
      opentype.parse(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    const f = { regular: parse(regular), bold: parse(bold), buffers: [regular, bold] };
    // Vega without a canvas guesses 0.8 em per character; measure real glyph advances instead.
    // deno-lint-ignore no-explicit-any
    (vega as any).textMetrics.width = (item: any, text: unknown) => {
      const s = text ?? item.text;
      const str = Array.isArray(s) ? s.join(" ") : String(s ?? "");
      const size = item.fontSize != null ? +item.fontSize || 0 : 11;
      const w = item.fontWeight;
      const font = w === "bold" || (typeof w === "number" && w >= 600) ? f.bold : f.regular;
      return font.getAdvanceWidth(str, size);
    };
    return f;
  })();
  return fonts;
}

/**
 * Render a Vega-Lite spec to SVG.
 *
 * @example A two-bar chart
 * ```ts
 * import { assert } from "@std/assert";
 * import { renderSvg } from "./_render.ts";
 *
 * const svg = await renderSvg({
 *   data: { values: [{ a: "x", b: 1 }, { a: "y", b: 2 }] },
 *   mark: "bar",
 *   encoding: { x: { field: "a", type: "nominal" }, y: { field: "b", type: "quantitative" } },
 * });
 * assert(svg.startsWith("<svg"));
 * ```
 */
// deno-lint-ignore no-explicit-any
export async function renderSvg(spec: Record<string, any>): Promise<string> {
  await loadFonts();
  const { vega, vl } = await loadLibs();
  // Errors only: Vega-Lite's layout warnings are for chart authors, not for report readers.
  // deno-lint-ignore no-explicit-any
  const compiled = vl.compile(spec as any, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterize an SVG to PNG at `scale`, with the bundled DejaVu fonts (without fonts resvg drops
 * all text silently).
 *
 * @example A PNG signature comes out
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { renderPng } from "./_render.ts";
 *
 * const png = await renderPng('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><text y="9">a</text></svg>');
 * assertEquals([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]); // "\x89PNG"
 * ```
 */
export async function renderPng(svg: string, scale = 2): Promise<Uint8Array> {
  const f = await loadFonts();
  const { initWasm, Resvg } = (await loadLibs()).resvg;
  wasm ??= (async () => {
    await initWasm(await readResolved("@resvg/resvg-wasm/index_bg.wasm"));
  })();
  await wasm;
  const r = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    font: {
      fontBuffers: f.buffers,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
      loadSystemFonts: false,
    },
  });
  let img;
  try {
    img = r.render();
  } catch (e) {
    // A panic inside resvg leaves the renderer borrowed: freeing it would throw a second, less
    // telling error, so the real one is reported and the renderer is left to the GC.
    throw new Error(`resvg could not render the chart to PNG: ${(e as Error).message}`);
  }
  try {
    return img.asPng();
  } finally {
    img.free();
    r.free();
  }
}
