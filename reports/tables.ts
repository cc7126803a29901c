/**
 * Builders of the paper's tables (II, III, IV) — the only ones in the project —, the per-period tables and the
 * ENApp macro-iteration table, from result tables of the one schema (models/results.ts). They aggregate only:
 * horizon totals (Σ over periods × Δt, `horizonTotals`), differences between two given values, and maxima
 * with where/when they occur.
 */
import { type ColumnTable, from } from "arquero";
import {
  HORIZON_QUANTITIES,
  type HorizonTotals,
  horizonTotals,
  numberColumn,
  type ResultSet,
} from "../models/results.ts";
import { fixed, int, type NumberFormat, sci } from "./format.ts";
import type { ColumnSpec, ReportTable, Row } from "./table-render.ts";

/** Decimals used for each kind of quantity (one place, so every table agrees). */
export const FORMATS = {
  /** Power and energy (kW, kWh, kVAr, kVArh). */
  power: fixed(2),
  /** Differences of power/energy between optimizer and power flow (small by design). */
  powerDiff: fixed(4),
  /** Cost ($). */
  cost: fixed(2),
  /** Price ($/kWh). */
  price: fixed(4),
  /** Multipliers (pu of rated). */
  mult: fixed(3),
  /** Voltage magnitude (pu). */
  vPu: fixed(4),
  /** Voltage differences and residuals (pu). */
  vDiff: sci(2),
  /** Percentages. */
  pct: fixed(3),
  /** Wall time (s). */
  seconds: fixed(2),
  /** Integers (t, hour, k). */
  index: int,
  /** Period start (h) when periods are shorter than an hour. */
  hour: fixed(2),
} as const;

/** Values of a numeric column in row order (null/undefined → NaN). */
export const numbers = numberColumn;

/** Values of an id column in row order, as strings. */
export function ids(t: ColumnTable, col: string): string[] {
  const a = t.array(col) as ArrayLike<unknown>;
  return Array.from({ length: t.numRows() }, (_, i) => String(a[i]));
}

function has(t: ColumnTable | undefined, col: string): t is ColumnTable {
  return t?.columnNames().includes(col) === true;
}

export { type HorizonTotals, horizonTotals };

interface Metric {
  label: string;
  unit: string;
  format: NumberFormat;
}

/** Label, unit (the one list, models/results.ts HORIZON_QUANTITIES) and number format of each horizon total. */
const METRICS = Object.fromEntries(
  Object.entries(HORIZON_QUANTITIES).map(([k, q]) => [
    k,
    { ...q, format: k === "costUsd" ? FORMATS.cost : FORMATS.power },
  ]),
) as Record<keyof HorizonTotals, Metric>;

/** "Δt = 1 h" / "Δt = 15 min" for captions: the periods' dtH column when it has one value, else `dtH`. */
function periodLength(r: ResultSet | undefined, dtH: number): string {
  let h = dtH;
  if (r && has(r.periods, "dtH")) {
    const v = [...new Set(numbers(r.periods, "dtH"))];
    if (v.length === 1 && Number.isFinite(v[0]!)) h = v[0]!;
  }
  return Number.isInteger(h) ? `Δt = ${h} h` : `Δt = ${+(h * 60).toFixed(6)} min`;
}

const nanToNull = (v: number) => (Number.isFinite(v) ? v : null);

/** Metric rows carry their own formats in hidden columns (`fmt`; `diffFmt` for Table III's difference). */
const rowFormat = (row: Row) => row.fmt as NumberFormat;
const rowDiffFormat = (row: Row) => row.diffFmt as NumberFormat;

const metricColumns: ColumnSpec[] = [
  { key: "metric", label: "Quantity" },
  { key: "unit", label: "Unit" },
];

