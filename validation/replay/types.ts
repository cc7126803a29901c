/**
 * Types of the set-point replay (co-simulation): the deck flavours, the narrow engine interface the
 * replay drives (modelled on OpenDSSDirect), what is observed each hour, and the comparison record.
 *
 * Sign conventions (documented once, used everywhere in validation/replay):
 * - Engine element powers follow OpenDSS: power flowing INTO the element at terminal 1 (kW, kvar).
 * - Everything the replay reports is in the optimizer's convention: substation P/Q positive when the
 *   grid supplies the feeder; PV and battery P/Q positive when delivered to the feeder (battery P > 0
 *   = discharging); loads positive when consumed; capacitor Q positive when delivered.
 */

/**
 * Which deck is written.
 * - `model-consistent`: what the optimizer assumed. Lines without shunt capacitance (C1 = C0 = 0), loads
 *   constant PQ with a wide voltage band (0.5–1.5 pu) so OpenDSS never switches them to constant Z,
 *   capacitors as constant-kvar Generators, PV/Storage/Generator bands also wide.
 * - `paper-style`: the authors' OpenDSS validation deck. OpenDSS's default line capacitance, OpenDSS's
 *   default load band (Vminpu 0.95 / Vmaxpu 1.05; the replay reports every hour a load crosses it),
 *   capacitors as constant-kvar Generators with OpenDSS's default band, Storage band 0.95/1.05.
 */
export type DeckFlavour = "model-consistent" | "paper-style" | "original-deck";

/**
 * The flavours every solve is replayed in, in report order. A case imported from an OpenDSS deck is also
 * replayed in `original-deck` (validation/replay/original-deck.ts): the user's own deck plus the hourly
 * set-point edits, which measures the balanced model's real error (per-phase voltages, unbalance).
 */
export const DECK_FLAVOURS: readonly DeckFlavour[] = ["model-consistent", "paper-style"];

/**
 * How the fixed capacitors are written.
 * - `generator`: `Generator model=1 kW=1e-6 kvar=Q_C` — constant kvar, as the optimizer assumes (and the
 *   authors' validation). kW = 1e-6 (not 0) because EPRI's OpenDSS rejects a Generator with kW = 0;
 *   that is 1e-6 kW per capacitor of extra injection, far below every threshold.
 * - `capacitor`: an OpenDSS `Capacitor` (a shunt admittance): Q = Q_C · (V / kV)², i.e. more than Q_C
 *   above 1 pu. Not what the optimizer assumed; available to show the effect.
 */
export type CapacitorModel = "generator" | "capacitor";

/** Options of the deck writer; anything left out takes the flavour's default. */
export interface DeckOptions {
  flavour: DeckFlavour;
  /** Default `generator` in both flavours. */
  capacitorModel?: CapacitorModel;
  /** OpenDSS `Set Tolerance` (per-unit voltage change); default 1e-10 (OpenDSS's own default 1e-4 is too loose). */
  tolerance?: number;
  /** OpenDSS `Set MaxIterations`; default 100. */
  maxIterations?: number;
  /** System frequency (Hz); matters for the paper-style line charging. Default 60. */
  baseFrequencyHz?: number;
  /** Voltage band (pu) written for loads, PV, Storage and capacitor Generators in the model-consistent deck; default [0.5, 1.5]. */
  wideBandPu?: [number, number];
}

/** The voltage band (pu) inside which an OpenDSS power-conversion element keeps its constant-PQ model. */
export interface VoltageBand {
  vMinPu: number;
  vMaxPu: number;
  /** True when written in the deck, false when it is OpenDSS's default for the class. */
  explicit: boolean;
}

/** A deck element the replay reads back, with its band. */
export interface DeckElement {
  /** Full OpenDSS name, "Class.name" as written (OpenDSS compares names case-insensitively). */
  fullName: string;
  /** Index of the network bus it is connected to. */
  bus: number;
  band: VoltageBand;
}

/** Names of everything in a deck, indexed like the Network / Scenario arrays. */
export interface DeckElements {
  circuit: string;
  /** OpenDSS bus name per network bus index (sanitised id). */
  busNames: string[];
  /** `Line.<name>` (or `Transformer.<name>`) of every branch written, in network branch order. */
  lines: string[];
  /** Per network branch index: its deck element (`Line.<name>` / `Transformer.<name>`), or null when the
   * branch is not a deck element of its own (the source impedance, part of the Vsource). */
  branchElements: Array<string | null>;
  /** One per load of the scenario. */
  loads: DeckElement[];
  /** One per capacitor of the scenario; `kvar` is the rated Q_C. */
  capacitors: Array<DeckElement & { kvar: number; model: CapacitorModel }>;
  /** Per scenario PV index. */
  pvs: DeckElement[];
  /** Per scenario battery index. */
  batteries: DeckElement[];
}

/** One file of an exported deck. */
export interface DeckFile {
  /** File name relative to the deck folder (flat: no sub-folders). */
  name: string;
  text: string;
}

/** A complete replay deck: the files (as exported) and what the replay needs to read results back. */
export interface Deck {
  flavour: DeckFlavour;
  /** Options with every default filled in. */
  options: Required<DeckOptions>;
  /** Master.dss (the circuit, compiled once), one file per element class, one file per hour, Run.dss, README.md. */
  files: DeckFile[];
  /** Name of the master file (compiles the circuit, no solve). */
  master: string;
  /** Names of the per-hour files, index t−1; each sets the hour, pushes the set-points and solves. */
  hourFiles: string[];
  elements: DeckElements;
  T: number;
  dtH: number;
  /** Line-to-neutral base of each bus (kV), by bus index = its zone's base: the optimizer's per-unit base. */
  vBaseKvLn: number[];
}

