/**
 * `attributeRun`: the attribution of every replay of a run directory (validation/replay/attribution.ts), for runs
 * written without it (`mpopf run --no-attribute`, or before it existed) or to redo it. The case and scenario are
 * rebuilt from the manifest (its case folder and request; the scenario's name must match), the set-points read
 * from the solutions' tables, the deck's physics from each comparison. Each replay's
 * `attribution.{json,csv}`, the report's `tables/attribution/<solution>.csv` and the report are rewritten in
 * place (each file through a temporary file and a rename, the marker's inventory refreshed), so the run stays
 * complete.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError } from "../../models/errors.ts";
import { DEVICE_BANDS, OPENDSS_DEFAULT_BANDS } from "../../models/fidelity.ts";
import {
  ATTRIBUTION_FILES,
  REPLAY_ATTRIBUTION_FILES,
  REPLAY_DIR,
  readRunManifest,
  SOLUTIONS,
} from "../../models/run-layout.ts";
import { buildScenario } from "../../models/scenario.ts";
import type { FormulationOptions } from "../../models/types.ts";
import { type ReportOptions, readRunDir } from "../../reports/index.ts";
import { solveMpopf } from "../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../solvers/nlp/types.ts";
import {
  ATTRIBUTION_STEPS,
  type Attribution,
  type AttributionRow,
  type AttributionStepId,
  attributeOriginalDeck,
  attributeReplay,
  attributionCsv,
  discrepancyOf,
  minus,
  residualRows,
  STEP_LABELS,
  valuesOf,
  ZERO,
} from "../../validation/replay/attribution.ts";
import { comparisonFromJson, convergedHours } from "../../validation/replay/compare.ts";
import { deckPhysics } from "../../validation/replay/deck.ts";
import { dispatchFromTables, readSolutionTables } from "../../validation/replay/dispatch.ts";
import { predictPowerFlow } from "../../validation/replay/predict.ts";
import { replayDispatch } from "../../validation/replay/replay.ts";
import type { DeckFlavour, DeckOptions, DeckPhysics } from "../../validation/replay/types.ts";
import { checkRunDir, updateRunMarker } from "../run-dir.ts";
import { isReportFile, renderRunReport } from "./report.ts";
import { createSolver } from "./solver.ts";
import { type PreparedStudy, prepareStudy } from "./study.ts";

/** Files `attributeRun` (re)writes. */
export const isAttributionFile = (rel: string): boolean =>
  Object.values(ATTRIBUTION_FILES).includes(rel as never) ||
  (rel.startsWith(`${REPLAY_DIR}/`) &&
    Object.values(REPLAY_ATTRIBUTION_FILES).some((f) => rel.endsWith(`/${f}`)));