/** Table II: MPCOPF vs MPDOPF horizon totals (line loss, substation P and Q, PV P and Q, substation cost). */
export function table2(c: ResultSet, d: ResultSet, dtH = 1): ReportTable {
  const tc = horizonTotals(c, dtH);
  const td = horizonTotals(d, dtH);
  const keys: Array<keyof HorizonTotals> = [
    "lossKwh",
    "pSubsKwh",
    "qSubsKvarh",
    "pvKwh",
    "pvKvarh",
    "costUsd",
  ];
  const rows = keys.map((k) => {
    const m = METRICS[k];
    const diff = td[k] - tc[k];
    return {
      metric: m.label,
      unit: m.unit,
      a: nanToNull(tc[k]),
      b: nanToNull(td[k]),
      diff: nanToNull(diff),
      diffPct: nanToNull(tc[k] !== 0 ? (100 * diff) / Math.abs(tc[k]) : Number.NaN),
      fmt: m.format,
    };
  });
  return {
    spec: {
      id: "table2-mpcopf-vs-mpdopf",
      title: "Table II",
      caption: `${c.label} vs ${d.label}: horizon totals (Σ over the ${c.periods.numRows()} periods, ${periodLength(c, dtH)}; energies in kWh / kVArh).`,
      columns: [
        ...metricColumns,
        { key: "a", label: c.label, format: rowFormat },
        { key: "b", label: d.label, format: rowFormat },
        { key: "diff", label: `${d.label} − ${c.label}`, format: rowFormat },
        { key: "diffPct", label: "Difference", unit: "%", format: FORMATS.pct },
      ],
    },
    data: from(rows),
  };
}

/** The largest |difference| of paired values, with the first place (in row order) where it occurs. */
interface MaxDiff {
  value: number;
  where: string;
}

function maxAbs(items: Iterable<{ diff: number; where: string }>): MaxDiff | null {
  let best: MaxDiff | null = null;
  for (const it of items) {
    if (!Number.isFinite(it.diff)) continue;
    const a = Math.abs(it.diff);
    if (best === null || a > best.value) best = { value: a, where: it.where };
  }
  return best;
}

/** Row indices of a table ordered by t (stable: input order within a period). */
function byT(t: ColumnTable): number[] {
  const tt = numbers(t, "t");
  return Array.from({ length: t.numRows() }, (_, i) => i).sort((i, j) => tt[i]! - tt[j]!);
}

/** Pair the rows of two per-element tables on (t, id); throws when the optimizer has a row the power flow lacks. */
function pairRows(
  a: ColumnTable,
  b: ColumnTable,
  idCol: string,
  valueCol: string,
  what: string,
): Array<{ t: number; id: string; a: number; b: number }> {
  const bt = numbers(b, "t");
  const bid = ids(b, idCol);
  const bv = numbers(b, valueCol);
  const index = new Map<string, number>();
  for (let i = 0; i < b.numRows(); i++) index.set(`${bt[i]}\u0000${bid[i]}`, bv[i]!);
  const at = numbers(a, "t");
  const aid = ids(a, idCol);
  const av = numbers(a, valueCol);
  return byT(a).map((i) => {
    const key = `${at[i]}\u0000${aid[i]}`;
    const v = index.get(key);
    if (v === undefined) throw new Error(`${what}: no power-flow row for ${idCol} ${aid[i]} at t = ${at[i]}`);
    return { t: at[i]!, id: aid[i]!, a: av[i]!, b: v };
  });
}

/** Per-period pairs of a periods column (optimizer, power flow), ordered by t. */
function pairPeriods(opt: ResultSet, pf: ResultSet, col: string) {
  const pfT = numbers(pf.periods, "t");
  const pfV = numbers(pf.periods, col);
  const m = new Map<number, number>();
  for (let i = 0; i < pfT.length; i++) m.set(pfT[i]!, pfV[i]!);
  const t = numbers(opt.periods, "t");
  const v = numbers(opt.periods, col);
  return byT(opt.periods).map((i) => ({ t: t[i]!, a: v[i]!, b: m.has(t[i]!) ? m.get(t[i]!)! : Number.NaN }));
}

/** Largest |ΔV| (power flow − optimizer) with its bus and period, or null without bus tables. */
export function maxVoltageDiff(opt: ResultSet, pf: ResultSet): MaxDiff | null {
  if (!opt.buses || !pf.buses) return null;
  const pairs = pairRows(opt.buses, pf.buses, "bus", "vPu", `${pf.label} buses`);
  return maxAbs(pairs.map((p) => ({ diff: p.b - p.a, where: `bus ${p.id}, t = ${p.t}` })));
}

/** Periods where the power-flow values of a comparison are missing (did not converge / not replayed). */
function missingPeriods(opt: ResultSet, pf: ResultSet): number[] {
  return pairPeriods(opt, pf, "pSubsKw")
    .filter((p) => !Number.isFinite(p.b))
    .map((p) => p.t);
}

