/**
 * The centralized multi-period OPF solve (MPCOPF): build → solve → self-check → decode. Depends only on
 * the solver-neutral `NlpSolver`; the caller chooses the backend (wasm or native Ipopt).
 */

import { loadPieceAt } from "../../models/fidelity.ts";
import type {
  NlpResult,
  NlpSettings,
  NlpSolveOptions,
  NlpSolver,
  NlpSolverIdentity,
  NlpWarmStart,
  ProblemFactoryRef,
} from "../nlp/types.ts";
import { type SelfCheck, selfCheck } from "./check.ts";
import { decodeMpopf, type MpopfTables, type MpopfTotals } from "./decode.ts";
import { buildMpopfModel, type MpopfModel } from "./model.ts";
import type { MpopfInput } from "./params.ts";

/**
 * The MPOPF's solver settings (solver-neutral; the backend maps them): tight enough that the self-check
 * residuals stay far below 1e-6 pu (≈ 2e-8 pu on IEEE-123, set by Ipopt's bound relaxation 1e-8). Measured on
 * IEEE-123, T = 5..24: the adaptive barrier update saves 0–3 iterations but costs 20–40 % more time per solve
 * than the monotone one, so monotone stays.
 */
export const MPOPF_SETTINGS: Readonly<NlpSettings> = Object.freeze({
  tolerance: 1e-8,
  constraintTolerance: 1e-8,
  barrier: "monotone",
  maxIterations: 3000,
  /**
   * With a warm start that carries multipliers: start close to the central path. Measured on IEEE-123 T = 24
   * after a 1 % load change: 28 → 14 iterations (cost), 20 → 14 (loss); a primal-only warm start saves almost
   * nothing.
   */
  warmStartPush: 1e-6,
});

/** Options of one MPOPF solve. */
export interface MpopfSolveOptions {
  /** Raw Ipopt options, applied over the solver's mapping of `MPOPF_SETTINGS`. */
  ipopt?: Record<string, number | string>;
  /** Warm start (primal point and optionally multipliers) from a previous solve of the same structure. */
  warmStart?: NlpWarmStart;
  /** Self-check tolerance (pu); default 1e-6. */
  checkTolerancePu?: number;
  /** Per-iteration progress of the solver (see NlpSolveOptions.progress). */
  progress?: NlpSolveOptions["progress"];
}

/**
 * One-object summary of a solve (what `mpopf solve --json` prints). Totals are over the horizon: energies
 * Σ_t value·Δt (kWh, kVArh), cost ($); the peak is the largest substation import of a period (kW).
 */
export interface MpopfSummary {
  scenario: string;
  status: string;
  success: boolean;
  /** Solver succeeded and the self-check passed: only then are the tables valid results. */
  valid: boolean;
  message: string;
  objectiveKind: "loss" | "cost";
  /** Objective value ($ for cost, kWh for loss, plus the SCD / soft-terminal terms). */
  objective: number;
  T: number;
  variables: number;
  constraints: number;
  /** Horizon line loss (kWh). */
  lossKwh: number;
  /** Horizon substation energy (kWh) and reactive energy (kVArh). */
  pSubsKwh: number;
  qSubsKvarh: number;
  /** Horizon substation cost ($). */
  costUsd: number;
  /** Largest substation import of a period (kW). */
  peakKw: number;
  /** Period length Δt (h). */
  dtH: number;
  iterations: number;
  solveSeconds: number;
  buildSeconds: number;
  maxResidualPu: number;
  maxViolationPu: number;
  maxSimultaneousKw: number;
  /** Branch-flow physics of the formulation. */
  physics: "exact" | "soc";
  /**
   * Fidelity options with discrete pieces (element bands, idling losses): the solves made until every bus's load
   * piece and every battery's charge/discharge mode agreed with the solution (1 when nothing moved), whether
   * they agreed in the end, and how many bus-periods lie outside the load band and battery-periods charge.
   */
  fidelity: { rounds: number; consistent: boolean; loadPiecesOutside: number; chargingModes: number } | null;
  /** SOC relaxation only: the largest τ²·l·v − P² − Q² at the solution (pu²; 0 = the relaxation is exact). */
  relaxationGapPu: number | null;
  /** Branch id and period (1-based) of the largest gap; null for the exact formulation. */
  relaxationGapAt: { branch: string; t: number } | null;
  solver: NlpSolverIdentity;
}

