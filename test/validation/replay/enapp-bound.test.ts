/**
 * The ENApp replay bound (validation/replay/enapp-bound.ts) on IEEE-123's 4-area partition: the path
 * impedances are the sums of the branch impedances from the substation to each child head bus, the bound is
 * linear in the residuals, and its magnitude for ENApp's default and a tight tolerance.
 */
import { describe, expect, it } from "vitest";
import { loadCase } from "../../../models/case.ts";
import { buildScenario } from "../../../models/scenario.ts";
import { enappLimits, enappReplayBound } from "../../../validation/replay/enapp-bound.ts";
import { parseThresholds } from "../../../validation/replay/thresholds.ts";

describe("ENApp replay bound", () => {
  const c = loadCase("ieee123");
  // The rated loads of the feeder (the bound's default path flow); any horizon gives the same ratings.
  const rated = buildScenario(c, { horizon: 1 });
  const part = c.partitions["ieee123-4"]!;
  const eps = (e: number) => ({ vSqPu: e, pPu: e, qPu: e });

  it("path impedances are the branch sums from the substation to each child head bus", () => {
    const b = enappReplayBound(rated, part, eps(1e-3));
    expect(b.boundaries.map((x) => `${x.parentBus}→${x.childBus}`)).toEqual(["117→54", "118→37", "125→128"]);
    const net = c.network;
    let r = 0;
    for (let j = net.busIndex["54"]!; net.parentBranch[j]! >= 0; j = net.parent[j]!)
      r += net.branches[net.parentBranch[j]!]!.rPu;
    expect(b.boundaries[0]!.rPathPu).toBeCloseTo(r, 15);
    // Area 4 hangs below area 2: its path is longer than area 2's.
    expect(b.boundaries[2]!.rPathPu).toBeGreaterThan(b.boundaries[0]!.rPathPu);
  });

  it("default tolerance 1e-3 pu: ≈ 3 kW / 3 kVAr of substation power and ≈ 7.5e-4 pu; 1e-7 pu: inside the model-consistent limits", () => {
    const b = enappReplayBound(rated, part, eps(1e-3));
    expect(b.pSubsKw).toBeGreaterThan(3);
    expect(b.pSubsKw).toBeLessThan(3.5);
    expect(b.qSubsKvar).toBeGreaterThan(3);
    expect(b.voltagePu).toBeGreaterThan(5e-4);
    expect(b.voltagePu).toBeLessThan(8e-4);
    const tight = enappReplayBound(rated, part, eps(1e-7));
    expect(tight.pSubsKw).toBeCloseTo(b.pSubsKw * 1e-4, 12);
    expect(tight.voltagePu).toBeCloseTo(b.voltagePu * 1e-4, 15);
    expect(tight.pSubsKw).toBeLessThan(0.01);
    expect(tight.voltagePu).toBeLessThan(1e-5);
  });

  it("gives thresholds usable as a per-label override", () => {
    const b = enappReplayBound(rated, part, eps(1e-3));
    const t = parseThresholds({
      flavours: {},
      labels: { MPDOPF: { "model-consistent": enappLimits(b, 5) } },
    });
    expect(t.labels!.MPDOPF!["model-consistent"]!.horizonPSubsKwh).toEqual({ abs: 5 * b.pSubsKw });
  });
});
