import { beforeAll, describe, expect, it } from "vitest";
import { createNativeIpoptSolver, NATIVE_IDENTITY } from "../../../solvers/ipopt/index.ts";
import { HS071_OPTIMUM, hs071 } from "../../../solvers/ipopt/testing/hs071.ts";
import type { NlpSolver } from "../../../solvers/nlp/types.ts";
import { nativeIpoptAvailable } from "./native-available.ts";
import { infeasibleProblem, throwingProblem, unboundedProblem } from "./problems.ts";

const available = nativeIpoptAvailable();

describe.skipIf(!available)("native Ipopt backend (Debian 3.11.9 + MUMPS via koffi)", () => {
  let solver: NlpSolver;
  beforeAll(() => {
    solver = createNativeIpoptSolver();
  });

  it("solves HS071 to f* = 17.014017", () => {
    const r = solver.solve(hs071());
    expect(r.status).toBe("solve_succeeded");
    expect(r.success).toBe(true);
    expect(r.objective).toBeCloseTo(17.014017, 6);
    expect(Math.abs(r.objective - HS071_OPTIMUM)).toBeLessThan(1e-7);
    expect(r.iterations).toBe(8);
    expect(r.g[1]!).toBeCloseTo(40, 6);
    expect(r.solver).toEqual(NATIVE_IDENTITY);
  });

  it("reports infeasible and unbounded problems with their statuses", () => {
    expect(solver.solve(infeasibleProblem()).status).toBe("infeasible_problem_detected");
    expect(solver.solve(unboundedProblem()).status).toBe("diverging_iterates");
  });

  it("rethrows a callback error with its message and stays usable", () => {
    expect(() =>
      solver.solve(throwingProblem({ where: "evalJac", onCall: 3, message: "native jac failure" })),
    ).toThrow(/^native jac failure$/);
    expect(() => solver.solve(throwingProblem({ where: "evalF", onCall: 1, message: "f at start" }))).toThrow(
      RangeError,
    );
    expect(solver.solve(hs071()).status).toBe("solve_succeeded");
  });

  it("passes integer, numeric and string options", () => {
    const r = solver.solve(hs071(), { ipopt: { max_iter: 2, tol: 1e-9, mu_strategy: "adaptive" } });
    expect(r.status).toBe("maximum_iterations_exceeded");
    expect(r.iterations).toBe(2);
  });
});
