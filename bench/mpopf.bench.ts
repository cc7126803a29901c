/**
 * Benchmark: centralized MPOPF (MPCOPF) on IEEE-123, 20 % PV / 30 % batteries (17 PV / 26 batteries),
 * cost objective, T = 5, 12, 24, on the wasm Ipopt solver (after one warm-up solve). Wall time = build +
 * solve + self-check + decode; median of RUNS runs.
 */
import { loadavg } from "node:os";
import { loadCase } from "../models/case.ts";
import { buildScenario } from "../models/scenario.ts";
import { createIpoptSolver } from "../solvers/ipopt/index.ts";
import { solveMpopf } from "../solvers/mpopf/solve.ts";
import { type BenchTable, median } from "./lib.ts";

const RUNS = 5;

/** Run the benchmark and return its table. */
export async function run(): Promise<BenchTable[]> {
  const c = loadCase("ieee123");
  const solver = await createIpoptSolver();
  const scenario = (T: number) =>
    buildScenario(c, { horizon: T, objective: "cost", pvPercent: 20, battPercent: 30 });
  // Warm-up (the first solve in a process runs in V8's baseline tier).
  solveMpopf({ scenario: scenario(5) }, solver);
  const rows: Array<Array<string | number>> = [];
  for (const T of [5, 12, 24]) {
    const sc = scenario(T);
    const wall: number[] = [];
    const solve: number[] = [];
    const cpu: number[] = [];
    let last = solveMpopf({ scenario: sc }, solver);
    for (let r = 0; r < RUNS; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      last = solveMpopf({ scenario: sc }, solver);
      wall.push((performance.now() - t0) / 1000);
      const cu = process.cpuUsage(c0);
      cpu.push((cu.user + cu.system) / 1e6);
      solve.push(last.summary.solveSeconds);
    }
    const s = last.summary;
    rows.push([
      T,
      s.variables,
      s.constraints,
      s.iterations,
      s.status,
      median(solve),
      median(wall),
      median(cpu),
      s.costUsd,
      s.lossKwh,
      s.maxResidualPu,
    ]);
  }
  return [
    {
      title: `MPCOPF IEEE-123, 17 PV / 26 batteries, cost (${solver.identity.name} ${solver.identity.version}, ${solver.identity.backend}, ${solver.identity.linearSolver}; median of ${RUNS})`,
      columns: [
        "T",
        "variables",
        "constraints",
        "iterations",
        "status",
        "solve s",
        "wall s",
        "cpu s",
        "cost $",
        "loss kWh",
        "max residual pu",
      ],
      rows,
      notes: [
        "wall = build + solve + self-check + decode; cpu = this process's CPU time for the same (less sensitive to other load).",
        `Target: T = 24 wall time < 1 s on the 2-core machine. Load average while measuring: ${loadavg()
          .map((v) => v.toFixed(2))
          .join(" ")}.`,
      ],
    },
  ];
}
