import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError } from "../../models/errors.ts";
import { readJsonFile } from "../../models/files.ts";
import { loadThresholds } from "../../validation/replay/thresholds.ts";
import { validateRunDir } from "../../validation/replay/validate-run.ts";
import { ExitError } from "../errors.ts";
import { checkRunDir } from "../run-dir.ts";

/** The replays and horizon a run's manifest promises (written by `mpopf run`). */
function expectedReplays(runDir: string): { replays: string[]; T: number } {
  const file = join(runDir, "manifest.json");
  if (!existsSync(file)) {
    throw new InputError(
      "bad-run-dir",
      "no manifest.json: this run has no replays to validate (written by mpopf solve --out? `mpopf run` replays and validates)",
      { file: runDir },
    );
  }
  const m = readJsonFile(file, "manifest") as {
    replays?: unknown;
    thresholds?: unknown;
    scenario?: { T?: unknown };
  };
  const replays = Array.isArray(m?.replays)
    ? m.replays
    : Array.isArray(m?.thresholds)
      ? m.thresholds.map((v: { replay?: unknown }) => v?.replay)
      : null;
  const T = m?.scenario?.T;
  if (!replays?.every((r) => typeof r === "string") || !(Number.isInteger(T) && (T as number) >= 1)) {
    throw new InputError("bad-run-dir", "manifest.json does not list the run's replays and horizon T", {
      file,
      field: "replays",
    });
  }
  return { replays: replays as string[], T: T as number };
}

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
    // A complete run directory (every file of its inventory intact), and the replays its manifest promises.
    checkRunDir(argv.runDir);
    const expected = expectedReplays(argv.runDir);
    // Without --thresholds, a run's own thresholds.json (written by `mpopf run`: the defaults, widened for
    // ENApp replays by the bound its boundary residuals allow) is used when present.
    const own = join(argv.runDir, "thresholds.json");
    const file = argv.thresholds ?? (existsSync(own) ? own : undefined);
    const thresholds = file ? loadThresholds(file) : null;
    if (!argv.json)
      process.stdout.write(`thresholds: ${file ?? "defaults (validation/replay/thresholds.default.json)"}\n`);
    const v = validateRunDir(argv.runDir, thresholds, expected);
    process.stdout.write(
      argv.json ? `${JSON.stringify({ ok: v.ok, reports: v.reports })}\n` : `${v.lines.join("\n")}\n`,
    );
    if (!v.ok) {
      const broken = v.reports.reduce((s, r) => s + r.violations.length, 0);
      throw new ExitError(`${broken} threshold(s) broken in ${argv.runDir}`, 1);
    }
  },
};
