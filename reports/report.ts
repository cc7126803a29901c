/**
 * Assemble the report from a ReportInput: every table (Markdown, LaTeX, CSV, HTML) and figure (SVG, PNG,
 * vega-lite JSON) the input allows, a self-contained report.html (tables and SVG inline, no scripts, no
 * external requests) and a report.md linking the images. Returns the files in memory (path relative to
 * the run directory → content) so the caller decides how to write them (atomically). Deterministic.
 */
import { escape as arqueroEscape, type ColumnTable } from "arquero";
import { checkResultSet, checkTable, type ReportInput, type ResultSet } from "./contract.ts";
import type { FigureDef, RenderedFigure } from "./figures/render.ts";
import {
  batteryFleetFigure,
  batterySocBandFigure,
  feederMapFigure,
  PER_ELEMENT_LIMITS,
  TOP_N,
  topBatteries,
  topDiffBuses,
  voltageDiffSummaryFigure,
  voltageEnvelopeFigure,
} from "./figures/scale.ts";
import {
  batteryPowerFigure,
  batterySocFigure,
  boundaryFigure,
  inputCurvesFigure,
  substationFigure,
  voltageDiffHeatmap,
  voltageProfileFigure,
} from "./figures/specs.ts";
import { DEFAULT_DPI } from "./figures/theme.ts";
import { escapeHtml, escapeMarkdownCell } from "./format.ts";
import { type RenderedTable, type ReportTable, renderTable } from "./table-render.ts";
import {
  enappIterationTable,
  hourlyComparisonTable,
  hourlyTable,
  ids,
  table2,
  table3,
  table4,
} from "./tables.ts";

/** Folder (relative to the run directory) holding the report's table and figure files. */
export const REPORT_DIR = "report";

/** Options of buildReport. */
export interface ReportOptions {
  /** PNG resolution (dots per inch), default 300. */
  dpi?: number;
}

/** What went into the report (also written as report/index.json). */
export interface ReportIndex {
  title: string;
  tables: Array<{ id: string; title: string; files: string[] }>;
  figures: Array<{
    id: string;
    title: string;
    widthPx: number;
    heightPx: number;
    pngWidth: number;
    pngHeight: number;
    dpi: number;
    axisTitles: string[];
    files: string[];
  }>;
  /** Items the input did not allow, with the reason. */
  skipped: string[];
}

/** The report's files and index. */
export interface ReportOutput {
  /** Path relative to the run directory → content. */
  files: Map<string, string | Uint8Array>;
  index: ReportIndex;
}

interface Plan {
  tables: ReportTable[];
  figures: FigureDef[];
  skipped: string[];
}

/** The rows of a table whose id column is in `keep`. */
function keepRows(t: ColumnTable, col: string, keep: Set<string>): ColumnTable {
  // arquero's typings take a string expression; escape() wraps a plain function (see arquero's docs).
  const pred = arqueroEscape((d: Record<string, unknown>) => keep.has(String(d[col]))) as unknown as string;
  return t.filter(pred);
}

const hasCols = (r: ResultSet | undefined, table: "periods" | "batteries" | "buses", cols: string[]) => {
  const t = r?.[table];
  return !!t && cols.every((c) => t.columnNames().includes(c));
};

