/** What a distributed run records per iteration, and its history tables (arquero). */
import { type ColumnTable, from } from "arquero";
import { columnNames } from "../../models/results.ts";
import type { NlpStatus } from "../nlp/types.ts";

/** One area solve of one iteration. */
export interface AreaSolveRecord {
  area: string;
  status: NlpStatus;
  success: boolean;
  /** Ipopt iterations. */
  ipoptIterations: number;
  /** The area's NLP objective (its own objective plus the method's price and penalty terms). */
  objective: number;
  /** Solver wall time in the worker (s), excluding problem construction. */
  solveSeconds: number;
  /** Problem construction where the solve ran (s). */
  setupSeconds: number;
  /** Whether the solve was warm-started from the area's previous step. */
  warm: boolean;
}

/**
 * The values at one boundary in one iteration, per period (arrays of length T). ENApp: the parent's computed
 * |V| and the child's computed head power, against what the other side used. ADMM/APP: the parent's copy of
 * |V| against the child's, the child's copy of P, Q against the parent's port draw.
 */
export interface BoundaryExchange {
  boundary: string;
  /** The other side's value: |V| the child used (ENApp) or the child's copy (ADMM/APP); P, Q the parent used / its copy. */
  usedVPu: Float64Array;
  usedPKw: Float64Array;
  usedQKvar: Float64Array;
  /** The owner's value: the parent's |V| at the boundary bus and the child's head power. */
  vPu: Float64Array;
  pKw: Float64Array;
  qKvar: Float64Array;
  /** Largest |owner − other| over the periods (pu, kW, kVAr): the primal residual / boundary mismatch. */
  resVPu: number;
  resPKw: number;
  resQKvar: number;
}

/** The record of one iteration (a synchronous round of the coordinator). */
export interface MacroIteration {
  k: number;
  /** The areas that stepped in this round (all of them unless updates are asynchronous). */
  areas: AreaSolveRecord[];
  boundaries: BoundaryExchange[];
  /** Largest primal residuals over boundaries and periods (pu, kW, kVAr). */
  resVPu: number;
  resPKw: number;
  resQKvar: number;
  /**
   * ADMM/APP: the dual residual s = ρ·(z − z_previous) per quantity (on |V|², P, Q): its root mean square over
   * boundaries and periods as a fraction of c̄, the mean energy price of one pu over one period; ENApp 0. The
   * stopping rule takes √(dualV² + dualP² + dualQ²).
   */
  dualV: number;
  dualP: number;
  dualQ: number;
  /** ADMM/APP: the penalties (ρ or α) in use, as multiples of c̄: smallest and largest over boundaries, on power and on |V|². */
  penaltyPowerMin: number;
  penaltyPowerMax: number;
  penaltyVoltageMin: number;
  penaltyVoltageMax: number;
  /** Every boundary within every tolerance (primal and, for ADMM/APP, dual) and every area solved. */
  converged: boolean;
  /** Horizon totals of the areas' latest solutions: line loss (kWh), substation energy (kWh), substation cost ($). */
  lossKwh: number;
  pSubsKwh: number;
  costUsd: number;
  /** Wall time of the round (s). */
  seconds: number;
  /** Sum of the area solve times (s). */
  sequentialSeconds: number;
  /** Largest area solve time (s): the round's critical path with one worker per area. */
  criticalPathSeconds: number;
  /** Largest area solve + problem construction, plus the round's waiting for lost messages (s). */
  criticalPathTotalSeconds: number;
  /** Decision values exchanged (v down, P and Q up, prices; per boundary and period): the methods' payload. */
  valuesExchanged: number;
  /** ENApp marginal coupling: largest change of a head-power price relative to its size since the last round. */
  resPrice: number;
  /** Transmissions (retransmissions included) and their bytes as JSON. */
  messages: number;
  bytes: number;
  retransmissions: number;
  /** Messages given up after every retry (the receiver kept its last value). */
  dropped: number;
  /** Time the round waited for lost messages (timeouts), s. */
  commSeconds: number;
  /** Messages rejected on receipt (malformed or foreign). */
  rejected: number;
}

/** History tables (arquero), column names per the reports' input contract (reports/README.md). */
export interface EnappHistoryTables {
  /** Per k: k, resVPu, resPKw, resQKvar, lossKwh, pSubsKwh, costUsd, seconds, sequentialSeconds,
   * criticalPathSeconds, valuesExchanged, then dualV, dualP, dualQ, messages, bytes, retransmissions,
   * dropped, commSeconds, activeAreas, criticalPathTotalSeconds. */
  iterations: ColumnTable;
  /** Per k, boundary, t: k, boundary, t, pKw, qKvar (into the child), vPu (the parent's boundary voltage), computed at k;
   * plus usedPKw, usedQKvar, usedVPu (the other side's values at k). */
  boundaries: ColumnTable;
  /** Per k and area: k, area, status, ipoptIterations, objective, solveSeconds, setupSeconds, warm. */
  areas: ColumnTable;
  /** Per k and boundary: k, boundary, resVPu, resPKw, resQKvar (largest over the periods). */
  residuals: ColumnTable;
}

/** Build the history tables from the iteration records (columns named as in `EnappHistoryTables`). */
export function historyTables(history: MacroIteration[]): EnappHistoryTables {
  // The column lists of the one schema (models/results.ts ENAPP_SCHEMA).
  const iterations = from(
    history.map((h) => ({ ...h, activeAreas: h.areas.length })),
    columnNames("iterations"),
  );
  const boundaryRows = history.flatMap((h) =>
    h.boundaries.flatMap((b) =>
      Array.from(b.pKw, (_, t) => ({
        k: h.k,
        boundary: b.boundary,
        t: t + 1,
        pKw: b.pKw[t],
        qKvar: b.qKvar[t],
        vPu: b.vPu[t],
        usedPKw: b.usedPKw[t],
        usedQKvar: b.usedQKvar[t],
        usedVPu: b.usedVPu[t],
      })),
    ),
  );
  const boundaries = from(boundaryRows, columnNames("boundaries"));
  const residuals = from(
    history.flatMap((h) => h.boundaries.map((b) => ({ ...b, k: h.k }))),
    ["k", "boundary", "resVPu", "resPKw", "resQKvar"],
  );
  const areas = from(
    history.flatMap((h) => h.areas.map((a) => ({ ...a, k: h.k }))),
    ["k", "area", "status", "ipoptIterations", "objective", "solveSeconds", "setupSeconds", "warm"],
  );
  return { iterations, boundaries, areas, residuals };
}
