/**
 * Engine tests that need no reference data: small circuits whose answers follow from circuit
 * theory (closed forms or an independent scalar solve written here from OpenDSS's documented
 * models), plus the device logic (storage energy and limits, PV inverter limits).
 */
import { describe, expect, it } from "vitest";
import { OpenDSS } from "../../../validation/opendss/api.ts";
import { abs, add, type C, c, conj, div, mul, SRC_RAD, scale, sub } from "./helpers.ts";

/** A 1 kV (L-N), 1-phase, two-bus feeder: source a (Zs) — line (Zl) — bus b. */
function twoBus(loadDef: string, opts: { pu?: number; extra?: string } = {}): OpenDSS {
  const dss = new OpenDSS();
  dss.text(`
    Clear
    Set DefaultBaseFrequency=60
    New Circuit.t phases=1 bus1=a basekv=1.0 pu=${opts.pu ?? 1} angle=0 R1=0.01 X1=0.02 R0=0.01 X0=0.02
    New Line.l phases=1 bus1=a.1 bus2=b.1 r1=0.05 x1=0.1 C1=0 C0=0
    ${loadDef}
    ${opts.extra ?? ""}
    Set VoltageBases=[1.7320508075688772]
    CalcVoltageBases
    Set Tolerance=1e-13 MaxIterations=200
  `);
  return dss;
}

const Z = c(0.06, 0.12); // Zs + Zline (ohm)
const vsrc = (pu = 1): C => c(1000 * pu * Math.cos(SRC_RAD), 1000 * pu * Math.sin(SRC_RAD));

function busV(dss: OpenDSS, k: number): C {
  const v = dss.circuit.allBusVolts();
  return c(v[2 * k]!, v[2 * k + 1]!);
}

