/**
 * Cross-check of the formulation on two independent Ipopt backends: the wasm build (own sparse LDLᵀ) and
 * Debian's native Ipopt with MUMPS must reach the same optimum.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadCase, type StudyCase } from "../../../models/case.ts";
import { buildScenario } from "../../../models/scenario.ts";
import { createIpoptSolver, createNativeIpoptSolver } from "../../../solvers/ipopt/index.ts";
import { varIndex } from "../../../solvers/mpopf/layout.ts";
import { solveMpopf } from "../../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../../solvers/nlp/types.ts";
import { nativeIpoptAvailable } from "../ipopt/native-available.ts";

const available = nativeIpoptAvailable();

describe.skipIf(!available)("MPCOPF on wasm and native Ipopt", () => {
  let c: StudyCase;
  let wasm: NlpSolver;
  let native: NlpSolver;
  beforeAll(async () => {
    c = loadCase("ieee123");
    wasm = await createIpoptSolver();
    native = createNativeIpoptSolver();
  });

  for (const objective of ["loss", "cost"] as const) {
    it(`T=5 ${objective}: same objective, losses and voltages`, () => {
      const sc = buildScenario(c, { horizon: 5, objective });
      const a = solveMpopf({ scenario: sc }, wasm);
      const b = solveMpopf({ scenario: sc }, native);
      expect(a.valid && b.valid).toBe(true);
      expect(a.result.solver.backend).not.toBe(b.result.solver.backend);
      expect(Math.abs(a.summary.objective - b.summary.objective)).toBeLessThan(
        1e-6 * Math.abs(a.summary.objective),
      );
      expect(a.summary.lossKwh).toBeCloseTo(b.summary.lossKwh, 3);
      const L = a.model.layout;
      let worst = 0;
      for (let t = 0; t < 5; t++)
        for (let j = 0; j < L.nBus; j++) {
          const i = varIndex(L, "v", t, j);
          worst = Math.max(worst, Math.abs(a.result.x[i]! - b.result.x[i]!));
        }
      expect(worst).toBeLessThan(1e-5);
    });
  }
});
