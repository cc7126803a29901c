/**
 * A local nats-server (Debian package `nats-server`) started as a child process: for `mpopf broker` and for tests
 * that need a real broker. JetStream is on, with its store in a folder of the caller's choice. Nothing here is
 * needed for in-process runs.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";

/** Where Debian installs nats-server, tried in order (then PATH). */
const CANDIDATES = ["/usr/sbin/nats-server", "/usr/bin/nats-server"];

/** Path of the nats-server binary, or null when it is not installed. */
export function findNatsServer(): string | null {
  for (const c of CANDIDATES) {
    if (spawnSync(c, ["--version"], { encoding: "utf8" }).status === 0) return c;
  }
  const r = spawnSync("nats-server", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? "nats-server" : null;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A running nats-server. */
export interface NatsServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Stop it (SIGTERM, then SIGKILL after a second) and wait for the exit. */
  stop(): Promise<void>;
}

/** Options of a local nats-server. */
export interface NatsServerOptions {
  /** Port (default: a free one). */
  port?: number;
  /** Address to listen on (default 127.0.0.1; 0.0.0.0 for other hosts). */
  host?: string;
  /** JetStream store folder (required: the server writes there). */
  storeDir: string;
  /** Extra server arguments. */
  args?: string[];
  /** Where the server's log lines go (default: dropped). */
  log?: (line: string) => void;
}

/** Start nats-server with JetStream and wait until it accepts connections (throws with its output if it exits). */
export async function startNatsServer(opts: NatsServerOptions): Promise<NatsServer> {
  const bin = findNatsServer();
  if (!bin)
    throw new Error(
      "nats-server is not installed (Debian: apt-get install nats-server; scripts/setup.sh installs it)",
    );
  const port = opts.port ?? (await freePort());
  const child = spawn(
    bin,
    ["-a", opts.host ?? "127.0.0.1", "-p", String(port), "-js", "-sd", opts.storeDir, ...(opts.args ?? [])],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const onData = (d: Buffer) => {
    const text = d.toString();
    output += text;
    if (opts.log) for (const l of text.split("\n")) if (l.trim()) opts.log(l);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`nats-server did not start within 10 s:\n${output}`)),
      10_000,
    );
    const check = () => {
      if (/Server is ready/.test(output)) {
        clearTimeout(timer);
        child.stdout?.off("data", check);
        child.stderr?.off("data", check);
        resolve();
      }
    };
    child.stdout?.on("data", check);
    child.stderr?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with code ${code} before it was ready:\n${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url: `nats://${!opts.host || opts.host === "0.0.0.0" ? "127.0.0.1" : opts.host}:${port}`,
    port,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 1000);
      await exited;
      clearTimeout(t);
    },
  };
}
