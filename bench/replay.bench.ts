/**
 * Benchmark: set-point replay of the centralized MPCOPF solution (IEEE-123, 17 PV / 26 batteries, cost,
 * T = 24) in the project's OpenDSS-compatible engine, both deck flavours. Per run: deck build + compile,
 * the per-hour time (set the hour, push 43 set-points, solve, read back), and the total replay wall time
 * including the comparison; median of 5 runs after two warm-up replays. The solve itself is not timed.
 */
import { loadCase } from "../models/case.ts";
import { buildScenario } from "../models/scenario.ts";
import { createIpoptSolver } from "../solvers/ipopt/index.ts";
import { solveMpopf } from "../solvers/mpopf/solve.ts";
import { defaultEngineAvailable } from "../validation/replay/engine.ts";
import { metricMaxima } from "../validation/replay/metrics.ts";
import { type ReplayResult, replayDispatch } from "../validation/replay/replay.ts";
import type { DeckFlavour } from "../validation/replay/types.ts";
import { type BenchTable, median } from "./lib.ts";

const RUNS = 5;
/** Untimed replays per flavour before the timed ones. */
const WARMUP = 2;
const T = 24;

/** Run the benchmark and return its table. */
export async function run(): Promise<BenchTable[]> {
  const title = `Replay of MPCOPF set-points, IEEE-123, T = ${T}, 17 PV / 26 batteries (median of ${RUNS})`;
  const eng = await defaultEngineAvailable();
  if (!eng.available) {
    return [{ title, columns: ["status"], rows: [["not run"]], notes: [eng.reason] }];
  }
  const c = loadCase("ieee123");
  const scenario = buildScenario(c, { horizon: T, objective: "cost", pvPercent: 20, battPercent: 30 });
  const sol = solveMpopf({ scenario }, await createIpoptSolver());
  if (!sol.valid) throw new Error(`MPCOPF T=${T} did not solve: ${sol.summary.message}`);
  const rows: Array<Array<string | number>> = [];
  let engineName = "";
  for (const flavour of ["model-consistent", "paper-style"] as DeckFlavour[]) {
    for (let w = 0; w < WARMUP; w++) await replayDispatch(c.network, scenario, sol.tables, flavour);
    const wall: number[] = [];
    const compile: number[] = [];
    const perHour: number[] = [];
    const hoursTotal: number[] = [];
    let last: ReplayResult | undefined;
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      last = await replayDispatch(c.network, scenario, sol.tables, flavour);
      wall.push(performance.now() - t0);
      const tm = last.comparison.timings;
      compile.push(tm.compileMs);
      perHour.push(median(tm.hourMs));
      hoursTotal.push(tm.hourMs.reduce((s, v) => s + v, 0));
    }
    if (!last) throw new Error("no timed replay");
    engineName = `${last.engine.name} ${last.engine.version}`;
    const mx = new Map(metricMaxima(last.comparison).map((m) => [m.metric, m]));
    const iters = last.comparison.hours.map((h) => h.iterations);
    rows.push([
      flavour,
      median(compile),
      median(perHour),
      Math.max(...last.comparison.timings.hourMs),
      median(hoursTotal),
      median(wall),
      median(iters),
      Math.abs(mx.get("voltagePu")!.diff),
      Math.abs(mx.get("qSubsKvar")!.diff),
    ]);
  }
  return [
    {
      title: `${title}; engine ${engineName}`,
      columns: [
        "deck",
        "compile ms",
        "per hour ms (median)",
        "slowest hour ms",
        "24 hours ms",
        "total wall ms",
        "PF iterations (median)",
        "max |ΔV| pu",
        "max |ΔQ_subs| kVAr",
      ],
      rows,
      notes: [
        "per hour = set the clock, push the PV/battery set-points, solve, read every voltage, power and stored energy back.",
        "total wall = deck build + compile + 24 hours + comparison and tables.",
      ],
    },
  ];
}
