/**
 * What OpenDSS models, as math (models/fidelity.ts): the piecewise load model outside the band (continuous at
 * the edges, OpenDSS's interpolation below Vminpu, not a constant impedance), pure constant-Z loads never
 * switching, and the line charging of each option (OpenDSS's default 3.4 nF per line where the case gives none).
 */
import { describe, expect, it } from "vitest";
import { loadCase } from "../../models/case.ts";
import {
  branchSusceptancePu,
  busChargingPu,
  demandFactor,
  type LoadBand,
  loadCoefficients,
  loadPieceAt,
  OPENDSS_LOAD_BAND,
  zipCoefficients,
} from "../../models/fidelity.ts";
import { resolveFormulation } from "../../models/scenario.ts";
import type { LoadModel } from "../../models/types.ts";

const at = (model: LoadModel, band: LoadBand | null, v: number) => {
  const k = loadCoefficients(model, true, band, loadPieceAt(band, v));
  return { p: demandFactor(k.p, v), q: demandFactor(k.q, v) };
};
const PQ: LoadModel = { p: [0, 0, 1], q: [0, 0, 1] };
const I: LoadModel = { p: [0, 1, 0], q: [0, 1, 0] };
const Z: LoadModel = { p: [1, 0, 0], q: [1, 0, 0] };
const ZIP: LoadModel = { p: [0.3, 0.3, 0.4], q: [0.5, 0.2, 0.3] };

describe("OpenDSS's load model outside its band", () => {
  const band = OPENDSS_LOAD_BAND;
  it("picks the piece as OpenDSS does: low at |V| ≤ Vmin, high above Vmax, Yeq at or below Vlow", () => {
    expect(loadPieceAt(band, 0.95)).toBe(-1);
    expect(loadPieceAt(band, 0.9501)).toBe(0);
    expect(loadPieceAt(band, 1.05)).toBe(0);
    expect(loadPieceAt(band, 1.0501)).toBe(1);
    expect(loadPieceAt(band, 0.5)).toBe(-2);
    expect(loadPieceAt(null, 0.5)).toBe(0);
  });

  it("is continuous at every band edge, for constant PQ, constant I and ZIP loads", () => {
    for (const m of [PQ, I, ZIP]) {
      for (const edge of [band.vLowPu, band.vMinPu, band.vMaxPu]) {
        const lo = at(m, band, edge - 1e-9);
        const hi = at(m, band, edge + 1e-9);
        expect(Math.abs(lo.p - hi.p), `${JSON.stringify(m.p)} at ${edge}`).toBeLessThan(1e-8);
        expect(Math.abs(lo.q - hi.q)).toBeLessThan(1e-8);
      }
    }
  });

  it("interpolates the current below Vminpu (0.8921·P at 0.9 pu for constant PQ, not (0.9/0.95)²·P)", () => {
    expect(at(PQ, band, 0.9).p).toBeCloseTo(0.8921, 4);
    expect(at(PQ, band, 0.9).p).not.toBeCloseTo((0.9 / 0.95) ** 2, 3);
    // Constant I: linear current from Yeq·Vlow at Vlow to 1 at Vmin.
    const iAt = 0.5 + ((1 - 0.5) * (0.9 - 0.5)) / (0.95 - 0.5);
    expect(at(I, band, 0.9).p).toBeCloseTo(0.9 * iAt, 12);
    // Above Vmaxpu: the admittance at Vmaxpu (P·v/Vmax²; constant I: P·v/Vmax).
    expect(at(PQ, band, 1.1).p).toBeCloseTo(1.1 ** 2 / 1.05 ** 2, 12);
    expect(at(I, band, 1.1).p).toBeCloseTo(1.1 ** 2 / 1.05, 12);
    // At or below Vlowpu the whole load is its 1-pu admittance.
    expect(at(ZIP, band, 0.4).p).toBeCloseTo(0.16, 12);
  });

  it("never switches a pure constant-Z load, and keeps the Z part of a ZIP load", () => {
    for (const v of [0.6, 0.9, 1, 1.1]) expect(at(Z, band, v).p).toBeCloseTo(v * v, 12);
    const k = zipCoefficients([0.3, 0.3, 0.4], band, 1);
    expect(k.z).toBeCloseTo(0.3 + 0.4 / 1.05 ** 2 + 0.3 / 1.05, 12);
  });

  it("without a band, a load follows its model at every voltage", () => {
    expect(at(PQ, null, 0.9).p).toBe(1);
    expect(at(I, null, 0.9).p).toBeCloseTo(0.9, 12);
  });
});

describe("line charging", () => {
  const c = loadCase("two-zone");
  const net = c.network;
  it("none, case (b_us), opendss (b_us where given, else ω·3.4 nF per line)", () => {
    const h1 = net.branchIndex.H1!;
    const l1 = net.branchIndex.L1!;
    expect(branchSusceptancePu(net, h1, "none")).toBe(0);
    expect(branchSusceptancePu(net, h1, "case")).toBe(net.branches[h1]!.bPu);
    expect(branchSusceptancePu(net, h1, "opendss")).toBe(net.branches[h1]!.bPu);
    expect(branchSusceptancePu(net, l1, "case")).toBe(0);
    const zBase = net.zones[net.buses[net.branches[l1]!.to]!.zone]!.zBaseOhm;
    expect(branchSusceptancePu(net, l1, "opendss")).toBeCloseTo(2 * Math.PI * 60 * 3.4e-9 * zBase, 15);
    // Transformers carry none.
    const tr = net.branches.findIndex((b) => b.kind === "transformer");
    expect(branchSusceptancePu(net, tr, "opendss")).toBe(0);
  });

  it("IEEE-123: OpenDSS's default capacitance gives ≈ 0.97 kVAr at 1.03 pu", () => {
    const n = loadCase("ieee123").network;
    const b = busChargingPu(n, "opendss");
    const q = b.reduce((s, x) => s + x, 0) * 1.03 ** 2 * n.sBaseKva;
    expect(q).toBeGreaterThan(0.9);
    expect(q).toBeLessThan(1.0);
  });

  it("a request's legacy boolean and unknown choices", () => {
    expect(resolveFormulation({ lineCharging: true }).lineCharging).toBe("case");
    expect(resolveFormulation({ lineCharging: false }).lineCharging).toBe("none");
    expect(() => resolveFormulation({ elementBands: "all" as never })).toThrow(
      /formulation\.elementBands.*unknown choice 'all'/,
    );
    expect(() => resolveFormulation({ idlingPct: 120 })).toThrow(/idling loss must be a percentage/);
  });
});
