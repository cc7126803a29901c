/**
 * The mpopf library (`import … from "mpopf"`): the study pipeline as typed functions — load a case, build a
 * study and its per-unit scenario, solve centralized (MPCOPF) and with ENApp (MPDOPF), replay a solution in
 * the OpenDSS-compatible engine, check regression thresholds, build a report, write and read run
 * directories — plus the one result schema and run-directory layout. The `mpopf` CLI is a thin wrapper over
 * these. The two components others reuse on their own have their own entries: `mpopf/ipopt` (Ipopt in
 * WebAssembly behind a solver-neutral NLP interface) and `mpopf/opendss` (the OpenDSS-compatible engine).
 */

export {
  autoPartition,
  busSizes,
  type PartitionQuality,
  partitionCsv,
  partitionQuality,
} from "../models/auto-partition.ts";
// --- cases, studies, scenarios (models/) -----------------------------------------------------------------
export {
  buildFeeder,
  type FeederSpec,
  networkOf,
  type SeriesStudy,
  scenarioFromSeries,
} from "../models/build.ts";
export { BUILTIN_CASES, caseFromFeeder, loadCase, type StudyCase } from "../models/case.ts";
export { InputError, type InputErrorCode, type InputLocation } from "../models/errors.ts";
export type * from "../models/feeder.ts";
export { type GenerateOptions, generateFeeder } from "../models/generate.ts";
export type { Area, Boundary, Partition } from "../models/partition.ts";
export * from "../models/results.ts";
export * from "../models/run-layout.ts";
export {
  buildScenario,
  buildStudy,
  type DerSource,
  placeByRule,
  type ScenarioRequest,
  type Study,
} from "../models/scenario.ts";
export { toMath } from "../models/transform.ts";
export type * from "../models/types.ts";
export { PAPER_FORMULATION } from "../models/types.ts";
export { batteryRatings, demandKw, pvRatings } from "../models/units.ts";
export { type CaseWriteOptions, caseFiles } from "../models/write-case.ts";
// --- reports/ --------------------------------------------------------------------------------------------
export {
  buildReport,
  type EnappHistory,
  type ReportInput,
  type ReportOptions,
  type ReportOutput,
  readRunDir,
  renderTable,
  runDirFiles,
  table2,
  table3,
  table4,
} from "../reports/index.ts";
export {
  type DistributedSolution,
  type DistributedSummary,
  type DistributedUserOptions,
  METHOD_LABELS,
  METHODS,
  type MethodName,
  solveDistributed,
} from "../solvers/distributed/index.ts";
// --- solvers/ --------------------------------------------------------------------------------------------
export type {
  EnappOptions,
  EnappSolution,
  EnappSummary,
  MacroIteration,
} from "../solvers/enapp/index.ts";
export { DEFAULT_ENAPP_OPTIONS } from "../solvers/enapp/index.ts";
export {
  MPOPF_SETTINGS,
  type MpopfSolution,
  type MpopfSummary,
  type SelfCheck,
} from "../solvers/mpopf/index.ts";
export type {
  NlpProblem,
  NlpResult,
  NlpSettings,
  NlpSolveOptions,
  NlpSolver,
  NlpSolverIdentity,
  NlpStatus,
} from "../solvers/nlp/types.ts";
// an OpenDSS deck in: the engineering model (exact per phase, or a balanced equivalent) and the deck's record
export {
  type DssDeckInfo,
  type DssImport,
  type DssImportOptions,
  importDss,
  type PriceSource,
  readDeckInfo,
} from "../validation/dss-import/import.ts";
// --- validation/ -----------------------------------------------------------------------------------------
export {
  powerFlowResultSet,
  type ReplayComparison,
  type ReplayOptions,
  type ReplayResult,
  type ReplayTables,
  replayDispatch,
} from "../validation/replay/index.ts";
export {
  type OriginalDeckOptions,
  type OriginalDeckResult,
  phaseSummary,
  replayOriginalDeck,
} from "../validation/replay/original-deck.ts";
export {
  checkThresholds,
  DEFAULT_THRESHOLDS,
  formatViolation,
  loadThresholds,
  mergeThresholds,
  parseThresholds,
  type ThresholdReport,
  type Thresholds,
  type ThresholdViolation,
} from "../validation/replay/thresholds.ts";
export { DECK_FLAVOURS, type DeckFlavour } from "../validation/replay/types.ts";
// --- the pipeline (harness/) -----------------------------------------------------------------------------
export { checkRunDir, isRunDir, RUN_MARKER, RunDirWriter } from "./run-dir.ts";
export { formatQuality, resolveAreas } from "./study/areas.ts";
export { importCase, type LoadedCase, loadStudyCase } from "./study/case-source.ts";
export { type CaseSummary, formatCaseSummary, summariseCase } from "./study/case-summary.ts";
export {
  type CommsCondition,
  type CompareResult,
  type CompareRow,
  type CompareSetup,
  compareMethods,
  compareReportTable,
  type MethodRun,
  type ReplaySummary,
  renderResidualsFigure,
  residualSeries,
  SYNC,
} from "./study/compare.ts";
export { pickPartition, type RunEnappOptions, runEnapp } from "./study/enapp.ts";
export {
  formatEnappSummary,
  formatMacroIteration,
  formatSummary,
  periodText,
  publicSummary,
  replayProgress,
  solverProgress,
  WITHHELD,
} from "./study/format.ts";
export { isReportFile, renderRunReport, writeReportFiles } from "./study/report.ts";
export { type RunStudyOptions, type RunStudyResult, runStudy } from "./study/run.ts";
export {
  replaySolution,
  type SolveCentralOptions,
  type SolveEnappOptions,
  solveCentral,
  solveEnapp,
} from "./study/solve.ts";
export { createSolver, ipoptOptionProblem, type SolverBackend } from "./study/solver.ts";
export {
  horizonPoints,
  type InvalidSolve,
  type PreparedStudy,
  prepareStudy,
  type StudyOptions,
  type StudyResult,
  solveStudy,
} from "./study/study.ts";
export { type RunVerdict, validateRun } from "./study/validate.ts";
export { studyManifest, studyReportInput, type WriteStudyOptions, writeStudy } from "./study/write.ts";
