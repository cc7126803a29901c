/**
 * The data model shared by every stage: a radial feeder (`Network`) and a study (`Scenario`).
 *
 * Engineering units (kW, kVAr, kWh, Ω, kV) are kept next to per-unit values on the network's
 * bases (S_base in kVA, V_base line-to-neutral in kV). Bus and branch indices are 0-based and
 * stable; every per-element array is indexed by them. All types are plain data (structured-clone
 * safe) so a Network or Scenario can be posted to a worker thread.
 */

/** A bus of the single-phase-equivalent feeder. */
export interface Bus {
  /** User-facing id (e.g. "1".."128" for IEEE-123). */
  id: string;
  /** Rated real / reactive load at multiplier 1 (kW, kVAr). */
  pLoadKw: number;
  qLoadKvar: number;
  /** Fixed shunt capacitor (kVAr at 1 pu voltage). */
  qCapKvar: number;
}

/** A branch (line, switch or regulator placeholder) from parent bus `from` to child bus `to`. */
export interface Branch {
  id: string;
  /** Parent bus index (closer to the substation). */
  from: number;
  /** Child bus index. */
  to: number;
  rOhm: number;
  xOhm: number;
  /** Per-unit impedance on the network's Z base. */
  rPu: number;
  xPu: number;
  /** Optional ampacity (A); enables l <= Imax² when the scenario asks for line limits. */
  iMaxA?: number;
}

/** A radial feeder with its bases and tree structure. */
export interface Network {
  name: string;
  /** Power base (kVA), e.g. 1000. */
  sBaseKva: number;
  /** Voltage base, line-to-neutral (kV), e.g. 2.4018. */
  vBaseKvLn: number;
  /** Impedance base (Ω) = vBaseKvLn² · 1000 / sBaseKva. */
  zBaseOhm: number;
  /** Current base (A) = sBaseKva / vBaseKvLn. */
  iBaseA: number;
  /** Substation (slack) bus index and its fixed voltage magnitude (pu). */
  substation: number;
  vSubsPu: number;
  /** Buses in a topological order is NOT guaranteed; use `order`. */
  buses: Bus[];
  /** Branches; branch k feeds bus branches[k].to. */
  branches: Branch[];
  /** Bus id → index. */
  busIndex: Record<string, number>;
  /** Branch id → index. */
  branchIndex: Record<string, number>;
  /** Parent bus of each bus (-1 for the substation). */
  parent: Int32Array;
  /** Branch whose `to` is this bus (-1 for the substation). */
  parentBranch: Int32Array;
  /** Child buses of each bus. */
  children: number[][];
  /** Branches leaving each bus (from = bus). */
  childBranches: number[][];
  /** Buses in breadth-first order from the substation (parents before children). */
  order: Int32Array;
  /** Where the data came from (file paths), for error messages and manifests. */
  source?: string;
}

/** A PV inverter: real output is a parameter p = pRatedKw · pvMult(t); reactive output is a decision. */
export interface PvUnit {
  id: string;
  /** Host bus index. */
  bus: number;
  /** Rated (Pmpp) real power (kW). */
  pRatedKw: number;
  /** Inverter apparent-power rating (kVA). */
  sRatedKva: number;
}

/** A battery with its inverter. */
export interface Battery {
  id: string;
  bus: number;
  /** Charge / discharge power limit (kW). */
  pRatedKw: number;
  /** Inverter apparent-power rating (kVA). */
  sRatedKva: number;
  /** Energy capacity (kWh). */
  eRatedKwh: number;
  etaCharge: number;
  etaDischarge: number;
  /** SOC limits as fractions of eRatedKwh. */
  socMin: number;
  socMax: number;
  /** Initial stored energy (kWh). */
  b0Kwh: number;
}

export type ObjectiveKind = "loss" | "cost";
export type TerminalCondition = "hard" | "soft" | "free";
export type ReactiveLimits = "rated" | "available";

/** What is optimized. */
export interface ObjectiveSpec {
  kind: ObjectiveKind;
  /** Weight of the battery-loss (SCD) term α. */
  alphaScd: number;
  /** Weight of the main term (default 1). */
  weight: number;
}

/** Options of the multi-period OPF. */
export interface ScenarioOptions {
  /** Voltage band (pu of magnitude). */
  vMinPu: number;
  vMaxPu: number;
  terminal: TerminalCondition;
  /** Weight γ of the soft terminal penalty γ (B_T − B0)² in per unit. */
  terminalGamma: number;
  limits: ReactiveLimits;
  /** Optional substation peak cap (kW); null for none. */
  peakCapKw: number | null;
  /** Require P_subs >= 0 (no back-feed). */
  noBackfeed: boolean;
  /** Enforce l <= Imax² on branches that have iMaxA. */
  lineLimits: boolean;
}

/** A multi-period study on a network. */
export interface Scenario {
  name: string;
  network: Network;
  /** Horizon length (number of periods). */
  T: number;
  /** Period length (h). */
  dtH: number;
  /** 0-based index of the first hour of the horizon in the 24-h shapes (middle-T window). */
  startIndex: number;
  /** Per period t = 0..T-1. */
  loadMult: Float64Array;
  pvMult: Float64Array;
  priceUsdPerKwh: Float64Array;
  pvs: PvUnit[];
  batteries: Battery[];
  objective: ObjectiveSpec;
  options: ScenarioOptions;
  /** Human-readable description of where the profiles and prices came from. */
  provenance?: string;
}
