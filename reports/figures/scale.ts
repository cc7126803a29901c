/**
 * Figures that stay readable at any feeder size, chosen automatically by report.ts when a feeder is too large
 * for per-element small multiples (the thresholds are `PER_ELEMENT_LIMITS`); every caption states the choice.
 *
 * * fleet aggregates of the batteries (total charge and discharge per period; SOC band: min, median, max);
 * * voltage envelopes (min / median / max |V| over buses each period) and |ΔV| summaries (largest and 95th
 *   percentile per period; a heat map of only the buses with the largest |ΔV|);
 * * a feeder map, buses at the case's coordinates coloured by their lowest |V| or their largest |ΔV|;
 * * small multiples for a handful of elements chosen by a stated criterion.
 * Statistics only (min, max, quantiles, sums); no physics.
 */
import type { ColumnTable } from "arquero";
import type { TopLevelSpec } from "vega-lite";
import type { ResultSet } from "../contract.ts";
import { ids, numbers } from "../tables.ts";
import type { FigureDef } from "./render.ts";
import { CONFIG, OKABE_ITO } from "./theme.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const TIME_TITLE = "Time t (h)";

/** Above these counts the report shows aggregates instead of one panel (or one line) per element. */
export const PER_ELEMENT_LIMITS = { batteries: 30, buses: 200 } as const;
/** How many elements get their own panels beside an aggregate. */
export const TOP_N = { batteries: 6, buses: 20 } as const;

const top = (spec: Record<string, unknown>): TopLevelSpec =>
  ({ $schema: SCHEMA, config: CONFIG, ...spec }) as TopLevelSpec;

/** Quantile (linear interpolation) of sorted values. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Values of a per-element table grouped by period: t → finite values. */
function byPeriod(t: ColumnTable, col: string): Map<number, number[]> {
  const tt = numbers(t, "t");
  const v = numbers(t, col);
  const m = new Map<number, number[]>();
  for (let i = 0; i < tt.length; i++) {
    if (!Number.isFinite(v[i]!)) continue;
    const list = m.get(tt[i]!) ?? [];
    list.push(v[i]!);
    m.set(tt[i]!, list);
  }
  return m;
}

/** Min, median and max per period (rows sorted by t). */
function band(m: Map<number, number[]>, source: string) {
  return [...m.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, vs]) => {
      const s = [...vs].sort((a, b) => a - b);
      return { t, source, min: s[0]!, median: quantile(s, 0.5), max: s[s.length - 1]! };
    });
}

function tickStep(n: number): number {
  return n <= 12 ? 1 : n <= 24 ? 4 : Math.ceil(n / 6);
}

/** Band (min–max area) and median line per source over the periods. */
function bandSpec(
  rows: Array<Record<string, unknown>>,
  sources: string[],
  yTitle: string,
  yFormat: string,
  w: number,
) {
  const color = {
    field: "source",
    type: "nominal",
    sort: sources,
    title: null,
    scale: { domain: sources, range: OKABE_ITO.slice(0, sources.length) },
  };
  const nT = new Set(rows.map((r) => r.t as number)).size;
  const x = {
    field: "t",
    type: "quantitative",
    title: TIME_TITLE,
    scale: { nice: false, zero: false },
    axis: { tickMinStep: tickStep(nT), format: "d" },
  };
  return {
    width: w,
    height: 110,
    data: { values: rows },
    layer: [
      {
        mark: { type: "area", opacity: 0.25 },
        encoding: {
          x,
          y: {
            field: "min",
            type: "quantitative",
            title: yTitle,
            scale: { zero: false },
            axis: { format: yFormat },
          },
          y2: { field: "max" },
          color,
        },
      },
      {
        mark: { type: "line", strokeWidth: 1.2 },
        encoding: { x, y: { field: "median", type: "quantitative", title: yTitle }, color },
      },
    ],
  };
}

