/**
 * The coordinator's transport over NATS: the same `Transport` interface as the in-process one
 * (solvers/distributed/transport.ts), reaching area agents in other processes or on other hosts.
 *
 * open():  writes the run's configuration (method, options, each area's id and spec fingerprint) to the
 *          key-value store, then waits until every agent says it is ready (or refuses the run: a named error).
 * step():  sends "step k" with the ids of the messages the coordinator delivers to the area (the values travel
 *          neighbour to neighbour on the data plane, which the coordinator also reads); waits for "done" while
 *          the agent's heartbeats come; asks again when the agent falls silent (it may have died and restarted,
 *          or the broker restarted); gives up with `AreaTimeoutError` naming the area when it stays silent.
 * final(): the area's final point, in parts.
 * close(): tells the agents the run ended.
 */
import type { ConsumerMessages, NatsConnection } from "nats";
import { InputError } from "../../models/errors.ts";
import { specFingerprint } from "../../solvers/distributed/area-folder.ts";
import type { CoordinatorSetup } from "../../solvers/distributed/coordinator.ts";
import { type BoundaryMessage, MESSAGE_SCHEMA, messageBytes } from "../../solvers/distributed/messages.ts";
import type { DistributedOptions } from "../../solvers/distributed/options.ts";
import {
  type AgentSpec,
  type AreaFinal,
  PROTOCOL_VERSION,
  STEP_SCHEMA,
  type StepReply,
  type StepRequest,
} from "../../solvers/distributed/protocol.ts";
import type { RemoteAreas } from "../../solvers/distributed/solve.ts";
import { AreaTimeoutError, type Transport } from "../../solvers/distributed/transport.ts";
import { connectNats, type NatsClientOptions, type NatsRunInfra, openInfra, retrying } from "./connect.ts";
import {
  BOUNDARY_STREAM,
  CONFIG_SCHEMA,
  CONTROL_SCHEMA,
  checkRunId,
  type DoneReply,
  decodeJson,
  encode,
  keys,
  type MessageId,
  messageKey,
  NATS_PROTOCOL_VERSION,
  parseToCoordinator,
  type RunConfig,
  subjects,
  type ToCoordinator,
} from "./protocol.ts";

/** Timeouts of the coordinator (s). */
export interface NatsTimeouts {
  /** For every agent to be up and ready (default 300). */
  startSeconds: number;
  /** Ask an agent again after this much silence in a step (default 5; agents beat every second). */
  silenceSeconds: number;
  /** An area silent for this long is given up: status area-timeout naming it (default 60). */
  areaSeconds: number;
  /** A step that never ends while its agent keeps beating (default 3600). */
  stepSeconds: number;
  /** For delivered messages to show up on the data plane, and to retry the broker (default 60). */
  brokerSeconds: number;
}

export const DEFAULT_NATS_TIMEOUTS: Readonly<NatsTimeouts> = Object.freeze({
  startSeconds: 300,
  silenceSeconds: 5,
  areaSeconds: 60,
  stepSeconds: 3600,
  brokerSeconds: 60,
});

/** Traffic the coordinator saw (messages and bytes of payload). */
export interface NatsTraffic {
  /** Control messages the coordinator sent (steps, finals, stop) and their bytes. */
  controlSent: number;
  controlSentBytes: number;
  /** Messages from the agents (hello, heartbeats, done, final parts) and their bytes. */
  controlReceived: number;
  controlReceivedBytes: number;
  /** Boundary messages between areas (each once, as published) and their bytes. */
  boundary: number;
  boundaryBytes: number;
  /** Steps asked again after silence. */
  resent: number;
  /** Messages from agents the coordinator rejected (malformed, foreign). */
  rejected: number;
  /** Times the coordinator's connection was re-established (broker restarts, network cuts). */
  reconnects: number;
}

/** Options of the coordinator's NATS transport. */
export interface NatsTransportOptions {
  client: NatsClientOptions;
  timeouts?: Partial<NatsTimeouts>;
  log?: (line: string) => void;
}

type Waiter = {
  k: number | "final";
  on: (m: ToCoordinator) => void;
};

