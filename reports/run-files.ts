/**
 * The run-directory file layout the report is regenerated from (`mpopf report RUN_DIR`), with a reader
 * (CSV → arquero tables, checked against the contract) and a writer (ReportInput → CSV/JSON files) that
 * the producing stages can call so both sides agree on names. See reports/README.md for the layout.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type ColumnTable, fromCSV, table } from "arquero";
import { InputError } from "../models/errors.ts";
import { readInputFile, readJsonFile } from "../models/files.ts";
import { RESULT_TABLE_NAMES, readResultCsv, tableCsv } from "../models/results.ts";
import { RESULT_DIRS, ENAPP_FILES as RUN_ENAPP_FILES, RUN_FILES } from "../models/run-layout.ts";
import type { EnappHistory, ReportInput, ResultSet, TableKind } from "./contract.ts";

export { RESULT_DIRS, tableCsv };

/** ENApp history files under RUN_DIR that the report reads. */
export const ENAPP_FILES = {
  iterations: RUN_ENAPP_FILES.iterations,
  boundaries: RUN_ENAPP_FILES.boundaries,
} as const;

/** Optional report settings file at RUN_DIR root. */
export const REPORT_INPUT_FILE = RUN_FILES.reportInput;

/** Per-result-set table files (periods.csv is required for a set to exist; the others are optional). */
export const RESULT_FILES = RESULT_TABLE_NAMES;

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

/** Read one CSV table of the one schema (models/results.ts `readResultCsv`). */
export function readTableCsv(file: string, kind: TableKind, allowEmpty = false): ColumnTable {
  return readResultCsv(file, kind, { allowEmpty });
}

/** Parse a JSON file, or throw an InputError naming it. */
function readJson(file: string): unknown {
  return readJsonFile(file, "JSON");
}

function readSet(runDir: string, key: SetKey, label: string): ResultSet | undefined {
  const dir = join(runDir, RESULT_DIRS[key].dir);
  if (!existsSync(join(dir, "periods.csv"))) return undefined;
  const replay = key.startsWith("replay");
  const opt = (name: Exclude<(typeof RESULT_FILES)[number], "periods">) => {
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
  const coordinatesFile = join(runDir, RUN_FILES.coordinates);
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
    ...(existsSync(coordinatesFile) ? { coordinates: readCoordinates(coordinatesFile) } : {}),
  };
}

/** Read the bus-coordinate table (bus, x, y; numbers finite). */
function readCoordinates(file: string): ColumnTable {
  const text = readInputFile(file, "CSV");
  let raw: ColumnTable;
  try {
    raw = fromCSV(text.replace(/(\r?\n)+$/, "\n"), { autoType: false });
  } catch {
    throw new InputError("parse", "not a CSV table", { file });
  }
  for (const c of ["bus", "x", "y"]) {
    if (!raw.columnNames().includes(c))
      throw new InputError("schema", `missing column ${c}`, { file, field: c });
  }
  const bus = Array.from(raw.array("bus") as ArrayLike<unknown>, String);
  const num = (c: string) =>
    Array.from(raw.array(c) as ArrayLike<unknown>, (v, i) => {
      const x = Number(v);
      if (!Number.isFinite(x)) {
        throw new InputError("bad-number", "expected a finite number", {
          file,
          line: i + 2,
          element: `bus ${bus[i]}`,
          field: c,
        });
      }
      return x;
    });
  return table({ bus, x: num("x"), y: num("y") });
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
  if (input.coordinates) files.set(RUN_FILES.coordinates, tableCsv(input.coordinates));
  const settings: ReportSettings = {
    title: input.title,
    meta: input.meta ?? [],
    dtH: input.dtH ?? 1,
    labels,
  };
  files.set(REPORT_INPUT_FILE, `${JSON.stringify(settings, null, 2)}\n`);
  return files;
}
