import { renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { buildReport, DEFAULT_DPI, REPORT_DIR, type ReportOutput, readRunDir } from "../../reports/index.ts";
import { numberOption } from "../options.ts";
import { AtomicDir, checkRunDir, updateRunMarker } from "../run-dir.ts";

/** Files of a run directory that `mpopf report` (re)writes. */
const isReportFile = (rel: string) =>
  rel === "report.html" || rel === "report.md" || rel.startsWith(`${REPORT_DIR}/`);

interface ReportArgs {
  runDir: string;
  dpi: number;
}

/**
 * Write a report's files into a run directory, replacing any previous report: the new `report/` folder
 * is written by a RunDirWriter (temporary sibling, swapped in by rename), and report.html / report.md are
 * each written to a temporary file and renamed, so a failed run never leaves a half-written report.
 */
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

/** `mpopf report RUN_DIR`: regenerate report.html, report.md and report/ from a run directory's tables. */
export const reportCommand: CommandModule<object, ReportArgs> = {
  command: "report <run-dir>",
  describe: "Regenerate the report (tables, figures, report.html, report.md) from a run directory's tables",
  builder: (y: Argv) =>
    y
      .positional("run-dir", {
        type: "string",
        demandOption: true,
        describe: "run directory (see reports/README.md)",
      })
      .option("dpi", {
        ...numberOption("dpi", "PNG resolution (dots per inch)", { min: 0, minExclusive: true, max: 1200 }),
        default: DEFAULT_DPI,
      }) as unknown as Argv<ReportArgs>,
  handler: async (argv: ArgumentsCamelCase<ReportArgs>) => {
    const dir = argv.runDir;
    // Only a complete run directory written by mpopf (its report files aside, which are rewritten here).
    checkRunDir(dir, isReportFile);
    const input = readRunDir(dir);
    const out = await buildReport(input, { dpi: argv.dpi });
    writeReportFiles(dir, out);
    for (const s of out.index.skipped) process.stderr.write(`mpopf report: skipped: ${s}\n`);
    process.stdout.write(
      `report: ${out.index.tables.length} tables, ${out.index.figures.length} figures → ${join(dir, "report.html")}\n`,
    );
  },
};