/**
 * Table III: optimizer vs power flow (e.g. MPDOPF vs OpenDSS): horizon line loss, substation P, Q and cost,
 * then the largest per-period discrepancies with where and when they occur.
 */
export function table3(opt: ResultSet, pf: ResultSet, dtH = 1, id = "table3-feasibility"): ReportTable {
  const to = horizonTotals(opt, dtH);
  const tp = horizonTotals(pf, dtH);
  const rows: Row[] = [];
  for (const k of ["lossKwh", "pSubsKwh", "qSubsKvarh", "costUsd"] as const) {
    const m = METRICS[k];
    rows.push({
      metric: m.label,
      unit: m.unit,
      a: nanToNull(to[k]),
      b: nanToNull(tp[k]),
      diff: nanToNull(tp[k] - to[k]),
      where: "horizon",
      fmt: m.format,
      diffFmt: FORMATS.powerDiff,
    });
  }
  const maxRow = (label: string, unit: string, m: MaxDiff | null, f: NumberFormat) =>
    rows.push({
      metric: label,
      unit,
      a: null,
      b: null,
      diff: m ? m.value : null,
      where: m ? m.where : "n/a",
      fmt: f,
      diffFmt: f,
    });
  maxRow("Max |ΔV|", "pu", maxVoltageDiff(opt, pf), FORMATS.vDiff);
  const periodMax = (col: string) =>
    maxAbs(pairPeriods(opt, pf, col).map((p) => ({ diff: p.b - p.a, where: `t = ${p.t}` })));
  maxRow("Max |Δ line loss|", "kW", periodMax("lossKw"), FORMATS.powerDiff);
  maxRow("Max |ΔP substation|", "kW", periodMax("pSubsKw"), FORMATS.powerDiff);
  maxRow("Max |ΔQ substation|", "kVAr", periodMax("qSubsKvar"), FORMATS.powerDiff);
  if (opt.batteries && pf.batteries) {
    const pairs = pairRows(opt.batteries, pf.batteries, "battery", "socKwh", `${pf.label} batteries`);
    const m = maxAbs(pairs.map((p) => ({ diff: p.b - p.a, where: `battery ${p.id}, t = ${p.t}` })));
    maxRow("Max |ΔSOC|", "kWh", m, FORMATS.powerDiff);
  }
  const missing = missingPeriods(opt, pf);
  const notes = [
    `Difference = ${pf.label} − ${opt.label}; maxima are of |difference| over periods (and buses/batteries).`,
  ];
  if (missing.length) {
    notes.push(
      `No power-flow solution for t = ${missing.join(", ")}: horizon totals are not shown and maxima exclude these periods.`,
    );
  }
  return {
    spec: {
      id,
      title: "Table III",
      caption: `${opt.label} vs ${pf.label}: AC feasibility of the optimizer's set-points.`,
      columns: [
        ...metricColumns,
        { key: "a", label: opt.label, format: rowFormat },
        { key: "b", label: pf.label, format: rowFormat },
        { key: "diff", label: "Difference", format: rowDiffFormat },
        { key: "where", label: "Where" },
      ],
      notes,
    },
    data: from(rows),
  };
}

/** Table IV: combined horizon totals for any number of result sets (one column each). */
export function table4(sets: ResultSet[], dtH = 1): ReportTable {
  const labels = sets.map((s) => s.label);
  if (new Set(labels).size !== labels.length)
    throw new Error(`table IV: duplicate source labels (${labels.join(", ")})`);
  const totals = sets.map((s) => horizonTotals(s, dtH));
  const keys: Array<keyof HorizonTotals> = [
    "lossKwh",
    "pSubsKwh",
    "qSubsKvarh",
    "pvKwh",
    "pvKvarh",
    "battKwh",
    "battKvarh",
    "costUsd",
    "loadKwh",
    "loadKvarh",
  ];
  const rows = keys.map((k) => {
    const m = METRICS[k];
    const row: Row = { metric: m.label, unit: m.unit, fmt: m.format };
    totals.forEach((t, i) => {
      row[`s${i}`] = nanToNull(t[k]);
    });
    return row;
  });
  const periods = sets[0]?.periods.numRows() ?? 0;
  return {
    spec: {
      id: "table4-horizon-totals",
      title: "Table IV",
      caption: `Horizon totals (Σ over the ${periods} periods, ${periodLength(sets[0], dtH)}) of every solve and replay.`,
      columns: [
        ...metricColumns,
        ...sets.map((s, i) => ({ key: `s${i}`, label: s.label, format: rowFormat })),
      ],
      notes: [
        "– = not available in the input tables (e.g. demand Q when the periods table has no loadKvar).",
      ],
    },
    data: from(rows),
  };
}