/** Decide which tables and figures the input allows (and record why the others are skipped). */
function plan(input: ReportInput): Plan {
  const dt = input.dtH ?? 1;
  const { mpcopf: c, mpdopf: d } = input;
  const pc = input.replay?.mpcopf;
  const pd = input.replay?.mpdopf;
  const tables: ReportTable[] = [];
  const figures: FigureDef[] = [];
  const skipped: string[] = [];
  const optimizers = [c, d].filter((s): s is ResultSet => !!s);
  const pairs: Array<[string, ResultSet, ResultSet]> = [];
  if (d && pd) pairs.push(["mpdopf", d, pd]);
  if (c && pc) pairs.push(["mpcopf", c, pc]);

  if (c && d) tables.push(table2(c, d, dt));
  else skipped.push("Table II (MPCOPF vs MPDOPF): needs both the MPCOPF and the MPDOPF result tables.");
  for (const [key, o, p] of pairs) tables.push(table3(o, p, dt, `table3-${key}-vs-power-flow`));
  if (!pairs.length)
    skipped.push("Table III (optimizer vs power flow): needs a replay next to its optimizer result.");
  const all = [c, d, pc, pd].filter((s): s is ResultSet => !!s);
  if (all.length) tables.push(table4(all, dt));
  else skipped.push("Table IV (horizon totals): no result tables at all.");
  if (input.enapp?.iterations) tables.push(enappIterationTable(input.enapp.iterations));
  else skipped.push("ENApp macro-iteration table: no ENApp iteration history.");
  for (const o of optimizers) tables.push(hourlyTable(o, `hourly-${o === c ? "mpcopf" : "mpdopf"}`));
  for (const [key, o, p] of pairs) tables.push(hourlyComparisonTable(o, p, `hourly-${key}-vs-power-flow`));
  tables.push(...(input.extraTables ?? []));

  const withInputs = optimizers.find((s) => hasCols(s, "periods", ["loadMult", "pvMult", "priceUsdPerKwh"]));
  if (withInputs) figures.push(inputCurvesFigure(withInputs.periods));
  else skipped.push("Input-curve figure: no periods table with loadMult, pvMult and priceUsdPerKwh.");
  // Per-element figures while they stay readable; fleet aggregates and a few chosen elements beyond that.
  const nBatt = Math.max(
    0,
    ...optimizers.map((s) => (s.batteries ? new Set(ids(s.batteries, "battery")).size : 0)),
  );
  const manyBatt = nBatt > PER_ELEMENT_LIMITS.batteries;
  for (const o of optimizers) {
    const key = o === c ? "mpcopf" : "mpdopf";
    if (!hasCols(o, "batteries", ["pcKw", "pdKw"])) {
      skipped.push(`Battery-power figure (${o.label}): no batteries table with pcKw and pdKw.`);
      continue;
    }
    if (!manyBatt) {
      figures.push(batteryPowerFigure(o, `fig-battery-power-${key}`));
      continue;
    }
    figures.push(batteryFleetFigure(o, `fig-battery-fleet-${key}`));
    const chosen = new Set(topBatteries(o, TOP_N.batteries));
    const sub = {
      ...o,
      batteries: keepRows(o.batteries!, "battery", chosen),
    };
    const f = batteryPowerFigure(sub, `fig-battery-power-${key}`);
    f.title = `${o.label} battery power: the ${chosen.size} busiest batteries`;
    f.caption += ` Only the ${chosen.size} of ${nBatt} batteries with the largest throughput Σ(P_c + P_d) are shown; the fleet figure sums all of them.`;
    figures.push(f);
  }
  const withBatt = optimizers.filter((s) => s.batteries && s.batteries.numRows() > 0);
  if (withBatt.length) figures.push(manyBatt ? batterySocBandFigure(withBatt) : batterySocFigure(withBatt));
  else skipped.push("Battery-SOC figure: no batteries table.");
  if (optimizers.length) figures.push(substationFigure(optimizers));
  else skipped.push("Substation figure: no optimizer result.");
  if (input.enapp?.boundaries) figures.push(boundaryFigure(input.enapp.boundaries));
  else skipped.push("Boundary-variable figure: no ENApp boundary exchanges.");
  for (const [key, o, p] of pairs) {
    if (!(o.buses && p.buses)) {
      skipped.push(`Voltage figures (${o.label} vs ${p.label}): a buses table is missing.`);
      continue;
    }
    const nBus = new Set(ids(o.buses, "bus")).size;
    if (nBus <= PER_ELEMENT_LIMITS.buses) {
      figures.push(voltageProfileFigure(o, p, `fig-voltage-${key}`));
      figures.push(voltageDiffHeatmap(o, p, `fig-dv-heatmap-${key}`));
      continue;
    }
    figures.push(voltageEnvelopeFigure(o, p, `fig-voltage-${key}`));
    figures.push(voltageDiffSummaryFigure(o, p, `fig-dv-summary-${key}`));
    const worst = new Set(topDiffBuses(o, p, TOP_N.buses));
    const only = (s: ResultSet): ResultSet => ({
      ...s,
      buses: keepRows(s.buses!, "bus", worst),
    });
    const h = voltageDiffHeatmap(only(o), only(p), `fig-dv-heatmap-${key}`);
    h.title += `: the ${worst.size} buses with the largest |ΔV|`;
    h.caption += ` Only the ${worst.size} of ${nBus} buses with the largest |ΔV| over the horizon are shown (the summary figure covers all).`;
    figures.push(h);
  }
  const mapBase = c ?? d;
  if (input.coordinates && mapBase) {
    const m = feederMapFigure(
      { coordinates: input.coordinates },
      mapBase,
      mapBase === c ? pc : pd,
      "fig-feeder-map",
    );
    if (m) figures.push(m);
    else
      skipped.push("Feeder map: the coordinates or the branch table (from, to) are not enough to draw it.");
  }
  if (!pairs.length)
    skipped.push("Voltage-profile and |ΔV| figures: need a replay next to its optimizer result.");
  return { tables, figures, skipped };
}

