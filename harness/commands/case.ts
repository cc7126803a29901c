/** `mpopf case show NAME`: summary of a study case (a thin wrapper over the library's `summariseCase`). */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { formatCaseSummary, loadCase, summariseCase } from "../index.ts";

interface CaseArgs {
  action: string;
  name: string;
  json: boolean;
  pv?: number;
  batt?: number;
}

export const caseCommand: CommandModule<object, CaseArgs> = {
  command: "case <action> <name>",
  describe: "Inspect a study case: 'show' prints buses, branches, loads, DERs, areas and boundaries",
  builder: (y: Argv) =>
    y
      .positional("action", { choices: ["show"] as const, describe: "what to do" })
      .positional("name", { type: "string", describe: "built-in case (ieee123) or a folder with case.json" })
      .option("json", { type: "boolean", default: false, describe: "print the summary as JSON" })
      .option("pv", { type: "number", describe: "PV percentage of load buses (default: the case's)" })
      .option("batt", {
        type: "number",
        describe: "battery percentage of load buses (default: the case's)",
      }) as Argv<CaseArgs>,
  handler: (argv: ArgumentsCamelCase<CaseArgs>) => {
    const summary = summariseCase(loadCase(argv.name), argv.pv, argv.batt);
    process.stdout.write(argv.json ? `${JSON.stringify(summary, null, 2)}\n` : formatCaseSummary(summary));
  },
};
