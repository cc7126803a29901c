/**
 * A solution is never reported converged with non-finite voltages, and the ZIPV (model 8) cut-off term stays
 * finite at high voltage (its logistic factor once overflowed to NaN above ≈ 1.11 pu and the NaN iteration
 * was then counted as converged).
 */
import { describe, expect, it } from "vitest";
import { OpenDSS } from "../../../validation/opendss/api.ts";

function zipvFeeder(pu: number): OpenDSS {
  const dss = new OpenDSS();
  dss.text(`
    Clear
    New Circuit.z phases=1 bus1=a basekv=1.0 pu=${pu} R1=0.01 X1=0.02 R0=0.01 X0=0.02
    New Line.l phases=1 bus1=a.1 bus2=b.1 r1=0.05 x1=0.1 C1=0 C0=0
    New Load.zipv phases=1 bus1=b.1 kV=1.0 kW=50 kvar=20 model=8 ZIPV=[0.3 0.3 0.4 0.3 0.3 0.4 0.4]
    Set VoltageBases=[1.7320508075688772]
    CalcVoltageBases
    Set Tolerance=1e-12 MaxIterations=100
  `);
  return dss;
}

describe("non-finite values are never a converged solution", () => {
  it("ZIPV load with a 0.4 pu cut-off, fed at 1.15 pu: finite voltages, converged", () => {
    const dss = zipvFeeder(1.15);
    dss.solution.solve();
    const v = dss.circuit.allBusVolts();
    for (const x of v) expect(Number.isFinite(x)).toBe(true);
    expect(dss.solution.converged()).toBe(true);
    // Above the cut-off the factor is 1: the load draws close to its nominal power.
    const p = dss.elements.powersKw("Load", "zipv");
    expect(p[0]).toBeGreaterThan(40);
    expect(p[0]).toBeLessThan(70);
  });
});

describe("mpopf dss input files", () => {
  it("a missing steps file is an input error naming the file, not a crash", async () => {
    const { runDeck } = await import("../../../validation/opendss/run.ts");
    const { InputError } = await import("../../../models/errors.ts");
    const files: Record<string, string> = {
      "/deck/Master.dss": "Clear\nNew Circuit.c phases=1 bus1=a basekv=1\n",
    };
    const readFile = (p: string) => {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT: no such file, open '${p}'`);
      return t;
    };
    let err: unknown;
    try {
      runDeck({ deck: "/deck/Master.dss", stepsFile: "/deck/missing-steps.txt", readFile });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^\/deck\/missing-steps\.txt: cannot read the steps file/);
  });
});
