/**
 * The run-directory file layout the report is regenerated from (`mpopf report RUN_DIR`), with a reader
 * (CSV → arquero tables, checked against the contract) and a writer (ReportInput → CSV/JSON files) that
 * the producing stages can call so both sides agree on names. See reports/README.md for the layout.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type ColumnTable, fromCSV, table, toCSV } from "arquero";
import { InputError } from "../models/errors.ts";
import { readInputFile, readJsonFile } from "../models/files.ts";
import {
  checkTable,
  type EnappHistory,
  type ReportInput,
  type ResultSet,
  TABLE_COLUMNS,
  type TableKind,
} from "./contract.ts";

/** Where each result set lives under RUN_DIR, and its default label. */
export const RESULT_DIRS = {
  mpcopf: { dir: "tables/mpcopf", label: "MPCOPF" },
  mpdopf: { dir: "tables/mpdopf", label: "MPDOPF" },
  replayMpcopf: { dir: "tables/replay-mpcopf", label: "Power flow (MPCOPF)" },
  replayMpdopf: { dir: "tables/replay-mpdopf", label: "Power flow (MPDOPF)" },
} as const;

/** ENApp history files under RUN_DIR. */
export const ENAPP_FILES = {
  iterations: "tables/enapp/iterations.csv",
  boundaries: "tables/enapp/boundaries.csv",
} as const;

/** Optional report settings file at RUN_DIR root. */
export const REPORT_INPUT_FILE = "report-input.json";

/** Per-result-set table files (periods.csv is required for a set to exist; the others are optional). */
export const RESULT_FILES = ["periods", "pv", "batteries", "buses", "branches"] as const;

/** Contents of report-input.json (all optional). */
export interface ReportSettings {
  title?: string;
  /** Header facts, in order, e.g. [["Case", "ieee123"], ["Horizon", "24 h"]]. */
  meta?: Array<[string, string]>;
  /** Period length (h), default 1. */
  dtH?: number;
  /** Labels overriding the defaults of RESULT_DIRS. */
  labels?: Partial<Record<keyof typeof RESULT_DIRS, string>>;
}

type SetKey = keyof typeof RESULT_DIRS;

