import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../models/errors.ts";
import { createIpoptSolver, ipoptWasmStatus, WASM_IDENTITY } from "../../../solvers/ipopt/index.ts";
import { HS071_OPTIMUM, hs071 } from "../../../solvers/ipopt/testing/hs071.ts";
import { syntheticDistFlow } from "../../../solvers/ipopt/testing/synthetic-distflow.ts";
import type { NlpSolver } from "../../../solvers/nlp/types.ts";
import { infeasibleProblem, nanProblem, throwingProblem, unboundedProblem } from "./problems.ts";

let solver: NlpSolver;

beforeAll(async () => {
  // Builds the artifact first when it is missing or stale (fresh clone).
  solver = await createIpoptSolver();
});

describe("wasm Ipopt backend", () => {
  it("has a current artifact after creation", () => {
    const st = ipoptWasmStatus();
    expect(st.exists).toBe(true);
    expect(st.upToDate).toBe(true);
    expect(st.stamp?.ipoptVersion).toBe("3.11.9");
  });

  it("solves HS071 to f* = 17.014017", () => {
    const r = solver.solve(hs071());
    expect(r.status).toBe("solve_succeeded");
    expect(r.statusCode).toBe(0);
    expect(r.success).toBe(true);
    expect(r.objective).toBeCloseTo(17.014017, 6);
    expect(Math.abs(r.objective - HS071_OPTIMUM)).toBeLessThan(1e-7);
    expect(Array.from(r.x).map((v) => Number(v.toFixed(4)))).toEqual([1, 4.743, 3.8211, 1.3794]);
    // x1 sits at its lower bound: positive lower-bound multiplier there, none elsewhere.
    expect(r.zL[0]!).toBeGreaterThan(0.5);
    expect(r.zU.every((z) => Math.abs(z) < 1e-6)).toBe(true);
    // Constraint values at the solution: product >= 25 active, sum of squares = 40.
    expect(r.g[0]!).toBeCloseTo(25, 6);
    expect(r.g[1]!).toBeCloseTo(40, 6);
    expect(r.iterations).toBe(8);
    expect(r.solver).toEqual(WASM_IDENTITY);
    expect(r.options.print_level).toBe(0);
    expect(r.solveSeconds).toBeGreaterThan(0);
  });

  it("reports an infeasible constraint set as infeasible_problem_detected", () => {
    const r = solver.solve(infeasibleProblem());
    expect(r.status).toBe("infeasible_problem_detected");
    expect(r.success).toBe(false);
    expect(r.message).toMatch(/infeasible/i);
  });

  it("reports an unbounded problem as diverging_iterates", () => {
    const r = solver.solve(unboundedProblem());
    expect(r.status).toBe("diverging_iterates");
    expect(r.success).toBe(false);
    expect(Math.abs(r.x[0]!)).toBeGreaterThan(1e19);
    expect(r.message).toMatch(/unbounded/);
  });

  it.each([
    ["evalF", 1],
    ["evalG", 3],
    ["evalJac", 2],
    ["evalHess", 4],
    ["evalGradF", 2],
  ] as const)("rethrows an error thrown in %s (call %d) and stays usable", (where, onCall) => {
    const message = `deliberate failure in ${where}`;
    let caught: unknown;
    try {
      solver.solve(throwingProblem({ where, onCall, message }));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RangeError);
    expect((caught as Error).message).toBe(message);
    const again = solver.solve(hs071());
    expect(again.status).toBe("solve_succeeded");
    expect(again.objective).toBeCloseTo(17.014017, 6);
  });

  it("reports NaN derivatives as invalid_number_detected", () => {
    const r = solver.solve(nanProblem());
    expect(r.status).toBe("invalid_number_detected");
  });

  it("passes options through with Ipopt's registered types", () => {
    const r = solver.solve(hs071(), { ipopt: { max_iter: 3, tol: 1e-10, mu_strategy: "adaptive" } });
    expect(r.status).toBe("maximum_iterations_exceeded");
    expect(r.iterations).toBe(3);
    expect(r.options).toMatchObject({ max_iter: 3, tol: 1e-10, mu_strategy: "adaptive", print_level: 0 });
  });

  it("returns invalid_option for unknown options and mistyped values", () => {
    const unknown = solver.solve(hs071(), { ipopt: { no_such_option: 1 } });
    expect(unknown.status).toBe("invalid_option");
    expect(unknown.message).toContain("no_such_option");
    const fractional = solver.solve(hs071(), { ipopt: { max_iter: 2.5 } });
    expect(fractional.status).toBe("invalid_option");
    expect(fractional.message).toContain("max_iter");
    const badValue = solver.solve(hs071(), { ipopt: { mu_strategy: "sideways" } });
    expect(badValue.status).toBe("invalid_option");
    const otherSolver = solver.solve(hs071(), { ipopt: { linear_solver: "ma27" } });
    expect(otherSolver.status).toBe("invalid_option");
    expect(solver.solve(hs071()).status).toBe("solve_succeeded");
  });

  it("warm-starts from x and multipliers in fewer iterations to the same point", () => {
    const p = syntheticDistFlow({ buses: 120, periods: 4, seed: 11 });
    const cold = solver.solve(p);
    expect(cold.status).toBe("solve_succeeded");
    const warm = solver.solve(p, {
      warmStart: { x: cold.x, lambda: cold.lambda, zL: cold.zL, zU: cold.zU },
      ipopt: { mu_init: 1e-6, warm_start_bound_push: 1e-9, warm_start_mult_bound_push: 1e-9 },
    });
    expect(warm.status).toBe("solve_succeeded");
    expect(warm.options.warm_start_init_point).toBe("yes");
    expect(warm.iterations).toBeLessThan(cold.iterations);
    let dx = 0;
    for (let i = 0; i < p.n; i++) dx = Math.max(dx, Math.abs(warm.x[i]! - cold.x[i]!));
    expect(dx).toBeLessThan(1e-6);
    // A primal-only warm start does not switch on warm_start_init_point.
    const primal = solver.solve(p, { warmStart: { x: cold.x } });
    expect(primal.options.warm_start_init_point).toBeUndefined();
    expect(primal.status).toBe("solve_succeeded");
  });

  it("keeps the analyses of several KKT structures: problems that take turns are not ordered again", () => {
    // What a pool worker sees in a distributed run: the areas' problems in turn, each re-solved every step.
    const problems = [
      syntheticDistFlow({ buses: 90, periods: 3, seed: 5 }),
      syntheticDistFlow({ buses: 70, periods: 4, seed: 6 }),
      syntheticDistFlow({ buses: 110, periods: 2, seed: 7 }),
    ];
    const first = problems.map((p) => solver.solve(p));
    for (const r of first) expect(r.status).toBe("solve_succeeded");
    for (let round = 0; round < 2; round++)
      problems.forEach((p, i) => {
        const r = solver.solve(p);
        expect(r.status).toBe("solve_succeeded");
        expect(r.timings?.orderings).toBe(0);
        expect(r.timings?.ordering).toBe(0);
        // The same analysis gives the same iterates, bit for bit.
        expect(r.iterations).toBe(first[i]!.iterations);
        expect(Array.from(r.x)).toEqual(Array.from(first[i]!.x));
      });
  });

  it("rejects structurally invalid problems with a typed error naming the field", () => {
    const p = { ...hs071(), hessRows: new Int32Array([0, 0]), hessCols: new Int32Array([0, 1]) };
    expect(() => solver.solve(p)).toThrow(InputError);
    expect(() => solver.solve(p)).toThrow(/hessCols\[1\].*lower triangle/);
    const q = { ...hs071(), x0: new Float64Array([1, 2, 3]) };
    expect(() => solver.solve(q)).toThrow(/x0.*length 3, expected 4/);
  });

  it("solves a nonconvex multi-period DistFlow problem with battery coupling", () => {
    const p = syntheticDistFlow({ buses: 300, periods: 6, seed: 3 });
    const r = solver.solve(p);
    expect(r.status).toBe("solve_succeeded");
    // Constraint residuals at the solution.
    const g = new Float64Array(p.m);
    p.evalG(r.x, g);
    let viol = 0;
    for (let i = 0; i < p.m; i++) viol = Math.max(viol, p.gL[i]! - g[i]!, g[i]! - p.gU[i]!);
    expect(viol).toBeLessThan(1e-7);
  });
});
