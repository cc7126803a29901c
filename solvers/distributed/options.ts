/**
 * Options of the distributed methods (ENApp, ADMM, APP) and of the communication model, their defaults and
 * their checks. ENApp's defaults are the authors' choices where they made one; ADMM's and APP's were chosen
 * once on IEEE-123 (4 areas, T = 24, cost; `bench/distributed.bench.ts` has the sweep) and are left alone for
 * every other feeder.
 */
import { InputError } from "../../models/errors.ts";
import type { InitialPointKind } from "../mpopf/initial.ts";
import { METHODS, type MethodName } from "./messages.ts";

/**
 * Under-relaxation of the exchanged boundary values. After macro-iteration k the values sent into k + 1 are
 * weighted sums of the values COMPUTED at k, k − 1, … (most recent first); the first `plainIterations`
 * macro-iterations send the computed values unchanged (plain substitution).
 */
export interface RelaxationSchedule {
  /** Macro-iterations 1..plainIterations use plain substitution. */
  plainIterations: number;
  /** Weights of v^k, v^(k−1), … (boundary voltage magnitude sent down); must sum to 1. */
  voltageWeights: number[];
  /** Weights of S^k, S^(k−1), … (boundary power P + jQ sent up); must sum to 1. */
  powerWeights: number[];
}

/** The schedule the authors coded: 1–2 plain; then v = 0.95 v^k + 0.05 v^(k−1), S = 0.70 S^k + 0.25 S^(k−1) + 0.05 S^(k−2). */
export const AUTHORS_RELAXATION: Readonly<RelaxationSchedule> = Object.freeze({
  plainIterations: 2,
  voltageWeights: [0.95, 0.05],
  powerWeights: [0.7, 0.25, 0.05],
});

/**
 * Convergence tolerances, tested separately on every boundary and every period: |computed − used| of the
 * boundary voltage magnitude (pu), real power (kW) and reactive power (kVAr).
 */
export interface EnappTolerances {
  vPu: number;
  pKw: number;
  qKvar: number;
}

/**
 * Defaults: 1e-5 pu, 0.1 kW, 0.1 kVAr. The P tolerance is what bounds the error of the substation power
 * (a boundary P mismatch δ moves P_subs by about δ), so it is a tenth of the 1 kW the comparison with the
 * centralized solve allows; the voltage tolerance keeps the bus voltages ~1e-5 pu from consistency.
 */
export const DEFAULT_TOLERANCES: Readonly<EnappTolerances> = Object.freeze({
  vPu: 1e-5,
  pKw: 0.1,
  qKvar: 0.1,
});

/**
 * The authors' tolerance of 1e-3 pu, applied separately: 1e-3 pu on v = |V|² is 5e-4 pu on |V|; 1e-3 pu of
 * power is 1 kW and 1 kVAr on the 1 MVA base. Their code applied it to one mixed quantity at the last boundary.
 */
export const AUTHORS_TOLERANCES: Readonly<EnappTolerances> = Object.freeze({ vPu: 5e-4, pKw: 1, qKvar: 1 });

/**
 * The first boundary guesses: the authors' flat start (|V| = the substation's, S = 0), each child subtree's net
 * load (|V| flat), or a power flow of the whole feeder (|V| and S at every boundary; see `agentSpecs`).
 */
export const INITIAL_GUESSES = ["flat", "subtree-load", "power-flow"] as const;
export type InitialGuess = (typeof INITIAL_GUESSES)[number];

/**
 * How the areas' objectives are coupled.
 * * "own" — as the authors: every area minimizes its own objective (cost: price × its head power; loss: its own
 *   line losses) given the boundary values. Not the centralized optimum in general: a child does not see what
 *   its head power costs upstream (the parent's losses), nor a parent what its boundary voltage is worth below.
 * * "marginal" — every area's own objective plus boundary prices from its neighbours' Lagrange multipliers of
 *   the previous macro-iteration: the parent's multipliers of its real / reactive balance at the boundary bus
 *   price the child's head P and Q, and the child's multiplier of its head-voltage row prices the parent's
 *   boundary-bus voltage. The head-power cost of a child then comes only through that price (its own price ×
 *   head-power term is dropped), so at a fixed point the areas' KKT conditions are those of the centralized
 *   problem.
 */
