/**
 * What the optimizer cannot represent is a one-line error naming the deck's file, line and element: a mesh, a
 * second source, an unknown class, a load on a bus nothing reaches, a load shape shorter than the horizon, a
 * voltage-controlled generator, a three-winding transformer, a load without a shape when no profile is given.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { caseFromFeeder } from "../../../models/case.ts";
import { InputError } from "../../../models/errors.ts";
import { buildStudy } from "../../../models/scenario.ts";
import { importDss } from "../../../validation/dss-import/import.ts";

const dir = mkdtempSync(join(tmpdir(), "mpopf-bad-decks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MASTER = [
  "Clear",
  "New Circuit.bad phases=1 bus1=a.1 basekv=2.4 pu=1.0 R1=0 X1=1e-8 R0=0 X0=1e-8",
  "New LoadShape.day npts=24 interval=1 mult=(0.5 0.5 0.5 0.5 0.5 0.6 0.7 0.8 0.9 1 1 1 1 1 1 1 1 1 0.9 0.8 0.7 0.6 0.5 0.5)",
  "Redirect Lines.dss",
  "Redirect Loads.dss",
  "Set VoltageBases=[4.157]",
  "CalcVoltageBases",
];
const LINES = [
  "! three lines in a chain",
  "New Line.l1 phases=1 bus1=a.1 bus2=b.1 r1=0.1 x1=0.1 C1=0 C0=0 length=1 units=none",
  "New Line.l2 phases=1 bus1=b.1 bus2=c.1 r1=0.1 x1=0.1 C1=0 C0=0 length=1 units=none",
];
const LOADS = ["New Load.ld phases=1 bus1=c.1 kV=2.4 kW=100 kvar=30 model=1 daily=day"];

/** Write a deck (master, lines, loads with edits) into its own folder; returns the master's path. */
function deck(name: string, edit: { master?: string[]; lines?: string[]; loads?: string[] }): string {
  const d = join(dir, name);
  mkdirSync(d);
  writeFileSync(join(d, "Master.dss"), `${(edit.master ?? MASTER).join("\n")}\n`);
  writeFileSync(join(d, "Lines.dss"), `${(edit.lines ?? LINES).join("\n")}\n`);
  writeFileSync(join(d, "Loads.dss"), `${(edit.loads ?? LOADS).join("\n")}\n`);
  return join(d, "Master.dss");
}

/** The error of an import (and, when it passes, of the study at T = 24), checked to be one line. */
function errorOf(master: string): InputError {
  try {
    const imp = importDss(master);
    buildStudy(caseFromFeeder(imp.feeder, { defaults: imp.defaults }), { horizon: 24 });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).not.toMatch(/\n/);
    return e as InputError;
  }
  throw new Error("expected an error");
}

describe("bad decks: one-line errors with file, line and element", () => {
  it("the good deck imports; a LoadShape of the deck named as the price", () => {
    const imp = importDss(deck("good", {}), { price: { profile: "day", name: "tariff" } });
    expect(imp.feeder.phaseModel).toBe("per-phase");
    expect(imp.feeder.buses.map((b) => b.id)).toEqual(["a", "b", "c"]);
    expect(imp.feeder.loads[0]).toMatchObject({ id: "ld", bus: "c", kw: 100, kvar: 30, profile: "day" });
    expect(imp.feeder.lines.map((l) => [l.from, l.to, l.rOhm, l.xOhm])).toEqual([
      ["a", "b", 0.1, 0.1],
      ["b", "c", 0.1, 0.1],
    ]);
    expect(imp.feeder.prices.tariff).toMatchObject({ rule: "series", profile: "day" });
    expect(imp.defaults).toMatchObject({ price: "tariff", objective: "cost", horizon: 24 });
    const st = buildStudy(caseFromFeeder(imp.feeder, { defaults: imp.defaults }), { horizon: 24 });
    expect(st.horizon).toMatchObject({ T: 24, dtH: 1, startIndex: 0 });
  });

  it("a mesh: the line that closes the loop", () => {
    const e = errorOf(
      deck("mesh", { lines: [...LINES, "New Line.l3 phases=1 bus1=c.1 bus2=a.1 r1=0.1 x1=0.1"] }),
    );
    expect(e.code).toBe("cycle");
    // the breadth-first search from the source meets the loop at one of its three lines
    expect(e.message).toMatch(/Lines\.dss:[234]: branch l[123] \([abc]→[abc]\): branch closes a loop/);
  });

  it("a second source", () => {
    const e = errorOf(
      deck("two-sources", { lines: [...LINES, "New Vsource.other phases=1 bus1=c.1 basekv=2.4 pu=1"] }),
    );
    expect(e.message).toMatch(/Lines\.dss:4: Vsource\.other: a second voltage source/);
  });

  it("an unknown class", () => {
    const e = errorOf(deck("unknown-class", { lines: [...LINES, "New Gizmo.g1 bus1=b"] }));
    expect(e.message).toMatch(/Lines\.dss:4: Gizmo\.g1: unknown class 'Gizmo'/);
  });

  it("a load on a bus that nothing reaches (a misspelt bus)", () => {
    const e = errorOf(
      deck("missing-bus", { loads: [...LOADS, "New Load.lost phases=1 bus1=cc.1 kV=2.4 kW=5"] }),
    );
    expect(e.code).toBe("disconnected");
    expect(e.message).toMatch(/Loads\.dss:2: Load\.lost: field 'bus1': bus 'cc' has no path to the source/);
  });

  it("a load shape shorter than the horizon", () => {
    const master = [...MASTER];
    master[2] = "New LoadShape.day npts=12 interval=1 mult=(0.5 0.5 0.5 0.5 0.5 0.6 0.7 0.8 0.9 1 1 1)";
    const e = errorOf(deck("short-shape", { master }));
    expect(e.code).toBe("bad-horizon");
    expect(e.message).toMatch(
      /Master\.dss:3: LoadShape\.day: field 'npts': horizon must be an integer in 1\.\.12 .*\(got 24\)/,
    );
  });

  it("a voltage-controlled generator", () => {
    const e = errorOf(
      deck("pv-bus", { loads: [...LOADS, "New Generator.g phases=1 bus1=b.1 kV=2.4 kW=50 model=3"] }),
    );
    // refused by the engine while compiling (it models generators 1, 2, 4, 5: not a PV bus)
    expect(e.message).toMatch(/Loads\.dss:2: Generator\.g: .*generator model 3 is not supported/);
  });

  it("a load with no shape and no profile given", () => {
    const e = errorOf(deck("no-shape", { loads: ["New Load.ld phases=1 bus1=c.1 kV=2.4 kW=100 kvar=30"] }));
    expect(e.message).toMatch(
      /Loads\.dss:1: Load\.ld: field 'daily': the load has no daily or yearly shape: give --profiles/,
    );
  });

  it("a three-winding transformer", () => {
    const e = errorOf(
      deck("three-winding", {
        lines: [
          ...LINES,
          "New Transformer.t3 phases=1 windings=3 buses=[c.1 d.1 e.1] kVs=[2.4 0.24 0.24] kVAs=[50 25 25]",
        ],
      }),
    );
    expect(e.message).toMatch(/Lines\.dss:4: Transformer\.t3: field 'windings': a 3-winding transformer/);
  });
});
