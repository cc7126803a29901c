/**
 * The study pipeline as a library: a case and a request → the per-unit scenario → the centralized solve
 * (MPCOPF) and/or ENApp (MPDOPF) → optionally the replay of each solution in the OpenDSS-compatible engine
 * and the verdict against regression thresholds. `runStudy` does it all and writes the one run-directory
 * layout (models/run-layout.ts) atomically; `prepareStudy` and `solveStudy` are its two halves for callers
 * that want the objects and no files. The CLI commands (`mpopf solve`, `mpopf run`) are thin wrappers.
 */
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { loadCase, type StudyCase } from "../../models/case.ts";
import type { Partition } from "../../models/partition.ts";
import type { RunKind, RunMethod } from "../../models/run-layout.ts";
import { buildScenario, buildStudy, type ScenarioRequest } from "../../models/scenario.ts";
import type { Scenario } from "../../models/types.ts";
import { METHOD_LABELS } from "../../solvers/distributed/messages.ts";
import type { DistributedUserOptions } from "../../solvers/distributed/options.ts";
import type { RemoteAreas } from "../../solvers/distributed/solve.ts";
import type { EnappSolution } from "../../solvers/enapp/index.ts";
import { type MpopfSolution, solveMpopf } from "../../solvers/mpopf/solve.ts";
import type { NlpSolveOptions, NlpSolver } from "../../solvers/nlp/types.ts";
import type { DssDeckInfo } from "../../validation/dss-import/import.ts";
import {
  type Attribution,
  attributeOriginalDeck,
  attributeReplay,
} from "../../validation/replay/attribution.ts";
import { enappReplayBound, enappResiduals, enappThresholds } from "../../validation/replay/enapp-bound.ts";
import { replayOriginalDeck } from "../../validation/replay/original-deck.ts";
import { type ReplayOptions, type ReplayResult, replayDispatch } from "../../validation/replay/replay.ts";
import {
  checkThresholds,
  DEFAULT_THRESHOLDS,
  mergeThresholds,
  type ThresholdReport,
  type Thresholds,
} from "../../validation/replay/thresholds.ts";
import { DECK_FLAVOURS, type DeckFlavour } from "../../validation/replay/types.ts";
import { resolveAreas } from "./areas.ts";
import { runEnapp } from "./enapp.ts";
import { createSolver, type SolverBackend } from "./solver.ts";

/** What a study asks for; everything optional. */
export interface StudyOptions {
  /** The scenario request (horizon, Δt, objective, DERs, limits, formulation …); default the case's. */
  request?: ScenarioRequest;
  /** Centralized (default), ENApp, or both. */
  method?: RunMethod;
  /** Areas of the distributed solve: a partition of the case (default: its first), auto:K, or a bus,area CSV file. */
  areas?: string;
  /** Options of the distributed solve: `method` (ENApp by default, ADMM, APP), coupling, tolerances … */
  enapp?: DistributedUserOptions;
  /** Worker threads for the ENApp areas (default and cap: areas and CPUs; 0 = this thread). */
  workers?: number;
  /** The distributed method's areas are agents elsewhere (over NATS), not workers of this process. */
  remote?: RemoteAreas | null;
  /** The NLP solver, or which Ipopt backend to create (default wasm). */
  solver?: NlpSolver | SolverBackend;
  /** Raw Ipopt options for every solve (centralized and, unless `enapp.ipopt` is given, ENApp's areas). */
  ipopt?: Record<string, number | string>;
  /** Replay each solution in the OpenDSS-compatible engine and check the thresholds (default false). */
  replay?: boolean;
  /** Deck flavours to replay (default both). */
  flavours?: DeckFlavour[];
  /** Which flavour's power flow the report shows (default paper-style, or the only one replayed). */
  reportFlavour?: DeckFlavour;
  /**
   * Attribute each replay's discrepancy to the modelling differences (validation/replay/attribution.ts: a few
   * extra replays per deck that models more than the optimizer); default true when replaying.
   */
  attribute?: boolean;
  /** Regression thresholds merged over the defaults (validation/replay/thresholds.default.json). */
  thresholds?: Thresholds | null;
  /** Replay options (engine, deck options, tolerances of the findings). */
  replayOptions?: Omit<ReplayOptions, "label">;
  /**
   * The OpenDSS deck the case was imported from (validation/dss-import): the centralized solution is then also
   * replayed in that deck (flavour `original-deck`, validation/replay/original-deck.ts) when the study replays.
   */
  originalDeck?: DssDeckInfo | null;
  /** Stop after the first solve that is not valid (default true). */
  stopOnInvalid?: boolean;
  /** Progress lines (stage by stage, one per ENApp macro-iteration). */
  progress?: (msg: string) => void;
  /** Per-iteration progress of the centralized solve (e.g. `solverProgress`: a line a second for long solves). */
  solverProgress?: NlpSolveOptions["progress"];
  /** Called after each replayed period (e.g. `replayProgress`: a line a second for long replays). */
  onReplayPeriod?: (label: string, flavour: DeckFlavour, t: number, T: number, elapsedMs: number) => void;
}

