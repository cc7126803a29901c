import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIpoptWasmIfNeeded } from "../../solvers/ipopt/artifact.ts";
import { runMpopf } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-run-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mpopf = (...args: string[]) => runMpopf(tmp, ...args);

describe("mpopf run: the main job end to end (IEEE-123, T = 3, centralized and ENApp)", () => {
  let run: ReturnType<typeof mpopf>;
  const out = join(tmp, "run");
  beforeAll(() => {
    buildIpoptWasmIfNeeded();
    run = mpopf("run", "--horizon", "3", "--out", out);
  }, 300_000);

  it("succeeds and writes solve tables, replays of both deck flavours, the report and a manifest", () => {
    expect(run.err).toMatch(/\[run\] MPCOPF: solve_succeeded/);
    expect(run.code).toBe(0);
    for (const f of [
      "manifest.json",
      "tables/mpcopf/periods.csv",
      "tables/mpcopf/batteries.csv",
      "tables/replay-mpcopf/periods.csv",
      "tables/mpdopf/periods.csv",
      "tables/replay-mpdopf/periods.csv",
      "tables/enapp/iterations.csv",
      "tables/enapp/boundaries.csv",
      "replay/mpdopf-model-consistent/comparison.json",
      "replay/mpdopf-paper-style/comparison.json",
      "thresholds.json",
      "replay/mpcopf-model-consistent/comparison.json",
      "replay/mpcopf-paper-style/deck/Master.dss",
      "replay/mpcopf-paper-style/deck/Hour03.dss",
      "report.html",
      "report.md",
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readdirSync(tmp).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("records inputs, solver and engine identity, verdicts and timings in the manifest", () => {
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(m.case).toBe("ieee123");
    expect(m.scenario.T).toBe(3);
    expect(m.solves.mpcopf.status).toBe("solve_succeeded");
    expect(m.solves.mpcopf.solver).toMatchObject({ name: "Ipopt", version: "3.11.9", backend: "wasm" });
    expect(m.solves.mpcopf.selfCheck.maxResidualPu).toBeLessThan(1e-6);
    expect(m.powerFlow.flavours).toEqual(["model-consistent", "paper-style"]);
    expect(m.solves.mpdopf).toMatchObject({ converged: true, valid: true, areas: 4, boundaries: 3 });
    expect(Math.abs(m.solves.mpdopf.costUsd - m.solves.mpcopf.costUsd)).toBeLessThan(
      1e-3 * m.solves.mpcopf.costUsd,
    );
    expect(m.thresholds.map((v: { replay: string }) => v.replay)).toEqual([
      "mpcopf-model-consistent",
      "mpcopf-paper-style",
      "mpdopf-model-consistent",
      "mpdopf-paper-style",
    ]);
    expect(m.thresholds.every((v: { ok: boolean }) => v.ok)).toBe(true);
    expect(m.timingsSeconds.total).toBeGreaterThan(0);
  });

  it("validates against the default thresholds, and fails a threshold set below the measured value", () => {
    const ok = mpopf("validate", out);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/thresholds: .*thresholds\.json/);
    expect(ok.out).toMatch(/PASS mpcopf model-consistent/);
    expect(ok.out).toMatch(/PASS mpdopf model-consistent/);
    const strict = join(tmp, "strict.json");
    writeFileSync(
      strict,
      JSON.stringify({ flavours: { "model-consistent": { voltagePu: { abs: 1e-15 } } } }),
    );
    const bad = mpopf("validate", out, "--thresholds", strict);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/FAIL mpcopf model-consistent/);
    expect(bad.out).toMatch(/voltagePu/);
  });

  it("attributes each replay's discrepancy: in the replay folders, the report, and again with mpopf attribute", () => {
    for (const f of [
      "replay/mpcopf-paper-style/attribution.json",
      "replay/mpdopf-model-consistent/attribution.csv",
      "tables/attribution/mpcopf.csv",
      "report/tables/attribution-mpcopf.md",
      "report/figures/fig-attribution-mpdopf.svg",
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(run.err).toMatch(/\[run\] attribution mpcopf-paper-style \(1 extra replay\): observed/);
    const file = join(out, "replay/mpcopf-paper-style/attribution.json");
    const before = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, "{}"); // a damaged attribution is redone
    const r = mpopf("attribute", out, "--no-report");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/attribution mpcopf-paper-style \(1 extra replay\): observed ΔP_subs/);
    expect(r.out).toMatch(/ {2}line charging \[measured: opendss → none\]: .*ΔQ_subs -2\.\d+ kVArh/);
    const after = JSON.parse(readFileSync(file, "utf8"));
    expect(after.rows.map((x: { id: string }) => x.id)).toEqual(before.rows.map((x: { id: string }) => x.id));
    expect(after.observed.qSubsKvarh).toBeCloseTo(before.observed.qSubsKvarh, 9);
    // The run directory stays complete (its marker's inventory follows the rewritten files).
    expect(mpopf("validate", out).code).toBe(0);
    const none = mpopf("attribute", join(tmp, "no-such-run"));
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/not a run directory/);
  });

  it("stops with exit 1 and writes nothing when the solve is infeasible", () => {
    const bad = join(tmp, "bad");
    const r = mpopf("run", "--horizon", "2", "--out", bad, "--peak-cap", "10", "--method", "central");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/did not produce a valid result \(infeasible_problem_detected/);
    expect(existsSync(bad)).toBe(false);
  });
});
