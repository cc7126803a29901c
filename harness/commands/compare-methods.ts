/**
 * `mpopf compare-methods`: the head-to-head of the centralized solve, ENApp, ADMM and APP on a user's feeder
 * (issue 17): same areas, agents and transport; iterations, messages, bytes, wall time, critical path,
 * objective gap, boundary mismatch and the replay discrepancy of the final set-points, optionally under
 * message delay, loss and asynchronous updates. `--out DIR` writes the table (Markdown, CSV, LaTeX), the
 * residuals-vs-iterations figure (vega-lite spec and SVG), every method's iteration history and a summary.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { INITIAL_GUESSES, type InitialGuess } from "../../solvers/distributed/options.ts";
import {
  checkHorizon,
  parseIpoptOptions,
  progressLogger,
  type StudyCliArgs,
  scenarioCliOptions,
  scenarioRequest,
  solverWithOptions,
} from "../cli-args.ts";
import { studyCaseOf } from "../dss-args.ts";
import { ExitError } from "../errors.ts";
import {
  buildScenario,
  type CommsCondition,
  compareMethods,
  compareReportTable,
  type DistributedUserOptions,
  formatQuality,
  METHOD_LABELS,
  METHODS,
  type MethodName,
  RunDirWriter,
  renderResidualsFigure,
  renderTable,
  residualSeries,
  resolveAreas,
  SYNC,
} from "../index.ts";
import { areasOption, FORCE_OUT_OPTION, numberOption, textOption } from "../options.ts";

interface CompareArgs extends StudyCliArgs {
  areas?: string;
  initialGuess?: InitialGuess;
  reverseFlow: boolean;
  workers?: number;
  ipopt?: string[];
  out?: string;
  force: boolean;
  json: boolean;
  quiet: boolean;
  methods: string;
  maxIter?: number;
  delay?: number;
  loss?: number;
  retries?: number;
  timeout?: number;
  activity?: number;
  commsSeed?: number;
  conditions: boolean;
  replay: boolean;
}

/** Parse `--methods enapp,admm,app`. */
export function parseMethods(s: string): MethodName[] {
  const out = s.split(",").map((m) => m.trim().toLowerCase());
  for (const m of out) {
    if (!METHODS.includes(m as MethodName))
      throw new ExitError(`--methods: unknown method '${m}' (expected ${METHODS.join(", ")})`, 2);
  }
  return [...new Set(out)] as MethodName[];
}

/** The communication conditions a command line asks for. */
export function commsConditions(a: Partial<CompareArgs>): CommsCondition[] {
  const given: CommsCondition["comms"] = {};
  if (a.delay !== undefined) given.delay = a.delay;
  if (a.loss !== undefined) given.loss = a.loss;
  if (a.retries !== undefined) given.retries = a.retries;
  if (a.timeout !== undefined) given.timeoutSeconds = a.timeout;
  if (a.activity !== undefined) given.activity = a.activity;
  if (a.commsSeed !== undefined) given.seed = a.commsSeed;
  const custom = Object.keys(given).length > 0;
  if (a.conditions) {
    // The field's three effects one at a time, after the synchronous baseline.
    return [
      SYNC,
      { label: "delay 1", comms: { delay: 1 } },
      { label: "loss 10 %, 2 retries", comms: { loss: 0.1, retries: 2 } },
      { label: "loss 30 %, no retry", comms: { loss: 0.3, retries: 0 } },
      { label: "asynchronous 50 %", comms: { activity: 0.5 } },
      ...(custom ? [{ label: "given", comms: given }] : []),
    ];
  }
  if (!custom) return [SYNC];
  const parts = [
    given.delay ? `delay ${given.delay}` : "",
    given.loss
      ? `loss ${(100 * given.loss).toFixed(0)} %${given.retries !== undefined ? `, ${given.retries} retries` : ""}`
      : "",
    given.activity !== undefined && given.activity < 1
      ? `asynchronous ${(100 * given.activity).toFixed(0)} %`
      : "",
  ].filter((p) => p);
  return [{ label: parts.join(", ") || "given", comms: given }];
}

