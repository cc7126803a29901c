/**
 * The phase model of the per-unit system: a per-phase feeder and its three-phase (total power) twin — every
 * power and kVA three times as large, the same ohms, the same line-to-neutral voltages — are the same per-unit
 * network and scenario when the twin's S_base is three times as large; and on the same S_base the twin's
 * impedance base is V_LL²·1000/S_base = 3·V_LN²·1000/S_base and its current base S_base/(√3·V_LL).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { caseFromFeeder, loadCase } from "../../models/case.ts";
import type { Feeder } from "../../models/feeder.ts";
import { buildScenario } from "../../models/scenario.ts";
import { buildMathNetwork } from "../../models/topology.ts";
import { caseFiles } from "../../models/write-case.ts";

const base = loadCase("two-zone");

/** The three-phase twin of a per-phase feeder: powers × k, S_base × sScale. */
function twin(f: Feeder, k: number, sScale: number): Feeder {
  return {
    ...f,
    phaseModel: "three-phase",
    sBaseKva: f.sBaseKva * sScale,
    transformers: f.transformers.map((t) => ({ ...t, kva: t.kva * k })),
    loads: f.loads.map((l) => ({ ...l, kw: l.kw * k, kvar: l.kvar * k })),
    capacitors: f.capacitors.map((c) => ({ ...c, kvar: c.kvar * k })),
    pvs: f.pvs.map((p) => ({ ...p, pmppKw: p.pmppKw * k, kva: p.kva * k })),
    batteries: f.batteries.map((b) => ({ ...b, kw: b.kw * k, kwh: b.kwh * k, kva: b.kva * k })),
  };
}

describe("phase model: per phase or three-phase total power", () => {
  it("a per-phase feeder and its three-phase twin on 3·S_base are the same per-unit scenario", () => {
    const c3 = caseFromFeeder(twin(base.feeder, 3, 3));
    expect(c3.network.phaseModel).toBe("three-phase");
    expect(base.network.phaseModel).toBe("per-phase");
    const a = buildScenario(base, { stepMinutes: 60, horizon: 24 });
    const b = buildScenario(
      { ...c3, spec: { ...c3.spec, defaults: base.spec.defaults, prices: base.spec.prices } },
      {
        stepMinutes: 60,
        horizon: 24,
      },
    );
    a.network.branches.forEach((br, k) => {
      const o = b.network.branches[k]!;
      expect(o.id).toBe(br.id);
      expect(o.rPu).toBeCloseTo(br.rPu, 14);
      expect(o.xPu).toBeCloseTo(br.xPu, 14);
      expect(o.tap).toBe(br.tap);
    });
    a.loads.forEach((l, i) => {
      expect(b.loads[i]!.pRatedPu).toBeCloseTo(l.pRatedPu, 14);
      expect(b.loads[i]!.qRatedPu).toBeCloseTo(l.qRatedPu, 14);
    });
    a.capacitors.forEach((c, i) => {
      expect(b.capacitors[i]!.qPu).toBeCloseTo(c.qPu, 14);
    });
    a.batteries.forEach((u, i) => {
      expect(b.batteries[i]!.eRatedPuH).toBeCloseTo(u.eRatedPuH, 14);
    });
    a.network.zones.forEach((z, i) => {
      const o = b.network.zones[i]!;
      expect(o.vBaseKvLn).toBe(z.vBaseKvLn);
      // Z_base = 3·V_LN²·1000/(3·S) = V_LN²·1000/S: the same number on a three-times-larger S_base.
      expect(o.zBaseOhm).toBeCloseTo(z.zBaseOhm, 9);
    });
  });

  it("on the same S_base the three-phase zone bases are Z = V_LL²·1000/S and I = S/(√3·V_LL)", () => {
    const n3 = buildMathNetwork(twin(base.feeder, 3, 1));
    const S = base.feeder.sBaseKva;
    n3.zones.forEach((z, i) => {
      const vll = Math.sqrt(3) * z.vBaseKvLn;
      expect(z.zBaseOhm).toBeCloseTo((vll * vll * 1000) / S, 9);
      expect(z.iBaseA).toBeCloseTo(S / (Math.sqrt(3) * vll), 9);
      expect(z.zBaseOhm).toBeCloseTo(3 * base.network.zones[i]!.zBaseOhm, 9);
    });
    // Line ohms are per unit on the three-times-larger base; the transformer's %R/%X on its (tripled) kVA.
    const l1 = n3.branches[n3.branchIndex.L1!]!;
    expect(l1.rPu).toBeCloseTo(base.network.branches[base.network.branchIndex.L1!]!.rPu / 3, 14);
    const t1 = n3.branches[n3.branchIndex.T1!]!;
    expect(t1.rPu).toBeCloseTo(base.network.branches[base.network.branchIndex.T1!]!.rPu / 3, 14);
  });

  it("the case format keeps the phase model and the approximations list", () => {
    const f: Feeder = { ...twin(base.feeder, 3, 1), approximations: ["a listed approximation"] };
    const files = caseFiles(f, { provenance: "test" });
    const spec = JSON.parse(files.get("case.json")!);
    expect(spec.bases.phaseModel).toBe("three-phase");
    expect(spec.approximations).toEqual(["a listed approximation"]);
    const dir = mkdtempSync(join(tmpdir(), "mpopf-phase-model-"));
    try {
      for (const [name, text] of files) writeFileSync(join(dir, name), text);
      const back = loadCase(dir);
      expect(back.feeder.phaseModel).toBe("three-phase");
      expect(back.feeder.approximations).toEqual(["a listed approximation"]);
      expect(back.network.zones[0]!.zBaseOhm).toBeCloseTo(3 * base.network.zones[0]!.zBaseOhm, 9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
