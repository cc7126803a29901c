/**
 * Attribution: which modelling difference causes how much of a replay's discrepancy. Starting from the replayed
 * deck (e.g. paper-style), each difference between the deck's physics and the optimizer's equations
 * (`DeckPhysics`: line charging, capacitors, the load band, the device bands, kVA limits, idling losses; the
 * balanced-equivalent reduction of three-phase decks is a documented hook) is switched, one at a time and in
 * that order, to what the optimizer models, and the set-points are replayed again. A step's share is the
 * discrepancy before it minus the discrepancy after it, for ΔP_subs, ΔQ_subs, Δloss (horizon energies over
 * the replay's converged periods, power flow − optimizer) and max |ΔV|. With every difference switched the
 * deck writes the optimizer's own equations; what is left splits into two rows:
 *  - "unexplained": that deck's power flow minus an exact power flow of the same equations (predict.ts) — what
 *    no modelling difference explains (an engine or deck error would show here);
 *  - "optimizer tolerance": the exact power flow of the optimizer's equations minus the optimizer's own values —
 *    the solver's feasibility tolerance (its constraint residuals).
 * The waterfall telescopes: the rows add up to the observed discrepancy exactly, for every metric (max |ΔV|
 * included: each share is a difference of two maxima).
 *
 * Every step also carries its prediction: the same step taken in the exact power flow (predict.ts), which needs
 * no engine. A step whose two physics are equal is "no difference"; a step whose change cannot matter at the
 * current voltages (no element outside either band; no set-point beyond its kVA) is "inactive" with share 0
 * and no replay; otherwise the engine replays the new deck ("measured").
 */

import type { ColumnTable } from "arquero";
import { InputError } from "../../models/errors.ts";
import { loadCoefficients, loadPieceAt, OPENDSS_LOAD_VLOW_PU } from "../../models/fidelity.ts";
import { resultTable, tableCsv } from "../../models/results.ts";
import type { Network, Scenario } from "../../models/types.ts";
import { batteryRatings, pvRatings } from "../../models/units.ts";
import { compareReplay, convergedHours, type ReplayComparison, type ReplaySeries } from "./compare.ts";
import { buildDeck, optimizerPhysics, resolveDeckOptions, unlimitedKva } from "./deck.ts";
import { createDefaultEngine } from "./engine.ts";
import { predictPowerFlow } from "./predict.ts";
import { runDeck } from "./replay.ts";
import type { DeckOptions, DeckPhysics, Dispatch, ReplayEngine } from "./types.ts";

/** The four quantities of an attribution (power flow − optimizer): horizon energies and the largest |ΔV|. */
export interface AttributionValues {
  pSubsKwh: number;
  qSubsKvarh: number;
  lossKwh: number;
  /** Largest |ΔV| over buses and converged periods (pu). */
  maxDvPu: number;
}

/** The modelling differences, in the order the waterfall takes them. */
export const ATTRIBUTION_STEPS = [
  "lineCharging",
  "capacitors",
  "loadBand",
  "deviceBands",
  "kva",
  "idling",
  "balancedEquivalent",
] as const;
/** One modelling difference. */
export type AttributionStepId = (typeof ATTRIBUTION_STEPS)[number];

/** What each step is called in tables. */
export const STEP_LABELS: Record<AttributionStepId | "unexplained" | "tolerance" | "observed", string> = {
  lineCharging: "line charging",
  capacitors: "capacitors (Q ∝ V²)",
  loadBand: "load model and band",
  deviceBands: "PV / storage / generator bands",
  kva: "kVA limits",
  idling: "idling losses",
  balancedEquivalent: "balanced-equivalent reduction",
  unexplained: "unexplained",
  tolerance: "optimizer feasibility tolerance",
  observed: "observed (total)",
};

/** How a step was obtained. */
export type StepStatus = "measured" | "inactive" | "no difference" | "not applicable";

/** One row of the attribution. */
export interface AttributionRow {
  id: AttributionStepId | "unexplained" | "tolerance";
  label: string;
  status: StepStatus;
  /** What was switched, in words (deck → optimizer). */
  change: string;
  /** The share of the observed discrepancy (measured in the engine). */
  share: AttributionValues;
  /** The same step in the exact power flow (predict.ts), without the engine. */
  predicted: AttributionValues;
}

