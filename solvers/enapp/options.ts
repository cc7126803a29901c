/** ENApp's options moved to `solvers/distributed/options.ts` (shared with ADMM and APP). */
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
