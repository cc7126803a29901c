/**
 * The exact area decomposition: every bus, branch and device of the feeder in exactly one area, the boundary
 * branch and a load-free copy of the parent-side bus in the child, the equivalents as inputs of the MPOPF
 * formulation; the centralized optimum cut along the boundaries satisfies every area's constraints and
 * composes back to itself.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCase, type StudyCase } from "../../../models/case.ts";
import { InputError } from "../../../models/errors.ts";
import { buildScenario } from "../../../models/scenario.ts";
import { decompose } from "../../../solvers/enapp/decompose.ts";
import { composeSolution } from "../../../solvers/enapp/enapp.ts";
import { resolveEnappOptions } from "../../../solvers/enapp/index.ts";
import { createIpoptSolver } from "../../../solvers/ipopt/index.ts";
import { selfCheck } from "../../../solvers/mpopf/check.ts";
import { headPower } from "../../../solvers/mpopf/decode.ts";
import { varIndex } from "../../../solvers/mpopf/layout.ts";
import { buildMpopfModel } from "../../../solvers/mpopf/model.ts";
import type { MpopfInput } from "../../../solvers/mpopf/params.ts";
import { type MpopfSolution, solveMpopf } from "../../../solvers/mpopf/solve.ts";
import { REPO_ROOT } from "../../helpers/reference.ts";

let c: StudyCase;
beforeAll(() => {
  c = loadCase("ieee123");
});

describe("decompose: IEEE-123, 4 areas", () => {
  it("finds the boundaries by bus ownership and keeps every element exactly once", () => {
    const sc = buildScenario(c, { horizon: 5, objective: "cost", pvPercent: 20, battPercent: 30 });
    const d = decompose(sc, c.partitions["ieee123-4"]!);
    const net = sc.network;
    const ids = (b: number) => net.buses[b]!.id;
    expect(d.areas.map((a) => a.id)).toEqual(["1", "2", "3", "4"]);
    expect(d.boundaries.map((b) => [b.id, ids(b.parentBus), ids(b.childBus)])).toEqual([
      ["1→2", "117", "54"],
      ["1→3", "118", "37"],
      ["2→4", "125", "128"],
    ]);
    // Buses: each owned bus once; each child area has one extra bus, the head copy of the parent-side bus.
    const busCount = new Array(net.buses.length).fill(0);
    const branchCount = new Array(net.branches.length).fill(0);
    for (const ar of d.areas) {
      const sub = ar.scenario.network;
      ar.busGlobal.forEach((g, j) => {
        if (g >= 0) {
          busCount[g]++;
          expect(sub.buses[j]).toEqual(net.buses[g]);
        } else {
          // The head copy: same id as the parent-side bus, no load, no capacitor, the sub-network's substation.
          const bd = d.boundaries[ar.upBoundary]!;
          expect(sub.buses[j]).toEqual({ id: ids(bd.parentBus), zone: net.buses[bd.parentBus]!.zone });
          for (const dev of [...ar.scenario.loads, ...ar.scenario.capacitors]) expect(dev.bus).not.toBe(j);
          expect(sub.substation).toBe(j);
        }
      });
      ar.branchGlobal.forEach((g, k) => {
        branchCount[g]++;
        const br = sub.branches[k]!;
        const gb = net.branches[g]!;
        expect([sub.buses[br.from]!.id, sub.buses[br.to]!.id, br.rPu, br.xPu]).toEqual([
          ids(gb.from),
          ids(gb.to),
          gb.rPu,
          gb.xPu,
        ]);
      });
      expect(ar.busGlobal.filter((g) => g < 0)).toHaveLength(ar.parent < 0 ? 0 : 1);
    }
    expect(busCount.every((n) => n === 1)).toBe(true);
    expect(branchCount.every((n) => n === 1)).toBe(true);
    // The boundary branches live in the child areas.
    for (const bd of d.boundaries) expect(d.areas[bd.childArea]!.branchGlobal[0]).toBe(bd.branch);
    // Devices: each PV and battery once, at the same bus.
    const pvs = d.areas.flatMap((a) => Array.from(a.pvGlobal));
    const batts = d.areas.flatMap((a) => Array.from(a.batteryGlobal));
    expect(pvs.sort((a, b) => a - b)).toEqual(sc.pvs.map((_, i) => i));
    expect(batts.sort((a, b) => a - b)).toEqual(sc.batteries.map((_, i) => i));
    for (const ar of d.areas) {
      ar.scenario.batteries.forEach((u, k) => {
        expect(ar.busGlobal[u.bus]).toBe(sc.batteries[ar.batteryGlobal[k]!]!.bus);
        expect({ ...u, bus: 0 }).toEqual({ ...sc.batteries[ar.batteryGlobal[k]!]!, bus: 0 });
      });
    }
    // Per-area counts of the paper's areas (buses incl. head copies).
    expect(d.areas.map((a) => a.scenario.network.buses.length)).toEqual([41, 18, 19, 53]);
  });

  it("gives child heads the reverse-flow option and keeps the substation limits at the root", () => {
    const sc = buildScenario(c, { horizon: 3, objective: "cost", peakCapKw: 950 });
    const forbid = decompose(sc, c.partitions["ieee123-4"]!);
    expect(forbid.areas[0]!.scenario.options).toEqual(sc.options);
    for (const ar of forbid.areas.slice(1)) {
      expect(ar.scenario.options.noBackfeed).toBe(true);
      expect(ar.scenario.options.peakCapKw).toBeNull();
      expect(ar.scenario.objective).toEqual(sc.objective);
    }
    const allow = decompose(sc, c.partitions["ieee123-4"]!, {
      allowReverseFlow: true,
      dropChildHeadCost: true,
    });
    for (const ar of allow.areas.slice(1)) {
      expect(ar.scenario.options.noBackfeed).toBe(false);
      expect(ar.scenario.objective.weight).toBe(0);
    }
    expect(allow.areas[0]!.scenario.objective.weight).toBe(sc.objective.weight);
  });

  it("rejects a partition of another network, naming the partition", () => {
    const small = loadCase(join(REPO_ROOT, "test/fixtures/feeder-6bus"));
    const sc = buildScenario(c, { horizon: 2 });
    let err: unknown;
    try {
      decompose(sc, small.partitions.two!);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe("bad-partition");
    expect((err as Error).message).toMatch(/partition 'two' assigns 6 buses, network 'ieee123' has 128/);
  });

  it("rejects a partition whose first area does not hold the substation", () => {
    const small = loadCase(join(REPO_ROOT, "test/fixtures/feeder-6bus"));
    const sc = buildScenario(small, {});
    const part = small.partitions.two!;
    const swapped = { ...part, areas: [part.areas[1]!, part.areas[0]!] };
    expect(() => decompose(sc, swapped)).toThrow(/must hold the substation bus 'sourcebus'/);
  });
});

describe("decompose: exactness on the centralized optimum", () => {
  let sol: MpopfSolution;
  beforeAll(async () => {
    const solver = await createIpoptSolver();
    const sc = buildScenario(c, { horizon: 5, objective: "loss", pvPercent: 20, battPercent: 30 });
    sol = solveMpopf({ scenario: sc }, solver);
    expect(sol.valid).toBe(true);
  });

  it("the centralized solution cut into areas satisfies each area's constraints and composes back exactly", () => {
    const sc = sol.model.input.scenario;
    const d = decompose(sc, c.partitions["ieee123-4"]!);
    const L = sol.model.layout;
    const x = sol.result.x;
    const T = sc.T;
    const models = d.areas.map((ar) => {
      const input: MpopfInput = { scenario: ar.scenario };
      if (ar.upBoundary >= 0) {
        const bd = d.boundaries[ar.upBoundary]!;
        input.vHeadPu = Float64Array.from({ length: T }, (_, t) =>
          Math.sqrt(x[varIndex(L, "v", t, bd.parentBus)]!),
        );
      }
      // The children's equivalents: sending-end power of the boundary branch.
      input.extraLoads = ar.downBoundaries.map((b) => {
        const bd = d.boundaries[b]!;
        return {
          bus: bd.parentLocalBus,
          pPu: Float64Array.from({ length: T }, (_, t) => x[varIndex(L, "P", t, bd.branch)]!),
          qPu: Float64Array.from({ length: T }, (_, t) => x[varIndex(L, "Q", t, bd.branch)]!),
        };
      });
      return buildMpopfModel(input);
    });
    // Cut x into the areas' layouts.
    const xs = d.areas.map((ar, a) => {
      const A = models[a]!.layout;
      const xa = new Float64Array(A.n);
      for (let t = 0; t < T; t++) {
        ar.branchGlobal.forEach((g, k) => {
          for (const kind of ["P", "Q", "l"] as const)
            xa[varIndex(A, kind, t, k)] = x[varIndex(L, kind, t, g)]!;
        });
        ar.busGlobal.forEach((g, j) => {
          const bd = d.boundaries[ar.upBoundary];
          xa[varIndex(A, "v", t, j)] = x[varIndex(L, "v", t, g >= 0 ? g : bd!.parentBus)]!;
        });
        ar.pvGlobal.forEach((g, k) => {
          xa[varIndex(A, "qD", t, k)] = x[varIndex(L, "qD", t, g)]!;
        });
        ar.batteryGlobal.forEach((g, k) => {
          for (const kind of ["Pc", "Pd", "qB", "B"] as const)
            xa[varIndex(A, kind, t, k)] = x[varIndex(L, kind, t, g)]!;
        });
      }
      return xa;
    });
    d.areas.forEach((ar, a) => {
      const chk = selfCheck(models[a]!, xs[a]!);
      expect(chk.maxResidualPu, `area ${ar.id}: ${JSON.stringify(chk.residuals)}`).toBeLessThan(1e-7);
      expect(chk.maxViolationPu, `area ${ar.id}`).toBeLessThan(1e-7);
      // The child's head power is the sending-end power of its boundary branch (what its parent draws).
      if (ar.upBoundary >= 0) {
        const bd = d.boundaries[ar.upBoundary]!;
        const hp = headPower(models[a]!, xs[a]!);
        for (let t = 0; t < T; t++) expect(hp.pPu[t]).toBe(x[varIndex(L, "P", t, bd.branch)]);
      }
    });
    // Losses add up: no branch is counted twice.
    const lossOf = (m: (typeof models)[number], xa: Float64Array) => {
      let s = 0;
      for (let t = 0; t < T; t++)
        for (let k = 0; k < m.layout.nBr; k++) s += m.params.r[k]! * xa[varIndex(m.layout, "l", t, k)]!;
      return s;
    };
    const areaLoss = models.reduce((s, m, a) => s + lossOf(m, xs[a]!), 0);
    expect(areaLoss).toBeCloseTo(lossOf(sol.model, x), 12);
    // Composing the pieces gives the centralized vector back, bit for bit.
    const back = composeSolution(d, sol.model, models, xs);
    expect(Array.from(back)).toEqual(Array.from(x));
  });
});

describe("resolveEnappOptions", () => {
  it("rejects relaxation weights that do not sum to 1 and non-positive tolerances", () => {
    expect(() =>
      resolveEnappOptions({ relaxation: { plainIterations: 2, voltageWeights: [0.9], powerWeights: [1] } }),
    ).toThrow(/relaxation.voltageWeights.*sum to 1/);
    expect(() => resolveEnappOptions({ tolerances: { vPu: 1e-5, pKw: 0, qKvar: 1 } })).toThrow(
      /tolerances.pKw.*positive/,
    );
    expect(() => resolveEnappOptions({ maxIterations: 0 })).toThrow(InputError);
    expect(() => resolveEnappOptions({ proximal: Number.NaN })).toThrow(
      /field 'proximal': expected a number >= 0/,
    );
    const o = resolveEnappOptions({ tolerances: { pKw: 0.5 } as never });
    expect(o.tolerances).toEqual({ vPu: 1e-5, pKw: 0.5, qKvar: 0.1 });
    expect(o.relaxation).toEqual({
      plainIterations: 2,
      voltageWeights: [0.95, 0.05],
      powerWeights: [0.7, 0.25, 0.05],
    });
  });
});

describe("decompose: a user feeder", () => {
  it("splits the 6-bus fixture at n1→n4", () => {
    const small = loadCase(join(REPO_ROOT, "test/fixtures/feeder-6bus"));
    const sc = buildScenario(small, {});
    const d = decompose(sc, small.partitions.two!);
    expect(
      d.boundaries.map((b) => [b.id, sc.network.buses[b.parentBus]!.id, sc.network.buses[b.childBus]!.id]),
    ).toEqual([["A→B", "n1", "n4"]]);
    expect(d.areas[1]!.scenario.network.buses.map((b) => b.id)).toEqual(["n1", "n4", "n5"]);
    expect(d.areas[1]!.scenario.batteries.map((b) => b.id)).toEqual(sc.batteries.map((b) => b.id));
  });
});
