/** Public API of the set-point replay (co-simulation harness): decks, replay, discrepancies, thresholds. */
export {
  type CompareInput,
  compareReplay,
  comparisonFromJson,
  comparisonToJson,
  convergedHours,
  DEFAULT_FINDING_TOLERANCES,
  type FindingTolerances,
  OPENDSS_DEFAULT_C1_NF,
  type ReplayComparison,
  type ReplaySeries,
} from "./compare.ts";
export {
  buildDeck,
  DECK_FILES,
  type DeckCommand,
  deckCommands,
  describeFlavour,
  hourFileName,
  LOAD_SHAPE,
  OPENDSS_DEFAULT_BANDS,
  resolveDeckOptions,
} from "./deck.ts";
export { dispatchFromTables, readSolutionTables } from "./dispatch.ts";
export { type EnappReplayBound, type EnappResiduals, enappLimits, enappReplayBound } from "./enapp-bound.ts";
// The engine adapter (./opendss-engine.ts) is not re-exported: importing it loads the whole engine, which
// createDefaultEngine does on demand.
export { createDefaultEngine, defaultEngineAvailable, EngineUnavailableError } from "./engine.ts";
export {
  largest,
  METRIC_NAMES,
  METRICS,
  type MetricEntry,
  type MetricMax,
  type MetricName,
  metricEntries,
  metricMaxima,
} from "./metrics.ts";
export { dssNumber, sanitizeDssName, uniqueDssNames } from "./names.ts";
export { emptyObservation, observeHour } from "./observe.ts";
export {
  DeckCompileError,
  type DeckRun,
  type FileSink,
  REPLAY_DIR,
  type ReplayOptions,
  type ReplayResult,
  type ReplayRunInput,
  readRunComparisons,
  replayDispatch,
  replayFolder,
  replayRun,
  runDeck,
  writeReplay,
} from "./replay.ts";
export { checkSetpoints, DEFAULT_SETPOINT_TOLERANCES, type SetpointTolerances } from "./setpoints.ts";
export { powerFlowResultSet, type ReplayTables, replayTables } from "./tables.ts";
export {
  checkThresholds,
  DEFAULT_THRESHOLDS,
  effectiveLimits,
  formatViolation,
  loadThresholds,
  type MetricLimit,
  type MetricLimits,
  parseThresholds,
  type ThresholdReport,
  type Thresholds,
  type ThresholdViolation,
} from "./thresholds.ts";
export type * from "./types.ts";
export { DECK_FLAVOURS } from "./types.ts";
export { type RunValidation, validateRunDir } from "./validate-run.ts";
