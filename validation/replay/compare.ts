/**
 * Optimizer vs power flow: the comparison record of one replay (plain, JSON-serialisable data), the
 * per-metric discrepancy series (used for maxima, tables and thresholds), and the attributed findings
 * (what differs, for which element, in which hour, and why).
 *
 * Hours whose power flow did not converge (or whose commands failed) are reported and never used:
 * they are left out of every maximum and of both sides of every horizon total.
 */
import { InputError, jsonErrorLocation } from "../../models/errors.ts";
import {
  busChargingPu,
  demandFactor,
  loadBandOf,
  loadCoefficients,
  loadPieceAt,
  OPENDSS_DEFAULT_LINE_C_NF,
} from "../../models/fidelity.ts";
import type { Network, Scenario } from "../../models/types.ts";
import { batteryRatings, pvRatings } from "../../models/units.ts";
import { optimizerPhysics } from "./deck.ts";
import { predictDifferences, samePhysics } from "./predict.ts";
import {
  checkSetpoints,
  DEFAULT_SETPOINT_TOLERANCES,
  formatAmount as fmt,
  type SetpointTolerances,
} from "./setpoints.ts";
import type {
  CapacitorModel,
  Deck,
  DeckFlavour,
  DeckPhysics,
  Dispatch,
  EngineIdentity,
  Finding,
  HourObservation,
  HourStatus,
} from "./types.ts";

/** Values of one side (optimizer or power flow), per period (and per element, t-major rows). */
export interface ReplaySeries {
  pSubsKw: number[];
  qSubsKvar: number[];
  lossKw: number[];
  costUsd: number[];
  /** Total load consumed (kW, kVAr). */
  loadKw: number[];
  loadKvar: number[];
  /** Total capacitor output (kVAr). */
  capQKvar: number[];
  /** [t][bus] |V| (pu). */
  vPu: number[][];
  /** [t][pv] delivered P/Q. */
  pvPKw: number[][];
  pvQKvar: number[][];
  /** [t][battery] delivered P (discharge +), Q, stored energy at the end of t. */
  battPKw: number[][];
  battQKvar: number[][];
  battSocKwh: number[][];
}

/** A series with no periods yet (filled period by period). */
export function emptyReplaySeries(): ReplaySeries {
  return {
    pSubsKw: [],
    qSubsKvar: [],
    lossKw: [],
    costUsd: [],
    loadKw: [],
    loadKvar: [],
    capQKvar: [],
    vPu: [],
    pvPKw: [],
    pvQKvar: [],
    battPKw: [],
    battQKvar: [],
    battSocKwh: [],
  };
}

/**
 * Per-phase results of a replay in the original (unbalanced) deck: every phase node of every bus. Only the
 * `original-deck` flavour has them (validation/replay/original-deck.ts).
 */
export interface PhaseComparison {
  /** Per bus (network order): the deck's phase nodes, e.g. [1, 2, 3] or [2]. */
  nodes: number[][];
  /** [t][bus][k]: |V| of phase nodes[bus][k], pu of the optimizer's base; NaN for hours that did not converge. */
  vPu: number[][][];
  /** [t][bus]: voltage unbalance factor |V2|/|V1| (%) at buses with three phases; NaN elsewhere. */
  vufPct: number[][];
  /** [t][bus]: largest minus smallest phase magnitude (pu); 0 at single-phase buses. */
  spreadPu: number[][];
}

