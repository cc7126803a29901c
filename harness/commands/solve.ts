import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { loadCase, type StudyCase } from "../../models/case.ts";
import type { DerSource } from "../../models/scenario.ts";
import { buildScenario, buildStudy, type ScenarioRequest } from "../../models/scenario.ts";
import type {
  BranchFlowPhysics,
  CapacitorModel,
  FormulationOptions,
  LoadModelOption,
  ObjectiveKind,
  ReactiveLimits,
  TerminalCondition,
} from "../../models/types.ts";
import type { MpopfTables } from "../../solvers/mpopf/decode.ts";
import { type MpopfSolution, type MpopfSummary, solveMpopf } from "../../solvers/mpopf/solve.ts";
import type { NlpSolveOptions, NlpSolver } from "../../solvers/nlp/types.ts";
import { ExitError } from "../errors.ts";
import { numberOption, textOption } from "../options.ts";
import { RunDirWriter } from "../run-dir.ts";
import { type EnappCliArgs, enappCliOptions, solveEnappHandler } from "./solve-enapp.ts";

/** Arguments of `mpopf solve` (the ENApp ones are in solve-enapp.ts). */
export interface SolveArgs extends EnappCliArgs {
  case: string;
  horizon?: number;
  objective?: ObjectiveKind;
  pv?: number;
  batt?: number;
  peakCap?: number;
  backfeed?: boolean;
  terminal?: TerminalCondition;
  gamma?: number;
  limits?: ReactiveLimits;
  lineLimits?: boolean;
  price?: string;
  vMin?: number;
  vMax?: number;
  alpha?: number;
  step?: number;
  der?: DerSource;
  physics?: BranchFlowPhysics;
  capacitors?: CapacitorModel;
  lineCharging?: boolean;
  loads?: LoadModelOption;
  solver: "wasm" | "native";
  ipopt?: string[];
  out?: string;
  force: boolean;
  json: boolean;
  quiet: boolean;
}

/** Which NLP backend to use: wasm Ipopt in this thread, or Debian's native libipopt. */
export async function createSolver(backend: "wasm" | "native"): Promise<NlpSolver> {
  const ipopt = await import("../../solvers/ipopt/index.ts");
  return backend === "native" ? ipopt.createNativeIpoptSolver() : await ipopt.createIpoptSolver();
}

/** Parse `key=value` Ipopt option overrides (numbers become numbers); a malformed item is a usage error. */
export function parseIpoptOptions(items: string[] = []): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new ExitError(`--ipopt: expected key=value, got '${item}'`, 2);
    const key = item.slice(0, eq).trim();
    const raw = item.slice(eq + 1).trim();
    const num = Number(raw);
    out[key] = raw !== "" && Number.isFinite(num) && !/^(yes|no)$/i.test(raw) ? num : raw;
  }
  return out;
}

/** The scenario request a command line describes. */
export function scenarioRequest(a: Partial<SolveArgs>): ScenarioRequest {
  const req: ScenarioRequest = {};
  if (a.horizon !== undefined) req.horizon = a.horizon;
  if (a.objective !== undefined) req.objective = a.objective;
  if (a.pv !== undefined) req.pvPercent = a.pv;
  if (a.batt !== undefined) req.battPercent = a.batt;
  if (a.peakCap !== undefined) req.peakCapKw = a.peakCap;
  if (a.backfeed !== undefined) req.noBackfeed = !a.backfeed;
  if (a.terminal !== undefined) req.terminal = a.terminal;
  if (a.gamma !== undefined) req.terminalGamma = a.gamma;
  if (a.limits !== undefined) req.limits = a.limits;
  if (a.lineLimits !== undefined) req.lineLimits = a.lineLimits;
  if (a.price !== undefined) req.price = a.price;
  if (a.vMin !== undefined) req.vMinPu = a.vMin;
  if (a.vMax !== undefined) req.vMaxPu = a.vMax;
  if (a.alpha !== undefined) req.alphaScd = a.alpha;
  if (a.step !== undefined) req.stepMinutes = a.step;
  if (a.der !== undefined) req.der = a.der;
  const form: Partial<FormulationOptions> = {};
  if (a.physics !== undefined) form.physics = a.physics;
  if (a.capacitors !== undefined) form.capacitors = a.capacitors;
  if (a.lineCharging !== undefined) form.lineCharging = a.lineCharging;
  if (a.loads !== undefined) form.loads = a.loads;
  if (Object.keys(form).length > 0) req.formulation = form;
  return req;
}

