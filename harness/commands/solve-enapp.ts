/**
 * The ENApp part of `mpopf solve`: `--method enapp --areas <partition>` runs the spatially distributed MPOPF
 * (MPDOPF) on a worker pool; `--method both` also solves the centralized MPOPF and prints the paper's Table II
 * side by side. With `--out` the result tables are written in the report's run-directory layout
 * (tables/mpcopf, tables/mpdopf, tables/enapp; `mpopf report DIR` renders them).
 */
import { availableParallelism } from "node:os";
import type { ArgumentsCamelCase, Argv } from "yargs";
import { loadCase, resolveCaseFile, type StudyCase } from "../../models/case.ts";
import { InputError } from "../../models/errors.ts";
import type { Partition } from "../../models/partition.ts";
import { buildScenario } from "../../models/scenario.ts";
import type { Scenario } from "../../models/types.ts";
import { type EnappHistory, type ResultSet, renderTable, runDirFiles, table2 } from "../../reports/index.ts";
import { METHOD_LABELS, type MethodName } from "../../solvers/distributed/messages.ts";
import type { DistributedUserOptions } from "../../solvers/distributed/options.ts";
import { type RemoteAreas, solveDistributed } from "../../solvers/distributed/solve.ts";
import type {
  AreaBackend,
  Coupling,
  EnappOptions,
  EnappSolution,
  EnappSummary,
  InitialGuess,
  MacroIteration,
} from "../../solvers/enapp/index.ts";
import type { MpopfTables } from "../../solvers/mpopf/decode.ts";
import { type MpopfSolution, solveMpopf } from "../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../solvers/nlp/types.ts";
import { ExitError } from "../errors.ts";
import { natsClientCliOptions } from "../nats/cli-options.ts";
import { describeNats, type NatsCliArgs, natsClientOptions } from "../nats/connect.ts";
import { checkRunId } from "../nats/protocol.ts";
import { natsAreas } from "../nats/transport.ts";
import { numberOption, textOption } from "../options.ts";
import type { RunDirWriter } from "../run-dir.ts";
import { resolveAreas } from "./areas.ts";
import {
  checkHorizon,
  formatSummary,
  openOut,
  parseIpoptOptions,
  progressLogger,
  publicSummary,
  type SolveArgs,
  scenarioRequest,
  solverWithOptions,
  WITHHELD,
} from "./solve.ts";

/** Which solve `mpopf solve` runs. */
export type SolveMethod = "central" | "enapp" | "admm" | "app" | "both";

/** The ENApp arguments of `mpopf solve`. */
export interface EnappCliArgs extends Omit<NatsCliArgs, "nats"> {
  method?: SolveMethod;
  areas?: string;
  coupling?: Coupling;
  maxMacro?: number;
  tolV?: number;
  tolP?: number;
  tolQ?: number;
  reverseFlow?: boolean;
  initialGuess?: InitialGuess;
  workers?: number;
  rho?: number;
  dualTol?: number;
  /** "in-process" (default) or nats://HOST:PORT (issue 18: areas as `mpopf agent` processes). */
  transport?: string;
  run?: string;
  areaTimeout?: number;
}

