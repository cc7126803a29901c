/**
 * `mpopf run`: the main job. A thin wrapper over the library (harness/index.ts `runStudy` with replays):
 * solve the study case centralized (MPCOPF) and with ENApp (MPDOPF, areas in parallel worker threads),
 * replay both solutions' set-points hour by hour in the OpenDSS-compatible engine (model-consistent and
 * paper-style decks), check the regression thresholds, and write the run directory of the one layout
 * (tables, replays, thresholds, report, manifest) atomically. A solve that does not succeed stops the run
 * with exit code 1 and writes nothing; a broken threshold exits 1 after writing the run directory.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { checkHorizon, type StudyCliArgs, scenarioCliOptions, scenarioRequest } from "../cli-args.ts";
import { studyCaseOf } from "../dss-args.ts";
import { ExitError } from "../errors.ts";
import {
  type DeckFlavour,
  formatAttribution,
  formatViolation,
  loadThresholds,
  replayProgress,
  runStudy,
  solverProgress,
} from "../index.ts";
import { FORCE_OUT_OPTION, numberOption, textOption } from "../options.ts";

/** Arguments of `mpopf run`. */
interface RunArgs extends StudyCliArgs {
  force: boolean;
  out: string;
  method: "both" | "central";
  areas?: string;
  workers?: number;
  reportFlavour: DeckFlavour;
  report: boolean;
  attribute: boolean;
  thresholds?: string;
}

function progress(msg: string): void {
  process.stderr.write(`[run] ${msg}\n`);
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: "run",
  describe: "Run the whole study (solve, replay in the OpenDSS engine, report) into a run directory",
  builder: (y: Argv) =>
    scenarioCliOptions(y)
      .option("out", {
        ...textOption("out", "run directory to write (replaces only an earlier mpopf run there)"),
        default: "runs/ieee123",
      })
      .option("force", FORCE_OUT_OPTION)
      .option("method", {
        choices: ["both", "central"] as const,
        default: "both" as const,
        describe: "solve centralized and ENApp (both), or centralized only",
      })
      .option("areas", textOption("areas", "partition for ENApp (default: the case's first, ieee123-4)"))
      .option(
        "workers",
        numberOption("workers", "worker threads for the ENApp areas (default and cap: areas and CPUs)", {
          integer: true,
          min: 0,
        }),
      )
      .option("report-flavour", {
        choices: ["paper-style", "model-consistent"] as const,
        default: "paper-style" as const,
        describe: "which replay deck the report's power-flow columns show (both are always replayed)",
      })
      .option(
        "thresholds",
        textOption(
          "thresholds",
          "regression thresholds JSON merged over the defaults (validation/replay/thresholds.default.json); a broken limit exits 1",
        ),
      )
      .option("report", {
        type: "boolean",
        default: true,
        describe: "render the report (--no-report skips it)",
      })
      .option("attribute", {
        type: "boolean",
        default: true,
        describe:
          "attribute each replay's discrepancy to the modelling differences (a few extra replays; --no-attribute skips it, mpopf attribute adds it later)",
      }) as unknown as Argv<RunArgs>,
  handler: async (argv: ArgumentsCamelCase<RunArgs>) => {
    const thresholds = argv.thresholds ? loadThresholds(argv.thresholds) : null;
    progress("load case …");
    const loaded = studyCaseOf(argv);
    const c = loaded.case;
    const request = scenarioRequest(argv);
    checkHorizon(c, request);
    const r = await runStudy(c, {
      request,
      method: argv.method,
      ...(argv.areas !== undefined ? { areas: argv.areas } : {}),
      ...(argv.workers !== undefined ? { workers: argv.workers } : {}),
      solver: argv.solver,
      replay: true,
      attribute: argv.attribute,
      // a case read from an OpenDSS deck is also replayed in that deck (the balanced model's real error)
      ...(loaded.deck ? { originalDeck: loaded.deck } : {}),
      reportFlavour: argv.reportFlavour,
      thresholds,
      out: argv.out,
      force: argv.force,
      report: argv.report,
      progress,
      solverProgress: solverProgress((m) => progress(`MPCOPF ${m}`)),
      onReplayPeriod: replayProgress(progress),
    });
    if (!r.valid) {
      const inv = r.invalid!;
      throw new ExitError(
        inv.solution === "mpcopf"
          ? `the centralized solve did not produce a valid result (${inv.status}: ${inv.message}); nothing written, ${argv.out} left as it was`
          : `ENApp did not produce a valid result (${inv.status}: ${inv.message}); nothing written, ${argv.out} left as it was (--method central skips ENApp)`,
        1,
      );
    }
    for (const { replay, attribution } of r.attributions) {
      if (attribution.flavour === r.reportFlavour || attribution.flavour === "original-deck")
        for (const l of formatAttribution(replay, attribution)) progress(l);
    }
    for (const v of r.verdicts) {
      progress(`thresholds ${v.replay}: ${v.report.ok ? "pass" : "FAIL"}`);
      for (const x of v.report.violations) progress(`  ${formatViolation(x)}`);
    }
    process.stdout.write(`run directory: ${r.runDir}\n`);
    process.stdout.write(`total ${(r.timings.total ?? 0).toFixed(2)} s\n`);
    const failed = r.verdicts.filter((v) => !v.report.ok);
    if (failed.length > 0) {
      const broken = failed.reduce((s, v) => s + v.report.violations.length, 0);
      throw new ExitError(
        `regression: ${broken} threshold(s) broken in ${failed.map((v) => v.replay).join(", ")} (the run directory was written; see thresholds.json and \`mpopf validate\`)`,
        1,
      );
    }
  },
};
