/**
 * The wasm build (Ipopt + mpopf's LDLᵀ) against Debian's native Ipopt + MUMPS on the same problems: same
 * solutions (and, since both factorisations are accurate, the same iterates).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createIpoptSolver, createNativeIpoptSolver } from "../../../solvers/ipopt/index.ts";
import { hs071 } from "../../../solvers/ipopt/testing/hs071.ts";
import { syntheticDistFlow } from "../../../solvers/ipopt/testing/synthetic-distflow.ts";
import { checkDerivatives } from "../../../solvers/nlp/derivative-check.ts";
import type { NlpProblem, NlpResult, NlpSolver } from "../../../solvers/nlp/types.ts";
import { nativeIpoptAvailable } from "./native-available.ts";

const available = nativeIpoptAvailable();

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe("synthetic DistFlow test problem", () => {
  it("has exact derivatives (checked against central finite differences)", () => {
    const p = syntheticDistFlow({ buses: 300, periods: 6, seed: 3, batteryEvery: 25 });
    // A point away from the start: perturb every variable.
    const x = Float64Array.from(p.x0, (v, i) => v + 0.01 * Math.sin(1 + i));
    const rep = checkDerivatives(p, x, { directions: 4, step: 1e-6, objFactor: 0.7 });
    expect(rep.gradient).toBeLessThan(1e-7);
    expect(rep.jacobian).toBeLessThan(1e-7);
    expect(rep.hessian).toBeLessThan(1e-7);
  });

  it("the derivative check catches a wrong Hessian entry", () => {
    const p = syntheticDistFlow({ buses: 50, periods: 3, seed: 3, batteryEvery: 10 });
    const broken: NlpProblem = {
      ...p,
      evalHess(x, s, l, v) {
        p.evalHess(x, s, l, v);
        v[v.length - 1]! *= 1.5;
      },
    };
    const x = Float64Array.from(p.x0, (v, i) => v + 0.01 * Math.cos(i));
    expect(checkDerivatives(broken, x).hessian).toBeGreaterThan(1e-3);
  });
});

describe.skipIf(!available)("wasm vs native Ipopt", () => {
  let wasm: NlpSolver;
  let native: NlpSolver;
  beforeAll(async () => {
    wasm = await createIpoptSolver();
    native = createNativeIpoptSolver();
  });

  const both = (p: NlpProblem, ipopt: Record<string, number | string> = {}): [NlpResult, NlpResult] => [
    wasm.solve(p, { ipopt }),
    native.solve(p, { ipopt }),
  ];

  it("HS071: same solution", () => {
    const [a, b] = both(hs071());
    expect(a.status).toBe("solve_succeeded");
    expect(b.status).toBe("solve_succeeded");
    expect(maxAbsDiff(a.x, b.x)).toBeLessThan(1e-10);
    expect(a.iterations).toBe(b.iterations);
  });

  it("nonconvex multi-period DistFlow with batteries: same solution (max |Δx| <= 1e-8)", () => {
    const p = syntheticDistFlow({ buses: 300, periods: 6, seed: 3 });
    const [a, b] = both(p);
    expect(a.status).toBe("solve_succeeded");
    expect(b.status).toBe("solve_succeeded");
    expect(maxAbsDiff(a.x, b.x)).toBeLessThanOrEqual(1e-8);
    expect(maxAbsDiff(a.lambda, b.lambda)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(a.objective - b.objective)).toBeLessThan(1e-9);
    expect(a.iterations).toBe(b.iterations);
  });

  it("limited-memory Hessian (exercises the own BLAS/LAPACK): same solution", () => {
    const p = syntheticDistFlow({ buses: 40, periods: 2, seed: 5, batteryEvery: 10 });
    for (const p2 of [hs071(), p]) {
      const [a, b] = both(p2, { hessian_approximation: "limited-memory", max_iter: 500 });
      expect(a.status).toBe("solve_succeeded");
      expect(b.status).toBe("solve_succeeded");
      expect(maxAbsDiff(a.x, b.x)).toBeLessThan(1e-10);
      expect(a.iterations).toBe(b.iterations);
    }
  });
});
