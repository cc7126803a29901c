/**
 * `mpopf attribute RUN_DIR`: attribute every replay's discrepancy to the modelling differences (line charging,
 * capacitors, load and device bands, kVA limits, idling losses) and write the tables into the run directory and
 * its report (a thin wrapper over the library's `attributeRun`). `mpopf run` does this by default; this command
 * adds it to a run made with `--no-attribute` or by an earlier version, or redoes it.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { progressLogger } from "../cli-args.ts";
import { attributeRun, formatAttribution } from "../index.ts";

interface AttributeArgs {
  runDir: string;
  report: boolean;
  quiet: boolean;
  side: "deck" | "optimizer";
}

export const attributeCommand: CommandModule<object, AttributeArgs> = {
  command: "attribute <run-dir>",
  describe:
    "Attribute each replay's discrepancy to the modelling differences (a sequential waterfall) and add the tables and figure to the run directory's report",
  builder: (y: Argv) =>
    y
      .positional("run-dir", {
        type: "string",
        demandOption: true,
        describe: "run directory written by mpopf run (it must hold replays)",
      })
      .option("report", {
        type: "boolean",
        default: true,
        describe: "re-render the report with the attribution (--no-report skips it)",
      })
      .option("side", {
        choices: ["deck", "optimizer"] as const,
        default: "deck" as const,
        describe:
          "deck: switch each difference in the deck, set-points fixed (every replay; the report's); optimizer: re-solve the centralized solve with the reported deck's physics one step at a time (the closure waterfall)",
      })
      .option("quiet", {
        type: "boolean",
        default: false,
        describe: "no progress lines",
      }) as unknown as Argv<AttributeArgs>,
  handler: async (argv: ArgumentsCamelCase<AttributeArgs>) => {
    const out = await attributeRun(argv.runDir, {
      side: argv.side,
      report: argv.report,
      progress: progressLogger(argv.quiet, "attribute"),
    });
    for (const { replay, attribution } of out)
      process.stdout.write(`${formatAttribution(replay, attribution).join("\n")}\n`);
  },
};
