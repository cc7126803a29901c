import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { caseCommand } from "./commands/case.ts";

/**
 * The `mpopf` command line. Each sub-command lives in its own module under harness/commands/
 * and is registered here.
 */
export async function main(argv: string[]): Promise<void> {
  await yargs(hideBin(argv))
    .scriptName("mpopf")
    .usage(
      "$0 <command> [options]\n\nMulti-period OPF for radial feeders: solve, validate in an OpenDSS-compatible engine, report.",
    )
    .command(caseCommand)
    .demandCommand(1, "Name a command (see --help).")
    .strict()
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err, y) => {
      if (err) {
        process.stderr.write(`mpopf: ${err.message}\n`);
        const code = (err as unknown as { exitCode?: number }).exitCode;
        process.exit(typeof code === "number" ? code : 1);
      }
      void y;
      process.stderr.write(`mpopf: ${msg}\nRun 'mpopf --help' for usage.\n`);
      process.exit(2);
    })
    .help()
    .version()
    .parseAsync();
}

await main(process.argv);
