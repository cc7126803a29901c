/**
 * Benchmark (issue 18): the same distributed run in process (agents on a worker pool of 2 threads) and over a
 * local NATS broker (every area an `mpopf agent` process, the coordinator here), on this machine:
 *   * IEEE-123, the paper's 4 areas, T = 24, cost, 20 % PV / 30 % batteries, ENApp — 4 agent processes;
 *   * a generated feeder (models/generate.ts, 1,000 buses, seed 1), T = 24, `--areas auto:16`, ENApp with at most 80
 *     macro-iterations — 16 agent processes (MPOPF_BENCH_NATS_LARGE=0 skips it).
 * Reported: macro-iterations and objective of both (they must agree), wall time of the run (agents started and
 * waiting beforehand; their start-up is reported apart), the mean time of a macro-iteration and the broker's
 * overhead per macro-iteration (NATS − in-process), the part of a round beyond its slowest area (coordination:
 * Σ_k (round − max area solve and build) / k), messages and bytes: boundary messages (the same in both), control
 * messages of the coordinator, and everything through the broker (its /varz counters: JetStream acks, key-value
 * writes, heartbeats included). And the broker alone: request/reply and JetStream publish round trips.
 * Medians of RUNS runs (MPOPF_BENCH_RUNS, default 3; 1 for the large case).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "nats";
import { openInfra } from "../harness/nats/connect.ts";
import { keys } from "../harness/nats/protocol.ts";
import { freePort, startNatsServer } from "../harness/nats/server.ts";
import { writeAreaSplit } from "../harness/nats/split.ts";
import { type NatsTraffic, natsAreas } from "../harness/nats/transport.ts";
import { autoPartition, busSizes } from "../models/auto-partition.ts";
import { caseFromFeeder, loadCase } from "../models/case.ts";
import { generateFeeder } from "../models/generate.ts";
import type { Partition } from "../models/partition.ts";
import { buildScenario } from "../models/scenario.ts";
import type { Scenario } from "../models/types.ts";
import { splitAreas } from "../solvers/distributed/area-folder.ts";
import type { DistributedUserOptions } from "../solvers/distributed/options.ts";
import { type DistributedSolution, solveDistributed } from "../solvers/distributed/solve.ts";
import { createSolverPool } from "../solvers/ipopt/index.ts";
import { type BenchTable, median } from "./lib.ts";

const RUNS = Number(process.env.MPOPF_BENCH_RUNS ?? 3);
const BIN = fileURLToPath(new URL("../bin/mpopf.js", import.meta.url));

interface Case {
  label: string;
  scenario: Scenario;
  partition: Partition;
  options: DistributedUserOptions;
  runs: number;
}

interface Varz {
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
}

const varz = async (port: number): Promise<Varz> =>
  (await (await fetch(`http://127.0.0.1:${port}/varz`)).json()) as Varz;

/** Per-run measurements. */
interface Measure {
  sol: DistributedSolution;
  wall: number;
  /** Σ over macro-iterations of the round's wall time. */
  rounds: number;
  /** Σ over macro-iterations of (round − slowest area's solve + build). */
  coordination: number;
  startup?: number;
  /** From the coordinator's start to every agent ready (configuration read, spec checked). */
  open?: number;
  traffic?: NatsTraffic;
  broker?: Varz;
}

function measure(sol: DistributedSolution, wall: number): Measure {
  const rounds = sol.history.reduce((s, h) => s + h.seconds, 0);
  const coordination = sol.history.reduce(
    (s, h) => s + h.seconds - Math.max(0, ...h.areas.map((a) => a.solveSeconds + a.setupSeconds)),
    0,
  );
  return { sol, wall, rounds, coordination };
}

async function inProcess(c: Case): Promise<Measure[]> {
  const pool = await createSolverPool({ size: 2 });
  try {
    await solveDistributed(c.scenario, c.partition, { kind: "pool", pool }, c.options); // warm-up
    const out: Measure[] = [];
    for (let r = 0; r < c.runs; r++) {
      const t0 = performance.now();
      const sol = await solveDistributed(
        c.scenario,
        c.partition,
        { kind: "pool", pool },
        {
          ...c.options,
          run: "bench-inprocess",
        },
      );
      out.push(measure(sol, (performance.now() - t0) / 1000));
    }
    return out;
  } finally {
    await pool.close();
  }
}

