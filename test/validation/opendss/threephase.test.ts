/**
 * Three-phase features of the engine checked without reference data: Kron reduction against a
 * hand computation, transformers against closed-form circuits (2- and 3-winding, taps, delta-wye
 * phase shift), delta/wye capacitors and loads, the regulator control loop against an
 * independent re-run of OpenDSS's documented static algorithm on a closed-form circuit,
 * EnergyMeter zones, the Class.Name.Property=value form, and script round trips.
 */
import { describe, expect, it } from "vitest";
import { OpenDSS } from "../../../validation/opendss/api.ts";
import type { LineCode } from "../../../validation/opendss/elements/line.ts";
import type { Transformer } from "../../../validation/opendss/elements/transformer.ts";
import { abs, add, type C, c, div, inv, mul, polar, SRC_RAD, scale, sub, thrown } from "./helpers.ts";

function nodeV(dss: OpenDSS, name: string): C {
  const names = dss.circuit.allNodeNames();
  const k = names.indexOf(name);
  if (k < 0) throw new Error(`no node ${name}`);
  const v = dss.circuit.allBusVolts();
  return c(v[2 * k]!, v[2 * k + 1]!);
}

describe("LineCode Kron reduction", () => {
  it("eliminates the neutral of a 3-wire code: Z' = Zpp − Zpn·Znp/Znn, C' = Cpp (grounded neutral)", () => {
    const dss = new OpenDSS();
    dss.text(`
      Clear
      New Circuit.k basekv=4.16
      New LineCode.two nphases=3 units=mi neutral=3
      ~ rmatrix=[0.40 | 0.10 0.42 | 0.09 0.11 0.60]
      ~ xmatrix=[1.10 | 0.50 1.05 | 0.45 0.40 1.30]
      ~ cmatrix=[12 | -3 11 | -2 -4 9]
      ~ Kron=yes
    `);
    const code = dss.engine.objects.get("linecode")!.get("two") as LineCode;
    expect(code.nPhases).toBe(2);
    const R = [
      [0.4, 0.1, 0.09],
      [0.1, 0.42, 0.11],
      [0.09, 0.11, 0.6],
    ];
    const X = [
      [1.1, 0.5, 0.45],
      [0.5, 1.05, 0.4],
      [0.45, 0.4, 1.3],
    ];
    const z = (i: number, j: number): C => c(R[i]![j]!, X[i]![j]!);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const want = sub(z(i, j), div(mul(z(i, 2), z(2, j)), z(2, 2)));
        const got = c(code.z[2 * (i * 2 + j)]!, code.z[2 * (i * 2 + j) + 1]!);
        expect(abs(sub(got, want))).toBeLessThan(1e-14);
      }
    }
    // hand values for one entry: Z'11 = 0.40+j1.10 − (0.09+j0.45)²/(0.60+j1.30)
    const z11 = sub(c(0.4, 1.1), div(mul(c(0.09, 0.45), c(0.09, 0.45)), c(0.6, 1.3)));
    expect(code.z[0]).toBeCloseTo(z11.re, 14);
    expect(code.z[1]).toBeCloseTo(z11.im, 14);
    // capacitance: with the neutral at ground potential the phase charges see Cpp only
    const w = 2 * Math.PI * 60 * 1e-9;
    const cpp = [
      [12, -3],
      [-3, 11],
    ];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        expect(code.yc[2 * (i * 2 + j)]).toBeCloseTo(0, 14);
        expect(code.yc[2 * (i * 2 + j) + 1]! / w).toBeCloseTo(cpp[i]![j]!, 9);
      }
    }
  });

  it("a 1-phase code cannot be Kron-reduced (error with file:line)", () => {
    const dss = new OpenDSS();
    const e = thrown(() =>
      dss.text("Clear\nNew LineCode.one nphases=1 rmatrix=[1] xmatrix=[1]\n~ Kron=yes\n", "k.dss"),
    );
    expect(e.message).toContain("k.dss:3");
  });

  it("matrix line codes: units and length convert (mi code, ft line) and 1-phase codes keep OpenDSS's default C", () => {
    const dss = new OpenDSS();
    dss.text(`
      Clear
      New Circuit.u phases=1 basekv=2.4 bus1=a R1=0 X1=1e-9 R0=0 X0=1e-9
      New LineCode.m1 nphases=1 rmatrix=[1.3292] xmatrix=[1.3475] units=mi
      New Line.l phases=1 bus1=a.1 bus2=b.1 linecode=m1 length=2640 units=ft
      New Load.z phases=1 bus1=b.1 kV=2.4 kW=100 kvar=0 model=2
      Set VoltageBases=[4.156921938165306]
      CalcVoltageBases
      Set Tolerance=1e-13 MaxIterations=100
      Solve
    `);
    // half a mile: Z = (1.3292 + j1.3475)/2; default C of a 1-phase code: (2·3.4 + 1.6)/3 nF per mile
    const zl = c(1.3292 / 2, 1.3475 / 2);
    const b = 2 * Math.PI * 60 * ((2 * 3.4 + 1.6) / 3) * 1e-9 * 0.5;
    const zs = c(0, 1e-9);
    const rl = 2400 ** 2 / 100e3;
    // pi section: shunt b/2 at each end; the end at the source is in parallel with the source
    const yb = add(inv(c(rl)), c(0, b / 2));
    const za = add(zs, zl);
    const vs = polar(2400, SRC_RAD);
    // source (Zs) feeds node a (shunt jb/2) then line to b (shunt jb/2 + load)
    const ya = c(0, b / 2);
    // node equations: Va(1/zs + ya + 1/zl) − Vb/zl = Vs/zs ; −Va/zl + Vb(1/zl + yb) = 0
    const a11 = add(add(inv(zs), ya), inv(zl));
    const a12 = scale(inv(zl), -1);
    const a22 = add(inv(zl), yb);
    const det = sub(mul(a11, a22), mul(a12, a12));
    const vb = div(mul(scale(a12, -1), div(vs, zs)), det);
    expect(abs(sub(nodeV(dss, "b.1"), vb)) / 2400).toBeLessThan(1e-10);
    expect(za.re).toBeGreaterThan(0);
  });
});

