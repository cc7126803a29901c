/**
 * Discrepancy tables of a replay (arquero), and the paper's Tables II, III and IV as arquero tables
 * for the report layer to render. All differences are power flow − optimizer (or second − first column).
 */
import { type ColumnTable, table } from "arquero";
import type { Scenario } from "../../models/types.ts";
import { demandKw } from "../../models/units.ts";
import type { MpopfTables } from "../../solvers/mpopf/decode.ts";
import { convergedHours, type ReplayComparison, type ReplaySeries } from "./compare.ts";
import {
  horizonElementSum,
  horizonSum,
  largest,
  type MetricEntry,
  metricEntries,
  metricMaxima,
} from "./metrics.ts";

/** The discrepancy tables of one replay. */
export interface ReplayTables {
  /** Per hour: status, optimizer / power flow / difference for substation P, Q, loss, cost, PV and battery totals; max |ΔV| and |ΔSOC| with where; PF voltage extremes. */
  hours: ColumnTable;
  /** Per bus and hour: vOptPu, vPfPu, dVPu. */
  buses: ColumnTable;
  /** Per PV and hour: P and Q optimizer / power flow / difference. */
  pv: ColumnTable;
  /** Per battery and hour: net P, Q, stored energy (optimizer / power flow / difference) and engine state. */
  batteries: ColumnTable;
  /** Horizon totals over the converged hours: quantity, unit, optimizer, powerFlow, difference, hours. */
  horizon: ColumnTable;
  /** Per metric: the largest |difference| with hour and element. */
  maxima: ColumnTable;
  /** Attributed findings: kind, severity, t, element, message. */
  findings: ColumnTable;
}

const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);

