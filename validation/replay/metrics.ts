/**
 * Discrepancy metrics of a replay: for each metric, the list of (hour, element, optimizer, power flow,
 * difference) entries over the converged hours; the maxima with where and when; horizon totals.
 * Differences are always power flow − optimizer. These entries feed the tables and the thresholds.
 */
import { convergedHours, type ReplayComparison, type ReplaySeries } from "./compare.ts";

/** Every metric a threshold can name. */
export const METRICS = {
  voltagePu: { unit: "pu", scope: "bus", description: "|V| per bus and hour" },
  lossKw: { unit: "kW", scope: "hour", description: "line loss per hour" },
  pSubsKw: { unit: "kW", scope: "hour", description: "substation real power per hour" },
  qSubsKvar: { unit: "kVAr", scope: "hour", description: "substation reactive power per hour" },
  costUsd: { unit: "$", scope: "hour", description: "substation energy cost per hour" },
  demandKw: { unit: "kW", scope: "hour", description: "total load consumed per hour" },
  demandKvar: { unit: "kVAr", scope: "hour", description: "total reactive load per hour" },
  capacitorQKvar: { unit: "kVAr", scope: "hour", description: "total capacitor output per hour" },
  pvPKw: { unit: "kW", scope: "pv", description: "PV real output per unit and hour" },
  pvQKvar: { unit: "kVAr", scope: "pv", description: "PV reactive output per unit and hour" },
  batteryPKw: {
    unit: "kW",
    scope: "battery",
    description: "battery net output (discharge +) per unit and hour",
  },
  batteryQKvar: { unit: "kVAr", scope: "battery", description: "battery reactive output per unit and hour" },
  socKwh: { unit: "kWh", scope: "battery", description: "battery stored energy at the end of each hour" },
  horizonLossKwh: { unit: "kWh", scope: "horizon", description: "line loss summed over the converged hours" },
  horizonPSubsKwh: {
    unit: "kWh",
    scope: "horizon",
    description: "substation energy over the converged hours",
  },
  horizonQSubsKvarh: {
    unit: "kVArh",
    scope: "horizon",
    description: "substation reactive energy over the converged hours",
  },
  horizonCostUsd: { unit: "$", scope: "horizon", description: "substation cost over the converged hours" },
  nonConvergedHours: {
    unit: "hours",
    scope: "count",
    description: "hours whose power flow did not converge or failed",
  },
  loadModelSwitches: {
    unit: "element-hours",
    scope: "count",
    description: "element-hours outside an element's voltage band (OpenDSS switches it to constant Z)",
  },
} as const;

/** A metric name. */
export type MetricName = keyof typeof METRICS;

/** Metric names in report order. */
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/**
 * One point of a metric: where, when, both sides, the difference (power flow − optimizer) and the part of it the
 * modelling differences predict (comparison `predicted`; 0 when there is none).
 */
export interface MetricEntry {
  /** Period 1..T, or null for horizon totals and counts. */
  t: number | null;
  /** "bus 85", "PV3", "Battery3", or null for feeder quantities. */
  element: string | null;
  optimizer: number;
  powerFlow: number;
  diff: number;
  /** The predicted difference (power flow − optimizer) of the modelling differences; 0 for none. */
  predicted: number;
}

type HourKey = "pSubsKw" | "qSubsKvar" | "lossKw" | "costUsd" | "loadKw" | "loadKvar" | "capQKvar";
type ElemKey = "vPu" | "pvPKw" | "pvQKvar" | "battPKw" | "battQKvar" | "battSocKwh";

