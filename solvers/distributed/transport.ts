/**
 * How the coordinator reaches the area agents. A transport delivers a step request to an area and brings back
 * its reply (with the area's outgoing boundary messages), and collects the final hand-over. The default is
 * in-process: the agents live in this process and solve on the worker pool; every request and reply is
 * round-tripped through JSON so that nothing but plain data crosses (what a NATS transport, issue 18, carries
 * over the wire: `mpopf.<run>.<area>.step` request/reply).
 */
import type { AreaAgent } from "./agent.ts";
import type { AreaFinal, StepReply, StepRequest } from "./protocol.ts";

/** A way to reach the agents. */
export interface Transport {
  /** e.g. "in-process". */
  readonly kind: string;
  /** Area ids served. */
  readonly areas: readonly string[];
  step(area: string, req: StepRequest): Promise<StepReply>;
  final(area: string): Promise<AreaFinal>;
  close(): Promise<void>;
}

/**
 * An area that did not answer in time (a transport's step or final hand-over): the coordinator ends the run
 * with the status "area-timeout" naming the area, instead of waiting for ever.
 */
export class AreaTimeoutError extends Error {
  override readonly name = "AreaTimeoutError";
  constructor(
    readonly area: string,
    message: string,
  ) {
    super(message);
  }
}

const viaJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Agents in this process (their solves on the pool or in this thread); requests and replies go through JSON. */
export class InProcessTransport implements Transport {
  readonly kind = "in-process";
  readonly areas: readonly string[];
  private readonly agents: Map<string, AreaAgent>;

  constructor(agents: AreaAgent[]) {
    this.agents = new Map(agents.map((a) => [a.id, a]));
    this.areas = agents.map((a) => a.id);
  }

  private agent(area: string): AreaAgent {
    const a = this.agents.get(area);
    if (!a) throw new Error(`no agent for area ${area}`);
    return a;
  }

  async step(area: string, req: StepRequest): Promise<StepReply> {
    const reply = await this.agent(area).step(viaJson(req));
    return viaJson(reply);
  }

  async final(area: string): Promise<AreaFinal> {
    return this.agent(area).final();
  }

  /** The agents themselves (in-process callers: decoded area solutions). */
  local(area: string): AreaAgent {
    return this.agent(area);
  }

  async close(): Promise<void> {}
}