/** A study ready to solve: the case, the request, the per-unit scenario and (for ENApp) the partition. */
export interface PreparedStudy {
  case: StudyCase;
  request: ScenarioRequest;
  scenario: Scenario;
  method: RunMethod;
  partition?: Partition;
}

/** A solve that did not produce a valid result. */
export interface InvalidSolve {
  solution: "mpcopf" | "mpdopf";
  status: string;
  message: string;
}

/** Everything a study produced. */
export interface StudyResult extends PreparedStudy {
  /** "run" when the solutions were replayed, "solve" otherwise (recorded in the manifest and the marker). */
  kind: RunKind;
  central?: MpopfSolution;
  enapp?: EnappSolution;
  /** Every requested solve ran and produced a valid result. */
  valid: boolean;
  /** The first solve that was not valid (later ones were skipped when `stopOnInvalid`). */
  invalid?: InvalidSolve;
  /** Replays of the valid solutions (empty when not asked for or when a solve was not valid). */
  replays: ReplayResult[];
  /** The thresholds the replays were checked against (null when nothing was replayed). */
  thresholds: Thresholds | null;
  verdicts: Array<{ replay: string; report: ThresholdReport }>;
  /** The attribution of each replay (`<solution>-<flavour>`), when asked for. */
  attributions: Array<{ replay: string; attribution: Attribution }>;
  /** The flavour the report shows (when replayed). */
  reportFlavour?: DeckFlavour;
  /** Wall time of each stage (s). */
  timings: Record<string, number>;
}

/** Load the case (a built-in name or a folder), build the scenario, pick the partition. No solving. */
export function prepareStudy(
  c: StudyCase | string,
  opts: Pick<StudyOptions, "request" | "method" | "areas"> = {},
): PreparedStudy {
  const sc = typeof c === "string" ? loadCase(c) : c;
  const request = opts.request ?? {};
  const method = opts.method ?? "central";
  const scenario = buildScenario(sc, request);
  const partition = method === "central" ? undefined : resolveAreas(sc, opts.areas, scenario);
  return { case: sc, request, scenario, method, ...(partition ? { partition } : {}) };
}

/** How many profile points the case has at the request's Δt (the largest horizon T). */
export function horizonPoints(c: StudyCase, request: ScenarioRequest = {}): number {
  return buildStudy(c, { ...request, horizon: 1 }).horizon.points;
}