/** Fleet charge and discharge per period (sums over the batteries), for a result set with many batteries. */
export function batteryFleetFigure(r: ResultSet, id: string): FigureDef {
  const b = r.batteries!;
  const n = new Set(ids(b, "battery")).size;
  const pc = byPeriod(b, "pcKw");
  const pd = byPeriod(b, "pdKw");
  const rows = [...pc.keys()]
    .sort((a, c) => a - c)
    .flatMap((t) => [
      { t, series: "Charge", kw: -(pc.get(t) ?? []).reduce((s, v) => s + v, 0) },
      { t, series: "Discharge", kw: (pd.get(t) ?? []).reduce((s, v) => s + v, 0) },
    ]);
  return {
    id,
    title: `${r.label} battery fleet power`,
    caption: `${r.label}: total charging (below zero) and discharging (above zero) power of all ${n} batteries per period — a fleet aggregate, since more than ${PER_ELEMENT_LIMITS.batteries} batteries would not fit one panel each.`,
    width: "single",
    columns: 1,
    axisTitles: [TIME_TITLE, "Fleet power (kW)"],
    spec: (w) =>
      top({
        width: w,
        height: 110,
        data: { values: rows },
        mark: { type: "bar" },
        encoding: {
          x: {
            field: "t",
            type: "ordinal",
            title: TIME_TITLE,
            axis: { labelAngle: 0, values: [...pc.keys()].filter((t) => (t - 1) % tickStep(pc.size) === 0) },
          },
          y: { field: "kw", type: "quantitative", title: "Fleet power (kW)" },
          color: {
            field: "series",
            type: "nominal",
            title: null,
            sort: ["Charge", "Discharge"],
            scale: { domain: ["Charge", "Discharge"], range: [OKABE_ITO[0], OKABE_ITO[1]] },
          },
        },
      }),
  };
}

/** The batteries with the largest throughput Σ(P_c + P_d) (for their own panels beside a fleet aggregate). */
export function topBatteries(r: ResultSet, n: number): string[] {
  const b = r.batteries!;
  const id = ids(b, "battery");
  const pc = numbers(b, "pcKw");
  const pd = numbers(b, "pdKw");
  const tp = new Map<string, number>();
  id.forEach((x, i) => {
    tp.set(x, (tp.get(x) ?? 0) + (pc[i]! || 0) + (pd[i]! || 0));
  });
  return [...tp.entries()]
    .sort((a, c) => c[1] - a[1] || (a[0] < c[0] ? -1 : 1))
    .slice(0, n)
    .map(([k]) => k);
}

/** SOC band over the batteries per period: min, median, max (per result set). */
export function batterySocBandFigure(sets: ResultSet[], id = "fig4-battery-soc"): FigureDef {
  const withB = sets.filter((s) => s.batteries && s.batteries.numRows() > 0);
  const pct = withB.every((s) => s.batteries!.columnNames().includes("socPct"));
  const col = pct ? "socPct" : "socKwh";
  const yTitle = pct ? "SOC (%)" : "Stored energy (kWh)";
  const sources = withB.map((s) => s.label);
  const rows = withB.flatMap((s) => band(byPeriod(s.batteries!, col), s.label));
  const n = new Set(ids(withB[0]!.batteries!, "battery")).size;
  return {
    id,
    title: "Battery state of charge (fleet band)",
    caption: `State of charge of the ${n} batteries at the end of each period: median (line) and the range from the lowest to the highest (band), ${sources.join(", ")} — a band, since more than ${PER_ELEMENT_LIMITS.batteries} batteries would not fit one panel each.`,
    width: "single",
    columns: 1,
    axisTitles: [TIME_TITLE, yTitle],
    spec: (w) => top(bandSpec(rows, sources, yTitle, pct ? ".0f" : "~s", w)),
  };
}

