/**
 * What the study commands (`mpopf solve`, `mpopf run`) share on the command line: the option groups, the
 * mapping of arguments to a scenario request and ENApp options, the usage checks made before any work
 * (--horizon against the case, --ipopt against the solver: exit 2), and the progress printer. Commands
 * import this module and the library (harness/index.ts), never each other.
 */
import type { Argv } from "yargs";
import type { StudyCase } from "../models/case.ts";
import {
  ELEMENT_BANDS_OPTIONS,
  type ElementBandsOption,
  LINE_CHARGING_OPTIONS,
  type LineChargingOption,
} from "../models/fidelity.ts";
import type { DerSource, ScenarioRequest } from "../models/scenario.ts";
import type {
  BranchFlowPhysics,
  CapacitorModel,
  FormulationOptions,
  LoadModelOption,
  ObjectiveKind,
  ReactiveLimits,
  TerminalCondition,
} from "../models/types.ts";
import type { MethodName } from "../solvers/distributed/messages.ts";
import { type DistributedUserOptions, INITIAL_GUESSES } from "../solvers/distributed/options.ts";
import type { RemoteAreas } from "../solvers/distributed/solve.ts";
import type { Coupling, EnappOptions, InitialGuess } from "../solvers/enapp/index.ts";
import type { NlpSolver } from "../solvers/nlp/types.ts";
import { type DssCliArgs, dssCliOptions } from "./dss-args.ts";
import { ExitError } from "./errors.ts";
import { natsClientCliOptions } from "./nats/cli-options.ts";
import type { NatsCliArgs } from "./nats/connect.ts";
import { checkRunId } from "./nats/protocol.ts";
import { areasOption, numberOption, textOption } from "./options.ts";
import { createSolver, ipoptOptionProblem } from "./study/solver.ts";
import { horizonPoints } from "./study/study.ts";

/** Which solves `mpopf solve` runs: centralized, a distributed method, or centralized + ENApp. */
export type SolveMethod = "central" | "enapp" | "admm" | "app" | "both";

/** The study's method (models/run-layout.ts) of a command-line method: ADMM and APP fill the distributed slot. */
export function studyMethod(m: SolveMethod): "central" | "enapp" | "both" {
  return m === "admm" || m === "app" ? "enapp" : m;
}

/** The distributed method of a command-line method (ENApp unless ADMM or APP). */
export function distributedMethod(m: SolveMethod | undefined): MethodName {
  return m === "admm" || m === "app" ? m : "enapp";
}

/** The ENApp arguments. */
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
  /** "in-process" (default) or nats://HOST:PORT (areas as `mpopf agent` processes). */
  transport?: string;
  run?: string;
  areaTimeout?: number;
}

/** The study arguments (scenario, solver; `--dss` and its import options instead of `--case`). */
export interface StudyCliArgs extends DssCliArgs {
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
  lineCharging?: LineChargingOption;
  loads?: LoadModelOption;
  elementBands?: ElementBandsOption;
  idling?: number;
  fidelity?: FidelityPreset;
  solver: "wasm" | "native";
}

/**
 * Presets of the formulation's fidelity options: `paper` (the paper's model, the default) or `opendss` (model
 * what the paper-style deck's OpenDSS models: every line's charging, OpenDSS's element bands, the kVA circle as
 * OpenDSS applies it). Individual options given beside a preset win.
 */
export type FidelityPreset = "paper" | "opendss";

/** What the `opendss` preset sets. */
export const OPENDSS_FIDELITY: { formulation: Partial<FormulationOptions>; limits: ReactiveLimits } = {
  formulation: { lineCharging: "opendss", elementBands: "opendss" },
  limits: "available",
};

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
export function scenarioRequest(a: Partial<StudyCliArgs>): ScenarioRequest {
  const req: ScenarioRequest = {};
  if (a.horizon !== undefined) req.horizon = a.horizon;
  if (a.objective !== undefined) req.objective = a.objective;
  if (a.pv !== undefined) req.pvPercent = a.pv;
  if (a.batt !== undefined) req.battPercent = a.batt;
  if (a.peakCap !== undefined) req.peakCapKw = a.peakCap;
  if (a.backfeed !== undefined) req.noBackfeed = !a.backfeed;
  if (a.terminal !== undefined) req.terminal = a.terminal;
  if (a.gamma !== undefined) req.terminalGamma = a.gamma;
  if (a.fidelity === "opendss") req.limits = OPENDSS_FIDELITY.limits;
  if (a.limits !== undefined) req.limits = a.limits;
  if (a.lineLimits !== undefined) req.lineLimits = a.lineLimits;
  if (a.price !== undefined) req.price = a.price;
  if (a.vMin !== undefined) req.vMinPu = a.vMin;
  if (a.vMax !== undefined) req.vMaxPu = a.vMax;
  if (a.alpha !== undefined) req.alphaScd = a.alpha;
  if (a.step !== undefined) req.stepMinutes = a.step;
  if (a.der !== undefined) req.der = a.der;
  const form: Partial<FormulationOptions> =
    a.fidelity === "opendss" ? { ...OPENDSS_FIDELITY.formulation } : {};
  if (a.physics !== undefined) form.physics = a.physics;
  if (a.capacitors !== undefined) form.capacitors = a.capacitors;
  if (a.lineCharging !== undefined) form.lineCharging = a.lineCharging;
  if (a.loads !== undefined) form.loads = a.loads;
  if (a.elementBands !== undefined) form.elementBands = a.elementBands;
  if (a.idling !== undefined) form.idlingPct = a.idling;
  if (Object.keys(form).length > 0) req.formulation = form;
  return req;
}