/** One source bus `a` at `kv` (L-L for 3 phases, L-N for 1 phase) behind a tiny reactance. */
function source(phases: number, kv: number, extra: string, bases: number[]): OpenDSS {
  const dss = new OpenDSS();
  dss.text(`
    Clear
    Set DefaultBaseFrequency=60
    New Circuit.x phases=${phases} basekv=${kv} bus1=a pu=1 R1=0 X1=1e-6 R0=0 X0=1e-6
    ${extra}
    Set VoltageBases=[${bases.join(" ")}]
    CalcVoltageBases
    Set Tolerance=1e-13 MaxIterations=200
  `);
  return dss;
}

describe("Transformer", () => {
  const XF =
    "New Transformer.t phases=1 windings=2 buses=[a.1 b.1] conns=[wye wye] kVs=[2.4 0.24] kVAs=[100 100] %Rs=[1 1] XHL=4 ppm_antifloat=0";
  const LOAD = "New Load.l phases=1 bus1=b.1 kV=0.24 kW=50 kvar=0 model=2";
  const rl = 0.24 ** 2 * 20; // 50 kW at 240 V: R = V²/P

  /** Secondary voltage of a 1-phase transformer (ratio n = V2/V1, Z in pu on 100 kVA at the LV voltage) feeding R. */
  function divider(n: number, vlv: number): C {
    const zt = scale(c(0.02, 0.04), vlv ** 2 / 100e3);
    const zs = scale(c(0, 1e-6), n * n);
    const e = polar(2400 * n, SRC_RAD);
    return div(mul(e, c(rl)), add(add(c(rl), zt), zs));
  }

  it("2-winding, 1-phase: secondary voltage from the pu impedance on the winding-1 kVA", () => {
    const dss = source(1, 2.4, `${XF}\n${LOAD}`, [4.156921938165306, 0.4156921938165306]);
    dss.solution.solve();
    expect(dss.solution.converged()).toBe(true);
    const want = divider(0.1, 240);
    expect(abs(sub(nodeV(dss, "b.1"), want)) / 240).toBeLessThan(1e-11);
    // losses = I²·(R1 + R2), R = 2 % on 100 kVA at 240 V
    const i = abs(want) / rl;
    expect(dss.circuit.lossesKw()[0]).toBeCloseTo((i * i * 0.02 * 0.576) / 1000, 9);
    expect(dss.transformers.taps("t")).toEqual([1, 1]);
  });

  it("a tap on winding 2 (set as Transformer.t.wdg=2 Tap=…) scales the ratio and the referred impedance", () => {
    const dss = source(1, 2.4, `${XF}\n${LOAD}`, [4.156921938165306, 0.4156921938165306]);
    dss.text("Transformer.t.wdg=2 Tap=1.05");
    dss.solution.solve();
    const want = divider(0.105, 252);
    expect(abs(sub(nodeV(dss, "b.1"), want)) / 240).toBeLessThan(1e-11);
    dss.text("Transformer.t.Taps=[1.0 1.0]");
    expect(dss.transformers.taps("t")).toEqual([1, 1]);
    dss.solution.solve();
    expect(abs(sub(nodeV(dss, "b.1"), divider(0.1, 240))) / 240).toBeLessThan(1e-11);
  });

  it("no-load loss and magnetising current sit on winding 2; sub=yes losses are substation losses", () => {
    const dss = source(
      1,
      2.4,
      "New Transformer.t phases=1 windings=2 buses=[a.1 b.1] kVs=[2.4 0.24] kVAs=[100 100] %Rs=[1 1] XHL=4 %noloadloss=1 %imag=2 ppm_antifloat=0 sub=yes",
      [4.156921938165306, 0.4156921938165306],
    );
    dss.solution.solve();
    const zleak = add(scale(c(0.02, 0.04), 0.576), scale(c(0, 1e-6), 0.01));
    const zm = inv(scale(c(0.01, -0.02), 100e3 / 240 ** 2));
    const e = polar(240, SRC_RAD);
    const vb = div(mul(e, zm), add(zleak, zm));
    expect(abs(sub(nodeV(dss, "b.1"), vb)) / 240).toBeLessThan(1e-11);
    const i = div(e, add(zleak, zm));
    // power into the transformer: the source EMF's power less the source reactance's vars
    const s = sub(mul(e, c(i.re, -i.im)), c(0, abs(i) ** 2 * 1e-6 * 0.01));
    const [kw, kvar] = dss.circuit.lossesKw();
    expect(kw).toBeCloseTo(s.re / 1000, 9);
    expect(kvar).toBeCloseTo(s.im / 1000, 9);
    expect(kw).toBeCloseTo(1, 2); // ≈ 1 % of 100 kVA
    expect(kvar).toBeCloseTo(2, 1); // ≈ 2 %
    expect(dss.circuit.substationLossesKw()).toEqual(dss.circuit.lossesKw());
    expect(dss.snapshot("summary").substation_losses_kw).toBeCloseTo(kw, 12);
  });

  it("3-winding: star equivalent XH = (XHL+XHT−XLT)/2 etc., loads on both secondaries", () => {
    const dss = source(
      1,
      2.4,
      `New Transformer.t3 phases=1 windings=3 buses=[a.1 b.1 c.1] kVs=[2.4 0.24 0.24] kVAs=[100 100 100]
       ~ %Rs=[0 0 0] XHL=4 XHT=6 XLT=8 ppm_antifloat=0
       New Load.lb phases=1 bus1=b.1 kV=0.24 kW=50 kvar=0 model=2
       New Load.lc phases=1 bus1=c.1 kV=0.24 kW=30 kvar=10 model=2`,
      [4.156921938165306, 0.4156921938165306],
    );
    dss.solution.solve();
    const zb = 0.576;
    const zh = c(0, ((4 + 6 - 8) / 2 / 100) * zb);
    const zl = c(0, ((4 + 8 - 6) / 2 / 100) * zb);
    const zt = c(0, ((6 + 8 - 4) / 2 / 100) * zb);
    const zlb = c(0.24 ** 2 * 20);
    const zlc = inv(c(30e3 / 240 ** 2, -10e3 / 240 ** 2));
    const zhs = add(zh, c(0, 1e-6 * 0.01)); // source reactance referred to 240 V
    const vs = polar(240, SRC_RAD);
    const yEnd = add(inv(add(zl, zlb)), inv(add(zt, zlc)));
    const vm = div(vs, add(c(1), mul(zhs, yEnd)));
    const vb = div(mul(vm, zlb), add(zl, zlb));
    const vc = div(mul(vm, zlc), add(zt, zlc));
    expect(abs(sub(nodeV(dss, "b.1"), vb)) / 240).toBeLessThan(1e-11);
    expect(abs(sub(nodeV(dss, "c.1"), vc)) / 240).toBeLessThan(1e-11);
  });

  it("delta-wye: the LV side lags the HV side by 30° (ANSI), leads with LeadLag=lead", () => {
    for (const [lead, shift] of [
      ["", -30],
      ["LeadLag=lead", 30],
    ] as const) {
      const dss = source(
        3,
        12.47,
        `New Transformer.dy phases=3 windings=2 buses=[a b] conns=[delta wye] kVs=[12.47 4.16] kVAs=[500 500] XHL=5 ppm_antifloat=0 ${lead}`,
        [12.47, 4.16],
      );
      dss.solution.solve();
      for (let p = 1; p <= 3; p++) {
        const va = nodeV(dss, `a.${p}`);
        const vb = nodeV(dss, `b.${p}`);
        const ratio = abs(vb) / abs(va);
        expect(Math.abs(ratio / (4.16 / 12.47) - 1)).toBeLessThan(1e-10);
        const d = ((Math.atan2(vb.im, vb.re) - Math.atan2(va.im, va.re)) * 180) / Math.PI;
        // 1e-7°: OpenDSS's truncated deg/rad constant puts the source phases 120° ± 4e-8° apart
        expect(Math.abs(((d + 540) % 360) - 180 - shift)).toBeLessThan(1e-7);
      }
      // no load: no current, no losses
      expect(Math.abs(dss.circuit.lossesKw()[0])).toBeLessThan(1e-9);
    }
  });

  it("like= copies the winding data (wdg= style definitions included)", () => {
    const dss = source(
      3,
      12.47,
      `New Transformer.t1 phases=3 windings=2 XHL=6
       ~ wdg=1 bus=a conn=delta kv=12.47 kva=500 %r=0.7
       ~ wdg=2 bus=b conn=wye kv=4.16 kva=500 %r=0.9 tap=1.025
       New Transformer.t2 like=t1 buses=[a c]`,
      [12.47, 4.16],
    );
    dss.solution.solve();
    const [t1, t2] = ["t1", "t2"].map((n) => dss.engine.circuit!.find("Transformer", n) as Transformer);
    expect(t2!.windings.map((w) => [w.connection, w.kVLL, w.rPu, w.puTap])).toEqual(
      t1!.windings.map((w) => [w.connection, w.kVLL, w.rPu, w.puTap]),
    );
    expect(Array.from(t2!.yprim)).toEqual(Array.from(t1!.yprim));
    expect(abs(sub(nodeV(dss, "c.1"), nodeV(dss, "b.1")))).toBeLessThan(1e-9);
  });

  it("write → parse keeps every winding's data (a wdg=-style definition round-trips)", () => {
    const dss = source(
      3,
      115,
      `New Transformer.sub phases=3 windings=3 XHL=8 XHT=12 XLT=5 %imag=0.5 %noloadloss=0.2
       ~ wdg=1 bus=a conn=delta kv=115 kva=10000 %r=0.3
       ~ wdg=2 bus=b conn=wye kv=12.47 kva=10000 %r=0.4 tap=1.0125 MaxTap=1.15 NumTaps=40
       ~ wdg=3 bus=c conn=wye kv=4.16 kva=5000 %r=0.5 Rneut=2 Xneut=1
       New Load.b bus1=b kV=12.47 kW=3000 kvar=1000
       New Load.c bus1=c kV=4.16 kW=1000 kvar=400`,
      [115, 12.47, 4.16],
    );
    dss.solution.solve();
    const again = new OpenDSS();
    again.text(dss.toScript());
    again.solution.solve();
    const a = dss.engine.circuit!.find("Transformer", "sub") as Transformer;
    const b = again.engine.circuit!.find("Transformer", "sub") as Transformer;
    expect(b.windings).toEqual(a.windings);
    expect(b.xsc).toEqual(a.xsc);
    expect(Array.from(b.yprim)).toEqual(Array.from(a.yprim));
    expect(Array.from(again.circuit.allBusVolts())).toEqual(Array.from(dss.circuit.allBusVolts()));
  });

  it("bad definitions: winding out of range and a RegControl on a missing transformer (file:line)", () => {
    const dss = new OpenDSS();
    dss.text("Clear\nNew Circuit.e basekv=12.47\n");
    const e1 = thrown(() => dss.text("New Transformer.t windings=2\n~ wdg=3 kv=1\n", "t.dss"));
    expect(e1.message).toContain("t.dss:2");
    expect(e1.location.field).toBe("wdg");
    const e2 = thrown(() => dss.text("\nNew RegControl.r transformer=nothere winding=2\n", "r.dss"));
    expect(e2.message).toContain("r.dss:2");
    expect(e2.message).toContain("nothere");
  });
});