describe("circuit-theory checks", () => {
  it("constant-Z load (model 2): voltage divider", () => {
    const dss = twoBus("New Load.z phases=1 bus1=b.1 kV=1.0 kW=100 kvar=50 model=2");
    dss.solution.solve();
    expect(dss.solution.converged()).toBe(true);
    const yl = div(c(100e3, -50e3), c(1e6)); // (P − jQ)/V²
    const zl = div(c(1), yl);
    const vb = div(mul(vsrc(), zl), add(Z, zl));
    const ours = busV(dss, 1);
    expect(abs(sub(ours, vb)) / abs(vb)).toBeLessThan(1e-12);
    // load power = |V|² conj(Y)
    const p = dss.elements.powersKw("Load", "z");
    expect(p[0]).toBeCloseTo((abs(vb) ** 2 * yl.re) / 1000, 9);
    expect(p[1]).toBeCloseTo((-(abs(vb) ** 2) * yl.im) / 1000, 9);
  });

  it("constant-PQ load (model 1): |V| from the two-bus closed form", () => {
    const P = 50e3;
    const Q = 20e3;
    const dss = twoBus("New Load.pq phases=1 bus1=b.1 kV=1.0 kW=50 kvar=20 model=1");
    dss.solution.solve();
    // |V2|⁴ − (|Vs|² − 2(RP + XQ))|V2|² + |Z|²|S|² = 0, larger root
    const vs2 = 1e6;
    const b = vs2 - 2 * (Z.re * P + Z.im * Q);
    const u = (b + Math.sqrt(b * b - 4 * abs(Z) ** 2 * (P * P + Q * Q))) / 2;
    const v2 = busV(dss, 1);
    expect(Math.abs(abs(v2) - Math.sqrt(u)) / 1000).toBeLessThan(1e-12);
    const [kw, kvar] = dss.circuit.totalPowerKw();
    // power into the source terminal (bus a) = load + line I²Z (the source's own Zs is inside it)
    const i2 = (P * P + Q * Q) / u;
    expect(-kw).toBeCloseTo((P + i2 * 0.05) / 1000, 9);
    expect(-kvar).toBeCloseTo((Q + i2 * 0.1) / 1000, 9);
    const [lossKw, lossKvar] = dss.circuit.lossesKw();
    expect(lossKw).toBeCloseTo((i2 * 0.05) / 1000, 9);
    expect(lossKvar).toBeCloseTo((i2 * 0.1) / 1000, 9);
    const load = dss.elements.powersKw("Load", "pq");
    expect(load[0]).toBeCloseTo(50, 9);
    expect(load[1]).toBeCloseTo(20, 9);
  });

  /** Solve V2 = Vs − Z·I(V2) for a load model I(V) by scalar fixed point (independent of the engine). */
  function scalarSolve(iOf: (v: C) => C, vs: C): C {
    let v = vs;
    for (let k = 0; k < 500; k++) v = sub(vs, mul(Z, iOf(v)));
    return v;
  }

  it("constant-PQ load below Vminpu: current interpolated between Vlowpu and Vminpu (not constant Z)", () => {
    const dss = twoBus("New Load.big phases=1 bus1=b.1 kV=1.0 kW=500 kvar=300 model=1");
    dss.solution.solve();
    const vb = 1000;
    const yeq = c(500e3 / vb ** 2, -300e3 / vb ** 2);
    const vlow = 0.5 * vb;
    const v95 = 0.95 * vb;
    const iLow = scale(yeq, vlow);
    const i95 = scale(yeq, v95 / 0.95 ** 2);
    const m95 = scale(sub(i95, iLow), 1 / (v95 - vlow));
    const model = (v: C): C => {
      const m = abs(v);
      if (m > v95) return conj(div(c(500e3, 300e3), v));
      return mul(scale(add(iLow, scale(m95, m - vlow)), 1 / m), v);
    };
    const want = scalarSolve(model, vsrc());
    const got = busV(dss, 1);
    expect(abs(want) / vb).toBeLessThan(0.95); // really in the interpolated region
    expect(abs(want) / vb).toBeGreaterThan(0.5);
    expect(abs(sub(got, want)) / vb).toBeLessThan(1e-10);
    // neither constant PQ (500 kW) nor the nominal constant Z (|V|²·Re(Yeq))
    const p = dss.elements.powersKw("Load", "big")[0]!;
    expect(Math.abs(p - 500)).toBeGreaterThan(1);
    expect(Math.abs(p - (abs(got) ** 2 * yeq.re) / 1000)).toBeGreaterThan(1);
    // current magnitude is linear in |V|: |I| = |ILow + M95(|V| − Vlow)|
    const i = dss.elements.currentsA("Load", "big");
    const expectI = abs(add(iLow, scale(m95, abs(got) - vlow)));
    expect(Math.hypot(i[0]!, i[1]!)).toBeCloseTo(expectI, 6);
  });

  it("constant-PQ load above Vmaxpu becomes the admittance matching the power at Vmaxpu", () => {
    const dss = twoBus("New Load.lt phases=1 bus1=b.1 kV=1.0 kW=5 kvar=2 model=1", { pu: 1.1 });
    dss.solution.solve();
    const yeq105 = scale(c(5e3 / 1e6, -2e3 / 1e6), 1 / 1.05 ** 2);
    const zl = div(c(1), yeq105);
    const want = div(mul(vsrc(1.1), zl), add(Z, zl));
    expect(abs(want) / 1000).toBeGreaterThan(1.05);
    expect(abs(sub(busV(dss, 1), want)) / 1000).toBeLessThan(1e-12);
  });

  it("constant-|I| load (model 5): current magnitude S/Vbase at the voltage's angle", () => {
    const dss = twoBus("New Load.ci phases=1 bus1=b.1 kV=1.0 kW=40 kvar=30 model=5");
    dss.solution.solve();
    const model = (v: C): C => conj(div(c(40e3, 30e3), scale(v, 1000 / abs(v))));
    const want = scalarSolve(model, vsrc());
    expect(abs(sub(busV(dss, 1), want)) / 1000).toBeLessThan(1e-10);
    const i = dss.elements.currentsA("Load", "ci");
    expect(Math.hypot(i[0]!, i[1]!)).toBeCloseTo(50, 6); // |S|/Vbase = 50 kVA / 1 kV
  });

  it("capacitor supplies kvar·(V/kV)²; constant-kvar generator supplies exactly its kvar", () => {
    const dss = twoBus(
      "New Load.pq phases=1 bus1=b.1 kV=1.0 kW=50 kvar=20\nNew Capacitor.c bus1=b.1 phases=1 kV=1.0 kvar=30",
    );
    dss.solution.solve();
    const vb = abs(busV(dss, 1)) / 1000;
    expect(dss.elements.powersKw("Capacitor", "c")[1]).toBeCloseTo(-30 * vb * vb, 9);
    const g = twoBus(
      "New Load.pq phases=1 bus1=b.1 kV=1.0 kW=50 kvar=20\nNew Generator.g bus1=b.1 phases=1 kV=1.0 model=1 kW=1e-6 kvar=30",
    );
    g.solution.solve();
    const pg = g.elements.powersKw("Generator", "g");
    expect(pg[1]).toBeCloseTo(-30, 8);
    expect(pg[0]).toBeCloseTo(-1e-6, 8);
  });

  it("three-phase balanced line and wye load equal the single-phase equivalent (positive sequence)", () => {
    const three = new OpenDSS();
    three.text(`
      Clear
      New Circuit.t3 phases=3 bus1=a basekv=1.7320508075688772 pu=1 R1=0.01 X1=0.02 R0=0.03 X0=0.06
      New Line.l phases=3 bus1=a bus2=b r1=0.05 x1=0.1 r0=0.15 x0=0.3 C1=0 C0=0
      New Load.pq phases=3 bus1=b kV=1.7320508075688772 kW=150 kvar=60
      Set VoltageBases=[1.7320508075688772]
      CalcVoltageBases
      Set Tolerance=1e-13 MaxIterations=200
      Solve
    `);
    const one = twoBus("New Load.pq phases=1 bus1=b.1 kV=1.0 kW=50 kvar=20");
    one.solution.solve();
    const v3 = three.circuit.allBusVmag();
    const a3 = three.circuit.allNodeAnglesDeg();
    const v1 = one.circuit.allBusVmag();
    expect(three.circuit.allNodeNames()).toEqual(["a.1", "a.2", "a.3", "b.1", "b.2", "b.3"]);
    for (let ph = 0; ph < 3; ph++) expect(Math.abs(v3[3 + ph]! - v1[1]!) / 1000).toBeLessThan(1e-11);
    // (6e-9° off 120° comes from OpenDSS's truncated deg/rad constant, kept on purpose)
    const wrap = (d: number): number => ((((d + 180) % 360) + 360) % 360) - 180;
    expect(wrap(a3[4]! - a3[3]!)).toBeCloseTo(-120, 7);
    expect(wrap(a3[5]! - a3[4]!)).toBeCloseTo(-120, 7);
    const [kw3] = three.circuit.totalPowerKw();
    const [kw1] = one.circuit.totalPowerKw();
    expect(kw3).toBeCloseTo(3 * kw1, 6);
  });
});

