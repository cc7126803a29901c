import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCase } from "../../models/case.ts";
import { buildScenario, windowStart } from "../../models/scenario.ts";
import { batteryRatings, pvRatings } from "../../models/units.ts";
import { referenceDir } from "../helpers/reference.ts";

const c = loadCase("ieee123");
const net = c.network;
const feeder = c.feeder;
const ids = (xs: number[]) => xs.map((b) => net.buses[b]!.id);

describe("IEEE-123 study case as data", () => {
  it("has the reference network figures", () => {
    expect(net.buses).toHaveLength(128);
    expect(net.branches).toHaveLength(127);
    const loads = feeder.loads.filter((l) => l.kw !== 0 || l.kvar !== 0);
    expect(loads).toHaveLength(85);
    const p = feeder.loads.reduce((s, l) => s + l.kw, 0);
    const q = feeder.loads.reduce((s, l) => s + l.kvar, 0);
    expect(p).toBeCloseTo(1163.197, 6);
    expect(q).toBeCloseTo(640.012, 6);
    const caps = feeder.capacitors.map((cp) => [cp.bus, cp.kvar]);
    expect(caps).toEqual([
      ["85", 200],
      ["90", 50],
      ["92", 50],
      ["94", 50],
    ]);
    expect(net.buses[net.substation]!.id).toBe("1");
    expect(net.vSubsPu).toBe(1.03);
    expect(net.zones[0]!.zBaseOhm).toBeCloseTo(5.76853, 5);
  });

  it("is a tree oriented away from the substation, with per-unit impedances", () => {
    net.branches.forEach((br, k) => {
      expect(net.parent[br.to]).toBe(br.from);
      expect(br.rPu).toBeCloseTo(feeder.lines[k]!.rOhm / net.zones[0]!.zBaseOhm, 15);
    });
    const seen = new Set<number>();
    for (const b of net.order) {
      if (b !== net.substation) expect(seen.has(net.parent[b]!)).toBe(true);
      seen.add(b);
    }
    expect(feeder.lines[net.branchIndex["2"]!]).toMatchObject({ rOhm: 0.0232, xOhm: 0.0475 });
  });

  it("places DERs by the authors' rule (20 % PV / 30 % batteries and 10 % / 15 %)", () => {
    const s = buildScenario(c, { horizon: 5, pvPercent: 20, battPercent: 30 });
    expect(ids(s.pvs.map((p) => p.bus))).toEqual(
      "3 9 18 26 35 41 48 53 61 67 73 79 87 94 101 108 116".split(" "),
    );
    expect(ids(s.batteries.map((p) => p.bus))).toEqual(
      "3 7 11 18 22 30 34 37 41 47 50 53 58 62 67 71 75 79 84 87 92 97 101 106 111 116".split(" "),
    );
    const s2 = buildScenario(c, { horizon: 5, pvPercent: 10, battPercent: 15 });
    expect(ids(s2.pvs.map((p) => p.bus))).toEqual("3 18 35 48 61 73 87 101 116".split(" "));
    expect(ids(s2.batteries.map((p) => p.bus))).toEqual("3 12 24 35 44 52 61 70 78 87 97 106 116".split(" "));
    expect(buildScenario(c, { horizon: 5, pvPercent: 0, battPercent: 0 }).pvs).toHaveLength(0);
  });

  it("rates the battery at bus 3 as in the paper (0.35·P_L, S = 1.2 P, E = 4 h, B0 = 0.625 E)", () => {
    const s = buildScenario(c, { horizon: 5 });
    const battery3 = s.batteries.find((b) => b.id === "Battery3")!;
    const r3 = batteryRatings(s, battery3);
    const b3 = { ...battery3, pRatedKw: r3.kw, sRatedKva: r3.kva, eRatedKwh: r3.kwh, b0Kwh: r3.b0Kwh };
    expect(b3.pRatedKw).toBeCloseTo(4.6655, 10);
    expect(b3.sRatedKva).toBeCloseTo(5.5986, 10);
    expect(b3.eRatedKwh).toBeCloseTo(18.662, 10);
    expect(b3.b0Kwh).toBeCloseTo(11.664, 3);
    expect(b3).toMatchObject({ etaCharge: 0.95, etaDischarge: 0.95, socMin: 0.3, socMax: 0.95 });
    const unit3 = s.pvs.find((p) => p.id === "PV3")!;
    const pv3 = { pRatedKw: pvRatings(s, unit3).pmppKw, sRatedKva: pvRatings(s, unit3).kva };
    expect(pv3.pRatedKw).toBeCloseTo(4.6655, 10);
    expect(pv3.sRatedKva).toBeCloseTo(5.5986, 10);
    expect(s.objective.alphaScd).toBe(1e-3);
  });

  it("partitions IEEE-123 into the paper's 4 areas with three boundaries", () => {
    const p = c.partitions["ieee123-4"]!;
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => String(a + k));
    const want: Record<string, string[]> = {
      "1": [...range(1, 36), "117", "118", "119", "126", "127"],
      "2": [...range(54, 68), "122", "125"],
      "3": [...range(37, 53), "120"],
      "4": [...range(69, 116), "121", "123", "124", "128"],
    };
    for (const a of p.areas) {
      expect(ids(a.buses).sort()).toEqual(want[a.id]!.sort());
    }
    expect(p.areas.map((a) => a.id)).toEqual(["1", "2", "3", "4"]);
    expect(p.boundaries.map((b) => `${p.areas[b.parentArea]!.id}→${p.areas[b.childArea]!.id}`)).toEqual([
      "1→2",
      "1→3",
      "2→4",
    ]);
    expect(p.boundaries.map((b) => `${net.buses[b.parentBus]!.id}/${net.buses[b.childBus]!.id}`)).toEqual([
      "117/54",
      "118/37",
      "125/128",
    ]);
    expect(
      c.spec.partitions["ieee123-4"]!.authorsConnectingBuses!.map((b) => `${b.parentBus}/${b.childBus}`),
    ).toEqual(["15/117", "20/118", "62/125"]);
  });

  it("takes the middle-T window of the 24-h shapes", () => {
    expect(windowStart(24, 24)).toBe(0);
    expect(windowStart(24, 5)).toBe(9);
    expect(windowStart(24, 1)).toBe(11);
    const s = buildScenario(c, { horizon: 5 });
    expect(Array.from(s.loadMult)).toEqual([0.75, 0.777, 0.787, 0.796, 0.782]);
    expect(Array.from(s.priceUsdPerKwh)).toEqual([0.04820404, 0.04820404, 0.3018066, 0.3018066, 0.04820404]);
  });
});

