/**
 * Regression thresholds: a JSON file of limits per metric (validation/replay/metrics.ts) and flavour,
 * and the check that turns a replay's discrepancies into a pass/fail verdict.
 *
 * A limit has optional parts; every part given must hold for every entry of the metric (each bus/unit
 * and converged hour, or the horizon total):
 * - `abs` and/or `rel`: |diff| ≤ abs + rel·|optimizer value| (a missing part counts as 0);
 * - `min` / `max`: bounds on the signed diff (power flow − optimizer), e.g. the paper-style Q_subs offset.
 * A metric set to null in a file is not checked. A file is merged over `DEFAULT_THRESHOLDS` metric by
 * metric; `labels.<label>.<flavour>` overrides apply to the replays of that solution only (e.g. ENApp).
 */
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { InputError } from "../../models/errors.ts";
import { readJsonFile } from "../../models/files.ts";
import type { ReplayComparison } from "./compare.ts";
import { METRIC_NAMES, METRICS, type MetricEntry, type MetricName, metricEntries } from "./metrics.ts";
import type { DeckFlavour } from "./types.ts";

/** A limit on one metric (see the module comment). */
export interface MetricLimit {
  abs?: number;
  rel?: number;
  min?: number;
  max?: number;
}

/** Limits per metric (null = not checked). */
export type MetricLimits = Partial<Record<MetricName, MetricLimit | null>>;

/** A thresholds file. */
export interface Thresholds {
  description?: string;
  flavours: Partial<Record<DeckFlavour, MetricLimits>>;
  /** Per solution label (e.g. "MPDOPF"), per flavour overrides. */
  labels?: Record<string, Partial<Record<DeckFlavour, MetricLimits>>>;
}

