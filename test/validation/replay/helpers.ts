/**
 * Test data for the replay: the IEEE-123 scenario of the authors' T=5 MPCOPF run, their decoded solution
 * as `MpopfTables`, and a `SolvedCircuit` over one step of a recorded real-OpenDSS result (dss-run JSON).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { table } from "arquero";
import { parse } from "csv-parse/sync";
import { loadCase, type StudyCase } from "../../../models/case.ts";
import { buildScenario } from "../../../models/scenario.ts";
import { buildMathNetwork } from "../../../models/topology.ts";
import type { Scenario } from "../../../models/types.ts";
import type { MpopfTables } from "../../../solvers/mpopf/decode.ts";
import { compareReplay } from "../../../validation/replay/compare.ts";
import { buildDeck } from "../../../validation/replay/deck.ts";
import { dispatchFromTables } from "../../../validation/replay/dispatch.ts";
import { observeHour } from "../../../validation/replay/observe.ts";
import type { CapacitorModel, HourObservation, SolvedCircuit } from "../../../validation/replay/types.ts";
import { referenceDir } from "../../helpers/reference.ts";

export const decoded = referenceDir("authors/derived/decoded_solutions/MPCOPF_T5_genCost_pv20_batt30");
export const v2 = referenceDir("opendss/ieee123-balanced-daily-T5");

/** A copy of a case with another line-to-neutral voltage base (the reference decks use 2.4018 kV); same ohms. */
export function withVoltageBase(c: StudyCase, vBaseKvLn: number): StudyCase {
  const feeder = { ...c.feeder, source: { ...c.feeder.source, kvBaseLn: vBaseKvLn } };
  return { ...c, feeder, network: buildMathNetwork(feeder) };
}

/** The authors' T=5 genCost pv20/batt30 scenario on IEEE-123 (optionally with another voltage base). */
export function authorsScenario(vBaseKvLn?: number): { c: StudyCase; scenario: Scenario } {
  const c0 = loadCase("ieee123");
  const c = vBaseKvLn === undefined ? c0 : withVoltageBase(c0, vBaseKvLn);
  return { c, scenario: buildScenario(c, { horizon: 5, objective: "cost", pvPercent: 20, battPercent: 30 }) };
}

/** The authors' decoded T=5 solutions (genCost, 17 PV / 26 batteries). */
export type AuthorsSolution = "MPCOPF_T5_genCost_pv20_batt30" | "MPDOPF_T5_genCost_pv20_batt30";

/**
 * An authors' decoded T=5 solution (default: the centralized one) as result tables, with the same columns
 * as solvers/mpopf/decode.ts.
 */
export function authorsTables(which: AuthorsSolution = "MPCOPF_T5_genCost_pv20_batt30"): MpopfTables {
  const dir = join(decoded.dir, "..", which);
  const csv = (file: string): Array<Record<string, string>> =>
    parse(readFileSync(join(dir, file), "utf8"), { columns: true, trim: true });
  const sys = csv("system_summary.csv");
  const pv = csv("pv_setpoints.csv");
  const bt = csv("battery_setpoints.csv");
  const bv = csv("bus_voltages.csv");
  const num = (rows: Array<Record<string, string>>, k: string) => rows.map((r) => Number(r[k]));
  return {
    periods: table({
      t: num(sys, "t"),
      loadMult: num(sys, "load_mult"),
      pvMult: num(sys, "pv_mult"),
      priceUsdPerKwh: num(sys, "price_usd_per_kWh"),
      pSubsKw: num(sys, "PSubs_kW"),
      qSubsKvar: num(sys, "QSubs_kVAr"),
      lossKw: num(sys, "PLoss_kW_sum_over_areas"),
      costUsd: num(sys, "PSubsCost_usd"),
    }),
    pv: table({
      t: num(pv, "t"),
      pv: pv.map((r) => `PV${r.bus}`),
      bus: pv.map((r) => r.bus!),
      pKw: num(pv, "p_kW"),
      qKvar: num(pv, "q_kVAr"),
    }),
    batteries: table({
      t: num(bt, "t"),
      battery: bt.map((r) => `Battery${r.bus}`),
      bus: bt.map((r) => r.bus!),
      pcKw: num(bt, "Pc_kW"),
      pdKw: num(bt, "Pd_kW"),
      pNetKw: num(bt, "Pnet_dis_minus_ch_kW"),
      qKvar: num(bt, "q_kVAr"),
      socKwh: num(bt, "B_end_of_t_kWh"),
    }),
    buses: table({ t: num(bv, "t"), bus: bv.map((r) => r.bus!), vPu: num(bv, "V_pu") }),
    branches: table({}),
  };
}

