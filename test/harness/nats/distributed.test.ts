/**
 * Distributed runs over a real NATS broker (issue 18), each test with its own nats-server started here
 * (installed by scripts/setup.sh): the NATS run gives the in-process result (same macro-iterations, objective to
 * 1e-9 relative) — with agents as processes, one of them killed mid-run and restarted, through a broker restart,
 * under duplicated, reordered and foreign messages; an agent that never answers ends the run with a status naming
 * it; only the declared boundary quantities cross between areas and an agent never reads another area's files.
 *
 * IEEE-123, the paper's 4 areas, T = 4, ENApp (8 macro-iterations). Agent processes are few (the machine is
 * small): most tests run the agents in this process (each on its own worker thread, over the broker all the same)
 * and one or two as real `mpopf agent` processes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNatsAgent } from "../../../harness/nats/agent.ts";
import type { NatsClientOptions } from "../../../harness/nats/connect.ts";
import { decodeJson, encode, expectedBoundaries, subjects, token } from "../../../harness/nats/protocol.ts";
import { freePort } from "../../../harness/nats/server.ts";
import { writeAreaSplit } from "../../../harness/nats/split.ts";
import { type NatsTimeouts, type NatsTransport, natsAreas } from "../../../harness/nats/transport.ts";
import { loadCase } from "../../../models/case.ts";
import type { Partition } from "../../../models/partition.ts";
import { buildScenario } from "../../../models/scenario.ts";
import type { Scenario } from "../../../models/types.ts";
import {
  type AreaSplit,
  areaSpec,
  readAreaFolder,
  splitAreas,
} from "../../../solvers/distributed/area-folder.ts";
import {
  type BoundaryMessage,
  METHOD_QUANTITIES,
  validateMessage,
} from "../../../solvers/distributed/messages.ts";
import {
  type DistributedUserOptions,
  resolveDistributedOptions,
} from "../../../solvers/distributed/options.ts";
import type { MacroIteration } from "../../../solvers/distributed/records.ts";
import { type DistributedSolution, solveDistributed } from "../../../solvers/distributed/solve.ts";
import { createSolverPool } from "../../../solvers/ipopt/index.ts";
import {
  type AgentProcess,
  killAgent,
  natsAvailable,
  spawnAgent,
  type TestBroker,
  testBroker,
  toolAvailable,
} from "../../helpers/nats.ts";

const available = natsAvailable();
const strace = available && toolAvailable("strace");
const METHOD = "enapp" as const;
/** Generous but bounded: the machine is small and shared. */
const RUN_TIMEOUT = 300_000;

let sc: Scenario;
let part: Partition;
let split: AreaSplit;
let root: string;
let reference: DistributedSolution;

const folder = (area: string) => join(root, "areas", split.index.areas.find((a) => a.id === area)!.folder);

beforeAll(async () => {
  if (!available) return;
  const c = loadCase("ieee123");
  sc = buildScenario(c, { horizon: 4, pvPercent: 20, battPercent: 30 });
  part = c.partitions["ieee123-4"]!;
  split = splitAreas("ieee123", sc, part);
  root = mkdtempSync(join(tmpdir(), "mpopf-nats-run-"));
  writeAreaSplit(split, join(root, "areas"));
  const pool = await createSolverPool({ size: 2 });
  try {
    reference = await solveDistributed(
      sc,
      part,
      { kind: "pool", pool },
      { method: METHOD, run: "reference" },
    );
  } finally {
    await pool.close();
  }
  expect(reference.status).toBe("converged");
}, RUN_TIMEOUT);
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The NATS run gives the in-process result. */
function expectSameResult(r: DistributedSolution): void {
  expect(r.status, r.message).toBe(reference.status);
  expect(r.macroIterations).toBe(reference.macroIterations);
  const rel =
    Math.abs(r.summary.objective - reference.summary.objective) / Math.abs(reference.summary.objective);
  expect(rel).toBeLessThanOrEqual(1e-9);
  expect(r.valid).toBe(true);
  expect(r.summary.transport).toBe("nats");
}

