import type { StudyCase } from "./case.ts";
import type { PriceSeries } from "./case-schema.ts";
import { InputError } from "./errors.ts";
import type {
  Battery,
  Network,
  ObjectiveKind,
  PvUnit,
  ReactiveLimits,
  Scenario,
  TerminalCondition,
} from "./types.ts";

/** What a run asks for; anything left out takes the case's default. */
export interface ScenarioRequest {
  /** Horizon length T (periods of the profile step, 1..points). */
  horizon?: number;
  objective?: ObjectiveKind;
  /** Share of load buses hosting a PV / a battery (0..100). */
  pvPercent?: number;
  battPercent?: number;
  terminal?: TerminalCondition;
  terminalGamma?: number;
  limits?: ReactiveLimits;
  /** Substation peak cap (kW), null for none. */
  peakCapKw?: number | null;
  noBackfeed?: boolean;
  lineLimits?: boolean;
  /** Name of a price series of the case (e.g. "lmp-onoff", "comed-20231110"). */
  price?: string;
  alphaScd?: number;
  vMinPu?: number;
  vMaxPu?: number;
}

/** Indices of load buses (non-zero rated P or Q), in bus order. */
export function loadBuses(network: Network): number[] {
  const out: number[] = [];
  network.buses.forEach((b, i) => {
    if (b.pLoadKw !== 0 || b.qLoadKvar !== 0) out.push(i);
  });
  return out;
}

/**
 * The authors' placement rule: of the N load buses in bus order, take n = ceil(N·pct/100) at
 * 1-based positions floor(linspace(1, N, n)) (MATLAB's linspace: n = 1 gives N).
 */
export function spreadOverLoadBuses(network: Network, percent: number): number[] {
  const lb = loadBuses(network);
  const N = lb.length;
  const n = Math.ceil((N * percent) / 100 - 1e-12);
  if (n <= 0 || N === 0) return [];
  const picks: number[] = [];
  for (let k = 0; k < n; k++) {
    const pos = n === 1 ? N : k === n - 1 ? N : 1 + (k * (N - 1)) / (n - 1);
    picks.push(lb[Math.floor(pos + 1e-9) - 1]!);
  }
  return [...new Set(picks)];
}

/** The first index (0-based) of the middle-T window of an N-point shape: ceil((N − T + 1)/2) − 1. */
export function windowStart(points: number, T: number): number {
  return Math.ceil((points - T + 1) / 2) - 1;
}

/** Build a price series for the window [start, start+T) from a case's price definition. */
export function buildPrices(
  series: PriceSeries,
  columns: Record<string, Float64Array>,
  loadMult: Float64Array,
  start: number,
  T: number,
): Float64Array {
  const col = columns[series.column]!;
  const out = new Float64Array(T);
  if (series.rule === "hourly") {
    for (let t = 0; t < T; t++) out[t] = col[start + t]!;
    return out;
  }
  let hi = -Infinity;
  let lo = Infinity;
  for (const v of col) {
    hi = Math.max(hi, v);
    lo = Math.min(lo, v);
  }
  const k = Math.max(1, Math.floor(series.peakShare * T + 1e-12));
  // Stable ranking by load multiplier, highest first (ties: earlier hour first).
  const idx = Array.from({ length: T }, (_, t) => t).sort((a, b) => loadMult[b]! - loadMult[a]! || a - b);
  out.fill(lo);
  for (let j = 0; j < k && j < T; j++) out[idx[j]!] = hi;
  return out;
}

function checkPercent(v: number, field: string): void {
  if (!Number.isFinite(v) || v < 0 || v > 100) {
    throw new InputError("bad-percentage", `must be a percentage in 0..100 (got ${v})`, {
      element: "scenario",
      field,
    });
  }
}