describe("Vsource sequence impedances", () => {
  it("Z1/Z0 give the phase matrix Zs = (2Z1+Z0)/3, Zm = (Z0−Z1)/3 (a phase-to-ground load)", () => {
    const z1 = c(0.5, 2);
    const z0 = c(1.5, 6);
    const dss = new OpenDSS();
    dss.text(`
      Clear
      New Circuit.s phases=3 basekv=12.47 bus1=a pu=1 Z1=[${z1.re} ${z1.im}] Z0=[${z0.re} ${z0.im}]
      New Load.g phases=1 bus1=a.1 kV=7.2 kW=1000 kvar=0 model=2
      Set VoltageBases=[12.47]
      CalcVoltageBases
      Set Tolerance=1e-13 MaxIterations=100
      Solve
    `);
    const zs = scale(add(scale(z1, 2), z0), 1 / 3);
    const zm = scale(sub(z0, z1), 1 / 3);
    const rl = 7200 ** 2 / 1e6;
    const vmag = 12470 / Math.sqrt(3);
    const e1 = polar(vmag, SRC_RAD);
    const e2 = polar(vmag, (360 - 120) / 57.29577951);
    const i = div(e1, add(zs, c(rl)));
    expect(abs(sub(nodeV(dss, "a.1"), sub(e1, mul(zs, i)))) / vmag).toBeLessThan(1e-11);
    expect(abs(sub(nodeV(dss, "a.2"), sub(e2, mul(zm, i)))) / vmag).toBeLessThan(1e-11);
  });
});

