/**
 * The model-consistent replay of a three-phase (total power) network is a balanced 3-phase deck (phases=3
 * elements, kV line-to-line, powers three-phase totals) that reproduces the optimizer's physics to ≤ 1e-7 pu:
 * the two-zone case turned into its three-phase twin (every power × 3, the same ohms), solved at T = 24.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { caseFromFeeder, loadCase } from "../../../models/case.ts";
import type { Feeder } from "../../../models/feeder.ts";
import { buildScenario } from "../../../models/scenario.ts";
import { createIpoptSolver } from "../../../solvers/ipopt/index.ts";
import { solveMpopf } from "../../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../../solvers/nlp/types.ts";
import { defaultEngineAvailable } from "../../../validation/replay/engine.ts";
import { metricMaxima } from "../../../validation/replay/metrics.ts";
import { replayDispatch } from "../../../validation/replay/replay.ts";

const engine = await defaultEngineAvailable();
if (!engine.available)
  process.stderr.write(`\n*** SKIPPING three-phase replay test: ${engine.reason} ***\n\n`);

const base = loadCase("two-zone");
const f3: Feeder = {
  ...base.feeder,
  phaseModel: "three-phase",
  transformers: base.feeder.transformers.map((t) => ({ ...t, kva: 3 * t.kva })),
  loads: base.feeder.loads.map((l) => ({ ...l, kw: 3 * l.kw, kvar: 3 * l.kvar })),
  capacitors: base.feeder.capacitors.map((c) => ({ ...c, kvar: 3 * c.kvar })),
  pvs: base.feeder.pvs.map((p) => ({ ...p, pmppKw: 3 * p.pmppKw, kva: 3 * p.kva })),
  batteries: base.feeder.batteries.map((b) => ({ ...b, kw: 3 * b.kw, kwh: 3 * b.kwh, kva: 3 * b.kva })),
};
const c3 = caseFromFeeder(f3);
const spec = { ...c3.spec, defaults: base.spec.defaults, prices: base.spec.prices };

let solver: NlpSolver;
beforeAll(async () => {
  solver = await createIpoptSolver();
});

describe.skipIf(!engine.available)("three-phase (total power) network: balanced 3-phase replay deck", () => {
  it("solves the three-phase twin and replays it to ≤ 1e-7 pu in a phases=3 deck", async () => {
    const sc = buildScenario({ ...c3, spec }, { stepMinutes: 60, horizon: 24 });
    const sol = solveMpopf({ scenario: sc }, solver);
    expect(sol.valid, sol.summary.message).toBe(true);
    // The same per-unit problem as the per-phase case on a third of the base: three times the cost.
    const sc1 = buildScenario(base, { stepMinutes: 60, horizon: 24 });
    const sol1 = solveMpopf({ scenario: sc1 }, solver);
    expect(sol.summary.costUsd / sol1.summary.costUsd).toBeCloseTo(3, 6);
    const r = await replayDispatch(c3.network, sc, sol.tables, "model-consistent");
    const mx = new Map(metricMaxima(r.comparison).map((m) => [m.metric, m]));
    expect(r.comparison.hours.every((h) => h.status === "converged")).toBe(true);
    expect(Math.abs(mx.get("voltagePu")!.diff)).toBeLessThan(1e-7);
    expect(Math.abs(mx.get("pSubsKw")!.diff)).toBeLessThan(3e-3);
    expect(Math.abs(mx.get("qSubsKvar")!.diff)).toBeLessThan(3e-3);
    const master = r.deck.files.find((f) => f.name === "Master.dss")!.text;
    expect(master).toMatch(/New Circuit\.\S+ phases=3 bus1=\S+\.1\.2\.3 basekv=12\.47 /);
    const lines = r.deck.files.find((f) => f.name === "Lines.dss")!.text;
    expect(lines).toMatch(/New Transformer\.T1 phases=3 windings=2 .* kVs=\[12\.47 4\.16\]/);
    expect(lines).not.toMatch(/phases=1/);
    const loads = r.deck.files.find((f) => f.name === "Loads.dss")!.text;
    expect(loads).toMatch(/New Load\.\S+ bus1=\S+\.1\.2\.3 phases=3 model=1 kV=4\.16 /);
  }, 240_000);
});