const LimitSchema = z
  .object({
    abs: z.number().nonnegative().optional(),
    rel: z.number().nonnegative().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict()
  .refine((l) => Object.keys(l).length > 0, { message: "a limit needs at least one of abs, rel, min, max" })
  .refine((l) => l.min === undefined || l.max === undefined || l.min <= l.max, {
    message: "min must be ≤ max",
  });

const metricKeys = METRIC_NAMES as [MetricName, ...MetricName[]];
const LimitsSchema = z.partialRecord(z.enum(metricKeys), LimitSchema.nullable());
const FlavourSchema = z
  .object({
    "model-consistent": LimitsSchema.optional(),
    "paper-style": LimitsSchema.optional(),
    "original-deck": LimitsSchema.optional(),
  })
  .strict();
const ThresholdsSchema = z
  .object({
    $schema: z.string().optional(),
    description: z.string().optional(),
    flavours: FlavourSchema,
    labels: z.record(z.string(), FlavourSchema).optional(),
  })
  .strict();

/** Validate a parsed thresholds object (errors name the file and the JSON path of the bad field). */
export function parseThresholds(json: unknown, file = "thresholds"): Thresholds {
  const r = ThresholdsSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.map(String).join(".");
    const hint = issue.code === "invalid_key" ? `; known metrics: ${METRIC_NAMES.join(", ")}` : "";
    throw new InputError("schema", `${issue.message}${hint}${path ? ` (at ${path})` : ""}`, {
      file,
      field: path || undefined,
      element: "thresholds",
    });
  }
  return r.data as Thresholds;
}

/** Read and validate a thresholds JSON file. */
export function loadThresholds(file: string): Thresholds {
  return parseThresholds(readJsonFile(file, "thresholds"), file);
}

/**
 * The documented defaults, read from thresholds.default.json beside this module (their one copy):
 * - model-consistent: the power flow solves the optimizer's own equations, so only the optimizer's
 *   feasibility tolerance remains: |ΔV| ≤ 1e-5 pu; loss, substation P and Q ≤ 0.01 kW (kVAr) per hour;
 *   cost ≤ $0.01 per hour; PV / battery outputs ≤ 1e-3 kW (kVAr); stored energy ≤ 1e-3 kWh; horizon totals
 *   ≤ 0.05 kWh (kVArh, $); every hour converges; no element leaves its voltage band.
 * - paper-style: OpenDSS's default line capacitance adds ≈ 1 kVAr of line charging, so Q_subs is lower by
 *   0–1.5 kVAr per hour (min −1.5, max 0.01); loss and substation P within 0.1 kW per hour; |ΔV| ≤ 1e-3 pu;
 *   devices and stored energy as above; horizon loss / P within 0.1 % + 0.1 kWh, Q within 1.5 kVArh per
 *   hour-equivalent (rel 1 %), cost within 0.1 % + $0.05; every hour converges; load-model switches
 *   (loads outside OpenDSS's default 0.95–1.05 band) are reported but not limited.
 */
export const DEFAULT_THRESHOLDS: Thresholds = loadThresholds(
  fileURLToPath(new URL("./thresholds.default.json", import.meta.url)),
);

/** `over` merged over `base`, metric by metric, per flavour and per label (as `mpopf validate` applies a file). */
export function mergeThresholds(base: Thresholds, over: Thresholds): Thresholds {
  const flavours: Thresholds["flavours"] = { ...base.flavours };
  for (const [f, l] of Object.entries(over.flavours) as Array<[DeckFlavour, MetricLimits]>) {
    flavours[f] = { ...base.flavours[f], ...l };
  }
  const labels: NonNullable<Thresholds["labels"]> = { ...base.labels };
  for (const [label, per] of Object.entries(over.labels ?? {})) {
    const merged = { ...labels[label] };
    for (const [f, l] of Object.entries(per) as Array<[DeckFlavour, MetricLimits]>) {
      merged[f] = { ...merged[f], ...l };
    }
    labels[label] = merged;
  }
  const description = [base.description, over.description].filter(Boolean).join("; ");
  return { ...(description ? { description } : {}), flavours, labels };
}

/** The limits that apply to one replay: defaults ← file flavour limits ← file label overrides. */
export function effectiveLimits(
  label: string,
  flavour: DeckFlavour,
  file: Thresholds | null,
  defaults: Thresholds = DEFAULT_THRESHOLDS,
): Partial<Record<MetricName, MetricLimit>> {
  const merged: MetricLimits = {
    ...defaults.flavours[flavour],
    ...file?.flavours[flavour],
    ...file?.labels?.[label]?.[flavour],
  };
  const out: Partial<Record<MetricName, MetricLimit>> = {};
  for (const m of METRIC_NAMES) {
    const l = merged[m];
    if (l) out[m] = l;
  }
  return out;
}

/** One broken limit: the worst entry of a metric, with how many entries broke it. */
export interface ThresholdViolation {
  label: string;
  flavour: DeckFlavour;
  metric: MetricName;
  unit: string;
  /** The signed difference (power flow − optimizer), NaN when a value was missing. */
  value: number;
  /** Which part was broken and its bound, e.g. "|Δ| ≤ 1e-5" or "Δ ≥ -1.5". */
  limit: string;
  t: number | null;
  element: string | null;
  optimizer: number;
  powerFlow: number;
  /** Entries of this metric outside the limit. */
  count: number;
}

/** Verdict of one replay against its limits. */
export interface ThresholdReport {
  label: string;
  flavour: DeckFlavour;
  /** Metrics that were checked (had a limit and entries). */
  checked: MetricName[];
  violations: ThresholdViolation[];
  ok: boolean;
}

/** How far outside the limit an entry is (> 0 = broken), with the limit's text. */
function excess(e: MetricEntry, l: MetricLimit): { over: number; text: string } | null {
  if (Number.isNaN(e.diff)) return { over: Number.POSITIVE_INFINITY, text: "value missing (not read back)" };
  let worst: { over: number; text: string } | null = null;
  const consider = (over: number, text: string) => {
    if (over > 0 && (worst === null || over > worst.over)) worst = { over, text };
  };
  if (l.abs !== undefined || l.rel !== undefined) {
    const bound = (l.abs ?? 0) + (l.rel ?? 0) * Math.abs(e.optimizer);
    const parts = [
      l.abs !== undefined ? `${l.abs}` : null,
      l.rel !== undefined ? `${l.rel}·|opt|` : null,
    ].filter(Boolean);
    consider(
      Math.abs(e.diff) - bound,
      `|Δ| ≤ ${parts.join(" + ")}${l.rel !== undefined ? ` = ${bound.toPrecision(4)}` : ""}`,
    );
  }
  if (l.min !== undefined) consider(l.min - e.diff, `Δ ≥ ${l.min}`);
  if (l.max !== undefined) consider(e.diff - l.max, `Δ ≤ ${l.max}`);
  return worst;
}

/**
 * Check one replay against thresholds (a file merged over the defaults; null = defaults only).
 * Returns every violated metric with its worst entry (value, limit, hour, element).
 */
export function checkThresholds(c: ReplayComparison, thresholds: Thresholds | null = null): ThresholdReport {
  const limits = effectiveLimits(c.label, c.flavour, thresholds);
  const entries = metricEntries(c);
  const violations: ThresholdViolation[] = [];
  const checked: MetricName[] = [];
  for (const m of METRIC_NAMES) {
    const l = limits[m];
    const list = entries[m];
    if (!l || list.length === 0) continue;
    checked.push(m);
    let worst: { e: MetricEntry; over: number; text: string } | null = null;
    let count = 0;
    for (const e of list) {
      const x = excess(e, l);
      if (!x) continue;
      count++;
      if (worst === null || x.over > worst.over) worst = { e, ...x };
    }
    if (worst) {
      violations.push({
        label: c.label,
        flavour: c.flavour,
        metric: m,
        unit: METRICS[m].unit,
        value: worst.e.diff,
        limit: worst.text,
        t: worst.e.t,
        element: worst.e.element,
        optimizer: worst.e.optimizer,
        powerFlow: worst.e.powerFlow,
        count,
      });
    }
  }
  return { label: c.label, flavour: c.flavour, checked, violations, ok: violations.length === 0 };
}

/** One line per violation: metric, value, limit, hour and element. */
export function formatViolation(v: ThresholdViolation): string {
  const where = [v.t !== null ? `hour ${v.t}` : null, v.element].filter(Boolean).join(", ");
  const val = Number.isNaN(v.value) ? "missing" : v.value.toPrecision(4);
  return `FAIL ${v.label} ${v.flavour}: ${v.metric} = ${val} ${v.unit} breaks ${v.limit}${where ? ` at ${where}` : ""} (optimizer ${v.optimizer.toPrecision(6)}, power flow ${v.powerFlow.toPrecision(6)}; ${v.count} entr${v.count === 1 ? "y" : "ies"} over the limit)`;
}