export type Coupling = "own" | "marginal";

/** Everything that configures an ENApp run (all optional in `solveEnapp`). */
export interface EnappOptions {
  /** Objective coupling of the areas (default "own", the authors' method). */
  coupling: Coupling;
  /**
   * Marginal coupling: weight of the proximal term ρ/2 |S_head − S_used|² in every child area, as a multiple of
   * the upstream loss curvature 2 R_path / v (priced like the objective). It damps the price ↔ power
   * oscillation of weakly curved directions (reactive power); 0 turns it off. Default 2, chosen once on
   * IEEE-123 (4 areas; cost and loss, T = 5, 12, 24): macro-iterations 15–17 with 2 against 20–21 with 1;
   * 0 does not converge in 60 and 5 needs 29 (T = 24, loss).
   */
  proximal: number;
  /** Largest number of macro-iterations (default 30). */
  maxIterations: number;
  tolerances: EnappTolerances;
  relaxation: RelaxationSchedule;
  /** Allow reverse power flow from a child area into its parent (the authors forbid it: P_head ≥ 0). */
  allowReverseFlow: boolean;
  /** Warm-start each area (primal and multipliers) from its previous macro-iteration (default true). */
  warmStart: boolean;
  /** First boundary guess (default "flat", as coded). */
  initialGuess: InitialGuess;
  /** Starting point of the areas' first solve (default: the formulation's default). */
  initialPoint?: InitialPointKind;
  /** Ipopt options of warm-started area solves, merged over the MPOPF warm-start options (before `ipopt`). */
  warmIpopt: Record<string, number | string>;
  /**
   * ENApp with the "own" coupling and no peak cap: from an area's third step on (its boundary values then move
   * little), its warm start begins at the previous solution's barrier level — μ and every warm-start bound push
   * 1e-9 instead of `warmIpopt`'s μ and the MPOPF warm start's 1e-6 pushes — so a small move of the boundary
   * costs 1–2 interior-point iterations instead of 6–9, and the area stays at the same point of a flat optimum
   * (batteries at a flat price), which also keeps the boundary values still. The second step keeps the usual
   * push: it moves the boundary most (from 1e-9 there: 83 instead of 44 iterations in the slowest area, 10,000
   * buses × 16 areas). Default true. Measured (T = 24, cost, power-flow guess, 2 workers): generated 2,500 buses,
   * 8 areas, critical path 5.2 → 4.5 s, 20 macro-iterations both; 10,000 buses, 16 areas, 26.6 → 18.6 s, 39 both;
   * objectives equal to 1e-8 relative.
   */
  closeWarmStart: boolean;
  /** Ipopt options merged over the MPOPF defaults for every area solve. */
  ipopt: Record<string, number | string>;
  /** Self-check tolerance of every area solve (pu), default 1e-6. */
  checkTolerancePu: number;
  /**
   * Peak cap (a constraint that couples every area): the root holds it elastic by the method of multipliers —
   * slack cost π·s + σ/2·s², σ = capStep · c̄ per pu (c̄: the mean energy price of one pu over one period), and
   * π ← max(0, π + σ (P_subs − cap)) after each step — so it stays feasible while the others react. Under ENApp's
   * "own" coupling π is sent down the area tree and every area adds it to its head power's price, with a proximal
   * term capProximal · c̄ / 2 · (P_head − P_head,previous)² that keeps its response continuous; under "marginal"
   * the head-power prices carry it. The root aims one P tolerance below the cap, and convergence requires the
   * cap met within the areas' check tolerance; σ is halved in a period whose excess changes sign (a price that
   * overshoots). Defaults capStep 10, capProximal 30: chosen once on IEEE-123's 900 kW case (T = 5, 9 PV / 13
   * batteries); of (capStep, capProximal) ∈ {1, 3, 5, 10, 20} × {5, 10, 30, 50} the fastest that converged to a
   * valid point.
   */
  capStep: number;
  capProximal: number;
}