/** A progress printer for stderr, each line stamped with the seconds since its creation (silent when `quiet`). */
export function progressLogger(quiet: boolean): (msg: string) => void {
  const t0 = performance.now();
  return (msg) => {
    if (!quiet) process.stderr.write(`[mpopf ${((performance.now() - t0) / 1000).toFixed(2)}s] ${msg}\n`);
  };
}

/** The result numbers of a summary: withheld (null) when the solve is not valid. */
const RESULT_FIELDS = ["objective", "lossKw", "pSubsKw", "qSubsKvar", "costUsd", "peakKw"] as const;

/** Printed when a solve is not valid, in place of its numbers. */
export const WITHHELD =
  "withheld: the solve did not produce a valid result, so the final iterate's numbers are not shown";

/**
 * A summary as mpopf prints and records it: for an invalid solve the result numbers (objective, loss,
 * powers, cost, peak) are null and `result` says why, so that no number of an invalid point looks like a result.
 */
export function publicSummary<S extends { valid: boolean } & Record<(typeof RESULT_FIELDS)[number], number>>(
  s: S,
): Omit<S, (typeof RESULT_FIELDS)[number]> &
  Record<(typeof RESULT_FIELDS)[number], number | null> & { result: string } {
  if (s.valid) return { ...s, result: "valid" };
  const out: Record<string, unknown> = { ...s, result: WITHHELD };
  for (const k of RESULT_FIELDS) out[k] = null;
  return out as ReturnType<typeof publicSummary<S>>;
}

/**
 * A solver progress printer for long solves: one line per iteration at most once a second (the first after one
 * second), so a short solve prints nothing and a 30 s solve ~30 lines. Silent when `quiet`.
 */
export function solverProgress(quiet: boolean, log: (msg: string) => void): NlpSolveOptions["progress"] {
  if (quiet) return undefined;
  let next = 1;
  return (p) => {
    if (p.elapsedSeconds < next) return;
    next = Math.floor(p.elapsedSeconds) + 1;
    log(
      `iteration ${p.iteration}${p.restoration ? " (restoration)" : ""}: objective ${p.objective.toPrecision(8)}, primal infeasibility ${p.primalInfeasibility.toExponential(1)}, dual infeasibility ${p.dualInfeasibility.toExponential(1)}, ${p.elapsedSeconds.toFixed(1)} s`,
    );
  };
}

/** Human-readable summary (stdout of `mpopf solve` without --json); an invalid solve shows no result numbers. */
export function formatSummary(s: MpopfSummary): string {
  const f = (v: number, d = 2) => v.toFixed(d);
  const solverLine = `solver          ${s.solver.name} ${s.solver.version} (${s.solver.backend}, ${s.solver.linearSolver}): ${s.iterations} iterations, ${f(s.solveSeconds, 3)} s (build ${f(s.buildSeconds, 3)} s)`;
  const size = `size            ${s.variables} variables, ${s.constraints} constraints, T = ${s.T}`;
  if (!s.valid) {
    return [
      `scenario        ${s.scenario}`,
      `status          ${s.status}  (NOT a valid result)`,
      `                ${s.message}`,
      size,
      `result          ${WITHHELD}`,
      solverLine,
      "",
    ].join("\n");
  }
  return [
    `scenario        ${s.scenario}`,
    `status          ${s.status}`,
    `objective       ${s.objectiveKind} = ${f(s.objective, 4)}`,
    size,
    `line loss       ${f(s.lossKw)} kW (sum over periods)`,
    `substation      ${f(s.pSubsKw)} kW, ${f(s.qSubsKvar)} kVAr (sums), peak ${f(s.peakKw)} kW`,
    `cost            $${f(s.costUsd)}`,
    solverLine,
    `self-check      max residual ${s.maxResidualPu.toExponential(2)} pu, max bound violation ${s.maxViolationPu.toExponential(2)} pu, max simultaneous charge+discharge ${f(s.maxSimultaneousKw, 4)} kW`,
    ...(s.relaxationGapPu !== null
      ? [
          `relaxation      SOC (l·v ≥ P² + Q²): tightness max(l·v − P² − Q²) = ${s.relaxationGapPu.toExponential(2)} pu²${s.relaxationGapAt ? ` at branch ${s.relaxationGapAt.branch}, t = ${s.relaxationGapAt.t}` : ""} ${s.relaxationGapPu <= 1e-6 ? "(tight: a power-flow point)" : "(not tight there: that branch's l is not its power-flow current)"}`,
        ]
      : []),
    "",
  ].join("\n");
}

