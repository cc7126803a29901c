/**
 * One look for every figure: DejaVu Sans at paper sizes (1 px = 1 pt when the figure is printed at its
 * column width), light grids, the Okabe–Ito colour-blind-safe palette (with dashes as a second cue) and
 * viridis for heat maps.
 */
import type { Config } from "vega-lite";

/** Points (= SVG px, 72 per inch) of a single paper column (3.5 in). */
export const SINGLE_COLUMN_PX = 252;
/** Points (= SVG px) of a double (full-width) paper column (7.16 in). */
export const DOUBLE_COLUMN_PX = 516;
/** Default PNG resolution (dots per inch). */
export const DEFAULT_DPI = 300;

/** Font stack of every text element (the PNG renderer ships DejaVu Sans; browsers fall back by metrics). */
export const FONT = "DejaVu Sans, Bitstream Vera Sans, Verdana, sans-serif";

/** Okabe & Ito (2008) colour-blind-safe palette, in the order series are assigned. */
export const OKABE_ITO = [
  "#0072B2", // blue
  "#D55E00", // vermillion
  "#009E73", // bluish green
  "#CC79A7", // reddish purple
  "#E69F00", // orange
  "#56B4E9", // sky blue
  "#000000", // black
  "#F0E442", // yellow (last: weak on white)
];

/** Stroke dash patterns paired with the palette (so series stay distinct in greyscale). */
export const DASHES: number[][] = [
  [1, 0],
  [4, 2],
  [1, 1.5],
  [6, 2, 1, 2],
  [2, 2],
  [8, 3],
];

/** Font sizes (pt at print size). */
export const SIZES = { label: 7, title: 8, header: 8, figureTitle: 9 } as const;

/** The vega-lite config shared by all figures. */
export const CONFIG: Config = {
  font: FONT,
  background: "white",
  padding: 4,
  view: { stroke: "#bbbbbb", strokeWidth: 0.5 },
  axis: {
    labelFontSize: SIZES.label,
    titleFontSize: SIZES.title,
    titleFontWeight: "normal",
    labelColor: "#222222",
    titleColor: "#000000",
    domainColor: "#555555",
    domainWidth: 0.5,
    tickColor: "#555555",
    tickWidth: 0.5,
    tickSize: 3,
    gridColor: "#e4e4e4",
    gridWidth: 0.5,
    titlePadding: 3,
    labelPadding: 2,
    labelOverlap: true,
  },
  legend: {
    labelFontSize: SIZES.label,
    titleFontSize: SIZES.title,
    titleFontWeight: "normal",
    orient: "bottom",
    direction: "horizontal",
    symbolSize: 40,
    symbolStrokeWidth: 1.5,
    columnPadding: 8,
    padding: 0,
    offset: 4,
  },
  header: {
    labelFontSize: SIZES.header,
    titleFontSize: SIZES.title,
    titleFontWeight: "normal",
    labelPadding: 2,
  },
  title: { fontSize: SIZES.figureTitle, fontWeight: "normal", anchor: "start", offset: 4 },
  line: { strokeWidth: 1.2 },
  point: { size: 10, filled: true },
  bar: { discreteBandSize: { band: 0.8 } },
  range: { category: OKABE_ITO, heatmap: { scheme: "viridis" }, ramp: { scheme: "viridis" } },
  facet: { spacing: 6 },
  concat: { spacing: 10 },
};