/** Add the ENApp options to the `mpopf solve` builder. */
export function enappCliOptions<T>(y: Argv<T>): Argv<T> {
  return natsClientCliOptions(y)
    .option("method", {
      choices: ["central", "enapp", "admm", "app", "both"] as const,
      describe:
        "centralized MPOPF, a distributed method on --areas (ENApp, ADMM, APP), or both (centralized + ENApp with Table II); all of them: mpopf compare-methods",
    })
    .option(
      "areas",
      textOption(
        "areas",
        "areas of the distributed methods: auto:K (K balanced connected areas), a partition of the case, or a bus,area CSV file (default: the case's first partition)",
      ),
    )
    .option("coupling", {
      choices: ["own", "marginal"] as const,
      describe: "ENApp area objectives: own (the authors) or marginal (boundary prices; matches MPCOPF)",
    })
    .option(
      "max-macro",
      numberOption("max-macro", "ENApp: largest number of macro-iterations (default 30)", {
        integer: true,
        min: 1,
      }),
    )
    .option(
      "tol-v",
      numberOption("tol-v", "ENApp: boundary voltage tolerance (pu, default 1e-5)", {
        min: 0,
        minExclusive: true,
      }),
    )
    .option(
      "tol-p",
      numberOption("tol-p", "ENApp: boundary real-power tolerance (kW, default 0.1)", {
        min: 0,
        minExclusive: true,
      }),
    )
    .option(
      "tol-q",
      numberOption("tol-q", "ENApp: boundary reactive-power tolerance (kVAr, default 0.1)", {
        min: 0,
        minExclusive: true,
      }),
    )
    .option("reverse-flow", {
      type: "boolean",
      describe: "ENApp: allow reverse power flow from a child area into its parent (the authors forbid it)",
    })
    .option("initial-guess", {
      choices: ["flat", "subtree-load"] as const,
      describe: "ENApp: first boundary values (default flat: v = substation voltage, S = 0)",
    })
    .option(
      "rho",
      numberOption(
        "rho",
        "ADMM's initial ρ / APP's α, in units of the mean energy price per pu (defaults 100 / 100)",
        {
          min: 0,
          minExclusive: true,
        },
      ),
    )
    .option(
      "dual-tol",
      numberOption(
        "dual-tol",
        "ADMM/APP: dual residual tolerance, fraction of the energy price (default 1e-3)",
        {
          min: 0,
          minExclusive: true,
        },
      ),
    )
    .option(
      "workers",
      numberOption(
        "workers",
        "ENApp: worker threads for the area solves (default and cap: the smaller of the number of areas and of CPUs; 0 = in this thread)",
        { integer: true, min: 0 },
      ),
    )
    .option(
      "transport",
      textOption(
        "transport",
        "distributed methods: in-process (default) or nats://HOST:PORT — each area an 'mpopf agent' process (on any host) reached over a NATS broker",
      ),
    )
    .option(
      "run",
      textOption(
        "run",
        "run id (with --transport nats://…: required, the agents' --run; letters, digits, - and _)",
      ),
    )
    .option(
      "area-timeout",
      numberOption("area-timeout", "NATS: give up on an area silent for this many seconds (default 60)", {
        min: 0,
        minExclusive: true,
      }),
    )
    .group(
      ["transport", "run", "area-timeout"],
      "Areas as separate processes (NATS; client options: --nats-*):",
    ) as Argv<T>;
}

/**
 * The remote areas a command line names (`--transport nats://…`), or null for the in-process default. Usage
 * errors (a run id missing or malformed, an unknown transport) are checked before any work.
 */