/** One replay, optimizer vs power flow: everything the tables, maxima and thresholds are computed from. */
export interface ReplayComparison {
  format: "mpopf-replay-comparison/1";
  /** Which solution was replayed, e.g. "MPCOPF", "MPDOPF". */
  label: string;
  scenario: string;
  network: string;
  flavour: DeckFlavour;
  capacitorModel: CapacitorModel;
  T: number;
  dtH: number;
  engine: EngineIdentity;
  timings: { compileMs: number; hourMs: number[]; totalMs: number };
  ids: { buses: string[]; pvs: string[]; pvBuses: string[]; batteries: string[]; batteryBuses: string[] };
  /** Per period: how the power flow ended. */
  hours: Array<{ t: number; status: HourStatus; message: string | null; iterations: number }>;
  /** Price per period ($/kWh), used for the power-flow cost. */
  priceUsdPerKwh: number[];
  optimizer: ReplaySeries;
  powerFlow: ReplaySeries;
  /** Per period: the engine's Storage state per battery (−1 charging, 0 idling, 1 discharging). */
  battState: number[][];
  /** Line charging (kvar) of the deck's line capacitance at the power-flow voltages, per period (0 without any). */
  lineChargingKvar: number[];
  /**
   * The physics the deck wrote and the optimizer's own (validation/replay/types.ts `DeckPhysics`); absent in
   * comparisons written by earlier versions.
   */
  physics?: { deck: DeckPhysics; optimizer: DeckPhysics };
  /**
   * The discrepancy (power flow − optimizer) the modelling differences alone predict (predict.ts
   * `predictDifferences`, the kVA limits aside: a set-point beyond its kVA is an error of the set-point, not a
   * model difference), in the shape of the two sides; absent when the deck writes the optimizer's physics
   * (nothing to predict) and in comparisons written by earlier versions. The thresholds measure every
   * discrepancy from it.
   */
  predicted?: ReplaySeries;
  findings: Finding[];
  /** Original-deck replays only: every phase of every bus (the power-flow side; the optimizer is balanced). */
  phases?: PhaseComparison;
  /**
   * The horizon's inputs, for the power flow's result tables (`powerFlowResultSet`): start of each period (h
   * after the first profile point), the case's default load and PV multipliers, each battery's rated energy
   * (kWh). Absent in comparisons written by earlier versions.
   */
  inputs?: { hour: number[]; loadMult: number[]; pvMult: number[]; eRatedKwh: number[] };
  /**
   * The power flow per branch (network order) and period: P, Q sent into the branch at its from end, current
   * (A, to-end side) and series loss, [t][branch]; NaN where the engine gives none (the source impedance).
   * Absent in comparisons written by earlier versions.
   */
  branches?: {
    ids: string[];
    from: string[];
    to: string[];
    pKw: number[][];
    qKvar: number[][];
    iA: number[][];
    lossKw: number[][];
  };
}

/** Tolerances of the post-replay findings. */
export interface FindingTolerances extends SetpointTolerances {
  /** A PV or battery output differing from its set-point by more than this (kW / kvar) is a finding; default 1e-4. */
  deviceKw: number;
  /** A stored energy differing from the optimizer's by more than this (kWh) is a finding; default 1e-3. */
  socKwh: number;
}

/** Default finding tolerances. */
export const DEFAULT_FINDING_TOLERANCES: FindingTolerances = {
  ...DEFAULT_SETPOINT_TOLERANCES,
  deviceKw: 1e-4,
  socKwh: 1e-3,
};

/** OpenDSS's default line capacitance (nF per unit length; length 1 with units none → per line). */
export const OPENDSS_DEFAULT_C1_NF = OPENDSS_DEFAULT_LINE_C_NF;

const rows = (flat: Float64Array, T: number): number[][] => {
  const n = T === 0 ? 0 : flat.length / T;
  return Array.from({ length: T }, (_, t) => Array.from(flat.subarray(t * n, (t + 1) * n)));
};

/** Inputs of `compareReplay`. */
export interface CompareInput {
  label: string;
  network: Network;
  scenario: Scenario;
  deck: Deck;
  dispatch: Dispatch;
  observations: HourObservation[];
  engine: EngineIdentity;
  timings: { compileMs: number; totalMs: number };
  tolerances?: Partial<FindingTolerances>;
}

