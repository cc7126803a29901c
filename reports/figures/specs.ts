/**
 * The report's figures as vega-lite specs built from the input contract's tables (data inline, so a saved
 * spec re-renders anywhere). Each builder returns a FigureDef; render.ts fits it to a paper column and
 * renders SVG and PNG. No physics: values are plotted as given (differences only for the |ΔV| heat map).
 */
import type { ColumnTable } from "arquero";
import type { TopLevelSpec } from "vega-lite";
import type { ResultSet } from "../contract.ts";
import { ids, numbers } from "../tables.ts";
import type { FigureDef } from "./render.ts";
import { CONFIG, DASHES, OKABE_ITO } from "./theme.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const TIME_TITLE = "Time t (h)";

/** Distinct values in order of first appearance. */
function uniqueInOrder(xs: Iterable<string>): string[] {
  return [...new Set(xs)];
}

/** Tick values for a period axis 1..T: every period up to 12, then a readable step. */
export function periodTicks(tValues: number[]): number[] {
  const ts = [...new Set(tValues)].sort((a, b) => a - b);
  if (ts.length <= 12) return ts;
  const step = ts.length <= 24 ? 4 : Math.ceil(ts.length / 6);
  return ts.filter((t) => (t - ts[0]!) % step === 0);
}

function top(spec: Record<string, unknown>): TopLevelSpec {
  return { $schema: SCHEMA, config: CONFIG, ...spec } as TopLevelSpec;
}

/** Colour and dash encodings of a series field with a fixed series order. */
function seriesEncoding(field: string, order: string[], title: string | null = null) {
  return {
    color: {
      field,
      type: "nominal",
      sort: order,
      title,
      scale: { domain: order, range: OKABE_ITO.slice(0, order.length) },
      legend: { symbolType: "stroke", symbolSize: 120, symbolStrokeWidth: 1.5 },
    },
    strokeDash: {
      field,
      type: "nominal",
      sort: order,
      title,
      scale: { domain: order, range: DASHES.slice(0, order.length) },
    },
  };
}

function facetColumns(n: number, max: number): number {
  return Math.max(1, Math.min(n, max));
}

/** Ordinal period axis (x field `t`) with the given tick values, labels upright. */
function periodX(ticks: number[]) {
  return { field: "t", type: "ordinal", title: TIME_TITLE, axis: { values: ticks, labelAngle: 0 } };
}

/**
 * Small multiples wrapped `columns` to a row: one `width` × `height` px panel per value of `field`, in
 * `order`, headed by the value (clipped to the panel width); `panel` holds the panels' mark and encoding.
 */
function smallMultiples(
  field: string,
  order: string[],
  columns: number,
  width: number,
  height: number,
  panel: Record<string, unknown>,
) {
  return {
    facet: { field, type: "nominal", sort: order, title: null, header: { labelLimit: width } },
    columns,
    spec: { width, height, ...panel },
  };
}

/** The horizon's input curves (paper Fig. 2): load and PV multipliers, and the price, per period. */
export function inputCurvesFigure(periods: ColumnTable, id = "fig2-inputs"): FigureDef {
  const t = Array.from(numbers(periods, "t"));
  const load = numbers(periods, "loadMult");
  const pv = numbers(periods, "pvMult");
  const price = numbers(periods, "priceUsdPerKwh");
  const order = t.map((_, i) => i).sort((i, j) => t[i]! - t[j]!);
  const mult = order.flatMap((i) => [
    { t: t[i], series: "Load", value: load[i] },
    { t: t[i], series: "PV", value: pv[i] },
  ]);
  const prices = order.map((i) => ({ t: t[i], priceUsdPerKwh: price[i] }));
  const x = periodX(periodTicks(t));
  return {
    id,
    title: "Input curves",
    caption: "Load and PV multipliers and the energy price over the horizon (cf. the paper's Fig. 2).",
    width: "single",
    columns: 1,
    axisTitles: [TIME_TITLE, "Multiplier (pu)", "Price ($/kWh)"],
    spec: (w) =>
      top({
        vconcat: [
          {
            width: w,
            height: 70,
            data: { values: mult },
            mark: { type: "line", point: true },
            encoding: {
              x: { ...x, axis: null },
              y: {
                field: "value",
                type: "quantitative",
                title: "Multiplier (pu)",
                scale: { domain: [0, 1.05] },
              },
              ...seriesEncoding("series", ["Load", "PV"]),
            },
          },
          {
            width: w,
            height: 45,
            data: { values: prices },
            mark: { type: "line", interpolate: "step", color: OKABE_ITO[2], point: { color: OKABE_ITO[2] } },
            encoding: {
              x,
              y: {
                field: "priceUsdPerKwh",
                type: "quantitative",
                title: "Price ($/kWh)",
                scale: { zero: true },
              },
            },
          },
        ],
      }),
  };
}

