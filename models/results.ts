/**
 * The one result schema: the tables of a solution — an optimizer's (centralized MPOPF, ENApp) or a power
 * flow's (the replay of a solution's set-points) — keyed by (element id, t), with ONE column list per table.
 * Every producer builds its tables with `resultTable` (which demands every column of the list, in the list's
 * order), and every consumer checks what it is given with `checkResultTable` (the required columns present,
 * numbers finite, ids non-empty, `t` a positive integer). The row types are derived from the same list.
 *
 * Units are in the column names (kW, kVAr, kWh, A, pu, $, h). Powers are averages over a period; energies
 * over the horizon are Σ_t value·Δt (`horizonTotals`), Δt being the period length `dtH` (hours).
 *
 * A power flow observes what an optimizer decides and computes: every column has the same meaning for both.
 * A cell is empty (null) only where a producer has no value: a replay hour whose power flow did not converge,
 * or an element the engine cannot report (the source impedance of a feeder).
 *
 * The ENApp history tables (macro-iterations and boundary exchanges) have their schema here too.
 */
import { type ColumnTable, fromCSV, table } from "arquero";
import { InputError, showToken } from "./errors.ts";
import { readInputFile } from "./files.ts";

/** What a column holds: a 1-based index (t, k), an element id (text), or a number (may be empty where allowed). */
export type ColumnKind = "index" | "id" | "number";

/** One column of a result table. */
export interface ColumnDef {
  name: string;
  kind: ColumnKind;
  /** Present in every table a consumer accepts (external data may lack the optional ones; producers write all). */
  required: boolean;
  /** Unit ("" for indices, ids and dimensionless multipliers). */
  unit: string;
  /** What the column means, the same for an optimizer and a power flow. */
  doc: string;
}

/** A table of the schema: its key (columns identifying a row) and its columns, in order. */
export interface TableSchema {
  doc: string;
  key: readonly string[];
  columns: readonly ColumnDef[];
}

const col = <const N extends string, const K extends ColumnKind, const R extends boolean>(
  name: N,
  kind: K,
  required: R,
  unit: string,
  doc: string,
) => ({ name, kind, required, unit, doc });

