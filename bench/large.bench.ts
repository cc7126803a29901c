/**
 * `npm run bench large`: MPCOPF on large feeders (issue 16): K copies of the IEEE-123 study case hung off
 * one substation bus (bench/large-case.ts; K = 1 is IEEE-123 itself), T = 24 or 96 (the 24-h day
 * repeated), 20 % PV / 30 % batteries, cost objective, on the wasm backend (mpopf's LDLᵀ) and on native
 * Ipopt + MUMPS (Debian coinor-libipopt1v5), same problem, same options; then, on the wasm solution, what
 * `mpopf run` does after the solve: the replay in the OpenDSS-compatible engine (both deck flavours), the
 * attribution and the run directory with its report (into a temporary directory, deleted afterwards).
 *
 * Default: 128, 513 buses × 24 and 96 periods, 2,561 buses × 24 (under 10 min with native; the wasm
 * side alone took 3 min at load average 7–8 on 2 cores, a third of it replay and report). Flags (1 = on):
 * - `MPOPF_BENCH_2K96=1` adds 2,561 buses × 96 periods (a problem the size of 10,241 × 24: minutes);
 * - `MPOPF_BENCH_10K=1` adds 10,241 buses × 24 (about a minute of wasm and several of native, under load more);
 * - `MPOPF_BENCH_96=1` adds 10,241 buses × 96, which the wasm backend refuses up front (estimated memory
 *   above 4 GB): the table then reports the time to that answer, and no replay or report;
 * - `MPOPF_BENCH_NATIVE=0` skips the native runs;
 * - `MPOPF_BENCH_CASES=1x24,4x96` runs exactly these K × T cases instead (K copies, T periods; overrides
 *   the three size flags), e.g. `MPOPF_BENCH_CASES=1x24 MPOPF_BENCH_NATIVE=0 npm run bench large` for a check.
 *
 * Every (case, backend) runs in a fresh child process (peak resident memory per case). The wasm child
 * solves the case `runs` times (no warm-up: the first solve includes the wasm code's first use): the
 * first solve orders the KKT matrix, the later ones reuse that analysis (same structure), so both are
 * reported (first; median of the rest). Peak RSS is read at the end of the first solve. After the solves,
 * a valid wasm solution is replayed, attributed and reported (timed stage by stage); a solve that is not
 * valid or refused gets none of these. The native child solves once.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { StudyResult } from "../harness/study/study.ts";
import type { MpopfSolution } from "../solvers/mpopf/solve.ts";
import type { ReplayResult } from "../validation/replay/replay.ts";
import { type LargeStudy, largeCaseBuses, largeStudy } from "./large-case.ts";
import { type BenchTable, median } from "./lib.ts";

/** One benchmark case. */
interface Case {
  copies: number;
  periods: number;
  /** wasm solves (the first one, and the median of the rest). */
  runs: number;
}

/** What one child process reports. */
interface ChildReport {
  backend: "wasm" | "native";
  status: string;
  message: string;
  iterations: number;
  objective: number;
  variables: number;
  constraints: number;
  buildSeconds: number;
  solveSeconds: number[];
  cpuSeconds: number[];
  /** Peak resident memory of the process up to the end of the first solve (one build + one solve). */
  peakRssMb: number;
  wasmHeapMb: number | null;
  /** Timings of the last solve, and of the first one (which includes the ordering). */
  timings: Record<string, number> | null;
  firstTimings: Record<string, number> | null;
  /** What `mpopf run` does after the solve (wasm child only; null when skipped, see `afterSkipped`). */
  after: AfterSolve | null;
  afterSkipped: string | null;
}

/** Timings of the stages of `mpopf run` after the solve, on the wasm child's solution. */
interface AfterSolve {
  /** Replay wall time per deck flavour (deck build, compile, every period, comparison). */
  replaySeconds: Record<string, number>;
  /** Default thresholds: violations per flavour (0 = pass). */
  violations: Record<string, number>;
  /** The attribution of both replays (extra engine replays per deck). */
  attributionSeconds: number;
  /** `writeStudy` with the report: run-directory files + buildReport (pages, tables, PNG figures). */
  reportSeconds: number;
  /** Of which buildReport. */
  reportBuildSeconds: number;
  /** Files written. */
  reportFiles: number;
}

