/**
 * The tables of an original-deck replay (validation/replay/original-deck.ts): how far the optimizer's balanced
 * model is from the user's own (unbalanced) OpenDSS deck — per-phase voltage discrepancies, voltage unbalance,
 * substation power and losses over the horizon — and the list of what the balanced model leaves out. Plain
 * rendering of numbers the replay computed.
 */
import { table } from "arquero";
import type { PhaseSummary } from "../models/results.ts";
import type { ReportTable } from "./table-render.ts";
import { FORMATS } from "./tables.ts";

/** What the tables show: an original-deck replay's `PhaseSummary`, its solution's label, the model's approximations. */
export interface BalancedModelError extends PhaseSummary {
  /** Which solution was replayed ("MPCOPF"). */
  label: string;
  /** What the balanced model leaves out or approximates (the case's list). */
  approximations: string[];
}

const nn = (v: number) => (Number.isFinite(v) ? v : null);

/** The original-deck tables: per-phase voltages, unbalance, horizon totals, and what the model leaves out. */
export function balancedModelTables(e: BalancedModelError): ReportTable[] {
  const key = e.label.toLowerCase();
  const phases: ReportTable = {
    spec: {
      id: `original-deck-phases-${key}`,
      title: `${e.label} in the original deck: per-phase voltages`,
      caption:
        "The optimizer's (balanced) bus voltage against every phase of the same bus in the user's OpenDSS deck, over the buses with that phase and the converged periods.",
      columns: [
        { key: "phase", label: "Phase" },
        { key: "samples", label: "Bus-periods", format: FORMATS.index },
        { key: "maxAbsDiffPu", label: "Max |ΔV|", unit: "pu", format: FORMATS.vPu },
        { key: "atBus", label: "at bus" },
        { key: "atT", label: "t", format: FORMATS.index },
        { key: "meanAbsDiffPu", label: "Mean |ΔV|", unit: "pu", format: FORMATS.vPu },
        { key: "vMinPu", label: "Deck V min", unit: "pu", format: FORMATS.vPu },
        { key: "vMaxPu", label: "Deck V max", unit: "pu", format: FORMATS.vPu },
      ],
    },
    data: table({
      phase: e.phases.map((p) => p.phase),
      samples: e.phases.map((p) => p.samples),
      maxAbsDiffPu: e.phases.map((p) => nn(p.maxAbsDiffPu)),
      atBus: e.phases.map((p) => p.atBus),
      atT: e.phases.map((p) => (p.atT > 0 ? p.atT : null)),
      meanAbsDiffPu: e.phases.map((p) => nn(p.meanAbsDiffPu)),
      vMinPu: e.phases.map((p) => nn(p.vMinPu)),
      vMaxPu: e.phases.map((p) => nn(p.vMaxPu)),
    }),
  };
  const u = e.unbalance;
  const unbalance: ReportTable = {
    spec: {
      id: `original-deck-unbalance-${key}`,
      title: `${e.label} in the original deck: voltage unbalance`,
      caption:
        "Largest voltage unbalance factor |V2|/|V1| at three-phase buses and largest spread between the phases of one bus (the balanced model has neither).",
      columns: [
        { key: "measure", label: "Measure" },
        { key: "value", label: "Largest", format: FORMATS.vPu },
        { key: "unit", label: "Unit" },
        { key: "bus", label: "at bus" },
        { key: "t", label: "t", format: FORMATS.index },
      ],
    },
    data: table({
      measure: ["VUF |V2|/|V1|", "phase spread max−min |V|"],
      value: [nn(u.maxVufPct), nn(u.maxSpreadPu)],
      unit: ["%", "pu"],
      bus: [u.atBus, u.spreadBus],
      t: [u.atT > 0 ? u.atT : null, u.spreadT > 0 ? u.spreadT : null],
    }),
  };
  const names = { pSubs: "Substation P (kWh)", qSubs: "Substation Q (kVArh)", loss: "Losses (kWh)" };
  const totals: ReportTable = {
    spec: {
      id: `original-deck-totals-${key}`,
      title: `${e.label} in the original deck: substation power and losses`,
      caption:
        "Horizon energies of the optimizer and of the original deck (losses include transformer no-load losses), and the largest hourly difference.",
      columns: [
        { key: "metric", label: "Quantity" },
        { key: "optimizer", label: "Optimizer", format: FORMATS.power },
        { key: "powerFlow", label: "Original deck", format: FORMATS.power },
        { key: "diff", label: "Difference", format: FORMATS.power },
        { key: "maxHourly", label: "Max hourly |Δ|", unit: "kW/kVAr", format: FORMATS.power },
      ],
    },
    data: table({
      metric: e.totals.map((x) => names[x.metric]),
      optimizer: e.totals.map((x) => nn(x.optimizer)),
      powerFlow: e.totals.map((x) => nn(x.powerFlow)),
      diff: e.totals.map((x) => nn(x.powerFlow - x.optimizer)),
      maxHourly: e.totals.map((x) => nn(x.maxHourlyAbsDiff)),
    }),
  };
  return [phases, unbalance, totals, ...approximationsTable(e.approximations)];
}

/** "What the balanced model leaves out": the case's list of approximations as a table (none when empty). */
export function approximationsTable(items: string[]): ReportTable[] {
  if (items.length === 0) return [];
  return [
    {
      spec: {
        id: "balanced-model-leaves-out",
        title: "What the balanced model leaves out",
        caption: "Everything the import from the OpenDSS deck dropped or approximated, one line each.",
        columns: [{ key: "item", label: "Left out or approximated" }],
      },
      data: table({ item: items }),
    },
  ];
}