/** The attribution of one replay. */
export interface Attribution {
  format: "mpopf-attribution/1";
  label: string;
  flavour: string;
  scenario: string;
  T: number;
  dtH: number;
  /** Converged periods the energies are summed over (1-based). */
  hours: number[];
  /** The replay's discrepancy (power flow − optimizer): the sum of every row's share. */
  observed: AttributionValues;
  rows: AttributionRow[];
  /**
   * Which side each difference was switched on: the deck (towards the optimizer's equations, the set-points
   * fixed; `attributeReplay`) or the optimizer (towards the deck's physics, re-solving every step;
   * harness/study/attribute.ts `attributeOptimizerSide`). Absent = deck.
   */
  side?: "deck" | "optimizer";
  /** Replays the attribution ran (steps measured in the engine) and its wall time (s). */
  replays: number;
  seconds: number;
}

/** All four values 0. */
export const ZERO: AttributionValues = { pSubsKwh: 0, qSubsKvarh: 0, lossKwh: 0, maxDvPu: 0 };
/** a − b, value by value. */
export const minus = (a: AttributionValues, b: AttributionValues): AttributionValues => ({
  pSubsKwh: a.pSubsKwh - b.pSubsKwh,
  qSubsKvarh: a.qSubsKvarh - b.qSubsKvarh,
  lossKwh: a.lossKwh - b.lossKwh,
  maxDvPu: a.maxDvPu - b.maxDvPu,
});

/** The attribution values of a series against the optimizer's, over the given periods. */
export function valuesOf(
  side: ReplaySeries,
  opt: ReplaySeries,
  hours: number[],
  dtH: number,
): AttributionValues {
  const out = { ...ZERO };
  for (const t of hours) {
    const i = t - 1;
    out.pSubsKwh += (side.pSubsKw[i]! - opt.pSubsKw[i]!) * dtH;
    out.qSubsKvarh += (side.qSubsKvar[i]! - opt.qSubsKvar[i]!) * dtH;
    out.lossKwh += (side.lossKw[i]! - opt.lossKw[i]!) * dtH;
    const a = side.vPu[i]!;
    const b = opt.vPu[i]!;
    for (let j = 0; j < a.length; j++) out.maxDvPu = Math.max(out.maxDvPu, Math.abs(a[j]! - b[j]!));
  }
  return out;
}

/** The attribution values of a replay comparison (power flow vs optimizer) over the given periods. */
export function discrepancyOf(c: ReplayComparison, hours: number[] = convergedHours(c)): AttributionValues {
  return valuesOf(c.powerFlow, c.optimizer, hours, c.dtH);
}

const bandText = (b: readonly number[]) => `${b[0]}–${b[1]} pu`;

/** A step's change in words, and the physics after it. */
function stepChange(
  id: AttributionStepId,
  from: DeckPhysics,
  to: DeckPhysics,
): { text: string; next: DeckPhysics } {
  switch (id) {
    case "lineCharging":
      return {
        text: `${from.lineCharging} → ${to.lineCharging}`,
        next: { ...from, lineCharging: to.lineCharging },
      };
    case "capacitors":
      return {
        text: `${from.capacitorModel} → ${to.capacitorModel}`,
        next: { ...from, capacitorModel: to.capacitorModel },
      };
    case "loadBand":
      return {
        text: `${bandText(from.loadBand)} → ${bandText(to.loadBand)}`,
        next: { ...from, loadBand: to.loadBand },
      };
    case "deviceBands":
      return {
        text: `PV ${bandText(from.pvBand)}, storage ${bandText(from.storageBand)}, generators ${bandText(from.generatorBand)} → ${bandText(to.pvBand)}, ${bandText(to.storageBand)}, ${bandText(to.generatorBand)}`,
        next: { ...from, pvBand: to.pvBand, storageBand: to.storageBand, generatorBand: to.generatorBand },
      };
    case "kva":
      return { text: `${from.kva} → ${to.kva}`, next: { ...from, kva: to.kva } };
    case "idling":
      return {
        text: `%IdlingkW ${from.idlingPct} → ${to.idlingPct}`,
        next: { ...from, idlingPct: to.idlingPct },
      };
    default:
      return { text: "", next: from };
  }
}

