/**
 * The consensus areas of ADMM and APP: boundary ports (the parent's copy of a child's draw) and a free head
 * voltage (the child's copy of the parent-side voltage) are exact — the centralized optimum cut into such
 * areas satisfies every area's constraints; and an elastic peak cap is what it says.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadCase } from "../../../models/case.ts";
import { buildScenario } from "../../../models/scenario.ts";
import { decompose } from "../../../solvers/distributed/decompose.ts";
import { composeSolution } from "../../../solvers/distributed/solve.ts";
import { createIpoptSolver } from "../../../solvers/ipopt/index.ts";
import { selfCheck } from "../../../solvers/mpopf/check.ts";
import { headPower } from "../../../solvers/mpopf/decode.ts";
import { varIndex } from "../../../solvers/mpopf/layout.ts";
import { buildMpopfModel } from "../../../solvers/mpopf/model.ts";
import type { MpopfInput } from "../../../solvers/mpopf/params.ts";
import { type MpopfSolution, solveMpopf } from "../../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../../solvers/nlp/types.ts";

let solver: NlpSolver;
beforeAll(async () => {
  solver = await createIpoptSolver();
});

describe("consensus areas (ports and a free head voltage)", () => {
  let sol: MpopfSolution;
  beforeAll(() => {
    const c = loadCase("ieee123");
    const sc = buildScenario(c, {
      horizon: 4,
      objective: "loss",
      pvPercent: 20,
      battPercent: 30,
    });
    sol = solveMpopf({ scenario: sc }, solver);
    expect(sol.valid).toBe(true);
  });

  it("the centralized optimum cut into ADMM/APP areas satisfies each area and composes back", () => {
    const c = loadCase("ieee123");
    const sc = sol.model.input.scenario;
    const d = decompose(sc, c.partitions["ieee123-4"]!, { dropChildHeadCost: true });
    const L = sol.model.layout;
    const x = sol.result.x;
    const T = sc.T;
    const models = d.areas.map((ar) => {
      const input: MpopfInput = {
        scenario: ar.scenario,
        ports: ar.downBoundaries.map((b) => ({ bus: d.boundaries[b]!.parentLocalBus, pMinPu: 0 })),
        headVoltageFree: ar.parent >= 0,
      };
      return buildMpopfModel(input);
    });
    const xs = d.areas.map((ar, a) => {
      const m = models[a]!;
      const A = m.layout;
      expect(A.nPort).toBe(ar.downBoundaries.length);
      const xa = new Float64Array(A.n);
      for (let t = 0; t < T; t++) {
        ar.branchGlobal.forEach((g, k) => {
          for (const kind of ["P", "Q", "l"] as const)
            xa[varIndex(A, kind, t, k)] = x[varIndex(L, kind, t, g)]!;
        });
        ar.busGlobal.forEach((g, j) => {
          const bd = d.boundaries[ar.upBoundary];
          xa[varIndex(A, "v", t, j)] = x[varIndex(L, "v", t, g >= 0 ? g : bd!.parentBus)]!;
        });
        ar.pvGlobal.forEach((g, k) => {
          xa[varIndex(A, "qD", t, k)] = x[varIndex(L, "qD", t, g)]!;
        });
        ar.batteryGlobal.forEach((g, k) => {
          for (const kind of ["Pc", "Pd", "qB", "B"] as const)
            xa[varIndex(A, kind, t, k)] = x[varIndex(L, kind, t, g)]!;
        });
        // The parent's port copy = the boundary branch's sending-end flow.
        ar.downBoundaries.forEach((b, e) => {
          const br = d.boundaries[b]!.branch;
          xa[varIndex(A, "Pp", t, e)] = x[varIndex(L, "P", t, br)]!;
          xa[varIndex(A, "Qp", t, e)] = x[varIndex(L, "Q", t, br)]!;
        });
      }
      return xa;
    });
    d.areas.forEach((ar, a) => {
      const chk = selfCheck(models[a]!, xs[a]!);
      expect(chk.maxResidualPu, `area ${ar.id}: ${JSON.stringify(chk.residuals)}`).toBeLessThan(1e-7);
      expect(chk.maxViolationPu, `area ${ar.id}: ${JSON.stringify(chk.violations)}`).toBeLessThan(1e-7);
    });
    // The root's head power counts its ports like loads: it is the substation's.
    const hp = headPower(models[0]!, xs[0]!);
    const hc = headPower(sol.model, x);
    for (let t = 0; t < T; t++) expect(hp.pPu[t]).toBeCloseTo(hc.pPu[t]!, 12);
    // A free head's voltage is a variable: moving it away from the band is a violation, not a residual.
    const child = models[1]!;
    const moved = Float64Array.from(xs[1]!);
    moved[varIndex(child.layout, "v", 0, child.params.head)] = 1.2;
    const bad = selfCheck(child, moved);
    expect(bad.residuals.headVoltage).toBe(0);
    expect(bad.violations.voltageBandPu).toBeCloseTo(Math.sqrt(1.2) - 1.05, 9);
    expect(Array.from(composeSolution(d, sol.model, models, xs))).toEqual(Array.from(x));
  });

  it("an elastic peak cap: the slack carries what the cap cannot, priced as given; its multiplier is π + σ·s", () => {
    const c = loadCase("ieee123");
    const sc = buildScenario(c, {
      horizon: 3,
      objective: "cost",
      pvPercent: 10,
      battPercent: 15,
      peakCapKw: 400,
    });
    const T = sc.T;
    // The cap is far below the load: a hard cap is infeasible, an elastic one carries the rest in its slack.
    expect(solveMpopf({ scenario: sc }, solver).valid).toBe(false);
    const pi = new Float64Array(T).fill(50);
    const sigma = 1000;
    const input: MpopfInput = {
      scenario: sc,
      elasticPeakCap: {
        linear: pi,
        quadratic: new Float64Array(T).fill(sigma / 2),
        slackMinPu: pi.map((v) => -v / sigma),
        tightenPu: 0,
      },
    };
    const m = buildMpopfModel(input);
    expect(m.layout.nSlack).toBe(1);
    expect(m.headPowerBound).toBe("constraint");
    const r = solver.solve(m.problem, { ipopt: { tol: 1e-9 } });
    expect(r.success, r.message).toBe(true);
    const hp = headPower(m, r.x);
    for (let t = 0; t < T; t++) {
      const s = r.x[varIndex(m.layout, "sCap", t, 0)]!;
      // The row is active: P_subs = cap + s, and its multiplier is π + σ s (the method of multipliers' update).
      expect(hp.pPu[t]! - s).toBeCloseTo(0.4, 7);
      expect(s).toBeGreaterThan(0.1);
      expect(r.lambda[m.rows.row("headPower", t, 0)]).toBeCloseTo(pi[t]! + sigma * s, 4);
    }
    // The self-check reports the excess over the (hard) cap.
    expect(selfCheck(m, r.x).violations.headPowerPu).toBeGreaterThan(0.1);
  });
});
