/**
 * The math model: per unit, indexed, with the derived topology — what every formulation, the initial point,
 * the distributed methods, the self-check and the replay's optimizer side read. It is produced from the
 * engineering model (`feeder.ts`) by one transform (`transform.ts`); nothing here is in kW or Ω.
 *
 * Per-unit system: one power base S_base (kVA) for the whole feeder; one line-to-neutral voltage base per
 * voltage zone (the source's zone, and one below each transformer). The network's phase model says what a
 * power and an impedance mean (`PhaseModel`): per phase (Z_base = V_LN² · 1000 / S_base, I_base = S_base / V_LN,
 * the single-phase equivalent's convention) or three-phase total power (Z_base = V_LL² · 1000 / S_base,
 * I_base = S_base / (√3 · V_LL), a balanced positive-sequence equivalent of a three-phase feeder). Powers are per unit of S_base, energies per unit of S_base·h, voltages and
 * currents per unit of their zone's bases. Bus, branch and device indices are 0-based and stable; time series
 * are per period t = 0..T−1 of length Δt. All types are plain data (structured-clone safe), so a Network or
 * Scenario can be posted to a worker thread.
 */

/**
 * What powers and impedances stand for.
 * - `per-phase`: a single-phase (or balanced per-phase) feeder: powers are per phase, voltages line-to-neutral,
 *   Z_base = V_LN²·1000/S_base, I_base = S_base/V_LN. The paper's IEEE-123 equivalent (loads of 1163 kW = 3490/3).
 * - `three-phase`: a balanced positive-sequence equivalent of a three-phase feeder: powers are three-phase totals,
 *   impedances positive-sequence ohms per phase, Z_base = V_LL²·1000/S_base = 3·V_LN²·1000/S_base,
 *   I_base = S_base/(√3·V_LL) (the phase current). Per-unit voltages are the same in both.
 */
export type PhaseModel = "per-phase" | "three-phase";

/** A voltage zone: the bases below one transformer (or the source). */
export interface Zone {
  /** Line-to-neutral voltage base (kV). */
  vBaseKvLn: number;
  /** Impedance base (Ω): vBaseKvLn² · 1000 / S_base per phase; 3 · vBaseKvLn² · 1000 / S_base three-phase. */
  zBaseOhm: number;
  /** Current base (A): S_base / vBaseKvLn per phase; S_base / (3 · vBaseKvLn) three-phase. */
  iBaseA: number;
}

/** A bus of the single-phase-equivalent feeder. */
export interface Bus {
  /** User-facing id (e.g. "1".."128" for IEEE-123). */
  id: string;
  /** Index of its voltage zone in `Network.zones`. */
  zone: number;
}

/** A branch (line, switch or transformer) from parent bus `from` to child bus `to`. */
export interface Branch {
  id: string;
  kind: "line" | "transformer" | "source";
  /** Parent bus index (closer to the substation). */
  from: number;
  /** Child bus index. */
  to: number;
  /** Series resistance and reactance (pu on the child zone's Z base). */
  rPu: number;
  xPu: number;
  /** Total shunt susceptance (pu), half at each end (line charging); 0 for none. */
  bPu: number;
  /**
   * Off-nominal ratio (pu) of an ideal transformer at the `from` end: the series impedance sees τ·V_from.
   * 1 for lines.
   */
  tap: number;
  /** Ampacity (A, on the child zone's current base); enables l ≤ I_max² when the study asks for line limits. */
  iMaxA?: number;
}

