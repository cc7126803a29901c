/**
 * Line constants and the line forms that use them (WireData, CNData, TSData, LineSpacing,
 * LineGeometry; Line geometry=, spacing= with wires=/cncables=/tscables=, EarthModel) and the
 * LineCode matrix forms:
 *
 * * against a textbook: Kersting's example 4.1 (Distribution System Modeling and Analysis), a
 *   4-wire overhead line whose Kron-reduced phase impedance matrix is published to four digits;
 * * against the real OpenDSS: small decks built here (each line form × earth model × reduction,
 *   explicit neutrals with grounding reactors, cables, matrix line codes, Kron reduction of a
 *   line code) are solved by our engine and by the oracle and compared node by node within the
 *   limits of issue 15.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConductorData, LineGeometry } from "../../../validation/opendss/elements/conductors.ts";
import { computeLineConstants, type EarthModel } from "../../../validation/opendss/lineconstants.ts";
import { runDeck } from "../../../validation/opendss/run.ts";
import { compareSnapshots, describeComparison } from "../../../validation/opendss/testing/compare.ts";
import { runOracle } from "../../../validation/opendss/testing/oracle.ts";
import { oracleForTests } from "../../helpers/oracle.ts";
import { thrown } from "./helpers.ts";

const MI = 1609.344;
const FT = 0.3048;

describe("line constants", () => {
  it("reproduce Kersting's example 4.1 (4-wire overhead line, modified Carson, neutral reduced)", () => {
    // phases 336,400 26/7 ACSR (GMR 0.0244 ft, 0.306 Ω/mi), neutral 4/0 6/1 ACSR (0.00814 ft, 0.592 Ω/mi)
    const phase = { gmr: 0.0244 * FT, radius: (0.721 / 2) * 0.0254, rac: 0.306 / MI };
    const neutral = { gmr: 0.00814 * FT, radius: (0.563 / 2) * 0.0254, rac: 0.592 / MI };
    const at = (x: number, y: number, w: typeof phase) => ({
      x: x * FT,
      y: y * FT,
      gmr: w.gmr,
      radius: w.radius,
      capRadius: -1,
      rdc: w.rac / 1.02,
      rac: w.rac,
      cable: null,
    });
    const conds = [at(0, 29, phase), at(2.5, 29, phase), at(7, 29, phase), at(4, 25, neutral)];
    const m = computeLineConstants(conds, 3, "oh", 60, 100, "carson", true);
    expect(m.n).toBe(3);
    const z = (i: number, j: number): [number, number] => [
      m.z[2 * (i * 3 + j)]! * MI,
      m.z[2 * (i * 3 + j) + 1]! * MI,
    ];
    // Kersting (4th ed.), example 4.1: z_abc in Ω/mile
    const book: [number, number, [number, number]][] = [
      [0, 0, [0.4576, 1.078]],
      [0, 1, [0.156, 0.5017]],
      [0, 2, [0.1535, 0.3849]],
      [1, 1, [0.4666, 1.0482]],
      [1, 2, [0.158, 0.4236]],
      [2, 2, [0.4615, 1.0651]],
    ];
    for (const [i, j, [r, x]] of book) {
      expect(z(i, j)[0]).toBeCloseTo(r, 3);
      expect(z(i, j)[1]).toBeCloseTo(x, 3);
      expect(z(j, i)[0]).toBeCloseTo(z(i, j)[0], 12);
      expect(z(j, i)[1]).toBeCloseTo(z(i, j)[1], 12);
    }
  });

  it("keep the neutral without reduction, and the earth models differ as expected", () => {
    const w = new ConductorData("w", "wire");
    w.rac = 0.306;
    w.rdc = 0.306 / 1.02;
    w.rUnits = "mi";
    w.gmr = 0.0244;
    w.gmrUnits = "ft";
    w.radius = 0.721 / 2;
    w.radUnits = "in";
    w.capRadius = w.radius;
    const conds = [0, 2.5, 7, 4].map((x, i) => w.spec(x * FT, (i === 3 ? 25 : 29) * FT));
    const z = (model: EarthModel) => computeLineConstants(conds, 3, "oh", 60, 100, model, false);
    const carson = z("carson");
    const full = z("fullcarson");
    const deri = z("deri");
    expect(carson.n).toBe(4);
    // Carson's simplified earth resistance is ωμ0/8 on every entry
    expect(carson.z[2 * 1]! * MI).toBeCloseTo(0.0953, 4);
    // the full series and Deri's complex depth agree with it within a few % at 100 Ω·m
    for (const other of [full, deri]) {
      for (let k = 0; k < 32; k++)
        expect(Math.abs(other.z[k]! - carson.z[k]!)).toBeLessThan(0.05 * Math.abs(carson.z[k]!));
    }
    expect(full.z[0]).not.toBe(carson.z[0]);
    expect(deri.z[1]).not.toBe(carson.z[1]);
    // the shunt admittance is the same for every earth model, capacitive, with negative mutual terms
    expect(deri.yc).toEqual(carson.yc);
    expect(carson.yc[1]!).toBeGreaterThan(0);
    expect(carson.yc[3]!).toBeLessThan(0);
  });

  it("reject overlapping conductors and a conductor at or below ground", () => {
    const g = new LineGeometry("g");
    g.setNConds(2);
    g.nPhases = 2;
    const w = new ConductorData("w", "wire");
    w.rac = 0.1;
    w.rdc = 0.1;
    w.gmr = 0.01;
    w.radius = 0.013;
    w.capRadius = 0.013;
    g.wires = [w, w];
    g.units = ["m", "m"];
    g.x = [0, 0.01];
    g.h = [10, 10];
    expect(() => g.constants(60, "deri")).toThrow(/LineGeometry.g: conductors 1 and 2 occupy the same space/);
    g.x = [0, 1];
    g.h = [10, 0];
    expect(() => g.constants(60, "deri")).toThrow(/conductor 2 height must be > 0/);
  });
});

/** A deck with one line of the given form between a stiff source and a 3-phase load. */
function deck(lines: string): string {
  return [
    "Clear",
    "Set DefaultBaseFrequency=60",
    "New Circuit.lc basekv=12.47 pu=1.02 phases=3 bus1=src MVAsc3=200000 MVAsc1=210000",
    lines,
    "New Load.l3 bus1=b2 phases=3 kV=12.47 kW=1800 kvar=700 model=1",
    "New Load.l1 bus1=b2.1 phases=1 kV=7.2 kW=300 kvar=90 model=2",
    "Set VoltageBases=[12.47]",
    "CalcVoltageBases",
  ].join("\n");
}

