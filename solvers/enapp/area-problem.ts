/**
 * The NLP of one ENApp area: the MPOPF formulation's problem for the area's input (`buildMpopfModel`, the same
 * code as the centralized solve), plus optional linear objective terms Σ c_i x_i — the boundary prices of the
 * "marginal" coupling (a price on the head power, a price on each child boundary's voltage). The terms are
 * linear, so the Hessian and the constraints are the formulation's, untouched.
 */
import type { MpopfInput } from "../mpopf/params.ts";
import { mpopfProblemFactory } from "../mpopf/solve.ts";
import type { NlpProblem, ProblemFactoryRef } from "../nlp/types.ts";

/** Linear objective terms: f += Σ coef[e] · x[index[e]] (objective units: $ for cost, kWh for loss). */
export interface LinearTerms {
  index: Int32Array;
  coef: Float64Array;
}

/** Separable quadratic objective terms: f += Σ weight[e] · (x[index[e]] − center[e])² (distinct indices). */
export interface QuadraticTerms {
  index: Int32Array;
  weight: Float64Array;
  center: Float64Array;
}

/** Plain-data arguments of an area problem (structured-clone safe, posted to a pool worker). */
export interface AreaProblemArgs {
  input: MpopfInput;
  linear?: LinearTerms;
  quadratic?: QuadraticTerms;
}

/**
 * Add separable quadratic terms to a problem's objective. Their Hessian entries (i, i) are added where the
 * problem's structure has them and appended otherwise.
 */
export function withQuadraticObjective(base: NlpProblem, terms: QuadraticTerms): NlpProblem {
  const { index, weight, center } = terms;
  const n = index.length;
  if (weight.length !== n || center.length !== n) throw new Error("quadratic terms: arrays differ in length");
  const diag = new Map<number, number>();
  for (let e = 0; e < base.hessRows.length; e++) {
    if (base.hessRows[e] === base.hessCols[e]) diag.set(base.hessRows[e], e);
  }
  const seen = new Set<number>();
  const pos = new Int32Array(n);
  const extraRows: number[] = [];
  for (let e = 0; e < n; e++) {
    const i = index[e];
    if (!(Number.isInteger(i) && i >= 0 && i < base.n))
      throw new Error(`quadratic terms: variable ${i} out of range`);
    if (seen.has(i)) throw new Error(`quadratic terms: variable ${i} appears twice`);
    seen.add(i);
    const at = diag.get(i);
    if (at !== undefined) pos[e] = at;
    else {
      pos[e] = base.hessRows.length + extraRows.length;
      extraRows.push(i);
    }
  }
  const hessRows = new Int32Array(base.hessRows.length + extraRows.length);
  hessRows.set(base.hessRows);
  hessRows.set(extraRows, base.hessRows.length);
  const hessCols = new Int32Array(hessRows.length);
  hessCols.set(base.hessCols);
  hessCols.set(extraRows, base.hessCols.length);
  const nBase = base.hessRows.length;
  return {
    ...base,
    hessRows,
    hessCols,
    evalF(x) {
      let f = base.evalF(x);
      for (let e = 0; e < n; e++) {
        const d = x[index[e]] - center[e];
        f += weight[e] * d * d;
      }
      return f;
    },
    evalGradF(x, grad) {
      base.evalGradF(x, grad);
      for (let e = 0; e < n; e++) grad[index[e]] += 2 * weight[e] * (x[index[e]] - center[e]);
    },
    evalHess(x, objFactor, lambda, values) {
      base.evalHess(x, objFactor, lambda, values.subarray(0, nBase));
      values.fill(0, nBase);
      for (let e = 0; e < n; e++) values[pos[e]] += 2 * objFactor * weight[e];
    },
  };
}

/** Add linear terms to a problem's objective (the problem's other callbacks are used as they are). */
export function withLinearObjective(base: NlpProblem, terms: LinearTerms): NlpProblem {
  const { index, coef } = terms;
  if (index.length !== coef.length) throw new Error("linear terms: index and coef differ in length");
  for (const i of index) {
    if (!(Number.isInteger(i) && i >= 0 && i < base.n))
      throw new Error(`linear terms: variable ${i} out of range`);
  }
  return {
    ...base,
    evalF(x) {
      let f = base.evalF(x);
      for (let e = 0; e < index.length; e++) f += coef[e] * x[index[e]];
      return f;
    },
    evalGradF(x, grad) {
      base.evalGradF(x, grad);
      for (let e = 0; e < index.length; e++) grad[index[e]] += coef[e];
    },
  };
}

/** Worker factory: the area's MPOPF problem with its boundary prices. Use with `areaFactoryRef`. */
export function enappAreaProblem(args: AreaProblemArgs): NlpProblem {
  let p = mpopfProblemFactory(args.input);
  if (args.linear && args.linear.index.length > 0) p = withLinearObjective(p, args.linear);
  if (args.quadratic && args.quadratic.index.length > 0) p = withQuadraticObjective(p, args.quadratic);
  return p;
}

/** A `ProblemFactoryRef` that builds this area problem inside a solver-pool worker. */
export function areaFactoryRef(args: AreaProblemArgs): ProblemFactoryRef<AreaProblemArgs> {
  return { module: import.meta.url, exportName: "enappAreaProblem", args };
}