/**
 * Panel labels of per-battery small multiples: "bus 3" when every battery sits on its own bus (short enough
 * for narrow panels), else the battery id with its bus.
 */
function batteryLabels(b: ColumnTable): Map<string, string> {
  const id = ids(b, "battery");
  const bus = b.columnNames().includes("bus") ? ids(b, "bus") : null;
  const busOf = new Map<string, string>();
  id.forEach((x, i) => {
    if (bus && !busOf.has(x)) busOf.set(x, bus[i]!);
  });
  const buses = [...busOf.values()];
  const ownBus = bus !== null && new Set(buses).size === buses.length;
  const m = new Map<string, string>();
  id.forEach((x, i) => {
    if (m.has(x)) return;
    m.set(x, ownBus ? `bus ${bus![i]}` : bus && bus[i] !== x ? `${x} (bus ${bus[i]})` : x);
  });
  return m;
}

/** Per-battery charge (negative) and discharge (positive) power per period, small multiples (paper Fig. 1/4). */
export function batteryPowerFigure(r: ResultSet, id: string): FigureDef {
  const b = r.batteries!;
  const t = numbers(b, "t");
  const bid = ids(b, "battery");
  const pc = numbers(b, "pcKw");
  const pd = numbers(b, "pdKw");
  const labels = batteryLabels(b);
  const order = [...labels.values()];
  const rows = Array.from(t, (tt, i) => [
    { battery: labels.get(bid[i]!), t: tt, series: "Charge", kw: -pc[i]! },
    { battery: labels.get(bid[i]!), t: tt, series: "Discharge", kw: pd[i]! },
  ]).flat();
  const cols = facetColumns(order.length, 7);
  const ticks = periodTicks(Array.from(t));
  return {
    id,
    title: `${r.label} battery power`,
    caption: `${r.label}: charging (below zero) and discharging (above zero) power of each battery per period.`,
    width: "double",
    columns: cols,
    axisTitles: [TIME_TITLE, "Power (kW)"],
    spec: (w) =>
      top({
        data: { values: rows },
        ...smallMultiples("battery", order, cols, w, 48, {
          mark: { type: "bar" },
          encoding: {
            x: periodX(ticks),
            y: { field: "kw", type: "quantitative", title: "Power (kW)" },
            color: {
              field: "series",
              type: "nominal",
              title: null,
              sort: ["Charge", "Discharge"],
              scale: { domain: ["Charge", "Discharge"], range: [OKABE_ITO[0], OKABE_ITO[1]] },
            },
          },
        }),
      }),
  };
}

/** Each battery's state of charge per period for one or more result sets (paper Fig. 1/4), small multiples. */
export function batterySocFigure(sets: ResultSet[], id = "fig4-battery-soc"): FigureDef {
  const withB = sets.filter((s) => s.batteries);
  const pct = withB.every((s) => s.batteries!.columnNames().includes("socPct"));
  const col = pct ? "socPct" : "socKwh";
  const yTitle = pct ? "SOC (%)" : "Stored energy (kWh)";
  const labels = batteryLabels(withB[0]!.batteries!);
  const order = [...labels.values()];
  const sources = withB.map((s) => s.label);
  const rows = withB.flatMap((s) => {
    const b = s.batteries!;
    const t = numbers(b, "t");
    const bid = ids(b, "battery");
    const v = numbers(b, col);
    return Array.from(t, (tt, i) => ({
      battery: labels.get(bid[i]!) ?? bid[i],
      t: tt,
      source: s.label,
      soc: Number.isFinite(v[i]!) ? v[i] : null,
    }));
  });
  const cols = facetColumns(order.length, 7);
  const tVals = rows.map((r) => r.t);
  return {
    id,
    title: "Battery state of charge",
    caption: `State of charge of each battery at the end of each period (${sources.join(", ")}).`,
    width: "double",
    columns: cols,
    axisTitles: [TIME_TITLE, yTitle],
    spec: (w) =>
      top({
        data: { values: rows },
        ...smallMultiples("battery", order, cols, w, 48, {
          mark: { type: "line", point: tVals.length / Math.max(1, order.length * sources.length) <= 12 },
          encoding: {
            x: {
              field: "t",
              type: "quantitative",
              title: TIME_TITLE,
              scale: { nice: false, zero: false },
              axis: { values: periodTicks(tVals), format: "d" },
            },
            y: {
              field: "soc",
              type: "quantitative",
              title: yTitle,
              scale: pct ? { domain: [0, 100] } : { zero: false },
            },
            ...seriesEncoding("source", sources),
          },
        }),
      }),
  };
}

