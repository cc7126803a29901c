import { performance } from "node:perf_hooks";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { loadCase } from "../../models/case.ts";
import { buildScenario } from "../../models/scenario.ts";
import type { Scenario } from "../../models/types.ts";
import { buildReport, type ReportInput, runDirFiles } from "../../reports/index.ts";
import type { EnappSolution } from "../../solvers/enapp/index.ts";
import type { MpopfSolution } from "../../solvers/mpopf/solve.ts";
import { solveMpopf } from "../../solvers/mpopf/solve.ts";
import { enappReplayBound, enappResiduals, enappThresholds } from "../../validation/replay/enapp-bound.ts";
import { powerFlowResultSet, type ReplayResult, replayRun } from "../../validation/replay/index.ts";
import {
  checkThresholds,
  DEFAULT_THRESHOLDS,
  formatViolation,
  loadThresholds,
  mergeThresholds,
} from "../../validation/replay/thresholds.ts";
import type { DeckFlavour } from "../../validation/replay/types.ts";
import { ExitError } from "../errors.ts";
import { numberOption, textOption } from "../options.ts";
import { PACKAGE_VERSION } from "../run-dir.ts";
import { formatCaseSummary, summariseCase } from "./case.ts";
import {
  checkHorizon,
  createSolver,
  openOut,
  type SolveArgs,
  scenarioCliOptions,
  scenarioRequest,
  solverProgress,
} from "./solve.ts";
import { enappExtraFiles, enappHistory, pickPartition, resultSet, runEnapp } from "./solve-enapp.ts";

/** Arguments of `mpopf run`. */
interface RunArgs extends Omit<SolveArgs, "out" | "json" | "quiet" | "ipopt" | "force"> {
  force: boolean;
  out: string;
  method: "both" | "central";
  areas?: string;
  workers?: number;
  reportFlavour: DeckFlavour;
  report: boolean;
  thresholds?: string;
}

function progress(msg: string): void {
  process.stderr.write(`[run] ${msg}\n`);
}

/** A replay progress printer: a line per period at most once a second (none for a short replay). */
function replayProgress(label: string): (t: number, T: number, elapsedMs: number, flavour: string) => void {
  let next = 1000;
  return (t, T, ms, flavour) => {
    if (t === 1) next = 1000; // each flavour's replay starts its own clock
    if (ms < next) return;
    next = ms + 1000;
    progress(`replay ${label} ${flavour}: period ${t}/${T}, ${(ms / 1000).toFixed(1)} s`);
  };
}

/** A solve's record for the manifest: status, sizes, iterations, timings, solver identity and options. */
function solveRecord(s: MpopfSolution) {
  return {
    ...s.summary,
    options: s.result.options,
    selfCheck: { maxResidualPu: s.check.maxResidualPu, maxViolationPu: s.check.maxViolationPu },
  };
}

/** Describe the scenario for the report header and the manifest. */
function scenarioMeta(caseName: string, s: Scenario): Array<[string, string]> {
  const o = s.options;
  return [
    ["Case", caseName],
    [
      "Horizon",
      `T = ${s.T} periods of ${s.dtH} h (profile points ${s.startIndex}–${s.startIndex + s.T - 1})`,
    ],
    ["Objective", `${s.objective.kind} (+ battery-loss term, α = ${s.objective.alphaScd})`],
    ["DERs", `${s.pvs.length} PVs, ${s.batteries.length} batteries`],
    ["Voltage band", `${o.vMinPu}–${o.vMaxPu} pu`],
    ["Terminal SOC", o.terminal],
    ["Reactive limits", o.limits],
    [
      "Substation",
      `${o.peakCapKw === null ? "no peak cap" : `peak cap ${o.peakCapKw} kW`}, ${o.noBackfeed ? "no back-feed" : "back-feed allowed"}`,
    ],
  ];
}

/**
 * `mpopf run`: the main job. Solves the study case centralized (MPCOPF) and with ENApp (MPDOPF, areas in
 * parallel worker threads), replays both solutions' set-points hour by hour in the OpenDSS-compatible engine
 * (model-consistent and paper-style decks), writes the result tables, the exported decks, the discrepancy
 * tables, the thresholds used, the report and a manifest into one run directory, atomically. A solve that
 * does not succeed stops the run with exit code 1 and writes nothing.
 */
