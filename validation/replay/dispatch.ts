/**
 * The optimizer's decisions and values for the replay, taken from a solve's result tables (the one schema
 * of models/results.ts, the same for the centralized solve and ENApp) and checked against the scenario.
 * Also reads those tables back from a folder (a run directory's `tables/<solution>/`, `<table>.csv`, or
 * arquero `<table>.json`), so a hand-edited set-point file can be replayed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ColumnTable, fromCSV, fromJSON, table } from "arquero";
import { InputError } from "../../models/errors.ts";
import type { ColumnName, ResultTableName, ResultTables } from "../../models/results.ts";
import type { Scenario } from "../../models/types.ts";
import type { Dispatch } from "./types.ts";

type MpopfTables = ResultTables;

/** The tables and columns (of the one schema) the replay needs. */
const REQUIRED: { [K in ResultTableName]: Array<ColumnName<K>> } = {
  periods: ["t", "pSubsKw", "qSubsKvar", "lossKw", "costUsd", "priceUsdPerKwh"],
  pv: ["t", "pv", "pKw", "qKvar"],
  batteries: ["t", "battery", "pcKw", "pdKw", "pNetKw", "qKvar", "socKwh"],
  buses: ["t", "bus", "vPu"],
  branches: [],
};

function requireColumns(tbl: ColumnTable, name: keyof MpopfTables, file: string): void {
  const have = new Set(tbl.columnNames());
  for (const c of REQUIRED[name] as string[]) {
    if (!have.has(c)) {
      throw new InputError("schema", `table '${name}' has no column '${c}'`, { file, field: c });
    }
  }
}

/** Row number as in the CSV file (header = line 1). */
const csvLine = (row: number) => row + 2;

/**
 * Map (t, id) → row of a per-element table, T × ids.length, t-major. Every pair must appear exactly
 * once; unknown ids and periods outside 1..T are errors naming the line.
 */
function rowIndex(
  tbl: ColumnTable,
  name: keyof MpopfTables,
  idColumn: string | null,
  ids: string[],
  T: number,
  file: string,
): Int32Array {
  const pos = new Map(ids.map((id, i) => [id, i]));
  const out = new Int32Array(T * ids.length).fill(-1);
  const tCol = tbl.array("t");
  const idCol = idColumn === null ? null : tbl.array(idColumn);
  const n = tbl.numRows();
  for (let r = 0; r < n; r++) {
    const t = Number(tCol[r]);
    const id = idCol === null ? ids[0]! : String(idCol[r]);
    const k = pos.get(id);
    const where = { file, line: csvLine(r), element: idColumn === null ? name : `${name} ${id}` };
    if (k === undefined) {
      throw new InputError("schema", `unknown ${idColumn} '${id}' (not in the scenario)`, {
        ...where,
        field: idColumn ?? undefined,
      });
    }
    if (!Number.isInteger(t) || t < 1 || t > T) {
      throw new InputError("bad-number", `period t must be an integer in 1..${T} (got ${tCol[r]})`, {
        ...where,
        field: "t",
      });
    }
    const slot = (t - 1) * ids.length + k;
    if (out[slot] !== -1) {
      throw new InputError("schema", `duplicate row for t=${t}`, where);
    }
    out[slot] = r;
  }
  for (let s = 0; s < out.length; s++) {
    if (out[s] === -1) {
      const t = Math.floor(s / ids.length) + 1;
      const element = idColumn === null ? name : `${name} ${ids[s % ids.length]}`;
      throw new InputError("schema", `no row for t=${t}`, { file, element });
    }
  }
  return out;
}

/** Gather one numeric column through a row index; non-finite values are errors naming line and field. */
function gather(
  tbl: ColumnTable,
  name: keyof MpopfTables,
  col: string,
  rows: Int32Array,
  ids: string[],
  file: string,
): Float64Array {
  const src = tbl.array(col);
  const out = new Float64Array(rows.length);
  for (let s = 0; s < rows.length; s++) {
    const r = rows[s]!;
    const v = Number(src[r]);
    if (!Number.isFinite(v)) {
      throw new InputError("bad-number", `not a finite number (${src[r]})`, {
        file,
        line: csvLine(r),
        element: name === "periods" ? name : `${name} ${ids[s % ids.length]}`,
        field: col,
      });
    }
    out[s] = v;
  }
  return out;
}

