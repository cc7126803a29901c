/** Options of the ENApp iteration, their defaults (the authors' choices where they made one) and their checks. */
import { InputError } from "../../models/errors.ts";
import type { InitialPointKind } from "../mpopf/initial.ts";

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

/** The first boundary guess: the authors' flat start (v = substation voltage, S = 0) or each child subtree's net load. */
export type InitialGuess = "flat" | "subtree-load";

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
   * oscillation of weakly curved directions (reactive power); 0 turns it off. Default 1.
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
  /** Ipopt options merged over the MPOPF defaults for every area solve. */
  ipopt: Record<string, number | string>;
  /** Self-check tolerance of every area solve (pu), default 1e-6. */
  checkTolerancePu: number;
}

/** Default options. */
export const DEFAULT_ENAPP_OPTIONS: Readonly<EnappOptions> = Object.freeze({
  coupling: "own" as Coupling,
  proximal: 1,
  maxIterations: 30,
  tolerances: DEFAULT_TOLERANCES,
  relaxation: AUTHORS_RELAXATION,
  allowReverseFlow: false,
  warmStart: true,
  initialGuess: "flat" as InitialGuess,
  warmIpopt: { mu_init: 1e-8 },
  ipopt: {},
  checkTolerancePu: 1e-6,
});

function badOption(field: string, message: string): InputError {
  return new InputError("bad-option", message, { element: "ENApp options", field });
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
  if (o.initialGuess !== "flat" && o.initialGuess !== "subtree-load")
    throw badOption("initialGuess", `expected "flat" or "subtree-load", got ${String(o.initialGuess)}`);
  if (!(Number.isFinite(o.proximal) && o.proximal >= 0))
    throw badOption("proximal", `expected a number >= 0, got ${o.proximal}`);
  if (!(Number.isFinite(o.checkTolerancePu) && o.checkTolerancePu > 0))
    throw badOption("checkTolerancePu", `expected a positive number, got ${o.checkTolerancePu}`);
  return o;
}
