/**
 * `runStudy`: the whole study into a run directory — prepare (case, scenario, partition), open the run
 * directory (checked and locked before any solving: harness/run-dir.ts), solve, replay when asked, write
 * the one layout (models/run-layout.ts) and commit it atomically. A study whose solves are not all valid
 * writes nothing and leaves an earlier run at `out` as it was.
 */
import { performance } from "node:perf_hooks";
import type { StudyCase } from "../../models/case.ts";
import type { RunManifest } from "../../models/run-layout.ts";
import type { ReportOptions } from "../../reports/index.ts";
import { RunDirWriter } from "../run-dir.ts";
import { prepareStudy, type StudyOptions, type StudyResult, solveStudy } from "./study.ts";
import { writeStudy } from "./write.ts";

/** Options of `runStudy`: the study's, and where and what to write. */
export interface RunStudyOptions extends StudyOptions {
  /** Run directory to write; replaced only when it is an earlier mpopf run (or, with `force`, an empty folder). */
  out?: string;
  force?: boolean;
  /** Render the report into the run directory (default: when the study replays). */
  report?: boolean;
  reportOptions?: ReportOptions;
}

/** A study's result and where it was written. */
export interface RunStudyResult extends StudyResult {
  /** The run directory as given (a symlink stays a symlink), or null when nothing was written. */
  runDir: string | null;
  /** The manifest written, or null. */
  manifest: RunManifest | null;
}

/**
 * Run a study on a case (a loaded `StudyCase`, a built-in name or a folder) and, with `out`, write its run
 * directory. Bad input throws an InputError before any solving; an invalid solve is a result (`valid`
 * false, `invalid` says which), never a thrown number.
 */
export async function runStudy(c: StudyCase | string, opts: RunStudyOptions = {}): Promise<RunStudyResult> {
  const t0 = performance.now();
  const p = prepareStudy(c, opts);
  const prepareSeconds = (performance.now() - t0) / 1000;
  const w =
    opts.out === undefined
      ? null
      : new RunDirWriter(opts.out, {
          kind: opts.replay ? "run" : "solve",
          force: opts.force ?? false,
          protect: [p.case.dir],
        });
  try {
    const r = await solveStudy(p, opts);
    r.timings.prepare = prepareSeconds;
    r.timings.total = (performance.now() - t0) / 1000;
    if (!w || !r.valid) return { ...r, runDir: null, manifest: null };
    const manifest = await writeStudy(w, r, {
      report: opts.report ?? r.kind === "run",
      ...(opts.reportOptions ? { reportOptions: opts.reportOptions } : {}),
      ...(opts.progress ? { progress: opts.progress } : {}),
    });
    w.commit();
    return { ...r, timings: manifest.timingsSeconds, runDir: w.requested, manifest };
  } finally {
    w?.abort(); // no-op after commit
  }
}