/** The result tables of one solution (optimizer or power flow): one column list each. */
export const RESULT_SCHEMA = {
  periods: {
    doc: "one row per period t: feeder totals",
    key: ["t"],
    columns: [
      col("t", "index", true, "", "period 1..T"),
      col(
        "hour",
        "number",
        false,
        "h",
        "start of the period, hours after the first profile point (the clock hour for a daily profile from midnight; fractional for sub-hourly periods)",
      ),
      col("dtH", "number", false, "h", "period length Δt"),
      col("loadMult", "number", false, "", "the case's default load multiplier in the period"),
      col("pvMult", "number", false, "", "the case's default PV multiplier in the period"),
      col("priceUsdPerKwh", "number", false, "$/kWh", "energy price"),
      col("pSubsKw", "number", true, "kW", "real power the grid supplies at the substation (import > 0)"),
      col("qSubsKvar", "number", true, "kVAr", "reactive power the grid supplies at the substation"),
      col("lossKw", "number", true, "kW", "line (and transformer) series loss, Σ r·l"),
      col("costUsd", "number", true, "$", "substation energy cost in the period: price · pSubsKw · Δt"),
      col("loadKw", "number", false, "kW", "real power the loads consume (at the solution's voltages)"),
      col(
        "loadKvar",
        "number",
        false,
        "kVAr",
        "reactive power the loads consume (capacitors not subtracted)",
      ),
      col(
        "extraLoadKw",
        "number",
        false,
        "kW",
        "fixed equivalent loads (an ENApp area's child areas); 0 for a whole feeder",
      ),
      col("pvKw", "number", false, "kW", "PV real output, all units"),
      col("battNetKw", "number", false, "kW", "battery net output (discharge − charge), all units"),
    ],
  },
  pv: {
    doc: "one row per PV unit and period",
    key: ["pv", "t"],
    columns: [
      col("t", "index", true, "", "period 1..T"),
      col("pv", "id", true, "", "PV id"),
      col("bus", "id", false, "", "host bus id"),
      col("pKw", "number", true, "kW", "real output"),
      col("qKvar", "number", true, "kVAr", "reactive output (injection > 0)"),
    ],
  },
  batteries: {
    doc: "one row per battery and period",
    key: ["battery", "t"],
    columns: [
      col("t", "index", true, "", "period 1..T"),
      col("battery", "id", true, "", "battery id"),
      col("bus", "id", false, "", "host bus id"),
      col(
        "pcKw",
        "number",
        false,
        "kW",
        "charging power (≥ 0); a power flow's is the negative part of its net output",
      ),
      col(
        "pdKw",
        "number",
        false,
        "kW",
        "discharging power (≥ 0); a power flow's is the positive part of its net output",
      ),
      col("pNetKw", "number", true, "kW", "net output, discharge − charge"),
      col("qKvar", "number", true, "kVAr", "reactive output (injection > 0)"),
      col("socKwh", "number", true, "kWh", "stored energy at the end of the period"),
      col("socPct", "number", false, "%", "stored energy at the end of the period, % of the rated energy"),
    ],
  },
  buses: {
    doc: "one row per bus and period",
    key: ["bus", "t"],
    columns: [
      col("t", "index", true, "", "period 1..T"),
      col("bus", "id", true, "", "bus id"),
      col("vPu", "number", true, "pu", "voltage magnitude on the bus's zone base"),
    ],
  },
  branches: {
    doc: "one row per branch (line, switch, transformer) and period",
    key: ["branch", "t"],
    columns: [
      col("t", "index", true, "", "period 1..T"),
      col("branch", "id", true, "", "branch id"),
      col("from", "id", false, "", "sending (parent) bus id"),
      col("to", "id", false, "", "receiving (child) bus id"),
      col("pKw", "number", false, "kW", "real power sent into the branch at its from end"),
      col("qKvar", "number", false, "kVAr", "reactive power sent into the branch at its from end"),
      col(
        "iA",
        "number",
        false,
        "A",
        "current magnitude in the series impedance, on the to end's (child zone's) side",
      ),
      col("lossKw", "number", false, "kW", "series loss of the branch"),
    ],
  },
} as const satisfies Record<string, TableSchema>;

