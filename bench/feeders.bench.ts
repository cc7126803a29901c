/**
 * The OpenDSS-compatible engine on the real-world decks of ../shared/reference/opendss-decks,
 * timed side by side with the real OpenDSS (the oracle's libdss_capi.so, loaded into this
 * process with koffi, see validation/opendss/testing/oracle-ffi.ts): same machine, same process,
 * same commands, runs interleaved so that load from other processes hits both alike.
 *
 * Table 1, per deck: compile (a fresh engine + `Compile` of the master file, which runs whatever
 * the deck runs, e.g. CalcVoltageBases or its own Solve) and the first `Solve` after it, medians
 * of RUNS runs after WARMUP warm-up runs, and the ratios ours/real. The largest deck (ckt5,
 * 3437 nodes) is the one the targets apply to: both ratios within 2×.
 *
 * Table 2: a 24-hour daily run of ckt5 (3437 nodes): every load gets its yearly shape
 * (Residential, Commercial_SM, Commercial_MD: hours 1–24 of the year) as its daily shape, then
 * `Set Mode=Daily` (1 h steps, 24 of them) and one timed `Solve` (capacitor controls active).
 * Target: within 2× of the real engine.
 *
 * Without the oracle (not built at ~/.cache/mpopf-oracle or $MPOPF_ORACLE) the real-engine
 * columns are skipped and the table says so; build it with `bash ../shared/oracle/build.sh`.
 */
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import type { Load } from "../validation/opendss/elements/load.ts";
import { DssEngine } from "../validation/opendss/engine.ts";
import { locateOracle } from "../validation/opendss/testing/oracle.ts";
import { loadOracleLib, type OracleLib } from "../validation/opendss/testing/oracle-ffi.ts";
import { type BenchTable, median } from "./lib.ts";

const DECKS_DIR = process.env.MPOPF_REFERENCE
  ? join(process.env.MPOPF_REFERENCE, "opendss-decks")
  : join(import.meta.dirname, "../../shared/reference/opendss-decks");

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);

/** Decks timed, largest first (the targets apply to the first). */
const DECKS = [
  { folder: "ckt5", master: "Master_ckt5.dss" },
  { folder: "M1", master: "Master_NoPV.dss" },
  { folder: "LVTestCase", master: "Master.dss" },
  { folder: "K1", master: "Master_NoPV.dss" },
  { folder: "LVTestCaseNorthAmerican", master: "Master.dss" },
  { folder: "NEVTestCase", master: "NEVMASTER.DSS" },
];

interface Times {
  compile: number[];
  solve: number[];
  iterations: number;
  nodes: number;
}

const newTimes = (): Times => ({ compile: [], solve: [], iterations: 0, nodes: 0 });

function timeOurs(deck: string, t: Times, keep: boolean): void {
  const t0 = performance.now();
  const e = new DssEngine({ cwd: dirname(deck) });
  e.text(`Compile "${deck}"`);
  const t1 = performance.now();
  e.text("Solve");
  const t2 = performance.now();
  t.iterations = e.solution!.iteration;
  t.nodes = e.circuit!.numNodes;
  if (!keep) return;
  t.compile.push(t1 - t0);
  t.solve.push(t2 - t1);
}

function timeReal(lib: OracleLib, deck: string, t: Times, keep: boolean): void {
  const t0 = performance.now();
  lib.command("Clear");
  lib.command(`Compile "${deck}"`);
  const t1 = performance.now();
  lib.command("Solve");
  const t2 = performance.now();
  t.iterations = lib.iterations();
  t.nodes = lib.numNodes();
  if (!keep) return;
  t.compile.push(t1 - t0);
  t.solve.push(t2 - t1);
}

/** Commands that give every load its yearly shape as its daily shape (from our engine's view of the deck). */
function dailyFromYearly(deck: string): string[] {
  const e = new DssEngine({ cwd: dirname(deck) });
  e.text(`Compile "${deck}"`);
  const out: string[] = [];
  for (const el of e.circuit!.ofClass<Load>("Load")) {
    if (el.yearly) out.push(`Load.${el.name}.daily=${el.yearly.name}`);
  }
  return out;
}

const DAILY = ["Set Mode=Daily", "Set StepSize=1h", "Set Number=24", "Set Hour=0"];

function oracleOrReason(): { lib: OracleLib | null; reason: string } {
  const { oracle, reason } = locateOracle(false);
  if (!oracle) return { lib: null, reason };
  try {
    return { lib: loadOracleLib(oracle), reason: "" };
  } catch (e) {
    return { lib: null, reason: `loading ${oracle.library} failed: ${(e as Error).message}` };
  }
}

/** Which decks' iteration counts differ between the engines (ckt5 may: see decks.test.ts). */
function iterationNote(decks: { folder: string }[], ours: Times[], real: Times[], skipped: boolean): string {
  if (skipped) return "not compared (no real engine).";
  const differ = decks.filter((_, i) => ours[i]!.iterations !== real[i]!.iterations).map((d) => d.folder);
  if (differ.length === 0) return "equal on every deck.";
  return `they differ on ${differ.join(", ")} (on ckt5 the real engine's rounding noise on its 1e-7 ohm bus bars reaches the 1e-10 tolerance: see test/validation/opendss/decks.test.ts).`;
}

