/**
 * K copies of IEEE-123 hung off one substation bus (models/build.ts copiesOf): the large-feeder check of the
 * issue "Large feeders end to end" — the MPCOPF solves and its model-consistent replay passes every default
 * threshold (K = 4 here; K = 20 runs in the bench).
 */
import { describe, expect, it } from "vitest";
import { copiesOf } from "../../../models/build.ts";
import { caseFromFeeder, loadCase } from "../../../models/case.ts";
import { buildScenario } from "../../../models/scenario.ts";
import { createIpoptSolver } from "../../../solvers/ipopt/index.ts";
import { solveMpopf } from "../../../solvers/mpopf/solve.ts";
import { defaultEngineAvailable } from "../../../validation/replay/engine.ts";
import { replayDispatch } from "../../../validation/replay/replay.ts";
import { checkThresholds } from "../../../validation/replay/thresholds.ts";

const engine = await defaultEngineAvailable();
if (!engine.available) process.stderr.write(`\n*** SKIPPING K-copies replay test: ${engine.reason} ***\n\n`);

describe.skipIf(!engine.available)("four copies of IEEE-123 (513 buses), T = 24", () => {
  it("solves, and the model-consistent replay passes every default threshold", async () => {
    const base = loadCase("ieee123");
    const c = caseFromFeeder(copiesOf(base.feeder, 4), { defaults: base.spec.defaults, der: base.spec.der });
    expect(c.network.buses).toHaveLength(4 * 128 + 1);
    const sc = buildScenario(c, { horizon: 24 });
    expect(sc.batteries.length).toBeGreaterThan(90);
    const sol = solveMpopf({ scenario: sc }, await createIpoptSolver());
    expect(sol.valid, sol.summary.message).toBe(true);
    const r = await replayDispatch(c.network, sc, sol.tables, "model-consistent");
    const verdict = checkThresholds(r.comparison);
    expect(verdict.violations).toEqual([]);
    expect(verdict.ok).toBe(true);
  }, 300_000);
});
