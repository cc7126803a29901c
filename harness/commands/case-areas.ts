/**
 * `mpopf case areas NAME --areas auto:K [--out FILE.csv]`: split a case's feeder into areas (or check a given
 * partition) and print its quality — sizes, DERs, boundaries, depth of the area tree; `--out` saves it as a
 * `bus,area` CSV that `--areas FILE.csv` and a case's `partitions` read back.
 */
import { writeFileSync } from "node:fs";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { partitionCsv, partitionQuality } from "../../models/auto-partition.ts";
import { loadCase } from "../../models/case.ts";
import { buildScenario } from "../../models/scenario.ts";
import { numberOption, textOption } from "../options.ts";
import { formatQuality, resolveAreas } from "./areas.ts";

interface AreasArgs {
  name: string;
  areas?: string;
  out?: string;
  force: boolean;
  json: boolean;
  pv?: number;
  batt?: number;
  horizon?: number;
}

export const areasCommand: CommandModule<object, AreasArgs> = {
  command: "areas <name>",
  describe:
    "Split a case into areas (--areas auto:K) or check a partition; print its quality, save it as CSV",
  builder: (y: Argv) =>
    y
      .positional("name", { type: "string", describe: "built-in case or a folder with case.json" })
      .option("areas", textOption("areas", "auto:K, a partition of the case, or a bus,area CSV file"))
      .option("out", textOption("out", "write the partition as a bus,area CSV file"))
      .option("force", { type: "boolean", default: false, describe: "overwrite --out if it exists" })
      .option("json", { type: "boolean", default: false, describe: "print the quality as JSON" })
      .option("pv", numberOption("pv", "PV percentage (DERs count in the sizes)", { min: 0, max: 100 }))
      .option("batt", numberOption("batt", "battery percentage", { min: 0, max: 100 }))
      .option(
        "horizon",
        numberOption("horizon", "periods T (sizes are per period; default the case's)", {
          integer: true,
          min: 1,
        }),
      ) as unknown as Argv<AreasArgs>,
  handler: (argv: ArgumentsCamelCase<AreasArgs>) => {
    const c = loadCase(argv.name);
    const scenario = buildScenario(c, {
      ...(argv.pv !== undefined ? { pvPercent: argv.pv } : {}),
      ...(argv.batt !== undefined ? { battPercent: argv.batt } : {}),
      ...(argv.horizon !== undefined ? { horizon: argv.horizon } : {}),
    });
    const part = resolveAreas(c, argv.areas, scenario);
    const q = partitionQuality(scenario, part);
    if (argv.out) {
      writeFileSync(argv.out, partitionCsv(scenario.network, part, `${c.name}: areas ${part.name}`), {
        flag: argv.force ? "w" : "wx",
      });
    }
    process.stdout.write(argv.json ? `${JSON.stringify(q, null, 2)}\n` : formatQuality(q, scenario.T));
    if (argv.out) process.stderr.write(`partition written to ${argv.out}\n`);
  },
};