export function remoteAreas(
  a: EnappCliArgs & NatsCliArgs,
  progress: (msg: string) => void,
): RemoteAreas | null {
  const t = a.transport;
  if (t === undefined || t === "in-process") return null;
  if (!/^(nats|tls):\/\//.test(t))
    throw new ExitError(`--transport: expected in-process or nats://HOST:PORT, got '${t.slice(0, 60)}'`, 2);
  if (a.run === undefined)
    throw new ExitError("--transport nats://…: name the run with --run ID (the agents' --run)", 2);
  checkRunId(a.run);
  const client = natsClientOptions(t, a);
  progress(`coordinator of run ${a.run} over ${describeNats(client)}`);
  return natsAreas({
    client,
    log: progress,
    ...(a.areaTimeout !== undefined ? { timeouts: { areaSeconds: a.areaTimeout } } : {}),
  });
}

/** The options of a distributed method a command line describes. */
export function enappOptions(a: EnappCliArgs & Pick<SolveArgs, "ipopt">): DistributedUserOptions {
  const o: DistributedUserOptions = {};
  if (a.rho !== undefined) {
    o.admm = { rho: a.rho };
    o.app = { alpha: a.rho };
  }
  if (a.dualTol !== undefined) o.dualTolerance = a.dualTol;
  if (a.run !== undefined) o.run = a.run;
  if (a.coupling !== undefined) o.coupling = a.coupling;
  if (a.maxMacro !== undefined) o.maxIterations = a.maxMacro;
  const tol: Partial<EnappOptions["tolerances"]> = {};
  if (a.tolV !== undefined) tol.vPu = a.tolV;
  if (a.tolP !== undefined) tol.pKw = a.tolP;
  if (a.tolQ !== undefined) tol.qKvar = a.tolQ;
  if (Object.keys(tol).length > 0) o.tolerances = tol as EnappOptions["tolerances"];
  if (a.reverseFlow !== undefined) o.allowReverseFlow = a.reverseFlow;
  if (a.initialGuess !== undefined) o.initialGuess = a.initialGuess;
  if (a.ipopt !== undefined) o.ipopt = parseIpoptOptions(a.ipopt);
  return o;
}

/** The partition named on the command line (or the case's first). Throws `InputError` naming case.json. */
export function pickPartition(c: StudyCase, name: string | undefined): Partition {
  const names = Object.keys(c.partitions);
  const key = name ?? names[0];
  const part = key === undefined ? undefined : c.partitions[key];
  if (!part) {
    throw new InputError(
      "bad-partition",
      name === undefined
        ? `case '${c.name}' defines no partition into areas (needed by ENApp)`
        : `case '${c.name}' has no partition '${name}' (available: ${names.join(", ") || "none"})`,
      { file: resolveCaseFile(c.dir), element: `case ${c.name}`, field: "partitions" },
    );
  }
  return part;
}

/** Human-readable summary of an ENApp run (stdout of `mpopf solve --method enapp`). */
export function formatEnappSummary(s: EnappSummary): string {
  const f = (v: number, d = 2) => v.toFixed(d);
  const e = (v: number) => v.toExponential(2);
  return [
    `scenario        ${s.scenario}, partition ${s.partition} (${s.areas} areas, ${s.boundaries} boundaries)`,
    `status          ${s.status}${s.valid ? "" : "  (NOT a valid result)"}`,
    `                ${s.message}`,
    ...(s.valid
      ? [
          `objective       ${s.objectiveKind} = ${f(s.objective, 4)} (centralized objective at the composed solution)`,
        ]
      : []),
    `macro-its       ${s.macroIterations}; final residuals ${e(s.resVPu)} pu, ${e(s.resPKw)} kW, ${e(s.resQKvar)} kVAr (tolerances ${s.tolerances.vPu} pu, ${s.tolerances.pKw} kW, ${s.tolerances.qKvar} kVAr)`,
    ...(s.valid
      ? [
          `line loss       ${f(s.lossKw)} kW (sum over periods)`,
          `substation      ${f(s.pSubsKw)} kW, ${f(s.qSubsKvar)} kVAr (sums), peak ${f(s.peakKw)} kW`,
          `cost            $${f(s.costUsd)}`,
        ]
      : [`result          ${WITHHELD}`]),
    `times           wall ${f(s.wallSeconds, 3)} s (${s.transport === "nats" ? `${s.workers} agent processes over NATS` : `${s.workers} worker${s.workers === 1 ? "" : "s"}`}), sequential ${f(s.sequentialSeconds, 3)} s, critical path ${f(s.criticalPathSeconds, 3)} s`,
    `solver          ${s.solver.name} ${s.solver.version} (${s.solver.backend}, ${s.solver.linearSolver}); composed residual ${e(s.composedResidualPu)} pu`,
    "",
  ].join("\n");
}

/** One progress line per macro-iteration. */
export function formatMacroIteration(it: MacroIteration): string {
  const areas = it.areas
    .map(
      (a) =>
        `${a.area}:${a.success ? "" : `${a.status} `}${a.ipoptIterations}it/${a.solveSeconds.toFixed(3)}s`,
    )
    .join(" ");
  return `macro-iteration ${it.k}: residuals ${it.resVPu.toExponential(2)} pu, ${it.resPKw.toExponential(2)} kW, ${it.resQKvar.toExponential(2)} kVAr; cost $${it.costUsd.toFixed(2)}, loss ${it.lossKwh.toFixed(2)} kWh; ${it.seconds.toFixed(3)} s [${areas}]`;
}

/** A solve's tables as a labelled result set of the report contract. */
export function resultSet(label: string, t: MpopfTables): ResultSet {
  return { label, ...t };
}

/** The ENApp history in the report contract (macro-iterations and boundary exchanges). */
export function enappHistory(enapp: EnappSolution): EnappHistory {
  return { iterations: enapp.historyTables.iterations, boundaries: enapp.historyTables.boundaries };
}

/** ENApp files of a run directory beyond the report contract: per-area solves and per-boundary residuals. */
export function enappExtraFiles(enapp: EnappSolution): Array<[string, string]> {
  return [
    ["tables/enapp/areas.csv", `${enapp.historyTables.areas.toCSV()}\n`],
    ["tables/enapp/residuals.csv", `${enapp.historyTables.residuals.toCSV()}\n`],
  ];
}

/**
 * Run ENApp with its areas on a worker pool (`workers` threads, default: CPUs), or in this thread when
 * `workers` is 0 or the solver is native (MUMPS must not run twice at once in a process).
 */
export async function runEnapp(
  scenario: Scenario,
  partition: Partition,
  solver: NlpSolver,
  workers: number | undefined,
  options: DistributedUserOptions,
  progress: (msg: string) => void,
  remote: RemoteAreas | null = null,
): Promise<EnappSolution> {
  const label = METHOD_LABELS[options.method ?? "enapp"];
  if (remote) {
    progress(`${label}: the areas are agents reached over NATS (mpopf agent --run ${options.run})`);
    return solveDistributed(scenario, partition, remote, options, (it) => progress(formatMacroIteration(it)));
  }
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) {
    throw new InputError("bad-option", `expected a whole number of workers >= 0, got ${workers}`, {
      element: "command line",
      field: "workers",
    });
  }
  let backend: AreaBackend;
  let close = async () => {};
  if (workers === 0 || solver.identity.backend === "native") {
    backend = { kind: "thread", solver };
    progress(`${label} areas solve in this thread (${solver.identity.backend} Ipopt)`);
  } else {
    // More threads than areas sit idle, more than cores only compete: cap the pool at both.
    const cap = Math.max(1, Math.min(partition.areas.length, availableParallelism()));
    const size = Math.min(workers ?? cap, cap);
    if (workers !== undefined && workers > size) {
      progress(
        `--workers ${workers} capped at ${size} (${partition.areas.length} areas, ${availableParallelism()} CPUs)`,
      );
    }
    const { createSolverPool } = await import("../../solvers/ipopt/index.ts");
    const pool = await createSolverPool({ size });
    backend = { kind: "pool", pool };
    close = () => pool.close();
    progress(`${label} areas solve on ${pool.size} worker threads`);
  }
  try {
    return await solveDistributed(scenario, partition, backend, options, (it) =>
      progress(formatMacroIteration(it)),
    );
  } finally {
    await close();
  }
}

