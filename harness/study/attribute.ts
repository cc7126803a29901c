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
import {
  ATTRIBUTION_FILES,
  REPLAY_ATTRIBUTION_FILES,
  REPLAY_DIR,
  readRunManifest,
  SOLUTIONS,
} from "../../models/run-layout.ts";
import { type ReportOptions, readRunDir } from "../../reports/index.ts";
import { type Attribution, attributeReplay, attributionCsv } from "../../validation/replay/attribution.ts";
import { comparisonFromJson } from "../../validation/replay/compare.ts";
import { dispatchFromTables, readSolutionTables } from "../../validation/replay/dispatch.ts";
import type { DeckOptions } from "../../validation/replay/types.ts";
import { checkRunDir, updateRunMarker } from "../run-dir.ts";
import { isReportFile, renderRunReport } from "./report.ts";
import { prepareStudy } from "./study.ts";

/** Files `attributeRun` (re)writes. */
export const isAttributionFile = (rel: string): boolean =>
  Object.values(ATTRIBUTION_FILES).includes(rel as never) ||
  (rel.startsWith(`${REPLAY_DIR}/`) &&
    (rel.endsWith(`/${REPLAY_ATTRIBUTION_FILES.json}`) || rel.endsWith(`/${REPLAY_ATTRIBUTION_FILES.csv}`)));

/** Options of `attributeRun`. */
export interface AttributeRunOptions {
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
  for (const replay of m.replays) {
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
    const tables = readSolutionTables(join(runDir, SOLUTIONS[solution].dir));
    const dispatch = dispatchFromTables(p.scenario, tables, SOLUTIONS[solution].dir);
    const deckOptions: DeckOptions = {
      flavour: c.flavour,
      ...(c.physics ? { physics: c.physics.deck } : {}),
    };
    progress(`attribute ${replay} …`);
    const a = await attributeReplay({
      network: net,
      scenario: p.scenario,
      dispatch,
      deckOptions,
      comparison: c,
    });
    out.push({ replay, attribution: a });
    const json = `${dir}/${REPLAY_ATTRIBUTION_FILES.json}`;
    const csv = `${dir}/${REPLAY_ATTRIBUTION_FILES.csv}`;
    writeAtomic(join(runDir, json), `${JSON.stringify(a, null, 2)}\n`);
    writeAtomic(join(runDir, csv), attributionCsv(a));
    written.push(json, csv);
    if (c.flavour === (m.powerFlow?.reportFlavour ?? "paper-style")) {
      writeAtomic(join(runDir, ATTRIBUTION_FILES[solution]), attributionCsv(a));
      written.push(ATTRIBUTION_FILES[solution]);
    }
  }
  updateRunMarker(runDir, isAttributionFile, written);
  if (opts.report ?? true) {
    progress("report …");
    await renderRunReport(runDir, opts.reportOptions);
  } else {
    readRunDir(runDir); // the tables still read back
  }
  return out;
}
