/**
 * How a study's solves are printed and recorded: human summaries (what `mpopf solve` prints), the public
 * JSON summary (result numbers withheld for an invalid solve), one line per ENApp macro-iteration.
 * Horizon totals are energies: Σ_t value·Δt in kWh / kVArh (cost in $); the peak is a power (kW).
 */

import type { EnappSummary, MacroIteration } from "../../solvers/enapp/index.ts";
import type { MpopfSummary } from "../../solvers/mpopf/solve.ts";
import type { NlpSolveOptions } from "../../solvers/nlp/types.ts";
import type { Attribution } from "../../validation/replay/attribution.ts";

/** The result numbers of a summary: withheld (null) when the solve is not valid. */
export const RESULT_FIELDS = ["objective", "lossKwh", "pSubsKwh", "qSubsKvarh", "costUsd", "peakKw"] as const;

/** Printed when a solve is not valid, in place of its numbers. */
export const WITHHELD =
  "withheld: the solve did not produce a valid result, so the final iterate's numbers are not shown";

type ResultField = (typeof RESULT_FIELDS)[number];

/**
 * A summary as mpopf prints and records it: for an invalid solve the result numbers (objective, energies,
 * cost, peak) are null and `result` says why, so that no number of an invalid point looks like a result.
 */
export function publicSummary<S extends { valid: boolean } & Record<ResultField, number>>(
  s: S,
): Omit<S, ResultField> & Record<ResultField, number | null> & { result: string } {
  if (s.valid) return { ...s, result: "valid" };
  const out: Record<string, unknown> = { ...s, result: WITHHELD };
  for (const k of RESULT_FIELDS) out[k] = null;
  return out as ReturnType<typeof publicSummary<S>>;
}

/** "Δt = 1 h" or "Δt = 15 min". */
export function periodText(dtH: number): string {
  return Number.isInteger(dtH) ? `Δt = ${dtH} h` : `Δt = ${+(dtH * 60).toFixed(6)} min`;
}

/** The horizon-total lines of a valid summary (energies over the horizon, the peak power). */
function totalLines(s: {
  lossKwh: number;
  pSubsKwh: number;
  qSubsKvarh: number;
  costUsd: number;
  peakKw: number;
  T: number;
  dtH: number;
}): string[] {
  const f = (v: number) => v.toFixed(2);
  return [
    `line loss       ${f(s.lossKwh)} kWh (horizon total: ${s.T} periods, ${periodText(s.dtH)})`,
    `substation      ${f(s.pSubsKwh)} kWh, ${f(s.qSubsKvarh)} kVArh (horizon totals), peak ${f(s.peakKw)} kW`,
    `cost            $${f(s.costUsd)}`,
  ];
}

/** Human-readable summary of a centralized solve; an invalid solve shows no result numbers. */
export function formatSummary(s: MpopfSummary): string {
  const f = (v: number, d = 2) => v.toFixed(d);
  const solverLine = `solver          ${s.solver.name} ${s.solver.version} (${s.solver.backend}, ${s.solver.linearSolver}): ${s.iterations} iterations, ${f(s.solveSeconds, 3)} s (build ${f(s.buildSeconds, 3)} s)`;
  const size = `size            ${s.variables} variables, ${s.constraints} constraints, T = ${s.T}`;
  if (!s.valid) {
    return [
      `scenario        ${s.scenario}`,
      `status          ${s.status}  (NOT a valid result)`,
      `                ${s.message}`,
      size,
      `result          ${WITHHELD}`,
      solverLine,
      "",
    ].join("\n");
  }
  return [
    `scenario        ${s.scenario}`,
    `status          ${s.status}`,
    `objective       ${s.objectiveKind} = ${f(s.objective, 4)}`,
    size,
    ...totalLines(s),
    solverLine,
    `self-check      max residual ${s.maxResidualPu.toExponential(2)} pu, max bound violation ${s.maxViolationPu.toExponential(2)} pu, max simultaneous charge+discharge ${f(s.maxSimultaneousKw, 4)} kW`,
    ...(s.fidelity
      ? [
          `fidelity        ${s.fidelity.rounds} solve${s.fidelity.rounds === 1 ? "" : "s"} until the load pieces and battery modes agreed with the solution${s.fidelity.consistent ? "" : " (they did NOT settle)"}: ${s.fidelity.loadPiecesOutside} bus-periods outside the load band, ${s.fidelity.chargingModes} battery-periods charging`,
        ]
      : []),
    ...(s.relaxationGapPu !== null
      ? [
          `relaxation      SOC (l·v ≥ P² + Q²): tightness max(l·v − P² − Q²) = ${s.relaxationGapPu.toExponential(2)} pu²${s.relaxationGapAt ? ` at branch ${s.relaxationGapAt.branch}, t = ${s.relaxationGapAt.t}` : ""} ${s.relaxationGapPu <= 1e-6 ? "(tight: a power-flow point)" : "(not tight there: that branch's l is not its power-flow current)"}`,
        ]
      : []),
    "",
  ].join("\n");
}

