/**
 * `mpopf case show NAME` (or `--dss PATH`): a study case's summary (the library's `summariseCase`, with what the
 * model leaves out); `mpopf case generate --buses N --seed S --out DIR`: a seeded synthetic radial feeder
 * (models/generate.ts); `mpopf case import PATH/Master.dss --out DIR`: an OpenDSS deck (validation/dss-import);
 * `mpopf case areas NAME --areas auto:K [--out FILE.csv]`: areas for the distributed methods and their quality;
 * `mpopf case split … --out DIR`: one folder per area for agents on separate hosts (harness/nats).
 * generate, import and split write folders in the project's format, atomically and only where mpopf may write
 * (harness/run-dir.ts rules). Thin wrappers.
 */
import { writeFileSync } from "node:fs";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { splitAreas } from "../../solvers/distributed/area-folder.ts";
import { checkHorizon, type StudyCliArgs, scenarioCliOptions, scenarioRequest } from "../cli-args.ts";
import { type DssCliArgs, dssCliOptions, importOptions, studyCaseOf } from "../dss-args.ts";
import { ExitError } from "../errors.ts";
import {
  buildScenario,
  caseFiles,
  formatCaseSummary,
  formatQuality,
  generateFeeder,
  partitionCsv,
  partitionQuality,
  RunDirWriter,
  resolveAreas,
  summariseCase,
} from "../index.ts";
import { writeAreaSplit } from "../nats/split.ts";
import { areasOption, FORCE_OUT_OPTION, numberOption, textOption } from "../options.ts";
import { importCase } from "../study/case-source.ts";

interface ShowArgs extends DssCliArgs {
  name?: string;
  json: boolean;
  pv?: number;
  batt?: number;
}

/** `mpopf case show NAME`: summary of a study case (built-in name or folder with case.json). */
const showCommand: CommandModule<object, ShowArgs> = {
  command: "show [name]",
  describe:
    "Print buses, branches, loads, DERs, zones, areas, boundaries and what the model leaves out of a case (or of an OpenDSS deck with --dss)",
  builder: (y: Argv) =>
    dssCliOptions(y)
      .positional("name", {
        type: "string",
        describe: "built-in case (ieee123, two-zone) or a folder with case.json",
      })
      .option("price", textOption("price", "--dss: price profile (a column of --profiles or a LoadShape)"))
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
    if ((argv.name === undefined) === (argv.dss === undefined)) {
      throw new ExitError("case show: name a case, or give --dss PATH (one of the two)", 2);
    }
    const { case: c } = studyCaseOf({ ...argv, case: argv.name });
    const summary = summariseCase(c, argv.pv, argv.batt);
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
      .option("force", FORCE_OUT_OPTION)
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

/**
 * `mpopf case import PATH/Master.dss --out DIR`: an OpenDSS deck read by the project's engine
 * (validation/dss-import) and written as a case folder in the project's format (a provenance line per table),
 * atomically and only where mpopf may write (harness/run-dir.ts rules). The folder also keeps the deck's record
 * (`dss-import.json`: the master file, bus phases, element names, the operating point), so that `mpopf run
 * --case DIR` replays its solutions in the original deck as well.
 */
interface ImportArgs extends DssCliArgs {
  deck: string;
  out: string;
  force: boolean;
}

const importCommand: CommandModule<object, ImportArgs> = {
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
      .option("force", FORCE_OUT_OPTION) as unknown as Argv<ImportArgs>,
  handler: (argv: ArgumentsCamelCase<ImportArgs>) => {
    const w = new RunDirWriter(argv.out, { kind: "case", force: argv.force });
    try {
      const { imported } = importCase(argv.deck, importOptions(argv));
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

interface AreasArgs extends DssCliArgs {
  name?: string;
  areas?: string;
  out?: string;
  force: boolean;
  json: boolean;
  pv?: number;
  batt?: number;
  horizon?: number;
}

/**
 * `mpopf case areas NAME --areas auto:K [--out FILE.csv]`: split a case's feeder into areas (or check a given
 * partition) and print its quality — sizes, DERs, boundaries, depth of the area tree; `--out` saves it as a
 * `bus,area` CSV that `--areas FILE.csv` and a case's `partitions` read back.
 */
const areasCommand: CommandModule<object, AreasArgs> = {
  command: "areas [name]",
  describe:
    "Split a case into areas (--areas auto:K) or check a partition; print its quality, save it as CSV",
  builder: (y: Argv) =>
    dssCliOptions(
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
        ),
    ) as unknown as Argv<AreasArgs>,
  handler: (argv: ArgumentsCamelCase<AreasArgs>) => {
    const c = studyCaseOf({ ...argv, ...(argv.name !== undefined ? { case: argv.name } : {}) }).case;
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

/**
 * `mpopf case split --case NAME --areas … --out DIR [scenario options]`: one folder per area holding only that
 * area's data (solvers/distributed/area-folder.ts), written atomically (harness/run-dir.ts rules). Give each
 * host its own folder and run `mpopf agent --area FOLDER --nats … --run ID` there; the coordinator (`mpopf solve
 * --transport nats://… --run ID`) is given the same case, scenario options and areas — an agent refuses a run
 * whose area differs from its folder.
 */
interface SplitArgs extends StudyCliArgs {
  areas?: string;
  out: string;
  force: boolean;
  quiet: boolean;
}

const splitCommand: CommandModule<object, SplitArgs> = {
  command: "split",
  describe: "Write one folder per area holding only that area's data (for agents on separate hosts)",
  builder: (y: Argv) =>
    scenarioCliOptions(y)
      .option("areas", areasOption())
      .option("out", {
        ...textOption("out", "folder to write (replaces only an earlier mpopf output)"),
        demandOption: true,
      })
      .option("force", FORCE_OUT_OPTION)
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

/** `mpopf case <show|generate|import|areas|split> …`: inspect a case, write one, split it into areas or area folders. */
export const caseCommand: CommandModule = {
  command: "case <action>",
  describe:
    "Study cases: 'show' prints a case's summary, 'generate' writes a seeded synthetic feeder, 'import' an OpenDSS deck as a case, 'areas' splits it into areas, 'split' writes one folder per area",
  builder: (y: Argv) =>
    y
      .command(showCommand)
      .command(generateCommand)
      .command(importCommand)
      .command(areasCommand)
      .command(splitCommand)
      .demandCommand(1, "Name an action: show, generate, import, areas or split.")
      .strict(),
  handler: () => {},
};