/** Write an ENApp run (and the centralized solve, for `both`) into a run directory, atomically. */
export function writeEnappRun(
  w: RunDirWriter,
  scenario: Scenario,
  enapp: EnappSolution,
  central?: MpopfSolution,
): string {
  {
    const files = runDirFiles({
      title: `${scenario.name}: ${central ? "MPCOPF vs MPDOPF" : "MPDOPF"} (${enapp.summary.partition})`,
      meta: [
        ["Scenario", scenario.name],
        ["Partition", `${enapp.summary.partition} (${enapp.summary.areas} areas)`],
        ["ENApp coupling", enapp.options.coupling],
        ["Macro-iterations", String(enapp.macroIterations)],
      ],
      dtH: scenario.dtH,
      ...(central ? { mpcopf: resultSet("MPCOPF", central.tables) } : {}),
      mpdopf: resultSet("MPDOPF", enapp.tables),
      enapp: enappHistory(enapp),
    });
    for (const [p, text] of files) w.write(p, text);
    for (const [p, text] of enappExtraFiles(enapp)) w.write(p, text);
    w.writeJson("summary.json", {
      method: central ? "both" : "enapp",
      ...(central ? { mpcopf: central.summary } : {}),
      mpdopf: enapp.summary,
      enappOptions: enapp.options,
    });
    w.commit();
  }
  return w.target;
}