/** Substation real power and cost per period for several result sets (e.g. MPCOPF and MPDOPF). */
export function substationFigure(sets: ResultSet[], id = "fig-substation"): FigureDef {
  const sources = sets.map((s) => s.label);
  const rows = sets.flatMap((s) => {
    const t = numbers(s.periods, "t");
    const p = numbers(s.periods, "pSubsKw");
    const c = numbers(s.periods, "costUsd");
    return Array.from(t, (tt, i) => ({
      t: tt,
      source: s.label,
      pSubsKw: Number.isFinite(p[i]!) ? p[i] : null,
      costUsd: Number.isFinite(c[i]!) ? c[i] : null,
    }));
  });
  const x = periodX(periodTicks(rows.map((r) => r.t)));
  return {
    id,
    title: "Substation power and cost",
    caption: `Substation real power and energy cost per period (${sources.join(", ")}).`,
    width: "single",
    columns: 1,
    axisTitles: [TIME_TITLE, "Substation P (kW)", "Cost ($)"],
    spec: (w) =>
      top({
        data: { values: rows },
        vconcat: [
          {
            width: w,
            height: 70,
            mark: { type: "line", point: true },
            encoding: {
              x: { ...x, axis: null },
              y: {
                field: "pSubsKw",
                type: "quantitative",
                title: "Substation P (kW)",
                scale: { zero: false },
              },
              ...seriesEncoding("source", sources),
            },
          },
          {
            width: w,
            height: 55,
            mark: { type: "bar" },
            encoding: {
              x,
              xOffset: { field: "source", type: "nominal", sort: sources },
              y: { field: "costUsd", type: "quantitative", title: "Cost ($)" },
              color: {
                field: "source",
                type: "nominal",
                sort: sources,
                title: null,
                scale: { domain: sources, range: OKABE_ITO.slice(0, sources.length) },
              },
            },
          },
        ],
        resolve: { scale: { color: "shared" } },
      }),
  };
}

/** ENApp boundary variables vs macro-iteration (paper Fig. 3) at the given periods (default: the last). */
export function boundaryFigure(boundaries: ColumnTable, hours?: number[], id = "fig3-boundary"): FigureDef {
  const t = numbers(boundaries, "t");
  const tMax = Math.max(...t);
  const keep = new Set(hours?.length ? hours : [tMax]);
  const k = numbers(boundaries, "k");
  const bnd = ids(boundaries, "boundary");
  const p = numbers(boundaries, "pKw");
  const q = numbers(boundaries, "qKvar");
  const v = numbers(boundaries, "vPu");
  const quantities = ["P (kW)", "Q (kVAr)", "|V| (pu)"];
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < t.length; i++) {
    if (!keep.has(t[i]!)) continue;
    const base = { k: k[i], boundary: `Boundary ${bnd[i]}`, t: `t = ${t[i]}` };
    rows.push({ ...base, quantity: quantities[0], value: p[i] });
    rows.push({ ...base, quantity: quantities[1], value: q[i] });
    rows.push({ ...base, quantity: quantities[2], value: v[i] });
  }
  const order = uniqueInOrder(bnd).map((b) => `Boundary ${b}`);
  const hoursOrder = [...keep].sort((a, b) => a - b).map((h) => `t = ${h}`);
  const many = hoursOrder.length > 1;
  const kTicks = [...new Set(Array.from(k))].sort((a, b) => a - b);
  return {
    id,
    title: "ENApp boundary variables",
    caption: `Boundary exchanges vs macro-iteration: real (P) and reactive (Q) power into each child area and the boundary voltage |V| sent to it (${hoursOrder.join(", ")}; cf. the paper's Fig. 3).`,
    width: "double",
    columns: order.length,
    axisTitles: ["Macro-iteration k", ...quantities],
    spec: (w) =>
      top({
        data: { values: rows },
        facet: {
          row: {
            field: "quantity",
            type: "nominal",
            sort: quantities,
            title: null,
            header: { labelAngle: -90, labelOrient: "left", labelAnchor: "middle" },
          },
          column: { field: "boundary", type: "nominal", sort: order, title: null },
        },
        spec: {
          width: w,
          height: 48,
          mark: {
            type: "line",
            point: true,
            ...(many ? {} : { color: OKABE_ITO[0], point: { color: OKABE_ITO[0] } }),
          },
          encoding: {
            x: {
              field: "k",
              type: "ordinal",
              title: "Macro-iteration k",
              scale: { padding: 0.3 },
              axis: { values: kTicks.length <= 12 ? kTicks : periodTicks(kTicks), labelAngle: 0 },
            },
            y: {
              field: "value",
              type: "quantitative",
              title: null,
              scale: { zero: false },
              axis: { tickCount: 3 },
            },
            ...(many ? seriesEncoding("t", hoursOrder, "Period") : {}),
          },
        },
        resolve: { scale: { y: "independent" } },
      }),
  };
}