/** Whether a step changes nothing at the given power-flow voltages (see the module comment). */
function inactive(
  id: AttributionStepId,
  from: DeckPhysics,
  to: DeckPhysics,
  net: Network,
  sc: Scenario,
  dp: Dispatch,
  vPu: number[][],
  hours: number[],
): boolean {
  const inside = (v: number, b: readonly number[]) => v > b[0]! && v <= b[1]!;
  switch (id) {
    case "loadBand": {
      const dep = sc.options.formulation.loads === "case";
      const bands = [from.loadBand, to.loadBand].map((b) => ({
        vMinPu: b[0],
        vMaxPu: b[1],
        vLowPu: OPENDSS_LOAD_VLOW_PU,
      }));
      return hours.every((t) =>
        sc.loads.every((ld) => {
          const v = vPu[t - 1]![ld.bus]!;
          const [a, b] = bands.map((band) => loadCoefficients(ld.model, dep, band, loadPieceAt(band, v)));
          return JSON.stringify(a) === JSON.stringify(b);
        }),
      );
    }
    case "deviceBands":
      return hours.every((t) => {
        const v = vPu[t - 1]!;
        const ok = (bus: number, a: readonly number[], b: readonly number[]) =>
          inside(v[bus]!, a) && inside(v[bus]!, b);
        return (
          sc.pvs.every((u) => ok(u.bus, from.pvBand, to.pvBand)) &&
          sc.batteries.every((u) => ok(u.bus, from.storageBand, to.storageBand)) &&
          (from.capacitorModel !== "generator" ||
            sc.capacitors.every((c) => ok(c.bus, from.generatorBand, to.generatorBand)))
        );
      });
    case "kva": {
      const nPv = sc.pvs.length;
      const nB = sc.batteries.length;
      for (let t = 0; t < sc.T; t++) {
        for (let d = 0; d < nPv; d++) {
          const kva = pvRatings(sc, sc.pvs[d]!).kva;
          if (unlimitedKva(kva, Math.hypot(dp.pvPKw[t * nPv + d]!, dp.pvQKvar[t * nPv + d]!)) !== kva)
            return false;
        }
        for (let k = 0; k < nB; k++) {
          const r = batteryRatings(sc, sc.batteries[k]!);
          if (
            unlimitedKva(r.kva, Math.hypot(dp.battPNetKw[t * nB + k]!, dp.battQKvar[t * nB + k]!)) !== r.kva
          )
            return false;
        }
      }
      return true;
    }
    case "idling":
      return sc.batteries.length === 0;
    case "capacitors":
      return sc.capacitors.length === 0;
    case "lineCharging":
      return net.branches.every((b) => b.kind !== "line");
    default:
      return true;
  }
}

const stepDiffers = (id: AttributionStepId, a: DeckPhysics, b: DeckPhysics): boolean => {
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  switch (id) {
    case "lineCharging":
      return a.lineCharging !== b.lineCharging;
    case "capacitors":
      return a.capacitorModel !== b.capacitorModel;
    case "loadBand":
      return !same(a.loadBand, b.loadBand);
    case "deviceBands":
      return (
        !same(a.pvBand, b.pvBand) ||
        !same(a.storageBand, b.storageBand) ||
        (a.capacitorModel === "generator" && !same(a.generatorBand, b.generatorBand))
      );
    case "kva":
      return a.kva !== b.kva;
    case "idling":
      return a.idlingPct !== b.idlingPct;
    default:
      return false;
  }
};

/** What an attribution needs of the replay it explains. */
export interface AttributionInput {
  network: Network;
  scenario: Scenario;
  /** The replayed set-points, deck options and comparison (a `ReplayResult`). */
  dispatch: Dispatch;
  deckOptions: DeckOptions;
  comparison: ReplayComparison;
  /** Engine (or factory) for the steps' replays; default the project's engine. */
  engine?: ReplayEngine | (() => ReplayEngine | Promise<ReplayEngine>);
}

/** The balanced-equivalent reduction in a deck written from the optimizer's network (`attributeOriginalDeck` has it). */
const BALANCED_HOOK =
  "a deck written from the optimizer's own network: no reduction (the original-deck replay of an imported case measures it)";

/**
 * Attribute a replay's discrepancy to the modelling differences (see the module comment). Deterministic; runs
 * one engine replay per measured step.
 */