describe("capacitors and loads on phase subsets", () => {
  it("delta and wye capacitor banks give their rated kvar at rated voltage, scaled by (V/kV)²", () => {
    for (const conn of ["delta", "wye"]) {
      const dss = source(3, 4.16, `New Capacitor.c bus1=a phases=3 kvar=600 kv=4.16 conn=${conn}`, [4.16]);
      dss.solution.solve();
      const r = dss.elements.result("Capacitor", "c");
      const vll = abs(sub(nodeV(dss, "a.1"), nodeV(dss, "a.2")));
      expect(r.kvar).toBeCloseTo(-600 * (vll / 4160) ** 2, 6);
      expect(Math.abs(r.kw)).toBeLessThan(1e-9);
    }
  });

  it("a 1-phase delta load between nodes 2 and 3 draws its power phase to phase", () => {
    const dss = source(
      3,
      4.16,
      "New Load.d bus1=a.2.3 phases=1 conn=delta kV=4.16 kW=230 kvar=132 model=1",
      [4.16],
    );
    dss.solution.solve();
    const r = dss.elements.result("Load", "d");
    expect(r.buses).toEqual(["a.2.3"]);
    expect(r.kw).toBeCloseTo(230, 9);
    expect(r.kvar).toBeCloseTo(132, 9);
    const i = dss.elements.currentsA("Load", "d");
    // the current enters on node 2 and returns on node 3
    expect(i[0]! + i[2]!).toBeCloseTo(0, 9);
    expect(i[1]! + i[3]!).toBeCloseTo(0, 9);
    const vll = abs(sub(nodeV(dss, "a.2"), nodeV(dss, "a.3")));
    expect(Math.hypot(i[0]!, i[1]!)).toBeCloseTo(Math.hypot(230e3, 132e3) / vll, 6);
  });
});

