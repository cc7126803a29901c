/**
 * An area agent in its own process (`mpopf agent --area DIR --nats URL --run ID`): it reads only its area's
 * folder, waits for the run's configuration on the broker, builds its agent (solvers/distributed) and checks
 * that its spec is the one the coordinator expects (fingerprint), then serves the coordinator's steps:
 *
 *   step k (ids of the messages delivered to it) → take those messages from what it received on its own
 *   subjects (validated on receipt: malformed, foreign or misaddressed messages are rejected and logged,
 *   duplicates and reordering change nothing) → solve (on a worker thread, so it keeps answering: heartbeats)
 *   → publish its messages to its neighbours' subjects (JetStream, each with its id: a republished message is a
 *   duplicate) → append k and the ids used to its step log in the key-value store → answer "done".
 *
 * A restarted agent reads its step log and replays those steps from the stored messages (the area's solves
 * are deterministic), so it resumes the run in exactly the state it died in. Steps are idempotent: a step
 * asked again is answered from the last result.
 */
import { hostname } from "node:os";
import type { ConsumerMessages, NatsConnection } from "nats";
import {
  type AreaData,
  areaSpec,
  readAreaFolder,
  specFingerprint,
} from "../../solvers/distributed/area-folder.ts";
import { areaSolver } from "../../solvers/distributed/area-solver.ts";
import {
  type BoundaryMessage,
  type Expectation,
  validateMessage,
} from "../../solvers/distributed/messages.ts";
import { type DistributedOptions, resolveDistributedOptions } from "../../solvers/distributed/options.ts";
import { PROTOCOL_VERSION, STEP_SCHEMA, type StepReply } from "../../solvers/distributed/protocol.ts";
import { createAgent } from "../../solvers/distributed/solve.ts";
import { createSolverPool } from "../../solvers/ipopt/index.ts";
import { MPOPF_SETTINGS, mpopfFactoryRef } from "../../solvers/mpopf/solve.ts";
import type { NlpSolverPool } from "../../solvers/nlp/types.ts";
import { connectNats, describeNats, type NatsClientOptions, openInfra, retrying } from "./connect.ts";
import {
  BOUNDARY_STREAM,
  CONTROL_SCHEMA,
  chunks,
  type DoneReply,
  decodeJson,
  encode,
  expectedBoundaries,
  keys,
  type MessageId,
  messageKey,
  NATS_PROTOCOL_VERSION,
  parseConfig,
  parseStepLog,
  parseToAgent,
  type RunConfig,
  type StepLog,
  subjects,
  type ToAgent,
  type ToCoordinator,
  token,
} from "./protocol.ts";

/** Options of an agent process. */
export interface NatsAgentOptions {
  /** The area's folder (written by `mpopf case split`): the only files the agent reads. */
  areaDir: string;
  run: string;
  client: NatsClientOptions;
  /** Progress and rejected messages (one line each). Never receives a secret. */
  log: (line: string) => void;
  /** Seconds between heartbeats while a step is worked on (default 1). */
  heartbeatSeconds?: number;
  /** How long to wait for the run's configuration (s; default 600). */
  waitSeconds?: number;
  /** How long to wait for a delivered message that has not arrived yet, and to retry the broker (s; default 60). */
  brokerSeconds?: number;
  /**
   * Solve the area once on its own while waiting for the run (default true): a fresh process's first solves run
   * in the engine's baseline tiers; afterwards a step costs what it costs in a long-lived process. Results do not
   * depend on it (every solve starts from its own inputs).
   */
  warmUp?: boolean;
}

/** How an agent ended. */
export interface NatsAgentResult {
  /** "stopped": the coordinator ended the run; "refused": the run does not match this folder. */
  outcome: "stopped" | "refused";
  message: string;
  steps: number;
  replayed: number;
  rejected: number;
}

const idString = (id: MessageId) => `${id[0]} k=${id[2]} from ${id[1]}`;

/**
 * Run one area's agent until the coordinator stops the run (or the run does not fit this folder: "refused").
 * Throws on a broken folder (InputError) or when the broker stays unreachable beyond the timeouts.
 */
