/**
 * The engineering data model: a feeder as a user (or a deck) states it, one table per element type with
 * stable ids and engineering units (kV, Ω, µS, kW, kVAr, kVA, kWh, $/kWh), pandapower-style. Nothing here is
 * per unit: `transform.ts` turns a study on a feeder into the per-unit, indexed math model (`types.ts`).
 *
 * Every row may carry the file and line it came from (`at`), so that later checks (a load on a missing bus,
 * a transformer whose kV does not match its zone) can name the place in the input.
 */

/** Where a row came from (for error messages). */
export interface SourceRef {
  file?: string;
  line?: number;
}

/** A bus: id, optional nominal line-to-line voltage (checked against its zone's base) and coordinates. */
export interface BusRow {
  id: string;
  /** Nominal line-to-line voltage (kV); optional (the zone base is then used). */
  kvNominal?: number;
  x?: number;
  y?: number;
  at?: SourceRef;
}

/** The source (substation): its bus, voltage set-point and optional short-circuit impedance. */
export interface SourceRow {
  bus: string;
  /** Voltage magnitude at the source (pu of the bus's base). */
  vPu: number;
  /** Line-to-neutral base voltage of the source's zone (kV). */
  kvBaseLn: number;
  /** Optional Thevenin impedance behind the source bus (Ω); when given, a fixed-voltage node sits behind it. */
  rOhm?: number;
  xOhm?: number;
  at?: SourceRef;
}

/** A line (or switch) between two buses of one voltage zone. */
export interface LineRow {
  id: string;
  from: string;
  to: string;
  rOhm: number;
  xOhm: number;
  /** Total shunt susceptance (µS), split half at each end (line charging); default 0. */
  bUs?: number;
  /** Ampacity (A); enables l ≤ I_max² when the study asks for line limits. */
  iMaxA?: number;
  /** Switch state: an open line is not part of the network. Default true. */
  closed?: boolean;
  at?: SourceRef;
}

/**
 * A two-winding transformer, as its balanced (positive-sequence) equivalent: rated kVA, primary and
 * secondary line-to-line kV, series %R and %X on its own kVA, and a fixed off-nominal tap on the secondary
 * (pu: the no-load secondary voltage is tap × the rated ratio). It sets its downstream zone's voltage base.
 */
export interface TransformerRow {
  id: string;
  /** Primary (upstream) and secondary bus. */
  from: string;
  to: string;
  kva: number;
  kvPrimary: number;
  kvSecondary: number;
  rPct: number;
  xPct: number;
  /** Fixed tap on the secondary winding (pu), default 1. */
  tap?: number;
  at?: SourceRef;
}

/** Voltage dependence of a load: fractions of the rated power that are constant Z, constant I, constant P. */
export interface ZipModel {
  p: [z: number, i: number, pw: number];
  q: [z: number, i: number, pw: number];
}

/** How a load depends on voltage. */
export type LoadModelKind = "pq" | "z" | "i" | "zip";

/** A load: rated kW / kVAr at 1 pu voltage and multiplier 1, its voltage dependence and its profile. */
export interface LoadRow {
  id: string;
  bus: string;
  kw: number;
  kvar: number;
  model: LoadModelKind;
  /** ZIP fractions (model "zip"; each triple sums to 1). */
  zip?: ZipModel;
  /** Name of the multiplier profile; default: the case's default load profile. */
  profile?: string;
  at?: SourceRef;
}

/** A fixed shunt capacitor: kVAr at its rated voltage (default: the bus's base). */
export interface CapacitorRow {
  id: string;
  bus: string;
  kvar: number;
  /** Rated line-to-line voltage (kV); default the bus's zone base. */
  kvRated?: number;
  at?: SourceRef;
}

/** A PV system with its inverter: Pmpp (kW) times the irradiance profile is the available real power. */
export interface PvRow {
  id: string;
  bus: string;
  pmppKw: number;
  kva: number;
  /** Name of the irradiance (multiplier of Pmpp) profile; default: the case's default PV profile. */
  profile?: string;
  at?: SourceRef;
}

