/**
 * The head-to-head of the distributed methods on one feeder and one set of areas (issue 17): the centralized
 * solve, then ENApp, ADMM and APP on the same decomposition, agents and transport, each under the same
 * communication conditions; per method the iterations, messages and bytes, wall time, critical path (Σ over
 * iterations of the slowest area), the objective gap to the centralized optimum, the largest boundary mismatch
 * and the replay discrepancy of the final set-points in the OpenDSS-compatible engine. Used by
 * `mpopf compare-methods` and `npm run bench distributed`.
 */
import { availableParallelism, loadavg } from "node:os";
import { type PartitionQuality, partitionQuality } from "../../models/auto-partition.ts";
import type { Partition } from "../../models/partition.ts";
import type { Scenario } from "../../models/types.ts";
import type { RenderedFigure } from "../../reports/figures/render.ts";
import { type ResidualSeries, residualsFigure } from "../../reports/figures/residuals.ts";
import { FORMATS, type ReportTable } from "../../reports/index.ts";
import { METHOD_LABELS, type MethodName } from "../../solvers/distributed/messages.ts";
import type { CommsOptions, DistributedUserOptions } from "../../solvers/distributed/options.ts";
import { type DistributedSolution, solveDistributed } from "../../solvers/distributed/solve.ts";
import { createSolverPool } from "../../solvers/ipopt/index.ts";
import type { MpopfTables } from "../../solvers/mpopf/decode.ts";
import { type MpopfSolution, solveMpopf } from "../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../solvers/nlp/types.ts";
import { metricMaxima } from "../../validation/replay/metrics.ts";
import { replayDispatch } from "../../validation/replay/replay.ts";

export { METHOD_LABELS };

/** A communication condition of the comparison. */
export interface CommsCondition {
  label: string;
  comms: Partial<CommsOptions>;
}

/** Perfect synchronous communication. */
export const SYNC: CommsCondition = { label: "synchronous", comms: {} };

/** What to compare. */
export interface CompareSetup {
  methods: MethodName[];
  conditions: CommsCondition[];
  /** Options shared by every method (tolerances, initial guess, reverse flow, iteration limit …). */
  options?: DistributedUserOptions;
  /** Per-method options over the shared ones. */
  perMethod?: Partial<Record<MethodName, DistributedUserOptions>>;
  /** Replay every final set-point in the OpenDSS-compatible engine (model-consistent deck). */
  replay: boolean;
  /** Worker threads for the area solves (default: the smaller of the number of areas and of CPUs). */
  workers?: number;
  /** The centralized solve's solver (in this thread). */
  solver: NlpSolver;
  progress?: (msg: string) => void;
}

/** The replay discrepancy of a solution's set-points (power flow − optimizer, largest over hours). */
export interface ReplaySummary {
  maxVPu: number;
  maxPSubsKw: number;
  nonConvergedHours: number;
  seconds: number;
}

/** One row of the head-to-head table. */
export interface CompareRow {
  method: string;
  comms: string;
  status: string;
  /** Iterations (rounds) and area solves; null for the centralized solve. */
  iterations: number | null;
  areaSolves: number | null;
  messages: number | null;
  megabytes: number | null;
  /** Wall time of the whole method here (s). */
  wallSeconds: number;
  /** Σ over iterations of the slowest area's solve (distributed), the solve (centralized), s. */
  criticalPathSeconds: number;
  /** The same with problem construction and waiting for lost messages. */
  criticalPathTotalSeconds: number;
  /** Critical path / the centralized solve time of the same run. */
  criticalPathRatio: number | null;
  objective: number;
  /** (objective − centralized) / centralized, %. */
  gapPct: number | null;
  /** Largest final boundary mismatch: P or Q (kW/kVAr) and |V| (pu). */
  mismatchKw: number | null;
  mismatchVPu: number | null;
  /** Replay: largest |ΔV| (pu) and |ΔP_subs| (kW). */
  replayVPu: number | null;
  replayPSubsKw: number | null;
}

/** One method run under one condition. */
export interface MethodRun {
  method: MethodName;
  condition: CommsCondition;
  solution: DistributedSolution;
  replay: ReplaySummary | null;
}

/** Everything the comparison produced. */
export interface CompareResult {
  scenario: string;
  T: number;
  buses: number;
  partition: PartitionQuality;
  central: MpopfSolution;
  centralReplay: ReplaySummary | null;
  runs: MethodRun[];
  rows: CompareRow[];
  workers: number;
  /** Load average (1, 5, 15 min) before and after: timings on a shared machine need it. */
  loadBefore: number[];
  loadAfter: number[];
}