/** Default options. */
export const DEFAULT_ENAPP_OPTIONS: Readonly<EnappOptions> = Object.freeze({
  coupling: "own" as Coupling,
  proximal: 2,
  maxIterations: 30,
  tolerances: DEFAULT_TOLERANCES,
  relaxation: AUTHORS_RELAXATION,
  allowReverseFlow: false,
  warmStart: true,
  initialGuess: "flat" as InitialGuess,
  warmIpopt: { mu_init: 1e-8 },
  closeWarmStart: true,
  ipopt: {},
  checkTolerancePu: 1e-6,
  capStep: 10,
  capProximal: 30,
});

function badOption(field: string, message: string, element = "ENApp options"): InputError {
  return new InputError("bad-option", message, { element, field });
}

function checkWeights(w: number[], field: string): void {
  if (!Array.isArray(w) || w.length === 0) throw badOption(field, "expected at least one weight");
  let sum = 0;
  w.forEach((v, i) => {
    if (!Number.isFinite(v) || v < 0)
      throw badOption(`${field}[${i}]`, `expected a finite weight >= 0, got ${v}`);
    sum += v;
  });
  if (Math.abs(sum - 1) > 1e-12)
    throw badOption(field, `weights must sum to 1 (a fixed point must stay a fixed point), got ${sum}`);
}

/** Merge user options over the defaults and validate them. Throws `InputError` ("bad-option"). */
export function resolveEnappOptions(user: Partial<EnappOptions> = {}): EnappOptions {
  const o: EnappOptions = {
    ...DEFAULT_ENAPP_OPTIONS,
    ...user,
    tolerances: { ...DEFAULT_TOLERANCES, ...user.tolerances },
    relaxation: user.relaxation ?? AUTHORS_RELAXATION,
    ipopt: { ...user.ipopt },
    warmIpopt: { ...(user.warmIpopt ?? DEFAULT_ENAPP_OPTIONS.warmIpopt) },
  };
  if (!Number.isInteger(o.maxIterations) || o.maxIterations < 1)
    throw badOption("maxIterations", `expected a positive integer, got ${o.maxIterations}`);
  for (const f of ["vPu", "pKw", "qKvar"] as const) {
    const v = o.tolerances[f];
    if (!(Number.isFinite(v) && v > 0))
      throw badOption(`tolerances.${f}`, `expected a positive number, got ${v}`);
  }
  const r = o.relaxation;
  if (!(Number.isInteger(r.plainIterations) && r.plainIterations >= 0))
    throw badOption("relaxation.plainIterations", `expected an integer >= 0, got ${r.plainIterations}`);
  checkWeights(r.voltageWeights, "relaxation.voltageWeights");
  checkWeights(r.powerWeights, "relaxation.powerWeights");
  if (o.coupling !== "own" && o.coupling !== "marginal")
    throw badOption("coupling", `expected "own" or "marginal", got ${String(o.coupling)}`);
  if (!(INITIAL_GUESSES as readonly string[]).includes(o.initialGuess))
    throw badOption(
      "initialGuess",
      `expected one of ${INITIAL_GUESSES.join(", ")}, got ${String(o.initialGuess)}`,
    );
  if (!(Number.isFinite(o.proximal) && o.proximal >= 0))
    throw badOption("proximal", `expected a number >= 0, got ${o.proximal}`);
  if (typeof o.closeWarmStart !== "boolean")
    throw badOption("closeWarmStart", `expected true or false, got ${String(o.closeWarmStart)}`);
  if (!(Number.isFinite(o.checkTolerancePu) && o.checkTolerancePu > 0))
    throw badOption("checkTolerancePu", `expected a positive number, got ${o.checkTolerancePu}`);
  return o;
}

/**
 * Boundary-consensus ADMM. Each boundary's quantities (|V|² at the parent-side bus, P and Q into the child, per
 * period) exist twice — the parent's copy (its bus voltage and a "port" draw) and the child's (its head voltage
 * and boundary-branch flow). Each area minimizes its objective + λᵀx + ρ/2 |x − z|² (the child with −λ); then
 * z = the copies' mean and λ ← λ + ρ (x_parent − z). ρ is in units of the energy price: ρ = rho · c̄, with c̄ the
 * mean price of one pu of power over one period (cost: weight·S_base·Δt·mean price; loss: weight·S_base·Δt).
 */
