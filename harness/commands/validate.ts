/**
 * `mpopf validate RUN_DIR [--thresholds FILE]`: the verdict on a run directory (a thin wrapper over the
 * library's `validateRun`). Exit 0 when every recorded solve is valid and, for a run that replayed its
 * solutions, every replay metric is inside its limit; 1 otherwise, printing each broken metric with its
 * value, limit, hour and bus / element. A run directory without replays (`mpopf solve --out`) is checked
 * for its solves only, and the output says that nothing was replayed.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { ExitError } from "../errors.ts";
import { validateRun } from "../index.ts";

interface ValidateArgs {
  runDir: string;
  thresholds?: string;
  json: boolean;
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: "validate <run-dir>",
  describe:
    "Check a run directory: its solves and, when it replayed them, the replay discrepancies against regression thresholds (exit 1 if any fails)",
  builder: (y: Argv) =>
    y
      .positional("run-dir", {
        type: "string",
        demandOption: true,
        describe: "run directory (written by mpopf run or mpopf solve --out)",
      })
      .option("thresholds", {
        type: "string",
        describe:
          "thresholds JSON, merged over the defaults (validation/replay/thresholds.default.json); default: RUN_DIR/thresholds.json if present",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print the verdicts as JSON",
      }) as unknown as Argv<ValidateArgs>,
  handler: (argv: ArgumentsCamelCase<ValidateArgs>) => {
    const v = validateRun(argv.runDir, argv.thresholds ? { thresholds: argv.thresholds } : {});
    if (argv.json) {
      process.stdout.write(
        `${JSON.stringify({ ok: v.ok, replayed: v.replayed, solves: v.solves, reports: v.reports })}\n`,
      );
    } else {
      process.stdout.write(
        `thresholds: ${v.replayed ? (v.thresholdsFile ?? "defaults (validation/replay/thresholds.default.json)") : "none checked (nothing was replayed)"}\n`,
      );
      process.stdout.write(`${v.lines.join("\n")}\n`);
    }
    if (!v.ok) {
      const broken = v.reports.reduce((s, r) => s + r.violations.length, 0);
      const badSolves = v.solves.filter((s) => !s.ok).map((s) => s.solution);
      throw new ExitError(
        [
          broken > 0 ? `${broken} threshold(s) broken` : "",
          badSolves.length > 0 ? `solve(s) ${badSolves.join(", ")} not valid` : "",
        ]
          .filter(Boolean)
          .join("; ") + ` in ${argv.runDir}`,
        1,
      );
    }
  },
};
