/**
 * The second example case end to end: two voltage zones and a tapped transformer, per-load 15-minute profiles,
 * explicit batteries, T = 96 — solved, replayed in the model-consistent deck (which must reproduce the
 * optimizer's physics to ≤ 1e-7 pu, with the paper's options and with every modelling option on), and reported.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCase } from "../../../models/case.ts";
import { buildScenario } from "../../../models/scenario.ts";
import { createIpoptSolver } from "../../../solvers/ipopt/index.ts";
import { solveMpopf } from "../../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../../solvers/nlp/types.ts";
import { defaultEngineAvailable } from "../../../validation/replay/engine.ts";
import { metricMaxima } from "../../../validation/replay/metrics.ts";
import { replayDispatch } from "../../../validation/replay/replay.ts";
import { runMpopf } from "../../helpers/cli.ts";

const engine = await defaultEngineAvailable();
if (!engine.available) process.stderr.write(`\n*** SKIPPING two-zone replay tests: ${engine.reason} ***\n\n`);

const c = loadCase("two-zone");
let solver: NlpSolver;
beforeAll(async () => {
  solver = await createIpoptSolver();
});

describe.skipIf(!engine.available)(
  "two-zone case: T = 96 at 15 min, solve and model-consistent replay",
  () => {
    for (const [name, formulation] of [
      ["the paper's options", {}],
      [
        "line charging, capacitors as kvar·V², the case's Z / I / ZIP loads",
        { lineCharging: true, capacitors: "voltage", loads: "case" },
      ],
    ] as const) {
      it(`${name}: the replay agrees to ≤ 1e-7 pu and the deck carries both zones and the tapped transformer`, async () => {
        const sc = buildScenario(c, { formulation });
        const sol = solveMpopf({ scenario: sc }, solver);
        expect(sol.valid, sol.summary.message).toBe(true);
        expect(sol.summary.T).toBe(96);
        const r = await replayDispatch(c.network, sc, sol.tables, "model-consistent");
        const mx = new Map(metricMaxima(r.comparison).map((m) => [m.metric, m]));
        process.stderr.write(
          `[two-zone] ${name}: max |ΔV| ${Math.abs(mx.get("voltagePu")!.diff).toExponential(2)} pu, ΔP_subs ${mx.get("pSubsKw")!.diff.toExponential(2)} kW, ΔQ_subs ${mx.get("qSubsKvar")!.diff.toExponential(2)} kVAr, Δdemand ${mx.get("demandKw")!.diff.toExponential(2)} kW\n`,
        );
        expect(r.comparison.hours.every((h) => h.status === "converged")).toBe(true);
        expect(Math.abs(mx.get("voltagePu")!.diff)).toBeLessThan(1e-7);
        expect(Math.abs(mx.get("pSubsKw")!.diff)).toBeLessThan(1e-3);
        expect(Math.abs(mx.get("qSubsKvar")!.diff)).toBeLessThan(1e-3);
        expect(Math.abs(mx.get("demandKw")!.diff)).toBeLessThan(1e-5);
        const master = r.deck.files.find((f) => f.name === "Master.dss")!.text;
        expect(master).toMatch(/Set VoltageBases=\[12\.47 4\.16\]/);
        const lines = r.deck.files.find((f) => f.name === "Lines.dss")!.text;
        expect(lines).toMatch(/New Transformer\.T1 phases=1 windings=2 .* taps=\[1 1\.025\]/);
        const shapes = r.deck.files.find((f) => f.name === "LoadShape.dss")!.text;
        expect(shapes.match(/^New LoadShape\./gm)).toHaveLength(2);
      }, 180_000);
    }
  },
);

describe.skipIf(!engine.available)("two-zone case through the main job", () => {
  const tmp = mkdtempSync(join(tmpdir(), "mpopf-two-zone-run-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  it("mpopf run --case two-zone --method central writes the replays and a report", () => {
    const out = join(tmp, "run");
    const r = runMpopf(tmp, "run", "--case", "two-zone", "--method", "central", "--out", out);
    expect(r.code, r.err).toBe(0);
    for (const f of [
      "report.html",
      "report.md",
      "replay/mpcopf-model-consistent/comparison.json",
      "tables/mpcopf/periods.csv",
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(m.scenario.T).toBe(96);
    expect(runMpopf(tmp, "validate", out).code).toBe(0);
  }, 300_000);
});