/** Build every discrepancy table of a comparison. */
export function replayTables(c: ReplayComparison): ReplayTables {
  const T = c.T;
  const o = c.optimizer;
  const p = c.powerFlow;
  const ent = metricEntries(c);
  const dvAt = largestPerHour(ent.voltagePu);
  const dsAt = largestPerHour(ent.socKwh);
  const h: Record<string, Array<number | string | null>> = {};
  const col = (name: string, v: number | string | null) => {
    if (!h[name]) h[name] = [];
    h[name].push(typeof v === "number" && Number.isNaN(v) ? null : v);
  };
  for (let t = 1; t <= T; t++) {
    const i = t - 1;
    const hr = c.hours[i]!;
    col("t", t);
    col("status", hr.status);
    col("iterations", hr.iterations);
    const triple = (name: string, a: number, b: number) => {
      col(`${name}Opt`, a);
      col(`${name}Pf`, b);
      col(`${name}Diff`, b - a);
    };
    triple("pSubsKw", o.pSubsKw[i]!, p.pSubsKw[i]!);
    triple("qSubsKvar", o.qSubsKvar[i]!, p.qSubsKvar[i]!);
    triple("lossKw", o.lossKw[i]!, p.lossKw[i]!);
    triple("costUsd", o.costUsd[i]!, p.costUsd[i]!);
    triple("pvPKw", sum(o.pvPKw[i]!), sum(p.pvPKw[i]!));
    triple("pvQKvar", sum(o.pvQKvar[i]!), sum(p.pvQKvar[i]!));
    triple("battPKw", sum(o.battPKw[i]!), sum(p.battPKw[i]!));
    triple("battQKvar", sum(o.battQKvar[i]!), sum(p.battQKvar[i]!));
    triple("demandKw", o.loadKw[i]!, p.loadKw[i]!);
    triple("capQKvar", o.capQKvar[i]!, p.capQKvar[i]!);
    const dv = dvAt.get(t);
    col("maxAbsDvPu", dv ? Math.abs(dv.diff) : null);
    col("maxDvBus", dv?.element?.replace(/^bus /, "") ?? null);
    const ds = dsAt.get(t);
    col("maxAbsDSocKwh", ds ? Math.abs(ds.diff) : null);
    col("maxDSocBattery", ds?.element ?? null);
    let vmin = Number.POSITIVE_INFINITY;
    let vmax = Number.NEGATIVE_INFINITY;
    let jmin = -1;
    let jmax = -1;
    p.vPu[i]!.forEach((v, j) => {
      if (v < vmin) [vmin, jmin] = [v, j];
      if (v > vmax) [vmax, jmax] = [v, j];
    });
    col("vMinPfPu", jmin >= 0 ? vmin : null);
    col("vMinPfBus", jmin >= 0 ? c.ids.buses[jmin]! : null);
    col("vMaxPfPu", jmax >= 0 ? vmax : null);
    col("vMaxPfBus", jmax >= 0 ? c.ids.buses[jmax]! : null);
    col("lineChargingKvar", c.lineChargingKvar[i]!);
    col("solveMs", c.timings.hourMs[i]!);
  }

  const perElement = (names: string[], buses: string[] | null, idName: string) => {
    const cols: Record<string, Array<number | string | null>> = { t: [], [idName]: [] };
    if (buses) cols.bus = [];
    for (let t = 1; t <= T; t++) {
      names.forEach((n, k) => {
        cols.t!.push(t);
        cols[idName]!.push(n);
        if (buses) cols.bus!.push(buses[k]!);
      });
    }
    return cols;
  };
  const add = (
    cols: Record<string, Array<number | string | null>>,
    name: string,
    a: number[][],
    b: number[][],
  ) => {
    const fa = a.flat();
    const fb = b.flat();
    const clean = (v: number) => (Number.isNaN(v) ? null : v);
    cols[`${name}Opt`] = fa.map(clean);
    cols[`${name}Pf`] = fb.map(clean);
    cols[`${name}Diff`] = fb.map((v, i) => clean(v - fa[i]!));
  };
  const busCols = perElement(c.ids.buses, null, "bus");
  add(busCols, "vPu", o.vPu, p.vPu);
  const pvCols = perElement(c.ids.pvs, c.ids.pvBuses, "pv");
  add(pvCols, "pKw", o.pvPKw, p.pvPKw);
  add(pvCols, "qKvar", o.pvQKvar, p.pvQKvar);
  const btCols = perElement(c.ids.batteries, c.ids.batteryBuses, "battery");
  add(btCols, "pKw", o.battPKw, p.battPKw);
  add(btCols, "qKvar", o.battQKvar, p.battQKvar);
  add(btCols, "socKwh", o.battSocKwh, p.battSocKwh);
  btCols.state = c.battState.flat();

  const to = replayTotals(c, o);
  const tp = replayTotals(c, p);
  const hz = (quantity: string, unit: string, a: number, b: number) => ({
    quantity,
    unit,
    optimizer: a,
    powerFlow: b,
    difference: b - a,
    hours: tp.T,
  });
  const horizonRows = [
    ...HORIZON_KEYS.map((k) => hz(...QUANTITY[k], to[k], tp[k])),
    hz("capacitor Q", "kVArh", horizonSum(c, o, "capQKvar"), horizonSum(c, p, "capQKvar")),
  ];
  const mx = metricMaxima(c, ent);
  return {
    hours: table(h),
    buses: table(busCols),
    pv: table(pvCols),
    batteries: table(btCols),
    horizon: table(columnsOf(horizonRows)),
    maxima: table({
      metric: mx.map((m) => m.metric),
      unit: mx.map((m) => m.unit),
      value: mx.map((m) => m.diff),
      absValue: mx.map((m) => Math.abs(m.diff)),
      optimizer: mx.map((m) => m.optimizer),
      powerFlow: mx.map((m) => m.powerFlow),
      t: mx.map((m) => m.t),
      element: mx.map((m) => m.element),
      count: mx.map((m) => m.count),
    }),
    findings: table({
      kind: c.findings.map((f) => f.kind),
      severity: c.findings.map((f) => f.severity),
      t: c.findings.map((f) => f.t),
      element: c.findings.map((f) => f.element),
      message: c.findings.map((f) => f.message),
    }),
  };
}

/** Largest |diff| entry per hour (as `largest` over each hour's entries). */
function largestPerHour(entries: MetricEntry[]): Map<number, MetricEntry> {
  const byT = new Map<number, MetricEntry[]>();
  for (const e of entries) {
    if (e.t === null) continue;
    const list = byT.get(e.t);
    if (list) list.push(e);
    else byT.set(e.t, [e]);
  }
  const out = new Map<number, MetricEntry>();
  for (const [t, list] of byT) out.set(t, largest(list)!);
  return out;
}