/** Sum a per-device column per period (for per-hour tables when the periods table lacks the total). */
function perPeriodSum(t: ColumnTable, col: string): Map<number, number> {
  const tt = numbers(t, "t");
  const v = numbers(t, col);
  const m = new Map<number, number>();
  for (let i = 0; i < tt.length; i++) m.set(tt[i]!, (m.get(tt[i]!) ?? 0) + v[i]!);
  return m;
}

/** Per-hour table of one result set: inputs (when given) and substation, loss, cost, PV and battery totals. */
export function hourlyTable(r: ResultSet, id: string): ReportTable {
  const p = r.periods;
  const order = byT(p);
  const columns: ColumnSpec[] = [{ key: "t", label: "t", format: FORMATS.index }];
  const pt = numbers(p, "t");
  const cols: Record<string, Array<number | null>> = { t: order.map((i) => pt[i]!) };
  const add = (
    key: string,
    label: string,
    unit: string | undefined,
    format: NumberFormat,
    values: Array<number | null>,
  ) => {
    columns.push({ key, label, unit, format });
    cols[key] = values;
  };
  const fromPeriods = (col: string) => {
    const v = numbers(p, col);
    return order.map((i) => nanToNull(v[i]!));
  };
  if (has(p, "hour")) {
    // Whole hours for hourly periods, two decimals when a period starts within an hour (Δt < 1 h).
    const hours = fromPeriods("hour");
    const whole = hours.every((h) => h === null || Number.isInteger(h));
    add("hour", "Hour", whole ? undefined : "h", whole ? FORMATS.index : FORMATS.hour, hours);
  }
  if (has(p, "loadMult")) add("loadMult", "Load mult.", "pu", FORMATS.mult, fromPeriods("loadMult"));
  if (has(p, "pvMult")) add("pvMult", "PV mult.", "pu", FORMATS.mult, fromPeriods("pvMult"));
  if (has(p, "priceUsdPerKwh"))
    add("priceUsdPerKwh", "Price", "$/kWh", FORMATS.price, fromPeriods("priceUsdPerKwh"));
  add("pSubsKw", "P subs", "kW", FORMATS.power, fromPeriods("pSubsKw"));
  add("qSubsKvar", "Q subs", "kVAr", FORMATS.power, fromPeriods("qSubsKvar"));
  add("lossKw", "Loss", "kW", FORMATS.power, fromPeriods("lossKw"));
  add("costUsd", "Cost", "$", FORMATS.cost, fromPeriods("costUsd"));
  const tcol = cols.t as number[];
  if (r.pv) {
    const s = perPeriodSum(r.pv, "pKw");
    add(
      "pvKw",
      "PV P",
      "kW",
      FORMATS.power,
      tcol.map((t) => s.get(t) ?? null),
    );
  } else if (has(p, "pvKw")) add("pvKw", "PV P", "kW", FORMATS.power, fromPeriods("pvKw"));
  if (r.batteries) {
    const s = perPeriodSum(r.batteries, "pNetKw");
    add(
      "battNetKw",
      "Battery P",
      "kW",
      FORMATS.power,
      tcol.map((t) => s.get(t) ?? null),
    );
  } else if (has(p, "battNetKw"))
    add("battNetKw", "Battery P", "kW", FORMATS.power, fromPeriods("battNetKw"));
  return {
    spec: {
      id,
      title: `${r.label} per period`,
      caption: `${r.label}: inputs and results per period (battery P = discharge − charge).`,
      columns,
    },
    data: from(tcol.map((_, i) => Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v[i]])))),
  };
}

