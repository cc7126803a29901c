/**
 * Transformers against the real OpenDSS on small decks (differential): every connection of the
 * IEEE 4-bus cases (delta–grounded-wye, grounded-wye–delta, ungrounded-wye–delta, Y–Y, open-wye
 * open-delta banks, delta–delta), XfmrCode (with like=), three-winding banks of 1-phase units
 * (Y–Y–Δ, the 4Bus-YYD deck with line codes instead of geometries), split-phase centre-tapped
 * service transformers feeding 120/240 V loads, a four-winding transformer (Xscarray), sub=yes
 * (substation losses), taps, no-load losses, magnetising current and neutral impedances.
 *
 * A delta winding whose bus has no other path to ground floats on the 1-ppm anti-float
 * susceptance alone; the real engine's solution of such a Y carries rounding noise near 1e-9 pu
 * that changes its iteration count, so the four-winding case grounds its delta bus through a
 * wye load (its primitive Y equals the real engine's to 1e-15 either way).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { describeComparison } from "../../../validation/opendss/testing/compare.ts";
import { oracleForTests } from "../../helpers/oracle.ts";
import { type DiffCase, type DiffOutcome, runDifferential } from "./differential.ts";

const SRC = `Clear
Set DefaultBaseFrequency=60
New Circuit.t basekv=12.47 pu=1.0 phases=3 bus1=sourcebus MVAsc3=200000 MVAsc1=200000
New LineCode.mv nphases=3 units=mi rmatrix=(.4576 | .1559 .4666 | .1535 .1580 .4615) xmatrix=(1.078 | .5017 1.0482 | .3849 .4236 1.0651) cmatrix=(15.04 | -4.8706 15.855 | -1.8655 -3.1008 14.3)
New LineCode.lv nphases=3 units=mi rmatrix=(.4013 | .0953 .4013 | .0953 .0953 .4013) xmatrix=(1.4133 | .8515 1.4133 | .7266 .7802 1.4133) cmatrix=(15.04 | -4.8706 15.855 | -1.8655 -3.1008 14.3)
New Line.line1 bus1=sourcebus bus2=n2 linecode=mv length=2 units=kft
`;

/** The IEEE 4-bus layout with a given transformer definition and load connection. */
function fourBus(xfmr: string, load: string, kvLow = 4.16): string {
  return `${SRC}${xfmr}
New Line.line2 bus1=n3 bus2=n4 linecode=lv length=2.5 units=kft
${load}
Set voltagebases=[12.47, ${kvLow}]
calcvoltagebases
`;
}

const WYE_LOAD = "New Load.load1 phases=3 bus1=n4 conn=wye kV=4.16 kW=5400 pf=0.9 model=1 vminpu=0.75";
const DELTA_LOAD = "New Load.load1 phases=3 bus1=n4 conn=delta kV=4.16 kW=5400 pf=0.9 model=1 vminpu=0.75";
const UNBAL_DELTA = `New Load.l1 phases=1 bus1=n4.1.2 kW=850 pf=.85 kV=4.16 conn=delta vminpu=0.7
New Load.l2 phases=1 bus1=n4.2.3 kW=1200 pf=.90 kV=4.16 conn=delta vminpu=0.7
New Load.l3 phases=1 bus1=n4.3.1 kW=1583.33 pf=.95 kV=4.16 conn=delta vminpu=0.7`;
const UNBAL_WYE = `New Load.l1 phases=1 bus1=n4.1 kW=1275 pf=.85 kV=2.4 vminpu=0.7
New Load.l2 phases=1 bus1=n4.2 kW=1800 pf=.90 kV=2.4 vminpu=0.7
New Load.l3 phases=1 bus1=n4.3 kW=2375 pf=.95 kV=2.4 vminpu=0.7`;

const XF = (w1: string, w2: string, extra = ""): string =>
  `New Transformer.t1 xhl=6 ${extra}\n~ wdg=1 ${w1} kVA=6000 %r=0.5\n~ wdg=2 ${w2} kVA=6000 %r=0.5`;

const OPEN_BANK = `New Transformer.t1 xhl=6 Phases=1 ppm=0
~ wdg=1 bus=n2.1.0 conn=wye kV=7.2 kVA=2000 %r=0.5
~ wdg=2 bus=n3.1.2 conn=Delta kV=4.16 kVA=2000 %r=0.5
New Transformer.t2 xhl=6 Phases=1 ppm=0
~ wdg=1 bus=n2.2.0 conn=wye kV=7.2 kVA=2000 %r=0.5
~ wdg=2 bus=n3.2.3 conn=Delta kV=4.16 kVA=2000 %r=0.5`;

