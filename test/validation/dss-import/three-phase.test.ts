/**
 * Three-phase decks through the balanced positive-sequence equivalent: the IEEE 13 and IEEE 123 feeders as
 * shipped with OpenDSS (../shared/reference/opendss) import, solve at T = 24 with PV and batteries placed by the
 * rule, and replay (1) in the model-consistent deck — a balanced 3-phase deck that must reproduce the
 * optimizer's physics to ≤ 1e-7 pu — and (2) in the original deck, where the discrepancy tables measure the
 * balanced model's real error: per-phase voltages and unbalance. The exported original deck runs unchanged in
 * EPRI's OpenDSS and gives the same phase voltages.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseFromFeeder, loadCase } from "../../../models/case.ts";
import { buildScenario } from "../../../models/scenario.ts";
import { createIpoptSolver } from "../../../solvers/ipopt/index.ts";
import { solveMpopf } from "../../../solvers/mpopf/solve.ts";
import type { NlpSolver } from "../../../solvers/nlp/types.ts";
import { importDss } from "../../../validation/dss-import/import.ts";
import { runOracle } from "../../../validation/opendss/testing/oracle.ts";
import { metricMaxima } from "../../../validation/replay/metrics.ts";
import { phaseSummary, replayOriginalDeck } from "../../../validation/replay/original-deck.ts";
import { replayDispatch } from "../../../validation/replay/replay.ts";
import { oracleForTests } from "../../helpers/oracle.ts";
import { referenceDir } from "../../helpers/reference.ts";

const ref = referenceDir("opendss");
const oracle = ref.available ? oracleForTests() : { oracle: null, available: false };
const p = loadCase("ieee123").feeder.profiles;
const profiles = { load: p.load_mult!, pv: p.pv_mult!, price: p.lmp16avg_usd_per_kwh! };
const tmp = mkdtempSync(join(tmpdir(), "mpopf-dss-3ph-"));
let solver: NlpSolver;
beforeAll(async () => {
  solver = await createIpoptSolver();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DECKS = [
  { name: "IEEE 13", file: "ieee13/IEEE13Nodeckt.dss", buses: 16, oracle: true },
  { name: "IEEE 123", file: "ieee123-3ph/IEEE123Master.dss", buses: 132, oracle: false },
];

describe.skipIf(!ref.available)(
  "three-phase decks: balanced equivalent, solved and replayed in the original deck",
  () => {
    for (const d of DECKS) {
      it(`${d.name}: import, T = 24 with PV 20 % / batteries 30 % by the rule, both replays`, async () => {
        const imp = importDss(join(ref.dir, d.file), {
          profiles,
          loadProfile: "load",
          pvProfile: "pv",
          price: { profile: "price" },
        });
        const f = imp.feeder;
        expect(f.phaseModel).toBe("three-phase");
        expect(f.buses).toHaveLength(d.buses);
        expect(f.approximations!.some((a) => a.startsWith("balanced positive-sequence equivalent"))).toBe(
          true,
        );
        expect(
          f.approximations!.some((a) =>
            /^regulator controls left out, each transformer fixed at its present tap \(\d+\): RegControl\./.test(
              a,
            ),
          ),
        ).toBe(true);
        const c = caseFromFeeder(f, { defaults: imp.defaults });
        const sc = buildScenario(c, { horizon: 24, pvPercent: 20, battPercent: 30, der: "rule" });
        expect(sc.batteries.length).toBeGreaterThan(0);
        const sol = solveMpopf({ scenario: sc }, solver);
        expect(sol.valid, sol.summary.message).toBe(true);

        // (1) The optimizer's own physics, as a balanced 3-phase deck.
        const mc = await replayDispatch(c.network, sc, sol.tables, "model-consistent");
        const mcMax = new Map(metricMaxima(mc.comparison).map((m) => [m.metric, m]));
        expect(mc.comparison.hours.every((h) => h.status === "converged")).toBe(true);
        expect(Math.abs(mcMax.get("voltagePu")!.diff)).toBeLessThan(1e-7);
        expect(Math.abs(mcMax.get("pSubsKw")!.diff)).toBeLessThan(1e-3);
        expect(mc.deck.files.find((x) => x.name === "Lines.dss")!.text).not.toMatch(/phases=1/);

        // (2) The user's deck with the hourly set-points: the balanced model's real error.
        const od = await replayOriginalDeck(c.network, sc, sol.tables, imp.deck);
        expect(od.comparison.hours.every((h) => h.status === "converged")).toBe(true);
        const s = phaseSummary(od.comparison);
        const row = (x: (typeof s.phases)[number]) =>
          `| ${x.phase} | ${x.samples} | ${x.maxAbsDiffPu.toFixed(4)} | ${x.atBus} | ${x.atT} | ${x.meanAbsDiffPu.toFixed(4)} | ${x.vMinPu.toFixed(4)} | ${x.vMaxPu.toFixed(4)} |`;
        process.stderr.write(
          [
            `\n[${d.name} original deck] per-phase |ΔV| (pu), optimizer (balanced) vs every phase of the deck:`,
            "| phase | bus-periods | max |ΔV| | bus | t | mean |ΔV| | deck V min | deck V max |",
            ...s.phases.map(row),
            `max VUF ${s.unbalance.maxVufPct.toFixed(3)} % at ${s.unbalance.atBus} (t ${s.unbalance.atT}); max phase spread ${s.unbalance.maxSpreadPu.toFixed(4)} pu at ${s.unbalance.spreadBus}`,
            ...s.totals.map(
              (t) =>
                `${t.metric}: optimizer ${t.optimizer.toFixed(2)}, deck ${t.powerFlow.toFixed(2)} (max hourly |Δ| ${t.maxHourlyAbsDiff.toFixed(2)})`,
            ),
            "",
          ].join("\n"),
        );
        for (const x of s.phases) {
          expect(x.samples).toBeGreaterThan(0);
          // visible (the deck is unbalanced) and bounded (the equivalent is a good one)
          expect(x.maxAbsDiffPu).toBeGreaterThan(1e-4);
          expect(x.maxAbsDiffPu).toBeLessThan(0.1);
        }
        expect(s.unbalance.maxVufPct).toBeGreaterThan(0.1);
        // Every battery and PV delivered its set-point in the deck.
        expect(od.comparison.findings.filter((x) => x.kind === "device")).toEqual([]);

        if (d.oracle && oracle.available) {
          // The exported folder runs unchanged in EPRI's OpenDSS: the same phase voltages after the last period.
          const out = join(tmp, d.name.replace(/\s/g, ""));
          for (const file of od.deck.files) {
            mkdirSync(dirname(join(out, file.name)), { recursive: true });
            writeFileSync(join(out, file.name), file.text);
          }
          const [res] = runOracle(oracle.oracle!, [
            { deck: join(out, "Run.dss"), solve: false, detail: "summary" },
          ]);
          expect(res!.errors).toEqual([]);
          const T = sc.T;
          const volts = new Map<string, number>(
            res!.result.nodes.map((n: { name: string; v: number }) => [n.name, n.v]),
          );
          let worst = 0;
          c.network.buses.forEach((b, j) => {
            od.phases.nodes[j]!.forEach((n, k) => {
              const ours = od.phases.vPu[T - 1]![j]![k]! * 1000 * od.deck.vBaseKvLn[j]!;
              const theirs = volts.get(`${b.id}.${n}`)!;
              worst = Math.max(worst, Math.abs(ours - theirs) / theirs);
            });
          });
          expect(worst).toBeLessThan(1e-6);
        }
      }, 300_000);
    }
  },
);
