import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { loadCase } from "../../models/case.ts";
import { RunDirWriter } from "../run-dir.ts";
import { formatCaseSummary, summariseCase } from "./case.ts";

interface RunArgs {
  case: string;
  out: string;
}

/**
 * `mpopf run`: the main job — everything for a study case into one run directory, written
 * atomically. Stages are added as they land (solve, replay, report); today: the case summary.
 */
export const runCommand: CommandModule<object, RunArgs> = {
  command: "run",
  describe: "Run the whole study (solve, validate, report) into a run directory",
  builder: (y: Argv) =>
    y
      .option("case", {
        type: "string",
        default: "ieee123",
        describe: "built-in case or folder with case.json",
      })
      .option("out", {
        type: "string",
        default: "runs/ieee123",
        describe: "run directory to (re)write",
      }) as Argv<RunArgs>,
  handler: (argv: ArgumentsCamelCase<RunArgs>) => {
    const started = Date.now();
    const c = loadCase(argv.case);
    const w = new RunDirWriter(argv.out);
    try {
      const summary = summariseCase(c);
      w.writeJson("case-summary.json", summary);
      w.write("case-summary.txt", formatCaseSummary(summary));
      w.writeJson("manifest.json", {
        tool: "mpopf",
        case: c.name,
        caseDir: c.dir,
        stages: ["case"],
        startedAt: new Date(started).toISOString(),
        seconds: (Date.now() - started) / 1000,
      });
      w.commit();
    } catch (e) {
      w.abort();
      throw e;
    }
    process.stdout.write(formatCaseSummary(summariseCase(c)));
    process.stdout.write(`\nrun directory: ${w.target}\n`);
  },
};