export const runCommand: CommandModule<object, RunArgs> = {
  command: "run",
  describe: "Run the whole study (solve, replay in the OpenDSS engine, report) into a run directory",
  builder: (y: Argv) =>
    scenarioCliOptions(y)
      .option("out", {
        ...textOption("out", "run directory to write (replaces only an earlier mpopf run there)"),
        default: "runs/ieee123",
      })
      .option("force", {
        type: "boolean",
        default: false,
        describe: "allow --out to be an existing empty folder that mpopf did not write",
      })
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
      }) as unknown as Argv<RunArgs>,
  handler: async (argv: ArgumentsCamelCase<RunArgs>) => {
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const stage = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
      progress(`${name} …`);
      const s = performance.now();
      const r = await f();
      timings[name] = (performance.now() - s) / 1000;
      return r;
    };

    const userThresholds = argv.thresholds ? loadThresholds(argv.thresholds) : null;
    const c = await stage("load case", () => loadCase(argv.case));
    checkHorizon(c, scenarioRequest(argv));
    const scenario = buildScenario(c, scenarioRequest(argv));
    const partition = argv.method === "both" ? pickPartition(c, argv.areas) : undefined;
    progress(
      `${scenario.name}: ${c.network.buses.length} buses, ${scenario.pvs.length} PVs, ${scenario.batteries.length} batteries`,
    );
    // The run directory is checked and locked before any solving; a failure below leaves the old one as it was.
    const w = openOut(argv.out, c, "run", argv.force)!;
    let verdicts: Array<{ replay: string; report: ReturnType<typeof checkThresholds> }>;
    try {
      const solver = await stage("load solver", () => createSolver(argv.solver));
      const cen = await stage("solve MPCOPF", () =>
        solveMpopf({ scenario }, solver, {
          progress: solverProgress(false, (m: string) => progress(`MPCOPF ${m}`)),
        }),
      );
      const cs = cen.summary;
      progress(
        `MPCOPF: ${cs.status}, ${cs.iterations} iterations, ${cs.solveSeconds.toFixed(3)} s${cen.valid ? `; cost $${cs.costUsd.toFixed(2)}, loss ${cs.lossKw.toFixed(2)} kW` : " (not a valid result)"}`,
      );
      if (!cen.valid) {
        throw new ExitError(
          `the centralized solve did not produce a valid result (${cs.status}: ${cs.message}); nothing written, ${argv.out} left as it was`,
          1,
        );
      }

      let enapp: EnappSolution | undefined;
      if (partition) {
        enapp = await stage("solve MPDOPF (ENApp)", () =>
          runEnapp(scenario, partition, solver, argv.workers, {}, progress),
        );
        progress(`MPDOPF: ${enapp.summary.message}`);
        if (!enapp.valid) {
          throw new ExitError(
            `ENApp did not produce a valid result (${enapp.summary.status}: ${enapp.summary.message}); nothing written, ${argv.out} left as it was (--method central skips ENApp)`,
            1,
          );
        }
      }

      const replays: ReplayResult[] = await stage("replay MPCOPF", () =>
        replayRun(w, {
          label: "mpcopf",
          network: c.network,
          scenario,
          tables: cen.tables,
          options: { onHour: replayProgress("MPCOPF") },
        }),
      );
      const shown = replays.find((r) => r.comparison.flavour === argv.reportFlavour) ?? replays[0]!;
      const eRated = scenario.batteries.map((b) => b.eRatedPuH * scenario.network.sBaseKva);
      let enappReplays: ReplayResult[] = [];
      let thresholds = userThresholds
        ? mergeThresholds(DEFAULT_THRESHOLDS, userThresholds)
        : DEFAULT_THRESHOLDS;
      if (enapp) {
        const e = enapp;
        enappReplays = await stage("replay MPDOPF", () =>
          replayRun(w, {
            label: "mpdopf",
            network: c.network,
            scenario,
            tables: e.tables,
            options: { onHour: replayProgress("MPDOPF") },
          }),
        );
        const residuals = enappResiduals(e.summary, c.network, scenario.options.vMaxPu);
        const bound = enappReplayBound(scenario, e.decomposition.partition, residuals);
        thresholds = enappThresholds("mpdopf", bound, scenario.priceUsdPerKwh, scenario.dtH, thresholds);
      }
      const shownEnapp = enappReplays.find((r) => r.comparison.flavour === argv.reportFlavour);
      const input: ReportInput = {
        title: `${c.name}: T = ${scenario.T}, ${scenario.objective.kind} objective`,
        meta: [
          ...scenarioMeta(c.name, scenario),
          ["Power flow", `${shown.engine.name} ${shown.engine.version}, ${shown.comparison.flavour} deck`],
        ],
        dtH: scenario.dtH,
        mpcopf: resultSet("MPCOPF", cen.tables),
        ...(enapp ? { mpdopf: resultSet("MPDOPF", enapp.tables) } : {}),
        ...(enapp
          ? {
              enapp: enappHistory(enapp),
            }
          : {}),
        replay: {
          mpcopf: powerFlowResultSet(shown.comparison, "OpenDSS (MPCOPF)", eRated),
          ...(shownEnapp
            ? {
                mpdopf: powerFlowResultSet(shownEnapp.comparison, "OpenDSS (MPDOPF)", eRated),
              }
            : {}),
        },
      };
      for (const [p, d] of runDirFiles(input)) w.write(p, d);
      w.writeJson("tables/mpcopf/summary.json", cen.summary);
      if (enapp) {
        w.writeJson("tables/mpdopf/summary.json", enapp.summary);
        for (const [p, d] of enappExtraFiles(enapp)) w.write(p, d);
      }
      w.writeJson("thresholds.json", thresholds);

      verdicts = [...replays, ...enappReplays].map((r) => ({
        replay: `${r.label}-${r.comparison.flavour}`,
        report: checkThresholds(r.comparison, thresholds),
      }));
      if (argv.report) {
        const rep = await stage("report", () => buildReport(input));
        for (const [p, d] of rep.files) w.write(p, d);
      }
      const summary = summariseCase(c, argv.pv, argv.batt);
      w.write("case-summary.txt", formatCaseSummary(summary));
      timings.total = (performance.now() - t0) / 1000;
      w.writeJson("manifest.json", {
        tool: { name: "mpopf", version: PACKAGE_VERSION },
        case: c.name,
        caseDir: c.dir,
        scenario: {
          name: scenario.name,
          request: scenarioRequest(argv),
          options: scenario.options,
          objective: scenario.objective,
          T: scenario.T,
          startIndex: scenario.startIndex,
          provenance: scenario.provenance,
        },
        solves: {
          mpcopf: solveRecord(cen),
          ...(enapp ? { mpdopf: { ...enapp.summary, options: enapp.options } } : {}),
        },
        replays: verdicts.map((v) => v.replay),
        powerFlow: {
          engine: shown.engine,
          flavours: replays.map((r) => r.comparison.flavour),
          thresholdsFile: "thresholds.json",
          reportFlavour: shown.comparison.flavour,
        },
        thresholds: verdicts.map((v) => ({
          replay: v.replay,
          ok: v.report.ok,
          violations: v.report.violations.length,
        })),
        timingsSeconds: timings,
      });
      w.commit();
    } finally {
      w.abort(); // no-op after commit
    }
    for (const v of verdicts) {
      progress(`thresholds ${v.replay}: ${v.report.ok ? "pass" : "FAIL"}`);
      for (const x of v.report.violations) progress(`  ${formatViolation(x)}`);
    }
    process.stdout.write(`run directory: ${w.requested}\n`);
    process.stdout.write(`total ${timings.total.toFixed(2)} s\n`);
    const failed = verdicts.filter((v) => !v.report.ok);
    if (failed.length > 0) {
      const broken = failed.reduce((s, v) => s + v.report.violations.length, 0);
      throw new ExitError(
        `regression: ${broken} threshold(s) broken in ${failed.map((v) => v.replay).join(", ")} (the run directory was written; see thresholds.json and \`mpopf validate\`)`,
        1,
      );
    }
  },
};