/** Solve a prepared study (and replay it when asked). Never throws for an invalid solve: see `valid`. */
export async function solveStudy(p: PreparedStudy, opts: StudyOptions = {}): Promise<StudyResult> {
  const progress = opts.progress ?? (() => {});
  const started = performance.now();
  const timings: Record<string, number> = {};
  const stage = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    progress(`${name} …`);
    const s = performance.now();
    const r = await f();
    timings[name] = (performance.now() - s) / 1000;
    return r;
  };
  const { scenario, method } = p;
  const replay = opts.replay ?? false;
  const stop = opts.stopOnInvalid ?? true;
  const out: StudyResult = {
    ...p,
    kind: replay ? "run" : "solve",
    valid: false,
    replays: [],
    thresholds: null,
    verdicts: [],
    attributions: [],
    timings,
  };
  progress(
    `scenario ${scenario.name}: ${p.case.network.buses.length} buses, ${scenario.pvs.length} PVs, ${scenario.batteries.length} batteries, terminal ${scenario.options.terminal}, limits ${scenario.options.limits}${p.partition ? `; partition ${p.partition.name}: ${p.partition.areas.length} areas` : ""}`,
  );
  const solver =
    typeof opts.solver === "object"
      ? opts.solver
      : await stage("load solver", () => createSolver((opts.solver as SolverBackend) ?? "wasm"));
  const ipopt = opts.ipopt ?? {};

  if (method !== "enapp") {
    const cen = await stage("solve MPCOPF", () =>
      solveMpopf({ scenario }, solver, {
        ipopt,
        ...(opts.solverProgress ? { progress: opts.solverProgress } : {}),
      }),
    );
    out.central = cen;
    const cs = cen.summary;
    progress(
      `MPCOPF: ${cs.status}, ${cs.iterations} iterations, ${cs.solveSeconds.toFixed(3)} s${cen.valid ? `; cost $${cs.costUsd.toFixed(2)}, loss ${cs.lossKwh.toFixed(2)} kWh` : " (not a valid result)"}`,
    );
    if (!cen.valid) out.invalid = { solution: "mpcopf", status: cs.status, message: cs.message };
  }
  if (method !== "central" && !(out.invalid && stop)) {
    const partition = p.partition ?? resolveAreas(p.case, undefined, scenario);
    const enappOptions: DistributedUserOptions = { ...opts.enapp };
    if (enappOptions.ipopt === undefined && opts.ipopt !== undefined) enappOptions.ipopt = opts.ipopt;
    const e = await stage(`solve MPDOPF (${METHOD_LABELS[enappOptions.method ?? "enapp"]})`, () =>
      runEnapp(scenario, partition, solver, {
        workers: opts.workers,
        options: enappOptions,
        progress,
        remote: opts.remote ?? null,
      }),
    );
    out.enapp = e;
    progress(`MPDOPF: ${e.summary.message}`);
    if (!e.valid && !out.invalid) {
      out.invalid = { solution: "mpdopf", status: e.summary.status, message: e.summary.message };
    }
  }
  const done = () => {
    timings.total = (performance.now() - started) / 1000;
    return out;
  };
  out.valid =
    out.invalid === undefined &&
    (method === "enapp" || !!out.central) &&
    (method === "central" || !!out.enapp);
  if (!out.valid || !replay) return done();

  // Replays of every solution in every flavour, and the verdict against the thresholds (the ENApp replays'
  // limits widened by the bound its boundary residuals allow).
  const flavours = opts.flavours ?? [...DECK_FLAVOURS];
  let thresholds = opts.thresholds
    ? mergeThresholds(DEFAULT_THRESHOLDS, opts.thresholds)
    : DEFAULT_THRESHOLDS;
  const net = p.case.network;
  const solutions: Array<[string, MpopfSolution["tables"]]> = [];
  if (out.central) solutions.push(["mpcopf", out.central.tables]);
  if (out.enapp) {
    solutions.push(["mpdopf", out.enapp.tables]);
    const e = out.enapp;
    const residuals = enappResiduals(e.summary, net, scenario.options.vMaxPu);
    const bound = enappReplayBound(scenario, e.decomposition.partition, residuals);
    thresholds = enappThresholds("mpdopf", bound, scenario.priceUsdPerKwh, scenario.dtH, thresholds);
  }
  for (const [label, tables] of solutions) {
    const name = label === "mpcopf" ? "MPCOPF" : "MPDOPF";
    const onPeriod = opts.onReplayPeriod;
    await stage(`replay ${name}`, async () => {
      for (const flavour of flavours) {
        out.replays.push(
          await replayDispatch(net, scenario, tables, flavour, {
            ...opts.replayOptions,
            label,
            ...(onPeriod ? { onHour: (t, T, ms, f) => onPeriod(name, f, t, T, ms) } : {}),
          }),
        );
      }
    });
  }
  const deck = opts.originalDeck;
  if (deck && out.central) {
    if (!existsSync(deck.master)) progress(`original-deck replay skipped: ${deck.master} is gone`);
    else {
      const tables = out.central.tables;
      const onPeriod = opts.onReplayPeriod;
      out.replays.push(
        await stage("replay MPCOPF in the original deck", () =>
          replayOriginalDeck(net, scenario, tables, deck, {
            label: "mpcopf",
            ...(onPeriod ? { onHour: (t, T, ms, f) => onPeriod("MPCOPF", f, t, T, ms) } : {}),
          }),
        ),
      );
    }
  }
  if (opts.attribute ?? true) {
    await stage("attribute", async () => {
      const key = (r: ReplayResult) => `${r.label}-${r.comparison.flavour}`;
      for (const r of out.replays) {
        if (r.comparison.flavour === "original-deck") continue;
        const a = await attributeReplay({
          network: net,
          scenario,
          dispatch: r.dispatch,
          deckOptions: { ...opts.replayOptions?.deck, flavour: r.deck.flavour },
          comparison: r.comparison,
          ...(opts.replayOptions?.engine ? { engine: opts.replayOptions.engine } : {}),
        });
        out.attributions.push({ replay: key(r), attribution: a });
      }
      // The original deck on top of the paper-style attribution: its row is the balanced-equivalent reduction.
      for (const r of out.replays) {
        if (r.comparison.flavour !== "original-deck") continue;
        const ps = out.attributions.find((x) => x.replay === `${r.label}-paper-style`);
        if (ps) {
          out.attributions.push({
            replay: key(r),
            attribution: attributeOriginalDeck(r.comparison, ps.attribution),
          });
        } else
          progress(
            `attribution of ${key(r)} skipped: it builds on the paper-style replay, which did not run`,
          );
      }
    });
  }
  out.thresholds = thresholds;
  out.verdicts = out.replays.map((r) => ({
    replay: `${r.label}-${r.comparison.flavour}`,
    report: checkThresholds(r.comparison, thresholds),
  }));
  const want = opts.reportFlavour ?? "paper-style";
  out.reportFlavour = flavours.includes(want) ? want : flavours[0];
  return done();
}