/** Per-hour set-points and optimizer values taken from a solve's tables, t-major, in engineering units. */
export interface Dispatch {
  T: number;
  /** Where the tables came from (file or label), for messages. */
  source: string;
  /** Per period (length T). */
  pSubsKw: Float64Array;
  qSubsKvar: Float64Array;
  lossKw: Float64Array;
  costUsd: Float64Array;
  priceUsdPerKwh: Float64Array;
  /** Per period and bus (T × nBus): |V| (pu). */
  vPu: Float64Array;
  /** Per period and PV (T × nPv). */
  pvPKw: Float64Array;
  pvQKvar: Float64Array;
  /** Per period and battery (T × nBatt): charge, discharge, net (discharge − charge), reactive, stored energy at the end of t. */
  battPcKw: Float64Array;
  battPdKw: Float64Array;
  battPNetKw: Float64Array;
  battQKvar: Float64Array;
  battSocKwh: Float64Array;
}

/** Engine identity for manifests. */
export interface EngineIdentity {
  name: string;
  version: string;
}

/**
 * Read-only view of a solved circuit, in OpenDSS conventions (names are case-insensitive).
 * Implemented by the live engine adapter and by readers of recorded OpenDSS results.
 */
export interface SolvedCircuit {
  /** Solution.Converged of the last solve. */
  converged(): boolean;
  /** Solution.Iterations of the last solve. */
  iterations(): number;
  /** Circuit.TotalPower (kW, kvar): power INTO the source terminal, negative when the source supplies. */
  totalPower(): [number, number];
  /** Circuit.Losses of all power-delivery elements (kW, kvar). */
  losses(): [number, number];
  /** |V| (volts, line-to-ground) of every node, keyed by lower-case "bus.node". */
  nodeVoltagesV(): Map<string, number>;
  /** Terminal-1 power INTO an element (kW, kvar) by full name "Class.name"; undefined when there is no such element. */
  elementPower(fullName: string): [number, number] | undefined;
  /** Stored energy (kWh) and state (−1 charging, 0 idling, 1 discharging) of a Storage element, by its short name. */
  storage(name: string): { kwhStored: number; state: number } | undefined;
  /**
   * A two-terminal branch's flows by full name: power INTO terminal 1 and terminal 2 (kW, kvar) and the current
   * magnitude of terminal 2's first conductor (A). Optional: readers of recorded results may not have it (the
   * replay's branch columns are then empty).
   */
  branchFlow?(
    fullName: string,
  ): { p1Kw: number; q1Kvar: number; p2Kw: number; q2Kvar: number; i2A: number } | undefined;
}

/** The engine the replay drives: an OpenDSS text interface plus the read-back of `SolvedCircuit`. */
export interface ReplayEngine extends SolvedCircuit {
  readonly identity: EngineIdentity;
  /** Execute one OpenDSS command (throws on a bad command); returns the engine's reply text. */
  text(command: string): string;
}

/** How an hour's power flow ended. */
export type HourStatus = "converged" | "not-converged" | "error";

/** What the engine said about one hour, in the optimizer's sign convention (see the module comment). */
export interface HourObservation {
  /** Period 1..T. */
  t: number;
  status: HourStatus;
  /** The engine's error message when status = "error". */
  message: string | null;
  iterations: number;
  pSubsKw: number;
  qSubsKvar: number;
  lossKw: number;
  lossKvar: number;
  /** Per network bus: |V| of node 1 divided by the optimizer's base (pu); NaN when the engine has no such node. */
  vPu: Float64Array;
  /** Per PV: delivered P/Q. */
  pvPKw: Float64Array;
  pvQKvar: Float64Array;
  /** Per battery: delivered P (discharge +), Q, stored energy at the end of the hour, state. */
  battPKw: Float64Array;
  battQKvar: Float64Array;
  battKwh: Float64Array;
  battState: Int8Array;
  /** Totals of the loads (consumed) and capacitors (delivered Q). */
  loadKw: number;
  loadKvar: number;
  capQKvar: number;
  /**
   * Per network branch, in the optimizer's convention: P, Q sent into the branch at its from end, current in
   * the series impedance (A, to-end side) and series loss; NaN where the engine gives none.
   */
  branchPKw: Float64Array;
  branchQKvar: Float64Array;
  branchIA: Float64Array;
  branchLossKw: Float64Array;
  /** Wall time of this hour's commands and solve (ms). */
  solveMs: number;
}

/** Severity of a finding: errors are wrong results or wrong set-points, warnings model effects, info is context. */
export type FindingSeverity = "error" | "warning" | "info";

/** What a finding is about. */
export type FindingKind =
  | "convergence"
  | "setpoint"
  | "device"
  | "soc"
  | "voltage-band"
  | "load-model"
  | "capacitor";

/** One reported, attributed observation: what, where (element) and when (hour). */
export interface Finding {
  kind: FindingKind;
  severity: FindingSeverity;
  /** Period 1..T, or null when it concerns the whole horizon. */
  t: number | null;
  /** e.g. "Storage.Battery3", "bus 85", "Load.S3P"; null for the whole circuit. */
  element: string | null;
  message: string;
}