function envFlag(name: string, fallback: boolean): boolean {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  return v !== "0" && v.toLowerCase() !== "false";
}

/** wasm solves per case: several for the small ones, one for the largest. */
function runsFor(copies: number, periods: number): number {
  const size = copies * periods;
  return size <= 4 * 96 ? 5 : size <= 80 * 24 ? 3 : 1;
}

const caseOf = (copies: number, periods: number): Case => ({
  copies,
  periods,
  runs: runsFor(copies, periods),
});

/** `MPOPF_BENCH_CASES=1x24,4x96`: exactly these K × T cases (K copies of IEEE-123, T periods). */
function selectedCases(spec: string): Case[] {
  return spec.split(",").map((item) => {
    const m = /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/.exec(item);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
      throw new Error(`MPOPF_BENCH_CASES: "${item}" is not K×T (e.g. 1x24,4x96)`);
    }
    return caseOf(Number(m[1]), Number(m[2]));
  });
}

function cases(): Case[] {
  const spec = process.env.MPOPF_BENCH_CASES;
  if (spec !== undefined && spec.trim() !== "") return selectedCases(spec);
  const out: Case[] = [caseOf(1, 24), caseOf(1, 96), caseOf(4, 24), caseOf(4, 96), caseOf(20, 24)];
  if (envFlag("MPOPF_BENCH_2K96", false)) out.push(caseOf(20, 96));
  if (envFlag("MPOPF_BENCH_10K", false)) out.push(caseOf(80, 24));
  if (envFlag("MPOPF_BENCH_96", false)) out.push(caseOf(80, 96));
  return out;
}

/**
 * What `mpopf run` does after a valid centralized solve, through the library (harness/study): the replay in
 * both deck flavours (`replayDispatch`), the default thresholds, the attribution of each replay, then
 * `writeStudy` with the report into a temporary directory that is deleted afterwards.
 */