interface DssTerminal {
  kw_total: number;
  kvar_total: number;
}
interface DssElement {
  name: string;
  enabled: boolean;
  terminals: DssTerminal[];
  prop_kWhstored?: string;
  state?: number;
}
/** One step of a dss-run result (see shared/reference/opendss/README.md). */
export interface DssStep {
  converged: boolean;
  iterations: number;
  total_power_kw: number;
  total_power_kvar: number;
  losses_kw: number;
  losses_kvar: number;
  nodes: Array<{ name: string; v: number }>;
  elements: Record<string, DssElement[]>;
}

/** Read the steps of a recorded dss-run result. */
export function dssSteps(file: string): DssStep[] {
  return (JSON.parse(readFileSync(join(v2.dir, file), "utf8")) as { steps: DssStep[] }).steps;
}

/**
 * A `SolvedCircuit` over a recorded step. `rename` maps this project's element names (lower case,
 * "class.name") to the recorded ones where the reference deck named them differently.
 */
export function recordedCircuit(
  step: DssStep,
  rename: (fullLower: string) => string = (s) => s,
): SolvedCircuit {
  const byName = new Map<string, DssElement>();
  for (const [cls, list] of Object.entries(step.elements)) {
    for (const e of list) byName.set(`${cls.toLowerCase()}.${e.name.toLowerCase()}`, e);
  }
  return {
    converged: () => step.converged,
    iterations: () => step.iterations,
    totalPower: () => [step.total_power_kw, step.total_power_kvar],
    losses: () => [step.losses_kw, step.losses_kvar],
    nodeVoltagesV: () => new Map(step.nodes.map((n) => [n.name.toLowerCase(), n.v])),
    elementPower: (full) => {
      const e = byName.get(rename(full.toLowerCase()));
      if (!e?.enabled) return undefined;
      return [e.terminals[0]!.kw_total, e.terminals[0]!.kvar_total];
    },
    storage: (name) => {
      const e = byName.get(`storage.${name.toLowerCase()}`);
      if (!e?.prop_kWhstored) return undefined;
      return { kwhStored: Number(e.prop_kWhstored), state: e.state ?? 0 };
    },
  };
}

/** This project's load names (Load<bus>) → the reference deck's (S<bus>P). */
export const referenceLoadNames = (full: string): string => full.replace(/^load\.load(.+)$/, "load.s$1p");

export const RECORDED_ENGINE = { name: "OpenDSS (recorded, DSS C-API 0.14.5)", version: "9.8.0.1" };

/** A row of compare_authors*.json (the reference's own optimizer-vs-OpenDSS discrepancies). */
export interface RefRow {
  t: number;
  dP: number;
  dQ: number;
  dLoss: number;
  dV_max: number;
  dV_bus: string;
  dB_max_kWh: number;
}

/** Replay the recorded steps through this project's observation and comparison code. */
export function recordedReplay(
  file: string,
  capacitorModel: CapacitorModel,
  edit?: (o: HourObservation[]) => void,
) {
  const { c, scenario } = authorsScenario(2.4018);
  const tables = authorsTables();
  const dispatch = dispatchFromTables(scenario, tables, "authors");
  const deck = buildDeck(c.network, scenario, dispatch, { flavour: "model-consistent", capacitorModel });
  const observations = dssSteps(file).map((s, i) =>
    observeHour(deck, c.network, recordedCircuit(s, referenceLoadNames), i + 1),
  );
  edit?.(observations);
  const cmp = compareReplay({
    label: "MPCOPF",
    network: c.network,
    scenario,
    deck,
    dispatch,
    observations,
    engine: RECORDED_ENGINE,
    timings: { compileMs: 0, totalMs: 0 },
  });
  return { c, scenario, deck, dispatch, observations, cmp };
}
