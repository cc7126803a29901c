/** `mpopf solve --method enapp|both`: the ENApp CLI end to end (spawned like a user would). */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMpopf } from "../../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-solve-enapp-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mpopf = (...args: string[]) => runMpopf(tmp, ...args);

const T3 = ["--horizon", "3", "--objective", "cost", "--pv", "20", "--batt", "30"];

describe("mpopf solve --method enapp|both", () => {
  it("both: solves MPCOPF and MPDOPF, prints Table II, writes the report's run-directory layout", () => {
    const out = join(tmp, "both");
    const r = mpopf("solve", ...T3, "--method", "both", "--areas", "ieee123-4", "--out", out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/MPCOPF vs MPDOPF/);
    expect(r.out).toMatch(/\| Line loss \| kWh \|/);
    expect(r.out).toMatch(/status {10}converged/);
    expect(r.err).toMatch(/macro-iteration 1: residuals/);
    for (const f of [
      "tables/mpcopf/periods.csv",
      "tables/mpdopf/periods.csv",
      "tables/mpdopf/buses.csv",
      "tables/enapp/iterations.csv",
      "tables/enapp/boundaries.csv",
      "tables/enapp/areas.csv",
      "tables/enapp/residuals.csv",
      "report-input.json",
      "manifest.json",
      "tables/mpcopf/summary.json",
      "tables/mpdopf/summary.json",
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(m.method).toBe("both");
    const s = m.solves;
    expect(s.mpdopf).toMatchObject({ status: "converged", valid: true, partition: "ieee123-4", areas: 4 });
    expect(Math.abs(s.mpdopf.costUsd - s.mpcopf.costUsd) / s.mpcopf.costUsd).toBeLessThan(1e-3);
    const head = readFileSync(join(out, "tables/enapp/boundaries.csv"), "utf8").split("\n")[0];
    expect(head).toBe("k,boundary,t,pKw,qKvar,vPu,usedPKw,usedQKvar,usedVPu");
  });

  it("enapp --json in this thread with the marginal coupling and custom tolerances", () => {
    const r = mpopf(
      "solve",
      ...T3,
      "--method",
      "enapp",
      "--coupling",
      "marginal",
      "--tol-q",
      "0.5",
      "--workers",
      "0",
      "--json",
      "--quiet",
    );
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({
      status: "converged",
      workers: 1,
      tolerances: { vPu: 1e-5, pKw: 0.1, qKvar: 0.5 },
    });
    expect(r.err).toBe("");
  });

  it("a run that does not converge exits 1, says so and writes nothing", () => {
    const out = join(tmp, "nc");
    const r = mpopf("solve", ...T3, "--method", "enapp", "--max-macro", "2", "--out", out);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/max-iterations {2}\(NOT a valid result\)/);
    expect(r.err).toMatch(/NOT converged after 2 macro-iterations/);
    expect(existsSync(out)).toBe(false);
  });

  it("an unknown partition is an input error naming case.json", () => {
    const r = mpopf("solve", ...T3, "--method", "enapp", "--areas", "nope");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(
      /case\.json.*has no partition 'nope' \(available: ieee123-4; or auto:K, or a bus,area CSV file\)/s,
    );
  });
});