const TABLE_NAMES: Array<keyof MpopfTables> = ["periods", "pv", "batteries", "buses", "branches"];

/** Write the result tables (CSV and JSON), the summary and the solver record into a run directory, atomically. */
export function writeSolution(w: RunDirWriter, sol: MpopfSolution): string {
  for (const name of TABLE_NAMES) {
    const t = sol.tables[name];
    w.write(`${name}.csv`, `${t.toCSV()}\n`);
    w.write(`${name}.json`, `${t.toJSON()}\n`);
  }
  w.writeJson("summary.json", sol.summary);
  const { x: _x, g: _g, lambda: _l, zL: _zl, zU: _zu, ...record } = sol.result;
  w.writeJson("solver.json", { ...record, check: sol.check, headPowerBound: sol.model.headPowerBound });
  w.commit();
  return w.target;
}

/**
 * Create the solver and check the Ipopt options before any work: an unknown option, a bad value or a refused
 * option is a usage error (exit 2).
 */
export async function solverWithOptions(
  backend: "wasm" | "native",
  ipopt: Record<string, number | string>,
): Promise<NlpSolver> {
  const solver = await createSolver(backend);
  const bad = solver.checkOptions?.(ipopt) ?? null;
  if (bad) throw new ExitError(`--ipopt: ${bad}`, 2);
  return solver;
}

/** Check --horizon against the case's profile points at the study's Δt (a usage error, not a fault of the profiles). */
export function checkHorizon(c: StudyCase, req: ScenarioRequest): void {
  if (req.horizon === undefined) return;
  const points = buildStudy(c, { ...req, horizon: 1 }).horizon.points;
  if (req.horizon > points) {
    throw new ExitError(
      `--horizon: must be at most ${points} (the number of profile points of case '${c.name}'), got ${req.horizon}`,
      2,
    );
  }
}

/** Open the run directory named by --out before solving (checks the target, takes its lock), or null. */
export function openOut(
  out: string | undefined,
  c: StudyCase,
  kind: string,
  force: boolean,
): RunDirWriter | null {
  return out === undefined ? null : new RunDirWriter(out, { kind, force, protect: [c.dir] });
}

/** The options that describe a study (case, horizon, objective, DERs, limits, prices) and the solver backend. */
export function scenarioCliOptions<T>(y: Argv<T>) {
  return y
    .option("case", { ...textOption("case", "built-in case or folder with case.json"), default: "ieee123" })
    .option(
      "horizon",
      numberOption("horizon", "horizon T (periods; the middle T of the case's profile points)", {
        integer: true,
        min: 1,
      }),
    )
    .option("objective", {
      choices: ["cost", "loss"] as const,
      describe: "substation energy cost or line losses",
    })
    .option("pv", numberOption("pv", "PV share of load buses (%)", { min: 0, max: 100 }))
    .option("batt", numberOption("batt", "battery share of load buses (%)", { min: 0, max: 100 }))
    .option("peak-cap", numberOption("peak-cap", "substation peak cap (kW)", { min: 0, minExclusive: true }))
    .option("backfeed", {
      type: "boolean",
      describe: "allow reverse power flow at the substation (--no-backfeed forbids)",
    })
    .option("terminal", { choices: ["hard", "soft", "free"] as const, describe: "terminal SOC condition" })
    .option("gamma", numberOption("gamma", "weight of the soft terminal penalty (per unit)", { min: 0 }))
    .option("limits", {
      choices: ["rated", "available"] as const,
      describe: "reactive limits of PVs and batteries",
    })
    .option("line-limits", {
      type: "boolean",
      describe: "enforce line current limits where ampacities are given",
    })
    .option("price", textOption("price", "price series of the case (e.g. lmp-onoff, comed-20231110)"))
    .option("v-min", numberOption("v-min", "lower voltage limit (pu)", { min: 0.5, max: 1.5 }))
    .option("v-max", numberOption("v-max", "upper voltage limit (pu)", { min: 0.5, max: 1.5 }))
    .option("alpha", numberOption("alpha", "weight of the battery-loss (SCD) term", { min: 0 }))
    .option(
      "step",
      numberOption("step", "period length Δt in minutes (default: the finest step of the profiles used)", {
        min: 1,
        max: 1440,
      }),
    )
    .option("der", {
      choices: ["case", "rule", "both"] as const,
      describe: "DERs: the case's own PV/battery rows, the placement rule (--pv/--batt), or both",
    })
    .option("physics", {
      choices: ["exact", "soc"] as const,
      describe:
        "branch flow: exact (l·v = P² + Q²) or its SOC relaxation (l·v ≥ P² + Q², tightness reported)",
    })
    .option("capacitors", {
      choices: ["constant", "voltage"] as const,
      describe: "capacitors as constant kvar (the paper) or kvar·V² (a shunt admittance, as OpenDSS)",
    })
    .option("line-charging", { type: "boolean", describe: "model line charging (B/2 at each end)" })
    .option("loads", {
      choices: ["pq", "case"] as const,
      describe: "loads as constant PQ (the paper) or with the case's voltage dependence (Z, I, ZIP)",
    })
    .option("solver", {
      choices: ["wasm", "native"] as const,
      default: "wasm" as const,
      describe: "Ipopt backend",
    });
}