function spawnAgent(dir: string, url: string, run: string): ChildProcess {
  return spawn(process.execPath, [BIN, "agent", "--area", dir, "--nats", url, "--run", run, "--quiet"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}

async function overNats(c: Case): Promise<Measure[]> {
  const store = mkdtempSync(join(tmpdir(), "mpopf-bench-nats-"));
  const monitor = await freePort();
  const server = await startNatsServer({ storeDir: join(store, "js"), args: ["-m", String(monitor)] });
  const split = splitAreas("bench", c.scenario, c.partition);
  const areasDir = writeAreaSplit(split, join(store, "areas"));
  const out: Measure[] = [];
  try {
    for (let r = 0; r <= c.runs; r++) {
      const run = `bench-${Date.now().toString(36)}-${r}`;
      const t0 = performance.now();
      const procs = split.index.areas.map((a) => spawnAgent(join(areasDir, a.folder), server.url, run));
      const exits = procs.map((p) => new Promise<void>((res) => p.once("exit", () => res())));
      // The agents' start-up (node, the solver, the connection) is measured apart: wait until all are waiting.
      const nc = await connect({ servers: server.url });
      const startup = await waitAgentsUp(
        nc,
        run,
        split.index.areas.map((a) => a.id),
        t0,
      );
      const before = await varz(monitor);
      let traffic: NatsTraffic | undefined;
      let opened = 0;
      const t1 = performance.now();
      const sol = await solveDistributed(
        c.scenario,
        c.partition,
        natsAreas({
          client: { url: server.url },
          nc,
          onOpen: (t) => {
            traffic = t.traffic;
            opened = performance.now();
          },
        }),
        { ...c.options, run },
      );
      const wall = (performance.now() - t1) / 1000;
      await Promise.all(exits);
      await nc.drain();
      const after = await varz(monitor);
      const m = measure(sol, wall);
      m.startup = startup;
      m.open = (opened - t1) / 1000;
      m.traffic = traffic;
      m.broker = {
        in_msgs: after.in_msgs - before.in_msgs,
        out_msgs: after.out_msgs - before.out_msgs,
        in_bytes: after.in_bytes - before.in_bytes,
        out_bytes: after.out_bytes - before.out_bytes,
      };
      if (r > 0) out.push(m); // the first run warms the broker's file store up
    }
  } finally {
    await server.stop();
    rmSync(store, { recursive: true, force: true });
  }
  return out;
}

/** Wait until every agent of a run stands by (solver up and warm; key-value `<run>.standby.<area>`), seconds since `t0`. */
async function waitAgentsUp(nc: NatsConnection, run: string, areas: string[], t0: number): Promise<number> {
  const { kv } = await openInfra(nc);
  for (;;) {
    let up = 0;
    for (const a of areas) if (await kv.get(keys.standby(run, a))) up++;
    if (up === areas.length) return (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The broker alone: request/reply and JetStream publish round trips (ms, median of 500). */
async function brokerRoundTrips(): Promise<{ requestMs: number; jsPublishMs: number }> {
  const store = mkdtempSync(join(tmpdir(), "mpopf-bench-rtt-"));
  const server = await startNatsServer({ storeDir: store });
  try {
    const a = await connect({ servers: server.url });
    const b = await connect({ servers: server.url });
    const sub = a.subscribe("rtt.echo");
    (async () => {
      for await (const m of sub) m.respond(m.data);
    })();
    const payload = new TextEncoder().encode("x".repeat(400));
    const req: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = performance.now();
      await b.request("rtt.echo", payload, { timeout: 5000 });
      req.push(performance.now() - t);
    }
    const { js } = await openInfra(b);
    const pub: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = performance.now();
      await js.publish(`mpopf.rtt.msg.a.b`, payload, { msgID: `rtt-${i}` });
      pub.push(performance.now() - t);
    }
    await a.close();
    await b.close();
    return { requestMs: median(req), jsPublishMs: median(pub) };
  } finally {
    await server.stop();
    rmSync(store, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchTable[]> {
  const load0 = loadavg();
  const ieee = loadCase("ieee123");
  const cases: Case[] = [
    {
      label: "IEEE-123, 4 areas",
      scenario: buildScenario(ieee, { horizon: 24, objective: "cost", pvPercent: 20, battPercent: 30 }),
      partition: ieee.partitions["ieee123-4"]!,
      options: { method: "enapp" },
      runs: RUNS,
    },
  ];
  if (process.env.MPOPF_BENCH_NATS_LARGE !== "0") {
    const g = caseFromFeeder(generateFeeder({ buses: 1000, seed: 1 }));
    const sc = buildScenario(g, { horizon: 24 });
    cases.push({
      label: "generated 1,000 buses, auto:16",
      scenario: sc,
      partition: autoPartition(sc.network, 16, busSizes(sc), "auto:16"),
      options: { method: "enapp", maxIterations: 80 },
      runs: 1,
    });
  }
  const rows: Array<Array<string | number>> = [];
  const traffic: Array<Array<string | number>> = [];
  for (const c of cases) {
    const ip = await inProcess(c);
    const nt = await overNats(c);
    const a = ip[ip.length - 1]!.sol;
    const b = nt[nt.length - 1]!.sol;
    const k = a.macroIterations;
    const rel = Math.abs(b.summary.objective - a.summary.objective) / Math.abs(a.summary.objective);
    const perIt = (ms: Measure[]) => median(ms.map((m) => m.rounds / m.sol.macroIterations));
    const coord = (ms: Measure[]) => median(ms.map((m) => m.coordination / m.sol.macroIterations));
    rows.push([
      c.label,
      c.partition.areas.length,
      `${a.status} / ${b.status}`,
      `${k} / ${b.macroIterations}`,
      rel,
      median(ip.map((m) => m.wall)),
      median(nt.map((m) => m.wall)),
      median(nt.map((m) => m.startup ?? 0)),
      median(nt.map((m) => m.open ?? 0)),
      perIt(ip),
      perIt(nt),
      perIt(nt) - perIt(ip),
      coord(ip),
      coord(nt),
    ]);
    const last = nt[nt.length - 1]!;
    const t = last.traffic!;
    const br = last.broker!;
    traffic.push([
      c.label,
      a.summary.messages,
      a.summary.bytes,
      t.boundary,
      t.boundaryBytes,
      t.controlSent + t.controlReceived,
      t.controlSentBytes + t.controlReceivedBytes,
      br.in_msgs,
      br.in_bytes,
      br.out_msgs,
      br.out_bytes,
      (br.in_msgs + br.out_msgs) / b.macroIterations,
    ]);
  }
  const rtt = await brokerRoundTrips();
  const load1 = loadavg();
  return [
    {
      title: `Distributed runs in process vs over NATS (ENApp, T = 24; in process: pool of 2 threads; NATS: one agent process per area, local nats-server with JetStream; median of ${RUNS} runs, 1 for the large case)`,
      columns: [
        "case",
        "areas",
        "status in-proc / NATS",
        "macro-its in-proc / NATS",
        "objective rel. diff",
        "wall in-proc s",
        "wall NATS s",
        "agents start-up s",
        "NATS open s",
        "per macro-it in-proc s",
        "per macro-it NATS s",
        "broker overhead per macro-it s",
        "coordination per macro-it in-proc s",
        "coordination per macro-it NATS s",
      ],
      rows,
      notes: [
        "wall = the solveDistributed call (decomposition, every round, final hand-over, composition, checks); NATS: agents already started and standing by (their start-up is the column apart: node, tsx, the wasm solver, one warm-up solve of the area, connecting); open = from the coordinator's start until every agent has read the run's configuration, built and checked its spec (part of wall).",
        "per macro-it = Σ_k round time / k; broker overhead = NATS − in-process per macro-iteration (both with the same 2 cores: the pool's 2 threads vs one process per area);",
        "coordination = Σ_k (round − the slowest area's solve and build) / k: what a round costs beyond its critical path (messages, the coordinator, waiting).",
        `Load average before / after: ${load0.map((v) => v.toFixed(2)).join(" ")} / ${load1.map((v) => v.toFixed(2)).join(" ")} (2 cores shared with other work).`,
      ],
    },
    {
      title: "Messages and bytes of one run (the last NATS run)",
      columns: [
        "case",
        "in-proc boundary msgs",
        "in-proc boundary bytes",
        "NATS boundary msgs",
        "NATS boundary bytes",
        "NATS control msgs",
        "NATS control bytes",
        "broker in msgs",
        "broker in bytes",
        "broker out msgs",
        "broker out bytes",
        "broker msgs per macro-it",
      ],
      rows: traffic,
      notes: [
        "boundary = the mpopf.boundary messages between areas (JSON); control = the coordinator's steps (message ids only), heartbeats, done replies, final hand-over (the areas' final points) and stop;",
        "broker = the server's own counters over the run (/varz): includes JetStream publish acknowledgements, consumer deliveries (each boundary message to its receiver and to the coordinator), key-value writes (step logs) and heartbeats.",
        `The broker alone on this machine: request/reply round trip ${rtt.requestMs.toFixed(3)} ms, JetStream publish + ack ${rtt.jsPublishMs.toFixed(3)} ms (400-byte payload, median of 500).`,
      ],
    },
  ];
}
