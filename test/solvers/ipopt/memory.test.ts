import { describe, expect, it } from "vitest";
import {
  createIpoptSolver,
  estimateWasmBytes,
  WASM_MEMORY_LIMIT_BYTES,
} from "../../../solvers/ipopt/index.ts";
import { hs071 } from "../../../solvers/ipopt/testing/hs071.ts";
import type { NlpProblem } from "../../../solvers/nlp/types.ts";

/**
 * A problem with the sizes of the 10,241-bus × 96-period MPCOPF (bench/large-case.ts at K = 80, T = 96:
 * four times the 24-period problem's 1,211,544 variables and 1,034,088 constraints) but a trivial
 * structure (one Jacobian entry per constraint, a diagonal Hessian), so that building it is cheap.
 */
function tenThousandBusesNinetySixPeriods(): NlpProblem {
  const n = 4 * 1_211_544;
  const m = 4 * 1_034_088;
  const rows = new Int32Array(m);
  for (let i = 0; i < m; i++) rows[i] = i;
  const diag = new Int32Array(n);
  for (let i = 0; i < n; i++) diag[i] = i;
  let evaluated = false;
  const mark = () => {
    evaluated = true;
  };
  const p: NlpProblem & { evaluated: () => boolean } = {
    n,
    m,
    xL: new Float64Array(n).fill(-1),
    xU: new Float64Array(n).fill(1),
    gL: new Float64Array(m),
    gU: new Float64Array(m),
    jacRows: rows,
    jacCols: rows,
    hessRows: diag,
    hessCols: diag,
    x0: new Float64Array(n),
    evalF: () => {
      mark();
      return 0;
    },
    evalGradF: mark,
    evalG: mark,
    evalJac: mark,
    evalHess: mark,
    evaluated: () => evaluated,
  };
  return p;
}

describe("wasm Ipopt: problems beyond the WebAssembly memory limit", () => {
  it("estimates the benchmark sizes as measured and 10,000 buses x 96 periods above 4 GiB", () => {
    // Measured wasm heaps (bench/large-case.ts, T = 24): 80 MB at 513 buses, 344 MB at 2,561 buses.
    expect(estimateWasmBytes(60_600, 51_750, 203_016, 36_864) / 2 ** 20).toBeGreaterThan(60);
    expect(estimateWasmBytes(60_600, 51_750, 203_016, 36_864) / 2 ** 20).toBeLessThan(100);
    expect(estimateWasmBytes(302_904, 258_558, 1_014_984, 184_320) / 2 ** 20).toBeGreaterThan(300);
    expect(estimateWasmBytes(302_904, 258_558, 1_014_984, 184_320) / 2 ** 20).toBeLessThan(400);
    expect(estimateWasmBytes(4 * 1_211_544, 4 * 1_034_088, 4 * 4_059_936, 4 * 737_280)).toBeGreaterThan(
      WASM_MEMORY_LIMIT_BYTES,
    );
  });

  it("refuses 10,000 buses x 96 periods at once with a message naming the limit and the alternatives", async () => {
    const solver = await createIpoptSolver({ warmUp: false });
    const p = tenThousandBusesNinetySixPeriods() as NlpProblem & { evaluated: () => boolean };
    const t0 = performance.now();
    const r = solver.solve(p);
    const seconds = (performance.now() - t0) / 1000;
    expect(r.status).toBe("insufficient_memory");
    expect(r.success).toBe(false);
    expect(r.iterations).toBe(0);
    expect(p.evaluated()).toBe(false);
    expect(r.message).toMatch(/^Not solved: too large for the wasm backend\./);
    expect(r.message).toMatch(/4\.0 GB \(32-bit WebAssembly/);
    expect(r.message).toMatch(/4846176 variables, 4136352 constraints/);
    expect(r.message).toMatch(/--method enapp/);
    expect(r.message).toMatch(/--solver native/);
    // Fails fast: only the problem's validation runs (a few million entries), never Ipopt.
    expect(seconds).toBeLessThan(10);
    // The instance stays usable.
    const ok = solver.solve(hs071());
    expect(ok.status).toBe("solve_succeeded");
  });

  it("applies a lowered limit to a small problem, and the solver stays usable", async () => {
    const solver = await createIpoptSolver({ warmUp: false, memoryLimitBytes: 1_000 });
    const r = solver.solve(hs071());
    expect(r.status).toBe("insufficient_memory");
    expect(r.message).toMatch(/limited to 0\.0 GB/);
    expect(r.x).toHaveLength(4);
    const roomy = await createIpoptSolver({ warmUp: false, memoryLimitBytes: 2 ** 30 });
    expect(roomy.solve(hs071()).status).toBe("solve_succeeded");
  });
});
