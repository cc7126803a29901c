/**
 * `mpopf solve`: the multi-period OPF of a study case — centralized (MPCOPF, default), ENApp (MPDOPF,
 * `--method enapp`) or both side by side (`--method both`, with the paper's Table II). A thin wrapper over
 * the library (harness/index.ts `runStudy`): parse the arguments, run, print. With `--out` the run
 * directory of the one layout is written (models/run-layout.ts; `mpopf report D` renders it).
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  checkHorizon,
  distributedMethod,
  type EnappCliArgs,
  enappCliOptions,
  enappOptions,
  parseIpoptOptions,
  progressLogger,
  remoteAreas,
  type StudyCliArgs,
  scenarioCliOptions,
  scenarioRequest,
  solverWithOptions,
  studyMethod,
} from "../cli-args.ts";
import { studyCaseOf } from "../dss-args.ts";
import { ExitError } from "../errors.ts";
import {
  formatEnappSummary,
  formatSummary,
  METHOD_LABELS,
  publicSummary,
  renderTable,
  runStudy,
  SOLUTIONS,
  solverProgress,
  table2,
} from "../index.ts";
import { FORCE_OUT_OPTION, textOption } from "../options.ts";

/** Arguments of `mpopf solve`. */
interface SolveArgs extends StudyCliArgs, EnappCliArgs {
  ipopt?: string[];
  out?: string;
  force: boolean;
  json: boolean;
  quiet: boolean;
}

export const solveCommand: CommandModule<object, SolveArgs> = {
  command: "solve",
  describe:
    "Solve the multi-period OPF of a study case: centralized (MPCOPF), distributed (MPDOPF: --method enapp|admm|app) or both",
  builder: (y: Argv) =>
    enappCliOptions(scenarioCliOptions(y))
      .option("ipopt", {
        type: "string",
        array: true,
        describe: "Ipopt option override key=value (repeatable)",
      })
      .option(
        "out",
        textOption(
          "out",
          "run directory for the result tables (see models/run-layout.ts), written atomically; replaces only an earlier mpopf run",
        ),
      )
      .option("force", FORCE_OUT_OPTION)
      .option("json", { type: "boolean", default: false, describe: "print the summary as one JSON object" })
      .option("quiet", {
        type: "boolean",
        default: false,
        describe: "no progress lines on stderr",
      }) as Argv<SolveArgs>,
  handler: async (argv: ArgumentsCamelCase<SolveArgs>) => {
    const progress = progressLogger(argv.quiet);
    const remote = await remoteAreas(argv, progress);
    // ADMM and APP run in the distributed ("enapp") slot of the study, like ENApp.
    const method = studyMethod(argv.method ?? "central");
    const label = METHOD_LABELS[distributedMethod(argv.method)];
    const ipopt = parseIpoptOptions(argv.ipopt);
    progress(`starting the ${argv.solver} Ipopt solver`);
    const solver = await solverWithOptions(argv.solver, ipopt);
    progress(`loading case ${argv.case}`);
    const loaded = studyCaseOf(argv);
    const c = loaded.case;
    const request = scenarioRequest(argv);
    checkHorizon(c, request);
    const r = await runStudy(c, {
      request,
      method,
      ...(argv.areas !== undefined ? { areas: argv.areas } : {}),
      enapp: enappOptions(argv),
      ...(argv.workers !== undefined ? { workers: argv.workers } : {}),
      remote,
      solver,
      ipopt,
      // `both` shows both statuses even when the centralized solve fails.
      stopOnInvalid: method !== "both",
      ...(argv.quiet ? {} : { solverProgress: solverProgress((m) => progress(`MPCOPF ${m}`)) }),
      ...(argv.out !== undefined ? { out: argv.out, force: argv.force } : {}),
      progress,
    });
    const cen = r.central?.summary;
    const en = r.enapp?.summary;
    if (cen?.valid) {
      progress(
        `self-check: max residual ${cen.maxResidualPu.toExponential(2)} pu, max violation ${cen.maxViolationPu.toExponential(2)} pu`,
      );
    }
    if (r.runDir) progress(`tables written to ${r.runDir}`);
    if (argv.json) {
      const one =
        method === "central"
          ? publicSummary(cen!)
          : method === "enapp"
            ? publicSummary(en!)
            : { mpcopf: publicSummary(cen!), ...(en ? { mpdopf: publicSummary(en) } : {}) };
      process.stdout.write(`${JSON.stringify(one)}\n`);
    } else {
      if (cen && method === "central") process.stdout.write(formatSummary(cen));
      if (cen && method === "both") process.stdout.write(`MPCOPF\n${formatSummary(cen)}\nMPDOPF (ENApp)\n`);
      if (method === "enapp" && label !== "ENApp") process.stdout.write(`MPDOPF (${label})\n`);
      if (en) process.stdout.write(formatEnappSummary(en));
      if (method === "both" && r.valid) {
        const t = table2(
          { label: SOLUTIONS.mpcopf.label, ...r.central!.tables },
          { label: SOLUTIONS.mpdopf.label, ...r.enapp!.tables },
          r.scenario.dtH,
        );
        process.stdout.write(`\n${renderTable(t).md}\n`);
      } else if (method === "both") {
        process.stdout.write("\nTable II not shown: it compares two valid solutions.\n");
      }
    }
    if (!r.valid) {
      const inv = r.invalid;
      const why = !inv
        ? "(a solve did not run)"
        : method === "central"
          ? `(${inv.status}): ${inv.message}`
          : `(${inv.solution === "mpdopf" ? label : "MPCOPF"} ${inv.status}: ${inv.message})`;
      throw new ExitError(`no valid solution ${why}${argv.out ? `; nothing written to ${argv.out}` : ""}`, 1);
    }
  },
};