/** The ENApp history tables (not keyed by element and period like a solution, but by macro-iteration k). */
export const ENAPP_SCHEMA = {
  iterations: {
    doc: "one row per macro-iteration k",
    key: ["k"],
    columns: [
      col("k", "index", true, "", "macro-iteration 1..K"),
      col("resVPu", "number", false, "pu", "largest boundary voltage residual over boundaries and periods"),
      col("resPKw", "number", false, "kW", "largest boundary real-power residual"),
      col("resQKvar", "number", false, "kVAr", "largest boundary reactive-power residual"),
      col("lossKwh", "number", false, "kWh", "horizon line loss at k, Σ_t lossKw·Δt"),
      col("pSubsKwh", "number", false, "kWh", "horizon substation energy at k, Σ_t pSubsKw·Δt"),
      col("costUsd", "number", false, "$", "horizon substation cost at k"),
      col("seconds", "number", false, "s", "wall time of the macro-iteration"),
      col("sequentialSeconds", "number", false, "s", "sum of the area solve times"),
      col("criticalPathSeconds", "number", false, "s", "largest area solve time"),
      col("valuesExchanged", "number", false, "", "real numbers exchanged between areas"),
      col(
        "dualV",
        "number",
        false,
        "",
        "ADMM/APP: dual residual on |V|², RMS of ρ·Δz as a fraction of the mean energy price",
      ),
      col("dualP", "number", false, "", "ADMM/APP: dual residual on P (as dualV)"),
      col("dualQ", "number", false, "", "ADMM/APP: dual residual on Q (as dualV)"),
      col("messages", "number", false, "", "boundary messages transmitted (retransmissions included)"),
      col("bytes", "number", false, "B", "bytes of those messages as JSON"),
      col("retransmissions", "number", false, "", "retransmissions after a lost message"),
      col("dropped", "number", false, "", "messages given up after every retry"),
      col("commSeconds", "number", false, "s", "time the round waited for lost messages"),
      col("activeAreas", "number", false, "", "areas that stepped in the round (fewer when asynchronous)"),
      col(
        "criticalPathTotalSeconds",
        "number",
        false,
        "s",
        "largest area solve + construction, plus waiting",
      ),
      col(
        "penaltyPowerMin",
        "number",
        false,
        "",
        "ADMM/APP: smallest penalty on power, in units of the mean energy price",
      ),
      col("penaltyPowerMax", "number", false, "", "ADMM/APP: largest penalty on power (as penaltyPowerMin)"),
      col(
        "penaltyVoltageMin",
        "number",
        false,
        "",
        "ADMM/APP: smallest penalty on |V|² (as penaltyPowerMin)",
      ),
      col("penaltyVoltageMax", "number", false, "", "ADMM/APP: largest penalty on |V|² (as penaltyPowerMin)"),
    ],
  },
  boundaries: {
    doc: "one row per macro-iteration, boundary and period",
    key: ["k", "boundary", "t"],
    columns: [
      col("k", "index", true, "", "macro-iteration 1..K"),
      col("boundary", "id", true, "", "boundary id, e.g. 1→2"),
      col("t", "index", true, "", "period 1..T"),
      col("pKw", "number", true, "kW", "real power into the child area, computed at k"),
      col("qKvar", "number", true, "kVAr", "reactive power into the child area, computed at k"),
      col("vPu", "number", true, "pu", "boundary voltage magnitude sent to the child, computed at k"),
      col("usedPKw", "number", false, "kW", "real power the areas used at k"),
      col("usedQKvar", "number", false, "kVAr", "reactive power the areas used at k"),
      col("usedVPu", "number", false, "pu", "boundary voltage the areas used at k"),
    ],
  },
} as const satisfies Record<string, TableSchema>;

/**
 * The attribution of a replay's discrepancy (validation/replay/attribution.ts): one row per modelling
 * difference, then what is left ("unexplained", the optimizer's feasibility tolerance) and the observed total.
 * Shares are parts of power flow − optimizer; the rows above the total add up to it.
 */
export const ATTRIBUTION_SCHEMA = {
  attribution: {
    doc: "one row per modelling difference of a replay (a sequential waterfall), then unexplained, tolerance and the observed total",
    key: ["step"],
    columns: [
      col("step", "id", true, "", "step id (lineCharging, capacitors, …, unexplained, tolerance, observed)"),
      col("label", "id", true, "", "what the step is, in words"),
      col(
        "status",
        "id",
        true,
        "",
        "measured (replayed), inactive (nothing reached), no difference, not applicable",
      ),
      col("change", "id", false, "", "what was switched: the deck's choice → the optimizer's"),
      col("pSubsKwh", "number", true, "kWh", "share of Σ_t ΔP_subs·Δt (power flow − optimizer)"),
      col("qSubsKvarh", "number", true, "kVArh", "share of Σ_t ΔQ_subs·Δt"),
      col("lossKwh", "number", true, "kWh", "share of Σ_t Δloss·Δt"),
      col("maxDvPu", "number", true, "pu", "share of the largest |ΔV| over buses and periods"),
      col("predPSubsKwh", "number", false, "kWh", "the same step in the exact power flow (no engine)"),
      col("predQSubsKvarh", "number", false, "kVArh", "predicted share of Σ_t ΔQ_subs·Δt"),
      col("predLossKwh", "number", false, "kWh", "predicted share of Σ_t Δloss·Δt"),
      col("predMaxDvPu", "number", false, "pu", "predicted share of the largest |ΔV|"),
    ],
  },
} as const satisfies Record<string, TableSchema>;

