/**
 * Finite-difference check of an NlpProblem's exact derivatives: the gradient, the Jacobian (values and
 * sparsity) and the Hessian of the Lagrangian, compared with central differences along random directions.
 * A missing sparsity entry or a wrong value shows up as a large error.
 */

import { mulberry32 } from "../../models/random.ts";
import type { NlpProblem } from "./types.ts";

/** Largest relative errors found (|exact − fd| / max(1, |fd|), maximum over directions and components). */
export interface DerivativeCheckReport {
  gradient: number;
  jacobian: number;
  hessian: number;
  /** Index (row for Jacobian/Hessian, −1 for the gradient) where each maximum occurred. */
  worstJacobianRow: number;
  worstHessianRow: number;
}

/** Options of checkDerivatives. */
export interface DerivativeCheckOptions {
  /** Number of random directions (default 4). */
  directions?: number;
  /** Finite-difference step (default 1e-6). */
  step?: number;
  /** Seed of the random directions and multipliers (default 1). */
  seed?: number;
  /** Multipliers for the Hessian check (default: random in [−1, 1]). */
  lambda?: Float64Array;
  /** Objective factor for the Hessian check (default 1). */
  objFactor?: number;
}

/** Check the derivatives of `p` at the point `x`. */
export function checkDerivatives(
  p: NlpProblem,
  x: Float64Array,
  opts: DerivativeCheckOptions = {},
): DerivativeCheckReport {
  const { n, m } = p;
  const rand = mulberry32(opts.seed ?? 1);
  const eps = opts.step ?? 1e-6;
  const sigma = opts.objFactor ?? 1;
  const lambda = opts.lambda ?? Float64Array.from({ length: m }, () => 2 * rand() - 1);
  const nJ = p.jacRows.length;
  const nH = p.hessRows.length;
  // Exact derivatives at x (the same for every direction); `jac` is scratch for ∇L at the shifted points.
  const grad = new Float64Array(n);
  const jacAtX = new Float64Array(nJ);
  const hess = new Float64Array(nH);
  p.evalGradF(x, grad);
  p.evalJac(x, jacAtX);
  p.evalHess(x, sigma, lambda, hess);
  const jac = new Float64Array(nJ);
  const gPlus = new Float64Array(m);
  const gMinus = new Float64Array(m);
  const xs = new Float64Array(n);

  /** ∇L(x) = σ∇f(x) + J(x)ᵀλ. */
  const gradLagrangian = (at: Float64Array, out: Float64Array) => {
    p.evalGradF(at, out);
    for (let i = 0; i < n; i++) out[i]! *= sigma;
    p.evalJac(at, jac);
    for (let k = 0; k < nJ; k++) out[p.jacCols[k]!]! += jac[k]! * lambda[p.jacRows[k]!]!;
  };

  const report: DerivativeCheckReport = {
    gradient: 0,
    jacobian: 0,
    hessian: 0,
    worstJacobianRow: -1,
    worstHessianRow: -1,
  };
  const rel = (exact: number, fd: number) => Math.abs(exact - fd) / Math.max(1, Math.abs(fd));
  const lPlus = new Float64Array(n);
  const lMinus = new Float64Array(n);
  const jd = new Float64Array(m);
  const hd = new Float64Array(n);

  for (let dir = 0; dir < (opts.directions ?? 4); dir++) {
    const d = Float64Array.from({ length: n }, () => 2 * rand() - 1);
    const shift = (s: number) => {
      for (let i = 0; i < n; i++) xs[i] = x[i]! + s * eps * d[i]!;
      return xs;
    };

    // Gradient: ∇f·d vs (f(x+εd) − f(x−εd)) / 2ε.
    let gd = 0;
    for (let i = 0; i < n; i++) gd += grad[i]! * d[i]!;
    const fd = (p.evalF(shift(1)) - p.evalF(shift(-1))) / (2 * eps);
    report.gradient = Math.max(report.gradient, rel(gd, fd));

    // Jacobian: J d vs (g(x+εd) − g(x−εd)) / 2ε.
    jd.fill(0);
    for (let k = 0; k < nJ; k++) jd[p.jacRows[k]!]! += jacAtX[k]! * d[p.jacCols[k]!]!;
    p.evalG(shift(1), gPlus);
    p.evalG(shift(-1), gMinus);
    for (let i = 0; i < m; i++) {
      const e = rel(jd[i]!, (gPlus[i]! - gMinus[i]!) / (2 * eps));
      if (e > report.jacobian) {
        report.jacobian = e;
        report.worstJacobianRow = i;
      }
    }

    // Hessian of the Lagrangian: H d (symmetric from the lower triangle) vs (∇L(x+εd) − ∇L(x−εd)) / 2ε.
    hd.fill(0);
    for (let k = 0; k < nH; k++) {
      const r = p.hessRows[k]!;
      const c = p.hessCols[k]!;
      hd[r]! += hess[k]! * d[c]!;
      if (r !== c) hd[c]! += hess[k]! * d[r]!;
    }
    gradLagrangian(shift(1), lPlus);
    gradLagrangian(shift(-1), lMinus);
    for (let i = 0; i < n; i++) {
      const e = rel(hd[i]!, (lPlus[i]! - lMinus[i]!) / (2 * eps));
      if (e > report.hessian) {
        report.hessian = e;
        report.worstHessianRow = i;
      }
    }
  }
  return report;
}
