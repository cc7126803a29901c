/**
 * Benchmark: the head-to-head of the distributed methods (issue 17). On each feeder and set of areas, T = 24,
 * cost objective: the centralized MPOPF, then ENApp, ADMM and APP on the same areas, agents and transport
 * (areas on a pool of worker threads: 2 here), each replayed in the OpenDSS-compatible engine. Then the same
 * table under the field's communication effects (delay, loss with and without retries, asynchronous updates)
 * on IEEE-123 and the 2,500-bus feeder with 8 areas.
 *
 *   IEEE-123 with the paper's 4 areas; a generated 2,500-bus feeder with 8 and 32 automatic areas; a
 *   generated 10,000-bus feeder with 16, 32 and 64 automatic areas (seed 1, `models/generate.ts`).
 *
 * Every method runs with its documented defaults (ADMM's and APP's chosen once on IEEE-123), reverse flow out
 * of child areas allowed (the decomposition then is exactly the centralized problem) and the same first guess
 * for every method: the authors' flat one on IEEE-123, a power flow of the whole feeder on the generated ones;
 * ENApp's iteration limit is raised to 100 for the deep area trees of the large feeders; ADMM's and APP's stay
 * 300, except on the 10,000-bus feeder: 100 (`DIST_LIMIT_10K`), to keep the bench within hours on 2 cores.
 * The communication table runs on IEEE-123.
 *
 * `DIST_CASES=ieee123-4,g2500-8 npm run bench distributed` runs a subset (the 10,000-bus cases take hours on
 * 2 cores); `DIST_COMMS=0` skips the communication table; `DIST_METHODS=enapp` runs the centralized solve and ENApp only. Results go to stdout and, with `DIST_DOCS=1`, to
 * docs/distributed/ (tables as Markdown, the residuals figures as SVG and vega-lite JSON).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CommsCondition,
  type CompareResult,
  compareMethods,
  compareReportTable,
  residualSeries,
  SYNC,
} from "../harness/study/compare.ts";
import { autoPartition, busSizes } from "../models/auto-partition.ts";
import { caseFromFeeder, loadCase } from "../models/case.ts";
import { generateFeeder } from "../models/generate.ts";
import type { Partition } from "../models/partition.ts";
import { buildScenario } from "../models/scenario.ts";
import type { Scenario } from "../models/types.ts";
import { residualsFigure } from "../reports/figures/residuals.ts";
import { renderTable } from "../reports/index.ts";
import type { InitialGuess } from "../solvers/distributed/options.ts";
import { createIpoptSolver } from "../solvers/ipopt/index.ts";
import type { BenchTable } from "./lib.ts";

interface BenchCase {
  id: string;
  build: () => { scenario: Scenario; partition: Partition };
  comms: boolean;
  /** Iteration limit of ADMM and APP (default: their own, 300). */
  consensusLimit?: number;
  /** First boundary guess of every method (default: flat, the authors'). */
  guess?: InitialGuess;
}

/** ADMM/APP's iteration limit on the 10,000-bus feeder: bounds the bench (each iteration solves every area). */
const LIMIT_10K = Number(process.env.DIST_LIMIT_10K ?? 100);

const T = 24;

function generated(buses: number, areas: number): BenchCase["build"] {
  return () => {
    const scenario = buildScenario(caseFromFeeder(generateFeeder({ buses, seed: 1 })), { horizon: T });
    return {
      scenario,
      partition: autoPartition(scenario.network, areas, busSizes(scenario), `auto:${areas}`),
    };
  };
}

const CASES: BenchCase[] = [
  {
    id: "ieee123-4",
    build: () => {
      const c = loadCase("ieee123");
      return {
        scenario: buildScenario(c, { horizon: T, objective: "cost", pvPercent: 20, battPercent: 30 }),
        partition: c.partitions["ieee123-4"]!,
      };
    },
    comms: true,
  },
  { id: "g2500-8", build: generated(2500, 8), comms: false, guess: "power-flow" },
  { id: "g2500-32", build: generated(2500, 32), comms: false, guess: "power-flow" },
  ...[16, 32, 64].map(
    (k): BenchCase => ({
      id: `g10000-${k}`,
      build: generated(10000, k),
      comms: false,
      consensusLimit: LIMIT_10K,
      guess: "power-flow",
    }),
  ),
];

/** The communication conditions of the second table. */
export const CONDITIONS: CommsCondition[] = [
  { label: "delay 1", comms: { delay: 1 } },
  { label: "loss 10 %, 2 retries", comms: { loss: 0.1, retries: 2 } },
  { label: "loss 30 %, no retry", comms: { loss: 0.3, retries: 0 } },
  { label: "asynchronous 50 %", comms: { activity: 0.5 } },
];