/** Check every input table against the contract (replays may have empty cells for failed hours). */
export function checkReportInput(input: ReportInput): void {
  if (input.mpcopf) checkResultSet(input.mpcopf, input.mpcopf.label);
  if (input.mpdopf) checkResultSet(input.mpdopf, input.mpdopf.label);
  if (input.replay?.mpcopf)
    checkResultSet(input.replay.mpcopf, input.replay.mpcopf.label, { allowEmpty: true });
  if (input.replay?.mpdopf)
    checkResultSet(input.replay.mpdopf, input.replay.mpdopf.label, { allowEmpty: true });
  if (input.enapp?.iterations) checkTable(input.enapp.iterations, "iterations", "enapp/iterations");
  if (input.enapp?.boundaries) checkTable(input.enapp.boundaries, "boundaries", "enapp/boundaries");
}

const CSS = `
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Bitstream Vera Sans", Verdana, sans-serif; margin: 2rem auto; max-width: 72rem;
  padding: 0 1rem; color: #111; background: #fff; line-height: 1.4; font-size: 15px; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: .1rem 1rem; margin: .5rem 0 1rem; }
dl.meta dt { font-weight: bold; } dl.meta dd { margin: 0; }
nav { display: flex; gap: 3rem; flex-wrap: wrap; } nav h3 { font-size: 1rem; margin: .4rem 0; }
nav ul { padding-left: 1.2rem; margin: 0; }
.table-block { margin: 1.5rem 0; overflow-x: auto; }
table.report-table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
table.report-table caption { caption-side: top; text-align: left; padding-bottom: .4rem; }
table.report-table th { text-align: left; }
table.report-table sup { line-height: 0; font-size: 75%; }
table.report-table thead th { border-top: 2px solid #000; border-bottom: 1px solid #000; padding: .25rem .6rem; vertical-align: bottom; }
table.report-table tbody tr:last-child td { border-bottom: 2px solid #000; }
table.report-table td { padding: .15rem .6rem; white-space: nowrap; }
table.report-table .num { text-align: right; } table.report-table .ctr { text-align: center; }
table.report-table .unit { font-weight: normal; color: #444; }
table.report-table td.note { font-size: 12px; color: #333; white-space: normal; padding-top: .4rem; }
.downloads { font-size: 12px; color: #444; margin-top: .3rem; }
figure.figure { margin: 1.5rem 0; }
figure.figure svg { display: block; width: 100%; height: auto; }
figure.figure figcaption { font-size: 13px; margin-top: .4rem; max-width: 48rem; }
ul.skipped { color: #7a3b00; }
`;

function htmlPage(
  input: ReportInput,
  tables: Array<[ReportTable, RenderedTable]>,
  figs: RenderedFigure[],
  skipped: string[],
): string {
  const meta = (input.meta ?? [])
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join("");
  const tocTables = tables
    .map(([t]) => `<li><a href="#${escapeHtml(t.spec.id)}">${escapeHtml(t.spec.title)}</a></li>`)
    .join("\n");
  const tocFigures = figs
    .map(
      (f, i) => `<li><a href="#${escapeHtml(f.def.id)}">Figure ${i + 1}: ${escapeHtml(f.def.title)}</a></li>`,
    )
    .join("\n");
  const tableBlocks = tables
    .map(([t, r]) => {
      const base = `${REPORT_DIR}/tables/${t.spec.id}`;
      const links = ["csv", "tex", "md"]
        .map((x) => `<a href="${base}.${x}">${x.toUpperCase()}</a>`)
        .join(" · ");
      return `<div class="table-block">\n${r.html}\n<div class="downloads">Files: ${links}</div>\n</div>`;
    })
    .join("\n");
  const figBlocks = figs
    .map((f, i) => {
      const base = `${REPORT_DIR}/figures/${f.def.id}`;
      const links = [
        `<a href="${base}.svg">SVG</a>`,
        `<a href="${base}.png">PNG (${f.pngWidth}×${f.pngHeight})</a>`,
        `<a href="${base}.vl.json">Vega-Lite spec</a>`,
      ].join(" · ");
      const screenWidth = Math.round(f.widthPx * 1.75);
      return [
        `<figure class="figure" id="${escapeHtml(f.def.id)}" data-figure="${escapeHtml(f.def.id)}" style="width: ${screenWidth}px; max-width: 100%;">`,
        f.svg.trim().replace(/^<svg /, `<svg role="img" aria-label="${escapeHtml(f.def.title)}" `),
        `<figcaption><strong>Figure ${i + 1}. ${escapeHtml(f.def.title)}.</strong> ${escapeHtml(f.def.caption)}<br><span class="downloads">Files: ${links}</span></figcaption>`,
        "</figure>",
      ].join("\n");
    })
    .join("\n");
  const skippedBlock = skipped.length
    ? `<h2 id="not-included">Not in this report</h2>\n<ul class="skipped">${skipped.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>`
    : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(input.title)}</h1>
