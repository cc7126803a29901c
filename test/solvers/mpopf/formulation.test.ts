/**
 * Problem × formulation: the modelling options (transformer taps and zones, line charging, capacitors as
 * kvar·v, constant-Z / constant-I / ZIP loads, the battery-throughput cost, the SOC relaxation) have exact
 * derivatives, encode the physics they claim, and expose their rows by name.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildFeeder } from "../../../models/build.ts";
import { loadCase } from "../../../models/case.ts";
import type { Feeder } from "../../../models/feeder.ts";
import { mulberry32 } from "../../../models/random.ts";
import { buildScenario } from "../../../models/scenario.ts";
import type { FormulationOptions, Scenario } from "../../../models/types.ts";
import { createIpoptSolver } from "../../../solvers/ipopt/index.ts";
import { selfCheck } from "../../../solvers/mpopf/check.ts";
import { varIndex } from "../../../solvers/mpopf/layout.ts";
import { buildMpopfModel, CONSTRAINT_FAMILIES } from "../../../solvers/mpopf/model.ts";
import { solveMpopf } from "../../../solvers/mpopf/solve.ts";
import type { NlpProblem, NlpSolver } from "../../../solvers/nlp/types.ts";
import { battery, pv, smallScenario, smallSpec } from "./fixtures.ts";

/** The small feeder with a regulator-like transformer (4.16 kV, 500 kVA, tap 1.03) above bus 5, ZIP / Z / I loads and line charging. */
function richFeeder(): Feeder {
  const spec = smallSpec({ name: "rich7" });
  const f = buildFeeder({
    ...spec,
    branches: spec.branches
      .filter((b) => !(b.from === "3" && b.to === "5"))
      .map((b) => ({ ...b, bUs: 40, iMaxA: undefined })),
    transformers: [
      {
        id: "T35",
        from: "3",
        to: "5",
        kva: 500,
        kvPrimary: 4.16,
        kvSecondary: 4.16,
        rPct: 1,
        xPct: 4,
        tap: 1.03,
      },
    ],
    pvs: [pv("4", 30), pv("6", 20)],
    batteries: [{ ...battery("4", 20), throughputCostUsdPerKwh: 0.01 }, battery("7", 10)],
  });
  // Voltage dependence on every load: ZIP at 3, Z at 4, I at 6, the rest constant PQ.
  f.loads = f.loads.map((l) =>
    l.bus === "3"
      ? { ...l, model: "zip", zip: { p: [0.3, 0.3, 0.4], q: [0.5, 0.2, 0.3] } }
      : l.bus === "4"
        ? { ...l, model: "z" }
        : l.bus === "6"
          ? { ...l, model: "i" }
          : l,
  );
  return f;
}

const ALL_ON: Partial<FormulationOptions> = { capacitors: "voltage", lineCharging: true, loads: "case" };

function richScenario(T: number, form: Partial<FormulationOptions> = ALL_ON): Scenario {
  return smallScenario(
    T,
    "cost",
    {
      terminal: "free",
      formulation: { physics: "exact", capacitors: "constant", lineCharging: false, loads: "pq", ...form },
    },
    richFeeder(),
  );
}

function randomPoint(p: NlpProblem, seed: number): Float64Array {
  const r = mulberry32(seed);
  const x = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) {
    const lo = Number.isFinite(p.xL[i]!) ? p.xL[i]! : -0.5;
    const hi = Number.isFinite(p.xU[i]!) ? p.xU[i]! : 0.5;
    x[i] = lo + (hi - lo) * (0.1 + 0.8 * r());
    // Squared voltages must stay positive for the constant-current terms.
    if ((p.varName?.(i) ?? "").startsWith("v[")) x[i] = 0.9 + 0.2 * r();
  }
  return x;
}

