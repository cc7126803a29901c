/**
 * `validateRun`: the verdict on a run directory (what `mpopf validate` prints). Every run directory is
 * checked for completeness (marker and inventory) and for its recorded solves (valid, within their
 * self-check); a run that replayed its solutions is checked against the regression thresholds (the run's own
 * thresholds.json, or a given file merged over the defaults). A run that did not replay (`mpopf solve --out`)
 * says so plainly: no power-flow threshold is checked, and the verdict rests on the solves alone.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RUN_FILES, readRunManifest, type SolveRecord } from "../../models/run-layout.ts";
import { loadThresholds } from "../../validation/replay/thresholds.ts";
import { type RunValidation, validateRunDir } from "../../validation/replay/validate-run.ts";
import { checkRunDir } from "../run-dir.ts";

/** The verdict on a run directory. */
export interface RunVerdict {
  /** Every recorded solve valid and, when replayed, every threshold held. */
  ok: boolean;
  /** Whether the run replayed its solutions (false: no threshold was checked). */
  replayed: boolean;
  /** The thresholds file used (null: the defaults, or nothing replayed). */
  thresholdsFile: string | null;
  /** One verdict per recorded solve. */
  solves: Array<{ solution: string; ok: boolean; line: string }>;
  /** One report per replay (empty when nothing was replayed). */
  reports: RunValidation["reports"];
  /** Human-readable lines (solves, then replays; FAIL lines name the metric, value, limit, hour, element). */
  lines: string[];
}

const e = (v: unknown) => (typeof v === "number" ? v.toExponential(2) : "n/a");

/** A recorded solve's verdict: valid, and (centralized) its self-check within its tolerance. */
function solveVerdict(solution: string, s: SolveRecord): { solution: string; ok: boolean; line: string } {
  const check = s.selfCheck;
  const within =
    !check || (check.maxResidualPu <= check.tolerancePu && check.maxViolationPu <= check.tolerancePu);
  const ok = s.valid && within;
  const detail = check
    ? `self-check max residual ${e(check.maxResidualPu)} pu, max bound violation ${e(check.maxViolationPu)} pu (tolerance ${e(check.tolerancePu)})`
    : s.macroIterations !== undefined
      ? `${s.macroIterations} macro-iterations${s.converged ? "" : " (NOT converged)"}; composed residual ${e(s.composedResidualPu)} pu`
      : "no self-check recorded";
  return {
    solution,
    ok,
    line: `${ok ? "PASS" : "FAIL"} solve ${solution}: ${s.status}, ${s.valid ? "valid" : "NOT valid"}; ${detail}`,
  };
}

/**
 * Validate a run directory. `thresholds` (a file, merged over the defaults) overrides the run's own
 * thresholds.json. Throws an InputError when the folder is not a complete run directory, its manifest is
 * malformed, a replay it lists is missing or a comparison is cut short.
 */
export function validateRun(runDir: string, opts: { thresholds?: string } = {}): RunVerdict {
  checkRunDir(runDir);
  const m = readRunManifest(runDir);
  const solves = Object.entries(m.solves).map(([k, s]) => solveVerdict(k, s!));
  const lines = solves.map((s) => s.line);
  if (m.replays.length === 0) {
    // Still read a given thresholds file, so that a broken one is reported.
    if (opts.thresholds) loadThresholds(opts.thresholds);
    lines.push(
      `nothing was replayed: this run directory (written by mpopf ${m.kind === "run" ? "run" : "solve --out"}) holds no power-flow replay, so no replay threshold was checked (mpopf run replays and checks them)`,
    );
    return {
      ok: solves.every((s) => s.ok),
      replayed: false,
      thresholdsFile: null,
      solves,
      reports: [],
      lines,
    };
  }
  // Without --thresholds, a run's own thresholds.json (the defaults, widened for ENApp replays by the bound
  // its boundary residuals allow) is used when present.
  const own = join(runDir, RUN_FILES.thresholds);
  const file = opts.thresholds ?? (existsSync(own) ? own : null);
  const thresholds = file ? loadThresholds(file) : null;
  const v = validateRunDir(runDir, thresholds, { replays: m.replays, T: m.scenario.T });
  return {
    ok: v.ok && solves.every((s) => s.ok),
    replayed: true,
    thresholdsFile: file,
    solves,
    reports: v.reports,
    lines: [...lines, ...v.lines],
  };
}