export const compareMethodsCommand: CommandModule<object, CompareArgs> = {
  command: "compare-methods",
  describe:
    "Head-to-head of the centralized MPOPF, ENApp, ADMM and APP on the same areas (iterations, messages, time, gap, mismatch, replay)",
  builder: (y: Argv) =>
    scenarioCliOptions(y)
      .option("areas", areasOption())
      .option("methods", {
        ...textOption("methods", "comma-separated methods (enapp, admm, app)"),
        default: "enapp,admm,app",
      })
      .option(
        "max-iter",
        numberOption("max-iter", "iteration limit of every method (default: ENApp 30, ADMM/APP 300)", {
          integer: true,
          min: 1,
        }),
      )
      .option("initial-guess", {
        choices: INITIAL_GUESSES,
        describe: "first boundary values of every method (default flat)",
      })
      .option("reverse-flow", {
        type: "boolean",
        default: true,
        describe: "allow reverse flow out of child areas (the same problem as the centralized solve)",
      })
      .option("delay", numberOption("delay", "message delay (iterations)", { integer: true, min: 0 }))
      .option("loss", numberOption("loss", "probability that a transmission is lost", { min: 0, max: 0.99 }))
      .option(
        "retries",
        numberOption("retries", "retransmissions after a timeout (default 2)", { integer: true, min: 0 }),
      )
      .option(
        "timeout",
        numberOption("timeout", "receiver timeout per lost transmission (s, default 0.1)", { min: 0 }),
      )
      .option(
        "activity",
        numberOption(
          "activity",
          "asynchronous updates: probability that an area steps in a round (default 1)",
          {
            min: 0,
            minExclusive: true,
            max: 1,
          },
        ),
      )
      .option(
        "comms-seed",
        numberOption("comms-seed", "seed of the loss and activity draws", { integer: true }),
      )
      .option("conditions", {
        type: "boolean",
        default: false,
        describe: "also run under delay 1, loss 10 % (2 retries), loss 30 % (no retry), asynchronous 50 %",
      })
      .option("replay", {
        type: "boolean",
        default: true,
        describe: "replay every final set-point in the OpenDSS-compatible engine (--no-replay skips)",
      })
      .option(
        "workers",
        numberOption("workers", "worker threads for the area solves", { integer: true, min: 1 }),
      )
      .option("ipopt", {
        type: "string",
        array: true,
        describe: "Ipopt option override key=value (repeatable)",
      })
      .option(
        "out",
        textOption("out", "run directory for the table, figure and histories, written atomically"),
      )
      .option("force", FORCE_OUT_OPTION)
      .option("json", { type: "boolean", default: false, describe: "print the rows as JSON" })
      .option("quiet", {
        type: "boolean",
        default: false,
        describe: "no progress lines on stderr",
      }) as unknown as Argv<CompareArgs>,
  handler: async (argv: ArgumentsCamelCase<CompareArgs>) => {
    const progress = progressLogger(argv.quiet);
    const methods = parseMethods(argv.methods);
    const ipopt = parseIpoptOptions(argv.ipopt);
    const solver = await solverWithOptions(argv.solver, ipopt);
    const c = studyCaseOf(argv).case;
    checkHorizon(c, scenarioRequest(argv));
    const scenario = buildScenario(c, scenarioRequest(argv));
    const partition = resolveAreas(c, argv.areas, scenario);
    const options: DistributedUserOptions = { allowReverseFlow: argv.reverseFlow, ipopt };
    if (argv.maxIter !== undefined) options.maxIterations = argv.maxIter;
    if (argv.initialGuess !== undefined) options.initialGuess = argv.initialGuess;
    const conditions = commsConditions(argv);
    const w =
      argv.out === undefined
        ? null
        : new RunDirWriter(argv.out, {
            kind: "compare-methods",
            force: argv.force,
            protect: c.dir ? [c.dir] : [],
          });
    try {
      const result = await compareMethods(scenario, partition, {
        methods,
        conditions,
        options,
        replay: argv.replay,
        ...(argv.workers !== undefined ? { workers: argv.workers } : {}),
        solver,
        progress,
      });
      const table = renderTable(await compareReportTable(result));
      if (argv.json)
        process.stdout.write(`${JSON.stringify({ partition: result.partition, rows: result.rows })}\n`);
      else process.stdout.write(`${formatQuality(result.partition, scenario.T)}\n${table.md}\n`);
      if (w) {
        w.write("head-to-head.md", `${table.md}\n`);
        w.write("head-to-head.csv", table.csv);
        w.write("head-to-head.tex", table.tex);
        w.writeJson("summary.json", {
          scenario: result.scenario,
          T: result.T,
          buses: result.buses,
          partition: result.partition,
          rows: result.rows,
          centralized: result.central.summary,
          runs: result.runs.map((r) => ({
            method: r.method,
            comms: r.condition,
            summary: r.solution.summary,
            replay: r.replay,
          })),
          workers: result.workers,
          loadBefore: result.loadBefore,
          loadAfter: result.loadAfter,
        });
        for (const r of result.runs) {
          const dir = `tables/${r.method}${result.runs.filter((o) => o.method === r.method).length > 1 ? `-${r.condition.label.replace(/[^a-z0-9]+/gi, "-")}` : ""}`;
          w.write(`${dir}/iterations.csv`, `${r.solution.historyTables.iterations.toCSV()}\n`);
          w.write(`${dir}/residuals.csv`, `${r.solution.historyTables.residuals.toCSV()}\n`);
        }
        const fig = await renderResidualsFigure(residualSeries(result));
        w.write("figures/fig-residuals.vl.json", fig.vlJson);
        w.write("figures/fig-residuals.svg", fig.svg);
        w.write("figures/fig-residuals.png", fig.png);
        w.commit();
        progress(`written to ${w.target}`);
      }
      const failed = result.runs.filter((r) => !r.solution.valid);
      if (!result.central.valid)
        throw new ExitError(`the centralized solve failed: ${result.central.summary.message}`, 1);
      if (failed.length > 0) {
        progress(
          `not converged: ${failed.map((r) => `${METHOD_LABELS[r.method]} (${r.condition.label}): ${r.solution.message}`).join("; ")}`,
        );
      }
    } finally {
      w?.abort();
    }
  },
};
