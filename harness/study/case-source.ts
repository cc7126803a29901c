/**
 * Where a study's case comes from: a built-in case or case folder, or an OpenDSS deck read by the project's
 * engine (validation/dss-import). A case folder written by `mpopf case import` keeps the deck's record
 * (`dss-import.json`), so a study on it is replayed in the original deck too.
 */
import { existsSync } from "node:fs";
import { caseFromFeeder, loadCase, type StudyCase } from "../../models/case.ts";
import { InputError } from "../../models/errors.ts";
import {
  type DssDeckInfo,
  type DssImport,
  type DssImportOptions,
  importDss,
  readDeckInfo,
} from "../../validation/dss-import/import.ts";

/** A study case and, when it came from a deck, the deck's record (for the original-deck replay). */
export interface LoadedCase {
  case: StudyCase;
  deck: DssDeckInfo | null;
  /** The import itself (deck cases only): defaults, timings. */
  imported?: DssImport;
}

/** Import an OpenDSS deck (its master file) as a study case. */
export function importCase(path: string, options: DssImportOptions = {}): LoadedCase {
  if (!existsSync(path)) {
    throw new InputError("missing-file", "no such OpenDSS master file", { file: path, element: "--dss" });
  }
  const imported = importDss(path, options);
  return {
    case: caseFromFeeder(imported.feeder, { defaults: imported.defaults }),
    deck: imported.deck,
    imported,
  };
}

/**
 * The case of a study: `dss` (an OpenDSS master file, imported with `importOptions`) or `case` (a built-in
 * name or a folder; with the deck's record when it was written by `mpopf case import`).
 */
export function loadStudyCase(a: {
  case?: string;
  dss?: string;
  importOptions?: DssImportOptions;
}): LoadedCase {
  if (a.dss) return importCase(a.dss, a.importOptions ?? {});
  const c = loadCase(a.case ?? "ieee123");
  return { case: c, deck: c.dir ? readDeckInfo(c.dir) : null };
}
