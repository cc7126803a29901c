/**
 * Load voltage bands and battery limits in the engine, on a small weak feeder (7 buses, impedances ×6 so the
 * far buses sag below 0.95 pu):
 * - paper-style (OpenDSS default Vminpu 0.95): every load-hour below the band is reported, the load is then
 *   constant Z in OpenDSS so the demand drops, and the thresholds' load-model count sees it;
 * - model-consistent (Vminpu 0.5): the loads stay constant PQ, nothing is reported, demand is exact;
 * - a battery asked to charge past full is clamped by the engine and reported with its cause.
 * The "optimizer" side here is synthetic (zero PV, the listed battery plan); only the findings are checked.
 */
import { table } from "arquero";
import { describe, expect, it } from "vitest";
import { buildFeeder, scenarioFromSeries } from "../../../models/build.ts";
import type { Scenario } from "../../../models/types.ts";
import { batteryRatings } from "../../../models/units.ts";
import type { MpopfTables } from "../../../solvers/mpopf/decode.ts";
import { defaultEngineAvailable } from "../../../validation/replay/engine.ts";
import { metricEntries } from "../../../validation/replay/metrics.ts";
import { replayDispatch } from "../../../validation/replay/replay.ts";
import { checkThresholds } from "../../../validation/replay/thresholds.ts";
import { battery, defaultOptions, pv, smallSpec } from "../../solvers/mpopf/fixtures.ts";

const engine = await defaultEngineAvailable();
if (!engine.available) process.stderr.write(`\n*** SKIPPING replay band tests: ${engine.reason} ***\n\n`);

function weakScenario(T: number): Scenario {
  const spec = smallSpec({ name: "weak7", vSubsPu: 1.0 });
  const feeder = buildFeeder({
    ...spec,
    branches: spec.branches.map((b) => ({ ...b, iMaxA: undefined, rOhm: 6 * b.rOhm, xOhm: 6 * b.xOhm })),
    pvs: [pv("6", 20)],
    batteries: [battery("7", 10, 0.9)],
  });
  return scenarioFromSeries(feeder, {
    name: "weak7",
    T,
    loadMult: Array.from({ length: T }, () => 1),
    pvMult: new Float64Array(T),
    priceUsdPerKwh: Array.from({ length: T }, () => 0.1),
    objective: { kind: "cost", alphaScd: 0, weight: 1 },
    options: defaultOptions(),
  });
}

/** Synthetic tables: no PV output, the battery charging at its rating every hour (its SOC as the plan says). */
function tables(sc: Scenario): MpopfTables {
  const T = sc.T;
  const unit = sc.batteries[0]!;
  const b = { ...unit, ...batteryRatings(sc, unit), pRatedKw: batteryRatings(sc, unit).kw };
  const ts = Array.from({ length: T }, (_, i) => i + 1);
  const soc = ts.map((t) => b.b0Kwh + t * b.etaCharge * b.pRatedKw);
  return {
    periods: table({
      t: ts,
      priceUsdPerKwh: ts.map(() => 0.1),
      pSubsKw: ts.map(() => 0),
      qSubsKvar: ts.map(() => 0),
      lossKw: ts.map(() => 0),
      costUsd: ts.map(() => 0),
    }),
    pv: table({ t: ts, pv: ts.map(() => sc.pvs[0]!.id), pKw: ts.map(() => 0), qKvar: ts.map(() => 0) }),
    batteries: table({
      t: ts,
      battery: ts.map(() => b.id),
      pcKw: ts.map(() => b.pRatedKw),
      pdKw: ts.map(() => 0),
      pNetKw: ts.map(() => -b.pRatedKw),
      qKvar: ts.map(() => 0),
      socKwh: soc,
    }),
    buses: table({
      t: ts.flatMap((t) => sc.network.buses.map(() => t)),
      bus: ts.flatMap(() => sc.network.buses.map((x) => x.id)),
      vPu: ts.flatMap(() => sc.network.buses.map(() => 1)),
    }),
    branches: table({}),
  };
}

describe.skipIf(!engine.available)("voltage bands and battery limits in the engine", () => {
  const sc = weakScenario(2);

  it("paper-style: loads below OpenDSS's 0.95 pu are reported per hour and element, and the demand drops", async () => {
    const r = await replayDispatch(sc.network, sc, tables(sc), "paper-style");
    const c = r.comparison;
    const vmin = Math.min(...c.powerFlow.vPu[0]!);
    expect(vmin).toBeLessThan(0.95);
    const loaded = new Set(sc.loads.filter((l) => l.pRatedPu > 0).map((l) => l.bus));
    const low = sc.network.buses
      .filter((_b, j) => loaded.has(j) && c.powerFlow.vPu[0]![j]! <= 0.95)
      .map((b) => b.id);
    expect(low.length).toBeGreaterThan(0);
    const sw = c.findings.filter((f) => f.kind === "load-model" && f.element?.startsWith("Load."));
    expect(new Set(sw.filter((f) => f.t === 1).map((f) => f.element))).toEqual(
      new Set(low.map((b) => `Load.Load${b}`)),
    );
    expect(sw[0]!.message).toMatch(
      /outside the load's OpenDSS default band 0\.95–1\.05 pu: OpenDSS models it as constant impedance/,
    );
    expect(c.findings.some((f) => f.kind === "voltage-band" && f.severity === "warning")).toBe(true);
    // Constant Z below the band: the loads consume less than their constant-PQ demand.
    process.stderr.write(
      `[bands] paper-style: Vmin ${vmin.toFixed(4)} pu, ${sw.length} load-hours switched, Δdemand ${metricEntries(
        c,
      )
        .demandKw.map((e) => e.diff.toFixed(3))
        .join(", ")} kW\n`,
    );
    for (const e of metricEntries(c).demandKw) expect(e.diff).toBeLessThan(-0.01);
    expect(metricEntries(c).loadModelSwitches[0]!.diff).toBe(sw.length);
  });

  it("model-consistent: the same sag leaves the loads constant PQ (band 0.5–1.5): no switch, exact demand", async () => {
    const r = await replayDispatch(sc.network, sc, tables(sc), "model-consistent");
    const c = r.comparison;
    expect(Math.min(...c.powerFlow.vPu[0]!)).toBeLessThan(0.95);
    expect(c.findings.filter((f) => f.kind === "load-model")).toEqual([]);
    for (const e of metricEntries(c).demandKw) expect(Math.abs(e.diff)).toBeLessThan(1e-6);
    const v = checkThresholds(c).violations.map((x) => x.metric);
    expect(v).not.toContain("loadModelSwitches");
    expect(v).not.toContain("demandKw");
  });

  it("a battery charged past full is clamped by the engine and reported with the cause", async () => {
    const r = await replayDispatch(sc.network, sc, tables(sc), "model-consistent");
    const c = r.comparison;
    const b = { ...sc.batteries[0]!, eRatedKwh: batteryRatings(sc, sc.batteries[0]!).kwh };
    // 36 kWh + 9.5 kWh would exceed the 40 kWh rating in hour 1.
    expect(c.powerFlow.battSocKwh[0]![0]).toBeCloseTo(b.eRatedKwh, 9);
    const soc = c.findings.filter((f) => f.kind === "soc");
    expect(soc.map((f) => f.t)).toEqual([1, 2]);
    expect(soc[0]!.element).toBe(`Storage.${b.id}`);
    expect(soc[0]!.message).toMatch(/charging a full battery/);
    expect(c.findings.some((f) => f.kind === "setpoint" && /above the SOC limit/.test(f.message))).toBe(true);
  });
});
