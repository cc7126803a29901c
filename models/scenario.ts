/**
 * Scenario builders: from a study case and a request (horizon, Δt, DERs, objective, limits, formulation) to a
 * `Study` in engineering units — the case's feeder plus the DER rows the request adds — and, through the one
 * transform (`transform.ts`), to the per-unit `Scenario` every solver reads.
 *
 * DERs: a case's own PV and battery rows are used as they are (`der: "case"`); the paper's placement rule
 * (`spreadOverLoadBuses`, ratings relative to the host bus's load) writes explicit rows (`der: "rule"`); both
 * combine (`der: "both"`). Default: the case's rows when it has any, else the rule.
 */
import type { StudyCase } from "./case.ts";
import { InputError } from "./errors.ts";
import type { BatteryRow, Feeder, PriceDef, PvRow } from "./feeder.ts";
import { type Horizon, pickHorizon, toMath } from "./transform.ts";
import {
  type FormulationOptions,
  type ObjectiveKind,
  PAPER_FORMULATION,
  type ReactiveLimits,
  type Scenario,
  type ScenarioOptions,
  type TerminalCondition,
} from "./types.ts";

/** Where DERs come from: the case's own rows, the placement rule, or both. */
export type DerSource = "case" | "rule" | "both";

/** What a run asks for; anything left out takes the case's default. */
export interface ScenarioRequest {
  /** Horizon length T (periods of length Δt; 1..points available). */
  horizon?: number;
  /** Period length Δt (minutes); default: the finest step of the profiles the study uses. */
  stepMinutes?: number;
  objective?: ObjectiveKind;
  /** Share of load buses hosting a PV / a battery (0..100), for the placement rule. */
  pvPercent?: number;
  battPercent?: number;
  /** Where DERs come from (default: the case's rows when it has any, else the rule). */
  der?: DerSource;
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
  /** Formulation choices (physics, capacitor and load models, line charging); default the paper's. */
  formulation?: Partial<FormulationOptions>;
}

/** A study in engineering units: the feeder with its DERs, the horizon, prices, objective and options. */
export interface Study {
  name: string;
  feeder: Feeder;
  horizon: Horizon;
  price: PriceDef;
  objective: { kind: ObjectiveKind; alphaScd: number; weight: number };
  options: ScenarioOptions;
  /** How the DERs were chosen (for manifests). */
  der: { source: DerSource; pvPercent: number; battPercent: number };
}

/** Ids of the load buses (non-zero rated P or Q summed over the bus's loads), in bus-table order. */
export function loadBusIds(feeder: Feeder): string[] {
  const p = new Map<string, number>();
  const q = new Map<string, number>();
  for (const l of feeder.loads) {
    p.set(l.bus, (p.get(l.bus) ?? 0) + l.kw);
    q.set(l.bus, (q.get(l.bus) ?? 0) + l.kvar);
  }
  return feeder.buses.map((b) => b.id).filter((id) => (p.get(id) ?? 0) !== 0 || (q.get(id) ?? 0) !== 0);
}

/** Rated real load (kW) per bus id, summed over its loads. */
export function busLoadKw(feeder: Feeder): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of feeder.loads) out.set(l.bus, (out.get(l.bus) ?? 0) + l.kw);
  return out;
}

/**
 * The authors' placement rule: of the N load buses in bus order, take n = ceil(N·pct/100) at
 * 1-based positions floor(linspace(1, N, n)) (MATLAB's linspace: n = 1 gives N). Returns bus ids.
 */
export function spreadOverLoadBuses(feeder: Feeder, percent: number): string[] {
  const lb = loadBusIds(feeder);
  const N = lb.length;
  const n = Math.ceil((N * percent) / 100 - 1e-12);
  if (n <= 0 || N === 0) return [];
  const picks: string[] = [];
  for (let k = 0; k < n; k++) {
    const pos = n === 1 ? N : k === n - 1 ? N : 1 + (k * (N - 1)) / (n - 1);
    picks.push(lb[Math.floor(pos + 1e-9) - 1]!);
  }
  return [...new Set(picks)];
}

export { windowStart } from "./transform.ts";

function checkPercent(v: number, field: string): void {
  if (!Number.isFinite(v) || v < 0 || v > 100) {
    throw new InputError("bad-percentage", `must be a percentage in 0..100 (got ${v})`, {
      element: "scenario",
      field,
    });
  }
}