/** Finite-difference checks of the Jacobian and the Hessian of the Lagrangian at a random point. */
function checkDerivatives(p: NlpProblem, seed: number): { jac: number; hess: number } {
  const x = randomPoint(p, seed);
  const lambda = Float64Array.from({ length: p.m }, (_, i) => Math.sin(i + 1));
  const h = 1e-6;
  const jv = new Float64Array(p.jacRows.length);
  p.evalJac(x, jv);
  const J = new Map<string, number>();
  p.jacRows.forEach((r, e) => {
    J.set(`${r},${p.jacCols[e]}`, (J.get(`${r},${p.jacCols[e]}`) ?? 0) + jv[e]!);
  });
  const g0 = new Float64Array(p.m);
  const g1 = new Float64Array(p.m);
  let jac = 0;
  for (let i = 0; i < p.n; i++) {
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[i] += h;
    xm[i] -= h;
    p.evalG(xp, g1);
    p.evalG(xm, g0);
    for (let r = 0; r < p.m; r++) {
      const fd = (g1[r]! - g0[r]!) / (2 * h);
      jac = Math.max(jac, Math.abs(fd - (J.get(`${r},${i}`) ?? 0)) / (1 + Math.abs(fd)));
    }
  }
  const grad = (xx: Float64Array) => {
    const gf = new Float64Array(p.n);
    p.evalGradF(xx, gf);
    const jj = new Float64Array(p.jacRows.length);
    p.evalJac(xx, jj);
    p.jacRows.forEach((r, e) => {
      gf[p.jacCols[e]!]! += lambda[r]! * jj[e]!;
    });
    return gf;
  };
  const hv = new Float64Array(p.hessRows.length);
  p.evalHess(x, 1, lambda, hv);
  const H = new Map<string, number>();
  p.hessRows.forEach((r, e) => {
    const c = p.hessCols[e]!;
    const key = r >= c ? `${r},${c}` : `${c},${r}`;
    H.set(key, (H.get(key) ?? 0) + hv[e]!);
  });
  let hess = 0;
  for (let i = 0; i < p.n; i++) {
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[i] += h;
    xm[i] -= h;
    const gp = grad(xp);
    const gm = grad(xm);
    for (let j = i; j < p.n; j++) {
      const fd = (gp[j]! - gm[j]!) / (2 * h);
      hess = Math.max(hess, Math.abs(fd - (H.get(`${j},${i}`) ?? 0)) / (1 + Math.abs(fd)));
    }
  }
  return { jac, hess };
}

describe("richer physics: exact first and second derivatives", () => {
  const cases: Array<[string, () => Scenario]> = [
    ["transformer tap and zones, constant PQ (the paper's options)", () => richScenario(2, {})],
    ["+ line charging, capacitors as kvar·v, Z / I / ZIP loads", () => richScenario(2)],
    ["+ SOC relaxation and the throughput cost", () => richScenario(2, { ...ALL_ON, physics: "soc" })],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const model = buildMpopfModel({ scenario: make() });
      const d = checkDerivatives(model.problem, 7);
      expect(d.jac).toBeLessThan(1e-6);
      expect(d.hess).toBeLessThan(1e-5);
    });
  }

  it("the options change the rows they claim: taps on KVL and branch flow, v terms only where modelled", () => {
    const paper = buildMpopfModel({ scenario: richScenario(1, {}) });
    const rich = buildMpopfModel({ scenario: richScenario(1) });
    const net = rich.input.scenario.network;
    const k = net.branchIndex.T35!;
    expect(net.branches[k]!.kind).toBe("transformer");
    expect(net.zones).toHaveLength(2);
    // KVL of the transformer: v_to − τ² v_from …
    const coef = (m: typeof rich, row: number, col: number) => {
      const p = m.problem;
      const vals = new Float64Array(p.jacRows.length);
      p.evalJac(new Float64Array(p.n).fill(1), vals);
      let s = 0;
      p.jacRows.forEach((r, e) => {
        if (r === row && p.jacCols[e] === col) s += vals[e]!;
      });
      return s;
    };
    const kvl = rich.rows.row("kvl", 0, k);
    expect(coef(rich, kvl, varIndex(rich.layout, "v", 0, net.branches[k]!.from))).toBeCloseTo(
      -(1.03 ** 2),
      14,
    );
    // Reactive balance at bus 6 (constant-I load, charged line end) has a v term only in the rich model.
    const b6 = net.busIndex["6"]!;
    const vi = varIndex(rich.layout, "v", 0, b6);
    expect(coef(paper, paper.rows.row("reactiveBalance", 0, b6), vi)).toBe(0);
    expect(coef(rich, rich.rows.row("reactiveBalance", 0, b6), vi)).not.toBe(0);
  });
});