/** Daily-mode deck with one storage unit on a lightly loaded two-bus feeder. */
function storageDeck(kw: number, stored: number): OpenDSS {
  const dss = twoBus(
    `New Storage.s phases=1 bus1=b.1 kV=1.0 kWrated=10 kVA=12 kWhrated=40 %stored=${stored} %reserve=20 ` +
      `%EffCharge=90 %EffDischarge=90 %IdlingkW=0 DispMode=External kW=${kw} kvar=0`,
  );
  dss.text("Set Mode=Daily\nSet StepSize=1h Number=1");
  return dss;
}

describe("device logic", () => {
  it("storage charges by |P|·η per hour (terminal power) and stops when full", () => {
    const dss = storageDeck(-10, 50);
    const seen: number[] = [];
    for (let h = 0; h < 4; h++) {
      dss.solution.solve();
      const p = dss.elements.powersKw("Storage", "s")[0]!;
      if (h < 2) expect(p).toBeCloseTo(10, 8);
      seen.push(dss.storage.kWhStored("s"));
    }
    expect(seen[0]).toBeCloseTo(20 + 9, 6);
    expect(seen[1]).toBeCloseTo(29 + 9, 6);
    // third hour would reach 47 > 40: clamped to full, state idling, no more charging
    expect(seen[2]).toBe(40);
    expect(dss.storage.state("s")).toBe(0);
    expect(seen[3]).toBe(40);
    expect(dss.solution.hour()).toBe(4);
  });

  it("storage discharges by P/η per hour and stops at the reserve", () => {
    const dss = storageDeck(10, 50); // 20 kWh, reserve 8 kWh
    dss.solution.solve();
    expect(dss.storage.kWhStored("s")).toBeCloseTo(20 - 10 / 0.9, 6);
    expect(dss.storage.state("s")).toBe(1);
    dss.solution.solve();
    expect(dss.storage.kWhStored("s")).toBe(8);
    expect(dss.storage.state("s")).toBe(0);
  });

  it("an idling storage unit keeps its kvar and its energy", () => {
    const dss = storageDeck(0, 50);
    dss.text("Edit Storage.s kvar=3");
    dss.solution.solve();
    const p = dss.elements.powersKw("Storage", "s");
    expect(dss.storage.state("s")).toBe(0);
    expect(p[0]).toBeCloseTo(0, 9);
    expect(p[1]).toBeCloseTo(-3, 8);
    expect(dss.storage.kWhStored("s")).toBe(20);
  });

  it("PV: kVA limit with reactive priority (default) or watt priority; inverter off below %cutout", () => {
    const pv = (extra: string): OpenDSS => {
      const dss = twoBus(
        `New PVSystem.p phases=1 bus1=b.1 kV=1.0 kVA=10 Pmpp=10 irradiance=1 %cutin=20 %cutout=20 kvar=6 ${extra}`,
      );
      dss.solution.solve();
      return dss;
    };
    const q = pv("");
    expect(q.pv.outputKw("p")[0]).toBeCloseTo(8, 12); // √(10² − 6²)
    expect(q.pv.outputKw("p")[1]).toBe(6);
    expect(q.elements.powersKw("PVSystem", "p")[0]).toBeCloseTo(-8, 7);
    const w = pv("WattPriority=yes");
    expect(w.pv.outputKw("p")[0]).toBe(10);
    expect(w.pv.outputKw("p")[1]).toBe(0);
    const off = pv("irradiance=0.1");
    expect(off.pv.outputKw("p")[0]).toBe(0);
  });
});