/**
 * Regulator: 1-phase 2.4 kV source, a 1:1 regulating transformer (XHL 0.01 %, %LoadLoss 0.01,
 * no anti-float), a line and a constant-Z load, all in closed form for any tap.
 */
const REG_ZL = c(0.6, 1.2);
const REG_LOAD = div(c(1), c(900e3 / 2400 ** 2, -400e3 / 2400 ** 2));
function regDeck(control: string, pu = 0.98): OpenDSS {
  return source(
    1,
    2.4 * pu,
    `New Transformer.reg phases=1 windings=2 buses=[a.1 r.1] kVs=[2.4 2.4] kVAs=[1666 1666] XHL=0.01 %LoadLoss=0.01 ppm_antifloat=0
     New Line.l phases=1 bus1=r.1 bus2=b.1 r1=${REG_ZL.re} x1=${REG_ZL.im} C1=0 C0=0
     New Load.z phases=1 bus1=b.1 kV=2.4 kW=900 kvar=400 model=2
     New RegControl.rc transformer=reg winding=2 ${control}`,
    [4.156921938165306],
  );
}

/** Regulated-bus voltage and load current for tap t (source at `pu` of 2.4 kV). */
function regState(t: number, pu: number): { vr: C; i: C } {
  const zBase = 2400 ** 2 / 1666e3; // ohms on the 1-volt·turns base at tap 1
  const zt = scale(c(0.0001, 0.0001), zBase * t * t);
  const zs = c(0, 1e-6 * t * t);
  const e = polar(2400 * pu * t, SRC_RAD);
  const i = div(e, add(add(add(zt, zs), REG_ZL), REG_LOAD));
  return { vr: mul(i, add(REG_ZL, REG_LOAD)), i };
}