/** Every metric's entries over the converged hours of a comparison. */
export function metricEntries(c: ReplayComparison): Record<MetricName, MetricEntry[]> {
  const hrs = convergedHours(c);
  const o = c.optimizer;
  const p = c.powerFlow;
  const pr = c.predicted;
  const fin = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : 0);
  const perHour = (key: HourKey): MetricEntry[] =>
    hrs.map((t) => ({
      t,
      element: null,
      optimizer: o[key][t - 1]!,
      powerFlow: p[key][t - 1]!,
      diff: p[key][t - 1]! - o[key][t - 1]!,
      predicted: fin(pr?.[key][t - 1]),
    }));
  const perElement = (key: ElemKey, names: string[]): MetricEntry[] => {
    const out: MetricEntry[] = [];
    for (const t of hrs) {
      const a = o[key][t - 1]!;
      const b = p[key][t - 1]!;
      const d = pr?.[key][t - 1];
      names.forEach((name, i) => {
        out.push({
          t,
          element: name,
          optimizer: a[i]!,
          powerFlow: b[i]!,
          diff: b[i]! - a[i]!,
          predicted: fin(d?.[i]),
        });
      });
    }
    return out;
  };
  const horizon = (key: HourKey): MetricEntry[] => {
    const so = horizonSum(c, o, key);
    const sp = horizonSum(c, p, key);
    let sd = 0;
    if (pr) for (const t of hrs) sd += fin(pr[key][t - 1]) * (key === "costUsd" ? 1 : c.dtH);
    return [{ t: null, element: null, optimizer: so, powerFlow: sp, diff: sp - so, predicted: sd }];
  };
  const bad = c.hours.filter((h) => h.status !== "converged").map((h) => h.t);
  const switches = c.findings.filter((f) => f.kind === "load-model" && f.severity !== "info");
  const switchedElements = [...new Set(switches.map((f) => f.element ?? ""))];
  return {
    voltagePu: perElement(
      "vPu",
      c.ids.buses.map((b) => `bus ${b}`),
    ),
    lossKw: perHour("lossKw"),
    pSubsKw: perHour("pSubsKw"),
    qSubsKvar: perHour("qSubsKvar"),
    costUsd: perHour("costUsd"),
    demandKw: perHour("loadKw"),
    demandKvar: perHour("loadKvar"),
    capacitorQKvar: perHour("capQKvar"),
    pvPKw: perElement("pvPKw", c.ids.pvs),
    pvQKvar: perElement("pvQKvar", c.ids.pvs),
    batteryPKw: perElement("battPKw", c.ids.batteries),
    batteryQKvar: perElement("battQKvar", c.ids.batteries),
    socKwh: perElement("battSocKwh", c.ids.batteries),
    horizonLossKwh: horizon("lossKw"),
    horizonPSubsKwh: horizon("pSubsKw"),
    horizonQSubsKvarh: horizon("qSubsKvar"),
    horizonCostUsd: horizon("costUsd"),
    nonConvergedHours: [
      {
        t: bad[0] ?? null,
        element: bad.length > 0 ? `hours ${bad.join(", ")}` : null,
        optimizer: 0,
        powerFlow: bad.length,
        diff: bad.length,
        predicted: 0,
      },
    ],
    loadModelSwitches: [
      {
        t: switches[0]?.t ?? null,
        element:
          switchedElements.length > 0
            ? switchedElements.slice(0, 5).join(", ") + (switchedElements.length > 5 ? ", …" : "")
            : null,
        optimizer: 0,
        powerFlow: switches.length,
        diff: switches.length,
        predicted: 0,
      },
    ],
  };
}

/** The largest |difference| of a metric, with where and when (NaN differences count as largest: a missing value). */
export interface MetricMax extends MetricEntry {
  metric: MetricName;
  unit: string;
  /** Number of entries the maximum was taken over. */
  count: number;
}

/** Largest |diff| entry of a list (a NaN diff wins: it means a value was not read back). */
export function largest(entries: MetricEntry[]): MetricEntry | null {
  let best: MetricEntry | null = null;
  for (const e of entries) {
    if (Number.isNaN(e.diff)) return e;
    if (best === null || Math.abs(e.diff) > Math.abs(best.diff)) best = e;
  }
  return best;
}

/** The maximum of every metric (metrics without entries, e.g. no PV, are left out); `all` = metricEntries(c). */
export function metricMaxima(
  c: ReplayComparison,
  all: Record<MetricName, MetricEntry[]> = metricEntries(c),
): MetricMax[] {
  const out: MetricMax[] = [];
  for (const m of METRIC_NAMES) {
    const e = largest(all[m]);
    if (e) out.push({ ...e, metric: m, unit: METRICS[m].unit, count: all[m].length });
  }
  return out;
}

/** Sum of a per-hour series over the converged hours (× Δt for energies). */
export function horizonSum(c: ReplayComparison, side: ReplaySeries, key: HourKey): number {
  let s = 0;
  for (const t of convergedHours(c)) s += side[key][t - 1]! * (key === "costUsd" ? 1 : c.dtH);
  return s;
}

/** Sum over the converged hours and all elements of a per-element series (× Δt). */
export function horizonElementSum(c: ReplayComparison, side: ReplaySeries, key: ElemKey): number {
  let s = 0;
  for (const t of convergedHours(c)) for (const v of side[key][t - 1]!) s += v * c.dtH;
  return s;
}
