/**
 * OpenDSS-compatible power-flow engine (single entry point). Reads OpenDSS scripts, solves with
 * OpenDSS's nodal current-injection method and reports in OpenDSS's conventions. Knows nothing
 * about the optimizer.
 */
export { OpenDSS } from "./api.ts";
export { DssEngine, type DssEngineOptions } from "./engine.ts";
export { DssError, type DssErrorKind, type ScriptLocation } from "./errors.ts";
export {
  circuitTotals,
  type ElementResult,
  elementResult,
  type NodeResult,
  nodeResults,
  type RegControlResult,
  regControlResults,
  type SnapshotResult,
  snapshot,
  type TerminalResult,
} from "./report.ts";
export { type RunOptions, type RunReport, runDeck, splitSteps } from "./run.ts";
export { formatValue, type WriteOptions, writeScript } from "./writer.ts";
