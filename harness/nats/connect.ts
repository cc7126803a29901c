/**
 * Connecting to the broker: the client options a user passes (URL, credentials, TLS) go to the official
 * client as they are; secrets are read from files or the environment and never printed (`describeNats`
 * redacts; a password in the URL is taken out of it before the URL is used or shown). Connections reconnect
 * for ever (a broker restart is a pause, not a failure); JetStream's stream and key-value bucket are created
 * when missing.
 */
import { readFileSync } from "node:fs";
import {
  type Authenticator,
  connect,
  credsAuthenticator,
  type JetStreamClient,
  type JetStreamManager,
  type KV,
  type NatsConnection,
  nanos,
  RetentionPolicy,
  StorageType,
} from "nats";
import { InputError } from "../../models/errors.ts";
import { BOUNDARY_STREAM, KV_BUCKET, subjects } from "./protocol.ts";

/** How to reach the broker. Secrets only through files or the environment (never on a command line). */
export interface NatsClientOptions {
  /** nats://host:port (or tls://…); a user:password part is taken out and used as credentials. */
  url: string;
  user?: string;
  password?: string;
  token?: string;
  /** A NATS credentials file (JWT + NKey seed), e.g. from `nsc`. */
  credsFile?: string;
  /** TLS: CA bundle to verify the server, and the client's certificate and key (mutual TLS). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/** The client options a command line gives: --nats URL and the --nats-* options (files or environment). */
export interface NatsCliArgs {
  nats?: string;
  natsUser?: string;
  natsPasswordFile?: string;
  natsTokenFile?: string;
  natsCreds?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
}

const readSecret = (file: string, what: string): string => {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (e) {
    throw new InputError(
      "missing-file",
      `cannot read the ${what}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      {
        file,
      },
    );
  }
};

/**
 * Client options from command-line arguments and the environment (MPOPF_NATS_PASSWORD, MPOPF_NATS_TOKEN).
 * Throws `InputError` for a bad URL or an unreadable file.
 */
export function natsClientOptions(
  url: string,
  a: Omit<NatsCliArgs, "nats">,
  env: NodeJS.ProcessEnv = process.env,
): NatsClientOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError("bad-option", "expected a broker URL like nats://HOST:PORT", {
      element: "command line",
      field: "nats",
    });
  }
  if (!["nats:", "tls:", "ws:", "wss:"].includes(u.protocol) || !u.hostname)
    throw new InputError("bad-option", "expected a broker URL like nats://HOST:PORT", {
      element: "command line",
      field: "nats",
    });
  const o: NatsClientOptions = { url: `${u.protocol}//${u.host}` };
  if (u.username) o.user = decodeURIComponent(u.username);
  if (u.password) o.password = decodeURIComponent(u.password);
  if (a.natsUser) o.user = a.natsUser;
  if (a.natsPasswordFile) o.password = readSecret(a.natsPasswordFile, "NATS password file");
  else if (env.MPOPF_NATS_PASSWORD) o.password = env.MPOPF_NATS_PASSWORD;
  if (a.natsTokenFile) o.token = readSecret(a.natsTokenFile, "NATS token file");
  else if (env.MPOPF_NATS_TOKEN) o.token = env.MPOPF_NATS_TOKEN;
  if (a.natsCreds) o.credsFile = a.natsCreds;
  if (a.natsTlsCa || a.natsTlsCert || a.natsTlsKey)
    o.tls = {
      ...(a.natsTlsCa ? { caFile: a.natsTlsCa } : {}),
      ...(a.natsTlsCert ? { certFile: a.natsTlsCert } : {}),
      ...(a.natsTlsKey ? { keyFile: a.natsTlsKey } : {}),
    };
  return o;
}

/** The broker and how we authenticate, for logs: never a secret. */
export function describeNats(o: NatsClientOptions): string {
  const auth: string[] = [];
  if (o.user) auth.push(`user ${o.user}${o.password ? " with a password" : ""}`);
  if (o.token) auth.push("a token");
  if (o.credsFile) auth.push(`credentials ${o.credsFile}`);
  if (o.tls) auth.push(`TLS${o.tls.certFile ? " with a client certificate" : ""}`);
  return `${o.url}${auth.length > 0 ? ` (${auth.join(", ")})` : ""}`;
}

/** Errors of a first connection that may clear up by themselves (the broker is not up yet). */
function transient(e: unknown): boolean {
  const code = String((e as { code?: unknown })?.code ?? "");
  return [
    "ECONNREFUSED",
    "ECONNRESET",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ETIMEDOUT",
    "CONNECTION_REFUSED",
    "TIMEOUT",
  ].includes(code);
}

/**
 * Connect, waiting up to `firstSeconds` for a broker that is not up yet (refused connections are retried; a
 * certificate or authorization error is not: it fails at once, named). Once connected, the connection
 * reconnects for ever (a broker restart is a pause, not a failure). `name` shows in the server's connection
 * list (e.g. "mpopf agent 3 (run)").
 */
export async function connectNats(
  o: NatsClientOptions,
  name: string,
  firstSeconds = 300,
): Promise<NatsConnection> {
  let authenticator: Authenticator | undefined;
  if (o.credsFile) {
    let creds: Buffer;
    try {
      creds = readFileSync(o.credsFile);
    } catch (e) {
      throw new InputError(
        "missing-file",
        `cannot read the NATS credentials file: ${(e as NodeJS.ErrnoException).code}`,
        {
          file: o.credsFile,
        },
      );
    }
    authenticator = credsAuthenticator(new Uint8Array(creds));
  }
  const until = performance.now() + firstSeconds * 1000;
  for (let wait = 250; ; wait = Math.min(2000, wait * 2)) {
    try {
      return await connect({
        servers: o.url,
        name,
        ...(o.user !== undefined ? { user: o.user } : {}),
        ...(o.password !== undefined ? { pass: o.password } : {}),
        ...(o.token !== undefined ? { token: o.token } : {}),
        ...(authenticator ? { authenticator } : {}),
        ...(o.tls ? { tls: o.tls } : {}),
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        timeout: 20_000,
        pingInterval: 10_000,
      });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (!transient(e) || performance.now() + wait > until)
        throw new Error(`cannot connect to ${describeNats(o)}: ${why}`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** JetStream handles of a run's participants. */
export interface NatsRunInfra {
  js: JetStreamClient;
  jsm: JetStreamManager;
  kv: KV;
}

/** Boundary messages are kept for this long (s), and duplicates (same message id) dropped within this window. */
const STREAM_MAX_AGE_S = 7 * 24 * 3600;
const DUPLICATE_WINDOW_S = 15 * 60;

/** The stream of boundary messages and the key-value bucket (created when missing; idempotent). */
export async function openInfra(nc: NatsConnection): Promise<NatsRunInfra> {
  const jsm = await nc.jetstreamManager({ timeout: 20_000 });
  try {
    await jsm.streams.info(BOUNDARY_STREAM);
  } catch {
    try {
      await jsm.streams.add({
        name: BOUNDARY_STREAM,
        subjects: [subjects.stream],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        max_age: nanos(STREAM_MAX_AGE_S * 1000),
        duplicate_window: nanos(DUPLICATE_WINDOW_S * 1000),
      });
    } catch (e) {
      // Another participant created it in the meantime.
      await jsm.streams.info(BOUNDARY_STREAM).catch(() => {
        throw e;
      });
    }
  }
  const js = nc.jetstream({ timeout: 5_000 });
  const kv = await js.views.kv(KV_BUCKET, { history: 1, ttl: STREAM_MAX_AGE_S * 1000 });
  return { js, jsm, kv };
}

/**
 * Retry an operation on the broker (a publish that needs JetStream's acknowledgement, a key-value put) until
 * it succeeds or `seconds` have passed — a broker restart makes them fail for a while.
 */
export async function retrying<T>(what: string, seconds: number, op: () => Promise<T>): Promise<T> {
  const until = performance.now() + seconds * 1000;
  let wait = 100;
  for (;;) {
    try {
      return await op();
    } catch (e) {
      if (performance.now() + wait > until)
        throw new Error(`${what}: still failing after ${seconds} s: ${e instanceof Error ? e.message : e}`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(2000, wait * 2);
    }
  }
}