interface RunOptions {
  run: string;
  broker: TestBroker;
  client?: NatsClientOptions;
  /** Areas run as `mpopf agent` processes (the others in this process). */
  processes?: Record<string, string[]>;
  strace?: Record<string, string>;
  timeouts?: Partial<NatsTimeouts>;
  /** Options of the run (default: ENApp's defaults). */
  options?: DistributedUserOptions;
  onIteration?: (it: MacroIteration, ctx: RunContext) => void;
}

interface RunContext {
  procs: Map<string, AgentProcess>;
  logs: string[];
  client: NatsClientOptions;
  run: string;
}

/** One run: the agents (in this process or as processes) and the coordinator, over the broker. */
async function natsRun(o: RunOptions) {
  const client = o.client ?? { url: o.broker.url };
  const logs: string[] = [];
  const procs = new Map<string, AgentProcess>();
  const ctx: RunContext = { procs, logs, client, run: o.run };
  const inProcess = split.index.areas
    .filter((a) => !o.processes?.[a.id])
    .map((a) =>
      runNatsAgent({
        areaDir: folder(a.id),
        run: o.run,
        client,
        log: (l) => logs.push(l),
        brokerSeconds: 120,
      }),
    );
  for (const [area, extra] of Object.entries(o.processes ?? {}))
    procs.set(area, spawnAgent(folder(area), client.url, o.run, extra, o.strace?.[area]));
  let transport: NatsTransport | undefined;
  const t0 = performance.now();
  try {
    const result = await solveDistributed(
      sc,
      part,
      natsAreas({
        client,
        timeouts: { silenceSeconds: 3, brokerSeconds: 120, ...o.timeouts },
        log: (l) => logs.push(`coordinator: ${l}`),
        onOpen: (t) => {
          transport = t;
        },
      }),
      { method: METHOD, ...o.options, run: o.run },
      (it) => o.onIteration?.(it, ctx),
    );
    const seconds = (performance.now() - t0) / 1000;
    const agents = await Promise.all(inProcess);
    // Agent processes end with the run (one that cannot — stopped or hung — is killed: null).
    const codes = await Promise.all(
      [...procs.values()].map((p) =>
        result.status === "area-timeout"
          ? killAgent(p).then(() => null)
          : Promise.race([p.exited, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]),
      ),
    );
    if (process.env.MPOPF_TEST_LOG)
      process.stderr.write(`${logs.join("\n")}\n${[...procs.values()].map((p) => p.output()).join("\n")}\n`);
    return { result, agents, codes, procs, logs, traffic: transport!.traffic, seconds };
  } finally {
    for (const p of procs.values()) await killAgent(p);
  }
}

/** Record every message on a run's subjects (a monitor connection). */
async function record(url: string, run: string, client?: NatsClientOptions) {
  const nc = await connect({
    servers: url,
    ...(client?.user ? { user: client.user, pass: client.password } : {}),
  });
  const seen: Array<{ subject: string; data: Uint8Array }> = [];
  const sub = nc.subscribe(`mpopf.${run}.>`);
  (async () => {
    for await (const m of sub) seen.push({ subject: m.subject, data: m.data });
  })();
  return { nc, seen };
}