/** Build the comparison record and its findings. */
export function compareReplay(input: CompareInput): ReplayComparison {
  const { network: net, scenario: sc, deck, dispatch: dp, observations: obs } = input;
  const tol = { ...DEFAULT_FINDING_TOLERANCES, ...input.tolerances };
  const T = sc.T;
  const dtH = sc.dtH;

  // The optimizer's own load and capacitor totals at its voltages, as its formulation models them.
  const form = sc.options.formulation;
  const band = loadBandOf(form.elementBands);
  const loadKwOpt: number[] = [];
  const loadKvarOpt: number[] = [];
  const capOpt: number[] = [];
  const S = net.sBaseKva;
  const nBus = net.buses.length;
  for (let t = 0; t < T; t++) {
    const vAt = (bus: number) => dp.vPu[t * nBus + bus]!;
    let pL = 0;
    let qL = 0;
    for (const ld of sc.loads) {
      const v = vAt(ld.bus);
      const k = loadCoefficients(ld.model, form.loads === "case", band, loadPieceAt(band, v));
      pL += ld.pRatedPu * ld.mult[t]! * demandFactor(k.p, v) * S;
      qL += ld.qRatedPu * ld.mult[t]! * demandFactor(k.q, v) * S;
    }
    let cq = 0;
    for (const c of sc.capacitors) cq += c.qPu * S * (form.capacitors === "voltage" ? vAt(c.bus) ** 2 : 1);
    loadKwOpt.push(pL);
    loadKvarOpt.push(qL);
    capOpt.push(cq);
  }
  const optimizer: ReplaySeries = {
    pSubsKw: Array.from(dp.pSubsKw),
    qSubsKvar: Array.from(dp.qSubsKvar),
    lossKw: Array.from(dp.lossKw),
    costUsd: Array.from(dp.costUsd),
    loadKw: loadKwOpt,
    loadKvar: loadKvarOpt,
    capQKvar: capOpt,
    vPu: rows(dp.vPu, T),
    pvPKw: rows(dp.pvPKw, T),
    pvQKvar: rows(dp.pvQKvar, T),
    battPKw: rows(dp.battPNetKw, T),
    battQKvar: rows(dp.battQKvar, T),
    battSocKwh: rows(dp.battSocKwh, T),
  };
  const byT = new Map(obs.map((o) => [o.t, o]));
  const get = (t: number) => byT.get(t);
  const powerFlow = emptyReplaySeries();
  const hours: ReplayComparison["hours"] = [];
  const branchFlows = {
    pKw: [] as number[][],
    qKvar: [] as number[][],
    iA: [] as number[][],
    lossKw: [] as number[][],
  };
  const battState: number[][] = [];
  const lineCharging: number[] = [];
  const findings: Finding[] = [];
  const freq = deck.options.baseFrequencyHz;
  const bShunt = busChargingPu(net, deck.options.physics?.lineCharging ?? "none", freq);

  for (let t = 1; t <= T; t++) {
    const o = get(t);
    const nan = (k: number) => Array.from({ length: k }, () => Number.NaN);
    if (!o) {
      hours.push({ t, status: "error", message: "no observation for this period", iterations: 0 });
    } else {
      hours.push({ t, status: o.status, message: o.message, iterations: o.iterations });
    }
    const ok = o !== undefined && o.status === "converged";
    powerFlow.pSubsKw.push(o ? o.pSubsKw : Number.NaN);
    powerFlow.qSubsKvar.push(o ? o.qSubsKvar : Number.NaN);
    powerFlow.lossKw.push(o ? o.lossKw : Number.NaN);
    powerFlow.costUsd.push(o ? dp.priceUsdPerKwh[t - 1]! * o.pSubsKw * dtH : Number.NaN);
    powerFlow.loadKw.push(o ? o.loadKw : Number.NaN);
    powerFlow.loadKvar.push(o ? o.loadKvar : Number.NaN);
    powerFlow.capQKvar.push(o ? o.capQKvar : Number.NaN);
    powerFlow.vPu.push(o ? Array.from(o.vPu) : nan(net.buses.length));
    powerFlow.pvPKw.push(o ? Array.from(o.pvPKw) : nan(sc.pvs.length));
    powerFlow.pvQKvar.push(o ? Array.from(o.pvQKvar) : nan(sc.pvs.length));
    powerFlow.battPKw.push(o ? Array.from(o.battPKw) : nan(sc.batteries.length));
    powerFlow.battQKvar.push(o ? Array.from(o.battQKvar) : nan(sc.batteries.length));
    powerFlow.battSocKwh.push(o ? Array.from(o.battKwh) : nan(sc.batteries.length));
    battState.push(o ? Array.from(o.battState) : Array.from({ length: sc.batteries.length }, () => 0));
    const nBr = net.branches.length;
    branchFlows.pKw.push(o ? Array.from(o.branchPKw) : nan(nBr));
    branchFlows.qKvar.push(o ? Array.from(o.branchQKvar) : nan(nBr));
    branchFlows.iA.push(o ? Array.from(o.branchIA) : nan(nBr));
    branchFlows.lossKw.push(o ? Array.from(o.branchLossKw) : nan(nBr));

    // Line charging of the deck's line capacitance at the power-flow voltages: Σ_bus B/2·V².
    let qc = 0;
    if (o) for (let j = 0; j < nBus; j++) qc += bShunt[j]! * o.vPu[j]! ** 2 * S;
    lineCharging.push(qc);

    if (!ok) {
      findings.push({
        kind: "convergence",
        severity: "error",
        t,
        element: null,
        message:
          o?.status === "not-converged"
            ? `power flow did not converge (${o.iterations} iterations); hour left out of every comparison`
            : `power flow failed: ${o?.message ?? "no result"}; hour left out of every comparison`,
      });
    }
  }

  findings.push(
    ...checkSetpoints(sc, dp, tol, {
      pvs: deck.elements.pvs.map((e) => e.fullName),
      batteries: deck.elements.batteries.map((e) => e.fullName),
    }),
  );

  // Post-replay attribution, converged hours only.
  for (let t = 1; t <= T; t++) {
    const o = get(t);
    if (o?.status !== "converged") continue;
    deviceFindings(input, o, t, tol, findings);
    bandFindings(input, o, t, findings);
  }
  // What the modelling differences alone predict (the kVA limits aside: see ReplayComparison.predicted); nothing
  // for a deck not written from the optimizer's network (the original deck).
  const deckPh = deck.options.physics;
  const optPh = optimizerPhysics(form, deck.options.wideBandPu);
  const optSameKva = deckPh ? { ...optPh, kva: deckPh.kva } : optPh;
  const predicted =
    !deckPh || samePhysics(deckPh, optSameKva)
      ? undefined
      : predictDifferences(net, sc, dp, deckPh, optSameKva, freq);
  return {
    format: "mpopf-replay-comparison/1",
    label: input.label,
    scenario: sc.name,
    network: net.name,
    flavour: deck.flavour,
    capacitorModel: deck.options.capacitorModel,
    T,
    dtH,
    engine: input.engine,
    timings: { ...input.timings, hourMs: Array.from({ length: T }, (_, i) => get(i + 1)?.solveMs ?? 0) },
    ids: {
      buses: net.buses.map((b) => b.id),
      pvs: sc.pvs.map((u) => u.id),
      pvBuses: sc.pvs.map((u) => net.buses[u.bus]!.id),
      batteries: sc.batteries.map((u) => u.id),
      batteryBuses: sc.batteries.map((u) => net.buses[u.bus]!.id),
    },
    hours,
    priceUsdPerKwh: Array.from(dp.priceUsdPerKwh),
    optimizer,
    powerFlow,
    battState,
    lineChargingKvar: lineCharging,
    ...(deckPh ? { physics: { deck: deckPh, optimizer: optPh } } : {}),
    ...(predicted ? { predicted } : {}),
    findings,
    inputs: {
      hour: Array.from({ length: T }, (_, t) => (sc.startIndex + t) * dtH),
      loadMult: Array.from(sc.loadMult),
      pvMult: Array.from(sc.pvMult),
      eRatedKwh: sc.batteries.map((b) => batteryRatings(sc, b).kwh),
    },
    branches: {
      ids: net.branches.map((b) => b.id),
      from: net.branches.map((b) => net.buses[b.from]!.id),
      to: net.branches.map((b) => net.buses[b.to]!.id),
      ...branchFlows,
    },
  };
}

