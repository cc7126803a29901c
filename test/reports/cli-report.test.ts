import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildReport } from "../../reports/report.ts";
import { readRunDir, runDirFiles } from "../../reports/run-files.ts";
import { runMpopf } from "../helpers/cli.ts";
import { mpcopf, syntheticInput, writeSyntheticRunDir } from "./synthetic.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-report-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mpopf = (...args: string[]) => runMpopf(tmp, ...args);

/** Every file under a directory (relative path → bytes), sorted. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

describe("mpopf report RUN_DIR", () => {
  const run = join(tmp, "run");

  it("regenerates the full report from the run directory's tables", () => {
    writeSyntheticRunDir(run);
    mkdirSync(join(run, "report/figures"), { recursive: true });
    writeFileSync(join(run, "report/figures/stale.svg"), "<svg/>");
    const r = mpopf("report", run);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/report: 8 tables, 9 figures → .*report\.html/);
    for (const f of [
      "report.html",
      "report.md",
      "report/index.json",
      "report/tables/table2-mpcopf-vs-mpdopf.tex",
    ]) {
      expect(existsSync(join(run, f)), f).toBe(true);
    }
    expect(existsSync(join(run, "report/figures/stale.svg"))).toBe(false);
    expect(readdirSync(run).filter((n) => n.startsWith(".report.tmp"))).toEqual([]);
  });

  it("gives the same bytes as the in-memory report (the CSV round trip loses nothing) and on a rerun", async () => {
    const before = tree(run);
    const inMemory = await buildReport(syntheticInput());
    for (const [rel, data] of inMemory.files) {
      expect(before.get(rel)?.equals(Buffer.from(data)), rel).toBe(true);
    }
    expect(mpopf("report", run).code).toBe(0);
    const after = tree(run);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [k, v] of before) expect(after.get(k)!.equals(v), k).toBe(true);
  });

  it("reads back exactly what the writer wrote", () => {
    const back = readRunDir(run);
    const files = runDirFiles(back);
    for (const [rel, text] of files) expect(readFileSync(join(run, rel), "utf8"), rel).toBe(text);
  });

  it("reads CSVs with trailing blank lines and empty cells of non-converged replay hours", () => {
    const f = join(run, "tables/replay-mpdopf/periods.csv");
    const original = readFileSync(f, "utf8");
    const lines = original.trimEnd().split("\n");
    const header = lines[0]!.split(",");
    const cells = lines[2]!.split(","); // t = 2
    for (const c of ["pSubsKw", "qSubsKvar", "lossKw", "costUsd"]) cells[header.indexOf(c)] = "";
    lines[2] = cells.join(",");
    writeFileSync(f, `${lines.join("\n")}\n\n\n`);
    try {
      const back = readRunDir(run);
      const p = back.replay!.mpdopf!.periods;
      expect(p.numRows()).toBe(4);
      expect(p.array("pSubsKw")[1]).toBeNull();
      expect(p.array("pSubsKw")[2]).toBe(79.999);
      expect(back.replay!.mpdopf!.label).toBe("OpenDSS");
    } finally {
      writeFileSync(f, original);
    }
  });

  it("renders what a partial run allows and says what it skipped", () => {
    const part = join(tmp, "partial");
    writeSyntheticRunDir(part, { title: "Only the centralized solve", mpcopf: mpcopf() });
    const r = mpopf("report", part);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/skipped: Table II \(MPCOPF vs MPDOPF\): needs both/);
    expect(r.err).toMatch(/skipped: Table III/);
    const html = readFileSync(join(part, "report.html"), "utf8");
    expect(html).toContain('id="not-included"');
    const index = JSON.parse(readFileSync(join(part, "report/index.json"), "utf8"));
    expect(index.tables.map((t: { id: string }) => t.id)).toEqual(["table4-horizon-totals", "hourly-mpcopf"]);
    expect(index.figures.map((f: { id: string }) => f.id)).toEqual([
      "fig2-inputs",
      "fig-battery-power-mpcopf",
      "fig4-battery-soc",
      "fig-substation",
    ]);
  });

  it("names the file, line and field of a bad table and exits 1", () => {
    const bad = join(tmp, "bad");
    writeSyntheticRunDir(bad);
    const f = join(bad, "tables/mpcopf/periods.csv");
    const lines = readFileSync(f, "utf8").split("\n");
    const header = lines[0]!.split(",");
    const cells = lines[2]!.split(",");
    cells[header.indexOf("lossKw")] = "abc";
    lines[2] = cells.join(",");
    writeFileSync(f, lines.join("\n"));
    const r = mpopf("report", bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "tables/mpcopf/periods.csv:3: row 2: field 'lossKw': expected a finite number, got 'abc'",
    );
    expect(existsSync(join(bad, "report.html"))).toBe(false);
  });

  it("refuses a missing run directory", () => {
    const r = mpopf("report", join(tmp, "nope"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nope: not a run directory/);
  });
});