/** A battery with its inverter. */
export interface BatteryRow {
  id: string;
  bus: string;
  /** Charge / discharge power limit (kW). */
  kw: number;
  /** Energy capacity (kWh). */
  kwh: number;
  /** Inverter apparent-power rating (kVA). */
  kva: number;
  etaCharge: number;
  etaDischarge: number;
  /** SOC band and initial SOC, as fractions of kWh. */
  socMin: number;
  socMax: number;
  soc0: number;
  /** Optional quadratic throughput cost ($/kWh per kW of charge or discharge): c·(P_c² + P_d²)·Δt / P_rated. */
  throughputCostUsdPerKwh?: number;
  at?: SourceRef;
}

/** A named time series with its step length: a multiplier profile or a price series. */
export interface Profile {
  name: string;
  /** Step length (h): 1 for hourly, 0.25 for 15 minutes … */
  stepHours: number;
  values: Float64Array;
  /** Where it came from. */
  file?: string;
  column?: string;
  /** Source line and label of each point (for messages). */
  points?: Array<{ line: number; label: string }>;
  /** Where the whole series was defined and under which name (e.g. an OpenDSS `LoadShape.x` at file:line). */
  definedAt?: SourceRef & { element: string };
}

/** A price series: a profile of $/kWh, or the on/off-peak rule (peak price for the highest-load periods). */
export type PriceDef =
  | { name: string; rule: "series"; profile: string; description?: string }
  | { name: string; rule: "on-off-peak"; profile: string; peakShare: number; description?: string };

/**
 * What the rows' powers and impedances stand for (see types.ts `PhaseModel`): `per-phase` (a single-phase or
 * per-phase equivalent: powers per phase, ohms of one phase conductor) or `three-phase` (a balanced
 * positive-sequence equivalent: powers are three-phase totals, ohms are positive-sequence ohms, kV line-to-line).
 */
export type FeederPhaseModel = "per-phase" | "three-phase";

/** A feeder in engineering units: element tables, profiles and price series. */
export interface Feeder {
  name: string;
  description?: string;
  /** System power base (kVA) the math model is put in per unit on. */
  sBaseKva: number;
  /** Per-phase (default) or three-phase total-power convention of every row. */
  phaseModel?: FeederPhaseModel;
  /**
   * What the model leaves out or approximates of its source (an imported three-phase deck's "what the balanced
   * model leaves out"), one line each; shown by `case show` and in reports, never dropped silently.
   */
  approximations?: string[];
  source: SourceRow;
  buses: BusRow[];
  lines: LineRow[];
  transformers: TransformerRow[];
  loads: LoadRow[];
  capacitors: CapacitorRow[];
  pvs: PvRow[];
  batteries: BatteryRow[];
  profiles: Record<string, Profile>;
  prices: Record<string, PriceDef>;
  /** The default load and PV profiles (used by rows that name none, and by the placement rule). */
  defaultLoadProfile: string;
  defaultPvProfile: string;
  /** Where the data came from (one line per table). */
  provenance: string[];
}

/** The constant-power model (the paper's): every load is P, Q independent of voltage. */
export const PQ_MODEL: ZipModel = { p: [0, 0, 1], q: [0, 0, 1] };

/** The ZIP fractions of a load row (pq, z, i as the pure cases). */
export function zipOf(load: Pick<LoadRow, "model" | "zip">): ZipModel {
  switch (load.model) {
    case "pq":
      return PQ_MODEL;
    case "z":
      return { p: [1, 0, 0], q: [1, 0, 0] };
    case "i":
      return { p: [0, 1, 0], q: [0, 1, 0] };
    case "zip":
      return load.zip ?? PQ_MODEL;
  }
}

/** "file:line" of a row, for messages. */
export function where(at: SourceRef | undefined): SourceRef {
  return at ?? {};
}
