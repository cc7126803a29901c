/**
 * The seeded feeder generator: deterministic, radial with a deep trunk and laterals, per-load profiles, DERs,
 * voltage-feasible at the substation setting; written as a case folder it loads back to the same feeder; the
 * CLI writes it only where mpopf may write.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseFromFeeder, loadCase } from "../../models/case.ts";
import { generateFeeder } from "../../models/generate.ts";
import { buildScenario } from "../../models/scenario.ts";
import { caseFiles } from "../../models/write-case.ts";
import { buildIpoptWasmIfNeeded } from "../../solvers/ipopt/artifact.ts";
import { createIpoptSolver } from "../../solvers/ipopt/index.ts";
import { solveMpopf } from "../../solvers/mpopf/solve.ts";
import { runMpopf } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-generate-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("generateFeeder", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = caseFiles(generateFeeder({ buses: 300, seed: 7 }), { provenance: "test" });
    const b = caseFiles(generateFeeder({ buses: 300, seed: 7 }), { provenance: "test" });
    const c = caseFiles(generateFeeder({ buses: 300, seed: 8 }), { provenance: "test" });
    expect([...a.entries()]).toEqual([...b.entries()]);
    expect(a.get("branches.csv")).not.toBe(c.get("branches.csv"));
  });

  for (const N of [100, 1000, 10000]) {
    it(`${N} buses: a radial tree with a deep trunk, laterals, per-load profiles and DERs`, () => {
      const f = generateFeeder({ buses: N, seed: 1 });
      const c = caseFromFeeder(f);
      const net = c.network;
      expect(net.buses).toHaveLength(N);
      expect(net.branches).toHaveLength(N - 1);
      // Depth: the trunk alone is ~2√N long; laterals make the tree bushy (many leaves).
      const depth = new Int32Array(N);
      for (const b of net.order) if (net.parent[b]! >= 0) depth[b] = depth[net.parent[b]!]! + 1;
      expect(Math.max(...depth)).toBeGreaterThanOrEqual(Math.round(2 * Math.sqrt(N)));
      const leaves = net.children.filter((ch) => ch.length === 0).length;
      expect(leaves).toBeGreaterThan(N / 20);
      // Every load has its own profile; classes differ.
      expect(new Set(f.loads.map((l) => l.profile)).size).toBe(f.loads.length);
      expect(f.loads.length).toBeGreaterThan(0.4 * N);
      expect(f.pvs.length).toBeGreaterThan(0);
      expect(f.batteries.length).toBeGreaterThan(0);
      expect(f.buses.every((b) => b.x !== undefined && b.y !== undefined)).toBe(true);
      const peak = f.loads.reduce((s, l) => s + l.kw, 0);
      expect(peak).toBeGreaterThan(500);
      expect(peak).toBeLessThanOrEqual(8000 * (1 + 1e-5));
    });
  }

  it("writes a case folder that loads back to the same feeder", () => {
    const f = generateFeeder({ buses: 200, seed: 4, stepMinutes: 15 });
    const dir = join(tmp, "g200");
    mkdirSync(dir);
    for (const [name, text] of caseFiles(f, { provenance: "generated for a test" }))
      writeFileSync(join(dir, name), text);
    const c = loadCase(dir);
    expect(c.feeder.lines.map((l) => [l.id, l.from, l.to, l.rOhm, l.xOhm, l.iMaxA])).toEqual(
      f.lines.map((l) => [l.id, l.from, l.to, l.rOhm, l.xOhm, l.iMaxA]),
    );
    expect(c.feeder.loads.map((l) => [l.id, l.bus, l.kw, l.kvar, l.profile])).toEqual(
      f.loads.map((l) => [l.id, l.bus, l.kw, l.kvar, l.profile]),
    );
    expect(c.feeder.batteries).toEqual(f.batteries.map((b) => ({ ...b, at: expect.anything() })));
    expect(Array.from(c.feeder.profiles[f.loads[3]!.profile!]!.values)).toEqual(
      Array.from(f.profiles[f.loads[3]!.profile!]!.values),
    );
    expect(readFileSync(join(dir, "loads.csv"), "utf8").split("\n")[0]).toBe("# loads: generated for a test");
    expect(buildScenario(c, {}).dtH).toBe(0.25);
  });
});

describe("a generated feeder is voltage-feasible and solves", () => {
  beforeAll(() => buildIpoptWasmIfNeeded(), 300_000);
  it("500 buses, T = 24: the MPCOPF solves and keeps every bus in 0.95–1.05 pu", async () => {
    const solver = await createIpoptSolver();
    const c = caseFromFeeder(generateFeeder({ buses: 500, seed: 2 }));
    const sol = solveMpopf({ scenario: buildScenario(c, { horizon: 24 }) }, solver);
    expect(sol.valid, sol.summary.message).toBe(true);
    const v = sol.tables.buses.array("vPu") as Float64Array;
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0.95 - 1e-7);
  }, 120_000);
});

describe("mpopf case generate", () => {
  it("writes the folder atomically, refuses a folder it did not write, replaces its own", () => {
    const out = join(tmp, "cli");
    const r = runMpopf(tmp, "case", "generate", "--buses", "60", "--seed", "5", "--out", out);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out)).toContain("case.json");
    expect(runMpopf(tmp, "case", "show", out).out).toMatch(/buses\s+60\n/);
    expect(runMpopf(tmp, "case", "generate", "--buses", "70", "--out", out).code).toBe(0);
    expect(runMpopf(tmp, "case", "show", out).out).toMatch(/buses\s+70\n/);
    const mine = join(tmp, "mine");
    mkdirSync(mine);
    writeFileSync(join(mine, "notes.txt"), "keep");
    const refused = runMpopf(tmp, "case", "generate", "--buses", "60", "--out", mine);
    expect(refused.code).toBe(1);
    expect(readFileSync(join(mine, "notes.txt"), "utf8")).toBe("keep");
    expect(runMpopf(tmp, "case", "generate", "--buses", "5", "--out", join(tmp, "x")).code).toBe(2);
  }, 60_000);
});
