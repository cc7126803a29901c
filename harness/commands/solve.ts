import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { loadCase } from "../../models/case.ts";
import { InputError } from "../../models/errors.ts";
import { buildScenario, type ScenarioRequest } from "../../models/scenario.ts";
import type { ObjectiveKind, ReactiveLimits, TerminalCondition } from "../../models/types.ts";
import type { MpopfTables } from "../../solvers/mpopf/decode.ts";
import { type MpopfSolution, type MpopfSummary, solveMpopf } from "../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../solvers/nlp/types.ts";
import { ExitError } from "../errors.ts";
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
  solver: "wasm" | "native";
  ipopt?: string[];
  out?: string;
  json: boolean;
  quiet: boolean;
}

/** Which NLP backend to use: wasm Ipopt in this thread, or Debian's native libipopt. */
export async function createSolver(backend: "wasm" | "native"): Promise<NlpSolver> {
  const ipopt = await import("../../solvers/ipopt/index.ts");
  return backend === "native" ? ipopt.createNativeIpoptSolver() : await ipopt.createIpoptSolver();
}

/** Parse `key=value` Ipopt option overrides (numbers become numbers). */
export function parseIpoptOptions(items: string[] = []): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) {
      throw new InputError("bad-option", `expected key=value, got '${item}'`, {
        element: "command line",
        field: "ipopt",
      });
    }
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
  return req;
}

/** A progress printer for stderr, each line stamped with the seconds since its creation (silent when `quiet`). */
export function progressLogger(quiet: boolean): (msg: string) => void {
  const t0 = performance.now();
  return (msg) => {
    if (!quiet) process.stderr.write(`[mpopf ${((performance.now() - t0) / 1000).toFixed(2)}s] ${msg}\n`);
  };
}

/** Human-readable summary (stdout of `mpopf solve` without --json). */
export function formatSummary(s: MpopfSummary): string {
  const f = (v: number, d = 2) => v.toFixed(d);
  return [
    `scenario        ${s.scenario}`,
    `status          ${s.status}${s.valid ? "" : "  (NOT a valid result)"}`,
    `objective       ${s.objectiveKind} = ${f(s.objective, 4)}`,
    `size            ${s.variables} variables, ${s.constraints} constraints, T = ${s.T}`,
    `line loss       ${f(s.lossKw)} kW (sum over periods)`,
    `substation      ${f(s.pSubsKw)} kW, ${f(s.qSubsKvar)} kVAr (sums), peak ${f(s.peakKw)} kW`,
    `cost            $${f(s.costUsd)}`,
    `solver          ${s.solver.name} ${s.solver.version} (${s.solver.backend}, ${s.solver.linearSolver}): ${s.iterations} iterations, ${f(s.solveSeconds, 3)} s (build ${f(s.buildSeconds, 3)} s)`,
    `self-check      max residual ${s.maxResidualPu.toExponential(2)} pu, max bound violation ${s.maxViolationPu.toExponential(2)} pu, max simultaneous charge+discharge ${f(s.maxSimultaneousKw, 4)} kW`,
    "",
  ].join("\n");
}

const TABLE_NAMES: Array<keyof MpopfTables> = ["periods", "pv", "batteries", "buses", "branches"];

/** Write the result tables (CSV and JSON), the summary and the solver record into a run directory, atomically. */
export function writeSolution(dir: string, sol: MpopfSolution): string {
  const w = new RunDirWriter(dir);
  try {
    for (const name of TABLE_NAMES) {
      const t = sol.tables[name];
      w.write(`${name}.csv`, `${t.toCSV()}\n`);
      w.write(`${name}.json`, `${t.toJSON()}\n`);
    }
    w.writeJson("summary.json", sol.summary);
    const { x: _x, g: _g, lambda: _l, zL: _zl, zU: _zu, ...record } = sol.result;
    w.writeJson("solver.json", { ...record, check: sol.check, headPowerBound: sol.model.headPowerBound });
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
  return w.target;
}

/** The options that describe a study (case, horizon, objective, DERs, limits, prices) and the solver backend. */
export function scenarioCliOptions<T>(y: Argv<T>) {
  return y
    .option("case", {
      type: "string",
      default: "ieee123",
      describe: "built-in case or folder with case.json",
    })
    .option("horizon", { type: "number", describe: "horizon T (hours; the middle T of the 24-h shapes)" })
    .option("objective", {
      choices: ["cost", "loss"] as const,
      describe: "substation energy cost or line losses",
    })
    .option("pv", { type: "number", describe: "PV share of load buses (%)" })
    .option("batt", { type: "number", describe: "battery share of load buses (%)" })
    .option("peak-cap", { type: "number", describe: "substation peak cap (kW)" })
    .option("backfeed", {
      type: "boolean",
      describe: "allow reverse power flow at the substation (--no-backfeed forbids)",
    })
    .option("terminal", { choices: ["hard", "soft", "free"] as const, describe: "terminal SOC condition" })
    .option("gamma", { type: "number", describe: "weight of the soft terminal penalty (per unit)" })
    .option("limits", {
      choices: ["rated", "available"] as const,
      describe: "reactive limits of PVs and batteries",
    })
    .option("line-limits", {
      type: "boolean",
      describe: "enforce line current limits where ampacities are given",
    })
    .option("price", {
      type: "string",
      describe: "price series of the case (e.g. lmp-onoff, comed-20231110)",
    })
    .option("v-min", { type: "number", describe: "lower voltage limit (pu)" })
    .option("v-max", { type: "number", describe: "upper voltage limit (pu)" })
    .option("alpha", { type: "number", describe: "weight of the battery-loss (SCD) term" })
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
      .option("out", {
        type: "string",
        describe: "directory for the result tables (CSV + JSON), written atomically",
      })
      .option("json", { type: "boolean", default: false, describe: "print the summary as one JSON object" })
      .option("quiet", {
        type: "boolean",
        default: false,
        describe: "no progress lines on stderr",
      }) as Argv<SolveArgs>,
  handler: async (argv: ArgumentsCamelCase<SolveArgs>) => {
    if (argv.method === "enapp" || argv.method === "both") return solveEnappHandler(argv);
    const progress = progressLogger(argv.quiet);
    progress(`loading case ${argv.case}`);
    const c = loadCase(argv.case);
    const scenario = buildScenario(c, scenarioRequest(argv));
    progress(
      `scenario ${scenario.name}: ${scenario.pvs.length} PVs, ${scenario.batteries.length} batteries, terminal ${scenario.options.terminal}, limits ${scenario.options.limits}`,
    );
    progress(`starting the ${argv.solver} Ipopt solver`);
    const solver = await createSolver(argv.solver);
    progress("building and solving the MPOPF");
    const sol = solveMpopf({ scenario }, solver, { ipopt: parseIpoptOptions(argv.ipopt) });
    const s = sol.summary;
    progress(
      `${s.status} after ${s.iterations} iterations in ${s.solveSeconds.toFixed(3)} s (${s.variables} variables, ${s.constraints} constraints)`,
    );
    progress(
      `self-check: max residual ${s.maxResidualPu.toExponential(2)} pu, max violation ${s.maxViolationPu.toExponential(2)} pu`,
    );
    if (sol.valid && argv.out) {
      const dir = writeSolution(argv.out, sol);
      progress(`tables written to ${dir}`);
    }
    process.stdout.write(argv.json ? `${JSON.stringify(s)}\n` : formatSummary(s));
    if (!sol.valid) {
      throw new ExitError(
        `no valid solution (${s.status}): ${s.message}${argv.out ? `; nothing written to ${argv.out}` : ""}`,
        1,
      );
    }
  },
};
