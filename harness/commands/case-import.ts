/**
 * `mpopf case import PATH/Master.dss --out DIR`: an OpenDSS deck read by the project's engine
 * (validation/dss-import) and written as a case folder in the project's format (a provenance line per table),
 * atomically and only where mpopf may write (harness/run-dir.ts rules). The folder also keeps the deck's record
 * (`dss-import.json`: the master file, bus phases, element names, the operating point), so that `mpopf run
 * --case DIR` replays its solutions in the original deck as well.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { caseFiles } from "../../models/write-case.ts";
import { textOption } from "../options.ts";
import { RunDirWriter } from "../run-dir.ts";
import { type DssCliArgs, dssCliOptions, importCase } from "./dss-case.ts";

interface ImportArgs extends DssCliArgs {
  deck: string;
  out: string;
  force: boolean;
}

export const importCommand: CommandModule<object, ImportArgs> = {
  command: "import <deck>",
  describe: "Read an OpenDSS deck (its master file) and write it as a case folder in the project's format",
  builder: (y: Argv) =>
    dssCliOptions(y)
      .positional("deck", { type: "string", describe: "the deck's master file (e.g. Master.dss)" })
      .option("out", { ...textOption("out", "case folder to write"), demandOption: true })
      .option(
        "price",
        textOption("price", "price profile: a column of --profiles or a LoadShape of the deck"),
      )
      .option("force", {
        type: "boolean",
        default: false,
        describe: "allow --out to be an existing empty folder",
      }) as unknown as Argv<ImportArgs>,
  handler: (argv: ArgumentsCamelCase<ImportArgs>) => {
    const w = new RunDirWriter(argv.out, { kind: "case", force: argv.force });
    try {
      const { imported } = importCase(argv.deck, argv);
      const f = imported!.feeder;
      const files = caseFiles(f, {
        provenance: `imported from the OpenDSS deck ${argv.deck} by mpopf case import`,
        defaults: imported!.defaults,
      });
      for (const [name, text] of files) w.write(name, text);
      w.writeJson("dss-import.json", imported!.deck);
      w.commit();
      const a = f.approximations ?? [];
      process.stdout.write(
        `${f.description}\n${a.length > 0 ? `${f.phaseModel === "three-phase" ? "what the balanced model leaves out" : "left out or approximated"}:\n${a.map((x) => `  - ${x}`).join("\n")}\n` : ""}case folder: ${w.requested}\n`,
      );
    } finally {
      w.abort();
    }
  },
};