${meta ? `<dl class="meta">${meta}</dl>` : ""}
</header>
<h2>Contents</h2>
<nav><div><h3>Tables</h3><ul>
${tocTables}
</ul></div><div><h3>Figures</h3><ul>
${tocFigures}
</ul></div></nav>
<section id="tables"><h2>Tables</h2>
${tableBlocks}
</section>
<section id="figures"><h2>Figures</h2>
${figBlocks}
</section>
${skippedBlock}
</body>
</html>
`;
}

function markdownPage(
  input: ReportInput,
  tables: Array<[ReportTable, RenderedTable]>,
  figs: RenderedFigure[],
  skipped: string[],
): string {
  const out: string[] = [`# ${input.title}`, ""];
  for (const [k, v] of input.meta ?? []) out.push(`- **${escapeMarkdownCell(k)}:** ${escapeMarkdownCell(v)}`);
  if (input.meta?.length) out.push("");
  out.push("## Tables", "");
  for (const [t, r] of tables) {
    const base = `${REPORT_DIR}/tables/${t.spec.id}`;
    out.push(r.md, `Files: [CSV](${base}.csv) · [LaTeX](${base}.tex) · [Markdown](${base}.md)`, "");
  }
  out.push("## Figures", "");
  figs.forEach((f, i) => {
    const base = `${REPORT_DIR}/figures/${f.def.id}`;
    out.push(
      `![Figure ${i + 1}: ${f.def.title}](${base}.svg)`,
      "",
      `**Figure ${i + 1}. ${f.def.title}.** ${f.def.caption} Files: [SVG](${base}.svg) · [PNG](${base}.png) · [Vega-Lite spec](${base}.vl.json)`,
      "",
    );
  });
  if (skipped.length) out.push("## Not in this report", "", ...skipped.map((s) => `- ${s}`), "");
  return `${out.join("\n").trimEnd()}\n`;
}

/** Build every table, figure and page the input allows. */
export async function buildReport(input: ReportInput, opts: ReportOptions = {}): Promise<ReportOutput> {
  const dpi = opts.dpi ?? DEFAULT_DPI;
  checkReportInput(input);
  // The renderer pulls in vega, vega-lite, resvg and opentype.js (~1 s to import): load it only when a
  // report is built, not whenever reports/ is imported (every CLI command imports it through harness/).
  const { renderFigure } = await import("./figures/render.ts");
  const p = plan(input);
  const files = new Map<string, string | Uint8Array>();
  const rendered: Array<[ReportTable, RenderedTable]> = p.tables.map((t) => [t, renderTable(t)]);
  const index: ReportIndex = { title: input.title, tables: [], figures: [], skipped: p.skipped };
  const ids = new Set<string>();
  const unique = (id: string) => {
    if (ids.has(id)) throw new Error(`duplicate report item id '${id}'`);
    ids.add(id);
  };
  for (const [t, r] of rendered) {
    unique(t.spec.id);
    const base = `${REPORT_DIR}/tables/${t.spec.id}`;
    const names = [`${base}.md`, `${base}.tex`, `${base}.csv`, `${base}.html`];
    files.set(names[0]!, r.md);
    files.set(names[1]!, r.tex);
    files.set(names[2]!, r.csv);
    files.set(names[3]!, r.html);
    index.tables.push({ id: t.spec.id, title: t.spec.title, files: names });
  }
  const figs: RenderedFigure[] = [];
  for (const def of p.figures) {
    unique(def.id);
    const f = await renderFigure(def, dpi);
    figs.push(f);
    const base = `${REPORT_DIR}/figures/${def.id}`;
    const names = [`${base}.svg`, `${base}.png`, `${base}.vl.json`];
    files.set(names[0]!, f.svg);
    files.set(names[1]!, f.png);
    files.set(names[2]!, f.vlJson);
    index.figures.push({
      id: def.id,
      title: def.title,
      widthPx: f.widthPx,
      heightPx: f.heightPx,
      pngWidth: f.pngWidth,
      pngHeight: f.pngHeight,
      dpi,
      axisTitles: def.axisTitles,
      files: names,
    });
  }
  files.set("report.html", htmlPage(input, rendered, figs, p.skipped));
  files.set("report.md", markdownPage(input, rendered, figs, p.skipped));
  files.set(`${REPORT_DIR}/index.json`, `${JSON.stringify(index, null, 2)}\n`);
  return { files, index };
}
