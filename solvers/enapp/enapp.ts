/**
 * ENApp (method.md §5): the spatially distributed multi-period OPF (MPDOPF). Every area solves its own
 * full-horizon MPOPF — the same formulation code as the centralized solve (`solvers/mpopf`), in "area mode":
 * head voltage fixed per period, child areas as fixed per-period loads — then the parent's boundary voltage goes
 * down and the child's head power goes up (Jacobi: all areas use the previous macro-iteration's values, so
 * they solve in parallel), under-relaxed by the configured schedule, until every boundary agrees within
 * separate P, Q and v tolerances in every period, or the macro-iteration limit is reached (a status, never a
 * silent "converged").
 *
 * The areas are agents that exchange typed boundary messages through a coordinator (`solvers/distributed`);
 * this module is ENApp's entry point on that machinery.
 */
import type { Partition } from "../../models/partition.ts";
import type { Scenario } from "../../models/types.ts";
import type { AreaBackend } from "../distributed/area-solver.ts";
import type { DistributedStatus } from "../distributed/coordinator.ts";
import type { DistributedUserOptions, EnappOptions } from "../distributed/options.ts";
import type { MacroIteration } from "../distributed/records.ts";
import {
  type DistributedSolution,
  type DistributedSummary,
  type DistributedTimes,
  solveDistributed,
} from "../distributed/solve.ts";

export type { AreaBackend } from "../distributed/area-solver.ts";
export {
  type AreaSolveRecord,
  type BoundaryExchange,
  type EnappHistoryTables,
  historyTables,
  type MacroIteration,
} from "../distributed/records.ts";
export { composeSolution } from "../distributed/solve.ts";

/** How an ENApp run ended. */
export type EnappStatus = DistributedStatus;
/** Times of a run (s). */
export type EnappTimes = DistributedTimes;
/** One-object summary of an ENApp run. */
export type EnappSummary = DistributedSummary;
/** Everything an ENApp run produced. */
export type EnappSolution = DistributedSolution;

/**
 * Run ENApp on a scenario and a partition of its network. Area solves go to `backend` (a worker pool solves
 * them in parallel). Bad input (partition, options, scenario) throws `InputError`; non-convergence and failed
 * area solves are statuses of the result.
 */
export function solveEnapp(
  scenario: Scenario,
  partition: Partition,
  backend: AreaBackend,
  userOptions: Partial<EnappOptions> & Pick<DistributedUserOptions, "comms" | "run"> = {},
  onIteration?: (it: MacroIteration) => void,
): Promise<EnappSolution> {
  const { tolerances, ...rest } = userOptions;
  return solveDistributed(
    scenario,
    partition,
    backend,
    { ...rest, tolerances, method: "enapp" },
    onIteration,
  );
}