/** Voltage envelope per period (min / median / max |V| over buses), optimizer and power flow. */
export function voltageEnvelopeFigure(opt: ResultSet, pf: ResultSet, id: string): FigureDef {
  const sources = [opt.label, pf.label];
  const rows = [opt, pf].flatMap((s) => band(byPeriod(s.buses!, "vPu"), s.label));
  const n = new Set(ids(opt.buses!, "bus")).size;
  return {
    id,
    title: `Voltage envelope, ${opt.label} vs ${pf.label}`,
    caption: `Lowest, median and highest |V| over the ${n} buses in each period (band: lowest to highest; line: median), ${opt.label} vs ${pf.label} — an envelope, since more than ${PER_ELEMENT_LIMITS.buses} buses would not fit a profile per period.`,
    width: "single",
    columns: 1,
    axisTitles: [TIME_TITLE, "|V| (pu)"],
    spec: (w) => top(bandSpec(rows, sources, "|V| (pu)", ".3f", w)),
  };
}

/** |ΔV| per (bus, period) between a power flow and its optimizer result (NaN where either is missing). */
export function voltageDiffs(opt: ResultSet, pf: ResultSet): Array<{ t: number; bus: string; dv: number }> {
  const key = (t: number, b: string) => `${t}\u0000${b}`;
  const pfv = new Map<string, number>();
  {
    const t = numbers(pf.buses!, "t");
    const bus = ids(pf.buses!, "bus");
    const v = numbers(pf.buses!, "vPu");
    for (let i = 0; i < t.length; i++) pfv.set(key(t[i]!, bus[i]!), v[i]!);
  }
  const t = numbers(opt.buses!, "t");
  const bus = ids(opt.buses!, "bus");
  const v = numbers(opt.buses!, "vPu");
  return Array.from(t, (tt, i) => {
    const w = pfv.get(key(tt, bus[i]!));
    return { t: tt, bus: bus[i]!, dv: w === undefined ? Number.NaN : Math.abs(w - v[i]!) };
  });
}

/** Largest and 95th-percentile |ΔV| over buses per period. */
export function voltageDiffSummaryFigure(opt: ResultSet, pf: ResultSet, id: string): FigureDef {
  const m = new Map<number, number[]>();
  for (const d of voltageDiffs(opt, pf)) {
    if (!Number.isFinite(d.dv)) continue;
    const list = m.get(d.t) ?? [];
    list.push(d.dv);
    m.set(d.t, list);
  }
  const rows = [...m.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([t, vs]) => {
      const s = [...vs].sort((a, b) => a - b);
      return [
        { t, stat: "largest", dv: s[s.length - 1]! },
        { t, stat: "95th percentile", dv: quantile(s, 0.95) },
      ];
    });
  const stats = ["largest", "95th percentile"];
  return {
    id,
    title: `|ΔV| per period, ${pf.label} − ${opt.label}`,
    caption: `Largest and 95th-percentile |V(${pf.label}) − V(${opt.label})| over the buses in each period — a summary, since more than ${PER_ELEMENT_LIMITS.buses} buses would not fit a heat map.`,
    width: "single",
    columns: 1,
    axisTitles: [TIME_TITLE, "|ΔV| (pu)"],
    spec: (w) =>
      top({
        width: w,
        height: 100,
        data: { values: rows },
        mark: { type: "line", point: true },
        encoding: {
          x: {
            field: "t",
            type: "quantitative",
            title: TIME_TITLE,
            scale: { nice: false, zero: false },
            axis: { format: "d", tickMinStep: tickStep(m.size) },
          },
          y: { field: "dv", type: "quantitative", title: "|ΔV| (pu)", axis: { format: ".1e" } },
          color: {
            field: "stat",
            type: "nominal",
            title: null,
            sort: stats,
            scale: { domain: stats, range: OKABE_ITO.slice(0, 2) },
          },
        },
      }),
  };
}

/** The buses with the largest |ΔV| over the horizon. */
export function topDiffBuses(opt: ResultSet, pf: ResultSet, n: number): string[] {
  const worst = new Map<string, number>();
  for (const d of voltageDiffs(opt, pf))
    if (Number.isFinite(d.dv)) worst.set(d.bus, Math.max(worst.get(d.bus) ?? 0, d.dv));
  return [...worst.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([b]) => b);
}