/**
 * OpenDSS's static regulator algorithm re-run on the closed form: sample (out of band →
 * round((vreg − V)·pt/Vbase / step) steps), act (trunc(0.7·steps), ≥1, ≤ MaxTapChange), repeat.
 */
function simulate(
  opts: { vreg: number; band: number; pt: number; r?: number; x?: number; ct?: number; maxChange?: number },
  pu: number,
) {
  const step = (1.1 - 0.9) / 32;
  let tap = 1;
  let controlIterations = 0;
  for (;;) {
    controlIterations++;
    const { vr, i } = regState(tap, pu);
    let vc = scale(vr, 1 / opts.pt);
    if (opts.r || opts.x) vc = sub(vc, scale(mul(c(opts.r ?? 0, opts.x ?? 0), i), 1 / (opts.ct ?? 300)));
    const v = abs(vc);
    if (Math.abs(opts.vreg - v) <= opts.band / 2) break;
    const steps = Math.round(((opts.vreg - v) * opts.pt) / 2400 / step);
    if (steps === 0) break;
    let n = Math.trunc((0.7 * Math.abs(steps * step)) / step);
    n = Math.min(Math.max(n, 1), opts.maxChange ?? 16);
    tap += Math.sign(steps) * n * step;
  }
  return { tap, tapNumber: Math.round((tap - 1) / step), controlIterations };
}

