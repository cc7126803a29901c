import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMpopf } from "../../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-solve-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mpopf = (...args: string[]) => runMpopf(tmp, ...args);

describe("mpopf solve", () => {
  it("solves T=5 and writes the run directory's tables (tables/mpcopf/*.csv) atomically, summary as JSON", () => {
    const out = join(tmp, "t5");
    const r = mpopf(
      "solve",
      "--horizon",
      "5",
      "--objective",
      "cost",
      "--pv",
      "20",
      "--batt",
      "30",
      "--out",
      out,
      "--json",
    );
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ status: "solve_succeeded", valid: true, T: 5, objectiveKind: "cost" });
    for (const k of [
      "objective",
      "lossKwh",
      "pSubsKwh",
      "qSubsKvarh",
      "costUsd",
      "iterations",
      "solveSeconds",
    ]) {
      expect(typeof s[k]).toBe("number");
    }
    expect(s.maxResidualPu).toBeLessThanOrEqual(1e-6);
    // Progress lines go to stderr, one per stage.
    expect(r.err).toMatch(/loading case ieee123/);
    expect(r.err).toMatch(/self-check/);
    for (const t of ["periods", "pv", "batteries", "buses", "branches"]) {
      expect(existsSync(join(out, `tables/mpcopf/${t}.csv`))).toBe(true);
    }
    const periods = readFileSync(join(out, "tables/mpcopf/periods.csv"), "utf8").trim().split("\n");
    expect(periods[0]).toMatch(
      /^t,hour,dtH,loadMult,pvMult,priceUsdPerKwh,pSubsKw,qSubsKvar,lossKw,costUsd,loadKw,loadKvar,extraLoadKw,pvKw,battNetKw$/,
    );
    expect(periods).toHaveLength(6);
    const sumCost = periods.slice(1).reduce((a, line) => a + Number(line.split(",")[9]), 0);
    expect(sumCost).toBeCloseTo(s.costUsd, 6);
    const solver = JSON.parse(readFileSync(join(out, "tables/mpcopf/solver.json"), "utf8"));
    expect(solver.status).toBe("solve_succeeded");
    expect(solver.options.tol).toBe(1e-8);
    expect(solver.check.ok).toBe(true);
  });

  it("prints a readable summary without --json", () => {
    const r = mpopf("solve", "--horizon", "1", "--objective", "loss", "--quiet");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/status\s+solve_succeeded/);
    expect(r.out).toMatch(/line loss\s+\d+\.\d+ kW/);
    expect(r.err).toBe("");
  });

  it("an infeasible scenario exits non-zero and writes no tables", () => {
    const out = join(tmp, "infeasible");
    const r = mpopf("solve", "--horizon", "2", "--v-min", "1.04", "--out", out, "--json");
    expect(r.code).toBe(1);
    const s = JSON.parse(r.out);
    expect(s.status).toBe("infeasible_problem_detected");
    expect(s.valid).toBe(false);
    expect(r.err).toMatch(/no valid solution \(infeasible_problem_detected\)/);
    expect(existsSync(out)).toBe(false);
  });

  it("a horizon beyond the case's profile points is a usage error naming the option (exit 2)", () => {
    const r = mpopf("solve", "--horizon", "30");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--horizon: must be at most 24/);
    expect(r.err).toMatch(/horizon/);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });
});