/** PV and battery outputs and energies vs set-points, with the likely cause. */
function deviceFindings(
  input: CompareInput,
  o: HourObservation,
  t: number,
  tol: FindingTolerances,
  out: Finding[],
): void {
  const { scenario: sc, dispatch: dp, deck } = input;
  const nPv = sc.pvs.length;
  const nB = sc.batteries.length;
  sc.pvs.forEach((u, d) => {
    const el = deck.elements.pvs[d]!.fullName;
    const p = dp.pvPKw[(t - 1) * nPv + d]!;
    const q = dp.pvQKvar[(t - 1) * nPv + d]!;
    const pPf = o.pvPKw[d]!;
    const qPf = o.pvQKvar[d]!;
    if (!Number.isFinite(pPf) || !Number.isFinite(qPf)) {
      out.push({
        kind: "device",
        severity: "error",
        t,
        element: el,
        message: "no output read back from the engine",
      });
      return;
    }
    if (Math.abs(pPf - p) > tol.deviceKw || Math.abs(qPf - q) > tol.deviceKw) {
      const s = Math.hypot(p, q);
      const kva = pvRatings(sc, u).kva;
      const cause =
        s > kva + tol.powerKw
          ? `inverter kVA limit: asked ${fmt(s)} kVA > ${fmt(kva)} kVA`
          : "engine output differs from the set-point";
      out.push({
        kind: "device",
        severity: "error",
        t,
        element: el,
        message: `delivered ${fmt(pPf)} kW / ${fmt(qPf)} kvar, set-point ${fmt(p)} kW / ${fmt(q)} kvar (ΔP ${fmt(pPf - p)}, ΔQ ${fmt(qPf - q)}): ${cause}`,
      });
    }
  });
  sc.batteries.forEach((b, k) => {
    const el = deck.elements.batteries[k]!.fullName;
    const i = (t - 1) * nB + k;
    const p = dp.battPNetKw[i]!;
    const q = dp.battQKvar[i]!;
    const soc = dp.battSocKwh[i]!;
    const pPf = o.battPKw[k]!;
    const qPf = o.battQKvar[k]!;
    const e = o.battKwh[k]!;
    if (!Number.isFinite(pPf) || !Number.isFinite(qPf) || !Number.isFinite(e)) {
      out.push({
        kind: "device",
        severity: "error",
        t,
        element: el,
        message: "no output or stored energy read back from the engine",
      });
      return;
    }
    const rb = batteryRatings(sc, b);
    const reserve = b.socMin * rb.kwh;
    const state = o.battState[k]!;
    const stateText = state > 0 ? "discharging" : state < 0 ? "charging" : "idling";
    const cause = (): string => {
      if (Math.hypot(p, q) > rb.kva + tol.powerKw) {
        return `inverter kVA limit: asked ${fmt(Math.hypot(p, q))} kVA > ${fmt(rb.kva)} kVA`;
      }
      if (p > tol.deviceKw && e <= reserve + tol.socKwh) {
        return `discharging into the reserve (${fmt(reserve)} kWh = ${100 * b.socMin} %): OpenDSS clamps the stored energy there and stops discharging (state ${stateText})`;
      }
      if (p < -tol.deviceKw && e >= rb.kwh - tol.socKwh) {
        return `charging a full battery (${fmt(rb.kwh)} kWh): OpenDSS clamps the stored energy there and stops charging (state ${stateText})`;
      }
      if (Math.min(dp.battPcKw[i]!, dp.battPdKw[i]!) > tol.deviceKw) {
        return "simultaneous charge and discharge in the optimizer: OpenDSS integrates only the net power";
      }
      return `engine state ${stateText}`;
    };
    if (Math.abs(pPf - p) > tol.deviceKw || Math.abs(qPf - q) > tol.deviceKw) {
      out.push({
        kind: "device",
        severity: "error",
        t,
        element: el,
        message: `delivered ${fmt(pPf)} kW / ${fmt(qPf)} kvar, set-point ${fmt(p)} kW / ${fmt(q)} kvar (ΔP ${fmt(pPf - p)}, ΔQ ${fmt(qPf - q)}): ${cause()}`,
      });
    }
    if (Math.abs(e - soc) > tol.socKwh) {
      out.push({
        kind: "soc",
        severity: "error",
        t,
        element: el,
        message: `stored energy at the end of t: engine ${fmt(e)} kWh, optimizer ${fmt(soc)} kWh (Δ ${fmt(e - soc)} kWh): ${cause()}`,
      });
    }
  });
}

