import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunDirWriter } from "../../harness/run-dir.ts";
import { runMpopf } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mpopf = (...args: string[]) => runMpopf(tmp, ...args);

describe("mpopf CLI: case show, errors, exit codes", () => {
  it("prints the IEEE-123 summary table", () => {
    const r = mpopf("case", "show", "ieee123");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/buses\s+128\n/);
    expect(r.out).toMatch(/branches\s+127\n/);
    expect(r.out).toMatch(/load buses\s+85\n/);
    expect(r.out).toMatch(/total rated load\s+1163\.197 kW \+ 640\.012 kVAr/);
    expect(r.out).toMatch(/PVs \(20 %\)\s+17 /);
    expect(r.out).toMatch(/batteries \(30 %\)\s+26 /);
    expect(r.out).toMatch(/boundaries \(ieee123-4\)\s+1→2 \(117→54\), 1→3 \(118→37\), 2→4 \(125→128\)/);
  });

  it("prints JSON with --json and honours --pv/--batt", () => {
    const r = mpopf("case", "show", "ieee123", "--json", "--pv", "10", "--batt", "15");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({
      buses: 128,
      branches: 127,
      loadBuses: 85,
      pvs: 9,
      batteries: 13,
      capacitorsKvar: 350,
    });
    expect(s.partitions[0].areas).toBe(4);
  });

  it("reports bad input with exit code 1 and usage errors with 2, without a stack trace", () => {
    // An option value out of its range is a usage error (exit 2) since the strict CLI values of the reliability issue.
    const bad = mpopf("case", "show", "ieee123", "--pv", "150");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^mpopf: --pv: must be <= 100, got 150\n/);
    const missing = mpopf("case", "show", "no-such-case");
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no study case 'no-such-case'/);
    const usage = mpopf("case", "frobnicate", "ieee123");
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/Unknown argument/);
    expect(mpopf("--help").out).toMatch(/mpopf case <action>/);
    expect(mpopf("case", "--help").out).toMatch(
      /mpopf case show \[name\][\s\S]*mpopf case generate[\s\S]*mpopf case import <deck>/,
    );
  });
});

describe("run directories are written atomically", () => {
  it("leaves the previous run untouched when a run fails, and replaces it on commit", () => {
    const target = join(tmp, "run");
    const a = new RunDirWriter(target, { kind: "test" });
    a.write("a.txt", "first");
    a.commit();
    const b = new RunDirWriter(target, { kind: "test" });
    b.write("b.txt", "second");
    expect(readFileSync(join(target, "a.txt"), "utf8")).toBe("first");
    b.abort();
    expect(readdirSync(tmp).filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect(existsSync(join(target, "b.txt"))).toBe(false);
    const c = new RunDirWriter(target, { kind: "test" });
    c.write("c.txt", "third");
    c.commit();
    expect(readdirSync(target).sort()).toEqual([".mpopf-run.json", "c.txt"]);
  });
});
