/**
 * Horizon totals are energies (Σ kW·Δt in kWh) everywhere — summary, human text, Table IV — also when Δt is not
 * an hour: the two-zone case (T = 96 at 15 min), solved through the library as a user would.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildScenario,
  formatSummary,
  loadCase,
  type MpopfSolution,
  numberColumn,
  renderTable,
  solveCentral,
  table4,
} from "../../harness/index.ts";
import { hourlyTable } from "../../reports/tables.ts";
import { buildIpoptWasmIfNeeded } from "../../solvers/ipopt/artifact.ts";

let sol: MpopfSolution;
beforeAll(async () => {
  buildIpoptWasmIfNeeded();
  sol = await solveCentral(buildScenario(loadCase("two-zone")));
}, 300_000);

const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);

describe("energies at Δt = 15 min (two-zone, T = 96)", () => {
  it("the summary's totals are Σ kW·Δt of the periods table, in kWh", () => {
    const s = sol.summary;
    expect(sol.valid, s.message).toBe(true);
    expect([s.T, s.dtH]).toEqual([96, 0.25]);
    const p = sol.tables.periods;
    expect(s.lossKwh).toBeCloseTo(sum(numberColumn(p, "lossKw")) * 0.25, 9);
    expect(s.pSubsKwh).toBeCloseTo(sum(numberColumn(p, "pSubsKw")) * 0.25, 9);
    expect(s.qSubsKvarh).toBeCloseTo(sum(numberColumn(p, "qSubsKvar")) * 0.25, 9);
    expect(s.costUsd).toBeCloseTo(sum(numberColumn(p, "costUsd")), 9);
    expect(s.peakKw).toBe(Math.max(...numberColumn(p, "pSubsKw")));
    expect(numberColumn(p, "dtH").every((v) => v === 0.25)).toBe(true);
    expect(Array.from(numberColumn(p, "hour").slice(0, 3))).toEqual([0, 0.25, 0.5]);
  });

  it("the human text says kWh and the period length, never a sum of kW", () => {
    const text = formatSummary(sol.summary);
    expect(text).toContain(
      `line loss       ${sol.summary.lossKwh.toFixed(2)} kWh (horizon total: 96 periods, Δt = 15 min)`,
    );
    expect(text).toMatch(/substation\s+[\d.-]+ kWh, [\d.-]+ kVArh \(horizon totals\), peak [\d.]+ kW/);
    expect(text).not.toMatch(/sum over periods|kW \(sums\)/);
  });

  it("Table IV shows the same energies, with Δt in its caption; the per-period table the period start", () => {
    const t4 = table4([{ label: "MPCOPF", ...sol.tables }]);
    expect(t4.spec.caption).toMatch(/Δt = 15 min/);
    const md = renderTable(t4).md;
    expect(md).toContain(`| Line loss | kWh | ${sol.summary.lossKwh.toFixed(2)} |`);
    expect(md).toContain(`| Substation P | kWh | ${sol.summary.pSubsKwh.toFixed(2)} |`);
    const hourly = renderTable(hourlyTable({ label: "MPCOPF", ...sol.tables }, "hourly")).md;
    expect(hourly).toMatch(/\| t \| Hour \(h\) \|/);
    expect(hourly).toMatch(/^\| 2 \| 0\.25 \|/m);
  });
});
