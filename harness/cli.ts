import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { InputError } from "../models/errors.ts";
import { agentCommand } from "./commands/agent.ts";
import { attributeCommand } from "./commands/attribute.ts";
import { brokerCommand } from "./commands/broker.ts";
import { caseCommand } from "./commands/case.ts";
import { compareMethodsCommand } from "./commands/compare-methods.ts";
import { dssCommand } from "./commands/dss.ts";
import { reportCommand } from "./commands/report.ts";
import { runCommand } from "./commands/run.ts";
import { solveCommand } from "./commands/solve.ts";
import { validateCommand } from "./commands/validate.ts";
import { ExitError } from "./errors.ts";
import { abortActiveWriters, osCause } from "./run-dir.ts";

/** An operating-system error (ENOENT, EACCES, ENOSPC …) from node:fs, with the path it concerns. */
function osError(e: unknown): NodeJS.ErrnoException | null {
  const ne = e as NodeJS.ErrnoException;
  return ne && typeof ne.code === "string" && typeof ne.syscall === "string" ? ne : null;
}

let signalsHooked = false;
/** On Ctrl-C or SIGTERM: discard unfinished run directories (the old run stays), then exit 130 / 143. */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const [sig, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(sig, () => {
      abortActiveWriters();
      process.stderr.write(`mpopf: interrupted (${sig}); nothing written\n`);
      process.exit(code);
    });
  }
}

/**
 * The `mpopf` command line. Each sub-command lives in its own module under harness/commands/
 * and is registered here. Exit codes: 0 success, 1 failure (bad input, solver or power-flow
 * failure, violated thresholds), 2 usage error.
 */
export async function main(argv: string[]): Promise<number> {
  let usageError = false;
  hookSignals();
  try {
    await yargs(hideBin(argv))
      .scriptName("mpopf")
      .usage(
        "$0 <command> [options]\n\nMulti-period OPF for radial feeders: solve, validate in an OpenDSS-compatible engine, report.",
      )
      .command(caseCommand)
      .command(dssCommand)
      .command(runCommand)
      .command(solveCommand)
      .command(compareMethodsCommand)
      .command(validateCommand)
      .command(reportCommand)
      .command(attributeCommand)
      .command(agentCommand)
      .command(brokerCommand)
      .demandCommand(1, "Name a command (see --help).")
      .strict()
      .recommendCommands()
      .wrap(Math.min(110, process.stdout.columns ?? 110))
      .fail((msg, err) => {
        // yargs' own errors (a bad or missing option value, a failed coerce) are usage errors.
        if (err && err.name !== "YError") throw err;
        if (err) msg = err.message;
        usageError = true;
        throw new ExitError(`${msg}\nRun 'mpopf --help' for usage.`, 2);
      })
      .help()
      .version()
      .parseAsync();
    return 0;
  } catch (e) {
    if (e instanceof ExitError) {
      process.stderr.write(`mpopf: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof InputError) {
      process.stderr.write(`mpopf: error: ${e.message}\n`);
      return 1;
    }
    const os = osError(e);
    if (os) {
      process.stderr.write(
        `mpopf: error: ${os.path ?? ""}${os.path ? ": " : ""}${osCause(os)} (${os.syscall})\n`,
      );
      return 1;
    }
    process.stderr.write(
      `mpopf: ${usageError ? "" : "internal error: "}${(e as Error).stack ?? String(e)}\n`,
    );
    return usageError ? 2 : 1;
  }
}