const WIRES = [
  "New WireData.acsr336 GMRac=0.0255 DIAM=0.741 Rac=0.306 Runits=mi radunits=in gmrunits=ft normamps=530",
  "New WireData.acsr4/0 GMR=0.00814 DIAM=0.563 RAC=0.592 Runits=mi radunits=in gmrunits=ft",
  "New CNData.cn250 k=13 DiaStrand=0.0641 Rstrand=14.8722 epsR=2.3 InsLayer=0.22 DiaIns=1.06 DiaCable=1.16",
  "~ Rac=0.41 Runits=mi GMRac=0.0171 GMRunits=ft diam=0.567 radunits=in",
  "New TSData.ts1 DiaShield=0.88 TapeLayer=0.005 TapeLap=20 epsR=2.3 InsLayer=0.22 DiaIns=0.85 DiaCable=1.06",
  "~ Rac=0.97 Runits=mi GMRac=0.0111 GMRunits=ft diam=0.368 radunits=in",
].join("\n");

const GEOMETRY = [
  "New LineGeometry.g4 nconds=4 nphases=3",
  "~ cond=1 wire=acsr336 x=-4 h=28 units=ft",
  "~ cond=2 wire=acsr336 x=-1.5 h=28",
  "~ cond=3 wire=acsr336 x=3 h=28",
  "~ cond=4 wire=acsr4/0 x=0 h=24",
].join("\n");

