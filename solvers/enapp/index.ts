/** Public API of ENApp, the spatially distributed multi-period OPF (MPDOPF). */

export {
  AUTHORS_RELAXATION,
  AUTHORS_TOLERANCES,
  type Coupling,
  DEFAULT_ENAPP_OPTIONS,
  DEFAULT_TOLERANCES,
  type EnappOptions,
  type EnappTolerances,
  type InitialGuess,
  type RelaxationSchedule,
  resolveEnappOptions,
} from "../distributed/options.ts";
export {
  type DecomposeOptions,
  type Decomposition,
  decompose,
  type EnappArea,
  type EnappBoundary,
} from "./decompose.ts";
export type { AreaBackend } from "./enapp.ts";
export {
  type AreaSolveRecord,
  type BoundaryExchange,
  composeSolution,
  type EnappHistoryTables,
  type EnappSolution,
  type EnappStatus,
  type EnappSummary,
  type EnappTimes,
  historyTables,
  type MacroIteration,
  solveEnapp,
} from "./enapp.ts";
