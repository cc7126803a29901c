import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../models/random.ts";
import type { Scenario } from "../../../models/types.ts";
import { varIndex } from "../../../solvers/mpopf/layout.ts";
import { buildMpopfModel } from "../../../solvers/mpopf/model.ts";
import type { MpopfInput } from "../../../solvers/mpopf/params.ts";
import type { NlpProblem } from "../../../solvers/nlp/types.ts";
import { battery, smallFeeder, smallScenario } from "./fixtures.ts";

function randomPoint(p: NlpProblem, seed: number): Float64Array {
  const r = mulberry32(seed);
  const x = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) x[i] = 0.2 + 0.8 * r() * (r() < 0.5 ? -1 : 1);
  return x;
}

/** Dense Jacobian from the sparse callback; fails on duplicate entries. */
function denseJac(p: NlpProblem, x: Float64Array): Float64Array {
  const vals = new Float64Array(p.jacRows.length);
  p.evalJac(x, vals);
  const J = new Float64Array(p.m * p.n);
  const seen = new Set<number>();
  for (let e = 0; e < vals.length; e++) {
    const key = p.jacRows[e]! * p.n + p.jacCols[e]!;
    expect(seen.has(key), `duplicate Jacobian entry ${p.conName?.(p.jacRows[e]!)}`).toBe(false);
    seen.add(key);
    J[key] = vals[e]!;
  }
  return J;
}

/** ∇L = σ∇f + Jᵀλ computed from the callbacks. */
function gradLagrangian(p: NlpProblem, x: Float64Array, sigma: number, lambda: Float64Array): Float64Array {
  const g = new Float64Array(p.n);
  p.evalGradF(x, g);
  for (let i = 0; i < p.n; i++) g[i]! *= sigma;
  const vals = new Float64Array(p.jacRows.length);
  p.evalJac(x, vals);
  for (let e = 0; e < vals.length; e++) g[p.jacCols[e]!]! += vals[e]! * lambda[p.jacRows[e]!]!;
  return g;
}

/** Compare all exact derivatives with central finite differences. */
function checkDerivatives(p: NlpProblem, seed: number): void {
  const x = randomPoint(p, seed);
  const h = 1e-6;
  const tolAbs = 1e-6;
  // Gradient.
  const grad = new Float64Array(p.n);
  p.evalGradF(x, grad);
  for (let i = 0; i < p.n; i++) {
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[i]! += h;
    xm[i]! -= h;
    const fd = (p.evalF(xp) - p.evalF(xm)) / (2 * h);
    expect(Math.abs(fd - grad[i]!), `df/d${p.varName?.(i)}`).toBeLessThan(tolAbs * (1 + Math.abs(fd)));
  }
  // Jacobian (dense comparison: also catches non-zeros missing from the structure).
  const J = denseJac(p, x);
  const gp = new Float64Array(p.m);
  const gm = new Float64Array(p.m);
  let maxErr = 0;
  let worst = "";
  for (let i = 0; i < p.n; i++) {
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[i]! += h;
    xm[i]! -= h;
    p.evalG(xp, gp);
    p.evalG(xm, gm);
    for (let r = 0; r < p.m; r++) {
      const fd = (gp[r]! - gm[r]!) / (2 * h);
      const err = Math.abs(fd - J[r * p.n + i]!) / (1 + Math.abs(fd));
      if (err > maxErr) {
        maxErr = err;
        worst = `d ${p.conName?.(r)} / d ${p.varName?.(i)}: fd ${fd} exact ${J[r * p.n + i]}`;
      }
    }
  }
  expect(maxErr, worst).toBeLessThan(tolAbs);
  // Hessian of the Lagrangian with random multipliers.
  const r = mulberry32(seed + 1);
  const lambda = Float64Array.from({ length: p.m }, () => 2 * r() - 1);
  const sigma = 0.7;
  const hv = new Float64Array(p.hessRows.length);
  p.evalHess(x, sigma, lambda, hv);
  const H = new Float64Array(p.n * p.n);
  const seen = new Set<number>();
  for (let e = 0; e < hv.length; e++) {
    const a = p.hessRows[e]!;
    const b = p.hessCols[e]!;
    expect(a >= b, "Hessian entries must be in the lower triangle").toBe(true);
    expect(seen.has(a * p.n + b), "duplicate Hessian entry").toBe(false);
    seen.add(a * p.n + b);
    H[a * p.n + b] = hv[e]!;
    H[b * p.n + a] = hv[e]!;
  }
  maxErr = 0;
  for (let i = 0; i < p.n; i++) {
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[i]! += h;
    xm[i]! -= h;
    const Lp = gradLagrangian(p, xp, sigma, lambda);
    const Lm = gradLagrangian(p, xm, sigma, lambda);
    for (let j = 0; j < p.n; j++) {
      const fd = (Lp[j]! - Lm[j]!) / (2 * h);
      const err = Math.abs(fd - H[j * p.n + i]!) / (1 + Math.abs(fd));
      if (err > maxErr) {
        maxErr = err;
        worst = `d2L / d ${p.varName?.(j)} d ${p.varName?.(i)}: fd ${fd} exact ${H[j * p.n + i]}`;
      }
    }
  }
  expect(maxErr, worst).toBeLessThan(tolAbs);
}

