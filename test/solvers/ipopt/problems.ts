/**
 * Small NLPs for the Ipopt tests. No vitest imports here: pool workers import this module to build problems.
 */
import { hs071 } from "../../../solvers/ipopt/testing/hs071.ts";
import type { NlpProblem } from "../../../solvers/nlp/types.ts";

const inf = Number.POSITIVE_INFINITY;

/** min x1 + 2 x2  s.t.  x1² + x2² <= 1,  x1 + x2 >= 3: the constraint set is empty. */
export function infeasibleProblem(): NlpProblem {
  return {
    n: 2,
    m: 2,
    xL: new Float64Array([-inf, -inf]),
    xU: new Float64Array([inf, inf]),
    gL: new Float64Array([-inf, 3]),
    gU: new Float64Array([1, inf]),
    jacRows: new Int32Array([0, 0, 1, 1]),
    jacCols: new Int32Array([0, 1, 0, 1]),
    hessRows: new Int32Array([0, 1]),
    hessCols: new Int32Array([0, 1]),
    x0: new Float64Array([0, 0]),
    evalF: (x) => x[0]! + 2 * x[1]!,
    evalGradF(_x, g) {
      g[0] = 1;
      g[1] = 2;
    },
    evalG(x, g) {
      g[0] = x[0]! ** 2 + x[1]! ** 2;
      g[1] = x[0]! + x[1]!;
    },
    evalJac(x, v) {
      v[0] = 2 * x[0]!;
      v[1] = 2 * x[1]!;
      v[2] = 1;
      v[3] = 1;
    },
    evalHess(_x, _s, l, v) {
      v[0] = 2 * l[0]!;
      v[1] = 2 * l[0]!;
    },
  };
}

/** min −x² over x ∈ ℝ: unbounded below; the iterates diverge. */
export function unboundedProblem(): NlpProblem {
  return {
    n: 1,
    m: 0,
    xL: new Float64Array([-inf]),
    xU: new Float64Array([inf]),
    gL: new Float64Array(0),
    gU: new Float64Array(0),
    jacRows: new Int32Array(0),
    jacCols: new Int32Array(0),
    hessRows: new Int32Array([0]),
    hessCols: new Int32Array([0]),
    x0: new Float64Array([1]),
    evalF: (x) => -(x[0]! ** 2),
    evalGradF(x, g) {
      g[0] = -2 * x[0]!;
    },
    evalG() {},
    evalJac() {},
    evalHess(_x, s, _l, v) {
      v[0] = -2 * s;
    },
  };
}

/** Arguments of throwingProblem. */
export interface ThrowingArgs {
  /** Which callback throws. */
  where: "evalF" | "evalGradF" | "evalG" | "evalJac" | "evalHess";
  /** It throws on this call (1 = first call). */
  onCall: number;
  message: string;
}

/** HS071 whose `where` callback throws `new RangeError(message)` on call number `onCall`. */
export function throwingProblem(args: ThrowingArgs): NlpProblem {
  const p = hs071();
  let calls = 0;
  const original = p[args.where] as (...a: unknown[]) => unknown;
  return {
    ...p,
    [args.where]: (...a: unknown[]) => {
      calls++;
      if (calls === args.onCall) throw new RangeError(args.message);
      return original(...a);
    },
  };
}

/** HS071 whose gradient becomes NaN: Ipopt must report an invalid number. */
export function nanProblem(): NlpProblem {
  const p = hs071();
  return {
    ...p,
    evalGradF(_x, g) {
      g.fill(Number.NaN);
    },
  };
}

/** A factory that fails before building anything (for the pool's error path). */
export function failingFactory(args: { message: string }): NlpProblem {
  throw new TypeError(args.message);
}

/** HS071 built asynchronously (factories may return promises). */
export async function asyncHs071(): Promise<NlpProblem> {
  await new Promise((r) => setTimeout(r, 1));
  return hs071();
}

/** This module's URL, for ProblemFactoryRef.module. */
export const problemsModule = new URL(import.meta.url).href;