/** Every schema table: solution, ENApp history, attribution. */
export const SCHEMA = { ...RESULT_SCHEMA, ...ENAPP_SCHEMA, ...ATTRIBUTION_SCHEMA } as const;

/** A table of a solution. */
export type ResultTableName = keyof typeof RESULT_SCHEMA;
/** Any schema table (solution or ENApp history). */
export type SchemaTableName = keyof typeof SCHEMA;

/** The solution tables, in file order. */
export const RESULT_TABLE_NAMES = Object.keys(RESULT_SCHEMA) as ResultTableName[];

type Cols<K extends SchemaTableName> = (typeof SCHEMA)[K]["columns"][number];
/** A column name of a schema table. */
export type ColumnName<K extends SchemaTableName> = Cols<K>["name"];
type ValueOf<C extends { kind: ColumnKind }> = C["kind"] extends "id" ? string : number;

/** One row of a schema table: required columns always, optional ones when the producer gives them. */
export type ResultRow<K extends SchemaTableName> = {
  [C in Cols<K> as C["required"] extends true ? C["name"] : never]: ValueOf<C>;
} & {
  [C in Cols<K> as C["required"] extends true ? never : C["name"]]?: ValueOf<C> | null;
};

/** The column list (names, in order) of a schema table. */
export function columnNames<K extends SchemaTableName>(name: K): Array<ColumnName<K>> {
  return SCHEMA[name].columns.map((c) => c.name) as Array<ColumnName<K>>;
}

/** The column definition of one column. */
export function columnDef<K extends SchemaTableName>(name: K, column: ColumnName<K>): ColumnDef {
  return (SCHEMA[name].columns as readonly ColumnDef[]).find((c) => c.name === column)!;
}

/** The tables of one solution, every one present (what the optimizers and the replay produce). */
export interface ResultTables {
  periods: ColumnTable;
  pv: ColumnTable;
  batteries: ColumnTable;
  buses: ColumnTable;
  branches: ColumnTable;
}

/** A labelled solution as the report layer takes it: the periods table, the others when available. */
export interface ResultSet extends Partial<Omit<ResultTables, "periods">> {
  /** Label in tables and legends, e.g. "MPCOPF", "MPDOPF", "OpenDSS". */
  label: string;
  periods: ColumnTable;
}

/** Values of every column of a table (a producer gives all of them). */
export type ColumnValues<K extends SchemaTableName> = {
  [C in Cols<K> as C["name"]]: ArrayLike<ValueOf<C> | null>;
};

/**
 * Build a schema table from its columns: every column of the list, in the list's order (TypeScript demands
 * each one; the lengths must agree). This is how every producer makes its tables, so none can drift.
 */
export function resultTable<K extends SchemaTableName>(name: K, values: ColumnValues<K>): ColumnTable {
  const cols: Record<string, ArrayLike<unknown>> = {};
  let n: number | undefined;
  for (const c of SCHEMA[name].columns) {
    const v = (values as Record<string, ArrayLike<unknown> | undefined>)[c.name];
    if (v === undefined) throw new Error(`${name} table: column '${c.name}' not given`);
    if (n === undefined) n = v.length;
    else if (v.length !== n) {
      throw new Error(`${name} table: column '${c.name}' has ${v.length} values, expected ${n}`);
    }
    cols[c.name] = v;
  }
  const extra = Object.keys(values).filter((k) => !cols[k]);
  if (extra.length) throw new Error(`${name} table: columns not in the schema: ${extra.join(", ")}`);
  return table(cols);
}