function benchTable(result: CompareResult, title: string, guess: InitialGuess): BenchTable {
  return {
    title,
    columns: [
      "method",
      "comms",
      "status",
      "its",
      "msgs",
      "MB",
      "wall s",
      "crit. path s",
      "cp / central",
      "objective",
      "gap %",
      "mismatch kW",
      "mismatch pu",
      "replay |ΔV| pu",
      "replay |ΔP| kW",
    ],
    rows: result.rows.map((r) => [
      r.method,
      r.comms || "-",
      r.status,
      r.iterations ?? "-",
      r.messages ?? "-",
      r.megabytes ?? "-",
      r.wallSeconds,
      r.criticalPathSeconds,
      r.criticalPathRatio ?? "-",
      r.objective,
      r.gapPct ?? "-",
      r.mismatchKw ?? "-",
      r.mismatchVPu ?? "-",
      r.replayVPu ?? "-",
      r.replayPSubsKw ?? "-",
    ]),
    notes: [
      `first guess ${guess}; ${result.partition.areas} areas (${result.partition.name}), area-tree depth ${result.partition.depth}, largest / mean size ${result.partition.imbalance.toFixed(3)}; ${result.workers} worker threads; load average ${result.loadBefore.map((v) => v.toFixed(2)).join(" ")} → ${result.loadAfter.map((v) => v.toFixed(2)).join(" ")}.`,
    ],
  };
}

async function writeDocs(id: string, result: CompareResult): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = join(here, "../docs/distributed");
  mkdirSync(dir, { recursive: true });
  const table = renderTable(await compareReportTable(result, `head-to-head-${id}`));
  writeFileSync(join(dir, `head-to-head-${id}.md`), `${table.md}\n`);
  writeFileSync(join(dir, `head-to-head-${id}.csv`), table.csv);
  const { renderFigure } = await import("../reports/figures/render.ts");
  const fig = await renderFigure(residualsFigure(residualSeries(result), `residuals-${id}`));
  writeFileSync(join(dir, `residuals-${id}.svg`), fig.svg);
  writeFileSync(join(dir, `residuals-${id}.vl.json`), fig.vlJson);
  writeFileSync(
    join(dir, `head-to-head-${id}.json`),
    `${JSON.stringify(
      {
        rows: result.rows,
        partition: result.partition,
        runs: result.runs.map((r) => ({ method: r.method, comms: r.condition, summary: r.solution.summary })),
        loadBefore: result.loadBefore,
        loadAfter: result.loadAfter,
      },
      null,
      1,
    )}\n`,
  );
}

/** Run the benchmark and return its tables. */
export async function run(): Promise<BenchTable[]> {
  const wanted = process.env.DIST_CASES?.split(",").map((s) => s.trim());
  const docs = process.env.DIST_DOCS === "1";
  const withComms = process.env.DIST_COMMS !== "0";
  // DIST_METHODS=enapp runs the centralized solve and ENApp only (the 10,000-bus criterion of issue 17).
  const methods = (process.env.DIST_METHODS ?? "enapp,admm,app").split(",").map((s) => s.trim()) as Array<
    "enapp" | "admm" | "app"
  >;
  const solver = await createIpoptSolver();
  const tables: BenchTable[] = [];
  for (const bc of CASES) {
    if (wanted && !wanted.includes(bc.id)) continue;
    const { scenario, partition } = bc.build();
    const progress = (m: string) => process.stderr.write(`[distributed ${bc.id}] ${m}\n`);
    const limit = bc.consensusLimit ? { maxIterations: bc.consensusLimit } : {};
    const result = await compareMethods(scenario, partition, {
      methods,
      conditions: [SYNC],
      options: { allowReverseFlow: true, initialGuess: bc.guess ?? "flat" },
      perMethod: { enapp: { maxIterations: 100 }, admm: limit, app: limit },
      replay: process.env.DIST_REPLAY !== "0",
      solver,
      progress,
    });
    tables.push(benchTable(result, `Head-to-head ${bc.id}: ${scenario.name}, T = ${T}`, bc.guess ?? "flat"));
    if (docs) await writeDocs(bc.id, result);
    if (withComms && bc.comms) {
      const comms = await compareMethods(scenario, partition, {
        methods: ["enapp", "admm", "app"],
        conditions: CONDITIONS,
        options: { allowReverseFlow: true, initialGuess: bc.guess ?? "flat" },
        perMethod: { enapp: { maxIterations: 100 } },
        replay: false,
        solver,
        progress,
      });
      tables.push(
        benchTable(comms, `Communication effects ${bc.id}: ${scenario.name}, T = ${T}`, bc.guess ?? "flat"),
      );
      if (docs) await writeDocs(`${bc.id}-comms`, comms);
    }
  }
  return tables;
}
