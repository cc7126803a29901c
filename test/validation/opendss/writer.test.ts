/**
 * Round trip: parse a deck → write it back as script text → parse that → the same circuit
 * (elements, buses, primitive Y, solution), and writing again gives the same text.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OpenDSS } from "../../../validation/opendss/api.ts";
import { splitSteps } from "../../../validation/opendss/run.ts";
import { referenceDir } from "../../helpers/reference.ts";

const DECK = `
Clear
Set DefaultBaseFrequency=60
New Circuit.rt phases=3 bus1=src basekv=12.47 pu=1.02 angle=0 MVAsc3=200 MVAsc1=150 x1r1=6 x0r0=4
New LineCode.mtx nphases=3 units=kft rmatrix=[0.09 | 0.03 0.09 | 0.03 0.03 0.09] xmatrix=[0.2 | 0.08 0.2 | 0.07 0.08 0.2] cmatrix=[3 | -0.8 3 | -0.5 -0.8 3]
New LineCode.seq nphases=1 r1=0.3 x1=0.6 units=mi
New LoadShape.day npts=4 interval=1 mult=[0.6 0.8 1.0 0.9] qmult=(0.5 0.7 0.9 0.8)
New Line.feeder bus1=src bus2=n1 linecode=mtx length=2.5 units=kft
New Line.tap phases=1 bus1=n1.2 bus2=t1.1 linecode=seq length=800 units=ft
New Line.sw phases=3 bus1=n1 bus2=n2 switch=yes
New Load.l3 bus1=n2 phases=3 kV=12.47 kW=400 pf=0.92 model=1 daily=day
New Load.ld bus1=n2.1.2 phases=1 conn=delta kV=12.47 kW=50 kvar=20 model=5 Vminpu=0.9
New Load.lz bus1=t1.1 phases=1 kV=7.2 kVA=30 pf=-0.95 model=2
New Capacitor.cb bus1=n2 phases=3 kV=12.47 kvar=[150 150] numsteps=2 states=[1 0]
New PVSystem.pv bus1=t1.1 phases=1 kV=7.2 kVA=20 Pmpp=18 irradiance=0.9 %cutin=0.1 %cutout=0.1 kvar=-5
New Storage.bt bus1=n2 phases=3 kV=12.47 kWrated=100 kVA=110 kWhrated=400 %stored=60 %reserve=15 %IdlingkW=1 DispMode=External kW=-40 kvar=10
New Generator.g bus1=n1 phases=3 kV=12.47 model=1 kW=150 kvar=30
Edit Load.l3 kW=420
Set VoltageBases=[12.47]
CalcVoltageBases
Set Tolerance=1e-10 MaxIterations=50
Set Mode=Daily
Set StepSize=1h Number=1
`;

function elementsOf(d: OpenDSS): unknown[] {
  return d.engine.circuit!.elements.map((e) => ({
    cls: e.className,
    name: e.name,
    enabled: e.enabled,
    phases: e.nPhases,
    conds: e.nConds,
    buses: [...e.busSpec],
  }));
}

describe("script writer round trip", () => {
  it("write → parse gives the same circuit and the same solution; writing is idempotent", () => {
    const a = new OpenDSS();
    a.text(DECK, "deck");
    const textA = a.toScript();
    const b = new OpenDSS();
    b.text(textA, "written");
    expect(elementsOf(b)).toEqual(elementsOf(a));
    expect(b.toScript()).toBe(textA);
    for (let h = 0; h < 3; h++) {
      a.solution.solve();
      b.solution.solve();
      expect(b.solution.iterations()).toBe(a.solution.iterations());
      expect(Array.from(b.circuit.allBusVolts())).toEqual(Array.from(a.circuit.allBusVolts()));
      for (const el of a.engine.circuit!.elements) {
        const other = b.engine.circuit!.find(el.className, el.name)!;
        expect(Array.from(other.yprim)).toEqual(Array.from(el.yprim));
      }
    }
    expect(b.storage.kWhStored("bt")).toBe(a.storage.kWhStored("bt"));
    expect(a.solution.converged()).toBe(true);
    // the deck exercises the multi-phase core: src, n1, n2 (3 nodes each) and t1 (1 node)
    expect(a.circuit.numNodes()).toBe(10);
    const vpu = a.circuit.allBusVmagPu();
    for (const v of vpu) expect(v).toBeGreaterThan(0.9);
  });

  const ref = referenceDir("opendss");
  it.skipIf(!ref.available)("the reference daily deck (T5) round-trips with identical step results", () => {
    const dir = join(ref.dir, "ieee123-balanced-daily-T5");
    const a = new OpenDSS({ cwd: dir });
    a.text("Compile Master.dss");
    const b = new OpenDSS();
    b.text(a.toScript(), "written");
    const steps = splitSteps(readFileSync(join(dir, "steps.txt"), "utf8"));
    for (const s of steps) {
      a.engine.runText(s.text, "steps.txt", s.firstLine);
      b.engine.runText(s.text, "steps.txt", s.firstLine);
      expect(Array.from(b.circuit.allBusVolts())).toEqual(Array.from(a.circuit.allBusVolts()));
      expect(b.circuit.totalPowerKw()).toEqual(a.circuit.totalPowerKw());
    }
  });
});
