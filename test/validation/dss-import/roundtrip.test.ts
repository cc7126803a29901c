/**
 * Single-phase decks are imported exactly (per phase): the IEEE-123 study case exported as a deck by the replay's
 * model-consistent writer and imported back gives the CSV case's optimum (objective to 1e-8 relative), and the
 * plain OpenDSS deck of the same feeder that the project did not write (../shared/reference/opendss/
 * ieee123-balanced-snapshot, no DERs, no shapes), given the CSV case's 24-hour profiles and prices, with 20 % PV
 * and 30 % batteries by the rule and capacitors as constant kvar, reproduces the CSV case's optimum (1e-6).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseFromFeeder, loadCase } from "../../../models/case.ts";
import type { Profile } from "../../../models/feeder.ts";
import { buildScenario } from "../../../models/scenario.ts";
import { createIpoptSolver } from "../../../solvers/ipopt/index.ts";
import { type MpopfSolution, solveMpopf } from "../../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../../solvers/nlp/types.ts";
import { importDss } from "../../../validation/dss-import/import.ts";
import { buildDeck } from "../../../validation/replay/deck.ts";
import { dispatchFromTables } from "../../../validation/replay/dispatch.ts";
import { metricMaxima } from "../../../validation/replay/metrics.ts";
import { replayOriginalDeck } from "../../../validation/replay/original-deck.ts";
import { referenceDir } from "../../helpers/reference.ts";

const ref = referenceDir("opendss/ieee123-balanced-snapshot");
const csv = loadCase("ieee123");
const tmp = mkdtempSync(join(tmpdir(), "mpopf-dss-roundtrip-"));
let solver: NlpSolver;
let base: MpopfSolution;
const sc = buildScenario(csv, { horizon: 24 });
beforeAll(async () => {
  solver = await createIpoptSolver();
  base = solveMpopf({ scenario: sc }, solver);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const series = (name: string, v: ArrayLike<number>): Profile => ({
  name,
  stepHours: 1,
  values: Float64Array.from(v),
});
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe("single-phase decks import exactly (per phase)", () => {
  it("the IEEE-123 case exported by the model-consistent writer and imported back: the same optimum (1e-8)", async () => {
    expect(base.valid, base.summary.message).toBe(true);
    const deck = buildDeck(csv.network, sc, dispatchFromTables(sc, base.tables), {
      flavour: "model-consistent",
      capacitorModel: "capacitor",
    });
    for (const f of deck.files) writeFileSync(join(tmp, f.name), f.text);
    // The deck's loads carry the horizon's shape; its PVs have no shape (the writer edits Pmpp every hour), so
    // the irradiance comes with the prices from outside, as a user gives them on the command line.
    const imp = importDss(join(tmp, "Master.dss"), {
      profiles: { pv: series("pv", sc.pvMult), price: series("price", sc.priceUsdPerKwh) },
      pvProfile: "pv",
      price: { profile: "price" },
      storageSocMax: sc.batteries[0]!.socMax,
    });
    const f = imp.feeder;
    expect(f.phaseModel).toBe("per-phase");
    // exact: the only note is that OpenDSS's load voltage bands (here 0.5–1.5 pu) are not in the optimizer
    expect(f.approximations).toHaveLength(1);
    expect(f.approximations![0]).toMatch(/^load voltage bands .* the narrowest here 0\.5–1\.5 pu/);
    expect(f.buses.map((b) => b.id)).toEqual(csv.feeder.buses.map((b) => b.id).concat([]));
    expect([f.lines.length, f.loads.length, f.capacitors.length, f.pvs.length, f.batteries.length]).toEqual([
      127, 85, 4, 17, 26,
    ]);
    const c = caseFromFeeder(f, { defaults: imp.defaults });
    const sc2 = buildScenario(c, { horizon: 24, der: "case" });
    const sol = solveMpopf({ scenario: sc2 }, solver);
    expect(sol.valid, sol.summary.message).toBe(true);
    process.stderr.write(
      `[dss round trip] objective ${base.summary.objective} vs ${sol.summary.objective} (rel ${rel(sol.summary.objective, base.summary.objective).toExponential(2)})\n`,
    );
    expect(rel(sol.summary.objective, base.summary.objective)).toBeLessThan(1e-8);
    expect(rel(sol.summary.costUsd, base.summary.costUsd)).toBeLessThan(1e-8);

    // Replayed in that deck (its own PVSystem and Storage elements edited every hour, its loads on the horizon's
    // shapes): with capacitors as the deck has them (kvar·V²) the optimizer's physics is the deck's, so the
    // original-deck replay agrees like a model-consistent one.
    const scV = buildScenario(c, { horizon: 24, der: "case", formulation: { capacitors: "voltage" } });
    const solV = solveMpopf({ scenario: scV }, solver);
    expect(solV.valid, solV.summary.message).toBe(true);
    const od = await replayOriginalDeck(c.network, scV, solV.tables, imp.deck);
    expect(od.deck.elements.pvs.map((e) => e.fullName)).toEqual(scV.pvs.map((u) => `PVSystem.${u.id}`));
    expect(od.deck.elements.batteries.map((e) => e.fullName)).toEqual(
      scV.batteries.map((u) => `Storage.${u.id}`),
    );
    const mx = new Map(metricMaxima(od.comparison).map((m) => [m.metric, m]));
    process.stderr.write(
      `[dss round trip, original deck] max |ΔV| ${Math.abs(mx.get("voltagePu")!.diff).toExponential(2)} pu, ΔP_subs ${mx.get("pSubsKw")!.diff.toExponential(2)} kW, ΔSOC ${mx.get("socKwh")!.diff.toExponential(2)} kWh\n`,
    );
    expect(od.comparison.hours.every((h) => h.status === "converged")).toBe(true);
    expect(Math.abs(mx.get("voltagePu")!.diff)).toBeLessThan(1e-7);
    expect(Math.abs(mx.get("pSubsKw")!.diff)).toBeLessThan(1e-3);
    expect(Math.abs(mx.get("socKwh")!.diff)).toBeLessThan(1e-3);
    expect(od.comparison.findings.filter((x) => x.severity === "error")).toEqual([]);
    // A single-phase deck has no unbalance: every bus has one phase.
    expect(od.phases.nodes.every((n) => n.length <= 1)).toBe(true);
  }, 240_000);

  it.skipIf(!ref.available)(
    "the plain IEEE-123 balanced deck with 24-h profiles and prices, 20 % PV / 30 % batteries by the rule: the CSV case's optimum (1e-6)",
    () => {
      const p = csv.feeder.profiles;
      const imp = importDss(join(ref.dir, "Master.dss"), {
        profiles: { load: p.load_mult!, pv: p.pv_mult!, lmp: p.lmp16avg_usd_per_kwh! },
        loadProfile: "load",
        pvProfile: "pv",
        price: { profile: "lmp", name: "lmp-onoff", rule: "on-off-peak", peakShare: 0.4 },
      });
      expect(imp.feeder.phaseModel).toBe("per-phase");
      const c = caseFromFeeder(imp.feeder, { defaults: imp.defaults });
      const sc2 = buildScenario(c, { horizon: 24, pvPercent: 20, battPercent: 30, der: "rule" });
      expect([sc2.pvs.length, sc2.batteries.length]).toEqual([17, 26]);
      expect(sc2.pvs.map((u) => sc2.network.buses[u.bus]!.id)).toEqual(
        sc.pvs.map((u) => sc.network.buses[u.bus]!.id),
      );
      const sol = solveMpopf({ scenario: sc2 }, solver);
      expect(sol.valid, sol.summary.message).toBe(true);
      process.stderr.write(
        `[dss ieee123 snapshot deck] objective ${base.summary.objective} vs ${sol.summary.objective} (rel ${rel(sol.summary.objective, base.summary.objective).toExponential(2)})\n`,
      );
      expect(rel(sol.summary.objective, base.summary.objective)).toBeLessThan(1e-6);
      // What is left is the deck's rounded voltage base (basekv = 2.4018 kV vs the case's 4.16/√3 = 2.401777 kV):
      // on the case's base the two are the same problem.
      const onCaseBase = caseFromFeeder(
        { ...imp.feeder, source: { ...imp.feeder.source, kvBaseLn: 4.16 / Math.sqrt(3) } },
        { defaults: imp.defaults },
      );
      const sol2 = solveMpopf(
        { scenario: buildScenario(onCaseBase, { horizon: 24, pvPercent: 20, battPercent: 30, der: "rule" }) },
        solver,
      );
      expect(rel(sol2.summary.objective, base.summary.objective)).toBeLessThan(1e-9);
    },
    240_000,
  );
});