/** Named decks: line forms × earth models × reduction, and the matrix forms of LineCode. */
const CASES: Record<string, string> = {};
for (const model of ["Carson", "FullCarson", "Deri"]) {
  CASES[`geometry reduced, ${model}`] = deck(
    [
      WIRES,
      GEOMETRY,
      "~ reduce=yes",
      `Set EarthModel=${model}`,
      "New Line.l1 bus1=src bus2=b2 geometry=g4 length=1.2 units=mi",
    ].join("\n"),
  );
}
CASES["geometry with an explicit neutral grounded through reactors"] = deck(
  [
    WIRES,
    GEOMETRY,
    "New Line.l1 bus1=src.1.2.3.4 bus2=b2.1.2.3.4 geometry=g4 length=3000 units=ft EarthModel=FullCarson",
    "New Reactor.g0 phases=1 bus1=src.4 bus2=src.0 R=0.5 X=0.01",
    "New Reactor.g2 phases=1 bus1=b2.4 bus2=b2.0 R=25 X=0",
  ].join("\n"),
);
CASES["spacing with wires (neutral reduced automatically), rho=300"] = deck(
  [
    WIRES,
    "New LineSpacing.s4 nconds=4 nphases=3 units=ft x=[-4 -1.5 3 0] h=[28 28 28 24]",
    "New Line.l1 bus1=src bus2=b2 spacing=s4 wires=[acsr336 acsr336 acsr336 acsr4/0] length=0.8 units=km rho=300",
  ].join("\n"),
);
CASES["concentric-neutral cables from a spacing"] = deck(
  [
    WIRES,
    "New LineSpacing.ug nconds=3 nphases=3 units=in x=[-6 0 6] h=[-40 -40 -40]",
    "New Line.l1 bus1=src bus2=b2 spacing=ug cncables=[cn250 cn250 cn250] length=2000 units=ft",
  ].join("\n"),
);
CASES["tape-shielded cables with a bare neutral"] = deck(
  [
    WIRES,
    "New LineSpacing.ts nconds=4 nphases=3 units=in x=[-6 0 6 12] h=[-40 -40 -40 -40]",
    "New Line.l1 bus1=src bus2=b2 spacing=ts tscables=[ts1 ts1 ts1] wires=[acsr4/0] length=1500 units=ft",
  ].join("\n"),
);
CASES["geometry of concentric-neutral cables, Carson"] = deck(
  [
    WIRES,
    "Set EarthModel=Carson",
    "New LineGeometry.ug nconds=3 nphases=3 cncables=[cn250 cn250 cn250]",
    "~ cond=1 x=-0.5 h=-3 units=ft",
    "~ cond=2 x=0 h=-3",
    "~ cond=3 x=0.5 h=-3",
    "New Line.l1 bus1=src bus2=b2 geometry=ug length=0.4 units=mi",
  ].join("\n"),
);
CASES["line code matrices: lower triangle in kft, line in ft"] = deck(
  [
    "New LineCode.m3 nphases=3 units=kft",
    "~ rmatrix=[0.0868 | 0.0298 0.0887 | 0.0290 0.0301 0.0876]",
    "~ xmatrix=[0.2025 | 0.0958 0.1962 | 0.0727 0.0800 0.2003]",
    "~ cmatrix=[2.8 | -0.9 2.9 | -0.5 -0.7 2.8]",
    "New Line.l1 bus1=src bus2=b2 linecode=m3 length=2500 units=ft",
  ].join("\n"),
);
CASES["line code matrices: full rows, Kron reduction of conductor 4"] = deck(
  [
    "New LineCode.m4 nphases=4 units=mi",
    "~ rmatrix=[0.4576 0.156 0.1535 0.158 | 0.156 0.4666 0.158 0.16 | 0.1535 0.158 0.4615 0.159 | 0.158 0.16 0.159 0.6]",
    "~ xmatrix=[1.078 0.5017 0.3849 0.42 | 0.5017 1.0482 0.4236 0.43 | 0.3849 0.4236 1.0651 0.41 | 0.42 0.43 0.41 1.1]",
    "~ cmatrix=[5.6 -1.4 -0.7 -0.6 | -1.4 5.9 -1.1 -0.8 | -0.7 -1.1 5.7 -0.9 | -0.6 -0.8 -0.9 5]",
    "~ neutral=4 Kron=yes",
    "New Line.l1 bus1=src bus2=b2 linecode=m4 length=0.5 units=mi",
  ].join("\n"),
);
CASES["matrices on the line itself, and a one-phase line code"] = deck(
  [
    "New LineCode.p1 nphases=1 rmatrix=0.25 xmatrix=0.076 cmatrix=3 units=kft",
    "New Line.l1 bus1=src bus2=b2 length=0.3",
    "~ rmatrix=[0.3 | 0.1 0.31 | 0.09 0.1 0.3] xmatrix=[0.6 | 0.2 0.62 | 0.18 0.2 0.6] cmatrix=[9 | -2 9.5 | -1 -2 9]",
    "New Line.tap bus1=b2.2 bus2=b3.2 linecode=p1 length=400 units=ft",
    "New Load.t bus1=b3.2 phases=1 kV=7.2 kW=40 kvar=10",
  ].join("\n"),
);

