/**
 * The one run-directory layout, written by `mpopf solve --out` (any method) and `mpopf run`, read by
 * `mpopf report` and `mpopf validate` (and by library users): the file names and the manifest's structure.
 *
 * ```
 * D/.mpopf-run.json                     marker, written last with an inventory of every file (harness/run-dir.ts)
 * D/manifest.json                       RunManifest: what ran, on what, with which options; solves, replays, verdicts
 * D/report-input.json                   report title, header facts, Δt, labels (reports/run-files.ts)
 * D/case-summary.txt                    the case as `mpopf case show` prints it
 * D/tables/<solution>/<table>.csv       the result tables of the one schema (models/results.ts): periods, pv,
 *                                       batteries, buses, branches; <solution> = mpcopf, mpdopf, replay-mpcopf, replay-mpdopf
 * D/tables/<solution>/summary.json      the solve's summary (optimizers only); solver.json: the solver's record (MPCOPF)
 * D/tables/enapp/<table>.csv            ENApp history: iterations, boundaries (schema), areas, residuals
 * D/replay/<solution>-<flavour>/        only when the run replays: comparison.json, discrepancy CSVs, deck/
 * D/thresholds.json                     only when the run replays: the limits the verdicts used
 * D/report.html, report.md, report/     the report (`mpopf run`, or `mpopf report D` on any run directory)
 * ```
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "./errors.ts";
import { readJsonFile } from "./files.ts";

/** Version tag of the manifest's structure. */
export const MANIFEST_FORMAT = "mpopf-run/2";

/** Files at the top of a run directory. */
export const RUN_FILES = {
  manifest: "manifest.json",
  /** Bus coordinates of the case (bus, x, y), when it has them: for the report's feeder map. */
  coordinates: "tables/network/coordinates.csv",
  reportInput: "report-input.json",
  caseSummary: "case-summary.txt",
  thresholds: "thresholds.json",
} as const;

/** The optimizers' solutions a run directory holds, by key: folder under tables/ and default label. */
export const SOLUTIONS = {
  mpcopf: { dir: "tables/mpcopf", label: "MPCOPF" },
  mpdopf: { dir: "tables/mpdopf", label: "MPDOPF" },
} as const;

/** Which optimizer solution: the centralized solve or ENApp. */
export type SolutionKey = keyof typeof SOLUTIONS;

/** Every result set a run directory may hold (optimizers and their power-flow replays): folder and default label. */
export const RESULT_DIRS = {
  ...SOLUTIONS,
  replayMpcopf: { dir: "tables/replay-mpcopf", label: "Power flow (MPCOPF)" },
  replayMpdopf: { dir: "tables/replay-mpdopf", label: "Power flow (MPDOPF)" },
} as const;

/** A result set of a run directory. */
export type ResultDirKey = keyof typeof RESULT_DIRS;

/** Per-solution files beside the result tables. */
export const SOLUTION_FILES = { summary: "summary.json", solver: "solver.json" } as const;

/** ENApp history files. */
export const ENAPP_FILES = {
  iterations: "tables/enapp/iterations.csv",
  boundaries: "tables/enapp/boundaries.csv",
  areas: "tables/enapp/areas.csv",
  residuals: "tables/enapp/residuals.csv",
} as const;

/** Folder of the replays (`replay/<solution>-<flavour>/`). */
export const REPLAY_DIR = "replay";

/** What wrote a run directory. */
export type RunKind = "solve" | "run";
/** Which solves ran. */
export type RunMethod = "central" | "enapp" | "both";

/** A solve's record in the manifest: its summary (status, validity, totals, solver, timings) and options. */
export interface SolveRecord {
  status: string;
  /** The solver succeeded and the solution passed its checks (self-check; ENApp: convergence and areas'). */
  valid: boolean;
  message: string;
  /** Centralized solve: the self-check's largest residual and bound violation (pu) and its tolerance. */
  selfCheck?: { maxResidualPu: number; maxViolationPu: number; tolerancePu: number };
  /** ENApp: converged, macro-iterations, composed solution's largest residual in the centralized rows (pu). */
  converged?: boolean;
  macroIterations?: number;
  composedResidualPu?: number;
  [field: string]: unknown;
}