async function afterSolve(study: LargeStudy, sol: MpopfSolution): Promise<AfterSolve> {
  const { attributeReplay } = await import("../validation/replay/attribution.ts");
  const { replayDispatch } = await import("../validation/replay/replay.ts");
  const { checkThresholds, DEFAULT_THRESHOLDS } = await import("../validation/replay/thresholds.ts");
  const { DECK_FLAVOURS } = await import("../validation/replay/types.ts");
  const { writeStudy } = await import("../harness/study/write.ts");
  const net = study.case.network;
  const { scenario } = study;
  const replays: ReplayResult[] = [];
  const replaySeconds: Record<string, number> = {};
  const violations: Record<string, number> = {};
  for (const flavour of DECK_FLAVOURS) {
    const t0 = performance.now();
    const r = await replayDispatch(net, scenario, sol.tables, flavour, { label: "mpcopf" });
    replaySeconds[flavour] = (performance.now() - t0) / 1000;
    violations[flavour] = checkThresholds(r.comparison, DEFAULT_THRESHOLDS).violations.length;
    replays.push(r);
  }
  const t1 = performance.now();
  const attributions: StudyResult["attributions"] = [];
  for (const r of replays) {
    const attribution = await attributeReplay({
      network: net,
      scenario,
      dispatch: r.dispatch,
      deckOptions: { flavour: r.deck.flavour },
      comparison: r.comparison,
    });
    attributions.push({ replay: `${r.label}-${r.comparison.flavour}`, attribution });
  }
  const attributionSeconds = (performance.now() - t1) / 1000;
  const result: StudyResult = {
    case: study.case,
    request: study.request,
    scenario,
    method: "central",
    kind: "run",
    central: sol,
    valid: true,
    replays,
    thresholds: DEFAULT_THRESHOLDS,
    verdicts: replays.map((r) => ({
      replay: `${r.label}-${r.comparison.flavour}`,
      report: checkThresholds(r.comparison, DEFAULT_THRESHOLDS),
    })),
    attributions,
    reportFlavour: "paper-style",
    timings: { "solve MPCOPF": sol.summary.solveSeconds },
  };
  const dir = mkdtempSync(join(tmpdir(), "mpopf-large-bench-"));
  try {
    let files = 0;
    const sink = {
      write(rel: string, data: string | Uint8Array) {
        const p = join(dir, rel);
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, data);
        files++;
      },
    };
    const t2 = performance.now();
    const manifest = await writeStudy(sink, result, { report: true });
    const reportSeconds = (performance.now() - t2) / 1000;
    return {
      replaySeconds,
      violations,
      attributionSeconds,
      reportSeconds,
      reportBuildSeconds: manifest.timingsSeconds.report ?? Number.NaN,
      reportFiles: files,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function child(c: Case, backend: "wasm" | "native"): Promise<ChildReport> {
  const { createIpoptSolver, createNativeIpoptSolver } = await import("../solvers/ipopt/index.ts");
  const { solveMpopf } = await import("../solvers/mpopf/solve.ts");
  const study = largeStudy({ copies: c.copies, periods: c.periods });
  const { scenario } = study;
  const solver = backend === "wasm" ? await createIpoptSolver() : createNativeIpoptSolver();
  const runs = backend === "wasm" ? c.runs : 1;
  const solve: number[] = [];
  const cpu: number[] = [];
  let last: MpopfSolution | null = null;
  let firstTimings: Record<string, number> | null = null;
  let firstRssMb = 0;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    last = solveMpopf({ scenario }, solver);
    const cu = process.cpuUsage(c0);
    solve.push(last.summary.solveSeconds);
    if (r === 0) {
      firstTimings = last.result.timings ?? null;
      firstRssMb = process.resourceUsage().maxRSS / 1024;
    }
    cpu.push((cu.user + cu.system) / 1e6 - last.summary.buildSeconds);
    if (!last.result.success) break;
  }
  const s = last!.summary;
  const mod = (solver as unknown as { mod?: { HEAPU8: Uint8Array } }).mod;
  const wasmHeapMb = mod ? mod.HEAPU8.byteLength / 2 ** 20 : null;
  let after: AfterSolve | null = null;
  let afterSkipped: string | null = null;
  if (backend !== "wasm") afterSkipped = "native child";
  else if (!last!.valid) afterSkipped = `the solve is not valid (${s.status})`;
  else {
    const { defaultEngineAvailable } = await import("../validation/replay/engine.ts");
    const eng = await defaultEngineAvailable();
    if (!eng.available) afterSkipped = eng.reason;
    else {
      try {
        after = await afterSolve(study, last!);
      } catch (e) {
        // Reported in the table's notes (the solve's numbers are still worth printing).
        afterSkipped = `failed: ${(e as Error).message}`;
      }
    }
  }
  return {
    backend,
    status: s.status,
    message: s.message,
    iterations: s.iterations,
    objective: s.objective,
    variables: s.variables,
    constraints: s.constraints,
    buildSeconds: s.buildSeconds,
    solveSeconds: solve,
    cpuSeconds: cpu,
    peakRssMb: firstRssMb,
    wasmHeapMb,
    timings: last!.result.timings ?? null,
    firstTimings,
    after,
    afterSkipped,
  };
}

function runChild(c: Case, backend: "wasm" | "native"): ChildReport {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--child", JSON.stringify(c), backend],
    { encoding: "utf8", maxBuffer: 64 << 20 },
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  if (r.status !== 0 || !line) throw new Error(`benchmark child (${backend}) failed:\n${r.stderr}`);
  return JSON.parse(line) as ChildReport;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Least-squares slope of log(y) against log(x). */
function loglogSlope(xs: number[], ys: number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i]! - mx) * (ly[i]! - my);
    den += (lx[i]! - mx) ** 2;
  }
  return num / den;
}

const BREAKDOWN: Array<[string, string]> = [
  ["callbacks", "JS callbacks"],
  ["kktAssembly", "KKT assembly"],
  ["ordering", "ordering"],
  ["factorization", "factorisation"],
  ["triangularSolves", "triangular solves"],
  ["ipoptOther", "Ipopt other"],
  ["setup", "JS↔wasm copies"],
];