/** Options of `attributeRun`. */
export interface AttributeRunOptions {
  /**
   * `deck` (default): every replay, the deck switched towards the optimizer (`attributeReplay`); `optimizer`: the
   * centralized solve re-solved with the reported deck's physics one step at a time (`attributeOptimizerSide`),
   * written beside the deck side as `attribution-optimizer.{json,csv}` (not in the report).
   */
  side?: "deck" | "optimizer";
  /** The solver of the optimizer side (default: wasm Ipopt). */
  solver?: NlpSolver;
  /** Re-render the report with the attribution (default true). */
  report?: boolean;
  reportOptions?: ReportOptions;
  progress?: (msg: string) => void;
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/**
 * Attribute every replay of a complete run directory and write the results into it (see the module comment).
 * Throws an InputError when the folder is not a complete run, replayed nothing, or its case no longer gives
 * the recorded scenario.
 */
export async function attributeRun(
  runDir: string,
  opts: AttributeRunOptions = {},
): Promise<Array<{ replay: string; attribution: Attribution }>> {
  const progress = opts.progress ?? (() => {});
  checkRunDir(runDir, (rel) => isAttributionFile(rel) || isReportFile(rel));
  const m = readRunManifest(runDir);
  if (m.replays.length === 0) {
    throw new InputError(
      "bad-run-dir",
      "nothing was replayed in this run directory (mpopf solve --out): no discrepancy to attribute",
      { file: runDir },
    );
  }
  if (!m.caseDir) {
    throw new InputError(
      "bad-run-dir",
      "the run's case was read from an OpenDSS deck (no case folder to rebuild it from): mpopf run --dss attributes its replays itself; to attribute again, import the deck (mpopf case import) and run on the folder",
      { file: join(runDir, "manifest.json"), field: "caseDir" },
    );
  }
  const p = prepareStudy(m.caseDir, { request: m.scenario.request as never });
  if (p.scenario.name !== m.scenario.name || p.scenario.T !== m.scenario.T) {
    throw new InputError(
      "bad-run-dir",
      `the case no longer gives the run's scenario ('${m.scenario.name}', T = ${m.scenario.T}; now '${p.scenario.name}', T = ${p.scenario.T})`,
      { file: join(runDir, "manifest.json"), field: "caseDir" },
    );
  }
  const net = p.case.network;
  const out: Array<{ replay: string; attribution: Attribution }> = [];
  const written: string[] = [];
  if (opts.side === "optimizer") {
    const flavour = m.powerFlow?.reportFlavour ?? "paper-style";
    const replay = `mpcopf-${flavour}`;
    if (!m.replays.includes(replay)) {
      throw new InputError(
        "bad-run-dir",
        `the optimizer side re-solves the centralized solve: no replay '${replay}'`,
        {
          file: runDir,
        },
      );
    }
    const solver = opts.solver ?? (await createSolver("wasm"));
    const a = await attributeOptimizerSide(p, solver, { flavour: flavour as DeckFlavour, progress });
    const dir = `${REPLAY_DIR}/${replay}`;
    const json = `${dir}/${REPLAY_ATTRIBUTION_FILES.optimizerJson}`;
    const csv = `${dir}/${REPLAY_ATTRIBUTION_FILES.optimizerCsv}`;
    writeAtomic(join(runDir, json), `${JSON.stringify(a, null, 2)}\n`);
    writeAtomic(join(runDir, csv), attributionCsv(a));
    updateRunMarker(runDir, (rel) => rel === json || rel === csv, [json, csv]);
    return [{ replay, attribution: a }];
  }
  // The original-deck replays last: their attribution builds on the paper-style one of the same solution.
  const ordered = [...m.replays].sort(
    (a, b) => Number(a.endsWith("-original-deck")) - Number(b.endsWith("-original-deck")),
  );
  const shown = new Map<keyof typeof SOLUTIONS, { flavour: string; a: Attribution }>();
  for (const replay of ordered) {
    const dir = `${REPLAY_DIR}/${replay}`;
    const cmpFile = join(runDir, dir, "comparison.json");
    const c = comparisonFromJson(readFileSync(cmpFile, "utf8"), cmpFile);
    const solution = (Object.keys(SOLUTIONS) as Array<keyof typeof SOLUTIONS>).find((k) =>
      replay.startsWith(`${k}-`),
    );
    if (!solution) {
      throw new InputError("bad-run-dir", `replay '${replay}' names no solution of the run`, {
        file: cmpFile,
      });
    }
    progress(`attribute ${replay} …`);
    let a: Attribution;
    if (c.flavour === "original-deck") {
      const ps = out.find((x) => x.replay === `${solution}-paper-style`);
      if (!ps) {
        progress(
          `attribution of ${replay} skipped: it builds on the paper-style replay, which the run has not`,
        );
        continue;
      }
      a = attributeOriginalDeck(c, ps.attribution);
    } else {
      const tables = readSolutionTables(join(runDir, SOLUTIONS[solution].dir));
      const dispatch = dispatchFromTables(p.scenario, tables, SOLUTIONS[solution].dir);
      const deckOptions: DeckOptions = {
        flavour: c.flavour,
        ...(c.physics ? { physics: c.physics.deck } : {}),
      };
      a = await attributeReplay({ network: net, scenario: p.scenario, dispatch, deckOptions, comparison: c });
    }
    out.push({ replay, attribution: a });
    const json = `${dir}/${REPLAY_ATTRIBUTION_FILES.json}`;
    const csv = `${dir}/${REPLAY_ATTRIBUTION_FILES.csv}`;
    writeAtomic(join(runDir, json), `${JSON.stringify(a, null, 2)}\n`);
    writeAtomic(join(runDir, csv), attributionCsv(a));
    written.push(json, csv);
    // The report shows the reported flavour's attribution, or an imported case's original-deck one.
    if (c.flavour === (m.powerFlow?.reportFlavour ?? "paper-style") || c.flavour === "original-deck") {
      shown.set(solution, { flavour: c.flavour, a });
    }
  }
  for (const [solution, { a }] of shown) {
    writeAtomic(join(runDir, ATTRIBUTION_FILES[solution]), attributionCsv(a));
    written.push(ATTRIBUTION_FILES[solution]);
  }
  const kept = (rel: string) =>
    rel.endsWith(`/${REPLAY_ATTRIBUTION_FILES.optimizerJson}`) ||
    rel.endsWith(`/${REPLAY_ATTRIBUTION_FILES.optimizerCsv}`);
  updateRunMarker(runDir, (rel) => isAttributionFile(rel) && !kept(rel), written);
  if (opts.report ?? true) {
    progress("report …");
    await renderRunReport(runDir, opts.reportOptions);
  } else {
    readRunDir(runDir); // the tables still read back
  }
  return out;
}

/** Options of `attributeOptimizerSide`. */
export interface OptimizerSideOptions {
  /** The deck whose physics the optimizer is moved towards (default paper-style). */
  flavour?: DeckFlavour;
  ipopt?: Record<string, number | string>;
  progress?: (msg: string) => void;
}

const sameBands = (ph: DeckPhysics) =>
  JSON.stringify([ph.loadBand, ph.pvBand, ph.storageBand, ph.generatorBand]) ===
  JSON.stringify([OPENDSS_DEFAULT_BANDS.Load, DEVICE_BANDS.pv, DEVICE_BANDS.storage, DEVICE_BANDS.generator]);

/**
 * The attribution from the optimizer's side: the deck stays as it is (e.g. paper-style) and the formulation takes
 * its physics one difference at a time — line charging, capacitors, element bands, idling losses — each step
 * re-solved and replayed in the same deck. A step's share is the discrepancy before it minus after it (the
 * solution changes too: a share mixes the model difference with the re-dispatch it causes); the rows left
 * are the final solution's unexplained rest and tolerance, as in `attributeReplay`. With every step taken this
 * is the closure: the optimizer models what the deck models.
 */
export async function attributeOptimizerSide(
  p: PreparedStudy,
  solver: NlpSolver,
  opts: OptimizerSideOptions = {},
): Promise<Attribution> {
  const t0 = performance.now();
  const flavour = opts.flavour ?? "paper-style";
  const progress = opts.progress ?? (() => {});
  const net = p.case.network;
  let form: FormulationOptions = p.scenario.options.formulation;
  const deck: DeckPhysics = deckPhysics({ flavour }, form);
  const deckOptions: DeckOptions = { flavour, physics: deck };
  let replays = 0;
  const run = async (f: FormulationOptions) => {
    const sc = buildScenario(p.case, { ...p.request, formulation: f });
    const sol = solveMpopf({ scenario: sc }, solver, { ipopt: opts.ipopt ?? {} });
    if (!sol.valid) {
      throw new Error(`the solve with ${JSON.stringify(f)} is not valid: ${sol.summary.message}`);
    }
    const r = await replayDispatch(net, sc, sol.tables, flavour, { deck: deckOptions, label: "MPCOPF" });
    replays++;
    return { sc, r };
  };
  progress(`attribute (optimizer side, ${flavour}): the formulation as given …`);
  let cur = await run(form);
  const hours = convergedHours(cur.r.comparison);
  const exactOf = (x: typeof cur) =>
    valuesOf(predictPowerFlow(net, x.sc, x.r.dispatch, deck), x.r.comparison.optimizer, hours, x.sc.dtH);
  let measured = discrepancyOf(cur.r.comparison, hours);
  let exact = exactOf(cur);
  const observed = measured;
  const rows: AttributionRow[] = [];
  const steps: Array<[AttributionStepId, Partial<FormulationOptions>, string]> = [
    [
      "lineCharging",
      { lineCharging: deck.lineCharging },
      `lineCharging ${form.lineCharging} → ${deck.lineCharging}`,
    ],
    [
      "capacitors",
      { capacitors: deck.capacitorModel === "capacitor" ? "voltage" : "constant" },
      `capacitors ${form.capacitors} → ${deck.capacitorModel === "capacitor" ? "voltage" : "constant"}`,
    ],
    [
      "loadBand",
      { elementBands: sameBands(deck) ? "opendss" : "none" },
      `elementBands ${form.elementBands} → ${sameBands(deck) ? "opendss" : "none"} (loads piecewise, DERs in their bands)`,
    ],
    ["idling", { idlingPct: deck.idlingPct }, `idlingPct ${form.idlingPct} → ${deck.idlingPct}`],
  ];
  for (const id of ATTRIBUTION_STEPS) {
    const label = STEP_LABELS[id];
    const step = steps.find((s) => s[0] === id);
    if (!step) {
      const change =
        id === "deviceBands"
          ? "taken with the load band (element bands)"
          : id === "kva"
            ? "the optimizer keeps every set-point inside its kVA: nothing to model"
            : "a single-phase deck of the optimizer's own network: no reduction";
      rows.push({ id, label, status: "not applicable", change, share: { ...ZERO }, predicted: { ...ZERO } });
      continue;
    }
    const [, change, text] = step;
    const next = { ...form, ...change };
    if (JSON.stringify(next) === JSON.stringify(form)) {
      rows.push({
        id,
        label,
        status: "no difference",
        change: text,
        share: { ...ZERO },
        predicted: { ...ZERO },
      });
      continue;
    }
    progress(`attribute (optimizer side, ${flavour}): ${text} …`);
    const after = await run(next);
    const m = discrepancyOf(after.r.comparison, hours);
    const e = exactOf(after);
    rows.push({
      id,
      label,
      status: "measured",
      change: text,
      share: minus(measured, m),
      predicted: minus(exact, e),
    });
    form = next;
    cur = after;
    measured = m;
    exact = e;
  }
  rows.push(...residualRows(measured, exact));
  const c0 = cur.r.comparison;
  return {
    format: "mpopf-attribution/1",
    side: "optimizer",
    label: c0.label,
    flavour,
    scenario: p.scenario.name,
    T: c0.T,
    dtH: c0.dtH,
    hours,
    observed,
    rows,
    replays,
    seconds: (performance.now() - t0) / 1000,
  };
}
