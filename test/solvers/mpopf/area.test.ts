/**
 * The ENApp-facing API of the formulation: an area is a sub-network whose head bus has a given voltage per
 * period and whose boundary buses carry fixed extra loads (the child areas). The centralized IEEE-123
 * solution, restricted to an area with its boundary values, must satisfy the area's constraints; the
 * area problem must solve in a worker from plain data exactly as in this thread.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCase, type StudyCase } from "../../../models/case.ts";
import type { Partition } from "../../../models/partition.ts";
import { buildScenario } from "../../../models/scenario.ts";
import { subNetwork } from "../../../models/topology.ts";
import type { Scenario } from "../../../models/types.ts";
import { createIpoptSolver, createSolverPool } from "../../../solvers/ipopt/index.ts";
import { selfCheck } from "../../../solvers/mpopf/check.ts";
import { headPower } from "../../../solvers/mpopf/decode.ts";
import { varIndex } from "../../../solvers/mpopf/layout.ts";
import { buildMpopfModel } from "../../../solvers/mpopf/model.ts";
import type { MpopfInput } from "../../../solvers/mpopf/params.ts";
import { type MpopfSolution, mpopfFactoryRef, solveMpopf } from "../../../solvers/mpopf/solve.ts";
import type { NlpSolver, NlpSolverPool } from "../../../solvers/nlp/types.ts";

let c: StudyCase;
let solver: NlpSolver;
let pool: NlpSolverPool;
let central: MpopfSolution;
let scenario: Scenario;
let partition: Partition;
beforeAll(async () => {
  c = loadCase("ieee123");
  solver = await createIpoptSolver();
  pool = await createSolverPool({ size: 1 });
  scenario = buildScenario(c, { horizon: 5, objective: "cost", pvPercent: 20, battPercent: 30 });
  central = solveMpopf({ scenario }, solver);
  partition = Object.values(c.partitions)[0]!;
});
afterAll(async () => {
  await pool?.close();
});

/** The area's sub-network, scenario, equivalents (from the centralized solution) and a map of its buses. */
function areaInput(areaIdx: number): { input: MpopfInput; busMap: number[]; branchMap: number[] } {
  const net = scenario.network;
  const area = partition.areas[areaIdx]!;
  const inArea = new Set(area.buses);
  const branchMap = net.branches.flatMap((br, k) => (inArea.has(br.from) && inArea.has(br.to) ? [k] : []));
  const sub = subNetwork(net, `area ${area.id}`, area.buses, branchMap, area.head);
  const busMap = sub.buses.map((b) => net.busIndex[b.id]!);
  const local = (b: number) => sub.busIndex[net.buses[b]!.id]!;
  const own = <U extends { bus: number }>(units: U[]) =>
    units.filter((u) => inArea.has(u.bus)).map((u) => ({ ...u, bus: local(u.bus) }));
  const sc: Scenario = {
    ...scenario,
    name: `${scenario.name} area ${area.id}`,
    network: sub,
    loads: own(scenario.loads),
    capacitors: own(scenario.capacitors),
    pvs: own(scenario.pvs),
    batteries: own(scenario.batteries),
  };
  const L = central.model.layout;
  const x = central.result.x;
  const T = scenario.T;
  // Parent equivalent: the head bus voltage of the centralized solution.
  const vHeadPu = Float64Array.from({ length: T }, (_, t) => Math.sqrt(x[varIndex(L, "v", t, area.head)]!));
  // Child equivalents: the power entering each child area over its boundary branch (sending end).
  const extraLoads = partition.boundaries
    .filter((bd) => bd.parentArea === areaIdx)
    .map((bd) => ({
      bus: local(bd.parentBus),
      pPu: Float64Array.from({ length: T }, (_, t) => x[varIndex(L, "P", t, bd.branch)]!),
      qPu: Float64Array.from({ length: T }, (_, t) => x[varIndex(L, "Q", t, bd.branch)]!),
    }));
  return { input: { scenario: sc, vHeadPu, extraLoads }, busMap, branchMap };
}