export interface AdmmOptions {
  /** Initial penalty on the power copies (P, Q), in c̄ per pu² (see above). */
  rho: number;
  /** Initial penalty on the voltage copies (|V|², pu²), in c̄ per pu⁴. */
  rhoVoltage: number;
  /**
   * Residual balancing per boundary and quantity group (|V|², power): after each step, if the primal residual
   * (copy mismatch, in its tolerances) exceeds `mu` × the dual residual (ρ·Δz, in the dual tolerance), ρ × `tau`; if
   * it is below 1/`mu` of it, ρ / `tau` (Boyd et al. 2011, §3.4.1, per boundary). Off: fixed ρ.
   */
  balancing: boolean;
  mu: number;
  tau: number;
  /** Adapt ρ only during the first `adaptIterations` steps (afterwards fixed, the standard safeguard). */
  adaptIterations: number;
}

/**
 * The dual residual of ADMM and APP, s = ρ · (z^k − z^(k−1)) per boundary, quantity and period, is in objective
 * units per pu (per pu² for |V|²); the stopping rule wants its root mean square over boundaries, periods and
 * quantities ≤ `dualTolerance` · c̄ (c̄ as for ρ: the mean price of one pu of power over one period) — Boyd et
 * al.'s relative rule ‖s‖₂ ≤ ε_rel ‖λ‖₂ with the multipliers' norm taken as that of energy prices, √n · c̄.
 * Together with the primal rule (the copies agree within the tolerances, everywhere) this is the standard pair.
 */
export const DEFAULT_DUAL_TOLERANCE = 1e-3;

/**
 * Auxiliary problem principle (Cohen 1980; Kim & Baldick 1997 for OPF): each area minimizes its objective +
 * β/2 |x − x^k|² + γ xᵀ(x^k − x_n^k) + s λᵀx (s = +1 parent, −1 child; x_n the neighbour's copy), then
 * λ ← λ + α (x_parent − x_child), with Kim & Baldick's β = 2α, γ = α. α in c̄ per pu² as ADMM's ρ.
 */
export interface AppOptions {
  /** α on the power copies (c̄ per pu²). */
  alpha: number;
  /** α on the voltage copies (c̄ per pu⁴). */
  alphaVoltage: number;
}

/**
 * Communication as in the field (applied by the coordinator to every boundary message).
 * * delay: a message sent in round k arrives for round k + 1 + delay (values stale by `delay` iterations).
 * * loss: each transmission is lost with probability `loss`; the receiver waits `timeoutSeconds`, the sender
 *   retransmits up to `retries` times; after that the message is dropped and the receiver keeps its last value.
 *   Every timeout adds to the round's critical path.
 * * activity: asynchronous updates — in each round every area steps with probability `activity` (each on its
 *   own clock; at least one area steps per round); 1 = synchronous.
 */
export interface CommsOptions {
  delay: number;
  loss: number;
  retries: number;
  timeoutSeconds: number;
  activity: number;
  /** Seed of the loss and activity draws (same seed → same draws). */
  seed: number;
}

/** Perfect synchronous communication. */
export const PERFECT_COMMS: Readonly<CommsOptions> = Object.freeze({
  delay: 0,
  loss: 0,
  retries: 2,
  timeoutSeconds: 0.1,
  activity: 1,
  seed: 1,
});

/**
 * ADMM's defaults, chosen once on IEEE-123 (the paper's 4 areas, T = 24, cost, 17 PV / 26 batteries, flat
 * start): iterations to the stopping rules with ρ₀ = 10, 100, 1000 (on both groups) and residual balancing
 * kept on: 205, 167, 157; balancing stopped after 50 steps: 300+, 300+, 275.
 */
export const DEFAULT_ADMM_OPTIONS: Readonly<AdmmOptions> = Object.freeze({
  rho: 1000,
  rhoVoltage: 1000,
  balancing: true,
  mu: 10,
  tau: 2,
  adaptIterations: 10_000,
});

/**
 * APP's defaults, chosen once on IEEE-123 (as ADMM's): iterations with α = 1, 3, 10, 100, 1000 (both groups):
 * 120, 120, 112, 300+ (the dual residual α·Δz stays above its tolerance), 300+.
 */
export const DEFAULT_APP_OPTIONS: Readonly<AppOptions> = Object.freeze({ alpha: 10, alphaVoltage: 10 });

/** Largest number of iterations per method when not given. */
export const DEFAULT_MAX_ITERATIONS: Readonly<Record<MethodName, number>> = Object.freeze({
  enapp: 30,
  admm: 300,
  app: 300,
});