/**
 * Extract the per-hour set-points (PV P/Q, battery charge/discharge/net/Q, SOC) and the optimizer's
 * own values (substation P/Q, loss, cost, voltages) from result tables, for the scenario's units.
 * `source` names the tables in error messages (a run directory or a label).
 */
export function dispatchFromTables(scenario: Scenario, tables: MpopfTables, source = "tables"): Dispatch {
  const T = scenario.T;
  const net = scenario.network;
  for (const name of Object.keys(REQUIRED) as Array<keyof MpopfTables>) {
    if (REQUIRED[name].length > 0) requireColumns(tables[name], name, `${source}/${name}`);
  }
  const f = (n: keyof MpopfTables) => `${source}/${n}`;

  const per = tables.periods;
  const periodIds = ["feeder"];
  const pr = rowIndex(per, "periods", null, periodIds, T, f("periods"));
  const g = (col: string) => gather(per, "periods", col, pr, periodIds, f("periods"));

  const busIds = net.buses.map((b) => b.id);
  const br = rowIndex(tables.buses, "buses", "bus", busIds, T, f("buses"));
  const pvIds = scenario.pvs.map((u) => u.id);
  const pvRows = rowIndex(tables.pv, "pv", "pv", pvIds, T, f("pv"));
  const batIds = scenario.batteries.map((u) => u.id);
  const btRows = rowIndex(tables.batteries, "batteries", "battery", batIds, T, f("batteries"));
  const pvg = (col: string) => gather(tables.pv, "pv", col, pvRows, pvIds, f("pv"));
  const btg = (col: string) => gather(tables.batteries, "batteries", col, btRows, batIds, f("batteries"));

  return {
    T,
    source,
    pSubsKw: g("pSubsKw"),
    qSubsKvar: g("qSubsKvar"),
    lossKw: g("lossKw"),
    costUsd: g("costUsd"),
    priceUsdPerKwh: g("priceUsdPerKwh"),
    vPu: gather(tables.buses, "buses", "vPu", br, busIds, f("buses")),
    pvPKw: pvg("pKw"),
    pvQKvar: pvg("qKvar"),
    battPcKw: btg("pcKw"),
    battPdKw: btg("pdKw"),
    battPNetKw: btg("pNetKw"),
    battQKvar: btg("qKvar"),
    battSocKwh: btg("socKwh"),
  };
}

const TABLE_NAMES = ["periods", "pv", "batteries", "buses"] as const;

/**
 * Read the result tables of a solve from a folder (a run directory's `tables/<solution>/`): `<name>.json`
 * (arquero column JSON) or, when absent, `<name>.csv`. The branches table is not used by the replay and is
 * not read (an empty table is returned in its place). Cells are checked by `dispatchFromTables`.
 */
export function readSolutionTables(dir: string): MpopfTables {
  const out: Partial<MpopfTables> = { branches: table({}) };
  for (const name of TABLE_NAMES) {
    const json = join(dir, `${name}.json`);
    const csv = join(dir, `${name}.csv`);
    if (existsSync(json)) {
      try {
        out[name] = fromJSON(readFileSync(json, "utf8"));
      } catch (e) {
        throw new InputError("parse", `cannot read table: ${(e as Error).message}`, { file: json });
      }
    } else if (existsSync(csv)) {
      try {
        // Trailing newlines would read as rows of empty cells.
        const text = readFileSync(csv, "utf8").replace(/\s+$/, "");
        out[name] = fromCSV(text, { parse: { pv: String, battery: String, bus: String } });
      } catch (e) {
        throw new InputError("parse", `cannot read table: ${(e as Error).message}`, { file: csv });
      }
    } else {
      throw new InputError("missing-file", `no ${name}.json or ${name}.csv`, { file: join(dir, name) });
    }
  }
  return out as MpopfTables;
}