/** Bus positions in feeder order (first appearance in the optimizer's bus table). */
function busOrder(opt: ResultSet): Map<string, number> {
  const m = new Map<string, number>();
  for (const b of ids(opt.buses!, "bus")) if (!m.has(b)) m.set(b, m.size + 1);
  return m;
}

/** Bus-voltage profiles, optimizer vs power flow, one small multiple per period. */
export function voltageProfileFigure(opt: ResultSet, pf: ResultSet, id: string, hours?: number[]): FigureDef {
  const pos = busOrder(opt);
  const keep = hours?.length ? new Set(hours) : null;
  const sources = [opt.label, pf.label];
  const rows = [opt, pf].flatMap((s) => {
    const b = s.buses!;
    const t = numbers(b, "t");
    const bus = ids(b, "bus");
    const v = numbers(b, "vPu");
    const out: Array<Record<string, unknown>> = [];
    for (let i = 0; i < t.length; i++) {
      if (keep && !keep.has(t[i]!)) continue;
      if (!pos.has(bus[i]!)) continue;
      out.push({
        t: t[i],
        period: `t = ${t[i]}`,
        pos: pos.get(bus[i]!),
        bus: bus[i],
        source: s.label,
        vPu: Number.isFinite(v[i]!) ? v[i] : null,
      });
    }
    return out;
  });
  const periods = [...new Set(rows.map((r) => r.t as number))].sort((a, b) => a - b).map((t) => `t = ${t}`);
  const cols = facetColumns(periods.length, 6);
  return {
    id,
    title: `Bus voltages, ${opt.label} vs ${pf.label}`,
    caption: `Voltage magnitude along the feeder (buses in feeder order) per period: ${opt.label} (solid) vs ${pf.label} (dashed).`,
    width: "double",
    columns: cols,
    axisTitles: ["Bus (feeder order)", "|V| (pu)"],
    spec: (w) =>
      top({
        data: { values: rows },
        ...smallMultiples("period", periods, cols, w, 50, {
          mark: { type: "line", strokeWidth: 1 },
          encoding: {
            x: {
              field: "pos",
              type: "quantitative",
              title: "Bus (feeder order)",
              scale: { nice: false, domain: [1, Math.max(2, pos.size)] },
              axis: { tickCount: 4, format: "d" },
            },
            y: {
              field: "vPu",
              type: "quantitative",
              title: "|V| (pu)",
              scale: { zero: false },
              axis: { tickCount: 4, format: ".3f" },
            },
            ...seriesEncoding("source", sources),
          },
        }),
      }),
  };
}