/** Run the benchmark and return its tables. */
export async function run(): Promise<BenchTable[]> {
  const decks = DECKS.map((d) => ({ ...d, path: join(DECKS_DIR, d.folder, d.master) })).filter((d) =>
    existsSync(d.path),
  );
  if (decks.length === 0) {
    return [
      {
        title: "OpenDSS engine vs the real OpenDSS on real-world decks (skipped)",
        columns: ["reason"],
        rows: [[`decks not found at ${DECKS_DIR} (set MPOPF_REFERENCE)`]],
      },
    ];
  }
  const { lib, reason } = oracleOrReason();
  const skipped = lib === null;
  if (skipped) {
    process.stdout.write(
      `\n*** real OpenDSS NOT AVAILABLE: ${reason}.\n*** The real-engine columns and ratios are SKIPPED; build it with: bash ../shared/oracle/build.sh\n`,
    );
  }
  const load0 = loadavg();
  const ours = decks.map(newTimes);
  const real = decks.map(newTimes);
  for (let r = 0; r < WARMUP + RUNS; r++) {
    decks.forEach((d, i) => {
      timeOurs(d.path, ours[i]!, r >= WARMUP);
      if (lib) timeReal(lib, d.path, real[i]!, r >= WARMUP);
    });
  }
  const na = "n/a";
  const rows = decks.map((d, i) => {
    const o = ours[i]!;
    const x = real[i]!;
    const oc = median(o.compile);
    const os = median(o.solve);
    if (skipped) return [d.folder, o.nodes, oc, os, na, na, na, na, `${o.iterations}/${na}`];
    const xc = median(x.compile);
    const xs = median(x.solve);
    return [d.folder, o.nodes, oc, os, xc, xs, oc / xc, os / xs, `${o.iterations}/${x.iterations}`];
  });

  // 24-hour daily run of the largest deck
  const big = decks[0]!;
  const edits = dailyFromYearly(big.path);
  const dayOurs: number[] = [];
  const dayReal: number[] = [];
  let itOurs = 0;
  let itReal = 0;
  for (let r = 0; r < WARMUP + RUNS; r++) {
    const e = new DssEngine({ cwd: dirname(big.path) });
    e.text(`Compile "${big.path}"`);
    e.text([...edits, ...DAILY].join("\n"));
    const t0 = performance.now();
    e.text("Solve");
    const t1 = performance.now();
    itOurs = e.solution!.iteration;
    if (r >= WARMUP) dayOurs.push(t1 - t0);
    if (lib) {
      lib.command("Clear");
      lib.command(`Compile "${big.path}"`);
      for (const c of [...edits, ...DAILY]) lib.command(c);
      const u0 = performance.now();
      lib.command("Solve");
      const u1 = performance.now();
      itReal = lib.iterations();
      if (r >= WARMUP) dayReal.push(u1 - u0);
    }
  }
  const load1 = loadavg();
  const od = median(dayOurs);
  const rd = skipped ? Number.NaN : median(dayReal);
  const lavg = (l: number[]): string => l.map((x) => x.toFixed(2)).join(" ");
  const notes = [
    `Medians of ${RUNS} runs after ${WARMUP} warm-up runs; ours and the real engine interleaved in one process.`,
    `Load average before/after: ${lavg(load0)} / ${lavg(load1)} (2 cores): wall times rise with other load, for both engines alike.`,
    skipped
      ? `REAL OpenDSS SKIPPED: ${reason}`
      : `Real engine: ${lib!.version().split(" ").slice(0, 3).join(" ")} (libdss_capi.so, in-process).`,
    `iterations = Solution.Iterations after the first Solve (the last power flow of its control loop), ours/real; ${iterationNote(decks, ours, real, skipped)}`,
  ];
  return [
    {
      title:
        "OpenDSS engine vs the real OpenDSS on real-world decks: compile and first solve (target on ckt5: ratios ≤ 2)",
      columns: [
        "deck",
        "nodes",
        "compile ms",
        "solve ms",
        "real compile ms",
        "real solve ms",
        "compile ratio",
        "solve ratio",
        "iterations",
      ],
      rows,
      notes,
    },
    {
      title: `OpenDSS engine vs the real OpenDSS: 24-hour daily run of ${big.folder} (${ours[0]!.nodes} nodes, 1 h steps, yearly shapes as daily shapes) (target: ratio ≤ 2)`,
      columns: ["quantity", "ms", "real ms", "ratio", "iterations"],
      rows: [
        [
          "Solve of 24 daily steps",
          od,
          skipped ? na : rd,
          skipped ? na : od / rd,
          `${itOurs}/${skipped ? na : itReal}`,
        ],
      ],
      notes: [`${edits.length} loads given a daily shape; capacitor controls active (static control mode).`],
    },
  ];
}