/** The ENApp options a command line describes (the Ipopt options are the study's). */
export function enappOptions(a: EnappCliArgs): DistributedUserOptions {
  const o: DistributedUserOptions = { method: distributedMethod(a.method) };
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
  return o;
}

/** A progress printer for stderr, each line stamped with the seconds since its creation (silent when `quiet`). */
export function progressLogger(quiet: boolean, prefix = "mpopf"): (msg: string) => void {
  const t0 = performance.now();
  return (msg) => {
    if (!quiet) process.stderr.write(`[${prefix} ${((performance.now() - t0) / 1000).toFixed(2)}s] ${msg}\n`);
  };
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
  const bad = ipoptOptionProblem(solver, ipopt);
  if (bad) throw new ExitError(`--ipopt: ${bad}`, 2);
  return solver;
}

/** Check --horizon against the case's profile points at the study's Δt (a usage error, not a fault of the profiles). */
export function checkHorizon(c: StudyCase, req: ScenarioRequest): void {
  if (req.horizon === undefined) return;
  const points = horizonPoints(c, req);
  if (req.horizon > points) {
    throw new ExitError(
      `--horizon: must be at most ${points} (the number of profile points of case '${c.name}'), got ${req.horizon}`,
      2,
    );
  }
}

/** The options that describe a study (case, horizon, objective, DERs, limits, prices) and the solver backend. */
export function scenarioCliOptions<T>(y: Argv<T>) {
  return dssCliOptions(y)
    .option("case", {
      ...textOption("case", "built-in case or folder with case.json (--dss reads an OpenDSS deck instead)"),
      default: "ieee123",
    })
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
    .option("line-charging", {
      type: "string",
      describe:
        "model line charging (B/2 at each end): none, case (the lines' b_us; the bare flag), or opendss (b_us where given, else OpenDSS's default C1 = 3.4 nF per line)",
      coerce: (v: unknown) => {
        const s = v === true || v === "" ? "case" : v === false ? "none" : String(v);
        if (!(LINE_CHARGING_OPTIONS as readonly string[]).includes(s)) {
          throw new Error(`--line-charging: expected one of ${LINE_CHARGING_OPTIONS.join(", ")}, got '${s}'`);
        }
        return s as LineChargingOption;
      },
    })
    .option("element-bands", {
      choices: ELEMENT_BANDS_OPTIONS,
      describe:
        "OpenDSS's element voltage bands: none (the paper) or opendss (loads follow OpenDSS's model outside 0.95–1.05 pu; PVs, batteries and capacitor generators stay inside their bands)",
    })
    .option(
      "idling",
      numberOption("idling", "battery idling losses, % of rated power (OpenDSS %IdlingkW)", {
        min: 0,
        max: 100,
      }),
    )
    .option("fidelity", {
      choices: ["paper", "opendss"] as const,
      describe:
        "preset: paper (default) or opendss = --line-charging opendss --element-bands opendss --limits available (what the paper-style deck's OpenDSS models); options given beside it win",
    })
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

/** The ENApp options of `mpopf solve` (`mpopf run` takes --areas and --workers only). */
export function enappCliOptions<T>(y: Argv<T>): Argv<T> {
  return natsClientCliOptions(y)
    .option("method", {
      choices: ["central", "enapp", "admm", "app", "both"] as const,
      describe:
        "centralized MPOPF, a distributed method on --areas (ENApp, ADMM, APP), or both (centralized + ENApp with Table II; all methods: mpopf compare-methods)",
    })
    .option("areas", areasOption())
    .option(
      "rho",
      numberOption(
        "rho",
        "ADMM's initial ρ / APP's α, in units of the mean energy price per pu (defaults 1000 / 10)",
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
    .option("coupling", {
      choices: ["own", "marginal"] as const,
      describe: "ENApp area objectives: own (the authors) or marginal (boundary prices; matches MPCOPF)",
    })
    .option(
      "max-macro",
      numberOption("max-macro", "largest number of (macro-)iterations (default: ENApp 30, ADMM/APP 300)", {
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
      choices: INITIAL_GUESSES,
      describe:
        "first boundary values of a distributed method: flat (v = substation voltage, S = 0; the default), each child subtree's net load, or a power flow of the whole feeder (v and S)",
    })
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
 * errors (a run id missing or malformed, an unknown transport, --transport without a distributed method) are
 * checked before any work (exit 2). The NATS client is loaded only here, not at every command's start-up.
 */
export async function remoteAreas(
  a: EnappCliArgs & NatsCliArgs,
  progress: (msg: string) => void,
): Promise<RemoteAreas | null> {
  const t = a.transport;
  if (t === undefined || t === "in-process") return null;
  if (a.method === undefined || a.method === "central")
    throw new ExitError(
      "--transport applies to the distributed methods (--method enapp, admm, app, both)",
      2,
    );
  if (!/^(nats|tls):\/\//.test(t))
    throw new ExitError(`--transport: expected in-process or nats://HOST:PORT, got '${t.slice(0, 60)}'`, 2);
  if (a.run === undefined)
    throw new ExitError("--transport nats://…: name the run with --run ID (the agents' --run)", 2);
  checkRunId(a.run);
  const { describeNats, natsClientOptions } = await import("./nats/connect.ts");
  const { natsAreas } = await import("./nats/transport.ts");
  const client = natsClientOptions(t, a);
  progress(`coordinator of run ${a.run} over ${describeNats(client)}`);
  return natsAreas({
    client,
    log: progress,
    ...(a.areaTimeout !== undefined ? { timeouts: { areaSeconds: a.areaTimeout } } : {}),
  });
}
