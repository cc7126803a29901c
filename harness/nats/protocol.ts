/**
 * The distributed methods over NATS: subjects, JetStream names, and the typed, versioned control messages
 * between the coordinator and the area agents (the boundary messages themselves are `mpopf.boundary` v1 of
 * solvers/distributed/messages.ts, unchanged).
 *
 * Subjects (every token escaped by `token`, so ids with dots, spaces or arrows stay one token):
 *   mpopf.<run>.msg.<to>.<from>   a boundary message from area <from> to its neighbour <to> (data plane; kept in
 *                                 the JetStream stream MPOPF_BOUNDARY: a restarted agent reads them again)
 *   mpopf.<run>.ctl.<area>        coordinator → agent: step k with the ids of the messages delivered to it, final,
 *                                 stop
 *   mpopf.<run>.coord.<area>      agent → coordinator: hello, working (heartbeat), done (solve status, totals, the
 *                                 ids of the messages it sent), error, final (in parts)
 * JetStream key-value bucket `mpopf`:
 *   <run>.config                  the run: method, options, every area's id and spec fingerprint (coordinator)
 *   <run>.log.<area>              the agent's step log: for every step done, k and the ids of the messages used —
 *                                 with the stream, what a restarted agent replays to resume the run where it was
 *   <run>.standby.<area>          the agent is up, its solver warm, waiting for the run's coordinator
 *   <run>.ready.<area>            the agent has the run's configuration and its spec matches (or why it refused)
 *   <run>.status                  running / finished (the coordinator)
 * With per-area credentials the broker can enforce that an agent only publishes as itself and only reads its own
 * subjects (README: permissions).
 */
import { z } from "zod";
import { InputError } from "../../models/errors.ts";
import { type Direction, METHODS } from "../../solvers/distributed/messages.ts";

export const CONTROL_SCHEMA = "mpopf.control" as const;
export const CONFIG_SCHEMA = "mpopf.run" as const;
export const NATS_PROTOCOL_VERSION = 1 as const;

/** The stream of boundary messages (all runs; each run under its own subjects). */
export const BOUNDARY_STREAM = "MPOPF_BOUNDARY";
/** The key-value bucket of run configurations, agents' step logs and readiness. */
export const KV_BUCKET = "mpopf";

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Check a run id for NATS (one subject token, one key token). Throws `InputError`. */
export function checkRunId(run: string): string {
  if (!RUN_ID.test(run))
    throw new InputError(
      "bad-option",
      `run id '${run}' must be 1..64 letters, digits, '-' or '_' (it names the run's subjects and keys)`,
      { element: "command line", field: "run" },
    );
  return run;
}