/** Options of `checkResultTable`. */
export interface CheckOptions {
  /** Allow empty numeric cells (a replay hour whose power flow did not converge). `t`, `k` and ids never. */
  allowEmpty?: boolean;
  /** The table was read from a CSV file with a header line: report file line numbers (row + 1). */
  csvLines?: boolean;
  /** Demand exactly the schema's column list, in order (what a producer must write). */
  complete?: boolean;
}

/**
 * Check a table against its schema: the required columns present (with `complete`: exactly the column list,
 * in order), numbers finite (optional columns may be empty; required ones only with `allowEmpty`), ids
 * non-empty text, `t`/`k` positive integers. Throws an InputError naming the file (or source), row and field.
 */
export function checkResultTable(
  data: ColumnTable,
  name: SchemaTableName,
  where: string,
  opts: CheckOptions = {},
): void {
  const spec = SCHEMA[name] as TableSchema;
  const names = data.columnNames();
  const have = new Set(names);
  const required = spec.columns.filter((c) => c.required).map((c) => c.name);
  for (const c of required) {
    if (!have.has(c)) {
      throw new InputError("schema", `missing column '${c}' (a ${name} table needs ${required.join(", ")})`, {
        file: where,
        field: c,
      });
    }
  }
  if (opts.complete) {
    const expected = spec.columns.map((c) => c.name);
    if (names.join(",") !== expected.join(",")) {
      const missing = expected.filter((c) => !have.has(c));
      const extra = names.filter((c) => !expected.includes(c));
      throw new InputError(
        "schema",
        `the ${name} table's columns are not the schema's (${missing.length ? `missing ${missing.join(", ")}; ` : ""}${extra.length ? `not in the schema ${extra.join(", ")}; ` : ""}expected ${expected.join(",")})`,
        { file: where },
      );
    }
  }
  const n = data.numRows();
  const line = (i: number) => (opts.csvLines ? i + 2 : undefined);
  for (const c of spec.columns) {
    if (!have.has(c.name)) continue;
    const values = data.array(c.name) as ArrayLike<unknown>;
    if (c.kind === "id") {
      for (let i = 0; i < n; i++) {
        if (typeof values[i] !== "string" || values[i] === "") {
          throw new InputError("schema", `expected a non-empty id, got '${String(values[i])}'`, {
            file: where,
            line: line(i),
            element: `row ${i + 1}`,
            field: c.name,
          });
        }
      }
      continue;
    }
    const isIndex = c.kind === "index";
    const mayBeEmpty = !isIndex && (opts.allowEmpty || !c.required);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const empty = v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
      if (empty && mayBeEmpty) continue;
      const ok = typeof v === "number" && Number.isFinite(v) && (!isIndex || (Number.isInteger(v) && v >= 1));
      if (!ok) {
        throw new InputError(
          "bad-number",
          `expected ${isIndex ? "a positive integer" : "a finite number"}, got '${String(v)}'`,
          { file: where, line: line(i), element: `row ${i + 1}`, field: c.name },
        );
      }
    }
  }
}

/** Check every table of a result set (where = a label or folder used in error messages). */
export function checkResultSet(r: ResultSet, where: string, opts: CheckOptions = {}): void {
  for (const name of RESULT_TABLE_NAMES) {
    const t = r[name];
    if (t) checkResultTable(t, name, `${where}/${name}`, opts);
  }
}

/** Check a producer's tables: every table present with exactly the schema's columns. */
export function checkResultTables(r: ResultTables, where: string, opts: { allowEmpty?: boolean } = {}): void {
  for (const name of RESULT_TABLE_NAMES) {
    checkResultTable(r[name], name, `${where}/${name}`, { ...opts, complete: true });
  }
}

// --- horizon totals ------------------------------------------------------------------------------------

/** Values of a numeric column in row order (null/undefined/text → NaN). */
export function numberColumn(t: ColumnTable, col: string): Float64Array {
  const a = t.array(col) as ArrayLike<unknown>;
  return Float64Array.from({ length: t.numRows() }, (_, i) =>
    typeof a[i] === "number" ? (a[i] as number) : Number.NaN,
  );
}

