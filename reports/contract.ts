/**
 * The input contract of the report layer: the shapes (column names, units) of the plain arquero tables
 * the tables and figures are built from. Producers (MPOPF solve, ENApp, replay) hand these over in
 * memory or as CSV files in a run directory (see run-files.ts and reports/README.md). The report layer
 * only aggregates (sums over hours, differences, maxima) what it is given; it derives no physical
 * quantity from others.
 */

import type { ColumnTable } from "arquero";
import { InputError } from "../models/errors.ts";
import type { ReportTable } from "./table-render.ts";

/** Per period, one row per t (result of one solve or one replay). Units in the names; Δt per row is `dtH`. */
export interface PeriodRow {
  /** Period index 1..T. */
  t: number;
  /** Clock hour of the period's start, 0..23 (optional). */
  hour?: number;
  /** Load multiplier (pu of rated load) (optional; needed by the input-curve figure). */
  loadMult?: number;
  /** PV multiplier (pu of rated PV power) (optional; needed by the input-curve figure). */
  pvMult?: number;
  /** Energy price ($/kWh) (optional; needed by the input-curve figure). */
  priceUsdPerKwh?: number;
  /** Real power supplied by the grid at the substation (kW; positive = import). */
  pSubsKw: number;
  /** Reactive power supplied by the grid at the substation (kVAr). */
  qSubsKvar: number;
  /** Total line loss (kW). */
  lossKw: number;
  /** Substation energy cost in the period ($). */
  costUsd: number;
  /** Total real demand (kW) (optional; Table IV). */
  loadKw?: number;
  /** Total reactive demand (kVAr) (optional; Table IV). */
  loadKvar?: number;
  /** Total PV real output (kW) (optional; used when no per-PV table is given). */
  pvKw?: number;
  /** Total battery net output, discharge − charge (kW) (optional; used when no per-battery table is given). */
  battNetKw?: number;
}

/** Per PV and period. */
export interface PvRow {
  t: number;
  /** PV id. */
  pv: string;
  /** Host bus id (optional). */
  bus?: string;
  /** Real output (kW). */
  pKw: number;
  /** Reactive output (kVAr; positive = injection). */
  qKvar: number;
}

/** Per battery and period. */
export interface BatteryRow {
  t: number;
  /** Battery id. */
  battery: string;
  /** Host bus id (optional). */
  bus?: string;
  /** Charging power (kW, ≥ 0) (optional; needed by the battery-power figure). */
  pcKw?: number;
  /** Discharging power (kW, ≥ 0) (optional; needed by the battery-power figure). */
  pdKw?: number;
  /** Net output, discharge − charge (kW). */
  pNetKw: number;
  /** Reactive output (kVAr; positive = injection). */
  qKvar: number;
  /** Stored energy at the end of period t (kWh). */
  socKwh: number;
  /** Stored energy at the end of period t (% of rated energy) (optional; the SOC figure uses it when present). */
  socPct?: number;
}

/** Per bus and period. */
export interface BusRow {
  t: number;
  /** Bus id. */
  bus: string;
  /** Voltage magnitude (pu). */
  vPu: number;
}

/** Per branch and period (carried in run directories; not rendered by any table or figure yet). */
export interface BranchRow {
  t: number;
  branch: string;
  from: string;
  to: string;
  pKw: number;
  qKvar: number;
  iA: number;
  lossKw: number;
}

/** ENApp history: one row per macro-iteration k. All columns but `k` optional; present ones are shown. */
export interface MacroIterationRow {
  /** Macro-iteration 1..K. */
  k: number;
  /** Largest boundary voltage residual over boundaries and hours (pu). */
  resVPu?: number;
  /** Largest boundary real-power residual (kW). */
  resPKw?: number;
  /** Largest boundary reactive-power residual (kVAr). */
  resQKvar?: number;
  /** Horizon line loss at iteration k, Σ_t lossKw·Δt (kWh). */
  lossKwh?: number;
  /** Horizon substation energy at iteration k, Σ_t pSubsKw·Δt (kWh). */
  pSubsKwh?: number;
  /** Horizon substation cost at iteration k ($). */
  costUsd?: number;
  /** Wall time of the macro-iteration (s). */
  seconds?: number;
}

/** ENApp boundary exchange: one row per macro-iteration, boundary and period. */
export interface BoundaryRow {
  k: number;
  /** Boundary id, e.g. "1→2" or "15→117". */
  boundary: string;
  t: number;
  /** Real power into the child area (kW). */
  pKw: number;
  /** Reactive power into the child area (kVAr). */
  qKvar: number;
  /** Boundary voltage magnitude sent to the child (pu). */
  vPu: number;
}

/** The result tables of one solve (optimizer) or one replay (power flow), same shapes for both. */
export interface ResultSet {
  /** Label in tables and legends, e.g. "MPCOPF", "MPDOPF", "OpenDSS". */
  label: string;
  periods: ColumnTable;
  pv?: ColumnTable;
  batteries?: ColumnTable;
  buses?: ColumnTable;
  branches?: ColumnTable;
}

/** ENApp's macro-iteration history. */
export interface EnappHistory {
  iterations?: ColumnTable;
  boundaries?: ColumnTable;
}

