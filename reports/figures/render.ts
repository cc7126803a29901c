/**
 * Vega-Lite spec → Vega → SVG (vega's server-side `toSVG`; text measured with DejaVu Sans metrics, see
 * text-metrics.ts) → PNG (resvg, with the DejaVu Sans font files shipped by the `dejavu-fonts-ttf` package,
 * system fonts off). Figures are fitted to a paper column width and their SVG ids are made unique per figure, so
 * several figures can be inlined in one HTML page and the same input gives byte-identical SVG.
 */
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { FONT_FILES } from "./fonts.ts";
import { installTextMetrics } from "./text-metrics.ts";
import { DEFAULT_DPI, DOUBLE_COLUMN_PX, SINGLE_COLUMN_PX } from "./theme.ts";

export { DEFAULT_DPI, DOUBLE_COLUMN_PX, SINGLE_COLUMN_PX };

/** A figure: how to build its vega-lite spec for a given plot-cell width, and what it shows. */
export interface FigureDef {
  /** File stem and HTML id, e.g. "fig2-inputs". */
  id: string;
  /** Short title, e.g. "Input curves". */
  title: string;
  /** One-sentence caption. */
  caption: string;
  /** Target total width: a single or a double paper column. */
  width: "single" | "double";
  /** Number of plot cells side by side (facet columns), used to fit the total width. */
  columns: number;
  /** The vega-lite spec for a plot-cell width (px). */
  spec: (cellWidthPx: number) => TopLevelSpec;
  /** Axis (and legend) titles the rendered figure shows; tests check they appear in the SVG. */
  axisTitles: string[];
}

/** A rendered figure: the final vega-lite spec, its SVG and PNG, and sizes. */
export interface RenderedFigure {
  def: FigureDef;
  /** The vega-lite spec that produced the SVG (data inline), pretty JSON. */
  vlJson: string;
  svg: string;
  png: Uint8Array;
  /** SVG size (px = pt). */
  widthPx: number;
  heightPx: number;
  /** PNG size (pixels). */
  pngWidth: number;
  pngHeight: number;
}

/** A loader that refuses every request: figures carry their data inline and must never fetch anything. */
const noLoader: vega.Loader = {
  load: async (uri: string) => {
    throw new Error(`figure tried to load '${uri}' (data must be inline)`);
  },
  sanitize: async (uri: string) => {
    throw new Error(`figure tried to load '${uri}' (data must be inline)`);
  },
  http: async (uri: string) => {
    throw new Error(`figure tried to fetch '${uri}'`);
  },
  file: async (f: string) => {
    throw new Error(`figure tried to read '${f}'`);
  },
};

/** Compile a vega-lite spec and render it to an SVG string (warnings from vega-lite are errors). */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const warnings: string[] = [];
  const logger = {
    level: (_?: number) => logger,
    error: (...a: unknown[]) => {
      throw new Error(`vega-lite: ${a.map(String).join(" ")}`);
    },
    warn: (...a: unknown[]) => {
      warnings.push(a.map(String).join(" "));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  installTextMetrics();
  const vg = compile(spec, { logger: logger as never }).spec;
  if (warnings.length) throw new Error(`vega-lite warnings: ${warnings.join("; ")}`);
  const view = new vega.View(vega.parse(vg), { renderer: "none", loader: noLoader, logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Make every `id` in an SVG unique to the figure and independent of how many figures were rendered
 * before in this process (vega numbers clip paths and gradients with a global counter).
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const map = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
    if (!map.has(m[1]!)) map.set(m[1]!, `${prefix}-${map.size + 1}`);
  }
  return svg
    .replace(/\sid="([^"]+)"/g, (_, id: string) => ` id="${map.get(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (s, id: string) => (map.has(id) ? `url(#${map.get(id)})` : s))
    .replace(/href="#([^"]+)"/g, (s, id: string) => (map.has(id) ? `href="#${map.get(id)}"` : s));
}

/** Width and height attributes of an SVG root (px). */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error("SVG without numeric width/height attributes");
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** PNG pixel size for an SVG size at a resolution: round(size · dpi / 72). */
export function pngSizeFor(
  widthPx: number,
  heightPx: number,
  dpi: number,
): { width: number; height: number } {
  return { width: Math.round((widthPx * dpi) / 72), height: Math.round((heightPx * dpi) / 72) };
}

/** Rasterize an SVG with resvg at `dpi` (72 SVG px per inch), DejaVu Sans only, white background. */
export function svgToPng(svg: string, dpi = DEFAULT_DPI): { png: Uint8Array; width: number; height: number } {
  const { width, height } = svgSize(svg);
  const want = pngSizeFor(width, height, dpi);
  const r = new Resvg(svg, {
    fitTo: { mode: "width", value: want.width },
    background: "white",
    font: { fontFiles: Object.values(FONT_FILES), loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
    shapeRendering: 2,
    textRendering: 1,
  });
  const img = r.render();
  return { png: new Uint8Array(img.asPng()), width: img.width, height: img.height };
}

/**
 * Render a figure: fit the plot-cell width so the whole figure is one paper column (or two) wide,
 * then produce the SVG (ids scoped by figure id) and the PNG.
 */
export async function renderFigure(def: FigureDef, dpi = DEFAULT_DPI): Promise<RenderedFigure> {
  const target = def.width === "single" ? SINGLE_COLUMN_PX : DOUBLE_COLUMN_PX;
  // Start from a guess, then correct by the measured overshoot (axes, legends and spacing do not scale
  // with the cell width); keep the closest candidate (width is only piecewise linear in the cell width).
  let cell = Math.max(20, Math.floor((target * 0.8) / def.columns));
  let spec = def.spec(cell);
  let svg = await vegaLiteToSvg(spec);
  let best = { spec, svg, miss: Math.abs(target - svgSize(svg).width) };
  // cell → next cell is deterministic, so once a cell width comes back the passes only revisit
  // candidates already rendered: stop there (the pick is the same, without the repeated renders).
  const seen = new Set([cell]);
  for (let pass = 0; pass < 6 && best.miss >= 0.5; pass++) {
    const diff = target - svgSize(svg).width;
    const next = Math.round(Math.max(10, cell + diff / def.columns) * 1000) / 1000;
    if (seen.has(next)) break;
    seen.add(next);
    cell = next;
    spec = def.spec(cell);
    svg = await vegaLiteToSvg(spec);
    const miss = Math.abs(target - svgSize(svg).width);
    if (miss < best.miss) best = { spec, svg, miss };
  }
  ({ spec, svg } = best);
  svg = scopeSvgIds(svg, def.id);
  const { width, height } = svgSize(svg);
  const png = svgToPng(svg, dpi);
  return {
    def,
    vlJson: `${JSON.stringify(spec, null, 2)}\n`,
    svg: svg.endsWith("\n") ? svg : `${svg}\n`,
    png: png.png,
    widthPx: width,
    heightPx: height,
    pngWidth: png.width,
    pngHeight: png.height,
  };
}