/** Human-readable summary of an ENApp run; an invalid run shows no result numbers. */
export function formatEnappSummary(s: EnappSummary): string {
  const f = (v: number, d = 2) => v.toFixed(d);
  const e = (v: number) => v.toExponential(2);
  return [
    `scenario        ${s.scenario}, partition ${s.partition} (${s.areas} areas, ${s.boundaries} boundaries)`,
    `status          ${s.status}${s.valid ? "" : "  (NOT a valid result)"}`,
    `                ${s.message}`,
    ...(s.valid
      ? [
          `objective       ${s.objectiveKind} = ${f(s.objective, 4)} (centralized objective at the composed solution)`,
        ]
      : []),
    `macro-its       ${s.macroIterations}; final residuals ${e(s.resVPu)} pu, ${e(s.resPKw)} kW, ${e(s.resQKvar)} kVAr (tolerances ${s.tolerances.vPu} pu, ${s.tolerances.pKw} kW, ${s.tolerances.qKvar} kVAr)`,
    ...(s.valid ? totalLines(s) : [`result          ${WITHHELD}`]),
    `times           wall ${f(s.wallSeconds, 3)} s (${s.transport === "nats" ? `${s.workers} agent processes over NATS` : `${s.workers} worker${s.workers === 1 ? "" : "s"}`}), sequential ${f(s.sequentialSeconds, 3)} s, critical path ${f(s.criticalPathSeconds, 3)} s`,
    `solver          ${s.solver.name} ${s.solver.version} (${s.solver.backend}, ${s.solver.linearSolver}); composed residual ${e(s.composedResidualPu)} pu`,
    "",
  ].join("\n");
}

/** One progress line per ENApp macro-iteration. */
export function formatMacroIteration(it: MacroIteration): string {
  const areas = it.areas
    .map(
      (a) =>
        `${a.area}:${a.success ? "" : `${a.status} `}${a.ipoptIterations}it/${a.solveSeconds.toFixed(3)}s`,
    )
    .join(" ");
  return `macro-iteration ${it.k}: residuals ${it.resVPu.toExponential(2)} pu, ${it.resPKw.toExponential(2)} kW, ${it.resQKvar.toExponential(2)} kVAr; cost $${it.costUsd.toFixed(2)}, loss ${it.lossKwh.toFixed(2)} kWh; ${it.seconds.toFixed(3)} s [${areas}]`;
}

/**
 * A solver progress printer for long solves: one line per iteration at most once a second (the first after one
 * second), so a short solve prints nothing and a 30 s solve ~30 lines.
 */
export function solverProgress(log: (msg: string) => void): NonNullable<NlpSolveOptions["progress"]> {
  let next = 1;
  return (p) => {
    if (p.elapsedSeconds < next) return;
    next = Math.floor(p.elapsedSeconds) + 1;
    log(
      `iteration ${p.iteration}${p.restoration ? " (restoration)" : ""}: objective ${p.objective.toPrecision(8)}, primal infeasibility ${p.primalInfeasibility.toExponential(1)}, dual infeasibility ${p.dualInfeasibility.toExponential(1)}, ${p.elapsedSeconds.toFixed(1)} s`,
    );
  };
}

/** A replay progress printer: a line per period at most once a second (none for a short replay). */
export function replayProgress(
  log: (msg: string) => void,
): (label: string, flavour: string, t: number, T: number, elapsedMs: number) => void {
  let next = 1000;
  return (label, flavour, t, T, ms) => {
    if (t === 1) next = 1000; // each flavour's replay starts its own clock
    if (ms < next) return;
    next = ms + 1000;
    log(`replay ${label} ${flavour}: period ${t}/${T}, ${(ms / 1000).toFixed(1)} s`);
  };
}

/**
 * An attribution as printable lines: the observed discrepancy, then every row with a share (measured or
 * predicted non-zero), ΔP_subs / ΔQ_subs / Δloss as energies over the horizon and max |ΔV|.
 */
export function formatAttribution(replay: string, a: Attribution): string[] {
  const g = (v: number) => (v === 0 ? "0" : Math.abs(v) >= 1e-3 ? v.toFixed(4) : v.toExponential(2));
  const vals = (v: Attribution["observed"]) =>
    `ΔP_subs ${g(v.pSubsKwh)} kWh, ΔQ_subs ${g(v.qSubsKvarh)} kVArh, Δloss ${g(v.lossKwh)} kWh, max |ΔV| ${g(v.maxDvPu)} pu`;
  const lines = [
    `attribution ${replay} (${a.replays} extra replay${a.replays === 1 ? "" : "s"}): observed ${vals(a.observed)}`,
  ];
  for (const r of a.rows) {
    if (r.status === "no difference" || r.status === "not applicable") continue;
    lines.push(`  ${r.label} [${r.status}${r.change ? `: ${r.change}` : ""}]: ${vals(r.share)}`);
  }
  return lines;
}