describe("RegControl (static control mode)", () => {
  it("moves the tap as OpenDSS's algorithm does and ends in band", () => {
    const dss = regDeck("vreg=122 band=2 ptratio=20");
    dss.solution.solve();
    const want = simulate({ vreg: 122, band: 2, pt: 20 }, 0.98);
    expect(want.controlIterations).toBeGreaterThan(2); // several passes: 70 % moves
    const rc = dss.transformers.regControls()[0]!;
    expect(rc.tap_number).toBe(want.tapNumber);
    expect(rc.tap_pu).toBeCloseTo(want.tap, 12);
    expect(dss.solution.controlIterations()).toBe(want.controlIterations);
    const v = abs(nodeV(dss, "r.1")) / 20;
    expect(Math.abs(v - 122)).toBeLessThanOrEqual(1);
    expect(abs(sub(nodeV(dss, "r.1"), regState(want.tap, 0.98).vr)) / 2400).toBeLessThan(1e-10);
  });

  it("MaxTapChange=1 moves one step per control iteration", () => {
    const dss = regDeck("vreg=122 band=2 ptratio=20 maxtapchange=1");
    dss.text("Set MaxControlIter=40");
    dss.solution.solve();
    const want = simulate({ vreg: 122, band: 2, pt: 20, maxChange: 1 }, 0.98);
    expect(dss.transformers.tapNumber("rc")).toBe(want.tapNumber);
    expect(dss.solution.controlIterations()).toBe(want.controlIterations);
    expect(want.controlIterations).toBe(want.tapNumber + 1);
  });

  it("line-drop compensation regulates the voltage beyond the line", () => {
    const opts = { vreg: 120, band: 2, pt: 20, r: 3, x: 9, ct: 700 };
    const dss = regDeck("vreg=120 band=2 ptratio=20 CTprim=700 R=3 X=9");
    dss.solution.solve();
    const want = simulate(opts, 0.98);
    const plain = simulate({ vreg: 120, band: 2, pt: 20 }, 0.98);
    expect(want.tapNumber).toBeGreaterThan(plain.tapNumber); // compensation asks for more boost
    expect(dss.transformers.tapNumber("rc")).toBe(want.tapNumber);
    expect(dss.solution.controlIterations()).toBe(want.controlIterations);
  });

  it("Set ControlMode=OFF freezes the taps; TapNum sets them; too few MaxControlIter is reported", () => {
    const dss = regDeck("vreg=122 band=2 ptratio=20");
    dss.text("Set ControlMode=OFF");
    dss.solution.solve();
    expect(dss.transformers.tapNumber("rc")).toBe(0);
    expect(dss.solution.controlIterations()).toBe(1);
    dss.text("Edit RegControl.rc TapNum=5");
    expect(dss.transformers.taps("reg")[1]).toBeCloseTo(1 + 5 * 0.00625, 12);
    dss.solution.solve();
    expect(abs(sub(nodeV(dss, "r.1"), regState(1 + 5 * 0.00625, 0.98).vr)) / 2400).toBeLessThan(1e-10);

    const short = regDeck("vreg=122 band=2 ptratio=20");
    short.text("Set MaxControlIter=2");
    short.solution.solve();
    expect(short.solution.controlIterations()).toBe(2);
    expect(short.engine.warnings.some((w) => w.includes("maximum control iterations"))).toBe(true);
  });

  it("reverse-power operation is rejected, not ignored", () => {
    const dss = regDeck("vreg=122");
    const e = thrown(() => dss.text("Edit RegControl.rc reversible=yes", "rev.dss"));
    expect(e.message).toContain("rev.dss:1");
    expect(e.location.field).toBe("reversible");
  });
});

describe("EnergyMeter", () => {
  const deck = (meters: string): OpenDSS =>
    source(
      1,
      2.4,
      `New Line.l1 phases=1 bus1=a.1 bus2=b.1 r1=0.2 x1=0.4 C1=0 C0=0
       New Line.l2 phases=1 bus1=b.1 bus2=c.1 r1=0.3 x1=0.5 C1=0 C0=0
       New Line.l3 phases=1 bus1=b.1 bus2=d.1 r1=0.1 x1=0.2 C1=0 C0=0
       New Load.c phases=1 bus1=c.1 kV=2.4 kW=100 kvar=30
       New Load.d phases=1 bus1=d.1 kV=2.4 kW=200 kvar=50
       New Capacitor.cd phases=1 bus1=d.1 kv=2.4 kvar=30
       ${meters}`,
      [4.156921938165306],
    );

  it("is placed on a terminal; its zone runs downstream and stops at other meters", () => {
    const dss = deck("New EnergyMeter.head Line.l1 1\nNew EnergyMeter.branch element=Line.l3 terminal=1");
    dss.solution.solve();
    expect(dss.meters.names()).toEqual(["head", "branch"]);
    expect(dss.meters.zoneElements("head")).toEqual(["Line.l1", "Line.l2"]);
    expect(dss.meters.zoneElements("branch")).toEqual(["Line.l3"]);
    const sum = dss.meters.zoneLossesKw("head")[0] + dss.meters.zoneLossesKw("branch")[0];
    expect(sum).toBeCloseTo(dss.circuit.lossesKw()[0], 9);
  });

  it("a meter on a missing element is an error with file:line", () => {
    const dss = deck("");
    const e = thrown(() => dss.text("New EnergyMeter.m element=Line.nothere", "m.dss"));
    expect(e.message).toContain("m.dss:1");
  });
});
