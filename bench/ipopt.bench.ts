/**
 * `npm run bench ipopt`: Ipopt wasm (mpopf LDLᵀ) vs native (Debian Ipopt + MUMPS) on synthetic multi-period
 * DistFlow problems of about 8k, 42k and 51k variables (T = 1, 10, 24).
 *
 * Each (problem, backend) runs in a fresh child process: the first solve there is the cold one (includes
 * V8's compilation of the wasm code / loading the native library); then ≥ 3 solves from the default start
 * ("warm": warmed-up process, same work as cold) and ≥ 3 solves warm-started from the solution (x and
 * multipliers). Peak memory is the child's peak resident set size (Node itself is ~50 MB of it).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildIpoptWasmIfNeeded } from "../solvers/ipopt/artifact.ts";
import { findNativeIpopt } from "../solvers/ipopt/native-solver.ts";
import {
  type SyntheticDistFlowArgs,
  syntheticDistFlow,
  syntheticDistFlowSize,
} from "../solvers/ipopt/testing/synthetic-distflow.ts";
import type { NlpProblem, NlpSolveOptions, NlpSolver } from "../solvers/nlp/types.ts";
import { type BenchTable, median } from "./lib.ts";

/** The benchmark problems. */
const CASES: Array<{ label: string; args: SyntheticDistFlowArgs }> = [
  { label: "T=1", args: { buses: 2000, periods: 1, seed: 1 } },
  { label: "T=10", args: { buses: 1050, periods: 10, seed: 1 } },
  { label: "T=24", args: { buses: 530, periods: 24, seed: 1 } },
];
const REPEATS = 3;

/** What one child process measures. */
interface ChildReport {
  status: string;
  iterations: number;
  coldSeconds: number;
  warmSeconds: number[];
  /** Process CPU time of the warm solves (less sensitive to other load on the machine than wall time). */
  warmCpuSeconds: number[];
  warmStartSeconds: number[];
  warmStartIterations: number;
  peakRssMb: number;
  wasmHeapMb: number | null;
}

/** Backends: wasm, native MUMPS with its default scaling, native MUMPS without scaling. */
type Backend = "wasm" | "native" | "native-noscale";
const BACKEND_OPTIONS: Record<Backend, Record<string, number | string>> = {
  wasm: {},
  native: {},
  "native-noscale": { mumps_scaling: 0, mumps_permuting_scaling: 0 },
};

async function child(args: SyntheticDistFlowArgs, backend: Backend): Promise<ChildReport> {
  const ipopt = await import("../solvers/ipopt/index.ts");
  const p = syntheticDistFlow(args);
  const raw: NlpSolver =
    backend === "wasm"
      ? await ipopt.createIpoptSolver({ warmUp: false, build: false })
      : ipopt.createNativeIpoptSolver();
  const extra = BACKEND_OPTIONS[backend];
  const solver = {
    mod: (raw as unknown as { mod?: { HEAPU8: Uint8Array } }).mod,
    solve: (q: NlpProblem, o: NlpSolveOptions = {}) =>
      raw.solve(q, { ...o, ipopt: { ...extra, ...o.ipopt } }),
  };
  const first = solver.solve(p);
  const warm: number[] = [];
  const warmCpu: number[] = [];
  for (let k = 0; k < REPEATS; k++) {
    const c0 = process.cpuUsage();
    warm.push(solver.solve(p).solveSeconds);
    const c = process.cpuUsage(c0);
    warmCpu.push((c.user + c.system) / 1e6);
  }
  // Warm start: a 2 % heavier load, started from the base solution (x and multipliers).
  const heavier = syntheticDistFlow({ ...args, peakLoadPu: 1.02 * (args.peakLoadPu ?? 2.5) });
  const ws = { x: first.x, lambda: first.lambda, zL: first.zL, zU: first.zU };
  const wsOptions = { mu_init: 1e-6, warm_start_bound_push: 1e-9, warm_start_mult_bound_push: 1e-9 };
  const warmStart: number[] = [];
  let wsIter = 0;
  for (let k = 0; k < REPEATS; k++) {
    const r = solver.solve(heavier, { warmStart: ws, ipopt: wsOptions });
    warmStart.push(r.solveSeconds);
    wsIter = r.iterations;
  }
  const heap = solver.mod?.HEAPU8.byteLength;
  return {
    status: first.status,
    iterations: first.iterations,
    coldSeconds: first.solveSeconds,
    warmSeconds: warm,
    warmCpuSeconds: warmCpu,
    warmStartSeconds: warmStart,
    warmStartIterations: wsIter,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    wasmHeapMb: heap ? heap / 2 ** 20 : null,
  };
}