const CASES: DiffCase[] = [
  {
    name: "DY-bal",
    files: { "Master.dss": fourBus(XF("bus=n2 conn=delta kV=12.47", "bus=n3 conn=wye kV=4.16"), WYE_LOAD) },
  },
  {
    name: "DY-unbal-lead",
    files: {
      "Master.dss": fourBus(
        XF("bus=n2 conn=delta kV=12.47", "bus=n3 conn=wye kV=4.16", "LeadLag=lead"),
        UNBAL_WYE,
      ),
    },
  },
  {
    name: "GrdYD-bal",
    files: {
      "Master.dss": fourBus(XF("bus=n2.1.2.3.0 conn=wye kV=12.47", "bus=n3 conn=delta kV=4.16"), DELTA_LOAD),
    },
  },
  {
    name: "YD-ungrounded-unbal",
    files: {
      "Master.dss": fourBus(XF("bus=n2.1.2.3.4 conn=wye kV=12.47", "bus=n3 conn=delta kV=4.16"), UNBAL_DELTA),
    },
  },
  {
    name: "YY-bal",
    files: { "Master.dss": fourBus(XF("bus=n2 conn=wye kV=12.47", "bus=n3 conn=wye kV=4.16"), WYE_LOAD) },
  },
  {
    name: "YY-neutral-impedance-taps",
    files: {
      "Master.dss": fourBus(
        XF(
          "bus=n2.1.2.3.4 conn=wye kV=12.47 Rneut=5 Xneut=2 tap=1.025",
          "bus=n3.1.2.3.5 conn=wye kV=4.16 Rneut=0 Xneut=0.5 tap=0.9875",
          "%noloadloss=0.3 %imag=1.2",
        ),
        UNBAL_WYE,
      ),
    },
  },
  {
    name: "DD-unbal",
    files: {
      "Master.dss": fourBus(XF("bus=n2 conn=delta kV=12.47", "bus=n3 conn=delta kV=4.16"), UNBAL_DELTA),
    },
  },
  { name: "OYOD-bal", files: { "Master.dss": fourBus(OPEN_BANK, DELTA_LOAD.replace("5400", "3600")) } },
  { name: "OYOD-unbal", files: { "Master.dss": fourBus(OPEN_BANK, UNBAL_DELTA) } },
  {
    name: "xfmrcode-like-sub",
    files: {
      "Master.dss": fourBus(
        `New XfmrCode.base phases=3 windings=2 conns=[delta wye] kVs=[12.47 4.16] kVAs=[6000 6000] %Rs=[0.5 0.5] XHL=6
New XfmrCode.code like=base %noloadloss=0.2
New Transformer.t1 XfmrCode=code buses=[n2 n3] sub=yes`,
        WYE_LOAD,
      ),
    },
  },
  {
    name: "YYD-three-winding-bank",
    files: {
      "Master.dss": `Clear
Set DefaultBaseFrequency=60
New Circuit.YYD BasekV=69 Bus1=B1 Isc3=1000000 Isc1=1100000
New Line.TLine1-2 Bus1=B1.1.2.3 Bus2=B2.1.2.3 r1=0.3 x1=0.8 r0=0.9 x0=2.4 c1=10 c0=4 Length=10 units=mi
New Line.DLine3-4 Bus1=B3.1.2.3 Bus2=B4.1.2.3 r1=0.3 x1=0.7 r0=0.9 x0=2.1 c1=10 c0=4 Length=1 units=mi
New Line.DLine5-6 Bus1=B5.1.2.3 Bus2=B6.1.2.3 r1=0.3 x1=0.6 r0=0.9 x0=1.8 Length=150 units=ft
New XfmrCode.YYD1Phase phases=1 windings=3
~ conns=[wye wye delta] kVs=[39.83, 7.62, 2.4] kVAs=[5000 5000 1666] XHL=7.5 XHT=36 XLT=28 %Rs=[0.11 0.11 0.275]
New Transformer.YYDA XfmrCode=YYD1Phase ppm=0
~ Buses=[B2.1.0 B3.1.0 B5.1.2]
New Transformer.YYDB XfmrCode=YYD1Phase ppm=0
~ Buses=[B2.2.0 B3.2.0 B5.2.3]
New Transformer.YYDC XfmrCode=YYD1Phase ppm=0
~ Buses=[B2.3.0 B3.3.0 B5.3.1]
New Load.B4a phases=1 Bus1=B4.1.0 kV=7.62 kW=1250 kvar=500 Model=1
New Load.B4b phases=1 Bus1=B4.2.0 kV=7.62 kW=1500 kvar=750 Model=1
New Load.B4c phases=1 Bus1=B4.3.0 kV=7.62 kW=1000 kvar=250 Model=1
New Load.B6 phases=3 Bus1=B6.1.2.3 Model=2 Conn=delta kV=2.4 kW=2250 kvar=1125
Set voltagebases=[69, 13.2, 2.4]
Calcvoltagebases
solve
New Fault.SLGFault phases=1 Bus1=B2.1 Bus2=B2.0
Batchedit Load..* Enabled=no
Solve mode=Direct
`,
    },
  },
  {
    name: "split-phase-centre-tap",
    files: {
      "Master.dss": `${SRC}
New LineCode.tpx nphases=2 units=kft rmatrix=[0.3 | 0.09 0.3] xmatrix=[0.2 | 0.15 0.2] cmatrix=[3 | -1 3]
New Transformer.ct1 phases=1 windings=3 buses=[n2.1.0 s1.1.0 s1.0.2] conns=[wye wye wye] kVs=[7.2 .12 .12] kVAs=[50 50 50] %Rs=[0.6 1.2 1.2] XHL=2.04 XHT=2.04 XLT=1.36 %noloadloss=0.2
New Transformer.ct2 phases=1 windings=3 buses=[n2.2.0 s2.1.0 s2.0.2] conns=[wye wye wye] kVs=[7.2 .12 .12] kVAs=[25 25 25] XHL=2.1 XHT=2.1 XLT=1.4 %loadloss=1.1
New Transformer.ct3 phases=1 windings=3 buses=[n2.3.1 s3.1.0 s3.0.2] conns=[delta wye wye] kVs=[12.47 .12 .12] kVAs=[37.5 37.5 37.5] XHL=2 XHT=2 XLT=1.3
New Line.tp1 bus1=s1.1.2 bus2=h1.1.2 phases=2 linecode=tpx length=0.1 units=kft
New Load.h1 phases=1 bus1=h1.1.2 kV=0.24 kW=12 pf=0.95
New Load.h1a phases=1 bus1=h1.1 kV=0.12 kW=3 pf=0.9
New Load.h1b phases=1 bus1=h1.2 kV=0.12 kW=1.5 pf=0.98
New Load.h2 phases=1 bus1=s2.1.2 kV=0.24 kW=8 kvar=3
New Load.h2a phases=1 bus1=s2.2 kV=0.12 kW=2 kvar=1 model=2
New Load.h3 phases=1 bus1=s3.1.2 kV=0.24 kW=20 pf=0.9 model=5
Set voltagebases=[12.47 0.24]
calcvoltagebases
`,
    },
  },
  {
    name: "four-winding",
    files: {
      "Master.dss": `${SRC}
New Transformer.q phases=3 windings=4 buses=[n2 a b c] conns=[delta wye wye delta] kVs=[12.47 4.16 0.48 2.4] kVAs=[6000 3000 2000 1000] %Rs=[0.4 0.5 0.6 0.7]
~ Xscarray=[6 8 9 7 8 10]
New Load.a phases=3 bus1=a kV=4.16 kW=2000 pf=0.9
New Load.b phases=3 bus1=b kV=0.48 kW=900 pf=0.95 conn=delta
New Load.c phases=3 bus1=c kV=2.4 kW=500 pf=0.85 conn=wye
Set voltagebases=[12.47 4.16 0.48 2.4]
calcvoltagebases
`,
    },
  },
];

const COMMANDS = ["Set Tolerance=1e-10", "Set MaxIterations=100"];
for (const c of CASES) c.commands = COMMANDS;

const ora = oracleForTests();

describe.skipIf(!ora.available)("transformers against the real OpenDSS", () => {
  let out: Map<string, DiffOutcome>;
  beforeAll(() => {
    out = runDifferential(ora.oracle!, CASES);
  });

  for (const c of CASES) {
    it(`${c.name}: same solution, element powers and iterations as the real engine`, () => {
      const o = out.get(c.name)!;
      expect(o.oracle.errors).toEqual([]);
      process.stdout.write(
        `[transformer-oracle ${c.name}] iterations ${o.ours.result.iterations}/${o.oracle.result.iterations}; ${describeComparison(o.cmp)}\n${o.cmp.mismatches.slice(0, 8).join("\n")}\n`,
      );
      expect(o.cmp.mismatches).toEqual([]);
    });
  }

  it("sub=yes transformers count as substation losses", () => {
    const r = out.get("xfmrcode-like-sub")!.ours.result;
    expect(r.substation_losses_kw).toBeGreaterThan(1);
    expect(r.substation_losses_kw).toBeLessThan(r.losses_kw);
  });
});
