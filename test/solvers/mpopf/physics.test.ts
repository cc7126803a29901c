/**
 * The formulation encodes the physics: a point built by an independent power-flow sweep (exact branch
 * flow model) satisfies every constraint row and passes the self-check; a perturbed one does not.
 */
import { describe, expect, it } from "vitest";
import type { Scenario } from "../../../models/types.ts";
import { selfCheck } from "../../../solvers/mpopf/check.ts";
import { decodeMpopf, headPower } from "../../../solvers/mpopf/decode.ts";
import { varIndex } from "../../../solvers/mpopf/layout.ts";
import { buildMpopfModel, type MpopfModel } from "../../../solvers/mpopf/model.ts";
import type { MpopfInput } from "../../../solvers/mpopf/params.ts";
import { smallScenario } from "./fixtures.ts";

/** Build x from a forward–backward sweep with a fixed battery / PV dispatch. */
function sweepPoint(model: MpopfModel, input: MpopfInput): Float64Array {
  const sc: Scenario = input.scenario;
  const net = sc.network;
  const L = model.layout;
  const x = new Float64Array(L.n);
  const nBus = net.buses.length;
  const B = sc.batteries.map((b) => b.b0PuH);
  for (let t = 0; t < sc.T; t++) {
    const pNet = new Float64Array(nBus);
    const qNet = new Float64Array(nBus);
    for (const ld of sc.loads) {
      pNet[ld.bus]! += ld.pRatedPu * ld.mult[t]!;
      qNet[ld.bus]! += ld.qRatedPu * ld.mult[t]!;
    }
    for (const c of sc.capacitors) qNet[c.bus]! -= c.qPu;
    for (const ld of input.extraLoads ?? []) {
      pNet[ld.bus]! += ld.pPu[t]!;
      qNet[ld.bus]! += ld.qPu[t]!;
    }
    sc.pvs.forEach((pv, d) => {
      const q = 0.3 * pv.pRatedPu * (d % 2 ? -1 : 1);
      pNet[pv.bus]! -= pv.pAvailPu[t]!;
      qNet[pv.bus]! -= q;
      x[varIndex(L, "qD", t, d)] = q;
    });
    sc.batteries.forEach((b, k) => {
      const pc = t % 2 === 0 ? 0.4 * b.pRatedPu : 0;
      const pd = t % 2 === 1 ? 0.3 * b.pRatedPu : 0;
      const qb = 0.2 * b.pRatedPu;
      pNet[b.bus]! += pc - pd;
      qNet[b.bus]! -= qb;
      B[k]! += sc.dtH * (b.etaCharge * pc - pd / b.etaDischarge);
      x[varIndex(L, "Pc", t, k)] = pc;
      x[varIndex(L, "Pd", t, k)] = pd;
      x[varIndex(L, "qB", t, k)] = qb;
      x[varIndex(L, "B", t, k)] = B[k]!;
    });
    const v = new Float64Array(nBus).fill(1);
    const vHead = input.vHeadPu ? input.vHeadPu[t]! : net.vSubsPu;
    v[net.substation] = vHead * vHead;
    const P = new Float64Array(net.branches.length);
    const Q = new Float64Array(net.branches.length);
    const l = new Float64Array(net.branches.length);
    for (let it = 0; it < 100; it++) {
      for (let q = nBus - 1; q >= 1; q--) {
        const j = net.order[q]!;
        const k = net.parentBranch[j]!;
        let pk = pNet[j]!;
        let qk = qNet[j]!;
        for (const c of net.childBranches[j]!) {
          pk += P[c]!;
          qk += Q[c]!;
        }
        const br = net.branches[k]!;
        // Local fixed point l = ((pk + r l)² + (qk + x l)²) / v_i, then the flows from that l.
        let lk = l[k]!;
        for (let q2 = 0; q2 < 50; q2++)
          lk = ((pk + br.rPu * lk) ** 2 + (qk + br.xPu * lk) ** 2) / v[br.from]!;
        l[k] = lk;
        P[k] = pk + br.rPu * lk;
        Q[k] = qk + br.xPu * lk;
      }
      for (let q = 1; q < nBus; q++) {
        const j = net.order[q]!;
        const k = net.parentBranch[j]!;
        const br = net.branches[k]!;
        v[j] = v[br.from]! - 2 * (br.rPu * P[k]! + br.xPu * Q[k]!) + (br.rPu ** 2 + br.xPu ** 2) * l[k]!;
      }
    }
    net.branches.forEach((_, k) => {
      x[varIndex(L, "P", t, k)] = P[k]!;
      x[varIndex(L, "Q", t, k)] = Q[k]!;
      x[varIndex(L, "l", t, k)] = l[k]!;
    });
    for (let j = 0; j < nBus; j++) x[varIndex(L, "v", t, j)] = v[j]!;
  }
  return x;
}