describe("named structure: rows by (family, period, element)", () => {
  it("every row belongs to exactly one (family, t, element), and families tile the constraint vector", () => {
    const m = buildMpopfModel({
      scenario: smallScenario(3, "cost", { peakCapKw: 400, limits: "available" }),
    });
    const seen = new Int32Array(m.problem.m).fill(-1);
    const L = m.layout;
    for (const f of CONSTRAINT_FAMILIES) {
      const width =
        f === "realBalance" || f === "reactiveBalance"
          ? L.nBus
          : f === "kvl" || f === "branchFlow"
            ? L.nBr
            : f === "socDynamics" || f === "terminal" || f === "batteryApparent"
              ? L.nBatt
              : 1;
      const range = m.families.find((x) => x.name === f)!;
      let count = 0;
      for (let t = 0; t < L.T; t++) {
        for (let e = 0; e < width; e++) {
          const r = m.rows.row(f, t, e);
          if (r < 0) continue;
          expect(seen[r]).toBe(-1);
          seen[r] = 1;
          expect(r).toBeGreaterThanOrEqual(range.start);
          expect(r).toBeLessThan(range.start + range.count);
          count++;
        }
      }
      expect(count, f).toBe(range.count);
    }
    expect([...seen].every((v) => v === 1)).toBe(true);
    expect(m.rows.row("realBalance", 0, m.params.head)).toBe(-1);
    expect(m.rows.row("kvl", 3, 0)).toBe(-1);
  });
});

describe("the replay's physics: a sweep of the rich model satisfies its own rows", () => {
  it("with every option on, a feasible point from the self-check's own equations has zero residual", () => {
    // The self-check recomputes the physics from the scenario independently of the rows; at a solve's
    // optimum both must agree to the solver's tolerance.
    return (async () => {
      const solver = await createIpoptSolver();
      const sol = solveMpopf({ scenario: richScenario(4) }, solver);
      expect(sol.valid, sol.summary.message).toBe(true);
      const c = selfCheck(sol.model, sol.result.x);
      expect(c.maxResidualPu).toBeLessThan(1e-7);
      // Voltage-dependent demand: the decoded load differs from the 1 pu demand (Z and I loads see V ≠ 1).
      const paper = solveMpopf({ scenario: richScenario(4, {}) }, solver);
      const dl =
        (sol.tables.periods.array("loadKw") as number[])[0]! -
        (paper.tables.periods.array("loadKw") as number[])[0]!;
      expect(Math.abs(dl)).toBeGreaterThan(1e-3);
    })();
  });
});

describe("SOC relaxation on IEEE-123, T = 24", () => {
  let solver: NlpSolver;
  beforeAll(async () => {
    solver = await createIpoptSolver();
  });
  it("gives the exact formulation's optimum to 1e-6 relative and reports its tightness", () => {
    const c = loadCase("ieee123");
    const exact = solveMpopf({ scenario: buildScenario(c, { horizon: 24 }) }, solver);
    const soc = solveMpopf(
      { scenario: buildScenario(c, { horizon: 24, formulation: { physics: "soc" } }) },
      solver,
    );
    expect(exact.valid && soc.valid).toBe(true);
    const rel = Math.abs(soc.result.objective - exact.result.objective) / Math.abs(exact.result.objective);
    process.stderr.write(
      `[soc] IEEE-123 T=24: exact ${exact.result.objective.toFixed(6)} $, SOC ${soc.result.objective.toFixed(6)} $, rel ${rel.toExponential(2)}; tightness ${soc.summary.relaxationGapPu!.toExponential(2)} pu² at branch ${soc.summary.relaxationGapAt!.branch}, t=${soc.summary.relaxationGapAt!.t}\n`,
    );
    expect(rel).toBeLessThan(1e-6);
    expect(soc.summary.physics).toBe("soc");
    expect(soc.summary.relaxationGapPu).not.toBeNull();
    expect(soc.summary.relaxationGapPu!).toBeGreaterThanOrEqual(0);
    expect(exact.summary.relaxationGapPu).toBeNull();
  }, 120_000);
});