export async function runNatsAgent(o: NatsAgentOptions): Promise<NatsAgentResult> {
  const data = readAreaFolder(o.areaDir);
  const area = data.manifest.area;
  const say = (line: string) => o.log(`area ${area}: ${line}`);
  const hb = (o.heartbeatSeconds ?? 1) * 1000;
  const brokerS = o.brokerSeconds ?? 60;
  say(`connecting to ${describeNats(o.client)} for run ${o.run}`);
  const nc = await connectNats(o.client, `mpopf agent ${area} (${o.run})`);
  // The solver's worker thread starts while the agent waits for the run (it does not depend on the run).
  const poolReady = createSolverPool({ size: 1 }).then(async (p) => {
    if (o.warmUp !== false) {
      const t0 = performance.now();
      await p
        .solve(mpopfFactoryRef({ scenario: data.scenario }), { settings: MPOPF_SETTINGS })
        .catch(() => {});
      say(`solver warmed up (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
    }
    return p;
  });
  poolReady.catch(() => {});
  let pool: NlpSolverPool | null = null;
  try {
    const infra = await retrying("opening JetStream", brokerS, () => openInfra(nc));
    const host = hostname();
    // Standing by (solver up and warm) for the run, before its coordinator may have started.
    void poolReady
      .then(() =>
        infra.kv.put(
          keys.standby(o.run, area),
          encode({ pid: process.pid, host, at: new Date().toISOString() }),
        ),
      )
      .catch(() => {});
    const config = await waitForConfig(nc, infra.kv, o.run, o.waitSeconds ?? 600, say);
    const coordSubject = subjects.coord(o.run, area);
    const send = (m: Record<string, unknown> & { type: ToCoordinator["type"] }) =>
      nc.publish(
        coordSubject,
        encode({ schema: CONTROL_SCHEMA, version: NATS_PROTOCOL_VERSION, run: o.run, area, ...m }),
      );
    const refuse = async (why: string): Promise<NatsAgentResult> => {
      say(`refusing run ${o.run}: ${why}`);
      const ready = { pid: process.pid, host, ok: false, message: why };
      await retrying("writing readiness", brokerS, () =>
        infra.kv.put(keys.ready(o.run, area), encode(ready)),
      );
      send({ type: "hello", ...ready });
      await nc.flush();
      return { outcome: "refused", message: why, steps: 0, replayed: 0, rejected: 0 };
    };
    const entry = config.areas.find((a) => a.id === area);
    if (!entry)
      return await refuse(
        `area ${area} is not an area of this run (${config.areas.map((a) => a.id).join(", ")})`,
      );
    let options: DistributedOptions;
    try {
      options = resolveDistributedOptions(config.options as Partial<DistributedOptions>);
    } catch (e) {
      return await refuse(`the run's options are not valid here: ${(e as Error).message}`);
    }
    const spec = areaSpec(data, options);
    if (specFingerprint(spec) !== entry.fingerprint)
      return await refuse(
        "this folder's area does not match the coordinator's (spec fingerprints differ): split the same case with the same scenario options and areas",
      );
    pool = await poolReady;
    const agent = createAgent(spec, areaSolver({ kind: "pool", pool }));
    const runtime = new AgentRuntime(
      nc,
      infra,
      o.run,
      data,
      spec.scenario.T,
      options,
      say,
      send,
      hb,
      brokerS,
    );
    await runtime.start(agent);
    say(`ready (pid ${process.pid} on ${host})`);
    const result = await runtime.finished;
    return result;
  } finally {
    await (pool ?? (await poolReady.catch(() => null)))?.close();
    await nc.drain().catch(() => {});
  }
}

async function waitForConfig(
  nc: NatsConnection,
  kv: Awaited<ReturnType<typeof openInfra>>["kv"],
  run: string,
  seconds: number,
  say: (l: string) => void,
): Promise<RunConfig> {
  const until = performance.now() + seconds * 1000;
  let told = false;
  for (;;) {
    const e = await kv.get(keys.config(run)).catch(() => null);
    if (e && e.value.length > 0) {
      const c = parseConfig(e.value);
      if (!c.ok) throw new Error(`run ${run}: ${c.reason}`);
      return c.value;
    }
    if (!told) {
      say(`waiting for run ${run}'s coordinator`);
      told = true;
    }
    if (performance.now() > until)
      throw new Error(`run ${run}: no coordinator wrote its configuration within ${seconds} s`);
    if (nc.isClosed()) throw new Error("connection to the broker closed");
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Agent = ReturnType<typeof createAgent>;
type Send = (m: Record<string, unknown> & { type: ToCoordinator["type"] }) => void;

/** The agent's side of the protocol (see the module comment). */
class AgentRuntime {
  private agent!: Agent;
  private readonly area: string;
  private readonly expectation: Expectation;
  /** Messages received on this area's subjects, valid, by id (first copy wins). */
  private readonly received = new Map<string, BoundaryMessage>();
  private readonly waiters = new Set<() => void>();
  private log: StepLog;
  private last: { k: number; reply: DoneReply } | null = null;
  private busy: number | null = null;
  private replaying = false;
  private pending: Extract<ToAgent, { type: "step" }> | null = null;
  private rejected = 0;
  private replayed = 0;
  private consumer: ConsumerMessages | null = null;
  private resolveFinished!: (r: NatsAgentResult) => void;
  readonly finished: Promise<NatsAgentResult>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly infra: Awaited<ReturnType<typeof openInfra>>,
    private readonly run: string,
    data: AreaData,
    T: number,
    options: DistributedOptions,
    private readonly say: (l: string) => void,
    private readonly send: Send,
    private readonly heartbeatMs: number,
    private readonly brokerS: number,
  ) {
    this.area = data.manifest.area;
    this.expectation = {
      run,
      method: options.method,
      T,
      to: this.area,
      boundaries: expectedBoundaries({
        up: data.boundaries.up,
        down: data.boundaries.down,
      }),
    };
    this.log = { schema: "mpopf.steplog", version: NATS_PROTOCOL_VERSION, run, area: this.area, steps: [] };
    this.finished = new Promise((r) => {
      this.resolveFinished = r;
    });
  }

  async start(agent: Agent): Promise<void> {
    this.agent = agent;
    await this.subscribeBoundary();
    // Control messages: handled one at a time, but "working" is answered at once for a step in progress.
    const sub = this.nc.subscribe(subjects.ctl(this.run, this.area));
    (async () => {
      for await (const m of sub) this.onControl(m.data);
    })().catch((e) => this.say(`control subscription ended: ${e}`));
    // Resume: replay the step log (the run's earlier steps of this area), from the stored messages.
    const e = await retrying("reading the step log", this.brokerS, () =>
      this.infra.kv.get(keys.log(this.run, this.area)),
    );
    if (e && e.value.length > 0) {
      const l = parseStepLog(e.value);
      if (!l.ok) throw new Error(`step log of area ${this.area}: ${l.reason}`);
      if (l.value.run !== this.run || l.value.area !== this.area)
        throw new Error(`step log of area ${this.area} belongs to run ${l.value.run}, area ${l.value.area}`);
      await this.replay(l.value);
    }
    const ready = { pid: process.pid, host: hostname(), ok: true, message: "ready" };
    await retrying("writing readiness", this.brokerS, () =>
      this.infra.kv.put(keys.ready(this.run, this.area), encode(ready)),
    );
    this.send({ type: "hello", ...ready });
    const p = this.pending;
    this.pending = null;
    if (p) this.onStep(p);
  }

  /** Every boundary message to this area, from the stream's start (a restarted agent reads them again). */
  private async subscribeBoundary(): Promise<void> {
    const c = await retrying("opening the boundary consumer", this.brokerS, () =>
      this.infra.js.consumers.get(BOUNDARY_STREAM, { filterSubjects: subjects.msgTo(this.run, this.area) }),
    );
    this.consumer = await c.consume();
    (async () => {
      for await (const m of this.consumer!) this.onBoundary(m.subject, m.data);
    })().catch((e) => this.say(`boundary consumer ended: ${e}`));
  }

  /** Log and count a rejected message (returns nothing: `return this.reject(…)` ends a handler). */
  private reject(reason: string): undefined {
    this.rejected++;
    this.say(`rejected: ${reason}`);
    return undefined;
  }

  private onBoundary(subject: string, data: Uint8Array): undefined {
    const raw = decodeJson(data);
    if (raw === null) return this.reject(`message on ${subject}: not JSON (${data.length} bytes)`);
    const v = validateMessage(raw, this.expectation);
    if (!v.ok) return this.reject(`message on ${subject}: ${v.reason}`);
    const m = v.message;
    // The subject names the sender: a message claiming another sender than its subject is refused.
    const fromToken = subject.split(".").pop();
    if (fromToken !== token(m.from))
      return this.reject(`message on ${subject}: claims to be from ${m.from}, the subject says ${fromToken}`);
    const key = messageKey([m.boundary, m.from, m.k]);
    const have = this.received.get(key);
    if (have) {
      if (JSON.stringify(have) !== JSON.stringify(m))
        this.reject(
          `message ${m.boundary} k=${m.k} from ${m.from}: a different copy of a message already received (the first is kept)`,
        );
      return;
    }
    this.received.set(key, m);
    for (const w of [...this.waiters]) w();
  }

  /** The delivered messages, waiting for those not received yet (they are in the stream; `brokerS` at most). */
  private async inbox(ids: MessageId[]): Promise<BoundaryMessage[]> {
    const missing = () => ids.filter((id) => !this.received.has(messageKey(id)));
    if (missing().length > 0) {
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (missing().length === 0) {
            clearTimeout(timer);
            this.waiters.delete(check);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          this.waiters.delete(check);
          reject(
            new Error(
              `messages not received within ${this.brokerS} s: ${missing().map(idString).join("; ")}`,
            ),
          );
        }, this.brokerS * 1000);
        this.waiters.add(check);
      });
    }
    return ids.map((id) => this.received.get(messageKey(id))!);
  }

  private async replay(log: StepLog): Promise<void> {
    this.replaying = true;
    this.say(`resuming: replaying ${log.steps.length} step(s) of run ${this.run}`);
    let reply: StepReply | null = null;
    for (const s of log.steps) {
      const inbox = await this.inbox(s.deliver);
      reply = await this.agent.step({
        schema: STEP_SCHEMA,
        version: PROTOCOL_VERSION,
        run: this.run,
        k: s.k,
        inbox,
      });
      this.replayed++;
    }
    this.log = log;
    if (reply) {
      // Its messages may not have reached the broker before the agent died: publish again (duplicates are dropped).
      await this.publish(reply.outbox);
      this.last = { k: reply.k, reply: doneReply(reply) };
    }
    this.replaying = false;
    this.say(`resumed at step ${this.last?.k ?? 0}`);
  }

  private onControl(data: Uint8Array): undefined {
    const p = parseToAgent(data);
    if (!p.ok) return this.reject(p.reason);
    const m = p.value;
    if (m.run !== this.run)
      return this.reject(`control message of run '${m.run}' (this agent runs '${this.run}')`);
    if (m.type === "stop") {
      this.say(`run ${this.run} ended (${m.status})`);
      void this.stop(m.status);
      return;
    }
    if (m.type === "final") {
      void this.final();
      return;
    }
    this.onStep(m);
  }

  private onStep(m: Extract<ToAgent, { type: "step" }>): void {
    if (this.last && m.k === this.last.k) {
      this.send({ type: "done", reply: this.last.reply });
      return;
    }
    if (this.replaying || this.busy !== null) {
      this.send({ type: "working", k: m.k, replaying: this.replaying });
      if (this.busy !== m.k) this.pending = m;
      return;
    }
    if (this.last && m.k < this.last.k) {
      this.send({
        type: "error",
        k: m.k,
        message: `step ${m.k} is older than the last step done (${this.last.k})`,
      });
      return;
    }
    void this.work(m);
  }

  private async work(m: Extract<ToAgent, { type: "step" }>): Promise<void> {
    this.busy = m.k;
    this.send({ type: "working", k: m.k, replaying: false });
    const beat = setInterval(
      () => this.send({ type: "working", k: m.k, replaying: false }),
      this.heartbeatMs,
    );
    try {
      const inbox = await this.inbox(m.deliver);
      const reply = await this.agent.step({
        schema: STEP_SCHEMA,
        version: PROTOCOL_VERSION,
        run: this.run,
        k: m.k,
        inbox,
      });
      // The messages and the step log in parallel (one broker round trip): a restarted agent publishes its last
      // logged step's messages again, so a log written before its messages were acknowledged loses nothing.
      const log: StepLog = { ...this.log, steps: [...this.log.steps, { k: m.k, deliver: m.deliver }] };
      await Promise.all([
        this.publish(reply.outbox),
        retrying("writing the step log", this.brokerS, () =>
          this.infra.kv.put(keys.log(this.run, this.area), encode(log)),
        ),
      ]);
      this.log = log;
      this.last = { k: m.k, reply: doneReply(reply) };
      this.send({ type: "done", reply: this.last.reply });
    } catch (e) {
      this.say(`step ${m.k} failed: ${e instanceof Error ? e.message : e}`);
      this.send({ type: "error", k: m.k, message: e instanceof Error ? e.message : String(e) });
    } finally {
      clearInterval(beat);
      this.busy = null;
    }
    const next = this.pending;
    this.pending = null;
    if (next) this.onStep(next);
  }

  /** Publish messages to the neighbours (in parallel), each acknowledged by JetStream; retried through outages. */
  private async publish(outbox: BoundaryMessage[]): Promise<void> {
    await Promise.all(
      outbox.map((msg) =>
        retrying(`publishing ${msg.boundary} k=${msg.k}`, this.brokerS, () =>
          this.infra.js.publish(subjects.msg(this.run, msg.to, msg.from), encode(msg), {
            msgID: `${this.run}/${messageKey([msg.boundary, msg.from, msg.k])}`,
          }),
        ),
      ),
    );
  }

  private async final(): Promise<void> {
    try {
      const f = this.agent.final();
      const text = JSON.stringify(f);
      const size = Math.max(1024, Math.floor((this.nc.info?.max_payload ?? 1024 * 1024) / 2) - 4096);
      const parts = chunks(text, size);
      parts.forEach((data, part) => {
        this.send({ type: "final", part, parts: parts.length, data });
      });
    } catch (e) {
      this.send({
        type: "error",
        k: null,
        message: `no final solution: ${e instanceof Error ? e.message : e}`,
      });
    }
  }

  private async stop(status: string): Promise<void> {
    await this.consumer?.close().catch(() => {});
    await this.nc.flush().catch(() => {});
    this.resolveFinished({
      outcome: "stopped",
      message: status,
      steps: this.log.steps.length,
      replayed: this.replayed,
      rejected: this.rejected,
    });
  }
}

/** A step reply as the "done" message carries it: the outgoing messages as ids (their values went to the neighbours). */
function doneReply(r: StepReply): DoneReply {
  const nn = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    k: r.k,
    solve: { ...r.solve, status: r.solve.status, objective: nn(r.solve.objective) },
    outbox: r.outbox.map((m): MessageId => [m.boundary, m.from, m.k]),
    totals: {
      lossKwh: r.totals.lossKwh === null ? null : nn(r.totals.lossKwh),
      pSubsKwh: r.totals.pSubsKwh === null ? null : nn(r.totals.pSubsKwh),
      costUsd: r.totals.costUsd === null ? null : nn(r.totals.costUsd),
      ...(r.totals.capExcessKw !== undefined ? { capExcessKw: nn(r.totals.capExcessKw) } : {}),
    },
    rejected: r.rejected,
  };
}
