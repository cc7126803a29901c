import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIpoptSolver, createSolverPool, WASM_IDENTITY } from "../../../solvers/ipopt/index.ts";
import {
  type SyntheticDistFlowArgs,
  syntheticDistFlow,
  syntheticDistFlowRef,
} from "../../../solvers/ipopt/testing/synthetic-distflow.ts";
import type { NlpSolverPool } from "../../../solvers/nlp/types.ts";
import { problemsModule } from "./problems.ts";

let pool: NlpSolverPool;

beforeAll(async () => {
  pool = await createSolverPool({ size: 2 });
});

afterAll(async () => {
  await pool?.close();
});

const distflow = (args: SyntheticDistFlowArgs) => ({
  module: syntheticDistFlowRef,
  exportName: "syntheticDistFlow",
  args,
});

describe("Ipopt solver pool (worker_threads, one wasm instance per worker)", () => {
  it("reports its size and identity", () => {
    expect(pool.size).toBe(2);
    expect(pool.identity).toEqual(WASM_IDENTITY);
  });

  it("solves several problems in parallel with the same answers as sequential solves", async () => {
    const cases: SyntheticDistFlowArgs[] = [1, 2, 3, 4, 5].map((seed) => ({ buses: 150, periods: 4, seed }));
    const parallel = await Promise.all(cases.map((a) => pool.solve(distflow(a))));
    const solver = await createIpoptSolver();
    cases.forEach((a, k) => {
      const seq = solver.solve(syntheticDistFlow(a));
      const par = parallel[k]!;
      expect(par.status).toBe("solve_succeeded");
      expect(par.iterations).toBe(seq.iterations);
      expect(par.objective).toBe(seq.objective);
      expect(Array.from(par.x)).toEqual(Array.from(seq.x));
      expect(Array.from(par.lambda)).toEqual(Array.from(seq.lambda));
    });
    // Different seeds really are different problems.
    expect(new Set(parallel.map((r) => r.objective)).size).toBe(cases.length);
  });

  it("passes options and warm starts to the worker", async () => {
    const cold = await pool.solve(distflow({ buses: 100, periods: 3, seed: 9 }));
    const limited = await pool.solve(distflow({ buses: 100, periods: 3, seed: 9 }), {
      ipopt: { max_iter: 2 },
    });
    expect(limited.status).toBe("maximum_iterations_exceeded");
    expect(limited.iterations).toBe(2);
    const warm = await pool.solve(distflow({ buses: 100, periods: 3, seed: 9 }), {
      warmStart: { x: cold.x, lambda: cold.lambda, zL: cold.zL, zU: cold.zU },
      ipopt: { mu_init: 1e-6, warm_start_bound_push: 1e-9, warm_start_mult_bound_push: 1e-9 },
    });
    expect(warm.status).toBe("solve_succeeded");
    expect(warm.iterations).toBeLessThan(cold.iterations);
  });

  it("accepts asynchronous factories", async () => {
    const r = await pool.solve({ module: problemsModule, exportName: "asyncHs071", args: null });
    expect(r.objective).toBeCloseTo(17.014017, 6);
  });

  it("rejects with the original message when the factory throws, and keeps working", async () => {
    await expect(
      pool.solve({
        module: problemsModule,
        exportName: "failingFactory",
        args: { message: "bad feeder data" },
      }),
    ).rejects.toThrow(/^bad feeder data$/);
    await expect(
      pool.solve({ module: problemsModule, exportName: "noSuchExport", args: {} }),
    ).rejects.toThrow(/no exported function "noSuchExport"/);
    const r = await pool.solve({ module: problemsModule, exportName: "asyncHs071", args: null });
    expect(r.status).toBe("solve_succeeded");
  });

  it("rejects with the original message when a callback throws, and keeps working", async () => {
    const failing = Array.from({ length: 3 }, (_, k) =>
      pool.solve({
        module: problemsModule,
        exportName: "throwingProblem",
        args: { where: "evalHess", onCall: 2 + k, message: `hessian failure ${k}` },
      }),
    );
    const results = await Promise.allSettled(failing);
    results.forEach((res, k) => {
      expect(res.status).toBe("rejected");
      const err = (res as PromiseRejectedResult).reason as Error;
      expect(err.message).toBe(`hessian failure ${k}`);
      expect(err.name).toBe("RangeError");
    });
    const after = await Promise.all(
      [1, 2].map(() => pool.solve(distflow({ buses: 80, periods: 2, seed: 1 }))),
    );
    expect(after.every((r) => r.status === "solve_succeeded")).toBe(true);
  });

  it("refuses work after close()", async () => {
    const p2 = await createSolverPool({ size: 1 });
    await p2.close();
    await expect(p2.solve(distflow({ buses: 10, periods: 1 }))).rejects.toThrow(/closed/);
  });
});
