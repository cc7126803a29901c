import { describe, expect, it } from "vitest";
import { InputError } from "../../../models/errors.ts";
import { hs071 } from "../../../solvers/ipopt/testing/hs071.ts";
import { checkDerivatives } from "../../../solvers/nlp/derivative-check.ts";
import { validateNlpProblem, validateWarmStart } from "../../../solvers/nlp/validate.ts";

describe("validateNlpProblem", () => {
  it("accepts a well-formed problem", () => {
    expect(() => validateNlpProblem(hs071())).not.toThrow();
  });

  it.each([
    ["n", { n: 0 }, /'n'.*positive integer/],
    ["xU length", { xU: new Float64Array(3) }, /'xU'.*length 3, expected 4/],
    ["NaN bound", { gL: new Float64Array([Number.NaN, 40]) }, /'gL\[0\]'.*NaN/],
    [
      "infinite start",
      { x0: new Float64Array([1, Number.POSITIVE_INFINITY, 5, 1]) },
      /'x0\[1\]'.*not finite/,
    ],
    ["jacobian row", { jacRows: new Int32Array([0, 0, 0, 0, 1, 1, 1, 2]) }, /'jacRows\[7\]'.*out of range/],
    ["jacobian lengths", { jacCols: new Int32Array([0, 1]) }, /'jacCols'.*length 2, expected 8/],
    [
      "upper-triangle hessian",
      { hessRows: new Int32Array([0, 0]), hessCols: new Int32Array([0, 3]) },
      /'hessCols\[1\]'.*lower triangle/,
    ],
  ])("rejects a bad %s with an InputError naming the field", (_name, patch, pattern) => {
    const p = { ...hs071(), ...patch };
    let err: unknown;
    try {
      validateNlpProblem(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).location.element).toBe("NlpProblem");
    expect((err as Error).message).toMatch(pattern);
  });

  it("checks warm-start sizes", () => {
    const p = hs071();
    expect(() => validateWarmStart(p, { x: new Float64Array(4), lambda: new Float64Array(3) })).toThrow(
      /'lambda'.*length 3, expected 2/,
    );
  });
});

describe("checkDerivatives", () => {
  it("finds HS071's derivatives exact", () => {
    const r = checkDerivatives(hs071(), new Float64Array([1.3, 4.1, 3.7, 1.9]), { directions: 6 });
    expect(r.gradient).toBeLessThan(1e-7);
    expect(r.jacobian).toBeLessThan(1e-7);
    expect(r.hessian).toBeLessThan(1e-7);
  });

  it("reports a missing Jacobian entry", () => {
    const p = hs071();
    const broken = {
      ...p,
      jacRows: p.jacRows.slice(0, 7),
      jacCols: p.jacCols.slice(0, 7),
      evalJac: (x: Float64Array, v: Float64Array) => {
        const full = new Float64Array(8);
        p.evalJac(x, full);
        v.set(full.subarray(0, 7));
      },
    };
    const r = checkDerivatives(broken, new Float64Array([1.3, 4.1, 3.7, 1.9]));
    expect(r.jacobian).toBeGreaterThan(0.01);
    expect(r.worstJacobianRow).toBe(1);
  });
});
