/**
 * Regression thresholds: a JSON file of limits per metric (validation/replay/metrics.ts) and flavour,
 * and the check that turns a replay's discrepancies into a pass/fail verdict.
 *
 * A limit has optional parts; every part given must hold for every entry of the metric (each bus/unit
 * and converged hour, or the horizon total):
 * - `abs`, `rel`, `model`, `perBus`: |diff − pred| ≤ abs + rel·|optimizer value| + model·|pred| + perBus·N (a
 *   missing part counts as 0; N = the buses of the replayed network: the optimizer's feasibility tolerance holds
 *   per bus equation, so a feeder total — substation power, loss, cost — can be off by a sum over N buses), pred being the discrepancy the modelling differences predict at that entry (the comparison's
 *   `predicted`, predict.ts; 0 when there is none) — so a deck that models more than the optimizer (line
 *   charging, bands, …) is held to the optimizer's tolerance on the rest, whatever the case;
 * - `min` / `max`: bounds on the signed diff (power flow − optimizer).
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
  /** Allowance as a fraction of the predicted model difference |Δ_pred| (the prediction's own accuracy). */
  model?: number;
  /** Allowance per bus of the network (feeder totals: the optimizer's per-equation tolerance summed over N buses). */
  perBus?: number;
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
    model: z.number().nonnegative().optional(),
    perBus: z.number().nonnegative().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict()
  .refine((l) => Object.keys(l).length > 0, {
    message: "a limit needs at least one of abs, rel, model, perBus, min, max",
  })
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
 * The documented defaults, read from thresholds.default.json beside this module (their one copy), the same
 * tolerances for both flavours because the modelling differences are predicted and taken out: |ΔV| ≤ 1e-5 pu;
 * loss, substation P and Q, demand, capacitor Q ≤ 0.01 kW (kVAr) per hour; cost ≤ $0.01 per hour; PV / battery
 * outputs ≤ 1e-3 kW (kVAr); stored energy ≤ 1e-3 kWh; horizon totals ≤ 0.05 kWh (kVArh, $); every hour
 * converges; feeder totals add `perBus` (5e-6 kW per bus per hour, 5e-5 kWh per bus over the horizon: the
 * optimizer's tolerance summed over the feeder, 0.05 kW more on 10,000 buses, 6e-4 kW on IEEE-123); paper-style
 * adds `model: 0.01` (1 % of the predicted part); model-consistent allows no element
 * outside its band (paper-style crossings are reported and predicted, not limited).
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
  /** The predicted difference of the modelling differences at that entry (0 for none). */
  predicted: number;
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
function excess(e: MetricEntry, l: MetricLimit, buses: number): { over: number; text: string } | null {
  if (Number.isNaN(e.diff)) return { over: Number.POSITIVE_INFINITY, text: "value missing (not read back)" };
  let worst: { over: number; text: string } | null = null;
  const consider = (over: number, text: string) => {
    if (over > 0 && (worst === null || over > worst.over)) worst = { over, text };
  };
  if (l.abs !== undefined || l.rel !== undefined || l.model !== undefined || l.perBus !== undefined) {
    const bound =
      (l.abs ?? 0) +
      (l.rel ?? 0) * Math.abs(e.optimizer) +
      (l.model ?? 0) * Math.abs(e.predicted) +
      (l.perBus ?? 0) * buses;
    const parts = [
      l.abs !== undefined ? `${l.abs}` : null,
      l.rel !== undefined ? `${l.rel}·|opt|` : null,
      l.model !== undefined ? `${l.model}·|pred|` : null,
      l.perBus !== undefined ? `${l.perBus}·${buses} buses` : null,
    ].filter(Boolean);
    const lhs = e.predicted !== 0 ? `|Δ − pred|` : "|Δ|";
    consider(
      Math.abs(e.diff - e.predicted) - bound,
      `${lhs} ≤ ${parts.join(" + ")}${parts.length > 1 || l.abs === undefined ? ` = ${bound.toPrecision(4)}` : ""}`,
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
      const x = excess(e, l, c.ids.buses.length);
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
        predicted: worst.e.predicted,
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
  return `FAIL ${v.label} ${v.flavour}: ${v.metric} = ${val} ${v.unit} breaks ${v.limit}${where ? ` at ${where}` : ""} (optimizer ${v.optimizer.toPrecision(6)}, power flow ${v.powerFlow.toPrecision(6)}${v.predicted !== 0 ? `, predicted model difference ${v.predicted.toPrecision(4)}` : ""}; ${v.count} entr${v.count === 1 ? "y" : "ies"} over the limit)`;
}