/** Read one CSV table, parsing id columns as text and checking it against the contract. */
export function readTableCsv(file: string, kind: TableKind, allowEmpty = false): ColumnTable {
  const text = readInputFile(file, "CSV");
  let raw: ColumnTable;
  try {
    // Trailing blank lines (e.g. an extra "\n" after arquero's toCSV) are not rows.
    raw = fromCSV(text.replace(/(\r?\n)+$/, "\n"), { autoType: false });
  } catch (e) {
    throw new InputError("parse", `not a CSV table: ${(e as Error).message}`, { file });
  }
  // Numbers are parsed column by column so a bad cell is reported where it is (not as a column type).
  const spec = TABLE_COLUMNS[kind];
  const idCols = new Set<string>(spec.text);
  const numeric: string[] = [...spec.required, ...spec.optional].filter(
    (c) => !idCols.has(c) && raw.columnNames().includes(c),
  );
  const cols: Record<string, unknown[]> = {};
  for (const c of raw.columnNames()) {
    const values = Array.from(raw.array(c) as ArrayLike<unknown>, (v) => (v == null ? "" : String(v)));
    if (!numeric.includes(c)) {
      cols[c] = values;
      continue;
    }
    cols[c] = values.map((s, i) => {
      if (s.trim() === "") return null;
      const v = Number(s);
      if (!Number.isFinite(v)) {
        throw new InputError("bad-number", `expected a finite number, got '${s}'`, {
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
  checkTable(t, kind, file, { allowEmpty, csvLines: true });
  return t;
}

/** Parse a JSON file, or throw an InputError naming it. */
function readJson(file: string): unknown {
  return readJsonFile(file, "JSON");
}

function readSet(runDir: string, key: SetKey, label: string): ResultSet | undefined {
  const dir = join(runDir, RESULT_DIRS[key].dir);
  if (!existsSync(join(dir, "periods.csv"))) return undefined;
  const replay = key.startsWith("replay");
  const opt = (name: (typeof RESULT_FILES)[number]) => {
    const f = join(dir, `${name}.csv`);
    return existsSync(f) ? readTableCsv(f, name, replay) : undefined;
  };
  return {
    label,
    periods: readTableCsv(join(dir, "periods.csv"), "periods", replay),
    pv: opt("pv"),
    batteries: opt("batteries"),
    buses: opt("buses"),
    branches: opt("branches"),
  };
}

/** Read a run directory's tables (and report-input.json / manifest.json for title and facts) into a ReportInput. */
export function readRunDir(runDir: string): ReportInput {
  const settingsFile = join(runDir, REPORT_INPUT_FILE);
  let settings: ReportSettings = {};
  if (existsSync(settingsFile)) {
    settings = readJson(settingsFile) as ReportSettings;
    if (settings.dtH !== undefined && !(typeof settings.dtH === "number" && settings.dtH > 0)) {
      throw new InputError(
        "bad-number",
        `expected a positive number of hours, got '${String(settings.dtH)}'`,
        {
          file: settingsFile,
          field: "dtH",
        },
      );
    }
  }
  let caseName: string | undefined;
  const manifest = join(runDir, "manifest.json");
  if (existsSync(manifest)) {
    const m = readJson(manifest) as { case?: unknown } | null;
    if (typeof m?.case === "string") caseName = m.case;
  }
  const label = (k: SetKey) => settings.labels?.[k] ?? RESULT_DIRS[k].label;
  const enapp: EnappHistory = {};
  const it = join(runDir, ENAPP_FILES.iterations);
  const bd = join(runDir, ENAPP_FILES.boundaries);
  if (existsSync(it)) enapp.iterations = readTableCsv(it, "iterations");
  if (existsSync(bd)) enapp.boundaries = readTableCsv(bd, "boundaries");
  const replayMpcopf = readSet(runDir, "replayMpcopf", label("replayMpcopf"));
  const replayMpdopf = readSet(runDir, "replayMpdopf", label("replayMpdopf"));
  return {
    title: settings.title ?? (caseName ? `mpopf report: ${caseName}` : "mpopf report"),
    meta: settings.meta ?? (caseName ? [["Case", caseName]] : []),
    dtH: settings.dtH ?? 1,
    mpcopf: readSet(runDir, "mpcopf", label("mpcopf")),
    mpdopf: readSet(runDir, "mpdopf", label("mpdopf")),
    replay: replayMpcopf || replayMpdopf ? { mpcopf: replayMpcopf, mpdopf: replayMpdopf } : undefined,
    enapp: enapp.iterations || enapp.boundaries ? enapp : undefined,
  };
}

/** CSV text of a table (full precision: JavaScript's shortest round-trip number text; empty = missing). */
export function tableCsv(t: ColumnTable): string {
  return toCSV(t);
}

/**
 * The files (path relative to RUN_DIR → text) that represent a ReportInput in a run directory: the
 * result tables as CSV and report-input.json. Producers write these; `mpopf report` reads them back.
 */
export function runDirFiles(input: ReportInput): Map<string, string> {
  const files = new Map<string, string>();
  const sets: Array<[SetKey, ResultSet | undefined]> = [
    ["mpcopf", input.mpcopf],
    ["mpdopf", input.mpdopf],
    ["replayMpcopf", input.replay?.mpcopf],
    ["replayMpdopf", input.replay?.mpdopf],
  ];
  const labels: Partial<Record<SetKey, string>> = {};
  for (const [key, set] of sets) {
    if (!set) continue;
    labels[key] = set.label;
    for (const name of RESULT_FILES) {
      const t = set[name];
      if (t) files.set(`${RESULT_DIRS[key].dir}/${name}.csv`, tableCsv(t));
    }
  }
  if (input.enapp?.iterations) files.set(ENAPP_FILES.iterations, tableCsv(input.enapp.iterations));
  if (input.enapp?.boundaries) files.set(ENAPP_FILES.boundaries, tableCsv(input.enapp.boundaries));
  const settings: ReportSettings = {
    title: input.title,
    meta: input.meta ?? [],
    dtH: input.dtH ?? 1,
    labels,
  };
  files.set(REPORT_INPUT_FILE, `${JSON.stringify(settings, null, 2)}\n`);
  return files;
}