/** A radial feeder in per unit, with its bases and tree structure. */
export interface Network {
  name: string;
  /** Power base (kVA), e.g. 1000: per phase or three-phase total, as `phaseModel` says. */
  sBaseKva: number;
  /** Per-phase or three-phase (total power) convention of the bases and every per-unit value. */
  phaseModel: PhaseModel;
  /** Voltage zones; zone 0 is the source's. */
  zones: Zone[];
  /** Substation (slack) bus index and its fixed voltage magnitude (pu). */
  substation: number;
  vSubsPu: number;
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

/** Voltage dependence of a load as ZIP fractions of its rated P and Q (each triple sums to 1). */
export interface LoadModel {
  p: [z: number, i: number, pw: number];
  q: [z: number, i: number, pw: number];
}

/**
 * A load: rated demand at 1 pu voltage and multiplier 1, its multiplier per period (its profile resampled to
 * the horizon; loads with the same profile share the array) and its voltage dependence. Demand in period t at
 * 1 pu voltage: pRatedPu · mult[t], qRatedPu · mult[t].
 */
export interface Load {
  id: string;
  bus: number;
  pRatedPu: number;
  qRatedPu: number;
  /** Name of the profile the multipliers come from. */
  profile: string;
  /** Multiplier per period, length T. */
  mult: Float64Array;
  model: LoadModel;
}

/** A fixed shunt capacitor: reactive output at 1 pu voltage (pu); at voltage V it gives qPu·V². */
export interface Capacitor {
  id: string;
  bus: number;
  qPu: number;
}

/** A PV inverter: real output is a parameter (available power per period); reactive output is a decision. */
export interface PvUnit {
  id: string;
  bus: number;
  /** Rated (Pmpp) real power (pu). */
  pRatedPu: number;
  /** Inverter apparent-power rating (pu). */
  sRatedPu: number;
  /** Available real power per period (pu), length T. */
  pAvailPu: Float64Array;
}

/** A battery with its inverter. */
export interface Battery {
  id: string;
  bus: number;
  /** Charge / discharge power limit (pu). */
  pRatedPu: number;
  /** Inverter apparent-power rating (pu). */
  sRatedPu: number;
  /** Energy capacity (pu·h). */
  eRatedPuH: number;
  etaCharge: number;
  etaDischarge: number;
  /** SOC limits as fractions of the capacity. */
  socMin: number;
  socMax: number;
  /** Initial stored energy (pu·h). */
  b0PuH: number;
  /** Quadratic throughput cost ($/kWh at rated power; 0 for none): c·(P_c² + P_d²)·Δt / P_rated. */
  throughputCostUsdPerKwh: number;
}

export type ObjectiveKind = "loss" | "cost";
export type TerminalCondition = "hard" | "soft" | "free";
export type ReactiveLimits = "rated" | "available";

/** What is optimized: the main term plus composable extra terms. */
export interface ObjectiveSpec {
  kind: ObjectiveKind;
  /** Weight of the battery-loss (SCD) term α. */
  alphaScd: number;
  /** Weight of the main term (default 1). */
  weight: number;
}

/** The physics of the branch-flow model: exact (l·v = P² + Q²) or its SOC relaxation (l·v ≥ P² + Q²). */
export type BranchFlowPhysics = "exact" | "soc";
/** Capacitors as a constant kvar (the paper) or kvar·v (a shunt admittance, what OpenDSS does). */
export type CapacitorModel = "constant" | "voltage";
/** Loads as constant P/Q (the paper) or with their own voltage dependence (the case's ZIP models). */
export type LoadModelOption = "pq" | "case";

/** The formulation's modelling choices. */
export interface FormulationOptions {
  physics: BranchFlowPhysics;
  capacitors: CapacitorModel;
  /** Line charging (B/2 at each end, linear in v). */
  lineCharging: boolean;
  loads: LoadModelOption;
}

/** The default formulation: the paper's (exact, constant-kvar capacitors, no charging, constant-PQ loads). */
export const PAPER_FORMULATION: FormulationOptions = {
  physics: "exact",
  capacitors: "constant",
  lineCharging: false,
  loads: "pq",
};

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
  /** Physics and modelling options of the formulation. */
  formulation: FormulationOptions;
}

/** A multi-period study on a network, in per unit. */
export interface Scenario {
  name: string;
  network: Network;
  /** Horizon length (number of periods). */
  T: number;
  /** Period length (h). */
  dtH: number;
  /** 0-based index of the first period of the horizon in the case's profiles (at the horizon's Δt). */
  startIndex: number;
  loads: Load[];
  capacitors: Capacitor[];
  pvs: PvUnit[];
  batteries: Battery[];
  /** Price per period ($/kWh). */
  priceUsdPerKwh: Float64Array;
  /** The case's default load and PV multipliers on the horizon (for reports' input figures), length T. */
  loadMult: Float64Array;
  pvMult: Float64Array;
  objective: ObjectiveSpec;
  options: ScenarioOptions;
  /** Human-readable description of where the profiles and prices came from. */
  provenance?: string;
}
