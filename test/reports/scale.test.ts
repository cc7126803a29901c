/**
 * Figures at any size: past the per-element limits the report draws fleet aggregates, envelopes, summaries and a
 * handful of chosen elements (saying so in the captions), and a feeder map where coordinates exist.
 */
import { table } from "arquero";
import { describe, expect, it } from "vitest";
import type { ReportInput, ResultSet } from "../../reports/contract.ts";
import { PER_ELEMENT_LIMITS, TOP_N } from "../../reports/figures/scale.ts";
import { buildReport } from "../../reports/report.ts";

const T = 4;
const NB = 250; // buses, above the limit
const NBATT = 40; // batteries, above the limit

function set(label: string, vShift: number): ResultSet {
  const ts = Array.from({ length: T }, (_, i) => i + 1);
  const per = <V>(f: (t: number, k: number) => V, n: number): V[] =>
    ts.flatMap((t) => Array.from({ length: n }, (_, k) => f(t, k)));
  const busIds = Array.from({ length: NB }, (_, k) => `b${k}`);
  const battIds = Array.from({ length: NBATT }, (_, k) => `B${k}`);
  return {
    label,
    periods: table({
      t: ts,
      pSubsKw: ts.map((t) => 100 + t),
      qSubsKvar: ts.map(() => 10),
      lossKw: ts.map(() => 2),
      costUsd: ts.map(() => 5),
    }),
    batteries: table({
      t: per((t) => t, NBATT),
      battery: per((_t, k) => battIds[k]!, NBATT),
      bus: per((_t, k) => busIds[k]!, NBATT),
      pcKw: per((t, k) => (t % 2 ? k : 0), NBATT),
      pdKw: per((t, k) => (t % 2 ? 0 : k / 2), NBATT),
      pNetKw: per((t, k) => (t % 2 ? -k : k / 2), NBATT),
      qKvar: per(() => 0, NBATT),
      socKwh: per((t, k) => 10 + t + k, NBATT),
      socPct: per((t, k) => 30 + t + k, NBATT),
    }),
    buses: table({
      t: per((t) => t, NB),
      bus: per((_t, k) => busIds[k]!, NB),
      vPu: per((t, k) => 1 - 0.0001 * k - 0.001 * t + vShift * k, NB),
    }),
    branches: table({
      t: per((t) => t, NB - 1),
      branch: per((_t, k) => `L${k}`, NB - 1),
      from: per((_t, k) => busIds[k]!, NB - 1),
      to: per((_t, k) => busIds[k + 1]!, NB - 1),
    }),
  };
}

describe("report figures past the per-element limits", () => {
  it("draws fleet aggregates, envelopes, summaries, a few chosen elements and a feeder map, and says so", async () => {
    const input: ReportInput = {
      title: "large",
      mpcopf: set("MPCOPF", 0),
      replay: { mpcopf: set("OpenDSS", 1e-6) },
      coordinates: table({
        bus: Array.from({ length: NB }, (_, k) => `b${k}`),
        x: Array.from({ length: NB }, (_, k) => k),
        y: Array.from({ length: NB }, (_, k) => Math.sin(k)),
      }),
    };
    expect(NB).toBeGreaterThan(PER_ELEMENT_LIMITS.buses);
    expect(NBATT).toBeGreaterThan(PER_ELEMENT_LIMITS.batteries);
    const out = await buildReport(input);
    const byId = new Map(out.index.figures.map((f) => [f.id, f]));
    for (const id of [
      "fig-battery-fleet-mpcopf",
      "fig-battery-power-mpcopf",
      "fig4-battery-soc",
      "fig-voltage-mpcopf",
      "fig-dv-summary-mpcopf",
      "fig-dv-heatmap-mpcopf",
      "fig-feeder-map",
    ]) {
      expect(byId.has(id), id).toBe(true);
    }
    const text = (p: string) => {
      const d = out.files.get(p)!;
      return typeof d === "string" ? d : new TextDecoder().decode(d);
    };
    const html = text("report.html");
    expect(html).toMatch(/fleet aggregate, since more than 30 batteries/);
    expect(html).toMatch(
      new RegExp(`Only the ${TOP_N.batteries} of ${NBATT} batteries with the largest throughput`),
    );
    expect(html).toMatch(/an envelope, since more than 200 buses/);
    expect(html).toMatch(new RegExp(`Only the ${TOP_N.buses} of ${NB} buses with the largest \\|ΔV\\|`));
    expect(html).toMatch(/the 250 buses at the case's coordinates/);
    // The busiest batteries are the ones with the largest index here (throughput grows with k).
    const power = text("report/figures/fig-battery-power-mpcopf.svg");
    expect(power).toContain("bus b39");
    expect(power).not.toContain("bus b0<");
  }, 120_000);
});
