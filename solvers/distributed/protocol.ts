/**
 * The agent protocol: what an area agent is built from (`AgentSpec`), what it is asked to do each step
 * (`StepRequest`), what it answers (`StepReply`) and what it finally hands over (`AreaFinal`). Requests and
 * replies are JSON-safe and versioned like the boundary messages, so a transport can carry them between
 * threads, processes or hosts; the in-process transport round-trips them through JSON to keep them honest.
 */
import type { Scenario } from "../../models/types.ts";
import type { NlpSolverIdentity, NlpStatus } from "../nlp/types.ts";
import type { BoundaryMessage, MethodName } from "./messages.ts";
import type { DistributedOptions } from "./options.ts";

export const STEP_SCHEMA = "mpopf.step" as const;
export const PROTOCOL_VERSION = 1 as const;

/** First boundary values (per period, pu): |V| at the parent-side bus, power into the child. */
export interface BoundaryGuess {
  vm: number[];
  p: number[];
  q: number[];
}

/** The boundary to an area's parent, as the child sees it. */
export interface UpBoundarySpec {
  boundary: string;
  /** The parent area's id. */
  neighbour: string;
  /** Resistance from the substation down to the parent-side bus (pu; ENApp marginal proximal weight). */
  rPathPu: number;
  initial: BoundaryGuess;
}

/** A boundary to one of an area's children, as the parent sees it. */
export interface DownBoundarySpec {
  boundary: string;
  /** The child area's id. */
  neighbour: string;
  /** Local index (in the parent's sub-network) of the parent-side bus, where the child draws its power. */
  localBus: number;
  /** Half the boundary branch's charging susceptance (pu; 0 without line charging). */
  bHalfPu: number;
  initial: BoundaryGuess;
}

/**
 * Everything one area agent is built from — its own data only: its scenario (sub-network, loads, DERs,
 * profiles, prices), its boundaries (ids, neighbour ids, where they attach) and the method's options.
 */
export interface AgentSpec {
  run: string;
  method: MethodName;
  area: string;
  isRoot: boolean;
  scenario: Scenario;
  up: UpBoundarySpec | null;
  down: DownBoundarySpec[];
  options: DistributedOptions;
  /**
   * The run's objective weight (the area's own may be 0: a child's price term under ENApp's marginal coupling
   * and ADMM/APP); with the scenario's prices it gives the energy price that starts and scales the prices.
   */
  objectiveWeight: number;
}

/** One step of an agent: the messages delivered to it since its previous step. */
export interface StepRequest {
  schema: typeof STEP_SCHEMA;
  version: typeof PROTOCOL_VERSION;
  run: string;
  /** The coordinator's round (1-based). */
  k: number;
  /** Delivered messages (any order; duplicates and old ones are dropped by the agent). Unvalidated. */
  inbox: unknown[];
}

/** The area's solve in one step. */
export interface StepSolve {
  status: NlpStatus;
  success: boolean;
  message: string;
  ipoptIterations: number;
  /** The area's NLP objective at its solution (including the method's price and penalty terms). */
  objective: number;
  /** Solver wall time (s), excluding problem construction. */
  solveSeconds: number;
  /** Problem construction where the solve ran (s; 0 when unknown). */
  setupSeconds: number;
  warm: boolean;
}

/** An agent's answer to a step. */
export interface StepReply {
  schema: typeof STEP_SCHEMA;
  version: typeof PROTOCOL_VERSION;
  run: string;
  k: number;
  area: string;
  solve: StepSolve;
  /** Messages to the neighbours (empty when the solve failed). */
  outbox: BoundaryMessage[];
  /**
   * The area's own horizon totals at this step: line loss (kWh); the root also the substation energy (kWh), cost
   * ($) and, with a peak cap, by how much its head power exceeds the cap (kW, largest over the periods; the
   * root's cap is elastic, and convergence requires it met).
   */
  totals: { lossKwh: number; pSubsKwh: number | null; costUsd: number | null; capExcessKw?: number };
  /** Messages rejected on receipt, with the reason (a malformed or foreign message never crashes an agent). */
  rejected: string[];
}

/** What an agent hands over at the end: its final local solution and its own check of it. */
export interface AreaFinal {
  area: string;
  /** The last solve's primal point in the area's own layout. */
  x: number[];
  /** The last solve succeeded and passed the area's self-check. */
  valid: boolean;
  message: string;
  maxResidualPu: number;
  maxViolationPu: number;
  solver: NlpSolverIdentity;
}
