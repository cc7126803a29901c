/**
 * The verdict of `mpopf validate RUN_DIR`: every replay stored in a run directory checked against the
 * thresholds, as report objects and printable lines.
 */
import { basename, dirname } from "node:path";
import { InputError } from "../../models/errors.ts";
import { convergedHours } from "./compare.ts";
import { metricMaxima } from "./metrics.ts";
import { REPLAY_DIR, readRunComparisons } from "./replay.ts";
import { checkThresholds, formatViolation, type ThresholdReport, type Thresholds } from "./thresholds.ts";

/** Result of validating a run directory. */
export interface RunValidation {
  reports: Array<ThresholdReport & { file: string }>;
  /** Human-readable lines: one summary per replay, one FAIL line per broken metric. */
  lines: string[];
  ok: boolean;
}

const g = (v: number) =>
  Number.isNaN(v) ? "missing" : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(4);

/**
 * Check every replay of a run directory (thresholds null = the documented defaults). With `expected`, every
 * listed replay (`<solution>-<flavour>`) must be present and every comparison must cover T periods.
 */
export function validateRunDir(
  runDir: string,
  thresholds: Thresholds | null,
  expected?: { replays: string[]; T: number },
): RunValidation {
  const found = readRunComparisons(runDir);
  if (expected) {
    const have = new Set(found.map((f) => basename(dirname(f.file))));
    const missing = expected.replays.filter((r) => !have.has(r));
    if (missing.length > 0) {
      throw new InputError(
        "bad-run-dir",
        `incomplete run: replay${missing.length > 1 ? "s" : ""} ${missing.join(", ")} listed in manifest.json ${missing.length > 1 ? "are" : "is"} missing (expected ${REPLAY_DIR}/<replay>/comparison.json)`,
        { file: runDir },
      );
    }
    for (const { file, comparison } of found) {
      if (comparison.T !== expected.T) {
        throw new InputError(
          "bad-run-dir",
          `inconsistent run: the comparison covers T = ${comparison.T} periods, the manifest's scenario T = ${expected.T}`,
          { file, field: "T" },
        );
      }
    }
  }
  if (found.length === 0) {
    throw new InputError(
      "missing-file",
      `no replay results (expected ${REPLAY_DIR}/<solution>-<flavour>/comparison.json)`,
      {
        file: runDir,
      },
    );
  }
  const reports: RunValidation["reports"] = [];
  const lines: string[] = [];
  for (const { file, comparison: c } of found) {
    const r = checkThresholds(c, thresholds);
    reports.push({ ...r, file });
    const mx = new Map(metricMaxima(c).map((m) => [m.metric, m]));
    const at = (name: Parameters<typeof mx.get>[0]) => {
      const m = mx.get(name);
      return m
        ? `${g(m.diff)}${m.t !== null ? ` (hour ${m.t}${m.element ? `, ${m.element}` : ""})` : ""}`
        : "n/a";
    };
    lines.push(
      `${r.ok ? "PASS" : "FAIL"} ${c.label} ${c.flavour} (${c.scenario}; ${convergedHours(c).length}/${c.T} hours converged; ${r.checked.length} metrics checked; largest discrepancies, signed power flow − optimizer): ΔV ${at("voltagePu")} pu, ΔP_subs ${at("pSubsKw")} kW, ΔQ_subs ${at("qSubsKvar")} kVAr, Δloss ${at("lossKw")} kW, ΔSOC ${at("socKwh")} kWh`,
    );
    for (const v of r.violations) lines.push(`  ${formatViolation(v)}`);
  }
  return { reports, lines, ok: reports.every((r) => r.ok) };
}