/** Per-hour comparison optimizer vs power flow: loss, substation P and Q, and the largest |ΔV| with its bus. */
export function hourlyComparisonTable(opt: ResultSet, pf: ResultSet, id: string): ReportTable {
  const loss = pairPeriods(opt, pf, "lossKw");
  const ps = pairPeriods(opt, pf, "pSubsKw");
  const qs = pairPeriods(opt, pf, "qSubsKvar");
  const vmax = new Map<number, MaxDiff>();
  if (opt.buses && pf.buses) {
    const pairs = pairRows(opt.buses, pf.buses, "bus", "vPu", `${pf.label} buses`);
    for (const p of pairs) {
      const d = Math.abs(p.b - p.a);
      if (!Number.isFinite(d)) continue;
      const cur = vmax.get(p.t);
      if (!cur || d > cur.value) vmax.set(p.t, { value: d, where: p.id });
    }
  }
  const diff = (a: number, b: number) => nanToNull(b - a);
  const rows = loss.map((l, i) => ({
    t: l.t,
    lossA: nanToNull(l.a),
    lossB: nanToNull(l.b),
    lossD: diff(l.a, l.b),
    pA: nanToNull(ps[i]!.a),
    pB: nanToNull(ps[i]!.b),
    pD: diff(ps[i]!.a, ps[i]!.b),
    qA: nanToNull(qs[i]!.a),
    qB: nanToNull(qs[i]!.b),
    qD: diff(qs[i]!.a, qs[i]!.b),
    dv: vmax.get(l.t)?.value ?? null,
    dvBus: vmax.get(l.t)?.where ?? null,
  }));
  const a = opt.label;
  const b = pf.label;
  const columns: ColumnSpec[] = [
    { key: "t", label: "t", format: FORMATS.index },
    { key: "lossA", label: `Loss ${a}`, unit: "kW", format: FORMATS.power },
    { key: "lossB", label: `Loss ${b}`, unit: "kW", format: FORMATS.power },
    { key: "lossD", label: "ΔLoss", unit: "kW", format: FORMATS.powerDiff },
    { key: "pA", label: `P subs ${a}`, unit: "kW", format: FORMATS.power },
    { key: "pB", label: `P subs ${b}`, unit: "kW", format: FORMATS.power },
    { key: "pD", label: "ΔP subs", unit: "kW", format: FORMATS.powerDiff },
    { key: "qA", label: `Q subs ${a}`, unit: "kVAr", format: FORMATS.power },
    { key: "qB", label: `Q subs ${b}`, unit: "kVAr", format: FORMATS.power },
    { key: "qD", label: "ΔQ subs", unit: "kVAr", format: FORMATS.powerDiff },
  ];
  if (vmax.size) {
    columns.push(
      { key: "dv", label: "Max |ΔV|", unit: "pu", format: FORMATS.vDiff },
      { key: "dvBus", label: "at bus" },
    );
  }
  return {
    spec: {
      id,
      title: `${a} vs ${b} per period`,
      caption: `Per period: optimizer (${a}) vs power flow (${b}); Δ = ${b} − ${a}.`,
      columns,
    },
    data: from(rows),
  };
}

/** The ENApp macro-iteration table: residuals, horizon totals and time per macro-iteration (present columns only). */
export function enappIterationTable(iterations: ColumnTable): ReportTable {
  const known: Array<[string, string, string | undefined, NumberFormat]> = [
    ["resVPu", "Max V residual", "pu", FORMATS.vDiff],
    ["resPKw", "Max P residual", "kW", FORMATS.powerDiff],
    ["resQKvar", "Max Q residual", "kVAr", FORMATS.powerDiff],
    ["lossKwh", "Line loss", "kWh", FORMATS.power],
    ["pSubsKwh", "Substation P", "kWh", FORMATS.power],
    ["costUsd", "Substation cost", "$", FORMATS.cost],
    ["seconds", "Wall time", "s", FORMATS.seconds],
  ];
  const names = new Set(iterations.columnNames());
  const columns: ColumnSpec[] = [
    { key: "k", label: "Macro-iteration", format: FORMATS.index },
    ...known
      .filter(([k]) => names.has(k))
      .map(([key, label, unit, format]) => ({ key, label, unit, format })),
  ];
  return {
    spec: {
      id: "enapp-macro-iterations",
      title: "ENApp macro-iterations",
      caption:
        "Largest boundary residuals over boundaries and hours, and horizon totals, per macro-iteration.",
      columns,
    },
    data: iterations.orderby("k"),
  };
}
