/**
 * Benchmark: bring your own feeder (issue 14). For OpenDSS decks of ../shared/reference — the IEEE 13 and
 * IEEE 123 feeders and EPRI's ckt5 (2,998 buses: the largest real-world deck the engine runs that is radial
 * and representable) — the wall time of the import (compile with the project's engine, read the circuit,
 * build and validate the case), of the MPCOPF solve (T = 24, PV 20 % / batteries 30 % by the rule, cost
 * objective on the IEEE-123 case's LMP) and of the two replays (the model-consistent 3-phase deck and the
 * original deck with its per-phase read-back). Medians of RUNS runs after one warm-up; the load average is
 * printed with the table (the machine is shared).
 *
 * ckt5 is solved with --v-max 1.1: its source is at 1.05 pu and, under its own (light, mid-year) load shape,
 * every bus sits above 1.05 pu even without DERs, so the default band 0.95–1.05 is infeasible by the deck's
 * own data.
 */
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { caseFromFeeder, loadCase, type StudyCase } from "../models/case.ts";
import { buildScenario } from "../models/scenario.ts";
import { createIpoptSolver } from "../solvers/ipopt/index.ts";
import { type MpopfSolution, solveMpopf } from "../solvers/mpopf/solve.ts";
import { type DssImport, importDss } from "../validation/dss-import/import.ts";
import { metricMaxima } from "../validation/replay/metrics.ts";
import { phaseSummary, replayOriginalDeck } from "../validation/replay/original-deck.ts";
import { replayDispatch } from "../validation/replay/replay.ts";
import { type BenchTable, median } from "./lib.ts";

const RUNS = Number(process.env.MPOPF_BENCH_RUNS ?? 3);
const REF = process.env.MPOPF_REFERENCE ?? resolve(import.meta.dirname, "../../shared/reference");

const DECKS = [
  { name: "IEEE 13", file: "opendss/ieee13/IEEE13Nodeckt.dss", vMaxPu: 1.05 },
  { name: "IEEE 123", file: "opendss/ieee123-3ph/IEEE123Master.dss", vMaxPu: 1.05 },
  { name: "EPRI ckt5", file: "opendss-decks/ckt5/Master_ckt5.dss", vMaxPu: 1.1 },
];

/** Run the benchmark and return its table. */
export async function run(): Promise<BenchTable[]> {
  const title = `OpenDSS decks in, set-points out: import, MPCOPF T = 24, replays (median of ${RUNS} after one warm-up)`;
  if (!existsSync(REF)) {
    return [{ title, columns: ["status"], rows: [["not run"]], notes: [`no reference decks at ${REF}`] }];
  }
  const p = loadCase("ieee123").feeder.profiles;
  const profiles = { load: p.load_mult!, pv: p.pv_mult!, price: p.lmp16avg_usd_per_kwh! };
  const solver = await createIpoptSolver();
  const rows: Array<Array<string | number>> = [];
  const load0 = loadavg()[0]!;
  for (const d of DECKS) {
    const path = join(REF, d.file);
    const importOnce = (): { imp: DssImport; c: StudyCase } => {
      const imp = importDss(path, {
        profiles,
        loadProfile: "load",
        pvProfile: "pv",
        price: { profile: "price" },
      });
      return { imp, c: caseFromFeeder(imp.feeder, { defaults: imp.defaults }) };
    };
    const time = async <T>(f: () => T | Promise<T>): Promise<{ s: number[]; last: T }> => {
      let last = await f(); // warm-up
      const s: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        last = await f();
        s.push((performance.now() - t0) / 1000);
      }
      return { s, last };
    };
    const imported = await time(importOnce);
    const { imp, c } = imported.last;
    const sc = buildScenario(c, {
      horizon: 24,
      pvPercent: 20,
      battPercent: 30,
      der: "rule",
      vMaxPu: d.vMaxPu,
    });
    const solved = await time(() => solveMpopf({ scenario: sc }, solver));
    const sol: MpopfSolution = solved.last;
    if (!sol.valid) throw new Error(`${d.name}: MPCOPF did not solve: ${sol.summary.message}`);
    const mc = await time(() => replayDispatch(c.network, sc, sol.tables, "model-consistent"));
    const od = await time(() => replayOriginalDeck(c.network, sc, sol.tables, imp.deck));
    const dv = Math.abs(metricMaxima(mc.last.comparison).find((m) => m.metric === "voltagePu")!.diff);
    const ps = phaseSummary(od.last.comparison);
    rows.push([
      d.name,
      c.network.buses.length,
      sc.pvs.length,
      sc.batteries.length,
      sol.summary.variables,
      sol.summary.iterations,
      median(imported.s),
      median(solved.s),
      median(mc.s),
      median(od.s),
      dv,
      Math.max(...ps.phases.map((x) => x.maxAbsDiffPu)),
      ps.unbalance.maxVufPct,
    ]);
  }
  return [
    {
      title,
      columns: [
        "deck",
        "buses",
        "PVs",
        "batteries",
        "variables",
        "iterations",
        "import s",
        "solve s",
        "model-consistent replay s",
        "original-deck replay s",
        "max |ΔV| model-consistent (pu)",
        "max |ΔV| any phase, original deck (pu)",
        "max VUF original deck (%)",
      ],
      rows,
      notes: [
        `Load average at the start: ${load0.toFixed(2)}, at the end: ${loadavg()[0]!.toFixed(2)} (2 cores, shared with other work).`,
        "import = compile the deck with the project's engine + read the circuit + build and validate the case; solve = MPCOPF build + Ipopt (wasm) + self-check; replays include deck writing, the hourly power flows and the comparison. ckt5 at --v-max 1.1 (see the module comment).",
      ],
    },
  ];
}
