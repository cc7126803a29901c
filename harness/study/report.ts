/**
 * `renderRunReport`: regenerate a run directory's report (report.html, report.md, report/) from its
 * tables, without re-solving — on any run directory of the one layout. The new `report/` folder is swapped
 * in atomically, the two pages are each written to a temporary file and renamed, and the marker's inventory
 * is refreshed, so a failed rendering never leaves a half-written report and the run stays complete.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../../models/errors.ts";
import { readRunManifest } from "../../models/run-layout.ts";
import { approximationsTable, balancedModelTables } from "../../reports/balanced-model.ts";
import {
  buildReport,
  REPORT_DIR,
  type ReportOptions,
  type ReportOutput,
  readRunDir,
} from "../../reports/index.ts";
import type { ReportTable } from "../../reports/table-render.ts";
import { phaseSummary } from "../../validation/replay/original-deck.ts";
import { readRunComparisons } from "../../validation/replay/replay.ts";
import { AtomicDir, checkRunDir, updateRunMarker } from "../run-dir.ts";

/** Files of a run directory that a report (re)writes. */
export const isReportFile = (rel: string) =>
  rel === "report.html" || rel === "report.md" || rel.startsWith(`${REPORT_DIR}/`);

/** Write a report's files into a run directory, replacing any previous report (see the module comment). */
export function writeReportFiles(runDir: string, out: ReportOutput): void {
  const dir = resolve(runDir);
  const w = new AtomicDir(join(dir, REPORT_DIR));
  const top: Array<[string, string | Uint8Array]> = [];
  try {
    for (const [rel, data] of out.files) {
      if (rel.startsWith(`${REPORT_DIR}/`)) w.write(rel.slice(REPORT_DIR.length + 1), data);
      else top.push([rel, data]);
    }
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
  for (const [rel, data] of top) {
    const p = join(dir, rel);
    writeFileSync(`${p}.tmp`, data);
    renameSync(`${p}.tmp`, p);
  }
  updateRunMarker(dir, isReportFile, [...out.files.keys()]);
}

/**
 * The imported deck's tables of a run directory, rebuilt from what the run recorded (the original-deck
 * comparison and the manifest's approximations), as the study wrote them the first time.
 */
function deckTablesOfRun(runDir: string): ReportTable[] {
  const od = readRunComparisons(runDir).find((c) => c.comparison.flavour === "original-deck");
  // A run without an imported deck's comparison needs the manifest only for its approximations; a report
  // directory whose manifest is not of this layout (a hand-made or older one) has none to give.
  let approximations: string[];
  try {
    approximations = readRunManifest(runDir).approximations ?? [];
  } catch (e) {
    if (od || !(e instanceof InputError)) throw e;
    approximations = [];
  }
  if (!od) return approximationsTable(approximations);
  // The study labels it as the solution key in capitals (MPCOPF), as the first rendering did.
  const label = od.comparison.label.toUpperCase();
  return balancedModelTables({ label, ...phaseSummary(od.comparison), approximations });
}

/**
 * Re-render the report of a complete run directory (its report files aside, which are rewritten) and
 * write it in place. Returns what was made and what was skipped (and why).
 */
export async function renderRunReport(runDir: string, opts: ReportOptions = {}): Promise<ReportOutput> {
  checkRunDir(runDir, isReportFile);
  const input = readRunDir(runDir);
  const extra = deckTablesOfRun(runDir);
  const out = await buildReport(extra.length > 0 ? { ...input, extraTables: extra } : input, opts);
  writeReportFiles(runDir, out);
  return out;
}
