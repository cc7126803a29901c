/**
 * The input contract of the report layer: the result tables of the one schema (models/results.ts — one
 * column list per table, the same for an optimizer and a power flow) and the ENApp history tables. Producers
 * (MPOPF solve, ENApp, replay) hand these over in memory or as CSV files in a run directory (see run-files.ts
 * and reports/README.md). The report layer only aggregates (sums over periods × Δt, differences, maxima) what
 * it is given; it derives no physical quantity from others.
 */
import type { ColumnTable } from "arquero";
import {
  type CheckOptions,
  type ColumnDef,
  checkResultSet,
  checkResultTable,
  type ResultRow,
  type ResultSet,
  SCHEMA,
  type SchemaTableName,
} from "../models/results.ts";
import type { ReportTable } from "./table-render.ts";

export type { ResultSet };

/** Per period, one row per t (result of one solve or one replay): the one schema's periods row. */
export type PeriodRow = ResultRow<"periods">;
/** Per PV and period. */
export type PvRow = ResultRow<"pv">;
/** Per battery and period. */
export type BatteryRow = ResultRow<"batteries">;
/** Per bus and period. */
export type BusRow = ResultRow<"buses">;
/** Per branch and period (carried in run directories; not rendered by any table or figure yet). */
export type BranchRow = ResultRow<"branches">;
/** ENApp history: one row per macro-iteration k. */
export type MacroIterationRow = ResultRow<"iterations">;
/** ENApp boundary exchange: one row per macro-iteration, boundary and period. */
export type BoundaryRow = ResultRow<"boundaries">;

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
  /** Bus coordinates (columns bus, x, y), when the case has them: the feeder map. */
  coordinates?: ColumnTable;
}

/** A kind of input table (a table of the one schema). */
export type TableKind = SchemaTableName;

/**
 * Required and optional columns of each kind of input table, and which are ids (text): a view of the one
 * schema (models/results.ts), kept for readers that list columns.
 */
export const TABLE_COLUMNS = Object.fromEntries(
  Object.entries(SCHEMA).map(([kind, spec]) => {
    const cols = spec.columns as readonly ColumnDef[];
    return [
      kind,
      {
        required: cols.filter((c) => c.required).map((c) => c.name),
        optional: cols.filter((c) => !c.required).map((c) => c.name),
        text: cols.filter((c) => c.kind === "id").map((c) => c.name),
      },
    ];
  }),
) as Record<TableKind, { required: string[]; optional: string[]; text: string[] }>;

/** Check one input table against the one schema (see models/results.ts `checkResultTable`). */
export function checkTable(data: ColumnTable, kind: TableKind, where: string, opts: CheckOptions = {}): void {
  checkResultTable(data, kind, where, opts);
}

export { type CheckOptions, checkResultSet };