/** `mpopf solve`: the centralized multi-period OPF (MPCOPF) of a study case. */
export const solveCommand: CommandModule<object, SolveArgs> = {
  command: "solve",
  describe:
    "Solve the multi-period OPF of a study case: centralized (MPCOPF), ENApp (MPDOPF, --method enapp) or both",
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
          "run directory for the result tables (CSV + JSON), written atomically; replaces only an earlier mpopf run",
        ),
      )
      .option("force", {
        type: "boolean",
        default: false,
        describe: "allow --out to be an existing empty folder that mpopf did not write",
      })
      .option("json", { type: "boolean", default: false, describe: "print the summary as one JSON object" })
      .option("quiet", {
        type: "boolean",
        default: false,
        describe: "no progress lines on stderr",
      }) as Argv<SolveArgs>,
  handler: async (argv: ArgumentsCamelCase<SolveArgs>) => {
    if (argv.method !== undefined && argv.method !== "central") return solveEnappHandler(argv);
    if (argv.transport !== undefined && argv.transport !== "in-process")
      throw new ExitError(
        "--transport applies to the distributed methods (--method enapp, admm, app, both)",
        2,
      );
    const progress = progressLogger(argv.quiet);
    const ipopt = parseIpoptOptions(argv.ipopt);
    progress(`starting the ${argv.solver} Ipopt solver`);
    const solver = await solverWithOptions(argv.solver, ipopt);
    progress(`loading case ${argv.case}`);
    const c = loadCase(argv.case);
    checkHorizon(c, scenarioRequest(argv));
    const scenario = buildScenario(c, scenarioRequest(argv));
    progress(
      `scenario ${scenario.name}: ${scenario.pvs.length} PVs, ${scenario.batteries.length} batteries, terminal ${scenario.options.terminal}, limits ${scenario.options.limits}`,
    );
    const w = openOut(argv.out, c, "solve", argv.force);
    try {
      progress("building and solving the MPOPF");
      const sol = solveMpopf({ scenario }, solver, { ipopt, progress: solverProgress(argv.quiet, progress) });
      const s = sol.summary;
      progress(
        `${s.status} after ${s.iterations} iterations in ${s.solveSeconds.toFixed(3)} s (${s.variables} variables, ${s.constraints} constraints)`,
      );
      if (sol.valid) {
        progress(
          `self-check: max residual ${s.maxResidualPu.toExponential(2)} pu, max violation ${s.maxViolationPu.toExponential(2)} pu`,
        );
      }
      if (sol.valid && w) progress(`tables written to ${writeSolution(w, sol)}`);
      process.stdout.write(argv.json ? `${JSON.stringify(publicSummary(s))}\n` : formatSummary(s));
      if (!sol.valid) {
        throw new ExitError(
          `no valid solution (${s.status}): ${s.message}${argv.out ? `; nothing written to ${argv.out}` : ""}`,
          1,
        );
      }
    } finally {
      w?.abort();
    }
  },
};