/** Rows (objects with the same keys) → columns. */
function columnsOf<R extends object>(rowsIn: R[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const r of rowsIn) {
    for (const [k, v] of Object.entries(r)) {
      if (!out[k]) out[k] = [];
      out[k].push(v);
    }
  }
  return out;
}

/** Horizon totals of one solution (sums over its periods × Δt; cost as is). */
export interface SolutionTotals {
  lossKwh: number;
  pSubsKwh: number;
  qSubsKvarh: number;
  costUsd: number;
  pvKwh: number;
  pvKvarh: number;
  batteryKwh: number;
  batteryKvarh: number;
  demandKwh: number;
  demandKvarh: number;
  T: number;
}

/**
 * Row label and unit of each horizon total (one place for the horizon table and Tables II and IV), in the
 * horizon table's row order.
 */
const QUANTITY: Record<keyof SolutionTotals, [string, string]> = {
  lossKwh: ["line loss", "kWh"],
  pSubsKwh: ["substation P", "kWh"],
  qSubsKvarh: ["substation Q", "kVArh"],
  costUsd: ["substation cost", "$"],
  pvKwh: ["PV P", "kWh"],
  pvKvarh: ["PV Q", "kVArh"],
  batteryKwh: ["battery P", "kWh"],
  batteryKvarh: ["battery Q", "kVArh"],
  demandKwh: ["demand P", "kWh"],
  demandKvarh: ["demand Q", "kVArh"],
  T: ["hours", "h"],
};

/** Rows of the replay's horizon table (before its capacitor row; the hour count is a column there). */
const HORIZON_KEYS = (Object.keys(QUANTITY) as Array<keyof SolutionTotals>).filter((k) => k !== "T");

/** Horizon totals of one side (optimizer or power flow) of a replay over its converged hours; T = their number. */
function replayTotals(c: ReplayComparison, side: ReplaySeries): SolutionTotals {
  return {
    lossKwh: horizonSum(c, side, "lossKw"),
    pSubsKwh: horizonSum(c, side, "pSubsKw"),
    qSubsKvarh: horizonSum(c, side, "qSubsKvar"),
    costUsd: horizonSum(c, side, "costUsd"),
    pvKwh: horizonElementSum(c, side, "pvPKw"),
    pvKvarh: horizonElementSum(c, side, "pvQKvar"),
    batteryKwh: horizonElementSum(c, side, "battPKw"),
    batteryKvarh: horizonElementSum(c, side, "battQKvar"),
    demandKwh: horizonSum(c, side, "loadKw"),
    demandKvarh: horizonSum(c, side, "loadKvar"),
    T: convergedHours(c).length,
  };
}

const colSum = (t: ColumnTable, name: string) => {
  let s = 0;
  for (const v of t.array(name)) s += Number(v);
  return s;
};

/** Horizon totals of a solve's tables; demand Q comes from the scenario (rated Q × load multiplier). */
export function solutionTotals(scenario: Scenario, tables: MpopfTables): SolutionTotals {
  const dt = scenario.dtH;
  const d = demandKw(scenario);
  let pL = 0;
  let qL = 0;
  for (let t = 0; t < scenario.T; t++) {
    pL += d.pKw[t]!;
    qL += d.qKvar[t]!;
  }
  return {
    lossKwh: colSum(tables.periods, "lossKw") * dt,
    pSubsKwh: colSum(tables.periods, "pSubsKw") * dt,
    qSubsKvarh: colSum(tables.periods, "qSubsKvar") * dt,
    costUsd: colSum(tables.periods, "costUsd"),
    pvKwh: colSum(tables.pv, "pKw") * dt,
    pvKvarh: colSum(tables.pv, "qKvar") * dt,
    batteryKwh: colSum(tables.batteries, "pNetKw") * dt,
    batteryKvarh: colSum(tables.batteries, "qKvar") * dt,
    demandKwh: pL * dt,
    demandKvarh: qL * dt,
    T: scenario.T,
  };
}

/** A solution column of the paper's tables. */
export interface SolutionColumn {
  /** Column header, e.g. "MPCOPF" or "MPDOPF". */
  label: string;
  scenario: Scenario;
  tables: MpopfTables;
}