/** Horizon totals of one solution: energies Σ_t value·Δt (kWh, kVArh), cost Σ $, the peak import (kW). */
export interface HorizonTotals {
  lossKwh: number;
  pSubsKwh: number;
  qSubsKvarh: number;
  costUsd: number;
  /** PV output (kWh, kVArh). */
  pvKwh: number;
  pvKvarh: number;
  /** Battery net output, discharge − charge (kWh), and reactive output (kVArh). */
  battKwh: number;
  battKvarh: number;
  /** Load demand as served (kWh, kVArh). */
  loadKwh: number;
  loadKvarh: number;
  /** Fixed equivalent loads (kWh). */
  extraLoadKwh: number;
  /** Largest substation import over the periods (kW). */
  peakKw: number;
}

/** Horizon totals' labels and units (one place for every table that shows them), in report order. */
export const HORIZON_QUANTITIES: Record<keyof HorizonTotals, { label: string; unit: string }> = {
  lossKwh: { label: "Line loss", unit: "kWh" },
  pSubsKwh: { label: "Substation P", unit: "kWh" },
  qSubsKvarh: { label: "Substation Q", unit: "kVArh" },
  pvKwh: { label: "PV P", unit: "kWh" },
  pvKvarh: { label: "PV Q", unit: "kVArh" },
  battKwh: { label: "Battery P (discharge − charge)", unit: "kWh" },
  battKvarh: { label: "Battery Q", unit: "kVArh" },
  costUsd: { label: "Substation cost", unit: "$" },
  loadKwh: { label: "Demand P", unit: "kWh" },
  loadKvarh: { label: "Demand Q", unit: "kVArh" },
  extraLoadKwh: { label: "Fixed equivalent loads", unit: "kWh" },
  peakKw: { label: "Peak substation P", unit: "kW" },
};

/**
 * Horizon totals of a result set: Σ over periods (and devices) of each quantity times the period length —
 * the periods table's `dtH` column where given, else `dtH` (h, default 1). PV and battery totals come from the
 * per-unit tables when given, else from the periods table's totals. NaN where the input lacks the data or a
 * value is missing (a total over a partial horizon is not a total).
 */
export function horizonTotals(r: Pick<ResultSet, "periods" | "pv" | "batteries">, dtH = 1): HorizonTotals {
  const p = r.periods;
  const has = (t: ColumnTable | undefined, c: string): t is ColumnTable =>
    t?.columnNames().includes(c) === true;
  // Period length of each period t (by value of t, so the per-unit tables can be weighted too).
  const tCol = numberColumn(p, "t");
  const dtCol = has(p, "dtH") ? numberColumn(p, "dtH") : null;
  const dtOf = new Map<number, number>();
  for (let i = 0; i < tCol.length; i++) dtOf.set(tCol[i]!, dtCol ? dtCol[i]! : dtH);
  const energy = (t: ColumnTable, c: string) => {
    const ts = numberColumn(t, "t");
    const v = numberColumn(t, c);
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * (dtOf.get(ts[i]!) ?? Number.NaN);
    return s;
  };
  const opt = (t: ColumnTable | undefined, c: string) => (has(t, c) ? energy(t, c) : Number.NaN);
  let cost = 0;
  for (const v of numberColumn(p, "costUsd")) cost += v;
  // Math.max propagates NaN: a missing period makes the peak unknown.
  let peak = Number.NEGATIVE_INFINITY;
  for (const v of numberColumn(p, "pSubsKw")) peak = Math.max(peak, v);
  return {
    lossKwh: energy(p, "lossKw"),
    pSubsKwh: energy(p, "pSubsKw"),
    qSubsKvarh: energy(p, "qSubsKvar"),
    costUsd: cost,
    pvKwh: r.pv ? energy(r.pv, "pKw") : opt(p, "pvKw"),
    pvKvarh: r.pv ? energy(r.pv, "qKvar") : Number.NaN,
    battKwh: r.batteries ? energy(r.batteries, "pNetKw") : opt(p, "battNetKw"),
    battKvarh: r.batteries ? energy(r.batteries, "qKvar") : Number.NaN,
    loadKwh: opt(p, "loadKw"),
    loadKvarh: opt(p, "loadKvar"),
    extraLoadKwh: opt(p, "extraLoadKw"),
    peakKw: p.numRows() === 0 ? Number.NaN : peak,
  };
}

