/**
 * The script front end against the real OpenDSS on small decks (differential): in-line RPN values
 * in every quote style, comments and the end of a parameter list, BatchEdit, LoadShapes read from
 * files (text columns with header and blank lines, csvfile, sngfile, dblfile), Fault with
 * Solve mode=Direct and LoadModel=Admittance, and classes that do not affect a power flow
 * (accepted, ignored, and listed in the warnings). Parsed property values are checked against
 * the oracle's own answers (`? Class.name.property`), solutions node by node.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Line } from "../../../validation/opendss/elements/line.ts";
import type { Load } from "../../../validation/opendss/elements/load.ts";
import type { LoadShape } from "../../../validation/opendss/elements/loadshape.ts";
import { describeComparison } from "../../../validation/opendss/testing/compare.ts";
import { oracleForTests } from "../../helpers/oracle.ts";
import { type DiffCase, type DiffOutcome, runDifferential } from "./differential.ts";

const HEAD = `Clear
Set DefaultBaseFrequency=60
New Circuit.c basekv=12.47 pu=1.02 phases=3 bus1=src MVAsc3=2000 MVAsc1=2100
New Line.l0 bus1=src bus2=b phases=3 r1=0.2 x1=0.6 r0=0.6 x0=1.8 c1=3 c0=1.2 length=1.5 units=km
`;
const TAIL = `Set VoltageBases=[12.47]
CalcVoltageBases
`;

function floats(values: number[], single: boolean): Uint8Array {
  const a = single ? new Float32Array(values) : new Float64Array(values);
  return new Uint8Array(a.buffer);
}

const CASES: DiffCase[] = [
  {
    name: "rpn",
    files: {
      "Master.dss": `${HEAD}
New Line.l1 bus1=b bus2=c phases=(3) r1={0.1 2 *} x1=[0.3 1.5 *] r0="0.3" x0='0.9 1 *' c1=(3.4 1 +) c0=(1.6)
~ length=(45 tan 2 *) units=kft normamps=(400 1.25 *) emergamps={580 1.25 *}
New Load.a bus1=c.1 phases=1 kV=(12.47 3 sqrt /) kW=(2 pi * 10 *) kvar=(3 4 atan2) model=1
New Load.b bus1=c.2 phases=1 kV=7.2 kW=(100 ln 10 *) kvar=(0.5 exp 5 *)
New Load.c bus1=c.3 phases=1 kV=7.2 kW=(2 inv 100 *) kvar=(3 sqr)
New Load.d bus1=c.1.2 phases=1 kV=12.47 kW=(3 10 swap -) kvar=(1000 log10 30 sin +)
New Load.e bus1=c phases=3 kV=12.47 kW=(60 cos 1 asin + 0.5 acos + 1 atan +) kvar="5 2.5 ^"
${TAIL}`,
    },
    queries: [
      "? Line.l1.length",
      "? Line.l1.r1",
      "? Line.l1.x1",
      "? Line.l1.c1",
      "? Load.a.kW",
      "? Load.a.kvar",
      "? Load.a.kV",
      "? Load.b.kW",
      "? Load.b.kvar",
      "? Load.c.kW",
      "? Load.c.kvar",
      "? Load.d.kW",
      "? Load.d.kvar",
      "? Load.e.kW",
      "? Load.e.kvar",
    ],
  },
  {
    name: "comments",
    files: {
      "Master.dss": `${HEAD}
New Load.a bus1=b.1 phases=1 kV=7.2 kW=10 kvar=5 ! kvar=99
New Load.b bus1=b.2 phases=1 kV=7.2 kW=11 // kW=99
New Load.c bus1=b.3 phases=1 kV=7.2 kW=12, , kvar=99
New Load.d bus1 = b.1  phases = 1 kV = 7.2   kW = 13 kvar=(1 2 +)!comment kW=99
New Load.e,bus1=b.2,phases=1,kV=7.2,kW=14,kvar=4
Load.e.kW=(20 2 *)
New Load.f bus1=b.3 phases=1 kV=7.2 kW=1
~ kW=15 kvar=6 ! more
${TAIL}`,
    },
    queries: ["? Load.a.kvar", "? Load.b.kW", "? Load.c.kvar", "? Load.d.kW", "? Load.d.kvar", "? Load.e.kW"],
  },
  {
    name: "batchedit",
    files: {
      "Master.dss": `${HEAD}
${Array.from({ length: 12 }, (_, i) => `New Load.l${i + 1} bus1=b.${(i % 3) + 1} phases=1 kV=7.2 kW=${10 + i} kvar=2`).join("\n")}
BatchEdit Load.l1.* kW=5
Batchedit Load..* vminpu=0.7
BatchEdit Load.^l[23]$ kvar=(4 2 *)
${TAIL}`,
    },
    queries: [
      "? Load.l1.kW",
      "? Load.l2.kW",
      "? Load.l10.kW",
      "? Load.l12.kW",
      "? Load.l2.kvar",
      "? Load.l12.kvar",
    ],
  },
  ...[2, 3, 5].map(
    (hours): DiffCase => ({
      name: `loadshape-files-${hours}h`,
      files: {
        "Master.dss": `${HEAD}
New LoadShape.s1 npts=5 interval=1 mult=(file=s1.txt)
New LoadShape.s2 npts=5 interval=1 mult=(file=s2.csv column=2 header=yes) qmult=(file=s2.csv, col=3, header=yes)
New LoadShape.s3 npts=5 interval=1 sngfile=s3.sng
New LoadShape.s4 npts=5 interval=1 dblfile=s4.dbl
New LoadShape.s5 npts=5 interval=1 csvfile=s5.csv
New LoadShape.s6 npts=4 interval=0 csvfile=s6.csv
New LoadShape.s7 npts=5 minterval=60 mult=(sngfile=s3.sng)
New Load.a bus1=b.1 phases=1 kV=7.2 kW=100 kvar=30 daily=s1
New Load.b bus1=b.2 phases=1 kV=7.2 kW=100 kvar=30 daily=s2
New Load.c bus1=b.3 phases=1 kV=7.2 kW=100 kvar=30 daily=s3
New Load.d bus1=b.1 phases=1 kV=7.2 kW=100 kvar=30 daily=s4
New Load.e bus1=b.2 phases=1 kV=7.2 kW=100 kvar=30 daily=s5
New Load.f bus1=b.3 phases=1 kV=7.2 kW=100 kvar=30 daily=s6
New Load.g bus1=b phases=3 kV=12.47 kW=100 kvar=30 daily=s7
${TAIL}`,
        "s1.txt": "0.5\r\n0.7\r\n\r\n0.9, 5\n1.1\n",
        "s2.csv": "hour,p,q\n1,0.4,0.2\n2,0.6,0.3\n3,0.8,0.1\n4,1.0,0.9\n5,(0.6 2 *),0.5\n",
        "s3.sng": floats([0.3, 0.55, 0.77, 0.91, 1.13], true),
        "s4.dbl": floats([0.31, 0.56, 0.78, 0.92, 1.14], false),
        "s5.csv": "0.25\n0.45 9\n0.65\n0.85\n1.05\n",
        "s6.csv": "0, 0.2\n1.5, 0.6\n2.5, 1.2\n6, 0.4\n",
      },
      commands: [`Set Mode=Daily StepSize=1h Number=${hours}`],
      queries: ["? LoadShape.s1.mult", "? LoadShape.s1.npts", "? LoadShape.s6.npts"],
    }),
  ),
  {
    name: "fault-direct",
    files: {
      "Master.dss": `${HEAD}
New Line.l1 bus1=b bus2=c phases=3 r1=0.3 x1=0.7 r0=0.8 x0=2 length=2 units=km
New Load.a bus1=c.1 phases=1 kV=7.2 kW=300 kvar=100
New Load.b bus1=c phases=3 kV=12.47 kW=500 kvar=200 model=2
${TAIL}solve
New Fault.f1 phases=1 bus1=c.2
New Fault.f2 phases=3 bus1=b bus2=c Gmatrix=[50 | -10 50 | -10 -10 50]
New Fault.off bus1=c.3 ONtime=1
Batchedit Load..* Enabled=no
Solve mode=Direct
`,
    },
  },
  {
    name: "loadmodel-admittance",
    files: {
      "Master.dss": `${HEAD}
New Load.a bus1=b.1 phases=1 kV=7.2 kW=300 kvar=100
New Load.b bus1=b phases=3 kV=12.47 kW=500 kvar=200 conn=delta
${TAIL}Set LoadModel=Admittance
`,
    },
  },
  {
    name: "solution-abort",
    files: {
      "Master.dss": `${HEAD}
New Transformer.reg phases=1 XHL=0.01 kVAs=[2000 2000] buses=[b.1 r.1] kVs=[7.2 7.2] %LoadLoss=0.01
New RegControl.creg transformer=reg winding=2 vreg=126 band=0.2 ptratio=60 delay=15
New Line.l1 bus1=r.1 bus2=c.1 phases=1 r1=0.5 x1=1 length=3 units=km
New Load.a bus1=c.1 phases=1 kV=7.2 kW=800 kvar=300
${TAIL}Set MaxControlIter=4
solve
! OpenDSS skips everything below: the solve above ends at MaxControlIter (SolutionAbort)
New Load.after bus1=c.1 phases=1 kV=7.2 kW=500 kvar=100
Set LoadMult=0.5
solve
`,
    },
  },
  {
    name: "allocation",
    files: {
      "Master.dss": `${HEAD}
New Load.a bus1=b.1 phases=1 kV=7.2 xfkVA=50 pf=0.95 model=4 CVRwatts=0.8 CVRvars=3 status=variable
New Load.b bus1=b.2 phases=1 kV=7.2 xfkVA=75 pf=0.9 AllocationFactor=0.7 numcust=3 class=1
New Load.c bus1=b.3 phases=1 kV=7.2 xfkVA=40 pf=0.85
Set AllocationFactors=0.6
Load.b.AllocationFactor=1.2096
New Load.d bus1=b phases=3 kV=12.47 kWh=30000 kWhdays=30 Cfactor=3 pf=0.92
New Load.e bus1=b phases=3 kV=12.47 kVA=100 pf=0.9
${TAIL}`,
    },
    queries: ["? Load.a.kW", "? Load.b.kW", "? Load.c.kW", "? Load.d.kW", "? Load.e.kW"],
  },
  {
    name: "ignored-classes",
    files: {
      "Master.dss": `${HEAD}
Set EarthModel=Carson
New Line.l1 bus1=b bus2=c phases=3 r1=0.3 x1=0.7 r0=0.8 x0=2 length=2 units=km
New Line.l2 bus1=c.1 bus2=d.1 phases=1 r1=0.3 x1=0.7 length=1 units=km
New Load.a bus1=c phases=3 kV=12.47 kW=400 kvar=100
New Load.b bus1=d.1 phases=1 kV=7.2 kW=50 kvar=10
New Monitor.m1 element=Line.l1 terminal=1 mode=1
New Monitor.m2 Line.l2 2 mode=0 ppolar=no
New Relay.r1 MonitoredObj=Line.l1 SwitchedObj=Line.l1 type=current PhaseTrip=1e5 GroundTrip=1e5
New Fuse.f1 MonitoredObj=Line.l2 SwitchedObj=Line.l2 RatedCurrent=1000
New Recloser.rc1 MonitoredObj=Line.l1 SwitchedObj=Line.l1 PhaseTrip=1e5 GroundTrip=1e5
New Spectrum.sp1 NumHarm=3 harmonic=(1 3 5) %mag=(100 33 20) angle=(0 0 0)
New TCC_Curve.tc npts=3 C_array=(1 2 3) T_array=(10 5 1)
New XYCurve.xy npts=2 xarray=[0 1] yarray=[1 1]
New TShape.t npts=2 interval=1 temp=[20 25]
New Fault.flt bus1=d.1 enabled=no
Disable Monitor.m1
${TAIL}Set EarthModel=FullCarson NeglectLoadY=no CaseName=x
`,
    },
  },
];

const ora = oracleForTests();

describe.skipIf(!ora.available)("script front end against the real OpenDSS", () => {
  let out: Map<string, DiffOutcome>;
  beforeAll(() => {
    out = runDifferential(ora.oracle!, CASES);
  });

  const num = (s: string): number => Number(s.trim());

  for (const c of CASES) {
    it(`${c.name}: same solution as the real engine`, () => {
      const o = out.get(c.name)!;
      // reaching MaxControlIter is reported as an error by the real engine; it is a warning
      expect(o.oracle.errors.filter((e) => !/max control iterations/i.test(e.description))).toEqual([]);
      process.stdout.write(
        `[parser-oracle ${c.name}] ${describeComparison(o.cmp)}\n${o.cmp.mismatches.slice(0, 12).join("\n")}\n`,
      );
      expect(o.cmp.mismatches).toEqual([]);
    });
  }

  it("rpn: every quote style is RPN arithmetic with OpenDSS's calculator (values to 1e-14)", () => {
    const o = out.get("rpn")!;
    const c = o.engine.circuit!;
    const line = c.find("line", "l1") as Line;
    const load = (n: string): Load => c.find("load", n) as Load;
    const ours = [
      line.len,
      load("a").kWBase,
      load("a").kvarBase,
      load("b").kWBase,
      load("b").kvarBase,
      load("c").kWBase,
      load("c").kvarBase,
      load("d").kWBase,
      load("d").kvarBase,
      load("e").kWBase,
      load("e").kvarBase,
    ];
    const a = o.oracle.answers;
    const theirs = [0, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14].map((k) => num(a[k]!));
    ours.forEach((x, k) => {
      expect(
        Math.abs(x - theirs[k]!) / Math.abs(theirs[k]!),
        `value ${k}: ${x} vs ${theirs[k]}`,
      ).toBeLessThan(1e-14);
    });
    // OpenDSS's degrees use π ≈ 3.14159265359: tan(45°) is not exactly 1
    expect(line.len).not.toBe(2);
  });

  it("comments and an empty value end the parameter list as in OpenDSS", () => {
    const o = out.get("comments")!;
    const c = o.engine.circuit!;
    const load = (n: string): Load => c.find("load", n) as Load;
    const a = o.oracle.answers.map(num);
    const ours = [
      load("a").kvarBase,
      load("b").kWBase,
      load("c").kvarBase,
      load("d").kWBase,
      load("d").kvarBase,
    ];
    ours.forEach((x, k) => {
      expect(Math.abs(x - a[k]!) / Math.abs(a[k]!)).toBeLessThan(1e-14);
    });
    expect([ours[0], ours[1], ours[3], ours[4]]).toEqual([5, 11, 13, 3]);
    expect(load("c").kvarBase).not.toBe(99);
    expect(load("e").kWBase).toBe(40);
    expect(a[5]).toBe(40);
  });

  it("batchedit: a case-insensitive regular expression anywhere in the name", () => {
    const o = out.get("batchedit")!;
    const c = o.engine.circuit!;
    const load = (n: string): Load => c.find("load", n) as Load;
    expect([load("l1").kWBase, load("l2").kWBase, load("l10").kWBase, load("l12").kWBase]).toEqual(
      o.oracle.answers.slice(0, 4).map(num),
    );
    expect([load("l1").kWBase, load("l2").kWBase, load("l10").kWBase, load("l12").kWBase]).toEqual([
      5, 11, 5, 5,
    ]);
    // kW set after kvar keeps the power factor (l12: 2 kvar at 21 kW → 5 kW)
    const kvar = [load("l2").kvarBase, load("l12").kvarBase];
    const want = o.oracle.answers.slice(4, 6).map(num);
    kvar.forEach((x, k) => {
      expect(Math.abs(x - want[k]!)).toBeLessThan(1e-12);
    });
    expect(kvar[0]).toBe(8);
  });

  it("loadshape files: blank lines read as 0, npts drops to the values read, single precision kept", () => {
    const o = out.get("loadshape-files-2h")!;
    const shapes = o.engine.objects.get("loadshape")!;
    const s1 = shapes.get("s1") as LoadShape;
    expect(s1.pmult).toEqual([0.5, 0.7, 0, 0.9, 1.1]);
    expect(o.oracle.answers[1]!.trim()).toBe("5");
    expect((shapes.get("s6") as LoadShape).numPoints).toBe(num(o.oracle.answers[2]!));
    expect((shapes.get("s3") as LoadShape).pmult[1]).toBe(Math.fround(0.55));
  });

  it("solution-abort: the lines after a solve that ends at MaxControlIter are skipped, as in OpenDSS", () => {
    const o = out.get("solution-abort")!;
    expect(o.ours.result.elements!.Load!.map((e) => e.name)).toEqual(["a"]);
    expect(o.ours.warnings.some((w) => w.includes("remaining 3 command line(s)"))).toBe(true);
    expect(o.oracle.result.elements.Load.map((e: { name: string }) => e.name)).toEqual(["a"]);
  });

  it("allocation: Set AllocationFactors reaches every load; xfkVA, kVA and kWh specifications", () => {
    const o = out.get("allocation")!;
    const c = o.engine.circuit!;
    const ours = ["a", "b", "c", "d", "e"].map((n) => (c.find("load", n) as Load).kWBase);
    const want = o.oracle.answers.map(num);
    ours.forEach((x, k) => {
      expect(Math.abs(x - want[k]!) / Math.abs(want[k]!)).toBeLessThan(1e-14);
    });
    expect(ours[0]).toBeCloseTo(50 * 0.6 * 0.95, 12);
    expect(ours[1]).toBeCloseTo(75 * 1.2096 * 0.9, 12);
    expect(ours[4]).toBeCloseTo(90, 12);
  });

  it("ignored classes are listed in the run's warnings; the earth model is recorded", () => {
    const o = out.get("ignored-classes")!;
    const w = o.ours.warnings.filter((x) => x.startsWith("ignored"));
    expect(w.some((x) => x.includes("2 Monitor (m1, m2)"))).toBe(true);
    for (const cls of ["Relay", "Fuse", "Recloser", "Spectrum", "TCC_Curve", "XYcurve", "TShape"])
      expect(w.some((x) => x.includes(` ${cls} (`))).toBe(true);
    expect(o.engine.defaultEarthModel).toBe("fullcarson");
    expect(o.ours.result.elements!.Load!.map((e) => e.name)).toEqual(["a", "b"]);
  });
});
