import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { loadThresholds } from "../../validation/replay/thresholds.ts";
import { validateRunDir } from "../../validation/replay/validate-run.ts";
import { ExitError } from "../errors.ts";

interface ValidateArgs {
  runDir: string;
  thresholds?: string;
  json: boolean;
}

/**
 * `mpopf validate RUN_DIR --thresholds FILE`: checks every replay stored in a run directory
 * (replay/<solution>-<flavour>/comparison.json) against regression thresholds (the file is merged over
 * the documented defaults, validation/replay/thresholds.default.json). Exit 0 when every metric is inside
 * its limit, 1 otherwise, printing each broken metric with its value, limit, hour and bus / element.
 */
export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: "validate <run-dir>",
  describe:
    "Check a run's replay discrepancies against regression thresholds (exit 1 if any limit is broken)",
  builder: (y: Argv) =>
    y
      .positional("run-dir", {
        type: "string",
        demandOption: true,
        describe: "run directory (written by mpopf run)",
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
    // Without --thresholds, a run's own thresholds.json (written by `mpopf run`: the defaults, widened for
    // ENApp replays by the bound its boundary residuals allow) is used when present.
    const own = join(argv.runDir, "thresholds.json");
    const file = argv.thresholds ?? (existsSync(own) ? own : undefined);
    const thresholds = file ? loadThresholds(file) : null;
    if (!argv.json)
      process.stdout.write(`thresholds: ${file ?? "defaults (validation/replay/thresholds.default.json)"}\n`);
    const v = validateRunDir(argv.runDir, thresholds);
    process.stdout.write(
      argv.json ? `${JSON.stringify({ ok: v.ok, reports: v.reports })}\n` : `${v.lines.join("\n")}\n`,
    );
    if (!v.ok) {
      const broken = v.reports.reduce((s, r) => s + r.violations.length, 0);
      throw new ExitError(`${broken} threshold(s) broken in ${argv.runDir}`, 1);
    }
  },
};
