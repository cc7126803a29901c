/**
 * Discrepancy tables of a replay (arquero; differences are power flow − optimizer), and the power flow's
 * side as the result tables of the one schema (`powerFlowResultSet`). The paper's Tables II–IV are built once,
 * by the report layer (reports/tables.ts), from result tables: an optimizer's and this power flow's.
 */
import { type ColumnTable, table } from "arquero";
import { type ResultSet, type ResultTables, resultTable } from "../../models/results.ts";
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

/** Horizon totals of one side of a replay over its converged hours (sums × Δt; cost as is). */
interface SolutionTotals {
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
 * Row label and unit of each horizon total of the replay's horizon (discrepancy) table, in its row order.
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

const nn = (v: number) => (Number.isFinite(v) ? v : null);

/**
 * The power-flow side of a replay as the result tables of the one schema (models/results.ts), the same
 * column list as an optimizer's: what the report layer and `mpopf report` take. Hours whose power flow did
 * not converge have empty (null) cells; so do values the engine does not give (the source impedance's flow).
 * The inputs (period start, Δt, multipliers, price) are the horizon's. A battery's charge / discharge power
 * is the negative / positive part of its net output. `eRatedKwh` (per battery, scenario order) overrides the
 * rated energies the comparison recorded (for socPct).
 */
export function powerFlowResultSet(
  c: ReplayComparison,
  label: string,
  eRatedKwh?: number[],
): ResultTables & ResultSet {
  const p = c.powerFlow;
  const T = c.T;
  const ok = (t: number) => c.hours[t - 1]!.status === "converged";
  const ts = Array.from({ length: T }, (_, i) => i + 1);
  const obs = (t: number, v: number) => (ok(t) ? nn(v) : null);
  const input = (k: "hour" | "loadMult" | "pvMult") => ts.map((t) => (c.inputs ? c.inputs[k][t - 1]! : null));
  const periods = resultTable("periods", {
    t: ts,
    hour: input("hour"),
    dtH: ts.map(() => c.dtH),
    loadMult: input("loadMult"),
    pvMult: input("pvMult"),
    priceUsdPerKwh: c.priceUsdPerKwh,
    pSubsKw: ts.map((t) => obs(t, p.pSubsKw[t - 1]!)),
    qSubsKvar: ts.map((t) => obs(t, p.qSubsKvar[t - 1]!)),
    lossKw: ts.map((t) => obs(t, p.lossKw[t - 1]!)),
    costUsd: ts.map((t) => obs(t, p.costUsd[t - 1]!)),
    loadKw: ts.map((t) => obs(t, p.loadKw[t - 1]!)),
    loadKvar: ts.map((t) => obs(t, p.loadKvar[t - 1]!)),
    // A replay is of the whole feeder: no fixed equivalent loads.
    extraLoadKw: ts.map((t) => (ok(t) ? 0 : null)),
    pvKw: ts.map((t) => obs(t, sum(p.pvPKw[t - 1]!))),
    battNetKw: ts.map((t) => obs(t, sum(p.battPKw[t - 1]!))),
  });
  /** t-major rows over elements: t, id and bus columns, and one column per [t][element] series. */
  const grid = (ids: string[]) => {
    const t: number[] = [];
    const idx: number[] = [];
    for (const tt of ts) {
      for (let i = 0; i < ids.length; i++) {
        t.push(tt);
        idx.push(i);
      }
    }
    const at = (series: number[][]) => t.map((tt, r) => obs(tt, series[tt - 1]![idx[r]!]!));
    const id = (list: string[]) => idx.map((i) => list[i]!);
    return { t, at, id, idx };
  };
  const pv = grid(c.ids.pvs);
  const bt = grid(c.ids.batteries);
  const eRated = eRatedKwh ?? c.inputs?.eRatedKwh;
  const net = bt.at(p.battPKw);
  const soc = bt.at(p.battSocKwh);
  const bs = grid(c.ids.buses);
  const br = c.branches;
  const bg = grid(br?.ids ?? []);
  return {
    label,
    periods,
    pv: resultTable("pv", {
      t: pv.t,
      pv: pv.id(c.ids.pvs),
      bus: pv.id(c.ids.pvBuses),
      pKw: pv.at(p.pvPKw),
      qKvar: pv.at(p.pvQKvar),
    }),
    batteries: resultTable("batteries", {
      t: bt.t,
      battery: bt.id(c.ids.batteries),
      bus: bt.id(c.ids.batteryBuses),
      pcKw: net.map((v) => (v === null ? null : Math.max(0, -v))),
      pdKw: net.map((v) => (v === null ? null : Math.max(0, v))),
      pNetKw: net,
      qKvar: bt.at(p.battQKvar),
      socKwh: soc,
      socPct: soc.map((v, r) => (v === null || !eRated ? null : (100 * v) / eRated[bt.idx[r]!]!)),
    }),
    buses: resultTable("buses", { t: bs.t, bus: bs.id(c.ids.buses), vPu: bs.at(p.vPu) }),
    branches: resultTable("branches", {
      t: bg.t,
      branch: bg.id(br?.ids ?? []),
      from: bg.id(br?.from ?? []),
      to: bg.id(br?.to ?? []),
      pKw: br ? bg.at(br.pKw) : [],
      qKvar: br ? bg.at(br.qKvar) : [],
      iA: br ? bg.at(br.iA) : [],
      lossKw: br ? bg.at(br.lossKw) : [],
    }),
  };
}
