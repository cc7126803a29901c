/**
 * The engineering data model on the second example case (models/two-zone): two voltage zones joined by a
 * transformer with a fixed tap, several loads on one bus with different profiles, explicit PV and battery rows,
 * a 15-minute load profile beside an hourly one (T = 96), an open switch; the transform into per unit; and every
 * new table's bad input named by file, line, element and field.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCase } from "../../models/case.ts";
import { buildScenario, buildStudy } from "../../models/scenario.ts";
import { resample } from "../../models/transform.ts";
import { batteryRatings } from "../../models/units.ts";
import { inputErrorOf } from "../helpers/errors.ts";

const SRC = join(import.meta.dirname, "../../models/two-zone");
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A copy of the two-zone case with files edited. */
function mutated(edits: Record<string, (text: string) => string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mpopf-two-zone-"));
  made.push(dir);
  cpSync(SRC, dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const p = join(dir, file);
    writeFileSync(p, edit(readFileSync(p, "utf8")));
  }
  return dir;
}
const replaceRow = (start: string, row: string) => (t: string) =>
  t
    .split("\n")
    .map((l) => (l.startsWith(start) ? row : l))
    .join("\n");

const c = loadCase("two-zone");

describe("two zones, a transformer and per-load profiles", () => {
  it("derives the zones from the source and the transformer, and the transformer's per-unit impedance", () => {
    const n = c.network;
    expect(n.zones).toHaveLength(2);
    expect(n.zones[0]!.vBaseKvLn).toBeCloseTo(12.47 / Math.sqrt(3), 12);
    expect(n.zones[1]!.vBaseKvLn).toBeCloseTo(4.16 / Math.sqrt(3), 12);
    for (const id of ["src", "h1", "h4", "h5"]) expect(n.buses[n.busIndex[id]!]!.zone).toBe(0);
    for (const id of ["l1", "l3", "l8"]) expect(n.buses[n.busIndex[id]!]!.zone).toBe(1);
    const t1 = n.branches[n.branchIndex.T1!]!;
    expect(t1).toMatchObject({ kind: "transformer", tap: 1.025, bPu: 0 });
    // 0.8 % / 5.5 % on 2500 kVA → on the 1000 kVA system base.
    expect(t1.rPu).toBeCloseTo(0.008 * (1000 / 2500), 14);
    expect(t1.xPu).toBeCloseTo(0.055 * (1000 / 2500), 14);
    // A 4.16 kV line in ohms is per unit on the LV zone's base; the open tie switch is not a branch.
    const l1 = n.branches[n.branchIndex.L1!]!;
    expect(l1.rPu).toBeCloseTo(0.06 / n.zones[1]!.zBaseOhm, 14);
    expect(n.branchIndex.SW1).toBeUndefined();
    expect(n.branches).toHaveLength(13);
  });

  it("keeps two loads on one bus with their own profiles, and resamples to 15 minutes (T = 96)", () => {
    const s = buildScenario(c, {});
    expect(s.T).toBe(96);
    expect(s.dtH).toBe(0.25);
    const l3 = s.loads.filter((l) => s.network.buses[l.bus]!.id === "l3");
    expect(l3.map((l) => [l.id, l.profile])).toEqual([
      ["LR3", "residential"],
      ["LC3", "commercial"],
    ]);
    expect(Array.from(l3[0]!.mult)).toEqual(Array.from(c.feeder.profiles.residential!.values));
    expect(l3[0]!.mult).not.toEqual(l3[1]!.mult);
    // The hourly irradiance is held over the four 15-minute periods of each hour.
    const pv = s.pvs.find((p) => p.id === "PV5")!;
    const irr = c.feeder.profiles.irradiance!.values;
    for (let t = 0; t < 96; t++) expect(pv.pAvailPu[t]).toBeCloseTo(0.3 * irr[Math.floor(t / 4)]!, 14);
    expect(Array.from(s.priceUsdPerKwh.slice(40, 44))).toEqual(
      Array(4).fill(c.feeder.profiles.price_usd_per_kwh!.values[10]),
    );
    // The batteries are the case's rows with their own ratings (no placement rule).
    expect(s.batteries.map((b) => [b.id, batteryRatings(s, b).kw, batteryRatings(s, b).kwh])).toEqual([
      ["BESS-L3", 250, 1000],
      ["BESS-H2", 150, 450],
    ]);
    expect(s.batteries[0]!.throughputCostUsdPerKwh).toBe(0.002);
    // ZIP fractions and models come through; the capacitor on the HV zone is rated at 12.47 kV.
    expect(s.loads.find((l) => l.id === "LC3")!.model).toEqual({ p: [0.3, 0.3, 0.4], q: [0.5, 0.2, 0.3] });
    expect(s.capacitors.find((cp) => cp.id === "C3")!.qPu).toBeCloseTo(0.3, 14);
  });

  it("resamples: hourly to 15 min holds, 15 min to hourly averages, a step that does not fit is refused", () => {
    const p = c.feeder.profiles.residential!;
    const hourly = resample(p, { T: 24, dtH: 1, startIndex: 0, points: 24 });
    expect(hourly[3]).toBeCloseTo((p.values[12]! + p.values[13]! + p.values[14]! + p.values[15]!) / 4, 15);
    const s = buildScenario(c, { stepMinutes: 60, horizon: 24 });
    expect(s.dtH).toBe(1);
    expect(s.loads[0]!.mult[5]).toBeCloseTo(
      c.feeder.profiles[s.loads[0]!.profile]!.values.slice(20, 24).reduce((a, b) => a + b, 0) / 4,
      15,
    );
    const e = inputErrorOf(() => buildStudy(c, { stepMinutes: 25 }));
    expect(e.message).toMatch(
      /profile 'residential' has a step of 15 min, which does not divide or repeat into periods of 25 min/,
    );
    expect(inputErrorOf(() => buildStudy(c, { horizon: 97 })).message).toMatch(
      /horizon must be an integer in 1\.\.96/,
    );
  });

  it("--der rule and both: the placement rule adds rows beside (or instead of) the case's", () => {
    const rule = buildStudy(c, { der: "rule", pvPercent: 50, battPercent: 0 });
    expect(rule.feeder.batteries).toHaveLength(0);
    expect(rule.feeder.pvs.every((p) => p.id.startsWith("PV"))).toBe(true);
    const both = buildStudy(c, { pvPercent: 25, battPercent: 25 });
    expect(both.der.source).toBe("both");
    expect(both.feeder.batteries.map((b) => b.id).slice(0, 2)).toEqual(["BESS-L3", "BESS-H2"]);
    expect(both.feeder.batteries.length).toBeGreaterThan(2);
  });
});