/**
 * Table II — MPCOPF vs MPDOPF: line loss, substation P and Q, PV P and Q, substation cost (horizon totals).
 * Columns: quantity, unit, <a.label>, <b.label>, difference (b − a), relativeDifference (of a).
 */
export function tableII(a: SolutionColumn, b: SolutionColumn): ColumnTable {
  const ta = solutionTotals(a.scenario, a.tables);
  const tb = solutionTotals(b.scenario, b.tables);
  const keys: Array<keyof SolutionTotals> = [
    "lossKwh",
    "pSubsKwh",
    "qSubsKvarh",
    "pvKwh",
    "pvKvarh",
    "costUsd",
  ];
  return table({
    quantity: keys.map((k) => QUANTITY[k][0]),
    unit: keys.map((k) => QUANTITY[k][1]),
    [a.label]: keys.map((k) => ta[k]),
    [b.label]: keys.map((k) => tb[k]),
    difference: keys.map((k) => tb[k] - ta[k]),
    relativeDifference: keys.map((k) => (ta[k] === 0 ? null : (tb[k] - ta[k]) / Math.abs(ta[k]))),
  });
}

const whereText = (e: MetricEntry | null) =>
  e === null ? null : [e.element, e.t !== null ? `hour ${e.t}` : null].filter(Boolean).join(", ");

/**
 * Table III — optimizer (e.g. MPDOPF) vs the power flow: line loss, substation P and Q (horizon totals over
 * the converged hours), then the maximum voltage, line-loss and substation P / Q discrepancies with where.
 * Columns: quantity, unit, <c.label>, <engineLabel>, difference, where.
 */
export function tableIII(c: ReplayComparison, engineLabel = "OpenDSS"): ColumnTable {
  const e = metricEntries(c);
  const o = c.optimizer;
  const p = c.powerFlow;
  const rowsIn: Array<{
    q: string;
    u: string;
    a: number | null;
    b: number | null;
    d: number | null;
    w: string | null;
  }> = [];
  const total = (q: string, u: string, key: "lossKw" | "pSubsKw" | "qSubsKvar") => {
    const a = horizonSum(c, o, key);
    const b = horizonSum(c, p, key);
    rowsIn.push({ q, u, a, b, d: b - a, w: `${convergedHours(c).length} of ${c.T} hours` });
  };
  total("line loss", "kWh", "lossKw");
  total("substation P", "kWh", "pSubsKw");
  total("substation Q", "kVArh", "qSubsKvar");
  const max = (q: string, u: string, list: MetricEntry[]) => {
    const m = largest(list);
    rowsIn.push({
      q,
      u,
      a: m ? m.optimizer : null,
      b: m ? m.powerFlow : null,
      d: m ? Math.abs(m.diff) : null,
      w: whereText(m),
    });
  };
  max("max voltage discrepancy", "pu", e.voltagePu);
  max("max line-loss discrepancy", "kW", e.lossKw);
  max("max substation P discrepancy", "kW", e.pSubsKw);
  max("max substation Q discrepancy", "kVAr", e.qSubsKvar);
  return table({
    quantity: rowsIn.map((r) => r.q),
    unit: rowsIn.map((r) => r.u),
    [c.label]: rowsIn.map((r) => r.a),
    [engineLabel]: rowsIn.map((r) => r.b),
    difference: rowsIn.map((r) => r.d),
    where: rowsIn.map((r) => r.w),
  });
}

/**
 * Table IV — horizon totals side by side: line loss, substation P and Q, PV P and Q, battery P and Q,
 * substation cost, demand P and Q; one column per solution and, when a replay is given, one for the power
 * flow (totals over its converged hours; the last row says how many hours each column covers).
 */
export function tableIV(
  columns: SolutionColumn[],
  replay?: ReplayComparison,
  engineLabel = "OpenDSS",
): ColumnTable {
  const keys: Array<keyof SolutionTotals> = [
    "lossKwh",
    "pSubsKwh",
    "qSubsKvarh",
    "pvKwh",
    "pvKvarh",
    "batteryKwh",
    "batteryKvarh",
    "costUsd",
    "demandKwh",
    "demandKvarh",
    "T",
  ];
  const cols: Record<string, unknown[]> = {
    quantity: keys.map((k) => QUANTITY[k][0]),
    unit: keys.map((k) => QUANTITY[k][1]),
  };
  for (const s of columns) {
    const tot = solutionTotals(s.scenario, s.tables);
    cols[s.label] = keys.map((k) => tot[k]);
  }
  if (replay) {
    const pf = replayTotals(replay, replay.powerFlow);
    cols[engineLabel] = keys.map((k) => pf[k]);
  }
  return table(cols);
}

