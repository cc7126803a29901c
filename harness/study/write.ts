/**
 * A study's run directory: the one layout of models/run-layout.ts, the same for `mpopf solve --out` (any
 * method) and `mpopf run`. `studyFiles` gives every file (path → content), `writeStudy` writes them into a
 * sink (the harness's atomic RunDirWriter), `studyReportInput` is what the report is built from.
 */
import { table } from "arquero";
import { tableCsv } from "../../models/results.ts";
import {
  ENAPP_FILES,
  MANIFEST_FORMAT,
  RUN_FILES,
  type RunManifest,
  SOLUTION_FILES,
  SOLUTIONS,
  type SolveRecord,
} from "../../models/run-layout.ts";
import type { Scenario } from "../../models/types.ts";
import { approximationsTable, balancedModelTables } from "../../reports/balanced-model.ts";
import { buildReport, type ReportInput, type ReportOptions, runDirFiles } from "../../reports/index.ts";
import type { ReportTable } from "../../reports/table-render.ts";
import {
  type OriginalDeckResult,
  phaseSummary,
  writeOriginalReplay,
} from "../../validation/replay/original-deck.ts";
import { type FileSink, type ReplayResult, writeReplay } from "../../validation/replay/replay.ts";
import { powerFlowResultSet } from "../../validation/replay/tables.ts";
import { PACKAGE_VERSION } from "../run-dir.ts";
import { formatCaseSummary, summariseCase } from "./case-summary.ts";
import { periodText } from "./format.ts";
import type { StudyResult } from "./study.ts";

/** Facts about the scenario for the report header. */
function scenarioMeta(caseName: string, s: Scenario): Array<[string, string]> {
  const o = s.options;
  return [
    ["Case", caseName],
    [
      "Horizon",
      `T = ${s.T} periods, ${periodText(s.dtH)} (profile points ${s.startIndex}–${s.startIndex + s.T - 1})`,
    ],
    ["Objective", `${s.objective.kind} (+ battery-loss term, α = ${s.objective.alphaScd})`],
    ["DERs", `${s.pvs.length} PVs, ${s.batteries.length} batteries`],
    ["Voltage band", `${o.vMinPu}–${o.vMaxPu} pu`],
    ["Terminal SOC", o.terminal],
    ["Reactive limits", o.limits],
    [
      "Substation",
      `${o.peakCapKw === null ? "no peak cap" : `peak cap ${o.peakCapKw} kW`}, ${o.noBackfeed ? "no back-feed" : "back-feed allowed"}`,
    ],
  ];
}

/** An original-deck replay (with every phase read back). */
const isOriginal = (r: ReplayResult): r is OriginalDeckResult => r.comparison.flavour === "original-deck";

/** The report tables of a case imported from OpenDSS: its original-deck replay, what the model leaves out. */
function deckTables(r: StudyResult): ReportTable[] {
  const od = r.replays.find(isOriginal);
  const approximations = r.case.feeder.approximations ?? [];
  if (!od) return approximationsTable(approximations);
  return balancedModelTables({ label: "MPCOPF", ...phaseSummary(od.comparison), approximations });
}

/** The replay of `label` ("mpcopf", "mpdopf") the report shows. */
function shownReplay(r: StudyResult, label: string): ReplayResult | undefined {
  return r.replays.find((x) => x.label === label && x.comparison.flavour === r.reportFlavour);
}

/** What the report of a study is built from: the solutions, their replays (when any), ENApp's history. */
export function studyReportInput(r: StudyResult): ReportInput {
  const sc = r.scenario;
  const meta = scenarioMeta(r.case.name, sc);
  if (r.enapp) {
    const s = r.enapp.summary;
    meta.push(
      ["Partition", `${s.partition} (${s.areas} areas)`],
      ["ENApp", `${r.enapp.options.coupling} coupling, ${s.macroIterations} macro-iterations`],
    );
  }
  const pc = shownReplay(r, "mpcopf");
  const pd = shownReplay(r, "mpdopf");
  const shown = pc ?? pd;
  if (shown) {
    meta.push([
      "Power flow",
      `${shown.engine.name} ${shown.engine.version}, ${shown.comparison.flavour} deck`,
    ]);
  }
  const od = r.replays.find(isOriginal);
  if (od) {
    meta.push([
      "Model",
      `${r.case.network.phaseModel === "three-phase" ? "balanced positive-sequence equivalent (three-phase total power)" : "per phase, exact"} of an OpenDSS deck, replayed in it too (original-deck)`,
    ]);
  }
  const extraTables = deckTables(r);
  const located = r.case.feeder.buses.filter((b) => b.x !== undefined && b.y !== undefined);
  return {
    title: `${r.case.name}: T = ${sc.T}, ${sc.objective.kind} objective`,
    meta,
    dtH: sc.dtH,
    ...(extraTables.length > 0 ? { extraTables } : {}),
    ...(located.length > 1
      ? {
          coordinates: table({
            bus: located.map((b) => b.id),
            x: located.map((b) => b.x!),
            y: located.map((b) => b.y!),
          }),
        }
      : {}),
    ...(r.central ? { mpcopf: { label: SOLUTIONS.mpcopf.label, ...r.central.tables } } : {}),
    ...(r.enapp ? { mpdopf: { label: SOLUTIONS.mpdopf.label, ...r.enapp.tables } } : {}),
    ...(r.enapp
      ? {
          enapp: {
            iterations: r.enapp.historyTables.iterations,
            boundaries: r.enapp.historyTables.boundaries,
          },
        }
      : {}),
    ...(pc || pd
      ? {
          replay: {
            ...(pc ? { mpcopf: powerFlowResultSet(pc.comparison, "OpenDSS (MPCOPF)") } : {}),
            ...(pd ? { mpdopf: powerFlowResultSet(pd.comparison, "OpenDSS (MPDOPF)") } : {}),
          },
        }
      : {}),
  };
}