/** The placement rule of a case as explicit PV and battery rows (ratings relative to the host bus's load). */
export function placeByRule(
  c: StudyCase,
  pvPercent: number,
  battPercent: number,
): { pvs: PvRow[]; batteries: BatteryRow[] } {
  const der = c.spec.der;
  const f = c.feeder;
  const load = busLoadKw(f);
  const pvHosts = der.pvBuses ?? spreadOverLoadBuses(f, pvPercent);
  const battHosts = der.batteryBuses ?? spreadOverLoadBuses(f, battPercent);
  const pvs: PvRow[] = pvHosts.map((bus) => {
    const p = der.pv.pRatedPerLoadKw * (load.get(bus) ?? 0);
    return { id: `PV${bus}`, bus, pmppKw: p, kva: der.pv.sOverP * p };
  });
  const br = der.battery;
  const batteries: BatteryRow[] = battHosts.map((bus) => {
    const p = br.pRatedPerLoadKw * (load.get(bus) ?? 0);
    return {
      id: `Battery${bus}`,
      bus,
      kw: p,
      kwh: br.energyHours * p,
      kva: br.sOverP * p,
      etaCharge: br.etaCharge,
      etaDischarge: br.etaDischarge,
      socMin: br.socMin,
      socMax: br.socMax,
      soc0: br.soc0,
    };
  });
  return { pvs, batteries };
}

/** Build a Study (engineering units) from a case and a request. Throws `InputError` for bad requests. */
export function buildStudy(c: StudyCase, req: ScenarioRequest = {}): Study {
  const d = c.spec.defaults;
  const derSpec = c.spec.der;
  const hasCaseDers = c.feeder.pvs.length + c.feeder.batteries.length > 0;
  const ruleAsked = req.pvPercent !== undefined || req.battPercent !== undefined;
  const source: DerSource = req.der ?? (hasCaseDers ? (ruleAsked ? "both" : "case") : "rule");
  const pvPercent = req.pvPercent ?? derSpec.pvPercent;
  const battPercent = req.battPercent ?? derSpec.battPercent;
  checkPercent(pvPercent, "pvPercent");
  checkPercent(battPercent, "battPercent");
  let feeder = c.feeder;
  if (source !== "case") {
    const placed = placeByRule(c, pvPercent, battPercent);
    const base = source === "both" ? feeder : { ...feeder, pvs: [], batteries: [] };
    const taken = new Set([...base.pvs.map((p) => p.id), ...base.batteries.map((b) => b.id)]);
    for (const r of [...placed.pvs, ...placed.batteries]) {
      if (taken.has(r.id)) {
        throw new InputError(
          "schema",
          `the placement rule's ${r.id} clashes with a DER row of the case (--der both)`,
          {
            element: `DER ${r.id}`,
            field: "id",
          },
        );
      }
    }
    feeder = {
      ...base,
      pvs: [...base.pvs, ...placed.pvs],
      batteries: [...base.batteries, ...placed.batteries],
    };
  }

  const priceName = req.price ?? d.price;
  const price = c.feeder.prices[priceName];
  if (!price) {
    throw new InputError(
      "bad-option",
      `unknown price series '${priceName}' (available: ${Object.keys(c.feeder.prices).join(", ")})`,
      { element: "scenario", field: "price" },
    );
  }
  const horizon = pickHorizon(feeder, price, req.horizon ?? d.horizon, req.stepMinutes);

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
  if (lineLimits && !c.feeder.lines.some((l) => l.iMaxA !== undefined)) {
    throw new InputError(
      "bad-option",
      "line limits asked for, but no branch of the case has an ampacity (column i_max_a of the branch table): they would enforce nothing",
      { element: "scenario", field: "lineLimits" },
    );
  }
  const terminalGamma = req.terminalGamma ?? d.terminalGamma;
  const alphaScd = req.alphaScd ?? derSpec.alphaScd;
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
  const objective = req.objective ?? d.objective;
  const T = horizon.T;
  const dtText = horizon.dtH === 1 ? "" : ` dt${+(horizon.dtH * 60).toFixed(6)}min`;
  const derText =
    source === "case"
      ? " der-case"
      : `${source === "both" ? " der-case+" : " "}pv${pvPercent} batt${battPercent}`;
  return {
    name: `${c.name} T=${T}${dtText} ${objective}${derText}`,
    feeder,
    horizon,
    price,
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
      formulation: { ...PAPER_FORMULATION, ...req.formulation },
    },
    der: { source, pvPercent, battPercent },
  };
}

/** Build the per-unit Scenario of a request on a case: `toMath(buildStudy(c, req))` on the case's network. */
export function buildScenario(c: StudyCase, req: ScenarioRequest = {}): Scenario {
  return toMath(buildStudy(c, req), c.network);
}