/** A band crossing smaller than this (pu) is reported as info and not counted (the models meet at the edge). */
export const BAND_CROSSING_PU = 1e-6;

/** Element voltage bands (OpenDSS switches constant-PQ models to constant Z outside them) and the optimizer's band. */
function bandFindings(input: CompareInput, o: HourObservation, t: number, out: Finding[]): void {
  const { network: net, scenario: sc, deck } = input;
  const els = deck.elements;
  const groups: Array<{ list: typeof els.loads; what: string }> = [
    { list: els.loads, what: "load" },
    { list: els.pvs, what: "PV" },
    { list: els.batteries, what: "storage" },
    { list: els.capacitors, what: "capacitor generator" },
  ];
  // A load whose band the optimizer models (element bands) switching is modelled, and a crossing by less than
  // 1e-6 pu changes nothing measurable (OpenDSS's pieces meet at the band edge): both are info, not counted.
  const modelled = loadBandOf(sc.options.formulation.elementBands);
  for (const g of groups) {
    for (const el of g.list) {
      const v = o.vPu[el.bus]!;
      if (!Number.isFinite(v)) continue;
      const { vMinPu: lo, vMaxPu: hi, explicit } = el.band;
      if (v <= lo || v > hi) {
        const byPu = Math.max(lo - v, v - hi);
        const known =
          g.what === "load" && modelled !== null && modelled.vMinPu === lo && modelled.vMaxPu === hi;
        out.push({
          kind: "load-model",
          severity: known || byPu < BAND_CROSSING_PU ? "info" : "warning",
          t,
          element: el.fullName,
          message: `bus ${net.buses[el.bus]!.id} at ${fmt(v, 5)} pu is outside the ${g.what}'s ${explicit ? "" : "OpenDSS default "}band ${lo}–${hi} pu: OpenDSS changes its model this hour (${g.what === "load" ? "constant-power and constant-current parts interpolated towards a constant impedance below the band, a constant impedance above it" : "a constant impedance"})${known ? "; the optimizer models this" : byPu < BAND_CROSSING_PU ? `; by ${byPu.toExponential(1)} pu only, no measurable effect` : ""}`,
        });
      }
    }
  }
  o.vPu.forEach((v, j) => {
    if (!Number.isFinite(v)) {
      out.push({
        kind: "voltage-band",
        severity: "error",
        t,
        element: `bus ${net.buses[j]!.id}`,
        message: "no voltage read back from the engine",
      });
    } else if (v < sc.options.vMinPu - 1e-9 || v > sc.options.vMaxPu + 1e-9) {
      out.push({
        kind: "voltage-band",
        severity: "warning",
        t,
        element: `bus ${net.buses[j]!.id}`,
        message: `power-flow voltage ${fmt(v, 5)} pu is outside the optimizer's band ${sc.options.vMinPu}–${sc.options.vMaxPu} pu`,
      });
    }
  });
  if (deck.options.capacitorModel === "capacitor" && els.capacitors.length > 0) {
    let qOpt = 0;
    for (const c of els.capacitors) qOpt += c.kvar;
    const d = o.capQKvar - qOpt;
    if (Math.abs(d) > 1e-3) {
      out.push({
        kind: "capacitor",
        severity: "info",
        t,
        element: null,
        message: `Capacitor elements deliver ${fmt(o.capQKvar)} kvar vs the optimizer's constant ${fmt(qOpt)} kvar (Δ ${fmt(d)}): Q ∝ V²`,
      });
    }
  }
}