describe("line forms against the real OpenDSS", () => {
  const { oracle, available } = oracleForTests();
  const dir = mkdtempSync(join(tmpdir(), "mpopf-lc-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const names = Object.keys(CASES);
  const paths = names.map((n, i) => {
    const p = join(dir, `case${i}.dss`);
    writeFileSync(p, CASES[n]!);
    return p;
  });
  const commands = ["Set Tolerance=1e-10", "Set MaxIterations=100"];
  const results = available
    ? runOracle(
        oracle!,
        paths.map((deck) => ({ deck, commands })),
      )
    : [];

  names.forEach((name, i) => {
    it.skipIf(!available)(`${name}: every node, total and element power match`, () => {
      const r = results[i]!;
      expect(r.errors).toEqual([]);
      const ours = runDeck({ deck: paths[i]!, commands }).result;
      const c = compareSnapshots(ours, r.result);
      process.stdout.write(`[line forms] ${name}: ${describeComparison(c)}\n`);
      expect(c.mismatches).toEqual([]);
    });
  });

  it.skipIf(!available)(
    "a spacing line computes with the earth model the previous geometry or spacing line left active (OpenDSS ActiveEarthModel), unless it sets rho ≠ 100",
    () => {
      const p = join(dir, "active-earth.dss");
      const spacing = "New LineSpacing.s4 nconds=4 nphases=3 units=ft x=[-4 -1.5 3 0] h=[28 28 28 24]";
      writeFileSync(
        p,
        deck(
          [
            WIRES,
            GEOMETRY,
            "~ reduce=yes",
            spacing,
            "Set EarthModel=Carson",
            // first spacing line: computed with Deri (active at start), not Carson
            "New Line.a bus1=src bus2=b2 spacing=s4 wires=[acsr336 acsr336 acsr336 acsr4/0] length=2 units=km",
            // a geometry line makes its own model (FullCarson) active
            "New Line.b bus1=b2 bus2=b3 geometry=g4 length=1 units=km EarthModel=FullCarson",
            // so this Carson spacing line computes with FullCarson; the next one sets rho and uses Carson
            "New Line.c bus1=b3 bus2=b4 spacing=s4 wires=[acsr336 acsr336 acsr336 acsr4/0] length=1 units=km",
            "New Line.d bus1=b4 bus2=b5 spacing=s4 wires=[acsr336 acsr336 acsr336 acsr4/0] length=1 units=km rho=120",
            "New Load.e bus1=b5 phases=3 kV=12.47 kW=500 kvar=100",
          ].join("\n"),
        ),
      );
      // a fresh oracle process starts with Deri active, as a fresh engine here
      const [r] = runOracle(oracle!, [{ deck: p, commands }]);
      expect(r!.errors).toEqual([]);
      const ours = runDeck({ deck: p, commands }).result;
      const c = compareSnapshots(ours, r!.result);
      // (computing each line with its own model instead is off by about 1e-4 pu here)
      expect(c.mismatches).toEqual([]);
    },
  );

  it("errors name the object and the missing piece", () => {
    const p = join(dir, "bad.dss");
    writeFileSync(
      p,
      deck([WIRES, "New Line.l1 bus1=src bus2=b2 wires=[acsr336 acsr336 acsr336]"].join("\n")),
    );
    expect(thrown(() => runDeck({ deck: p })).message).toMatch(
      /bad\.dss:\d+: .*Line\.l1.*set spacing= before wires=/,
    );
    writeFileSync(p, deck([WIRES, "New LineGeometry.g nconds=2 nphases=2", "~ cond=3"].join("\n")));
    expect(thrown(() => runDeck({ deck: p })).message).toMatch(/cond=3 is outside 1\.\.2/);
    writeFileSync(p, deck([WIRES, "New Line.l1 bus1=src bus2=b2 geometry=nowhere"].join("\n")));
    expect(thrown(() => runDeck({ deck: p })).message).toMatch(/LineGeometry 'nowhere' is not defined/);
  });
});