/** Heat map of |ΔV| = |V_pf − V_opt| by bus (feeder order) and period. */
export function voltageDiffHeatmap(opt: ResultSet, pf: ResultSet, id: string): FigureDef {
  const pos = busOrder(opt);
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
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < t.length; i++) {
    const w = pfv.get(key(t[i]!, bus[i]!));
    const dv = w === undefined ? Number.NaN : Math.abs(w - v[i]!);
    rows.push({ t: t[i], bus: bus[i], pos: pos.get(bus[i]!), dv: Number.isFinite(dv) ? dv : null });
  }
  const buses = [...pos.keys()];
  const step = Math.max(1, Math.ceil(buses.length / 12));
  const busTicks = buses.filter((_, i) => i % step === 0);
  const nT = new Set(Array.from(t)).size;
  return {
    id,
    title: `|ΔV|, ${pf.label} − ${opt.label}`,
    caption: `Absolute voltage difference |V(${pf.label}) − V(${opt.label})| by bus (feeder order) and period; grey = no power-flow value.`,
    width: "double",
    columns: 1,
    axisTitles: ["Bus (feeder order)", TIME_TITLE, "|ΔV| (pu)"],
    spec: (w) =>
      top({
        data: { values: rows },
        width: w,
        height: Math.max(48, 9 * nT),
        mark: { type: "rect" },
        encoding: {
          x: {
            field: "bus",
            type: "ordinal",
            sort: buses,
            title: "Bus (feeder order)",
            axis: { values: busTicks, labelAngle: 0 },
          },
          y: { field: "t", type: "ordinal", title: TIME_TITLE, axis: { values: periodTicks(Array.from(t)) } },
          color: {
            condition: { test: "datum.dv === null", value: "#bdbdbd" },
            field: "dv",
            type: "quantitative",
            title: "|ΔV| (pu)",
            scale: { scheme: "viridis", zero: true },
            legend: {
              format: ".1e",
              orient: "right",
              direction: "vertical",
              gradientLength: Math.max(40, 9 * nT - 10),
            },
          },
        },
      }),
  };
}

/**
 * Waterfall of an attribution (models/results.ts `attribution`): per quantity (ΔP_subs, ΔQ_subs, Δloss,
 * max |ΔV|), the measured steps, the unexplained rest and the optimizer's tolerance as bars from the running
 * sum before them to the running sum after them, and the observed total from zero. The bars end exactly on the
 * total (the shares add up to it). Steps with nothing to measure (no difference, inactive) are left out.
 */
export function attributionWaterfall(t: ColumnTable, solution: string, id: string): FigureDef {
  const step = ids(t, "step");
  const label = ids(t, "label");
  const status = ids(t, "status");
  const panels: Array<[string, string, string]> = [
    ["pSubsKwh", "ΔP subs (kWh)", ".3~g"],
    ["qSubsKvarh", "ΔQ subs (kVArh)", ".3~g"],
    ["lossKwh", "Δ loss (kWh)", ".3~g"],
    ["maxDvPu", "max |ΔV| (pu)", ".1e"],
  ];
  const keep = step.map((s, i) => s !== "observed" && status[i] === "measured");
  const order = [...label.filter((_, i) => keep[i]), "observed (total)"];
  const kinds = ["increase", "decrease", "total"];
  const rows = panels.flatMap(([key, title]) => {
    const v = numbers(t, key);
    let run = 0;
    const out: Array<Record<string, unknown>> = [];
    step.forEach((_s, i) => {
      if (!keep[i]) return;
      const start = run;
      run += v[i]!;
      out.push({
        quantity: title,
        step: label[i],
        start,
        end: run,
        share: v[i],
        kind: v[i]! >= 0 ? kinds[0] : kinds[1],
      });
    });
    const total = v[step.indexOf("observed")] ?? run;
    out.push({
      quantity: title,
      step: "observed (total)",
      start: 0,
      end: total,
      share: total,
      kind: kinds[2],
    });
    return out;
  });
  return {
    id,
    title: `Attribution waterfall, ${solution}`,
    caption: `${solution}: each modelling difference's share of the replay's discrepancy (power flow − optimizer), stacked from zero to the observed total; measured steps only (the table lists every step).`,
    width: "double",
    columns: 2,
    axisTitles: panels.map(([, title]) => title),
    spec: (w) =>
      top({
        data: { values: rows },
        columns: 2,
        concat: panels.map(([, title, fmt]) => ({
          width: w,
          height: 14 * order.length,
          transform: [{ filter: { field: "quantity", equal: title } }],
          mark: { type: "bar", height: { band: 0.7 } },
          encoding: {
            y: { field: "step", type: "nominal", sort: order, title: null, axis: { labelLimit: 150 } },
            x: { field: "start", type: "quantitative", title, axis: { format: fmt, tickCount: 4 } },
            x2: { field: "end" },
            color: {
              field: "kind",
              type: "nominal",
              title: null,
              scale: { domain: kinds, range: [OKABE_ITO[1], OKABE_ITO[0], OKABE_ITO[6]] },
            },
          },
        })),
        resolve: { scale: { x: "independent" } },
      }),
  };
}
