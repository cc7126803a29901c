/**
 * One run-directory layout (issue 13): `mpopf solve --out D` (central), `mpopf solve --method both --out D`
 * and `mpopf run --out D` write the same structure — manifest.json with the same keys, tables/<solution>/
 * with the one schema's column lists (optimizer and power flow alike), replays only when the run replays,
 * the marker — and `mpopf report D` and `mpopf validate D` work on each. Runs the CLI on the 6-bus fixture.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRunDir, RUN_MARKER } from "../../harness/run-dir.ts";
import { columnNames, RESULT_TABLE_NAMES } from "../../models/results.ts";
import { buildIpoptWasmIfNeeded } from "../../solvers/ipopt/artifact.ts";
import { runMpopf } from "../helpers/cli.ts";
import { REPO_ROOT } from "../helpers/reference.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-layout-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const mpopf = (...args: string[]) => runMpopf(tmp, ...args);
const FIXTURE = join(REPO_ROOT, "test/fixtures/feeder-6bus");
const STUDY = ["--case", FIXTURE, "--horizon", "3"];

const dirs = {
  central: join(tmp, "central"),
  both: join(tmp, "both"),
  run: join(tmp, "run"),
};
const manifest = (d: string) => JSON.parse(readFileSync(join(d, "manifest.json"), "utf8"));
const header = (f: string) => readFileSync(f, "utf8").split("\n")[0]!;

beforeAll(() => {
  buildIpoptWasmIfNeeded();
  for (const [args, out] of [
    [["solve", ...STUDY, "--quiet"], dirs.central],
    [["solve", ...STUDY, "--method", "both", "--quiet"], dirs.both],
    [["run", ...STUDY, "--no-report"], dirs.run],
  ] as const) {
    const r = mpopf(...args, "--out", out);
    expect(r.code, r.err).toBe(0);
  }
}, 300_000);

describe("one run-directory layout for solve --out, solve --method both --out and run --out", () => {
  it("the same manifest structure, kind and method recorded", () => {
    const m = Object.fromEntries(Object.entries(dirs).map(([k, d]) => [k, manifest(d)]));
    const keys = Object.keys(m.central).sort();
    expect(keys).toEqual([
      "case",
      "caseDir",
      "format",
      "kind",
      "method",
      "powerFlow",
      "replays",
      "scenario",
      "solves",
      "thresholds",
      "timingsSeconds",
      "tool",
    ]);
    for (const k of ["both", "run"]) expect(Object.keys(m[k]).sort(), k).toEqual(keys);
    for (const x of Object.values(m)) {
      expect(x.format).toBe("mpopf-run/2");
      expect(Object.keys(x.scenario).sort()).toEqual(Object.keys(m.central.scenario).sort());
      expect(x.scenario.T).toBe(3);
    }
    expect([m.central.kind, m.central.method]).toEqual(["solve", "central"]);
    expect([m.both.kind, m.both.method]).toEqual(["solve", "both"]);
    expect([m.run.kind, m.run.method]).toEqual(["run", "both"]);
    expect(Object.keys(m.central.solves)).toEqual(["mpcopf"]);
    expect(Object.keys(m.both.solves)).toEqual(["mpcopf", "mpdopf"]);
    expect(Object.keys(m.run.solves)).toEqual(["mpcopf", "mpdopf"]);
    // Replays only when the run replays.
    expect(m.central.replays).toEqual([]);
    expect(m.both.replays).toEqual([]);
    expect(m.central.powerFlow).toBeNull();
    expect(m.run.replays).toEqual([
      "mpcopf-model-consistent",
      "mpcopf-paper-style",
      "mpdopf-model-consistent",
      "mpdopf-paper-style",
    ]);
    for (const d of Object.values(dirs)) expect(checkRunDir(d).files["manifest.json"]).toBeDefined();
    expect(checkRunDir(dirs.central).kind).toBe("solve");
    expect(checkRunDir(dirs.run).kind).toBe("run");
  });

  it("tables/<solution>/ hold the one schema's column lists, optimizer and power flow alike", () => {
    const sets: Array<[string, string]> = [
      [dirs.central, "mpcopf"],
      [dirs.both, "mpcopf"],
      [dirs.both, "mpdopf"],
      [dirs.run, "mpcopf"],
      [dirs.run, "mpdopf"],
      [dirs.run, "replay-mpcopf"],
      [dirs.run, "replay-mpdopf"],
    ];
    for (const [d, s] of sets) {
      for (const name of RESULT_TABLE_NAMES) {
        const f = join(d, "tables", s, `${name}.csv`);
        expect(existsSync(f), f).toBe(true);
        expect(header(f), f).toBe(columnNames(name).join(","));
      }
    }
    for (const d of [dirs.both, dirs.run]) {
      expect(header(join(d, "tables/enapp/iterations.csv"))).toBe(columnNames("iterations").join(","));
      expect(header(join(d, "tables/enapp/boundaries.csv"))).toBe(columnNames("boundaries").join(","));
    }
    expect(existsSync(join(dirs.central, "replay"))).toBe(false);
    expect(existsSync(join(dirs.central, "thresholds.json"))).toBe(false);
    expect(existsSync(join(dirs.run, "replay/mpcopf-paper-style/comparison.json"))).toBe(true);
    expect(existsSync(join(dirs.run, "thresholds.json"))).toBe(true);
    // The replay observes the branch flows the optimizer decided (the report's paper-style deck adds line
    // charging, so P agrees to a fraction of a kW, not to the model-consistent deck's 1e-2 kW).
    const row = (f: string) => readFileSync(f, "utf8").split("\n")[1]!.split(",");
    const opt = row(join(dirs.run, "tables/mpcopf/branches.csv"));
    const pf = row(join(dirs.run, "tables/replay-mpcopf/branches.csv"));
    expect(pf.slice(0, 4)).toEqual(opt.slice(0, 4));
    for (const c of [4, 6, 7])
      expect(Math.abs(Number(pf[c]) - Number(opt[c])), `column ${c}`).toBeLessThan(0.5);
  });

  it("mpopf report renders each, and each stays a complete run directory", () => {
    for (const [k, d] of Object.entries(dirs)) {
      const r = mpopf("report", d);
      expect(r.code, `${k}: ${r.err}`).toBe(0);
      expect(existsSync(join(d, "report.html")), k).toBe(true);
      expect(() => checkRunDir(d)).not.toThrow();
    }
    const both = readFileSync(join(dirs.both, "report.md"), "utf8");
    expect(both).toMatch(/\*\*Table II\.\*\*/);
    expect(readFileSync(join(dirs.run, "report.md"), "utf8")).toMatch(/\*\*Table III\.\*\*/);
  }, 120_000);

  it("mpopf validate: the solves of a directory without replays, and says plainly that nothing was replayed", () => {
    for (const d of [dirs.central, dirs.both]) {
      const r = mpopf("validate", d);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^thresholds: none checked \(nothing was replayed\)$/m);
      expect(r.out).toMatch(/^PASS solve mpcopf: solve_succeeded, valid; self-check max residual/m);
      expect(r.out).toMatch(/^nothing was replayed: /m);
      const j = JSON.parse(mpopf("validate", d, "--json").out);
      expect(j).toMatchObject({ ok: true, replayed: false, reports: [] });
    }
    expect(mpopf("validate", dirs.both).out).toMatch(
      /^PASS solve mpdopf: converged, valid; \d+ macro-iterations/m,
    );
    const run = mpopf("validate", dirs.run);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/^PASS mpcopf model-consistent/m);
    expect(run.out).not.toMatch(/nothing was replayed/);
    // A recorded solve that is not valid fails the verdict (exit 1), naming the solve.
    const m = manifest(dirs.central);
    m.solves.mpcopf.valid = false;
    writeFileSync(join(dirs.central, "manifest.json"), JSON.stringify(m));
    const bad = mpopf("validate", dirs.central);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^FAIL solve mpcopf: solve_succeeded, NOT valid/m);
    expect(bad.err).toMatch(/solve\(s\) mpcopf not valid/);
    expect(existsSync(join(dirs.central, RUN_MARKER))).toBe(true);
  });
});