/** The manifest of a study's run directory (the same structure for every kind of run). */
export function studyManifest(r: StudyResult, timings: Record<string, number> = r.timings): RunManifest {
  const sc = r.scenario;
  const solves: RunManifest["solves"] = {};
  if (r.central) {
    const c = r.central;
    solves.mpcopf = {
      ...c.summary,
      options: c.result.options,
      selfCheck: {
        maxResidualPu: c.check.maxResidualPu,
        maxViolationPu: c.check.maxViolationPu,
        tolerancePu: c.check.tolerancePu,
      },
    } as SolveRecord;
  }
  if (r.enapp) solves.mpdopf = { ...r.enapp.summary, options: r.enapp.options } as SolveRecord;
  const shown = r.replays.find((x) => x.comparison.flavour === r.reportFlavour) ?? r.replays[0];
  return {
    format: MANIFEST_FORMAT,
    tool: { name: "mpopf", version: PACKAGE_VERSION },
    kind: r.kind,
    method: r.method,
    case: r.case.name,
    caseDir: r.case.dir,
    ...((r.case.feeder.approximations ?? []).length > 0
      ? { approximations: r.case.feeder.approximations }
      : {}),
    scenario: {
      name: sc.name,
      request: { ...r.request } as Record<string, unknown>,
      options: sc.options as unknown as Record<string, unknown>,
      objective: sc.objective as unknown as Record<string, unknown>,
      T: sc.T,
      dtH: sc.dtH,
      startIndex: sc.startIndex,
      provenance: sc.provenance ?? null,
      partition: r.partition?.name ?? null,
    },
    solves,
    replays: r.verdicts.map((v) => v.replay),
    powerFlow: shown
      ? {
          engine: shown.engine,
          flavours: [...new Set(r.replays.map((x) => x.comparison.flavour))],
          reportFlavour: shown.comparison.flavour,
          thresholdsFile: RUN_FILES.thresholds,
        }
      : null,
    thresholds: r.verdicts.map((v) => ({
      replay: v.replay,
      ok: v.report.ok,
      violations: v.report.violations.length,
    })),
    timingsSeconds: timings,
  };
}

/** Options of `writeStudy`. */
export interface WriteStudyOptions {
  /** Render the report (report.html, report.md, report/) too (default false). */
  report?: boolean;
  /** Options of the report (PNG resolution). */
  reportOptions?: ReportOptions;
  /** Called before the report is rendered (it takes a few seconds). */
  progress?: (msg: string) => void;
}

/**
 * Write a study (with valid solutions) into a sink in the one run-directory layout: result tables and
 * report-input.json, per-solution summary, the solver record, ENApp's extra tables, the replays (when any)
 * with thresholds.json, case-summary.txt, the report (when asked) and manifest.json (last). The caller
 * commits the sink (the harness's RunDirWriter writes the marker then). Returns the manifest written (its
 * timings' `total` adds the writing and the report to the study's).
 */
export async function writeStudy(
  sink: FileSink,
  r: StudyResult,
  opts: WriteStudyOptions = {},
): Promise<RunManifest> {
  if (!r.valid) throw new Error("writeStudy: the study has no valid solution to write");
  const t0 = performance.now();
  const input = studyReportInput(r);
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  for (const [p, text] of runDirFiles(input)) sink.write(p, text);
  if (r.central) {
    const c = r.central;
    sink.write(`${SOLUTIONS.mpcopf.dir}/${SOLUTION_FILES.summary}`, json(c.summary));
    const { x: _x, g: _g, lambda: _l, zL: _zl, zU: _zu, ...record } = c.result;
    sink.write(
      `${SOLUTIONS.mpcopf.dir}/${SOLUTION_FILES.solver}`,
      json({ ...record, check: c.check, headPowerBound: c.model.headPowerBound }),
    );
  }
  if (r.enapp) {
    sink.write(`${SOLUTIONS.mpdopf.dir}/${SOLUTION_FILES.summary}`, json(r.enapp.summary));
    sink.write(ENAPP_FILES.areas, `${tableCsv(r.enapp.historyTables.areas)}\n`);
    sink.write(ENAPP_FILES.residuals, `${tableCsv(r.enapp.historyTables.residuals)}\n`);
  }
  for (const rp of r.replays) {
    if (isOriginal(rp)) writeOriginalReplay(sink, rp);
    else writeReplay(sink, rp);
  }
  if (r.thresholds && r.replays.length > 0) sink.write(RUN_FILES.thresholds, json(r.thresholds));
  sink.write(
    RUN_FILES.caseSummary,
    formatCaseSummary(summariseCase(r.case, r.request.pvPercent, r.request.battPercent)),
  );
  const timings = { ...r.timings };
  if (opts.report) {
    opts.progress?.("report …");
    const s = performance.now();
    const rep = await buildReport(input, opts.reportOptions);
    for (const [p, d] of rep.files) sink.write(p, d);
    timings.report = (performance.now() - s) / 1000;
  }
  timings.write = (performance.now() - t0) / 1000;
  timings.total = (timings.total ?? 0) + timings.write;
  const manifest = studyManifest(r, timings);
  sink.write(RUN_FILES.manifest, json(manifest));
  return manifest;
}
