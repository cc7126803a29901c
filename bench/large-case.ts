/**
 * The large benchmark feeder of issue 16: K copies of the IEEE-123 study case hung off one new substation
 * bus (models/build.ts `copiesOf`), T = 24 (or longer by repeating the 24-h day), 20 % PV / 30 % batteries
 * placed by the case's rule over the combined feeder's load buses, cost objective.
 *
 * K = 1 is IEEE-123 itself (128 buses, no extra substation bus); K = 4 → 513 buses, K = 20 → 2,561, K = 80 →
 * 10,241 (128 K + 1). Built only through the public model functions (`loadCase`, `copiesOf`, `caseFromFeeder`,
 * `buildStudy` / `buildScenario`, `scenarioFromSeries`).
 */
import { copiesOf, scenarioFromSeries } from "../models/build.ts";
import { caseFromFeeder, loadCase, type StudyCase } from "../models/case.ts";
import { buildScenario, buildStudy, type ScenarioRequest } from "../models/scenario.ts";
import type { Scenario } from "../models/types.ts";

/** Buses of K copies of IEEE-123 plus the shared substation bus (K = 1: IEEE-123 itself, 128). */
export function largeCaseBuses(copies: number): number {
  return copies === 1 ? 128 : 128 * copies + 1;
}

/** Options of the large case. */
export interface LargeCaseOptions {
  /** Number of IEEE-123 copies (K). */
  copies: number;
  /** Periods (default 24). Above the case's 24 points, the 24-h day is repeated (1-h steps). */
  periods?: number;
}

let ieee123: StudyCase | null = null;

/** The study case of K copies of IEEE-123 (the case's DER rule and default settings); K = 1: IEEE-123. */
export function largeCase(copies: number): StudyCase {
  ieee123 ??= loadCase("ieee123");
  const base = ieee123;
  if (copies === 1) return base;
  return caseFromFeeder(copiesOf(base.feeder, copies), { defaults: base.spec.defaults, der: base.spec.der });
}

/** The large study: its case, the scenario request and the per-unit scenario (see `largeCaseScenario`). */
export interface LargeStudy {
  case: StudyCase;
  request: ScenarioRequest;
  scenario: Scenario;
}

/** The large scenario: K × IEEE-123, cost objective, 20 % PV / 30 % batteries, `periods` 1-h periods. */
export function largeCaseScenario(opts: LargeCaseOptions): Scenario {
  return largeStudy(opts).scenario;
}

/** The large scenario with the case and request it was built from (for a replay or a report). */
export function largeStudy(opts: LargeCaseOptions): LargeStudy {
  const c = largeCase(opts.copies);
  const T = opts.periods ?? 24;
  const req: ScenarioRequest = {
    horizon: Math.min(T, 24),
    objective: "cost",
    pvPercent: 20,
    battPercent: 30,
  };
  const day = buildScenario(c, req);
  if (T <= day.T) return { case: c, request: req, scenario: day };
  // Longer horizons: the day's multipliers and prices repeated, on the same feeder and DERs (a stand-in
  // for multi-day profiles, which the case does not have).
  const repeat = (a: Float64Array) => Float64Array.from({ length: T }, (_, t) => a[t % a.length]!);
  const scenario = scenarioFromSeries(
    buildStudy(c, req).feeder,
    {
      name: day.name.replace(`T=${day.T}`, `T=${T}`),
      T,
      dtH: day.dtH,
      loadMult: repeat(day.loadMult),
      pvMult: repeat(day.pvMult),
      priceUsdPerKwh: repeat(day.priceUsdPerKwh),
      objective: day.objective,
      options: day.options,
    },
    c.network,
  );
  return { case: c, request: req, scenario };
}