const ref = referenceDir("authors/derived");
describe.skipIf(!ref.available)("profiles against the authors' derived table", () => {
  it.each([1, 5, 10, 12, 24])("T = %i: load, PV, prices equal profiles_by_horizon.csv", (T) => {
    const lines = readFileSync(join(ref.dir, "profiles_by_horizon.csv"), "utf8").trim().split("\n");
    const head = lines[0]!.split(",");
    const col = (name: string) => head.indexOf(name);
    const rows = lines
      .slice(1)
      .map((l) => l.split(","))
      .filter((r) => Number(r[0]) === T);
    expect(rows).toHaveLength(T);
    const s = buildScenario(c, { horizon: T });
    const comed = buildScenario(c, { horizon: T, price: "comed-20231110" });
    const lmp = buildScenario(c, { horizon: T, price: "lmp16avg" });
    rows.forEach((r, t) => {
      expect(s.startIndex + t).toBe(Number(r[col("src_index_0to23")]));
      expect(s.loadMult[t]).toBe(Number(r[col("load_mult")]));
      expect(s.pvMult[t]).toBe(Number(r[col("pv_mult")]));
      expect(s.priceUsdPerKwh[t]).toBe(Number(r[col("price_matlab_usd_per_kWh")]));
      expect(lmp.priceUsdPerKwh[t]).toBe(Number(r[col("LMP16AVG_raw_usd_per_kWh")]));
      expect(comed.priceUsdPerKwh[t]! * 100).toBeCloseTo(Number(r[col("comed_20231110_cents_per_kWh")]), 10);
    });
  });
});

describe("a user's own feeder in the same format", () => {
  const u = loadCase(join(import.meta.dirname, "../fixtures/feeder-6bus"));
  it("loads names, orients reversed branches, derives bases and ampacities", () => {
    const n = u.network;
    expect(n.buses.map((b) => b.id)).toEqual(["sourcebus", "n1", "n2", "n3", "n4", "n5"]);
    const l2 = n.branches[n.branchIndex.L2!]!;
    expect([n.buses[l2.from]!.id, n.buses[l2.to]!.id]).toEqual(["n1", "n2"]);
    expect(n.zones[0]!.zBaseOhm).toBeCloseTo((7.2 * 7.2 * 1000) / 100, 12);
    expect(n.branches[n.branchIndex.L1!]!.iMaxA).toBe(60);
    expect(n.branches[n.branchIndex.L3!]!.iMaxA).toBeUndefined();
  });
  it("builds a scenario with explicit DER buses and its own price column", () => {
    const s = buildScenario(u, { horizon: 3 });
    expect(s.startIndex).toBe(1);
    expect(Array.from(s.loadMult)).toEqual([0.8, 1.0, 0.9]);
    expect(Array.from(s.priceUsdPerKwh)).toEqual([0.08, 0.12, 0.2]);
    expect(s.pvs.map((p) => p.id)).toEqual(["PVn3", "PVn5"]);
    expect(s.batteries).toHaveLength(1);
    expect(s.batteries[0]!.id).toBe("Batteryn4");
    expect(batteryRatings(s, s.batteries[0]!)).toMatchObject({ kw: 12.5, kwh: 25, b0Kwh: 12.5 });
    expect(s.options).toMatchObject({ vMinPu: 0.9, vMaxPu: 1.1, lineLimits: true, noBackfeed: false });
    expect(() => buildScenario(u, { horizon: 6 })).toThrow(/horizon must be an integer in 1\.\.5/);
  });
  it("derives the area tree of its partition", () => {
    const p = u.partitions.two!;
    expect(p.areas.map((a) => [a.id, u.network.buses[a.head]!.id])).toEqual([
      ["A", "sourcebus"],
      ["B", "n4"],
    ]);
  });
});
