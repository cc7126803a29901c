/** Public API of the distributed methods (ENApp, ADMM, APP): agents, messages, transport, coordinator. */
export { AgentBase, type AreaAgent } from "./agent.ts";
export { ConsensusAgent } from "./agent-consensus.ts";
export { EnappAgent } from "./agent-enapp.ts";
export { type AreaBackend, type AreaSolver, areaSolver } from "./area-solver.ts";
export {
  type CoordinationResult,
  type CoordinatorSetup,
  coordinate,
  type DistributedStatus,
} from "./coordinator.ts";
export {
  type DecomposeOptions,
  type Decomposition,
  decompose,
  type EnappArea,
  type EnappBoundary,
} from "./decompose.ts";
export {
  type BoundaryMessage,
  type Direction,
  type Expectation,
  MESSAGE_SCHEMA,
  MESSAGE_VERSION,
  METHOD_LABELS,
  METHOD_QUANTITIES,
  METHODS,
  type MethodName,
  messageBytes,
  QUANTITIES,
  type Quantity,
  validateMessage,
} from "./messages.ts";
export {
  type AdmmOptions,
  type AppOptions,
  type CommsOptions,
  DEFAULT_ADMM_OPTIONS,
  DEFAULT_APP_OPTIONS,
  DEFAULT_MAX_ITERATIONS,
  type DistributedOptions,
  type DistributedUserOptions,
  PERFECT_COMMS,
  resolveDistributedOptions,
} from "./options.ts";
export type {
  AgentSpec,
  AreaFinal,
  BoundaryGuess,
  DownBoundarySpec,
  StepReply,
  StepRequest,
  StepSolve,
  UpBoundarySpec,
} from "./protocol.ts";
export {
  type AreaSolveRecord,
  type BoundaryExchange,
  type EnappHistoryTables,
  historyTables,
  type MacroIteration,
} from "./records.ts";
export {
  agentSpecs,
  composeSolution,
  createAgent,
  type DistributedSolution,
  type DistributedSummary,
  type DistributedTimes,
  invalidAreaMessages,
  solveDistributed,
} from "./solve.ts";
export { InProcessTransport, type Transport } from "./transport.ts";