/** Build a Scenario (horizon window, profiles, prices, DERs with ratings, objective, options) from a case. */
export function buildScenario(c: StudyCase, req: ScenarioRequest = {}): Scenario {
  const d = c.spec.defaults;
  const der = c.spec.der;
  const net = c.network;
  const T = req.horizon ?? d.horizon;
  const N = c.profiles.points;
  if (!Number.isInteger(T) || T < 1 || T > N) {
    throw new InputError(
      "bad-horizon",
      `horizon must be an integer in 1..${N} for the case's ${N}-point profiles (got ${T})`,
      {
        element: "scenario",
        field: "horizon",
      },
    );
  }
  const pvPercent = req.pvPercent ?? der.pvPercent;
  const battPercent = req.battPercent ?? der.battPercent;
  checkPercent(pvPercent, "pvPercent");
  checkPercent(battPercent, "battPercent");
  const priceName = req.price ?? d.price;
  const series = c.spec.prices.series[priceName];
  if (!series) {
    throw new InputError(
      "bad-option",
      `unknown price series '${priceName}' (available: ${Object.keys(c.spec.prices.series).join(", ")})`,
      { element: "scenario", field: "price" },
    );
  }
  const vMinPu = req.vMinPu ?? d.vMinPu;
  const vMaxPu = req.vMaxPu ?? d.vMaxPu;
  if (!(vMinPu > 0 && vMinPu < vMaxPu)) {
    throw new InputError(
      "bad-option",
      `voltage band must satisfy 0 < vMin < vMax (got ${vMinPu}..${vMaxPu})`,
      {
        element: "scenario",
        field: "vMinPu",
      },
    );
  }
  const peakCapKw = req.peakCapKw === undefined ? d.peakCapKw : req.peakCapKw;
  if (peakCapKw !== null && !(peakCapKw > 0)) {
    throw new InputError("bad-option", `peak cap must be a positive number of kW (got ${peakCapKw})`, {
      element: "scenario",
      field: "peakCapKw",
    });
  }
  const lineLimits = req.lineLimits ?? d.lineLimits;
  if (lineLimits && !net.branches.some((b) => b.iMaxA !== undefined)) {
    throw new InputError(
      "bad-option",
      "line limits asked for, but no branch of the case has an ampacity (column i_max_a of the branch table): they would enforce nothing",
      { element: "scenario", field: "lineLimits" },
    );
  }
  const terminalGamma = req.terminalGamma ?? d.terminalGamma;
  const alphaScd = req.alphaScd ?? der.alphaScd;
  for (const [field, v] of [
    ["terminalGamma", terminalGamma],
    ["alphaScd", alphaScd],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new InputError("bad-option", `weight must be a finite number >= 0 (got ${v})`, {
        element: "scenario",
        field,
      });
    }
  }

  const start = windowStart(N, T);
  const loadMult = c.profiles.columns[c.profiles.loadColumn]!.slice(start, start + T);
  const pvMult = c.profiles.columns[c.profiles.pvColumn]!.slice(start, start + T);
  const priceUsdPerKwh = buildPrices(series, c.profiles.columns, loadMult, start, T);

  const pvHosts = der.pvBuses
    ? der.pvBuses.map((id) => net.busIndex[id]!)
    : spreadOverLoadBuses(net, pvPercent);
  const battHosts = der.batteryBuses
    ? der.batteryBuses.map((id) => net.busIndex[id]!)
    : spreadOverLoadBuses(net, battPercent);
  const pvs: PvUnit[] = pvHosts.map((b) => {
    const p = der.pv.pRatedPerLoadKw * net.buses[b]!.pLoadKw;
    return { id: `PV${net.buses[b]!.id}`, bus: b, pRatedKw: p, sRatedKva: der.pv.sOverP * p };
  });
  const br = der.battery;
  const batteries: Battery[] = battHosts.map((b) => {
    const p = br.pRatedPerLoadKw * net.buses[b]!.pLoadKw;
    const e = br.energyHours * p;
    return {
      id: `Battery${net.buses[b]!.id}`,
      bus: b,
      pRatedKw: p,
      sRatedKva: br.sOverP * p,
      eRatedKwh: e,
      etaCharge: br.etaCharge,
      etaDischarge: br.etaDischarge,
      socMin: br.socMin,
      socMax: br.socMax,
      b0Kwh: br.soc0 * e,
    };
  });
  const objective = req.objective ?? d.objective;
  return {
    name: `${c.name} T=${T} ${objective} pv${pvPercent} batt${battPercent}`,
    network: net,
    T,
    dtH: c.profiles.stepHours,
    startIndex: start,
    loadMult,
    pvMult,
    priceUsdPerKwh,
    pvs,
    batteries,
    objective: { kind: objective, alphaScd, weight: 1 },
    options: {
      vMinPu,
      vMaxPu,
      terminal: req.terminal ?? d.terminal,
      terminalGamma,
      limits: req.limits ?? d.limits,
      peakCapKw,
      noBackfeed: req.noBackfeed ?? d.noBackfeed,
      lineLimits,
    },
    provenance: `${c.profiles.file}: points ${start}..${start + T - 1}; price '${priceName}'`,
  };
}