/** Run the benchmark (two tables: sizes and times; where the wasm time goes). */
export async function run(): Promise<BenchTable[]> {
  const withNative = envFlag("MPOPF_BENCH_NATIVE", true);
  const load0 = loadavg();
  const rows: Array<Array<string | number>> = [];
  const breakdown: Array<Array<string | number>> = [];
  const afterRows: Array<Array<string | number>> = [];
  const fit: { nt: number[]; wall: number[]; cpu: number[] } = { nt: [], wall: [], cpu: [] };
  const notes: string[] = [];
  for (const c of cases()) {
    const buses = largeCaseBuses(c.copies);
    const w = runChild(c, "wasm");
    const n = withNative && w.status !== "insufficient_memory" ? runChild(c, "native") : null;
    const solved = w.status === "solve_succeeded";
    const wall = w.solveSeconds[0]!;
    const cpu = w.cpuSeconds[0]!;
    const repeat = w.solveSeconds.length > 1 ? median(w.solveSeconds.slice(1)) : Number.NaN;
    const nativeWall = n ? median(n.solveSeconds) : Number.NaN;
    const objDiff = n ? Math.abs(n.objective - w.objective) / Math.abs(n.objective) : Number.NaN;
    rows.push([
      buses,
      c.periods,
      w.variables,
      w.constraints,
      w.status === "solve_succeeded" ? w.iterations : w.status,
      n ? n.iterations : "-",
      solved ? wall : "-",
      solved ? cpu : "-",
      Number.isNaN(repeat) ? "-" : repeat,
      Math.round(w.peakRssMb),
      w.wasmHeapMb === null ? "-" : Math.round(w.wasmHeapMb),
      n ? nativeWall : "-",
      n ? Math.round(n.peakRssMb) : "-",
      n ? `${(nativeWall / wall).toFixed(2)}×` : "-",
      n ? objDiff.toExponential(1) : "-",
      w.after ? sum(Object.values(w.after.replaySeconds)) : "-",
      w.after ? w.after.reportSeconds : "-",
    ]);
    const a = w.after;
    if (a) {
      const replay = sum(Object.values(a.replaySeconds));
      const failed = Object.entries(a.violations).filter(([, v]) => v > 0);
      afterRows.push([
        buses,
        c.periods,
        a.replaySeconds["model-consistent"] ?? "-",
        a.replaySeconds["paper-style"] ?? "-",
        replay,
        failed.length === 0 ? "pass" : failed.map(([f, v]) => `${f}: ${v} violations`).join(", "),
        a.attributionSeconds,
        a.reportSeconds,
        a.reportBuildSeconds,
        a.reportFiles,
        w.buildSeconds + wall + replay + a.attributionSeconds + a.reportSeconds,
      ]);
    } else if (w.afterSkipped) {
      notes.push(`${buses} buses × ${c.periods} periods: no replay or report (${w.afterSkipped}).`);
    }
    if (solved) {
      fit.nt.push(buses * c.periods);
      fit.wall.push(wall);
      fit.cpu.push(cpu);
      const t = w.timings ?? {};
      const total = w.solveSeconds[w.solveSeconds.length - 1]!;
      const first = w.firstTimings ?? t;
      breakdown.push([
        buses,
        c.periods,
        ...BREAKDOWN.map(([k]) => `${(t[k] ?? 0).toFixed(2)} (${Math.round((100 * (t[k] ?? 0)) / total)} %)`),
        total,
        `${t.factorizations ?? "-"} / ${t.linearSolves ?? "-"} / ${t.refinementSteps ?? "-"}`,
        t.nnzL ?? "-",
        (first.ordering ?? 0).toFixed(2),
      ]);
    } else {
      notes.push(
        `${buses} buses × ${c.periods} periods, wasm: ${w.status} ${wall.toFixed(2)} s after the solve was ` +
          `called (the model build before it took ${w.buildSeconds.toFixed(1)} s) — ${w.message}`,
      );
    }
  }
  const load1 = loadavg();
  if (fit.nt.length >= 2) {
    notes.push(
      `Growth of the wasm solve time in N·T (least-squares log-log slope over ${fit.nt.length} sizes): ` +
        `wall ${loglogSlope(fit.nt, fit.wall).toFixed(2)}, CPU ${loglogSlope(fit.nt, fit.cpu).toFixed(2)}.`,
    );
  }
  notes.push(
    "wasm solve = wall time of the first solve of the case (in a fresh process, no warm-up; includes the",
    "ordering); CPU = the process's CPU time for it; repeat = median of the later solves (ordering reused);",
    "peak RSS = the child process's maximum resident set up to the end of its first solve (model build + solve;",
    "Node itself ~50 MB); wasm heap = the wasm memory after the solves; native = one solve, same options.",
    "replay = both deck flavours in the OpenDSS-compatible engine; report = the run directory and its report",
    "(writeStudy + buildReport) into a temporary directory; both on the wasm child's solution (next table).",
    "Targets (issue 16): 2,500 buses × 24 h ≤ 3 s; 10,000 buses × 24 h ≤ 10 s and ≤ 2 GB; ≥ 3× faster than native;",
    "replay of 10,000 buses × 24 h ≤ 5 s; `mpopf run` ≤ 60 s.",
    `Load average (1/5/15 min) before: ${load0.map((v) => v.toFixed(2)).join(" ")}; after: ${load1
      .map((v) => v.toFixed(2))
      .join(" ")} (2 cores, shared).`,
  );
  return [
    {
      title: "MPCOPF on K × IEEE-123 (cost, 20 % PV / 30 % batteries): wasm (mpopf LDLᵀ) vs native (MUMPS)",
      columns: [
        "buses",
        "T",
        "variables",
        "constraints",
        "iter wasm",
        "iter native",
        "wasm solve s",
        "wasm CPU s",
        "wasm repeat s",
        "wasm peak RSS MB",
        "wasm heap MB",
        "native solve s",
        "native peak RSS MB",
        "native / wasm",
        "objective rel. diff",
        "replay s",
        "report s",
      ],
      rows,
      notes,
    },
    {
      title: "Where the wasm solve time goes (last run, ordering reused; seconds and share of the solve)",
      columns: [
        "buses",
        "T",
        ...BREAKDOWN.map(([, label]) => label),
        "solve s",
        "factorisations / solves / refinement steps",
        "nnz(L)",
        "ordering s (1st solve)",
      ],
      rows: breakdown,
      notes: [
        "JS callbacks = the problem's evalF … evalHess; KKT assembly = Ipopt filling the KKT matrix around the",
        "linear-solver calls; ordering = AMD + symbolic analysis (once); triangular solves include iterative",
        "refinement; Ipopt other = the rest of Ipopt (vector algebra, line search, its adapter's copies);",
        "JS↔wasm copies = copying the problem into wasm memory (the callbacks write into it directly).",
      ],
    },
    {
      title:
        "After the solve, as `mpopf run` does it (wasm child, library calls): replay, attribution, report",
      columns: [
        "buses",
        "T",
        "replay model-consistent s",
        "replay paper-style s",
        "replay s",
        "default thresholds",
        "attribution s",
        "report s",
        "of which buildReport s",
        "files",
        "run s (build + solve + replay + attribution + report)",
      ],
      rows: afterRows,
      notes: [
        "replay = validation/replay replayDispatch per deck flavour: deck build, compile, every period (set the",
        "clock and set-points, solve, read back) and the comparison with the optimizer; attribution = the extra",
        "replays of validation/replay attributeReplay for both decks (mpopf run's default); report = harness/study",
        "writeStudy with the report (result and replay tables, decks, manifest, then reports/ buildReport: pages,",
        "tables, PNG figures at 300 dpi) into a temporary directory, deleted afterwards. Run s adds the model",
        "build and the first wasm solve; it leaves out loading the case and Node's start-up.",
        "Targets (issue 16): replay of 10,000 buses × 24 h ≤ 5 s; `mpopf run` ≤ 60 s.",
      ],
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href && process.argv[2] === "--child") {
  const report = await child(JSON.parse(process.argv[3]!) as Case, process.argv[4] as "wasm" | "native");
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