/** Hours whose power flow converged (1-based). */
export function convergedHours(c: ReplayComparison): number[] {
  return c.hours.filter((h) => h.status === "converged").map((h) => h.t);
}

/** Serialise a comparison (NaN → null) as pretty JSON. */
export function comparisonToJson(c: ReplayComparison): string {
  return `${JSON.stringify(c, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 1)}\n`;
}

/** Per-period series of a ReplaySeries, and the id list each per-element series is indexed by. */
const SERIES_SHAPE: Record<keyof ReplaySeries, keyof ReplayComparison["ids"] | null> = {
  pSubsKw: null,
  qSubsKvar: null,
  lossKw: null,
  costUsd: null,
  loadKw: null,
  loadKvar: null,
  capQKvar: null,
  vPu: "buses",
  pvPKw: "pvs",
  pvQKvar: "pvs",
  battPKw: "batteries",
  battQKvar: "batteries",
  battSocKwh: "batteries",
};

/**
 * Check that a parsed comparison is complete and consistent: T periods in every per-period series, one value
 * per bus / PV / battery in every per-element row. Throws an InputError naming the first field that is not.
 */
const ONE = {
  buses: "bus",
  pvs: "PV",
  pvBuses: "PV",
  batteries: "battery",
  batteryBuses: "battery",
} as const;