/** The coordinator's side (see the module comment). */
export class NatsTransport implements Transport {
  readonly kind = "nats";
  readonly areas: readonly string[];
  readonly traffic: NatsTraffic = {
    controlSent: 0,
    controlSentBytes: 0,
    controlReceived: 0,
    controlReceivedBytes: 0,
    boundary: 0,
    boundaryBytes: 0,
    resent: 0,
    rejected: 0,
    reconnects: 0,
  };
  private readonly timeouts: NatsTimeouts;
  private readonly say: (line: string) => void;
  private readonly waiters = new Map<string, Waiter>();
  private readonly hello = new Map<string, Extract<ToCoordinator, { type: "hello" }>>();
  private readonly messages = new Map<string, BoundaryMessage>();
  private readonly messageWaiters = new Set<() => void>();
  private consumer: ConsumerMessages | null = null;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly infra: NatsRunInfra,
    private readonly run: string,
    areas: string[],
    timeouts: NatsTimeouts,
    say: (line: string) => void,
  ) {
    this.areas = areas;
    this.timeouts = timeouts;
    this.say = say;
  }

  /**
   * Start a run on the broker: refuse a run id already used there, write the configuration, wait for every
   * agent. Throws `InputError` (run exists, an agent refused) or `AreaTimeoutError` (agents not up in time).
   */
  static async open(
    nc: NatsConnection,
    ctx: { specs: AgentSpec[]; setup: CoordinatorSetup; options: DistributedOptions },
    o: { timeouts?: Partial<NatsTimeouts>; log?: (line: string) => void } = {},
  ): Promise<NatsTransport> {
    const run = checkRunId(ctx.options.run);
    const timeouts = { ...DEFAULT_NATS_TIMEOUTS, ...o.timeouts };
    const say = o.log ?? (() => {});
    const infra = await retrying("opening JetStream", timeouts.brokerSeconds, () => openInfra(nc));
    const t = new NatsTransport(nc, infra, run, ctx.setup.areas, timeouts, say);
    const config: RunConfig = {
      schema: CONFIG_SCHEMA,
      version: NATS_PROTOCOL_VERSION,
      run,
      method: ctx.options.method,
      options: JSON.parse(JSON.stringify(ctx.options)),
      T: ctx.setup.T,
      areas: ctx.specs.map((s) => ({ id: s.area, fingerprint: specFingerprint(s) })),
      boundaries: ctx.setup.boundaries,
      created: new Date().toISOString(),
    };
    try {
      await infra.kv.create(keys.config(run), encode(config));
    } catch {
      throw new InputError(
        "bad-option",
        `run '${run}' already exists on this broker (its agents' logs would be replayed): choose a new run id`,
        { element: "command line", field: "run" },
      );
    }
    await infra.kv.put(keys.status(run), encode({ status: "running", at: new Date().toISOString() }));
    await t.listen();
    await t.waitReady();
    return t;
  }

  private async listen(): Promise<void> {
    (async () => {
      for await (const st of this.nc.status()) {
        if (st.type === "reconnect") {
          this.traffic.reconnects++;
          this.say("reconnected to the broker");
        } else if (st.type === "disconnect") this.say("disconnected from the broker; reconnecting");
      }
    })().catch(() => {});
    const sub = this.nc.subscribe(subjects.coordAll(this.run));
    (async () => {
      for await (const m of sub) this.onAgent(m.data);
    })().catch((e) => this.say(`coordinator subscription ended: ${e}`));
    const c = await retrying("opening the boundary consumer", this.timeouts.brokerSeconds, () =>
      this.infra.js.consumers.get(BOUNDARY_STREAM, { filterSubjects: subjects.msgAll(this.run) }),
    );
    this.consumer = await c.consume();
    (async () => {
      for await (const m of this.consumer!) this.onBoundary(m.data);
    })().catch((e) => this.say(`boundary consumer ended: ${e}`));
  }

  private onBoundary(data: Uint8Array): void {
    const raw = decodeJson(data) as BoundaryMessage | null;
    // The receivers validate against their own expectations; here only what identifies a message of this run.
    if (
      !raw ||
      raw.schema !== MESSAGE_SCHEMA ||
      raw.run !== this.run ||
      typeof raw.boundary !== "string" ||
      typeof raw.from !== "string" ||
      !Number.isInteger(raw.k)
    ) {
      this.traffic.rejected++;
      return;
    }
    const key = messageKey([raw.boundary, raw.from, raw.k]);
    if (this.messages.has(key)) return;
    this.messages.set(key, raw);
    this.traffic.boundary++;
    this.traffic.boundaryBytes += messageBytes(raw);
    for (const w of [...this.messageWaiters]) w();
  }

  private onAgent(data: Uint8Array): void {
    const p = parseToCoordinator(data);
    if (!p.ok || p.value.run !== this.run) {
      this.traffic.rejected++;
      this.say(`rejected: ${p.ok ? `message of run '${p.value.run}'` : p.reason}`);
      return;
    }
    this.traffic.controlReceived++;
    this.traffic.controlReceivedBytes += data.length;
    const m = p.value;
    if (m.type === "hello") {
      this.hello.set(m.area, m);
      if (!m.ok) this.say(`area ${m.area} refuses the run: ${m.message}`);
    }
    this.waiters.get(m.area)?.on(m);
  }

  private sendControl(area: string, m: Record<string, unknown>): void {
    const data = encode({ schema: CONTROL_SCHEMA, version: NATS_PROTOCOL_VERSION, run: this.run, ...m });
    this.traffic.controlSent++;
    this.traffic.controlSentBytes += data.length;
    this.nc.publish(subjects.ctl(this.run, area), data);
  }

  /** Every agent ready: from its hello, or its readiness key (an agent that came up before the coordinator listened). */
  private async waitReady(): Promise<void> {
    const until = performance.now() + this.timeouts.startSeconds * 1000;
    let told = false;
    for (;;) {
      const missing: string[] = [];
      for (const area of this.areas) {
        let h = this.hello.get(area);
        if (!h) {
          const e = await this.infra.kv.get(keys.ready(this.run, area)).catch(() => null);
          const v =
            e && e.value.length > 0
              ? (decodeJson(e.value) as { ok?: boolean; message?: string } | null)
              : null;
          if (v && typeof v.ok === "boolean")
            h = {
              schema: CONTROL_SCHEMA,
              version: NATS_PROTOCOL_VERSION,
              run: this.run,
              type: "hello",
              area,
              pid: 0,
              host: "",
              ok: v.ok,
              message: String(v.message ?? ""),
            };
        }
        if (!h) missing.push(area);
        else if (!h.ok)
          throw new InputError("bad-option", `area ${area} refuses run '${this.run}': ${h.message}`, {
            element: `area ${area}`,
          });
      }
      if (missing.length === 0) return;
      if (!told) {
        this.say(
          `waiting for the agents of area(s) ${missing.join(", ")} (mpopf agent --area … --run ${this.run})`,
        );
        told = true;
      }
      if (performance.now() > until)
        throw new AreaTimeoutError(
          missing[0]!,
          `no agent of area(s) ${missing.join(", ")} came up within ${this.timeouts.startSeconds} s`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Wait for the boundary messages a step reported (they travel on the data plane). */
  private async outbox(area: string, ids: MessageId[]): Promise<BoundaryMessage[]> {
    const missing = () => ids.filter((id) => !this.messages.has(messageKey(id)));
    if (missing().length > 0) {
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (missing().length === 0) {
            clearTimeout(timer);
            this.messageWaiters.delete(check);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          this.messageWaiters.delete(check);
          reject(
            new AreaTimeoutError(
              area,
              `area ${area}'s messages did not reach the broker within ${this.timeouts.brokerSeconds} s: ${missing()
                .map((id) => `${id[0]} k=${id[2]}`)
                .join(", ")}`,
            ),
          );
        }, this.timeouts.brokerSeconds * 1000);
        this.messageWaiters.add(check);
      });
    }
    return ids.map((id) => this.messages.get(messageKey(id))!);
  }

  /**
   * Send a request to an area and wait for its answer, asking again after silence and giving up (named) after
   * a long silence or a step that never ends.
   */
  private exchange<T>(
    area: string,
    k: number | "final",
    send: (attempt: number) => void,
    accept: (m: ToCoordinator, done: (v: T) => void, fail: (e: Error) => void) => void,
  ): Promise<T> {
    const { silenceSeconds, areaSeconds, stepSeconds } = this.timeouts;
    return new Promise<T>((resolve, reject) => {
      const start = performance.now();
      let heard = start;
      let asked = start;
      let attempt = 1;
      let working = false;
      const finish = (f: () => void) => {
        clearInterval(timer);
        this.waiters.delete(area);
        f();
      };
      const done = (v: T) => finish(() => resolve(v));
      const fail = (e: Error) => finish(() => reject(e));
      this.waiters.set(area, {
        k,
        on: (m) => {
          // A heartbeat or error of another step (a late one) says nothing about this one.
          if ((m.type === "working" || m.type === "error") && m.k !== null && m.k !== k) return;
          heard = performance.now();
          if (m.type === "working") working = true;
          accept(m, done, fail);
        },
      });
      const what = k === "final" ? "the final hand-over" : `step ${k}`;
      const timer = setInterval(() => {
        const now = performance.now();
        if (this.closed) return fail(new Error("transport closed"));
        if ((now - heard) / 1000 > areaSeconds)
          return fail(
            new AreaTimeoutError(
              area,
              `no answer from area ${area} for ${areaSeconds} s in ${what}${working ? " (it was working on it)" : ""}; asked ${attempt} time(s)`,
            ),
          );
        if ((now - start) / 1000 > stepSeconds)
          return fail(
            new AreaTimeoutError(area, `area ${area} did not finish ${what} within ${stepSeconds} s`),
          );
        if ((now - heard) / 1000 > silenceSeconds && (now - asked) / 1000 > silenceSeconds) {
          attempt++;
          asked = now;
          this.traffic.resent++;
          this.say(
            `area ${area} silent for ${((now - heard) / 1000).toFixed(1)} s in ${what}: asking again (attempt ${attempt})`,
          );
          send(attempt);
        }
      }, 200);
      send(attempt);
    });
  }

  async step(area: string, req: StepRequest): Promise<StepReply> {
    const deliver: MessageId[] = (req.inbox as BoundaryMessage[]).map((m) => [m.boundary, m.from, m.k]);
    const done = await this.exchange<DoneReply>(
      area,
      req.k,
      (attempt) => this.sendControl(area, { type: "step", k: req.k, deliver, attempt }),
      (m, ok, fail) => {
        if (m.type === "done" && m.reply.k === req.k) ok(m.reply);
        else if (m.type === "error" && m.k === req.k) fail(new Error(`area ${area}: ${m.message}`));
      },
    );
    const outbox = await this.outbox(area, done.outbox);
    const nan = (v: number | null) => (v === null ? Number.NaN : v);
    return {
      schema: STEP_SCHEMA,
      version: PROTOCOL_VERSION,
      run: this.run,
      k: done.k,
      area,
      solve: {
        ...done.solve,
        status: done.solve.status as StepReply["solve"]["status"],
        objective: nan(done.solve.objective),
      },
      outbox,
      totals: {
        lossKwh: nan(done.totals.lossKwh),
        pSubsKwh: done.totals.pSubsKwh,
        costUsd: done.totals.costUsd,
        ...(done.totals.capExcessKw !== undefined ? { capExcessKw: nan(done.totals.capExcessKw) } : {}),
      },
      rejected: done.rejected,
    };
  }

  async final(area: string): Promise<AreaFinal> {
    const parts = new Map<number, string>();
    const text = await this.exchange<string>(
      area,
      "final",
      () => {
        parts.clear();
        this.sendControl(area, { type: "final" });
      },
      (m, ok, fail) => {
        if (m.type === "error" && m.k === null) fail(new Error(`area ${area}: ${m.message}`));
        if (m.type !== "final") return;
        parts.set(m.part, m.data);
        if (parts.size === m.parts)
          ok(Array.from({ length: m.parts }, (_, i) => parts.get(i) ?? "").join(""));
      },
    );
    const f = JSON.parse(text) as AreaFinal;
    if (f.area !== area) throw new Error(`area ${area} handed over area ${f.area}'s solution`);
    return f;
  }

  async close(status = "finished"): Promise<void> {
    if (this.closed) return;
    for (const area of this.areas) this.sendControl(area, { type: "stop", status });
    this.closed = true;
    await this.infra.kv
      .put(keys.status(this.run), encode({ status, at: new Date().toISOString() }))
      .catch(() => {});
    await this.consumer?.close().catch(() => {});
    await this.nc.flush().catch(() => {});
  }
}

/**
 * Remote areas over NATS for `solveDistributed`: connects (or uses `nc`), opens the run, and closes the
 * connection it opened when the run ends. `onOpen` gets the transport (its traffic counters).
 */
export function natsAreas(
  o: NatsTransportOptions & { nc?: NatsConnection; onOpen?: (t: NatsTransport) => void },
): RemoteAreas {
  return {
    kind: "remote",
    async open(ctx) {
      const own = !o.nc;
      const nc = o.nc ?? (await connectNats(o.client, `mpopf coordinator (${ctx.options.run})`));
      try {
        const t = await NatsTransport.open(nc, ctx, o);
        o.onOpen?.(t);
        if (!own) return t;
        const close = t.close.bind(t);
        t.close = async (status?: string) => {
          await close(status);
          await nc.drain().catch(() => {});
        };
        return t;
      } catch (e) {
        if (own) await nc.drain().catch(() => {});
        throw e;
      }
    },
  };
}