/** Everything a report is built from; every part optional except a title (missing parts are skipped loudly). */
export interface ReportInput {
  /** Report title, e.g. "IEEE-123, T = 24, cost objective". */
  title: string;
  /** Plain facts shown in the report header (case, horizon, options...), in the given order. No timestamps. */
  meta?: Array<[string, string]>;
  /** Period length (h); horizon energies are Σ value·dtH. Default 1. */
  dtH?: number;
  /** Centralized solve. */
  mpcopf?: ResultSet;
  /** ENApp solve (final macro-iteration). */
  mpdopf?: ResultSet;
  /** Power-flow replays of the optimizers' set-points. */
  replay?: { mpcopf?: ResultSet; mpdopf?: ResultSet };
  /** ENApp history. */
  enapp?: EnappHistory;
  /** Tables built elsewhere and rendered after the standard ones (e.g. the original-deck replay's). */
  extraTables?: ReportTable[];
}

/** Kinds of input table, with required and optional columns and which columns are ids (text). */
export const TABLE_COLUMNS = {
  periods: {
    required: ["t", "pSubsKw", "qSubsKvar", "lossKw", "costUsd"],
    optional: ["hour", "loadMult", "pvMult", "priceUsdPerKwh", "loadKw", "loadKvar", "pvKw", "battNetKw"],
    text: [],
  },
  pv: { required: ["t", "pv", "pKw", "qKvar"], optional: ["bus"], text: ["pv", "bus"] },
  batteries: {
    required: ["t", "battery", "pNetKw", "qKvar", "socKwh"],
    optional: ["bus", "pcKw", "pdKw", "socPct"],
    text: ["battery", "bus"],
  },
  buses: { required: ["t", "bus", "vPu"], optional: [], text: ["bus"] },
  branches: {
    required: ["t", "branch"],
    optional: ["from", "to", "pKw", "qKvar", "iA", "lossKw"],
    text: ["branch", "from", "to"],
  },
  iterations: {
    required: ["k"],
    optional: ["resVPu", "resPKw", "resQKvar", "lossKwh", "pSubsKwh", "costUsd", "seconds"],
    text: [],
  },
  boundaries: { required: ["k", "boundary", "t", "pKw", "qKvar", "vPu"], optional: [], text: ["boundary"] },
} as const satisfies Record<
  string,
  { required: readonly string[]; optional: readonly string[]; text: readonly string[] }
>;

/** A kind of input table. */
export type TableKind = keyof typeof TABLE_COLUMNS;

/** Options of checkTable. */
export interface CheckOptions {
  /** Allow empty numeric cells (a replay hour whose power flow did not converge). `t`, `k` and ids never. */
  allowEmpty?: boolean;
  /** The table was read from a CSV file with a header line: report file line numbers (row + 1). */
  csvLines?: boolean;
}

/**
 * Check that a table has its kind's required columns, that they hold finite numbers (or text for id
 * columns) and that `t`/`k` are positive integers. Throws InputError naming the file (or source), row and field.
 */
export function checkTable(data: ColumnTable, kind: TableKind, where: string, opts: CheckOptions = {}): void {
  const spec = TABLE_COLUMNS[kind];
  const names = new Set(data.columnNames());
  for (const col of spec.required) {
    if (!names.has(col)) {
      throw new InputError(
        "schema",
        `missing column '${col}' (a ${kind} table needs ${spec.required.join(", ")})`,
        {
          file: where,
          field: col,
        },
      );
    }
  }
  const text = new Set<string>(spec.text);
  const numeric = [...spec.required, ...spec.optional].filter((c) => names.has(c) && !text.has(c));
  const required = new Set<string>(spec.required);
  const n = data.numRows();
  for (const col of numeric) {
    const values = data.array(col) as ArrayLike<unknown>;
    const isIndex = col === "t" || col === "k";
    // Optional numeric columns may be empty, required ones only with allowEmpty (never t or k).
    const mayBeEmpty = !isIndex && (opts.allowEmpty || !required.has(col));
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const empty = v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
      if (empty && mayBeEmpty) continue;
      const ok = typeof v === "number" && Number.isFinite(v) && (!isIndex || (Number.isInteger(v) && v >= 1));
      if (!ok) {
        throw new InputError(
          "bad-number",
          `expected ${isIndex ? "a positive integer" : "a finite number"}, got '${String(v)}'`,
          {
            file: where,
            line: opts.csvLines ? i + 2 : undefined,
            element: `row ${i + 1}`,
            field: col,
          },
        );
      }
    }
  }
  for (const col of spec.text) {
    if (!names.has(col)) continue;
    const values = data.array(col) as ArrayLike<unknown>;
    for (let i = 0; i < n; i++) {
      if (typeof values[i] !== "string" || values[i] === "") {
        throw new InputError("schema", `expected a non-empty id, got '${String(values[i])}'`, {
          file: where,
          line: opts.csvLines ? i + 2 : undefined,
          element: `row ${i + 1}`,
          field: col,
        });
      }
    }
  }
}

/** Check every table of a result set (where = a label or folder used in error messages). */
export function checkResultSet(r: ResultSet, where: string, opts: CheckOptions = {}): void {
  checkTable(r.periods, "periods", `${where}/periods`, opts);
  if (r.pv) checkTable(r.pv, "pv", `${where}/pv`, opts);
  if (r.batteries) checkTable(r.batteries, "batteries", `${where}/batteries`, opts);
  if (r.buses) checkTable(r.buses, "buses", `${where}/buses`, opts);
  if (r.branches) checkTable(r.branches, "branches", `${where}/branches`, opts);
}