/** Everything a solve produced. */
export interface MpopfSolution {
  model: MpopfModel;
  result: NlpResult;
  check: SelfCheck;
  tables: MpopfTables;
  totals: MpopfTotals;
  summary: MpopfSummary;
  /** Solver success and self-check passed. */
  valid: boolean;
}

/** Check and decode a solver result for a model (also used when the solve ran in a worker). */
export function finishMpopf(
  model: MpopfModel,
  result: NlpResult,
  buildSeconds = 0,
  checkTolerancePu = 1e-6,
): MpopfSolution {
  const check = selfCheck(model, result.x, checkTolerancePu);
  const { tables, totals } = decodeMpopf(model, result.x);
  const valid = result.success && check.ok;
  let message = result.message;
  if (result.success && !check.ok) {
    message = `solver reported ${result.status} but the self-check failed: largest residual ${check.maxResidualPu.toExponential(2)} pu, largest bound violation ${check.maxViolationPu.toExponential(2)} pu (tolerance ${checkTolerancePu})`;
  }
  const sc = model.input.scenario;
  const summary: MpopfSummary = {
    scenario: sc.name,
    status: result.status,
    success: result.success,
    valid,
    message,
    objectiveKind: model.objectiveKind,
    objective: result.objective,
    T: sc.T,
    variables: model.problem.n,
    constraints: model.problem.m,
    lossKwh: totals.lossKwh,
    pSubsKwh: totals.pSubsKwh,
    qSubsKvarh: totals.qSubsKvarh,
    costUsd: totals.costUsd,
    peakKw: totals.peakKw,
    dtH: sc.dtH,
    iterations: result.iterations,
    solveSeconds: result.solveSeconds,
    buildSeconds,
    maxResidualPu: check.maxResidualPu,
    maxViolationPu: check.maxViolationPu,
    maxSimultaneousKw: check.maxSimultaneousKw,
    physics: sc.options.formulation.physics,
    fidelity: null,
    relaxationGapPu: check.relaxationGapPu,
    relaxationGapAt: check.relaxationGapAt,
    solver: result.solver,
  };
  return { model, result, check, tables, totals, summary, valid };
}

/** Whether a scenario's formulation has discrete pieces that `solveMpopf` settles by re-solving. */
export function hasFidelityModes(input: MpopfInput): boolean {
  const f = input.scenario.options.formulation;
  return (
    (f.elementBands !== "none" && input.scenario.loads.length > 0) ||
    (f.idlingPct > 0 && input.scenario.batteries.length > 0)
  );
}

/** Largest number of solves `solveMpopf` makes to settle load pieces and battery modes. */
export const MAX_FIDELITY_ROUNDS = 8;

/**
 * Net battery power (pu) below which a battery keeps its charge/discharge mode: near zero OpenDSS's choice
 * follows the sign of the set-point, and either mode's idling drain differs by (1/η_d − η_c)·P_idle at most.
 */
const MODE_DEADBAND_PU = 1e-7;
/**
 * New load pieces, bounds and battery modes from a solution (null when nothing changes). A bus-period takes
 * the piece of OpenDSS's load model its voltage lies on; one that would return to a piece it has already been
 * on (its optimum sits on the band edge, where the pieces meet) keeps its piece instead and has its voltage
 * bounded to that piece's range, so the rounds end. A battery's mode follows the sign of its net output outside
 * a small dead band.
 */
function nextModes(
  model: MpopfModel,
  x: Float64Array,
  visited: Uint8Array,
  bounds: Uint8Array,
): { loadPieces: Int8Array; loadPieceBounds: Uint8Array; battModes: Int8Array } | null {
  const { layout: L, params: p } = model;
  const sc = model.input.scenario;
  const o = sc.options;
  const nBus = L.nBus;
  const pieces = Int8Array.from(p.loadPieces);
  const modes = Int8Array.from(p.battModes);
  const newBounds = Uint8Array.from(bounds);
  let changed = false;
  if (p.loadBand) {
    for (let t = 0; t < L.T; t++) {
      for (let j = 0; j < nBus; j++) {
        const i = t * nBus + j;
        if (j === p.head || !p.loadSwitches[j]) continue;
        const pc = pieces[i]!;
        visited[i]! |= 1 << (pc + 2);
        const want = loadPieceAt(p.loadBand, Math.sqrt(Math.max(0, x[t * L.perT + L.offV + j]!)));
        if (want === pc || newBounds[i]) continue;
        if (visited[i]! & (1 << (want + 2))) newBounds[i] = 1;
        else pieces[i] = want;
        changed = true;
      }
    }
  }
  if (o.formulation.idlingPct > 0) {
    for (let t = 0; t < L.T; t++) {
      for (let k = 0; k < L.nBatt; k++) {
        const base = t * L.perT;
        const net = x[base + L.offPd + k]! - x[base + L.offPc + k]!;
        const i = t * L.nBatt + k;
        const m = net > MODE_DEADBAND_PU ? 1 : net < -MODE_DEADBAND_PU ? -1 : modes[i]!;
        if (m !== modes[i]) {
          modes[i] = m;
          changed = true;
        }
      }
    }
  }
  return changed ? { loadPieces: pieces, loadPieceBounds: newBounds, battModes: modes } : null;
}

