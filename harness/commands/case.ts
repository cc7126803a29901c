/**
 * `mpopf case show NAME`: a study case's summary (the library's `summariseCase`); `mpopf case generate --buses N
 * --seed S --out DIR`: a seeded synthetic radial feeder (models/generate.ts) written as a case folder in the
 * project's format, atomically and only where mpopf may write (harness/run-dir.ts rules). Thin wrappers.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  caseFiles,
  formatCaseSummary,
  generateFeeder,
  loadCase,
  RunDirWriter,
  summariseCase,
} from "../index.ts";
import { numberOption, textOption } from "../options.ts";

interface ShowArgs {
  name: string;
  json: boolean;
  pv?: number;
  batt?: number;
}

/** `mpopf case show NAME`: summary of a study case (built-in name or folder with case.json). */
const showCommand: CommandModule<object, ShowArgs> = {
  command: "show <name>",
  describe: "Print buses, branches, loads, DERs, zones, areas and boundaries of a case",
  builder: (y: Argv) =>
    y
      .positional("name", {
        type: "string",
        describe: "built-in case (ieee123, two-zone) or a folder with case.json",
      })
      .option("json", { type: "boolean", default: false, describe: "print the summary as JSON" })
      .option(
        "pv",
        numberOption("pv", "PV percentage of load buses (default: the case's)", { min: 0, max: 100 }),
      )
      .option(
        "batt",
        numberOption("batt", "battery percentage of load buses (default: the case's)", { min: 0, max: 100 }),
      ) as unknown as Argv<ShowArgs>,
  handler: (argv: ArgumentsCamelCase<ShowArgs>) => {
    const summary = summariseCase(loadCase(argv.name), argv.pv, argv.batt);
    process.stdout.write(argv.json ? `${JSON.stringify(summary, null, 2)}\n` : formatCaseSummary(summary));
  },
};

interface GenerateArgs {
  buses: number;
  seed: number;
  out: string;
  force: boolean;
  kv?: number;
  hours?: number;
  step?: number;
  pvShare?: number;
  battShare?: number;
}

/** `mpopf case generate`: a seeded synthetic feeder into a case folder. */
const generateCommand: CommandModule<object, GenerateArgs> = {
  command: "generate",
  describe:
    "Write a seeded synthetic radial feeder (trunk, laterals, per-load profiles, PV, batteries) as a case folder",
  builder: (y: Argv) =>
    y
      .option("buses", {
        ...numberOption("buses", "number of buses", { integer: true, min: 10, max: 200000 }),
        demandOption: true,
      })
      .option("seed", {
        ...numberOption("seed", "random seed (same seed, same feeder)", { integer: true, min: 0 }),
        default: 1,
      })
      .option("out", { ...textOption("out", "case folder to write"), demandOption: true })
      .option("force", {
        type: "boolean",
        default: false,
        describe: "allow --out to be an existing empty folder",
      })
      .option("kv", numberOption("kv", "line-to-line voltage (kV), default 12.47", { min: 0.2, max: 69 }))
      .option(
        "hours",
        numberOption("hours", "hours the profiles cover, default 24", { integer: true, min: 1, max: 8760 }),
      )
      .option("step", numberOption("step", "profile step in minutes, default 60", { min: 1, max: 60 }))
      .option(
        "pv-share",
        numberOption("pv-share", "share of load buses with a PV (0..1), default 0.2", { min: 0, max: 1 }),
      )
      .option(
        "batt-share",
        numberOption("batt-share", "share of load buses with a battery (0..1), default 0.1", {
          min: 0,
          max: 1,
        }),
      ) as unknown as Argv<GenerateArgs>,
  handler: (argv: ArgumentsCamelCase<GenerateArgs>) => {
    const w = new RunDirWriter(argv.out, { kind: "case", force: argv.force });
    try {
      const feeder = generateFeeder({
        buses: argv.buses,
        seed: argv.seed,
        ...(argv.kv !== undefined ? { kvLl: argv.kv } : {}),
        ...(argv.hours !== undefined ? { hours: argv.hours } : {}),
        ...(argv.step !== undefined ? { stepMinutes: argv.step } : {}),
        ...(argv.pvShare !== undefined ? { pvShare: argv.pvShare } : {}),
        ...(argv.battShare !== undefined ? { battShare: argv.battShare } : {}),
      });
      for (const [name, text] of caseFiles(feeder, { provenance: feeder.provenance[0]! }))
        w.write(name, text);
      w.commit();
      process.stdout.write(`${feeder.description}\ncase folder: ${w.requested}\n`);
    } finally {
      w.abort();
    }
  },
};

/** `mpopf case <show|generate> …`: inspect a case, or generate a feeder into a case folder. */
export const caseCommand: CommandModule = {
  command: "case <action>",
  describe: "Study cases: 'show' prints a case's summary, 'generate' writes a seeded synthetic feeder",
  builder: (y: Argv) =>
    y
      .command(showCommand)
      .command(generateCommand)
      .demandCommand(1, "Name an action: show or generate.")
      .strict(),
  handler: () => {},
};
