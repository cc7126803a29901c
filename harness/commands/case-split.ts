/**
 * `mpopf case split --case NAME --areas … --out DIR [scenario options]`: one folder per area holding only that
 * area's data (solvers/distributed/area-folder.ts), written atomically (harness/run-dir.ts rules). Give each
 * host its own folder and run `mpopf agent --area FOLDER --nats … --run ID` there; the coordinator (`mpopf solve
 * --transport nats://… --run ID`) is given the same case, scenario options and areas — an agent refuses a run
 * whose area differs from its folder.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { splitAreas } from "../../solvers/distributed/area-folder.ts";
import { checkHorizon, type StudyCliArgs, scenarioCliOptions, scenarioRequest } from "../cli-args.ts";
import { studyCaseOf } from "../dss-args.ts";
import { buildScenario, formatQuality, partitionQuality, resolveAreas } from "../index.ts";
import { writeAreaSplit } from "../nats/split.ts";
import { textOption } from "../options.ts";

interface SplitArgs extends StudyCliArgs {
  areas?: string;
  out: string;
  force: boolean;
  quiet: boolean;
}

export const splitCommand: CommandModule<object, SplitArgs> = {
  command: "split",
  describe: "Write one folder per area holding only that area's data (for agents on separate hosts)",
  builder: (y: Argv) =>
    scenarioCliOptions(y)
      .option(
        "areas",
        textOption(
          "areas",
          "auto:K, a partition of the case, or a bus,area CSV file (default: the case's first)",
        ),
      )
      .option("out", {
        ...textOption("out", "folder to write (replaces only an earlier mpopf output)"),
        demandOption: true,
      })
      .option("force", {
        type: "boolean",
        default: false,
        describe: "allow --out to be an existing empty folder that mpopf did not write",
      })
      .option("quiet", {
        type: "boolean",
        default: false,
        describe: "print nothing but errors",
      }) as unknown as Argv<SplitArgs>,
  handler: (argv: ArgumentsCamelCase<SplitArgs>) => {
    const c = studyCaseOf(argv).case;
    const req = scenarioRequest(argv);
    checkHorizon(c, req);
    const scenario = buildScenario(c, req);
    const part = resolveAreas(c, argv.areas, scenario);
    const split = splitAreas(c.name, scenario, part);
    const dir = writeAreaSplit(split, argv.out, { force: argv.force, protect: c.dir ? [c.dir] : [] });
    if (argv.quiet) return;
    process.stdout.write(formatQuality(partitionQuality(scenario, part), scenario.T));
    process.stdout.write(
      `${split.index.areas.length} area folders written to ${dir}: ${split.index.areas.map((a) => a.folder).join(", ")}\n`,
    );
  },
};
