/** `mpopf compare-methods` and `mpopf solve --method admm|app`: the head-to-head from the command line. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMpopf } from "../../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-compare-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const T2 = ["--horizon", "2", "--objective", "cost", "--pv", "20", "--batt", "30"];

describe("mpopf compare-methods", () => {
  it("prints the head-to-head table and writes table, figure, histories and summary", () => {
    const out = join(tmp, "cmp");
    const r = runMpopf(
      tmp,
      "compare-methods",
      ...T2,
      "--areas",
      "auto:3",
      "--methods",
      "enapp,admm",
      "--max-iter",
      "4",
      "--out",
      out,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^areas auto:3: 3 areas/);
    expect(r.out).toMatch(/\| centralized \| – \| solve_succeeded \|/);
    expect(r.out).toMatch(/\| ENApp \| synchronous \| (converged|max-iterations) \| \d+ \|/);
    // ADMM cannot converge in 4 iterations: a status in the table, not a failure of the command.
    expect(r.out).toMatch(/\| ADMM \| synchronous \| max-iterations \| 4 \|/);
    expect(r.err).toMatch(/not converged: ADMM/);
    for (const f of [
      "head-to-head.md",
      "head-to-head.csv",
      "head-to-head.tex",
      "summary.json",
      "tables/enapp/iterations.csv",
      "tables/admm/iterations.csv",
      "figures/fig-residuals.svg",
      "figures/fig-residuals.vl.json",
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    const s = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(s.rows.map((x: { method: string }) => x.method)).toEqual(["centralized", "ENApp", "ADMM"]);
    expect(s.rows[1].messages).toBe(s.runs[0].summary.messages);
    expect(s.rows[1].replayVPu === null || s.rows[1].replayVPu < 1e-3).toBe(true);
    expect(readFileSync(join(out, "figures/fig-residuals.svg"), "utf8")).toContain("Residual / tolerance");
  }, 300_000);

  it("communication conditions and bad methods", () => {
    const r = runMpopf(
      tmp,
      "compare-methods",
      ...T2,
      "--areas",
      "auto:2",
      "--methods",
      "enapp",
      "--delay",
      "1",
      "--loss",
      "0.2",
      "--retries",
      "1",
      "--no-replay",
      "--json",
      "--quiet",
    );
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.rows[1].comms).toBe("delay 1, loss 20 %, 1 retries");
    expect(j.rows[1].replayVPu).toBeNull();
    const bad = runMpopf(tmp, "compare-methods", ...T2, "--methods", "enapp,foo");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown method 'foo'/);
  }, 300_000);
});

describe("mpopf solve --method admm|app", () => {
  it("runs ADMM on automatic areas and prints its summary", () => {
    const r = runMpopf(tmp, "solve", ...T2, "--method", "admm", "--areas", "auto:2", "--quiet");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^MPDOPF \(ADMM\)/);
    expect(r.out).toMatch(/status {10}converged/);
    expect(r.out).toMatch(/partition auto:2 \(2 areas, 1 boundaries\)/);
  }, 300_000);
});
