/** `mpopf report RUN_DIR`: regenerate a run directory's report (a thin wrapper over the library's `renderRunReport`). */
import { join } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { DEFAULT_DPI } from "../../reports/index.ts";
import { renderRunReport } from "../index.ts";
import { numberOption } from "../options.ts";

interface ReportArgs {
  runDir: string;
  dpi: number;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: "report <run-dir>",
  describe: "Regenerate the report (tables, figures, report.html, report.md) from a run directory's tables",
  builder: (y: Argv) =>
    y
      .positional("run-dir", {
        type: "string",
        demandOption: true,
        describe: "run directory (written by mpopf run or mpopf solve --out; see reports/README.md)",
      })
      .option("dpi", {
        ...numberOption("dpi", "PNG resolution (dots per inch)", { min: 0, minExclusive: true, max: 1200 }),
        default: DEFAULT_DPI,
      }) as unknown as Argv<ReportArgs>,
  handler: async (argv: ArgumentsCamelCase<ReportArgs>) => {
    const out = await renderRunReport(argv.runDir, { dpi: argv.dpi });
    for (const s of out.index.skipped) process.stderr.write(`mpopf report: skipped: ${s}\n`);
    process.stdout.write(
      `report: ${out.index.tables.length} tables, ${out.index.figures.length} figures → ${join(argv.runDir, "report.html")}\n`,
    );
  },
};