export async function attributeReplay(input: AttributionInput): Promise<Attribution> {
  const t0 = performance.now();
  const { network: net, scenario: sc, dispatch: dp, comparison: c0 } = input;
  const form = sc.options.formulation;
  const hours = convergedHours(c0);
  const freq = input.deckOptions.baseFrequencyHz ?? 60;
  const target = optimizerPhysics(form, input.deckOptions.wideBandPu);
  const opt = c0.optimizer;
  const predictedValues = (ph: DeckPhysics) =>
    valuesOf(predictPowerFlow(net, sc, dp, ph, freq), opt, hours, sc.dtH);
  let engine: ReplayEngine | null = null;
  const getEngine = async () => {
    if (engine) return engine;
    const e = input.engine;
    engine = e === undefined ? await createDefaultEngine() : typeof e === "function" ? await e() : e;
    return engine;
  };

  let state: DeckPhysics = c0.physics?.deck ?? resolveDeckOptions(input.deckOptions, form).physics;
  let measured = discrepancyOf(c0, hours);
  let vPu = c0.powerFlow.vPu;
  let predicted = predictedValues(state);
  const observed = measured;
  const rows: AttributionRow[] = [];
  let replays = 0;
  for (const id of ATTRIBUTION_STEPS) {
    const label = STEP_LABELS[id];
    if (id === "balancedEquivalent") {
      rows.push({
        id,
        label,
        status: "not applicable",
        change: BALANCED_HOOK,
        share: { ...ZERO },
        predicted: { ...ZERO },
      });
      continue;
    }
    const { text, next } = stepChange(id, state, target);
    if (!stepDiffers(id, state, target)) {
      rows.push({
        id,
        label,
        status: "no difference",
        change: text || "same",
        share: { ...ZERO },
        predicted: { ...ZERO },
      });
      state = next;
      continue;
    }
    if (inactive(id, state, target, net, sc, dp, vPu, hours)) {
      // Nothing this step changes is reached at these voltages: both physics give the same power flow.
      rows.push({ id, label, status: "inactive", change: text, share: { ...ZERO }, predicted: { ...ZERO } });
      state = next;
      continue;
    }
    const nextPredicted = predictedValues(next);
    const deck = buildDeck(net, sc, dp, { ...input.deckOptions, physics: next });
    const run = runDeck(deck, net, await getEngine());
    replays++;
    const c = compareReplay({
      label: c0.label,
      network: net,
      scenario: sc,
      deck,
      dispatch: dp,
      observations: run.observations,
      engine: c0.engine,
      timings: { compileMs: run.compileMs, totalMs: run.totalMs },
    });
    const after = discrepancyOf(c, hours);
    rows.push({
      id,
      label,
      status: "measured",
      change: text,
      share: minus(measured, after),
      predicted: minus(predicted, nextPredicted),
    });
    measured = after;
    vPu = c.powerFlow.vPu;
    state = next;
    predicted = nextPredicted;
  }
  // What is left: the engine against the exact power flow of the same equations, and the latter against the
  // optimizer's own values (its feasibility tolerance).
  rows.push({
    id: "unexplained",
    label: STEP_LABELS.unexplained,
    status: "measured",
    change: "the engine's power flow of the optimizer's equations − their exact power flow (predict.ts)",
    share: minus(measured, predicted),
    predicted: { ...ZERO },
  });
  rows.push({
    id: "tolerance",
    label: STEP_LABELS.tolerance,
    status: "measured",
    change:
      "exact power flow of the optimizer's equations at its set-points − its own values (constraint residuals)",
    share: predicted,
    predicted,
  });
  return {
    format: "mpopf-attribution/1",
    label: c0.label,
    flavour: c0.flavour,
    scenario: c0.scenario,
    T: c0.T,
    dtH: c0.dtH,
    hours,
    observed,
    rows,
    replays,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The attribution of an original-deck replay (the set-points in the user's own OpenDSS deck, the case imported
 * from it: validation/replay/original-deck.ts), on top of the paper-style attribution of the same set-points: the
 * balanced-equivalent reduction's share = the original deck's discrepancy − the paper-style deck's (everything the
 * single-phase / balanced model of the deck leaves out: unbalance, phase coupling, the deck's own elements and
 * settings), then the paper-style rows. The periods are the paper-style attribution's; the rows add up to the
 * original deck's discrepancy over them.
 */
export function attributeOriginalDeck(original: ReplayComparison, paperStyle: Attribution): Attribution {
  const hours = paperStyle.hours;
  const observed = discrepancyOf(original, hours);
  const reduction: AttributionRow = {
    id: "balancedEquivalent",
    label: STEP_LABELS.balancedEquivalent,
    status: "measured",
    change:
      "the original deck − the paper-style deck of the model (unbalance, phase coupling, the deck's own elements and settings)",
    share: minus(observed, paperStyle.observed),
    predicted: { ...ZERO },
  };
  return {
    ...paperStyle,
    flavour: original.flavour,
    label: original.label,
    observed,
    rows: [reduction, ...paperStyle.rows.filter((r) => r.id !== "balancedEquivalent")],
  };
}

/**
 * The two rows of what is left once every difference is switched: the engine's power flow of the final
 * equations against their exact power flow (`measured` − `exact`: unexplained) and that exact power flow against
 * the optimizer's own values (`exact`: its feasibility tolerance), both relative to the optimizer.
 */
export function residualRows(measured: AttributionValues, exact: AttributionValues): AttributionRow[] {
  return [
    {
      id: "unexplained",
      label: STEP_LABELS.unexplained,
      status: "measured",
      change: "the engine's power flow of the optimizer's equations − their exact power flow (predict.ts)",
      share: minus(measured, exact),
      predicted: { ...ZERO },
    },
    {
      id: "tolerance",
      label: STEP_LABELS.tolerance,
      status: "measured",
      change:
        "exact power flow of the optimizer's equations at its set-points − its own values (constraint residuals)",
      share: exact,
      predicted: exact,
    },
  ];
}

/** Σ of the rows' shares (= `observed`, up to round-off). */
export function sumOfShares(a: Attribution): AttributionValues {
  return a.rows.reduce(
    (s, r) => ({
      pSubsKwh: s.pSubsKwh + r.share.pSubsKwh,
      qSubsKvarh: s.qSubsKvarh + r.share.qSubsKvarh,
      lossKwh: s.lossKwh + r.share.lossKwh,
      maxDvPu: s.maxDvPu + r.share.maxDvPu,
    }),
    { ...ZERO },
  );
}

/**
 * The attribution as a table of the one schema (models/results.ts `attribution`): one row per step, then
 * unexplained, tolerance and the observed total (its predicted columns: the sum of the rows' predictions).
 */
export function attributionTable(a: Attribution): ColumnTable {
  const predTotal = a.rows.reduce(
    (s, r) => ({
      pSubsKwh: s.pSubsKwh + r.predicted.pSubsKwh,
      qSubsKvarh: s.qSubsKvarh + r.predicted.qSubsKvarh,
      lossKwh: s.lossKwh + r.predicted.lossKwh,
      maxDvPu: s.maxDvPu + r.predicted.maxDvPu,
    }),
    { ...ZERO },
  );
  const rows = [
    ...a.rows.map((r) => ({ ...r, id: r.id as string })),
    {
      id: "observed",
      label: STEP_LABELS.observed,
      status: "measured" as StepStatus,
      change: "power flow − optimizer",
      share: a.observed,
      predicted: predTotal,
    },
  ];
  return resultTable("attribution", {
    step: rows.map((r) => r.id),
    label: rows.map((r) => r.label),
    status: rows.map((r) => r.status),
    change: rows.map((r) => r.change),
    pSubsKwh: rows.map((r) => r.share.pSubsKwh),
    qSubsKvarh: rows.map((r) => r.share.qSubsKvarh),
    lossKwh: rows.map((r) => r.share.lossKwh),
    maxDvPu: rows.map((r) => r.share.maxDvPu),
    predPSubsKwh: rows.map((r) => r.predicted.pSubsKwh),
    predQSubsKvarh: rows.map((r) => r.predicted.qSubsKvarh),
    predLossKwh: rows.map((r) => r.predicted.lossKwh),
    predMaxDvPu: rows.map((r) => r.predicted.maxDvPu),
  });
}

/** The attribution's table as CSV (what `replay/<solution>-<flavour>/attribution.csv` holds). */
export function attributionCsv(a: Attribution): string {
  return `${tableCsv(attributionTable(a))}\n`;
}

/** Parse an attribution written as JSON (`attribution.json`), checking its format. */
export function attributionFromJson(text: string, file = "attribution.json"): Attribution {
  let a: Attribution;
  try {
    a = JSON.parse(text) as Attribution;
  } catch (e) {
    throw new InputError("parse", (e as Error).message, { file });
  }
  if (a?.format !== "mpopf-attribution/1" || !Array.isArray(a.rows)) {
    throw new InputError("schema", `not an attribution (format '${String(a?.format)}')`, {
      file,
      field: "format",
    });
  }
  return a;
}