describe.skipIf(!available)("distributed runs over a real NATS broker", () => {
  it(
    "agent processes give the in-process result; only declared boundary quantities cross between areas; an agent reads only its own folder; secrets are never logged",
    async () => {
      const secret = `s3cret-${Math.random().toString(36).slice(2)}`;
      const monitor = await freePort();
      const broker = await testBroker(["--user", "mpopf", "--pass", secret, "-m", String(monitor)]);
      const pwFile = join(root, "password.txt");
      writeFileSync(pwFile, `${secret}\n`, { mode: 0o600 });
      const client: NatsClientOptions = { url: broker.url, user: "mpopf", password: secret };
      const auth = ["--nats-user", "mpopf", "--nats-password-file", pwFile];
      const trace = join(root, "strace-area2.txt");
      const rec = await record(broker.url, "privacy", client);
      const subs = new Map<string, string[]>();
      try {
        const r = await natsRun({
          run: "privacy",
          broker,
          client,
          processes: { "1": auth, "2": auth, "3": auth, "4": auth },
          strace: strace ? { "2": trace } : {},
          onIteration: (it) => {
            if (it.k !== 2) return;
            // Who subscribes to what, while the run is going (the broker's monitoring endpoint).
            void fetch(`http://127.0.0.1:${monitor}/connz?subs=1`)
              .then((res) => res.json())
              .then((j) => {
                const cz = j as { connections: Array<{ name?: string; subscriptions_list?: string[] }> };
                for (const c of cz.connections) subs.set(c.name ?? "", c.subscriptions_list ?? []);
              });
          },
        });
        expectSameResult(r.result);
        expect(r.codes).toEqual([0, 0, 0, 0]);

        // Secrets: never in any output of the agents or the coordinator.
        for (const p of r.procs.values()) expect(p.output()).not.toContain(secret);
        expect(r.logs.join("\n")).not.toContain(secret);
        expect(r.logs.join("\n")).not.toContain(secret.slice(0, 8));

        // Every message between areas is a valid boundary message from a neighbour, with the method's declared
        // quantities only (validated against the receiver's own expectation).
        await rec.nc.flush();
        const opts = resolveDistributedOptions({ method: METHOD, run: "privacy" });
        const specs = new Map(
          split.index.areas.map((a) => [token(a.id), areaSpec(readAreaFolder(folder(a.id)), opts)]),
        );
        let boundary = 0;
        const controlTypes = new Set<string>();
        for (const m of rec.seen) {
          const parts = m.subject.split(".");
          const raw = decodeJson(m.data) as Record<string, unknown> | null;
          expect(raw, m.subject).not.toBeNull();
          if (parts[2] === "msg") {
            const to = specs.get(parts[3]!)!;
            const v = validateMessage(raw, {
              run: "privacy",
              method: METHOD,
              T: sc.T,
              to: to.area,
              boundaries: expectedBoundaries(to),
            });
            expect(v.ok, v.ok ? "" : v.reason).toBe(true);
            const msg = raw as unknown as BoundaryMessage;
            const allowed = METHOD_QUANTITIES[METHOD][msg.direction];
            for (const q of Object.keys(msg.values))
              expect([...allowed.required, ...allowed.optional]).toContain(q);
            expect(token(msg.from)).toBe(parts[4]);
            boundary++;
          } else {
            // Between an agent and the coordinator: control messages only (ids, statuses, totals, final hand-over).
            expect(["ctl", "coord"]).toContain(parts[2]);
            controlTypes.add(String(raw!.type));
            if (parts[2] === "ctl" && raw!.type === "step")
              expect(Object.keys(raw!).sort()).toEqual([
                "attempt",
                "deliver",
                "k",
                "run",
                "schema",
                "type",
                "version",
              ]);
          }
        }
        expect(boundary).toBe(r.traffic.boundary);
        expect(boundary).toBeGreaterThanOrEqual(2 * 3 * reference.macroIterations);
        expect([...controlTypes].sort()).toEqual(["done", "final", "hello", "step", "stop", "working"]);

        // Each agent's connection subscribes to its own control subject (and its private inboxes) only.
        expect(subs.size).toBeGreaterThan(0);
        for (const a of split.index.areas) {
          const mine = [...subs.entries()].filter(([name]) => name === `mpopf agent ${a.id} (privacy)`);
          expect(mine.length, `agent ${a.id} connected`).toBe(1);
          for (const s of mine[0]![1]) {
            const own = s === subjects.ctl("privacy", a.id) || s.startsWith("_INBOX.");
            expect(own, `agent ${a.id} subscribes to ${s}`).toBe(true);
          }
        }

        // The agent of area 2 (under strace) opened files of its own folder and of no other area.
        if (!strace) return;
        const opened = readFileSync(trace, "utf8")
          .split("\n")
          .map(
            (l) =>
              /open(?:at2?)?\((?:AT_FDCWD|\d+), "([^"]+)"/.exec(l)?.[1] ?? /open\("([^"]+)"/.exec(l)?.[1],
          )
          .filter((p): p is string => p !== undefined);
        const areasDir = join(root, "areas");
        const inAreas = opened.filter((p) => p.startsWith(areasDir));
        expect(inAreas.some((p) => p.startsWith(folder("2")) && p.endsWith("network.json"))).toBe(true);
        for (const p of inAreas) expect(p.startsWith(folder("2")), `area 2's agent opened ${p}`).toBe(true);
      } finally {
        await rec.nc.close();
        await broker.stop();
      }
    },
    RUN_TIMEOUT,
  );

  it(
    "an agent killed mid-run and restarted resumes the run: the same result",
    async () => {
      const broker = await testBroker();
      let killed = false;
      let restarted: AgentProcess | null = null;
      try {
        const r = await natsRun({
          run: "kill",
          broker,
          processes: { "3": [] },
          onIteration: (it, ctx) => {
            if (it.k !== 3 || killed) return;
            killed = true;
            // Kill area 3's agent as step 4 begins (at once: on a quiet machine a whole step takes less than
            // 0.1 s, and a later kill could miss the run), then start it again with the same arguments.
            setImmediate(() => {
              const p = ctx.procs.get("3")!;
              void killAgent(p).then(() => {
                restarted = spawnAgent(folder("3"), ctx.client.url, ctx.run);
                ctx.procs.set("3", restarted);
              });
            });
          },
        });
        expect(killed).toBe(true);
        expectSameResult(r.result);
        const out = restarted!.output();
        expect(out).toMatch(/resuming: replaying [3-9] step\(s\)/);
        expect(r.traffic.resent).toBeGreaterThanOrEqual(1);
      } finally {
        await broker.stop();
      }
    },
    RUN_TIMEOUT,
  );

  it(
    "an agent that never answers: the run ends with area-timeout naming the area, no hang",
    async () => {
      const broker = await testBroker();
      try {
        const t0 = performance.now();
        const r = await natsRun({
          run: "silent",
          broker,
          processes: { "4": [] },
          timeouts: { silenceSeconds: 1, areaSeconds: 6 },
          onIteration: (it, ctx) => {
            // From round 3 on, area 4's process is stopped (alive, connected, silent).
            if (it.k === 2) ctx.procs.get("4")!.child.kill("SIGSTOP");
          },
        });
        const seconds = (performance.now() - t0) / 1000;
        expect(r.result.status).toBe("area-timeout");
        expect(r.result.message).toMatch(
          /macro-iteration 3: area 4 did not answer \(no answer from area 4 for 6 s/,
        );
        expect(r.result.valid).toBe(false);
        expect(r.result.macroIterations).toBe(3);
        expect(seconds).toBeLessThan(120);
      } finally {
        await broker.stop();
      }
    },
    RUN_TIMEOUT,
  );

  it(
    "a broker restart mid-run: the same result",
    async () => {
      const broker = await testBroker();
      let restart: Promise<void> | null = null;
      const pid0 = broker.process.pid;
      try {
        const r = await natsRun({
          run: "restart",
          broker,
          onIteration: (it) => {
            if (it.k === 3 && !restart) restart = broker.restart(1000);
          },
        });
        expect(restart).not.toBeNull();
        await restart;
        expect(broker.process.pid).not.toBe(pid0);
        expectSameResult(r.result);
        // The coordinator went through the outage.
        expect(r.traffic.reconnects).toBeGreaterThanOrEqual(1);
      } finally {
        await broker.stop();
      }
    },
    RUN_TIMEOUT,
  );

  it(
    "duplicated and reordered messages (and a forged copy of one) change nothing",
    async () => {
      const broker = await testBroker();
      const chaos = await connect({ servers: broker.url, noEcho: true });
      const last = new Map<string, Uint8Array>();
      let injected = 0;
      const sub = chaos.subscribe(subjects.msgAll("dup"));
      (async () => {
        for await (const m of sub) {
          const raw = decodeJson(m.data) as BoundaryMessage | null;
          if (raw?.run !== "dup" || (raw as { forged?: boolean }).forged) continue;
          if (injected > 400) continue;
          // An exact duplicate, then the previous message on this subject again (reordered), then a copy with the
          // same id and other values.
          chaos.publish(m.subject, m.data);
          const prev = last.get(m.subject);
          if (prev) chaos.publish(m.subject, prev);
          last.set(m.subject, m.data);
          const q = Object.keys(raw.values)[0] as keyof BoundaryMessage["values"];
          const forged = { ...raw, values: { ...raw.values, [q]: raw.values[q]!.map((v) => v + 0.5) } };
          chaos.publish(m.subject, encode(forged));
          injected += prev ? 3 : 2;
        }
      })();
      try {
        const r = await natsRun({ run: "dup", broker });
        expectSameResult(r.result);
        expect(injected).toBeGreaterThan(20);
        // The forged copies were rejected as such (the first copy of a message is kept).
        expect(r.agents.reduce((s, a) => s + a.rejected, 0)).toBeGreaterThan(0);
        expect(r.logs.join("\n")).toMatch(/a different copy of a message already received/);
      } finally {
        await chaos.close();
        await broker.stop();
      }
    },
    RUN_TIMEOUT,
  );

  it(
    "messages from another run (and garbage) on the run's subjects are rejected and logged, never used",
    async () => {
      const broker = await testBroker();
      const rogue = await connect({ servers: broker.url, noEcho: true });
      let injected = 0;
      const sub = rogue.subscribe(subjects.msgAll("foreign"));
      (async () => {
        for await (const m of sub) {
          const raw = decodeJson(m.data) as BoundaryMessage | null;
          if (raw?.run !== "foreign" || injected > 300) continue;
          // The same message of run "other", garbage bytes and a malformed message on the same subject.
          rogue.publish(m.subject, encode({ ...raw, run: "other", k: raw.k + 1 }));
          rogue.publish(m.subject, new Uint8Array([0xff, 0x00, 0x7b]));
          rogue.publish(m.subject, encode({ ...raw, version: 2 }));
          // A step of another run, garbage and a malformed step on the receiver's control subject.
          const ctl = subjects.ctl("foreign", raw.to);
          rogue.publish(
            ctl,
            encode({
              schema: "mpopf.control",
              version: 1,
              run: "other",
              type: "step",
              k: 1,
              deliver: [],
              attempt: 1,
            }),
          );
          rogue.publish(ctl, new Uint8Array([1, 2, 3]));
          rogue.publish(
            ctl,
            encode({ schema: "mpopf.control", version: 1, run: "foreign", type: "step", k: -1 }),
          );
          // And an agent message of another run to the coordinator.
          rogue.publish(
            subjects.coord("foreign", raw.to),
            encode({
              schema: "mpopf.control",
              version: 1,
              run: "other",
              type: "hello",
              area: raw.to,
              pid: 1,
              host: "x",
              ok: false,
              message: "rogue",
            }),
          );
          injected += 7;
        }
      })();
      try {
        const r = await natsRun({ run: "foreign", broker });
        expectSameResult(r.result);
        expect(injected).toBeGreaterThan(50);
        const log = r.logs.join("\n");
        expect(log).toMatch(
          /rejected: message on mpopf\.foreign\.msg\.\S+: message \S+ k=\d+ from \S+: foreign run 'other'/,
        );
        expect(log).toMatch(/rejected: message on \S+: not JSON/);
        expect(log).toMatch(/rejected: control message of run 'other'/);
        expect(log).toMatch(/rejected: control message: malformed/);
        expect(r.traffic.rejected).toBeGreaterThan(0);
      } finally {
        await rogue.close();
        await broker.stop();
      }
    },
    RUN_TIMEOUT,
  );

  it(
    "ADMM and APP over NATS give their in-process iterations (consensus messages both ways)",
    async () => {
      const broker = await testBroker();
      const pool = await createSolverPool({ size: 2 });
      try {
        for (const method of ["admm", "app"] as const) {
          const options: DistributedUserOptions = { method, maxIterations: 6 };
          const ref = await solveDistributed(sc, part, { kind: "pool", pool }, { ...options, run: "ref" });
          const r = await natsRun({ run: `consensus-${method}`, broker, options });
          expect(r.result.status).toBe(ref.status);
          expect(r.result.macroIterations).toBe(ref.macroIterations);
          expect(r.result.history.map((h) => h.resPKw)).toEqual(ref.history.map((h) => h.resPKw));
          expect(r.result.summary.objective).toBe(ref.summary.objective);
          // Both directions carry the consensus quantities (|V|², P, Q and the penalties).
          expect(r.traffic.boundary).toBe(2 * 3 * 6);
        }
      } finally {
        await pool.close();
        await broker.stop();
      }
    },
    RUN_TIMEOUT,
  );

  it(
    "an agent whose folder does not match the run refuses it, and the coordinator names the area; a run id is used once",
    async () => {
      const broker = await testBroker();
      const client = { url: broker.url };
      try {
        // The coordinator runs T = 5, the folders hold T = 4.
        const sc5 = buildScenario(loadCase("ieee123"), { horizon: 5, pvPercent: 20, battPercent: 30 });
        const agent = runNatsAgent({ areaDir: folder("2"), run: "mismatch", client, log: () => {} });
        await expect(
          solveDistributed(sc5, part, natsAreas({ client, timeouts: { startSeconds: 60 } }), {
            method: METHOD,
            run: "mismatch",
          }),
        ).rejects.toThrow(/area 2 refuses run 'mismatch': .*spec fingerprints differ/);
        expect((await agent).outcome).toBe("refused");
        await expect(
          solveDistributed(sc, part, natsAreas({ client, timeouts: { startSeconds: 5 } }), {
            method: METHOD,
            run: "mismatch",
          }),
        ).rejects.toThrow(/run 'mismatch' already exists on this broker/);
        // Nobody comes up: a named timeout, not a hang.
        await expect(
          solveDistributed(sc, part, natsAreas({ client, timeouts: { startSeconds: 2 } }), {
            method: METHOD,
            run: "nobody",
          }),
        ).rejects.toThrow(/no agent of area\(s\) 1, 2, 3, 4 came up within 2 s/);
      } finally {
        await broker.stop();
      }
    },
    RUN_TIMEOUT,
  );

  it("the area folders are written atomically and an agent refuses a broken one", () => {
    const out = join(root, "areas");
    expect(existsSync(join(out, ".mpopf-run.json"))).toBe(true);
    expect(existsSync(join(out, "areas.json"))).toBe(true);
    // Writing again over the same folder replaces it (an earlier mpopf output), a foreign folder is refused.
    writeAreaSplit(split, out);
    const foreign = mkdtempSync(join(tmpdir(), "mpopf-foreign-"));
    writeFileSync(join(foreign, "notes.txt"), "mine");
    expect(() => writeAreaSplit(split, foreign)).toThrow(/did not write/);
    expect(readFileSync(join(foreign, "notes.txt"), "utf8")).toBe("mine");
    rmSync(foreign, { recursive: true, force: true });
  });
});
