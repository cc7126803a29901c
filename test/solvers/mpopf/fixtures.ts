/** Small synthetic feeders and scenarios for the MPOPF tests (no reference data needed). */
import { buildFeeder, type FeederSpec, networkOf, scenarioFromSeries } from "../../../models/build.ts";
import type { BatteryRow, Feeder, PvRow } from "../../../models/feeder.ts";
import type { Network, Scenario, ScenarioOptions } from "../../../models/types.ts";

/**
 * A 7-bus feeder with a branching point:  1 → 2 → 3 → 4,  3 → 5 → 6,  2 → 7.
 * Loads of tens of kW on a 1 MVA / 2.4018 kV base.
 */
export function smallSpec(over: Partial<FeederSpec> = {}): FeederSpec {
  const loads: Array<[string, number, number, number]> = [
    ["1", 0, 0, 0],
    ["2", 20, 10, 0],
    ["3", 40, 20, 0],
    ["4", 60, 30, 10],
    ["5", 30, 15, 0],
    ["6", 50, 25, 0],
    ["7", 25, 12, 5],
  ];
  const lines: Array<[string, string, number, number]> = [
    ["1", "2", 0.05, 0.08],
    ["2", "3", 0.12, 0.2],
    ["3", "4", 0.1, 0.15],
    ["3", "5", 0.2, 0.18],
    ["5", "6", 0.15, 0.12],
    ["2", "7", 0.3, 0.25],
  ];
  return {
    name: "small7",
    sBaseKva: 1000,
    vBaseKvLn: 4.16 / Math.sqrt(3),
    substation: "1",
    vSubsPu: 1.03,
    buses: loads.map(([id, p, q, c]) => ({ id, pLoadKw: p, qLoadKvar: q, qCapKvar: c })),
    branches: lines.map(([from, to, rOhm, xOhm]) => ({ from, to, rOhm, xOhm, iMaxA: 200 })),
    ...over,
  };
}

/** The small feeder (engineering model) with its two PVs and two batteries. */
export function smallFeeder(over: Partial<FeederSpec> = {}): Feeder {
  return buildFeeder({
    pvs: [pv("4", 30), pv("6", 20)],
    batteries: [battery("4", 20), battery("7", 10)],
    ...smallSpec(over),
  });
}

/** The small feeder's per-unit network. */
export function smallNetwork(): Network {
  return networkOf(smallFeeder());
}

/** A battery at a bus with the study case's rules (P = 0.35·load-ish, S = 1.2 P, E = 4 h, SOC0 0.625). */
export function battery(busId: string, pKw: number, soc0 = 0.625): BatteryRow {
  return {
    id: `B${busId}`,
    bus: busId,
    kw: pKw,
    kva: 1.2 * pKw,
    kwh: 4 * pKw,
    etaCharge: 0.95,
    etaDischarge: 0.95,
    socMin: 0.3,
    socMax: 0.95,
    soc0,
  };
}

/** A PV unit at a bus. */
export function pv(busId: string, pKw: number): PvRow {
  return { id: `PV${busId}`, bus: busId, pmppKw: pKw, kva: 1.2 * pKw };
}

/** Default options as coded by the authors. */
export function defaultOptions(over: Partial<ScenarioOptions> = {}): Omit<ScenarioOptions, "formulation"> {
  return {
    vMinPu: 0.95,
    vMaxPu: 1.05,
    terminal: "hard",
    terminalGamma: 0,
    limits: "rated",
    peakCapKw: null,
    noBackfeed: false,
    lineLimits: false,
    ...over,
  };
}

/** A T-period scenario on a feeder (default: the small feeder with 2 PVs and 2 batteries). */
export function smallScenario(
  T: number,
  kind: "cost" | "loss",
  over: Partial<ScenarioOptions> = {},
  feeder: Feeder = smallFeeder(),
): Scenario {
  const load = [0.7, 0.8, 0.95, 1, 0.9, 0.75];
  const pvm = [0.2, 0.8, 1, 0.6, 0.1, 0];
  const price = [0.05, 0.05, 0.3, 0.3, 0.05, 0.05];
  return scenarioFromSeries(feeder, {
    name: `${feeder.name}-T${T}-${kind}`,
    T,
    loadMult: Array.from({ length: T }, (_, t) => load[t % load.length]!),
    pvMult: Array.from({ length: T }, (_, t) => pvm[t % pvm.length]!),
    priceUsdPerKwh: Array.from({ length: T }, (_, t) => price[t % price.length]!),
    objective: { kind, alphaScd: 1e-3, weight: 1 },
    options: defaultOptions(over),
  });
}