/** Everything that configures a distributed run. */
export interface DistributedOptions extends EnappOptions {
  method: MethodName;
  admm: AdmmOptions;
  app: AppOptions;
  comms: CommsOptions;
  /** ADMM/APP: the dual residual's tolerance as a fraction of c̄ (see `DEFAULT_DUAL_TOLERANCE`). */
  dualTolerance: number;
  /** Run id carried by every message (messages of another run are rejected). */
  run: string;
}

/** User options of a distributed run (nested groups may be partial). */
export type DistributedUserOptions = Partial<
  Omit<DistributedOptions, "admm" | "app" | "comms" | "tolerances">
> & {
  admm?: Partial<AdmmOptions>;
  app?: Partial<AppOptions>;
  comms?: Partial<CommsOptions>;
  tolerances?: Partial<EnappTolerances>;
};

/** Merge user options over the defaults and validate them. Throws `InputError` ("bad-option"). */
export function resolveDistributedOptions(user: DistributedUserOptions = {}): DistributedOptions {
  const method = user.method ?? "enapp";
  if (!METHODS.includes(method))
    throw badOption("method", `expected one of ${METHODS.join(", ")}, got ${String(method)}`, "options");
  const { admm, app, comms, tolerances, ...rest } = user;
  const base = resolveEnappOptions({
    ...rest,
    maxIterations: user.maxIterations ?? DEFAULT_MAX_ITERATIONS[method],
    tolerances: { ...DEFAULT_TOLERANCES, ...tolerances },
  });
  const o: DistributedOptions = {
    ...base,
    method,
    admm: { ...DEFAULT_ADMM_OPTIONS, ...admm },
    app: { ...DEFAULT_APP_OPTIONS, ...app },
    comms: { ...PERFECT_COMMS, ...comms },
    dualTolerance: user.dualTolerance ?? DEFAULT_DUAL_TOLERANCE,
    run: user.run ?? "run",
  };
  const positive = (v: number, field: string, element: string) => {
    if (!(Number.isFinite(v) && v > 0))
      throw badOption(field, `expected a positive number, got ${v}`, element);
  };
  positive(o.dualTolerance, "dualTolerance", "options");
  positive(o.admm.rho, "rho", "ADMM options");
  positive(o.admm.rhoVoltage, "rhoVoltage", "ADMM options");
  if (!(o.admm.mu > 1)) throw badOption("mu", `expected a number > 1, got ${o.admm.mu}`, "ADMM options");
  if (!(o.admm.tau > 1)) throw badOption("tau", `expected a number > 1, got ${o.admm.tau}`, "ADMM options");
  if (!(Number.isInteger(o.admm.adaptIterations) && o.admm.adaptIterations >= 0))
    throw badOption(
      "adaptIterations",
      `expected an integer >= 0, got ${o.admm.adaptIterations}`,
      "ADMM options",
    );
  positive(o.app.alpha, "alpha", "APP options");
  positive(o.app.alphaVoltage, "alphaVoltage", "APP options");
  const c = o.comms;
  if (!(Number.isInteger(c.delay) && c.delay >= 0))
    throw badOption("delay", `expected a whole number of iterations >= 0, got ${c.delay}`, "communication");
  if (!(c.loss >= 0 && c.loss < 1))
    throw badOption("loss", `expected a probability in [0, 1), got ${c.loss}`, "communication");
  if (!(Number.isInteger(c.retries) && c.retries >= 0))
    throw badOption("retries", `expected a whole number >= 0, got ${c.retries}`, "communication");
  if (!(c.timeoutSeconds >= 0))
    throw badOption("timeoutSeconds", `expected a number >= 0, got ${c.timeoutSeconds}`, "communication");
  if (!(c.activity > 0 && c.activity <= 1))
    throw badOption("activity", `expected a probability in (0, 1], got ${c.activity}`, "communication");
  if (!Number.isInteger(c.seed))
    throw badOption("seed", `expected an integer, got ${c.seed}`, "communication");
  if (typeof o.run !== "string" || o.run.length === 0 || o.run.length > 200)
    throw badOption("run", "expected a run id of 1..200 characters", "options");
  return o;
}
