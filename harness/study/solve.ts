/**
 * The two solves as library calls that create what they need: `solveCentral` (MPCOPF, Ipopt in this thread)
 * and `solveEnapp` (MPDOPF, areas on a worker pool), and `replaySolution` (a solution's set-points in the
 * OpenDSS-compatible engine).
 */
import type { StudyCase } from "../../models/case.ts";
import type { Partition } from "../../models/partition.ts";
import type { ResultTables } from "../../models/results.ts";
import type { Scenario } from "../../models/types.ts";
import type { EnappOptions, EnappSolution } from "../../solvers/enapp/index.ts";
import { type MpopfSolution, type MpopfSolveOptions, solveMpopf } from "../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../solvers/nlp/types.ts";
import { type ReplayOptions, type ReplayResult, replayDispatch } from "../../validation/replay/replay.ts";
import type { DeckFlavour } from "../../validation/replay/types.ts";
import { pickPartition, runEnapp } from "./enapp.ts";
import { createSolver, type SolverBackend } from "./solver.ts";

/** Options of `solveCentral`. */
export interface SolveCentralOptions extends MpopfSolveOptions {
  /** The solver, or which Ipopt backend to create (default wasm). */
  solver?: NlpSolver | SolverBackend;
}

/** Solve the centralized multi-period OPF (MPCOPF) of a scenario: build, solve, self-check, decode. */
export async function solveCentral(
  scenario: Scenario,
  opts: SolveCentralOptions = {},
): Promise<MpopfSolution> {
  const { solver, ...rest } = opts;
  const s = typeof solver === "object" ? solver : await createSolver(solver ?? "wasm");
  return solveMpopf({ scenario }, s, rest);
}

/** Options of `solveEnapp`. */
export interface SolveEnappOptions {
  /** The solver (for `workers: 0` or a native backend), or which backend (default wasm). */
  solver?: NlpSolver | SolverBackend;
  /** Worker threads for the areas (default and cap: the number of areas and of CPUs); 0 = this thread. */
  workers?: number;
  /** ENApp options (coupling, tolerances, relaxation, Ipopt options …). */
  options?: Partial<EnappOptions>;
  /** One line per macro-iteration. */
  progress?: (msg: string) => void;
}

/**
 * Solve a scenario with ENApp (MPDOPF) over a partition of its case (a `Partition`, or the name of one of the
 * case's partitions; default the case's first).
 */
export async function solveEnapp(
  scenario: Scenario,
  partition: Partition | { case: StudyCase; name?: string },
  opts: SolveEnappOptions = {},
): Promise<EnappSolution> {
  const part = "areas" in partition ? partition : pickPartition(partition.case, partition.name);
  const s = typeof opts.solver === "object" ? opts.solver : await createSolver(opts.solver ?? "wasm");
  return runEnapp(scenario, part, s, {
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    ...(opts.options ? { options: opts.options } : {}),
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
}

/**
 * Replay a solution's set-points (its result tables) on the scenario's feeder in the OpenDSS-compatible
 * engine, hour by hour, in one deck flavour (default model-consistent: the optimizer's own physics), and
 * compare every period with the optimizer.
 */
export function replaySolution(
  scenario: Scenario,
  tables: ResultTables,
  flavour: DeckFlavour = "model-consistent",
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  return replayDispatch(scenario.network, scenario, tables, flavour, options);
}