/** An id as one subject / key token: letters, digits and '-' kept, everything else `_<hex>_` (injective). */
export function token(id: string): string {
  return id.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}_`);
}

export const subjects = {
  msg: (run: string, to: string, from: string) => `mpopf.${run}.msg.${token(to)}.${token(from)}`,
  /** Every boundary message to one area. */
  msgTo: (run: string, to: string) => `mpopf.${run}.msg.${token(to)}.*`,
  /** Every boundary message of a run. */
  msgAll: (run: string) => `mpopf.${run}.msg.*.*`,
  ctl: (run: string, area: string) => `mpopf.${run}.ctl.${token(area)}`,
  coord: (run: string, area: string) => `mpopf.${run}.coord.${token(area)}`,
  coordAll: (run: string) => `mpopf.${run}.coord.*`,
  /** The stream's subjects. */
  stream: "mpopf.*.msg.*.*",
};

export const keys = {
  config: (run: string) => `${run}.config`,
  log: (run: string, area: string) => `${run}.log.${token(area)}`,
  ready: (run: string, area: string) => `${run}.ready.${token(area)}`,
  standby: (run: string, area: string) => `${run}.standby.${token(area)}`,
  status: (run: string) => `${run}.status`,
};

/** The id of a boundary message: which boundary, from whom, the sender's step. */
export type MessageId = [boundary: string, from: string, k: number];
export const messageKey = (id: MessageId) => `${id[1]}|${id[0]}|${id[2]}`;

const idSchema = z.tuple([z.string().min(1).max(200), z.string().min(1).max(200), z.number().int().min(0)]);
const head = {
  schema: z.literal(CONTROL_SCHEMA),
  version: z.literal(NATS_PROTOCOL_VERSION),
  run: z.string(),
};

/** Coordinator → agent. */
const toAgentSchema = z.discriminatedUnion("type", [
  z
    .object({
      ...head,
      type: z.literal("step"),
      k: z.number().int().min(1),
      deliver: z.array(idSchema),
      attempt: z.number().int().min(1),
    })
    .strict(),
  z.object({ ...head, type: z.literal("final") }).strict(),
  z.object({ ...head, type: z.literal("stop"), status: z.string() }).strict(),
]);
export type ToAgent = z.infer<typeof toAgentSchema>;

const finite = z.number().nullable();
const replySchema = z
  .object({
    k: z.number().int().min(1),
    solve: z
      .object({
        status: z.string(),
        success: z.boolean(),
        message: z.string(),
        ipoptIterations: z.number(),
        objective: finite,
        solveSeconds: z.number(),
        setupSeconds: z.number(),
        warm: z.boolean(),
      })
      .strict(),
    /** Ids of the boundary messages the step sent (on the data plane). */
    outbox: z.array(idSchema),
    totals: z
      .object({
        lossKwh: finite,
        pSubsKwh: finite,
        costUsd: finite,
        capExcessKw: finite.optional(),
      })
      .strict(),
    rejected: z.array(z.string()),
  })
  .strict();
export type DoneReply = z.infer<typeof replySchema>;

/** Agent → coordinator. */
const toCoordinatorSchema = z.discriminatedUnion("type", [
  z
    .object({
      ...head,
      type: z.literal("hello"),
      area: z.string(),
      pid: z.number().int(),
      host: z.string(),
      ok: z.boolean(),
      message: z.string(),
    })
    .strict(),
  z
    .object({
      ...head,
      type: z.literal("working"),
      area: z.string(),
      k: z.number().int(),
      replaying: z.boolean(),
    })
    .strict(),
  z.object({ ...head, type: z.literal("done"), area: z.string(), reply: replySchema }).strict(),
  z
    .object({
      ...head,
      type: z.literal("error"),
      area: z.string(),
      k: z.number().int().nullable(),
      message: z.string(),
    })
    .strict(),
  z
    .object({
      ...head,
      type: z.literal("final"),
      area: z.string(),
      part: z.number().int().min(0),
      parts: z.number().int().min(1),
      data: z.string(),
    })
    .strict(),
]);
export type ToCoordinator = z.infer<typeof toCoordinatorSchema>;

/** The run configuration the coordinator writes (key `<run>.config`). */
const configSchema = z
  .object({
    schema: z.literal(CONFIG_SCHEMA),
    version: z.literal(NATS_PROTOCOL_VERSION),
    run: z.string(),
    method: z.enum(METHODS),
    /** The resolved distributed options (solvers/distributed/options.ts), as JSON. */
    options: z.record(z.string(), z.unknown()),
    T: z.number().int().min(1),
    areas: z.array(z.object({ id: z.string(), fingerprint: z.string() }).strict()),
    boundaries: z.array(z.object({ id: z.string(), parent: z.string(), child: z.string() }).strict()),
    created: z.string(),
  })
  .strict();
export type RunConfig = z.infer<typeof configSchema>;

/** An agent's step log (key `<run>.log.<area>`). */
const logSchema = z
  .object({
    schema: z.literal("mpopf.steplog"),
    version: z.literal(NATS_PROTOCOL_VERSION),
    run: z.string(),
    area: z.string(),
    steps: z.array(z.object({ k: z.number().int().min(1), deliver: z.array(idSchema) }).strict()),
  })
  .strict();
export type StepLog = z.infer<typeof logSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function parse<T>(schema: z.ZodType<T>, data: Uint8Array, what: string): Parsed<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
  } catch {
    return { ok: false, reason: `${what}: not JSON (${data.length} bytes)` };
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    const at = first?.path.length ? first.path.join(".") : "message";
    return { ok: false, reason: `${what}: malformed: ${at}: ${first?.message ?? "invalid"}` };
  }
  return { ok: true, value: r.data };
}

export const parseToAgent = (d: Uint8Array) => parse(toAgentSchema, d, "control message");
export const parseToCoordinator = (d: Uint8Array) => parse(toCoordinatorSchema, d, "agent message");
export const parseConfig = (d: Uint8Array) => parse(configSchema, d, "run configuration");
export const parseStepLog = (d: Uint8Array) => parse(logSchema, d, "step log");

/** JSON as bytes. */
export const encode = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

/** Parse raw bytes as JSON (null when they are not UTF-8 JSON). */
export function decodeJson(d: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(d));
  } catch {
    return null;
  }
}

/** The boundaries of an area as the receiver expects them (solvers/distributed/messages.ts `Expectation`). */
export function expectedBoundaries(spec: {
  up: { boundary: string; neighbour: string } | null;
  down: Array<{ boundary: string; neighbour: string }>;
}): Map<string, { neighbour: string; direction: Direction }> {
  const m = new Map<string, { neighbour: string; direction: Direction }>();
  if (spec.up) m.set(spec.up.boundary, { neighbour: spec.up.neighbour, direction: "down" });
  for (const d of spec.down) m.set(d.boundary, { neighbour: d.neighbour, direction: "up" });
  return m;
}

/** Split a text into parts of at most `size` characters (at least one part). */
export function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [""];
}