function runChild(args: SyntheticDistFlowArgs, backend: Backend): ChildReport {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--child", JSON.stringify(args), backend],
    { encoding: "utf8", maxBuffer: 64 << 20 },
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  if (r.status !== 0 || !line) throw new Error(`benchmark child (${backend}) failed:\n${r.stderr}`);
  return JSON.parse(line) as ChildReport;
}

/** Run the benchmark (one table). */
export async function run(): Promise<BenchTable[]> {
  buildIpoptWasmIfNeeded();
  const backends: Backend[] = findNativeIpopt() ? ["wasm", "native", "native-noscale"] : ["wasm"];
  const rows: Array<Array<string | number>> = [];
  const warmBy: Record<string, number> = {};
  for (const c of CASES) {
    const { n, m } = syntheticDistFlowSize(c.args);
    for (const backend of backends) {
      const r = runChild(c.args, backend);
      const warm = median(r.warmSeconds);
      warmBy[`${c.label}/${backend}`] = warm;
      rows.push([
        `${c.label} (${c.args.buses} buses)`,
        n,
        m,
        backend,
        r.status,
        r.iterations,
        r.coldSeconds,
        warm,
        median(r.warmCpuSeconds),
        (1000 * warm) / Math.max(1, r.iterations),
        median(r.warmStartSeconds),
        r.warmStartIterations,
        Math.round(r.peakRssMb),
        r.wasmHeapMb === null ? "-" : Math.round(r.wasmHeapMb),
      ]);
    }
  }
  const notes = [
    "cold = first solve in a fresh process; warm = median of 3 further solves from the default start (wall and",
    "process CPU time; ms/iter = warm wall time / iterations);",
    "warm-started = median of 3 solves of the same case with 2 % more load, started from the base solution",
    "(x, λ, z; mu_init 1e-6, warm_start_*_push 1e-9).",
    "peak RSS = the child process's maximum resident set (includes ~50 MB of Node); wasm heap = final wasm memory.",
    "Problems: solvers/ipopt/testing/synthetic-distflow.ts (nonconvex DistFlow, radial tree, batteries).",
  ];
  if (backends.includes("native")) {
    const ratio = (b: Backend) =>
      CASES.map(
        (c) => `${c.label}: ${(warmBy[`${c.label}/${b}`]! / warmBy[`${c.label}/wasm`]!).toFixed(2)}×`,
      ).join(", ");
    notes.push(
      `native/wasm warm wall-time ratio — ${ratio("native")}; native-noscale/wasm — ${ratio("native-noscale")}`,
    );
    notes.push("native-noscale = native with mumps_scaling=0, mumps_permuting_scaling=0.");
  } else notes.push("native backend not installed (coinor-libipopt1v5): wasm only.");
  const t24 = warmBy["T=24/wasm"]!;
  notes.push(`target: T=24 wasm warm < 2 s — measured ${t24.toFixed(3)} s (${t24 < 2 ? "met" : "NOT met"}).`);
  return [
    {
      title: "Ipopt 3.11.9: wasm (mpopf LDLᵀ) vs native (MUMPS) on synthetic DistFlow",
      columns: [
        "case",
        "n",
        "m",
        "backend",
        "status",
        "iter",
        "cold s",
        "warm s",
        "warm CPU s",
        "ms/iter",
        "warm-started s",
        "ws iter",
        "peak RSS MB",
        "wasm heap MB",
      ],
      rows,
      notes,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href && process.argv[2] === "--child") {
  const report = await child(
    JSON.parse(process.argv[3]!) as SyntheticDistFlowArgs,
    process.argv[4] as Backend,
  );
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