/** Handler of `mpopf solve --method enapp|admm|app|both`. */
export async function solveEnappHandler(argv: ArgumentsCamelCase<SolveArgs & EnappCliArgs>): Promise<void> {
  const progress = progressLogger(argv.quiet);
  const method = argv.method ?? "enapp";
  const distributed: MethodName = method === "admm" || method === "app" ? method : "enapp";
  const options: DistributedUserOptions = { ...enappOptions(argv), method: distributed };
  const remote = remoteAreas(argv, progress);
  const ipopt = parseIpoptOptions(argv.ipopt);
  const solver = await solverWithOptions(argv.solver, ipopt);
  progress(`loading case ${argv.case}`);
  const c = loadCase(argv.case);
  checkHorizon(c, scenarioRequest(argv));
  const scenario = buildScenario(c, scenarioRequest(argv));
  const partition = resolveAreas(c, argv.areas, scenario);
  progress(
    `scenario ${scenario.name}: ${scenario.pvs.length} PVs, ${scenario.batteries.length} batteries; partition ${partition.name}: ${partition.areas.length} areas`,
  );
  const w = openOut(argv.out, c, method, argv.force);
  try {
    let central: MpopfSolution | undefined;
    if (method === "both") {
      progress("solving the centralized MPOPF (MPCOPF)");
      central = solveMpopf({ scenario }, solver, { ipopt });
      progress(`MPCOPF ${central.summary.status} in ${central.summary.solveSeconds.toFixed(3)} s`);
    }
    const enapp = await runEnapp(scenario, partition, solver, argv.workers, options, progress, remote);
    const s = enapp.summary;
    progress(s.message);
    const valid = enapp.valid && (central?.valid ?? true);
    if (valid && w) progress(`tables written to ${writeEnappRun(w, scenario, enapp, central)}`);
    if (argv.json) {
      const e = publicSummary(s);
      process.stdout.write(
        `${JSON.stringify(central ? { mpcopf: publicSummary(central.summary), mpdopf: e } : e)}\n`,
      );
    } else {
      if (central) process.stdout.write(`MPCOPF\n${formatSummary(central.summary)}\nMPDOPF (ENApp)\n`);
      else if (distributed !== "enapp") process.stdout.write(`MPDOPF (${METHOD_LABELS[distributed]})\n`);
      process.stdout.write(formatEnappSummary(s));
      if (central && valid) {
        const t = table2(
          resultSet("MPCOPF", central.tables),
          resultSet("MPDOPF", enapp.tables),
          scenario.dtH,
        );
        process.stdout.write(`\n${renderTable(t).md}\n`);
      } else if (central) {
        process.stdout.write("\nTable II not shown: it compares two valid solutions.\n");
      }
    }
    if (!valid) {
      const why = !enapp.valid
        ? `${METHOD_LABELS[distributed]} ${s.status}: ${s.message}`
        : `MPCOPF ${central!.summary.status}: ${central!.summary.message}`;
      throw new ExitError(
        `no valid solution (${why})${argv.out ? `; nothing written to ${argv.out}` : ""}`,
        1,
      );
    }
  } finally {
    w?.abort();
  }
}
