/** Public API of the multi-period OPF formulation and the centralized solve. */
export { type SelfCheck, selfCheck } from "./check.ts";
export {
  decodeMpopf,
  type HeadPower,
  headPower,
  type MpopfTables,
  type MpopfTotals,
} from "./decode.ts";
export { codedInitialPoint, type InitialPointKind, powerFlowInitialPoint } from "./initial.ts";
export { describeVar, extractKind, type MpopfLayout, type VariableKind, varIndex } from "./layout.ts";
export {
  buildMpopfModel,
  CONSTRAINT_FAMILIES,
  type ConstraintFamily,
  DEFAULT_INITIAL_POINT,
  type FamilyRange,
  type MpopfModel,
} from "./model.ts";
export type { ExtraLoad, MpopfInput, MpopfParams } from "./params.ts";
export {
  finishMpopf,
  MPOPF_SETTINGS,
  type MpopfSolution,
  type MpopfSolveOptions,
  type MpopfSummary,
  mpopfFactoryRef,
  mpopfProblemFactory,
  solveMpopf,
} from "./solve.ts";