async function replaySummary(scenario: Scenario, tables: MpopfTables, label: string): Promise<ReplaySummary> {
  const t0 = performance.now();
  const r = await replayDispatch(scenario.network, scenario, tables, "model-consistent", { label });
  const max = metricMaxima(r.comparison);
  const get = (m: string) => Math.abs(max.find((e) => e.metric === m)?.diff ?? Number.NaN);
  return {
    maxVPu: get("voltagePu"),
    maxPSubsKw: get("pSubsKw"),
    nonConvergedHours: r.comparison.hours.filter((h) => h.status !== "converged").length,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Run the centralized solve and every method under every condition. */
export async function compareMethods(
  scenario: Scenario,
  partition: Partition,
  setup: CompareSetup,
): Promise<CompareResult> {
  const progress = setup.progress ?? (() => {});
  const loadBefore = loadavg();
  const quality = partitionQuality(scenario, partition);
  progress(
    `${scenario.name}: ${scenario.network.buses.length} buses, T = ${scenario.T}; ${partition.areas.length} areas (${partition.name}), area-tree depth ${quality.depth}, largest / mean size ${quality.imbalance.toFixed(3)}`,
  );
  progress("centralized solve");
  const t0 = performance.now();
  const central = solveMpopf({ scenario }, setup.solver);
  const centralWall = (performance.now() - t0) / 1000;
  progress(`centralized: ${central.summary.status}, ${central.summary.solveSeconds.toFixed(2)} s solve`);
  const centralReplay =
    setup.replay && central.valid ? await replaySummary(scenario, central.tables, "MPCOPF") : null;
  const cap = Math.max(1, Math.min(partition.areas.length, availableParallelism()));
  const workers = Math.min(setup.workers ?? cap, cap);
  const pool = await createSolverPool({ size: workers });
  const runs: MethodRun[] = [];
  try {
    for (const condition of setup.conditions) {
      for (const method of setup.methods) {
        progress(`${METHOD_LABELS[method]} (${condition.label})`);
        const solution = await solveDistributed(
          scenario,
          partition,
          { kind: "pool", pool },
          {
            ...setup.options,
            ...setup.perMethod?.[method],
            method,
            comms: { ...setup.options?.comms, ...condition.comms },
          },
          (it) => {
            if (it.k % 10 === 0 || it.converged)
              progress(
                `  ${METHOD_LABELS[method]} k=${it.k}: ${it.resPKw.toExponential(2)} kW, ${it.resQKvar.toExponential(2)} kVAr, ${it.resVPu.toExponential(2)} pu`,
              );
          },
        );
        progress(
          `  ${solution.summary.status} after ${solution.macroIterations} iterations: ${solution.message}`,
        );
        const replay =
          setup.replay && solution.valid
            ? await replaySummary(scenario, solution.tables, `MPDOPF-${method}`)
            : null;
        runs.push({ method, condition, solution, replay });
      }
    }
  } finally {
    await pool.close();
  }
  const cs = central.summary;
  const rows: CompareRow[] = [
    {
      method: "centralized",
      comms: "",
      status: cs.status,
      iterations: null,
      areaSolves: null,
      messages: null,
      megabytes: null,
      wallSeconds: centralWall,
      criticalPathSeconds: cs.solveSeconds,
      criticalPathTotalSeconds: cs.solveSeconds + cs.buildSeconds,
      criticalPathRatio: 1,
      objective: cs.objective,
      gapPct: 0,
      mismatchKw: null,
      mismatchVPu: null,
      replayVPu: centralReplay?.maxVPu ?? null,
      replayPSubsKw: centralReplay?.maxPSubsKw ?? null,
    },
    ...runs.map((r): CompareRow => {
      const s = r.solution.summary;
      return {
        method: METHOD_LABELS[r.method],
        comms: r.condition.label,
        status: s.status,
        iterations: s.macroIterations,
        areaSolves: s.areaSolves,
        messages: s.messages,
        megabytes: s.bytes / 1e6,
        wallSeconds: s.wallSeconds,
        criticalPathSeconds: s.criticalPathSeconds,
        criticalPathTotalSeconds: s.criticalPathTotalSeconds,
        criticalPathRatio: s.criticalPathSeconds / cs.solveSeconds,
        objective: s.objective,
        gapPct: (100 * (s.objective - cs.objective)) / Math.abs(cs.objective),
        mismatchKw: Math.max(s.resPKw, s.resQKvar),
        mismatchVPu: s.resVPu,
        replayVPu: r.replay?.maxVPu ?? null,
        replayPSubsKw: r.replay?.maxPSubsKw ?? null,
      };
    }),
  ];
  return {
    scenario: scenario.name,
    T: scenario.T,
    buses: scenario.network.buses.length,
    partition: quality,
    central,
    centralReplay,
    runs,
    rows,
    workers,
    loadBefore,
    loadAfter: loadavg(),
  };
}

/** The head-to-head as a report table (markdown, LaTeX, CSV, HTML through reports' renderer). */
export async function compareReportTable(
  result: CompareResult,
  id = "table-head-to-head",
): Promise<ReportTable> {
  const { from } = await import("arquero");
  const data = from(
    result.rows.map((r) => ({
      ...r,
      comms: r.comms || "–",
      megabytes: r.megabytes,
    })),
  );
  const f = FORMATS;
  const q = result.partition;
  const guess = result.runs[0]?.solution.options.initialGuess;
  return {
    spec: {
      id,
      title: `Head-to-head: ${result.scenario}, ${q.areas} areas`,
      caption: `Centralized MPOPF vs ENApp, ADMM and APP on the same ${q.areas} areas (${q.name}; area-tree depth ${q.depth}, largest / mean size ${q.imbalance.toFixed(2)}), T = ${result.T}, ${result.buses} buses, ${result.workers} worker threads${guess ? `, first boundary guess ${guess} for every method` : ""}.`,
      columns: [
        { key: "method", label: "Method" },
        { key: "comms", label: "Communication" },
        { key: "status", label: "Status" },
        { key: "iterations", label: "Iterations", format: f.index },
        { key: "areaSolves", label: "Area solves", format: f.index },
        { key: "messages", label: "Messages", format: f.index },
        { key: "megabytes", label: "Bytes", unit: "MB", format: f.seconds },
        { key: "wallSeconds", label: "Wall", unit: "s", format: f.seconds },
        { key: "criticalPathSeconds", label: "Critical path", unit: "s", format: f.seconds },
        { key: "criticalPathRatio", label: "Critical path / centralized", format: f.seconds },
        { key: "objective", label: "Objective", format: f.cost },
        { key: "gapPct", label: "Gap", unit: "%", format: f.vDiff },
        { key: "mismatchKw", label: "Boundary mismatch", unit: "kW", format: f.powerDiff },
        { key: "mismatchVPu", label: "Boundary mismatch", unit: "pu", format: f.vDiff },
        { key: "replayVPu", label: "Replay max |ΔV|", unit: "pu", format: f.vDiff },
        { key: "replayPSubsKw", label: "Replay max |ΔP_subs|", unit: "kW", format: f.powerDiff },
      ],
      notes: [
        "Critical path: Σ over iterations of the slowest area's solve (one controller per area); centralized: its solve. Wall: here, areas on the worker pool.",
        "Gap: the centralized objective at the composed solution vs the centralized optimum. Boundary mismatch: largest final |computed − used| (ENApp) or |parent's copy − child's copy| (ADMM/APP). Replay: model-consistent OpenDSS-compatible power flow of the final set-points, largest |power flow − optimizer|.",
        `Load average before / after: ${result.loadBefore.map((v) => v.toFixed(2)).join(" ")} / ${result.loadAfter.map((v) => v.toFixed(2)).join(" ")} (2 cores shared).`,
      ],
    },
    data,
  };
}

/** Residual histories (in units of their tolerances) per method run, for the residuals figure. */
export function residualSeries(result: CompareResult): ResidualSeries[] {
  return result.runs.map((r) => {
    const h = r.solution.history;
    const tol = r.solution.options.tolerances;
    const dualTol = r.solution.options.dualTolerance;
    const cond = result.runs.some((o) => o.condition.label !== r.condition.label)
      ? `, ${r.condition.label}`
      : "";
    return {
      method: `${METHOD_LABELS[r.method]}${cond}`,
      k: h.map((it) => it.k),
      p: h.map((it) => it.resPKw / tol.pKw),
      q: h.map((it) => it.resQKvar / tol.qKvar),
      v: h.map((it) => it.resVPu / tol.vPu),
      dual: r.method === "enapp" ? [] : h.map((it) => Math.max(it.dualV, it.dualP, it.dualQ) / dualTol),
    };
  });
}

/** The residuals-vs-iterations figure rendered (vega-lite spec, SVG, PNG); loads the renderer on demand. */
export async function renderResidualsFigure(
  series: ResidualSeries[],
  id = "fig-residuals",
): Promise<RenderedFigure> {
  const { renderFigure } = await import("../../reports/figures/render.ts");
  return renderFigure(residualsFigure(series, id));
}