/** The same feeder with the substation at bus 2 (three head branches, a load and a battery at the head). */
function multiHeadScenario(T: number): Scenario {
  const f = smallFeeder({ name: "small7-head2", substation: "2", vSubsPu: 1.02 });
  const feeder = { ...f, batteries: [...f.batteries, battery("2", 15)] };
  return smallScenario(T, "cost", { noBackfeed: true, peakCapKw: 500 }, feeder);
}

describe("MPOPF exact derivatives vs finite differences", () => {
  const cases: Array<[string, () => MpopfInput]> = [
    ["cost, hard terminal, rated limits", () => ({ scenario: smallScenario(3, "cost") })],
    [
      "loss, soft terminal, available limits",
      () => ({
        scenario: smallScenario(3, "loss", { terminal: "soft", terminalGamma: 5, limits: "available" }),
      }),
    ],
    [
      "cost, free terminal, peak cap + no back-feed as bounds, line limits",
      () => ({
        scenario: smallScenario(2, "cost", {
          terminal: "free",
          peakCapKw: 200,
          noBackfeed: true,
          lineLimits: true,
        }),
      }),
    ],
    [
      "area: multi-branch head with battery, head-power rows, given head voltage and extra loads",
      () => {
        const sc = multiHeadScenario(3);
        return {
          scenario: sc,
          vHeadPu: Float64Array.from([1.01, 1.02, 1.0]),
          extraLoads: [
            { bus: 3, pPu: Float64Array.from([0.01, 0.02, 0.03]), qPu: Float64Array.from([0.005, 0, -0.01]) },
          ],
        };
      },
    ],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const model = buildMpopfModel(make());
      checkDerivatives(model.problem, 42);
    });
  }

  it("imposes the head-power bounds the cheapest valid way", () => {
    expect(buildMpopfModel({ scenario: smallScenario(2, "cost") }).headPowerBound).toBe("none");
    const capped = buildMpopfModel({
      scenario: smallScenario(2, "cost", { peakCapKw: 200, noBackfeed: true }),
    });
    expect(capped.headPowerBound).toBe("variable-bound");
    const i = varIndex(capped.layout, "P", 1, 0);
    expect(capped.problem.xL[i]).toBe(0);
    expect(capped.problem.xU[i]).toBeCloseTo(0.2, 12);
    const area = buildMpopfModel({ scenario: multiHeadScenario(2) });
    expect(area.headPowerBound).toBe("constraint");
    expect(area.families.find((f) => f.name === "headPower")!.count).toBe(2);
  });
});
