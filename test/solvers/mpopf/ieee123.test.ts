/**
 * MPCOPF on the IEEE-123 study case with the wasm Ipopt solver: reproduction of the authors' recorded
 * runs (method.md §6), horizons T = 1, 5, 12, 24 with both objectives, and infeasible scenarios.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCase, type StudyCase } from "../../../models/case.ts";
import { buildScenario, type ScenarioRequest } from "../../../models/scenario.ts";
import { createIpoptSolver } from "../../../solvers/ipopt/index.ts";
import { type MpopfSolution, solveMpopf } from "../../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../../solvers/nlp/types.ts";
import { referenceDir } from "../../helpers/reference.ts";

const decoded = referenceDir("authors/derived/decoded_solutions/MPCOPF_T5_genCost_pv20_batt30");
const readCsv = (file: string): Array<Record<string, string>> =>
  parse(readFileSync(join(decoded.dir, file), "utf8"), { columns: true, skip_empty_lines: true });

let c: StudyCase;
let solver: NlpSolver;
beforeAll(async () => {
  c = loadCase("ieee123");
  solver = await createIpoptSolver();
});

function solve(req: ScenarioRequest): MpopfSolution {
  return solveMpopf({ scenario: buildScenario(c, req) }, solver);
}

const within = (v: number, ref: number, rel: number) => Math.abs(v - ref) <= rel * Math.abs(ref);

describe("MPCOPF reproduction (authors' recorded runs)", () => {
  it("T=5, cost, 17 PV / 26 batteries: cost ≤ $576.31 + 0.05 %, loss and P_subs within 0.5 %", () => {
    const sol = solve({ horizon: 5, objective: "cost", pvPercent: 20, battPercent: 30 });
    const s = sol.summary;
    process.stderr.write(
      `MPCOPF T=5 cost pv20/batt30: loss ${s.lossKwh.toFixed(2)} kWh (rec. 75.99), P_subs ${s.pSubsKwh.toFixed(2)} kWh (4308.28), Q_subs ${s.qSubsKvarh.toFixed(2)} kVArh (574.18), cost $${s.costUsd.toFixed(2)} (576.31), ${s.iterations} it, ${s.solveSeconds.toFixed(3)} s\n`,
    );
    expect(sol.valid, s.message).toBe(true);
    expect(s.costUsd).toBeLessThanOrEqual(576.31 * 1.0005);
    expect(within(s.lossKwh, 75.99, 0.005), `loss ${s.lossKwh}`).toBe(true);
    expect(within(s.pSubsKwh, 4308.28, 0.005), `P_subs ${s.pSubsKwh}`).toBe(true);
  });

  it("T=5, cost, 9 PV / 13 batteries: cost ≤ $637.51 + 0.05 %, loss within 0.5 %", () => {
    const sol = solve({ horizon: 5, objective: "cost", pvPercent: 10, battPercent: 15 });
    const s = sol.summary;
    process.stderr.write(
      `MPCOPF T=5 cost pv10/batt15: loss ${s.lossKwh.toFixed(2)} kWh (rec. 83.08), P_subs ${s.pSubsKwh.toFixed(2)} kWh (4478.52), Q_subs ${s.qSubsKvarh.toFixed(2)} kVArh (824.19), cost $${s.costUsd.toFixed(2)} (637.51), ${s.iterations} it, ${s.solveSeconds.toFixed(3)} s\n`,
    );
    expect(sol.valid, s.message).toBe(true);
    expect(s.costUsd).toBeLessThanOrEqual(637.51 * 1.0005);
    expect(within(s.lossKwh, 83.08, 0.005), `loss ${s.lossKwh}`).toBe(true);
  });
});

describe.skipIf(!decoded.available)("MPCOPF T=5 against the authors' decoded solution", () => {
  it("per-hour substation power, losses and every bus voltage agree", () => {
    const sol = solve({ horizon: 5, objective: "cost", pvPercent: 20, battPercent: 30 });
    const per = sol.tables.periods.objects() as Array<Record<string, number>>;
    const ref = readCsv("system_summary.csv");
    expect(per).toHaveLength(ref.length);
    ref.forEach((r, t) => {
      // Off-peak hours 1, 2 and 5 share a price: the battery split between them is degenerate (≤ 1 kW here).
      expect(Math.abs(per[t]!.pSubsKw! - Number(r.PSubs_kW))).toBeLessThan(1);
      expect(Math.abs(per[t]!.qSubsKvar! - Number(r.QSubs_kVAr))).toBeLessThan(1);
      expect(Math.abs(per[t]!.lossKw! - Number(r.PLoss_kW_sum_over_areas))).toBeLessThan(0.05);
    });
    const v = new Map<string, number>();
    for (const b of sol.tables.buses.objects() as Array<{ t: number; bus: string; vPu: number }>)
      v.set(`${b.t}/${b.bus}`, b.vPu);
    const refV = readCsv("bus_voltages.csv");
    expect(refV).toHaveLength(128 * 5);
    let worst = 0;
    for (const r of refV) worst = Math.max(worst, Math.abs(v.get(`${r.t}/${r.bus}`)! - Number(r.V_pu)));
    expect(worst).toBeLessThan(1e-4);
  });
});

describe("MPCOPF horizons and objectives", () => {
  for (const T of [1, 5, 12, 24]) {
    for (const objective of ["cost", "loss"] as const) {
      it(`T=${T}, ${objective}: solves, self-check residuals ≤ 1e-6 pu, energy balance closes`, () => {
        const sol = solve({ horizon: T, objective, pvPercent: 20, battPercent: 30 });
        const s = sol.summary;
        expect(sol.result.status, s.message).toBe("solve_succeeded");
        expect(sol.check.maxResidualPu).toBeLessThanOrEqual(1e-6);
        expect(sol.check.maxViolationPu).toBeLessThanOrEqual(1e-6);
        expect(sol.valid).toBe(true);
        const t = sol.totals;
        // Each bus balance may be off by the residual: the horizon sum by at most buses · T · residual.
        const slackKw = 128 * T * sol.check.residuals.realBalance * 1000 + 1e-9;
        expect(Math.abs(t.pSubsKwh - (t.loadKwh + t.lossKwh - t.pvKwh - t.battKwh))).toBeLessThanOrEqual(
          slackKw,
        );
        expect(sol.tables.periods.numRows()).toBe(T);
        // Reactive demand: the rated 640.012 kVAr times each period's load multiplier.
        const sc = sol.model.input.scenario;
        const loadKvar = sol.tables.periods.array("loadKvar") as number[];
        for (const [k, q] of loadKvar.entries()) expect(q).toBeCloseTo(640.012 * sc.loadMult[k]!, 6);
        expect(sol.tables.buses.numRows()).toBe(128 * T);
        expect(sol.tables.batteries.numRows()).toBe(26 * T);
        // Batteries return to B0 (hard terminal condition).
        const lastSoc = sol.tables.batteries.filter(`d => d.t === ${T}`).array("socPct") as Float64Array;
        for (const v of lastSoc) expect(v).toBeCloseTo(62.5, 4);
      });
    }
  }
});

describe("MPCOPF infeasible scenarios", () => {
  it("a voltage band that cannot be met ends with the infeasible status and no valid result", () => {
    const sol = solve({ horizon: 3, objective: "cost", vMinPu: 1.04, vMaxPu: 1.05 });
    expect(sol.result.status).toBe("infeasible_problem_detected");
    expect(sol.valid).toBe(false);
  });

  it("a terminal SOC that cannot be reached ends with the infeasible status", () => {
    const sc = buildScenario(c, { horizon: 3, objective: "loss" });
    // B0 below the SOC band: the hard terminal condition B(T) = B0 cannot hold.
    sc.batteries = sc.batteries.map((b) => ({ ...b, b0PuH: 0.1 * b.eRatedPuH }));
    const sol = solveMpopf({ scenario: sc }, solver);
    expect(sol.result.status).toBe("infeasible_problem_detected");
    expect(sol.valid).toBe(false);
  });
});

describe("MPCOPF options and warm start", () => {
  it("a warm start with multipliers after a 1 % load change converges in fewer iterations to the cold optimum", () => {
    const sc = buildScenario(c, { horizon: 12, objective: "cost" });
    const base = solveMpopf({ scenario: sc }, solver);
    const sc2 = { ...sc, loads: sc.loads.map((l) => ({ ...l, mult: l.mult.map((v) => v * 1.01) })) };
    const cold = solveMpopf({ scenario: sc2 }, solver);
    const { x, lambda, zL, zU } = base.result;
    const warm = solveMpopf({ scenario: sc2 }, solver, { warmStart: { x, lambda, zL, zU } });
    expect(warm.valid && cold.valid).toBe(true);
    expect(warm.result.options.warm_start_init_point).toBe("yes");
    expect(warm.result.options.mu_init).toBe(1e-6);
    expect(warm.summary.iterations).toBeLessThan(cold.summary.iterations);
    expect(Math.abs(warm.summary.objective - cold.summary.objective)).toBeLessThan(
      1e-6 * cold.summary.objective,
    );
  });

  it("the power-flow initial point reaches the same optimum", () => {
    const sc = buildScenario(c, { horizon: 5, objective: "loss" });
    const a = solveMpopf({ scenario: sc }, solver);
    const b = solveMpopf({ scenario: sc, initialPoint: "power-flow" }, solver);
    expect(a.valid && b.valid).toBe(true);
    expect(b.summary.lossKwh).toBeCloseTo(a.summary.lossKwh, 4);
  });

  it("paper's options: available reactive limits, soft terminal, a binding peak cap with no back-feed", () => {
    const base = { horizon: 12, objective: "cost" as const, pvPercent: 10, battPercent: 15 };
    const free = solve(base);
    const capKw = free.summary.peakKw - 4; // ~10 kW lower is infeasible for these 13 batteries
    const sol = solve({
      ...base,
      peakCapKw: capKw,
      noBackfeed: true,
      limits: "available",
      terminal: "soft",
      terminalGamma: 100,
    });
    expect(sol.valid, sol.summary.message).toBe(true);
    expect(sol.check.residuals.batteryApparent).toBeLessThanOrEqual(1e-6);
    expect(sol.summary.peakKw).toBeLessThanOrEqual(capKw + 1e-4);
    expect(sol.summary.peakKw).toBeGreaterThan(capKw - 1);
    // The paper's centralized T=12 case (cap 950 kW, not binding here): cost close to the recorded MPDOPF $1424.54.
    const paper = solve({ ...base, peakCapKw: 950, noBackfeed: true });
    expect(paper.valid).toBe(true);
    expect(paper.summary.costUsd).toBeLessThanOrEqual(1424.54 * 1.0005);
  });
});