/**
 * Build, solve, check and decode one MPOPF instance on the given solver. With element bands or idling losses
 * (discrete pieces of OpenDSS's models), the solve is repeated, warm-started, with the pieces the previous
 * solution asks for until they agree with it (at most `MAX_FIDELITY_ROUNDS` solves; the summary's `fidelity`
 * says how it ended).
 */
export function solveMpopf(
  input: MpopfInput,
  solver: NlpSolver,
  options: MpopfSolveOptions = {},
): MpopfSolution {
  const solveOptions: NlpSolveOptions = { settings: MPOPF_SETTINGS, ipopt: { ...options.ipopt } };
  if (options.warmStart) solveOptions.warmStart = options.warmStart;
  if (options.progress) solveOptions.progress = options.progress;
  const once = (inp: MpopfInput) => {
    const t0 = performance.now();
    const model = buildMpopfModel(inp);
    const buildSeconds = (performance.now() - t0) / 1000;
    return { model, buildSeconds, result: solver.solve(model.problem, solveOptions) };
  };
  if (!hasFidelityModes(input)) {
    const r = once(input);
    return finishMpopf(r.model, r.result, r.buildSeconds, options.checkTolerancePu);
  }
  let inp = input;
  let r = once(inp);
  let rounds = 1;
  let buildSeconds = r.buildSeconds;
  let iterations = r.result.iterations;
  let solveSeconds = r.result.solveSeconds;
  let consistent = false;
  const visited = new Uint8Array(r.model.params.loadPieces.length);
  let bounds = input.loadPieceBounds ?? new Uint8Array(visited.length);
  while (r.result.success) {
    const next = nextModes(r.model, r.result.x, visited, bounds);
    if (!next) {
      consistent = true;
      break;
    }
    if (rounds >= MAX_FIDELITY_ROUNDS) break;
    inp = { ...input, ...next };
    bounds = next.loadPieceBounds;
    solveOptions.warmStart = { x: r.result.x, lambda: r.result.lambda, zL: r.result.zL, zU: r.result.zU };
    r = once(inp);
    rounds++;
    buildSeconds += r.buildSeconds;
    iterations += r.result.iterations;
    solveSeconds += r.result.solveSeconds;
  }
  const result = { ...r.result, iterations, solveSeconds };
  const sol = finishMpopf(r.model, result, buildSeconds, options.checkTolerancePu);
  const p = r.model.params;
  const nBus = r.model.layout.nBus;
  let outside = 0;
  p.loadPieces.forEach((v, i) => {
    if (v !== 0 && i % nBus !== p.head && p.loadSwitches[i % nBus]) outside++;
  });
  sol.summary.fidelity = {
    rounds,
    consistent,
    loadPiecesOutside: outside,
    chargingModes: p.battModes.reduce((n, v) => n + (v < 0 ? 1 : 0), 0),
  };
  if (!consistent && sol.valid) {
    sol.summary.message += `; the load pieces / battery modes did not settle in ${MAX_FIDELITY_ROUNDS} solves`;
  }
  return sol;
}

/** Worker factory: build the MPOPF NLP from plain (structured-clone) data. Use with `mpopfFactoryRef`. */
export function mpopfProblemFactory(args: MpopfInput) {
  return buildMpopfModel(args).problem;
}

/** A `ProblemFactoryRef` that builds this MPOPF instance inside a solver-pool worker. */
export function mpopfFactoryRef(input: MpopfInput): ProblemFactoryRef<MpopfInput> {
  return { module: import.meta.url, exportName: "mpopfProblemFactory", args: input };
}