/** Power-flow result tables in the same shapes as a solve's (`MpopfTables` columns; the report contract). */
export interface PowerFlowResultSet {
  label: string;
  /** Per period: t, priceUsdPerKwh, pSubsKw, qSubsKvar, lossKw, costUsd, loadKw, loadKvar, pvKw, battNetKw. */
  periods: ColumnTable;
  /** Per PV and period: t, pv, bus, pKw, qKvar. */
  pv: ColumnTable;
  /** Per battery and period: t, battery, bus, pNetKw, qKvar, socKwh, socPct. */
  batteries: ColumnTable;
  /** Per bus and period: t, bus, vPu. */
  buses: ColumnTable;
}

const nn = (v: number) => (Number.isFinite(v) ? v : null);

/**
 * The power-flow side of a replay as result tables shaped like a solve's, for the report layer
 * (reports/contract.ts ResultSet). Hours whose power flow did not converge have empty (null) cells.
 * `eRatedKwh` (per battery, scenario order) gives socPct; omit it to leave socPct out.
 */
export function powerFlowResultSet(
  c: ReplayComparison,
  label: string,
  eRatedKwh?: number[],
): PowerFlowResultSet {
  const p = c.powerFlow;
  const ok = (t: number) => c.hours[t - 1]!.status === "converged";
  const ts = Array.from({ length: c.T }, (_, i) => i + 1);
  const per = {
    t: ts,
    priceUsdPerKwh: c.priceUsdPerKwh,
    pSubsKw: ts.map((t) => (ok(t) ? nn(p.pSubsKw[t - 1]!) : null)),
    qSubsKvar: ts.map((t) => (ok(t) ? nn(p.qSubsKvar[t - 1]!) : null)),
    lossKw: ts.map((t) => (ok(t) ? nn(p.lossKw[t - 1]!) : null)),
    costUsd: ts.map((t) => (ok(t) ? nn(p.costUsd[t - 1]!) : null)),
    loadKw: ts.map((t) => (ok(t) ? nn(p.loadKw[t - 1]!) : null)),
    loadKvar: ts.map((t) => (ok(t) ? nn(p.loadKvar[t - 1]!) : null)),
    pvKw: ts.map((t) => (ok(t) ? nn(sum(p.pvPKw[t - 1]!)) : null)),
    battNetKw: ts.map((t) => (ok(t) ? nn(sum(p.battPKw[t - 1]!)) : null)),
  };
  const perUnit = (
    ids: string[],
    buses: string[] | null,
    idName: string,
    cols: Record<string, number[][]>,
  ) => {
    const out: Record<string, unknown[]> = { t: [], [idName]: [] };
    if (buses) out.bus = [];
    for (const k of Object.keys(cols)) out[k] = [];
    for (const t of ts) {
      ids.forEach((id, i) => {
        out.t!.push(t);
        out[idName]!.push(id);
        if (buses) out.bus!.push(buses[i]);
        for (const [k, v] of Object.entries(cols)) out[k]!.push(ok(t) ? nn(v[t - 1]![i]!) : null);
      });
    }
    return out;
  };
  const socPct = eRatedKwh ? p.battSocKwh.map((row) => row.map((e, i) => (100 * e) / eRatedKwh[i]!)) : null;
  return {
    label,
    periods: table(per),
    pv: table(perUnit(c.ids.pvs, c.ids.pvBuses, "pv", { pKw: p.pvPKw, qKvar: p.pvQKvar })),
    batteries: table(
      perUnit(c.ids.batteries, c.ids.batteryBuses, "battery", {
        pNetKw: p.battPKw,
        qKvar: p.battQKvar,
        socKwh: p.battSocKwh,
        ...(socPct ? { socPct } : {}),
      }),
    ),
    buses: table(perUnit(c.ids.buses, null, "bus", { vPu: p.vPu })),
  };
}