function checkComparisonShape(c: ReplayComparison, file: string): void {
  const bad = (field: string, detail: string) =>
    new InputError("schema", `incomplete replay comparison: ${detail}`, { file, field });
  if (!(Number.isInteger(c.T) && c.T >= 1))
    throw bad("T", `T must be a whole number >= 1 (got ${String(c.T)})`);
  const T = c.T;
  const ids = c.ids;
  if (typeof ids !== "object" || ids === null) throw bad("ids", "missing");
  for (const k of ["buses", "pvs", "batteries"] as const) {
    if (!Array.isArray(ids[k])) throw bad(`ids.${k}`, "missing");
  }
  const len = (v: unknown, n: number, field: string, what: string) => {
    if (!Array.isArray(v)) throw bad(field, "missing");
    if (v.length !== n) throw bad(field, `expected ${n} ${what}, found ${v.length}`);
  };
  len(c.hours, T, "hours", "periods (T)");
  len(c.priceUsdPerKwh, T, "priceUsdPerKwh", "periods (T)");
  for (const side of ["optimizer", "powerFlow", "predicted"] as const) {
    const s = c[side];
    if (side === "predicted" && s === undefined) continue;
    if (typeof s !== "object" || s === null) throw bad(side, "missing");
    for (const [key, per] of Object.entries(SERIES_SHAPE) as Array<
      [keyof ReplaySeries, keyof ReplayComparison["ids"] | null]
    >) {
      const v = s[key] as unknown[];
      len(v, T, `${side}.${key}`, "periods (T)");
      if (per) {
        v.forEach((row, t) => {
          len(row, ids[per].length, `${side}.${key}[${t}]`, `values (one per ${ONE[per]})`);
        });
      }
    }
  }
  if (c.inputs !== undefined) {
    for (const k of ["hour", "loadMult", "pvMult"] as const)
      len(c.inputs[k], T, `inputs.${k}`, "periods (T)");
    len(c.inputs.eRatedKwh, ids.batteries.length, "inputs.eRatedKwh", "values (one per battery)");
  }
  if (c.branches !== undefined) {
    const b = c.branches;
    if (!Array.isArray(b.ids)) throw bad("branches.ids", "missing");
    len(b.from, b.ids.length, "branches.from", "values (one per branch)");
    len(b.to, b.ids.length, "branches.to", "values (one per branch)");
    for (const k of BRANCH_SERIES) {
      len(b[k], T, `branches.${k}`, "periods (T)");
      b[k].forEach((row, t) => {
        len(row, b.ids.length, `branches.${k}[${t}]`, "values (one per branch)");
      });
    }
  }
}

const BRANCH_SERIES = ["pKw", "qKvar", "iA", "lossKw"] as const;

/** Parse a comparison written by `comparisonToJson` (null → NaN in the numeric series). */
export function comparisonFromJson(text: string, file = "comparison.json"): ReplayComparison {
  let c: ReplayComparison;
  try {
    c = JSON.parse(text) as ReplayComparison;
  } catch (e) {
    const loc = jsonErrorLocation(text, e);
    throw new InputError("parse", loc.detail, { file, line: loc.line });
  }
  if (c?.format !== "mpopf-replay-comparison/1") {
    throw new InputError("schema", `not a replay comparison (format '${String(c?.format)}')`, {
      file,
      field: "format",
    });
  }
  checkComparisonShape(c, file);
  const fix = (s: ReplaySeries) => {
    for (const key of Object.keys(s) as Array<keyof ReplaySeries>) {
      const v = s[key] as unknown[];
      (s as unknown as Record<string, unknown>)[key] = v.map((x) =>
        Array.isArray(x) ? x.map((y) => (y === null ? Number.NaN : y)) : x === null ? Number.NaN : x,
      );
    }
  };
  fix(c.optimizer);
  fix(c.powerFlow);
  if (c.predicted) fix(c.predicted);
  c.lineChargingKvar = c.lineChargingKvar.map((x) => (x === null ? Number.NaN : x));
  if (c.phases) {
    const nan = (x: number | null) => (x === null ? Number.NaN : x);
    c.phases.vPu = c.phases.vPu.map((t) => t.map((b) => b.map(nan)));
    c.phases.vufPct = c.phases.vufPct.map((t) => t.map(nan));
    c.phases.spreadPu = c.phases.spreadPu.map((t) => t.map(nan));
  }
  if (c.branches) {
    for (const k of BRANCH_SERIES) {
      c.branches[k] = c.branches[k].map((row) => row.map((y) => (y === null ? Number.NaN : y)));
    }
  }
  return c;
}