// --- CSV files -----------------------------------------------------------------------------------------

/** CSV text of a table (full precision: JavaScript's shortest round-trip number text; empty = missing). */
export function tableCsv(t: ColumnTable): string {
  return t.toCSV();
}

/**
 * Read one schema table from a CSV file: id columns as text, numeric columns parsed cell by cell (a bad
 * cell is named by file, line, row and field), then checked against the schema.
 */
export function readResultCsv(
  file: string,
  name: SchemaTableName,
  opts: { allowEmpty?: boolean } = {},
): ColumnTable {
  const text = readInputFile(file, "CSV");
  let raw: ColumnTable;
  try {
    // Trailing blank lines (e.g. an extra "\n" after arquero's toCSV) are not rows.
    raw = fromCSV(text.replace(/(\r?\n)+$/, "\n"), { autoType: false });
  } catch (e) {
    throw new InputError("parse", `not a CSV table: ${(e as Error).message}`, { file });
  }
  const numeric = new Set(
    (SCHEMA[name].columns as readonly ColumnDef[]).filter((c) => c.kind !== "id").map((c) => c.name),
  );
  const cols: Record<string, unknown[]> = {};
  for (const c of raw.columnNames()) {
    const values = Array.from(raw.array(c) as ArrayLike<unknown>, (v) => (v == null ? "" : String(v)));
    if (!numeric.has(c)) {
      cols[c] = values;
      continue;
    }
    cols[c] = values.map((s, i) => {
      if (s.trim() === "") return null;
      const v = Number(s);
      if (!Number.isFinite(v)) {
        throw new InputError("bad-number", `expected a finite number, got ${showToken(s)}`, {
          file,
          line: i + 2,
          element: `row ${i + 1}`,
          field: c,
        });
      }
      return v;
    });
  }
  const t = table(cols);
  checkResultTable(t, name, file, { allowEmpty: opts.allowEmpty, csvLines: true });
  return t;
}

/** One row per phase of the largest per-phase discrepancies, and the largest unbalance (plain data). */
export interface PhaseSummaryRow {
  /** "a", "b", "c", or "all" for the unbalance rows. */
  phase: string;
  /** Number of (bus, converged period) pairs on this phase. */
  samples: number;
  /** Largest |V_phase − v_optimizer| (pu) with where and when. */
  maxAbsDiffPu: number;
  atBus: string;
  atT: number;
  /** Mean of |V_phase − v_optimizer| (pu). */
  meanAbsDiffPu: number;
  /** Lowest and highest phase voltage of the power flow (pu). */
  vMinPu: number;
  vMaxPu: number;
}

/**
 * The per-phase discrepancy summary of a replay in the original (unbalanced) deck (validation/replay/original-deck.ts
 * `phaseSummary`), as the report renders it (reports/balanced-model.ts).
 */
export interface PhaseSummary {
  phases: PhaseSummaryRow[];
  unbalance: {
    maxVufPct: number;
    atBus: string;
    atT: number;
    maxSpreadPu: number;
    spreadBus: string;
    spreadT: number;
  };
  /** Horizon energies over the converged periods (optimizer, power flow) and the largest hourly |Δ|. */
  totals: Array<{
    metric: "pSubs" | "qSubs" | "loss";
    optimizer: number;
    powerFlow: number;
    maxHourlyAbsDiff: number;
  }>;
}