function rowViolation(model: MpopfModel, x: Float64Array): { max: number; where: string } {
  const p = model.problem;
  const g = new Float64Array(p.m);
  p.evalG(x, g);
  let max = 0;
  let where = "";
  for (let r = 0; r < p.m; r++) {
    const v = Math.max(0, p.gL[r]! - g[r]!, g[r]! - p.gU[r]!);
    if (v > max) {
      max = v;
      where = p.conName?.(r) ?? String(r);
    }
  }
  return { max, where };
}

describe("MPOPF constraints against an independent power-flow sweep", () => {
  // Free terminal: the sweep's dispatch does not return the batteries to B0.
  const cases: Array<[string, MpopfInput]> = [
    ["substation feeder", { scenario: smallScenario(4, "cost", { terminal: "free", limits: "available" }) }],
    [
      "area with head voltage and extra loads",
      {
        scenario: smallScenario(3, "loss", { terminal: "free" }),
        vHeadPu: Float64Array.from([1.0, 1.01, 1.02]),
        extraLoads: [
          { bus: 5, pPu: Float64Array.from([0.02, 0.01, 0]), qPu: Float64Array.from([0.01, 0, 0.01]) },
        ],
      },
    ],
  ];
  for (const [name, input] of cases) {
    it(`${name}: the sweep point satisfies every row and passes the self-check`, () => {
      const model = buildMpopfModel(input);
      const x = sweepPoint(model, input);
      const v = rowViolation(model, x);
      expect(v.max, v.where).toBeLessThan(1e-12);
      const chk = selfCheck(model, x);
      expect(chk.maxResidualPu).toBeLessThan(1e-12);
      // Substation power = load + losses − PV − battery output.
      const { totals } = decodeMpopf(model, x);
      expect(totals.pSubsKwh).toBeCloseTo(
        totals.loadKwh + totals.extraLoadKwh + totals.lossKwh - totals.pvKwh - totals.battKwh,
        6,
      );
      expect(totals.lossKwh).toBeGreaterThan(0);
      const extra = (input.extraLoads ?? []).reduce((s, e) => s + e.pPu.reduce((a, b) => a + b, 0), 0);
      expect(totals.extraLoadKwh).toBeCloseTo(extra * 1000, 9);
    });
  }

  it("the self-check and the rows both see a perturbed load, KVL and SOC", () => {
    const input = cases[0]![1];
    const model = buildMpopfModel(input);
    const x = sweepPoint(model, input);
    const L = model.layout;
    const bad = Float64Array.from(x);
    bad[varIndex(L, "P", 1, 3)]! += 1e-4;
    let chk = selfCheck(model, bad);
    expect(chk.residuals.realBalance).toBeGreaterThan(5e-5);
    expect(chk.residuals.kvl).toBeGreaterThan(1e-6);
    expect(chk.ok).toBe(false);
    expect(rowViolation(model, bad).max).toBeGreaterThan(5e-5);
    const bad2 = Float64Array.from(x);
    bad2[varIndex(L, "B", 2, 1)]! += 1e-5;
    chk = selfCheck(model, bad2);
    expect(chk.residuals.socDynamics).toBeCloseTo(1e-5, 9);
    // Simultaneous charge and discharge is measured in kW.
    const bad3 = Float64Array.from(x);
    bad3[varIndex(L, "Pd", 0, 0)] = bad3[varIndex(L, "Pc", 0, 0)]!;
    expect(selfCheck(model, bad3).maxSimultaneousKw).toBeCloseTo(0.4 * 20, 9);
  });

  it("head power includes the head bus's own devices and loads", () => {
    const input = cases[0]![1];
    const model = buildMpopfModel(input);
    const x = sweepPoint(model, input);
    const hp = headPower(model, x);
    expect(hp.pPu[0]).toBeCloseTo(x[varIndex(model.layout, "P", 0, 0)]!, 15);
  });
});