/** The centralized solution's values for the area's variables. */
function restrict(input: MpopfInput, busMap: number[], branchMap: number[]): Float64Array {
  const model = buildMpopfModel(input);
  const A = model.layout;
  const L = central.model.layout;
  const x = central.result.x;
  const out = new Float64Array(A.n);
  const pvIdx = input.scenario.pvs.map((u) => scenario.pvs.findIndex((v) => v.id === u.id));
  const btIdx = input.scenario.batteries.map((u) => scenario.batteries.findIndex((v) => v.id === u.id));
  for (let t = 0; t < A.T; t++) {
    branchMap.forEach((k, a) => {
      for (const kind of ["P", "Q", "l"] as const) out[varIndex(A, kind, t, a)] = x[varIndex(L, kind, t, k)]!;
    });
    busMap.forEach((b, a) => {
      out[varIndex(A, "v", t, a)] = x[varIndex(L, "v", t, b)]!;
    });
    pvIdx.forEach((d, a) => {
      out[varIndex(A, "qD", t, a)] = x[varIndex(L, "qD", t, d)]!;
    });
    btIdx.forEach((d, a) => {
      for (const kind of ["Pc", "Pd", "qB", "B"] as const)
        out[varIndex(A, kind, t, a)] = x[varIndex(L, kind, t, d)]!;
    });
  }
  return out;
}

describe("MPOPF areas (ENApp equivalents)", () => {
  it("the partition has 4 areas and 3 boundaries", () => {
    expect(partition.areas).toHaveLength(4);
    expect(partition.boundaries).toHaveLength(3);
    expect(central.valid).toBe(true);
  });

  for (const areaIdx of [0, 1, 2, 3]) {
    it(`area ${areaIdx + 1}: the centralized solution restricted to the area satisfies its constraints`, () => {
      const { input, busMap, branchMap } = areaInput(areaIdx);
      const model = buildMpopfModel(input);
      const xa = restrict(input, busMap, branchMap);
      const chk = selfCheck(model, xa);
      expect(chk.maxResidualPu, JSON.stringify(chk.residuals)).toBeLessThan(1e-7);
      // The NLP rows agree with the self-check.
      const p = model.problem;
      const g = new Float64Array(p.m);
      p.evalG(xa, g);
      let worst = 0;
      for (let r = 0; r < p.m; r++) worst = Math.max(worst, p.gL[r]! - g[r]!, g[r]! - p.gU[r]!);
      expect(worst).toBeLessThan(1e-7);
      // Head power of a child area = flow into its head bus over the boundary branch minus that branch's loss.
      const area = partition.areas[areaIdx]!;
      if (area.parent >= 0) {
        const hp = headPower(model, xa);
        const L = central.model.layout;
        const k = area.boundaryBranch;
        const br = scenario.network.branches[k]!;
        for (let t = 0; t < scenario.T; t++) {
          const x = central.result.x;
          const pIn = x[varIndex(L, "P", t, k)]! - br.rPu * x[varIndex(L, "l", t, k)]!;
          expect(hp.pPu[t]).toBeCloseTo(pIn, 7);
        }
      }
    });
  }

  it("an area with its equivalents solves in this thread and in a pool worker from plain data, identically", async () => {
    const { input } = areaInput(1);
    input.scenario.options = { ...input.scenario.options, noBackfeed: true };
    const here = solveMpopf(input, solver);
    expect(here.valid, here.summary.message).toBe(true);
    const ref = mpopfFactoryRef(input);
    const remote = await pool.solve(ref, { ipopt: here.result.options });
    expect(remote.status).toBe(here.result.status);
    expect(remote.iterations).toBe(here.result.iterations);
    expect(Math.abs(remote.objective - here.result.objective)).toBeLessThan(
      1e-9 * Math.abs(here.result.objective),
    );
    // The head power is non-negative (reverse flow forbidden) and the head voltage is the one given.
    const hp = headPower(here.model, here.result.x);
    for (const v of hp.pPu) expect(v).toBeGreaterThanOrEqual(-1e-8);
    for (let t = 0; t < input.scenario.T; t++) {
      expect(
        Math.sqrt(here.result.x[varIndex(here.model.layout, "v", t, here.model.params.head)]!),
      ).toBeCloseTo(input.vHeadPu![t]!, 9);
    }
  });
});
