/**
 * Hock–Schittkowski problem 71, Ipopt's classic example:
 *   min x1 x4 (x1 + x2 + x3) + x3   s.t.  x1 x2 x3 x4 >= 25,  x1² + x2² + x3² + x4² = 40,  1 <= x <= 5,
 * from x0 = (1, 5, 5, 1); optimum f* = 17.0140173 at x* ≈ (1, 4.743, 3.8211, 1.3794).
 */
import type { NlpProblem } from "../../nlp/types.ts";

/** Optimal objective of HS071. */
export const HS071_OPTIMUM = 17.014017145179164;

/** HS071 as an NlpProblem. `args` is accepted (and ignored) so it can be used as a pool factory. */
export function hs071(_args?: unknown): NlpProblem {
  return {
    n: 4,
    m: 2,
    xL: new Float64Array([1, 1, 1, 1]),
    xU: new Float64Array([5, 5, 5, 5]),
    gL: new Float64Array([25, 40]),
    gU: new Float64Array([Number.POSITIVE_INFINITY, 40]),
    jacRows: new Int32Array([0, 0, 0, 0, 1, 1, 1, 1]),
    jacCols: new Int32Array([0, 1, 2, 3, 0, 1, 2, 3]),
    hessRows: new Int32Array([0, 1, 1, 2, 2, 2, 3, 3, 3, 3]),
    hessCols: new Int32Array([0, 0, 1, 0, 1, 2, 0, 1, 2, 3]),
    x0: new Float64Array([1, 5, 5, 1]),
    evalF: (x) => x[0]! * x[3]! * (x[0]! + x[1]! + x[2]!) + x[2]!,
    evalGradF(x, g) {
      g[0] = x[0]! * x[3]! + x[3]! * (x[0]! + x[1]! + x[2]!);
      g[1] = x[0]! * x[3]!;
      g[2] = x[0]! * x[3]! + 1;
      g[3] = x[0]! * (x[0]! + x[1]! + x[2]!);
    },
    evalG(x, g) {
      g[0] = x[0]! * x[1]! * x[2]! * x[3]!;
      g[1] = x[0]! ** 2 + x[1]! ** 2 + x[2]! ** 2 + x[3]! ** 2;
    },
    evalJac(x, v) {
      v[0] = x[1]! * x[2]! * x[3]!;
      v[1] = x[0]! * x[2]! * x[3]!;
      v[2] = x[0]! * x[1]! * x[3]!;
      v[3] = x[0]! * x[1]! * x[2]!;
      v[4] = 2 * x[0]!;
      v[5] = 2 * x[1]!;
      v[6] = 2 * x[2]!;
      v[7] = 2 * x[3]!;
    },
    evalHess(x, s, l, v) {
      const [l0, l1] = [l[0]!, l[1]!];
      v[0] = s * 2 * x[3]! + l1 * 2; // (0,0)
      v[1] = s * x[3]! + l0 * x[2]! * x[3]!; // (1,0)
      v[2] = l1 * 2; // (1,1)
      v[3] = s * x[3]! + l0 * x[1]! * x[3]!; // (2,0)
      v[4] = l0 * x[0]! * x[3]!; // (2,1)
      v[5] = l1 * 2; // (2,2)
      v[6] = s * (2 * x[0]! + x[1]! + x[2]!) + l0 * x[1]! * x[2]!; // (3,0)
      v[7] = s * x[0]! + l0 * x[0]! * x[2]!; // (3,1)
      v[8] = s * x[0]! + l0 * x[0]! * x[1]!; // (3,2)
      v[9] = l1 * 2; // (3,3)
    },
  };
}