/** Bus coordinates and branch endpoints for a feeder map. */
export interface FeederGeometry {
  /** Per bus: id, x, y (any planar unit). */
  coordinates: ColumnTable;
}

/**
 * Feeder map: branches as segments between their buses' coordinates, buses coloured by a per-bus value over the
 * horizon — the lowest |V| of the optimizer result, or (with a power flow) the largest |ΔV|.
 */
export function feederMapFigure(
  geo: FeederGeometry,
  opt: ResultSet,
  pf: ResultSet | undefined,
  id: string,
): FigureDef | null {
  const bx = ids(geo.coordinates, "bus");
  const xs = numbers(geo.coordinates, "x");
  const ys = numbers(geo.coordinates, "y");
  const at = new Map<string, [number, number]>();
  bx.forEach((b, i) => {
    if (Number.isFinite(xs[i]!) && Number.isFinite(ys[i]!)) at.set(b, [xs[i]!, ys[i]!]);
  });
  if (at.size < 2 || !opt.buses || !opt.branches?.columnNames().includes("from")) return null;
  const value = new Map<string, number>();
  let title: string;
  let legend: string;
  if (pf?.buses) {
    for (const d of voltageDiffs(opt, pf))
      if (Number.isFinite(d.dv)) value.set(d.bus, Math.max(value.get(d.bus) ?? 0, d.dv));
    title = `Feeder map: largest |ΔV| per bus, ${pf.label} − ${opt.label}`;
    legend = "|ΔV| (pu)";
  } else {
    const t = ids(opt.buses, "bus");
    const v = numbers(opt.buses, "vPu");
    t.forEach((b, i) => {
      if (Number.isFinite(v[i]!)) value.set(b, Math.min(value.get(b) ?? Infinity, v[i]!));
    });
    title = `Feeder map: lowest |V| per bus, ${opt.label}`;
    legend = "lowest |V| (pu)";
  }
  const seen = new Set<string>();
  const segs: Array<Record<string, number>> = [];
  const from = ids(opt.branches, "from");
  const to = ids(opt.branches, "to");
  const br = ids(opt.branches, "branch");
  br.forEach((b, i) => {
    if (seen.has(b)) return;
    seen.add(b);
    const a = at.get(from[i]!);
    const c = at.get(to[i]!);
    if (a && c) segs.push({ x: a[0], y: a[1], x2: c[0], y2: c[1] });
  });
  const pts = [...at.entries()].map(([bus, [x, y]]) => ({ bus, x, y, v: value.get(bus) ?? null }));
  const big = pts.length > 2000;
  return {
    id,
    title,
    caption: `${title.replace(/^Feeder map: l/, "L")}: the ${pts.length} buses at the case's coordinates, branches as lines${big ? " (points small: a large feeder)" : ""}.`,
    width: "double",
    columns: 1,
    axisTitles: [legend],
    spec: (w) =>
      top({
        width: w,
        height: Math.round(w * 0.6),
        layer: [
          {
            data: { values: segs },
            mark: { type: "rule", color: "#9e9e9e", strokeWidth: big ? 0.4 : 0.8 },
            encoding: {
              x: { field: "x", type: "quantitative", axis: null, scale: { zero: false, nice: false } },
              y: { field: "y", type: "quantitative", axis: null, scale: { zero: false, nice: false } },
              x2: { field: "x2" },
              y2: { field: "y2" },
            },
          },
          {
            data: { values: pts },
            mark: { type: "circle", size: big ? 4 : 18, opacity: 0.9 },
            encoding: {
              x: { field: "x", type: "quantitative" },
              y: { field: "y", type: "quantitative" },
              color: {
                condition: { test: "datum.v === null", value: "#bdbdbd" },
                field: "v",
                type: "quantitative",
                title: legend,
                scale: { scheme: pf ? "viridis" : "redyellowblue" },
                legend: { format: pf ? ".1e" : ".3f", orient: "right" },
              },
            },
          },
        ],
      }),
  };
}