describe("bad rows of the new tables name file, line, element and field", () => {
  const cases: Array<[string, Record<string, (t: string) => string>, RegExp]> = [
    [
      "a transformer on a missing bus",
      { "transformers.csv": replaceRow("T1,", "T1,h4,l99,2500,12.47,4.16,0.8,5.5,1.025") },
      /transformers\.csv:3: transformer T1 \(h4→l99\): field 'to_bus': bus 'l99' is not defined in the bus table/,
    ],
    [
      "a transformer tap out of range",
      { "transformers.csv": replaceRow("T1,", "T1,h4,l1,2500,12.47,4.16,0.8,5.5,3") },
      /transformers\.csv:3: transformer T1 \(h4→l1\): field 'tap': must be at most 1\.5 pu/,
    ],
    [
      "a bus whose nominal kV does not fit its zone",
      { "buses.csv": replaceRow("l5,", "l5,12.47,6,-1") },
      /buses\.csv:\d+: bus l5: field 'kv_nominal': nominal 12\.47 kV does not match its voltage zone's base 4\.1600 kV/,
    ],
    [
      "a load on a missing bus",
      { "loads.csv": replaceRow("LR5,", "LR5,nowhere,200,70,pq,,,,,,,residential") },
      /loads\.csv:\d+: load LR5: field 'bus': bus 'nowhere' is not a bus of the network/,
    ],
    [
      "ZIP fractions that do not sum to 1",
      { "loads.csv": replaceRow("LC3,", "LC3,l3,220,110,zip,0.3,0.3,0.3,0.5,0.2,0.3,commercial") },
      /loads\.csv:\d+: load LC3: field 'z_p': ZIP fractions must sum to 1/,
    ],
    [
      "an unknown load model",
      { "loads.csv": replaceRow("LR4,", "LR4,l4,180,60,zz,,,,,,,residential") },
      /loads\.csv:\d+: load LR4: field 'model'/,
    ],
    [
      "a load naming a missing profile",
      { "loads.csv": replaceRow("LR4,", "LR4,l4,180,60,z,,,,,,,industrial") },
      /loads\.csv:\d+: load LR4: field 'profile': profile 'industrial' is not a column of the profile file\(s\)/,
    ],
    [
      "a battery whose initial SOC is below its minimum",
      { "batteries.csv": replaceRow("BESS-H2,", "BESS-H2,h2,150,450,180,0.94,0.94,0.2,0.9,0.1,") },
      /batteries\.csv:\d+: battery BESS-H2: field 'soc0': SOCs must satisfy soc_min <= soc0 <= soc_max/,
    ],
    [
      "a battery efficiency of 2",
      { "batteries.csv": replaceRow("BESS-H2,", "BESS-H2,h2,150,450,180,2,0.94,0.2,0.9,0.5,") },
      /batteries\.csv:\d+: battery BESS-H2: field 'eta_charge'/,
    ],
    [
      "a PV with a negative Pmpp",
      { "pvs.csv": replaceRow("PV4,", "PV4,l4,-200,220,irradiance") },
      /pvs\.csv:\d+: pv PV4: field 'pmpp_kw'/,
    ],
    [
      "two capacitors with one id",
      { "capacitors.csv": replaceRow("C6,", "C3,l6,150,4.16") },
      /capacitors\.csv:\d+: capacitor C3: field 'capacitor': capacitor id 'C3' is used twice/,
    ],
    [
      "a profile file with a bad cell",
      { "profiles-15min.csv": replaceRow("10,", "10,abc,0.5") },
      /profiles-15min\.csv:\d+: point 10: field 'residential': expected a finite number/,
    ],
    [
      "a switch state that is neither yes nor no",
      { "branches.csv": replaceRow("SW1,", "SW1,l6,l8,0.01,0.01,0,200,maybe") },
      /branches\.csv:\d+: branch SW1 \(l6→l8\): field 'closed': expected yes\/no/,
    ],
    [
      "closing the tie switch makes a loop",
      { "branches.csv": replaceRow("SW1,", "SW1,l6,l8,0.01,0.01,0,200,yes") },
      /branches\.csv:\d+: branch \w+ \(\w+→\w+\): branch closes a loop/,
    ],
    [
      "a profile file given without its step",
      {
        "case.json": (t) =>
          t.replace('{ "file": "profiles-1h.csv", "stepHours": 1 }', '{ "file": "profiles-1h.csv" }'),
      },
      /case\.json: case: field 'files\.profiles\[1\]': give exactly one of stepHours and stepMinutes/,
    ],
  ];
  for (const [name, edits, msg] of cases) {
    it(name, () => {
      expect(inputErrorOf(() => loadCase(mutated(edits))).message).toMatch(msg);
    });
  }
});