/** manifest.json: the same structure for every run directory. */
export interface RunManifest {
  format: typeof MANIFEST_FORMAT;
  tool: { name: "mpopf"; version: string };
  kind: RunKind;
  method: RunMethod;
  case: string;
  caseDir: string;
  /** What the case's model approximates (an imported three-phase deck's balanced equivalent); absent for none. */
  approximations?: string[];
  scenario: {
    name: string;
    /** The request the scenario was built from (models/scenario.ts ScenarioRequest). */
    request: Record<string, unknown>;
    options: Record<string, unknown>;
    objective: Record<string, unknown>;
    T: number;
    /** Period length (h). */
    dtH: number;
    startIndex: number;
    provenance: string | null;
    /** ENApp's partition of the case (null without ENApp). */
    partition: string | null;
  };
  solves: Partial<Record<SolutionKey, SolveRecord>>;
  /** Replays under replay/ (`<solution>-<flavour>`); empty when the run did not replay. */
  replays: string[];
  /** The power-flow engine and decks of the replays; null when nothing was replayed. */
  powerFlow: {
    engine: { name: string; version: string };
    flavours: string[];
    reportFlavour: string;
    thresholdsFile: string;
  } | null;
  /** The verdict of each replay against the thresholds (empty when nothing was replayed). */
  thresholds: Array<{ replay: string; ok: boolean; violations: number }>;
  timingsSeconds: Record<string, number>;
}

/**
 * Read a run directory's manifest.json, checking the parts its readers rely on (the solves and their
 * validity, the replays and the horizon T; a directory holding only replays may record no solve). Throws
 * an InputError naming the file and field.
 */
export function readRunManifest(runDir: string): RunManifest {
  const file = join(runDir, RUN_FILES.manifest);
  if (!existsSync(file)) {
    throw new InputError(
      "bad-run-dir",
      "no manifest.json: not a run directory of this layout (written by mpopf solve --out / mpopf run; an mpopf from before issue 13 wrote none for solve --out)",
      {
        file: runDir,
      },
    );
  }
  const m = readJsonFile(file, "manifest") as Partial<RunManifest> | null;
  const bad = (field: string, detail: string) =>
    new InputError("bad-run-dir", `manifest.json ${detail}`, { file, field });
  if (typeof m !== "object" || m === null || Array.isArray(m)) throw bad("", "is not a JSON object");
  if (!Array.isArray(m.replays) || !m.replays.every((r) => typeof r === "string")) {
    throw bad(
      "replays",
      "does not list the run's replays (an array of names, empty when nothing was replayed)",
    );
  }
  const T = m.scenario?.T;
  if (!(Number.isInteger(T) && (T as number) >= 1)) throw bad("scenario.T", "does not give the horizon T");
  // Solves: recorded by every run directory of this layout; a directory of replays alone has none.
  const solves = m.solves ?? {};
  if (typeof solves !== "object" || solves === null || Array.isArray(solves)) {
    throw bad("solves", "does not record the solves (an object by solution)");
  }
  if (Object.keys(solves).length === 0 && m.replays.length === 0) {
    throw bad("solves", "records neither a solve nor a replay: nothing to validate");
  }
  for (const [k, s] of Object.entries(solves)) {
    if (!(k in SOLUTIONS)) throw bad(`solves.${k}`, `names an unknown solution '${k}'`);
    if (typeof s?.valid !== "boolean" || typeof s?.status !== "string") {
      throw bad(`solves.${k}`, "does not record the solve's status and validity");
    }
  }
  m.solves = solves;
  return m as RunManifest;
}
