import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNatsServer, type NatsServer, startNatsServer } from "../../harness/nats/server.ts";
import { REPO_ROOT } from "./reference.ts";

/**
 * Whether a real nats-server is available to the tests. scripts/setup.sh installs it; under CI=true its absence is a
 * failure, elsewhere the tests that need it are skipped with a visible message.
 */
export function natsAvailable(): boolean {
  const ok = findNatsServer() !== null;
  if (!ok) {
    const msg = "nats-server is not installed (scripts/setup.sh installs the Debian package nats-server)";
    if (process.env.CI === "true") throw new Error(`CI=true and ${msg}`);
    process.stderr.write(`\n*** SKIPPING tests that need a NATS broker: ${msg} ***\n\n`);
  }
  return ok;
}

/**
 * Whether `strace` (and `openssl`) are there — scripts/setup.sh installs them: under CI=true their absence is a
 * failure, elsewhere the assertions that need them are skipped with a visible message.
 */
export function toolAvailable(tool: "strace" | "openssl"): boolean {
  const ok = spawnSync(tool, [tool === "strace" ? "-V" : "version"], { encoding: "utf8" }).status === 0;
  if (!ok) {
    const msg = `${tool} is not installed (scripts/setup.sh installs it)`;
    if (process.env.CI === "true") throw new Error(`CI=true and ${msg}`);
    process.stderr.write(`\n*** SKIPPING what needs ${tool}: ${msg} ***\n\n`);
  }
  return ok;
}

/** A broker of a test: its JetStream store is a temporary folder, removed by `stop()`. */
export interface TestBroker extends NatsServer {
  storeDir: string;
  /** Stop the server (keeping its store) and start it again on the same port with the same store. */
  restart(pauseMs?: number): Promise<void>;
}

/** Start a broker with JetStream in a temporary store (extra server arguments: e.g. --user/--pass). */
export async function testBroker(args: string[] = []): Promise<TestBroker> {
  const storeDir = mkdtempSync(join(tmpdir(), "mpopf-nats-"));
  let s = await startNatsServer({ storeDir, args });
  const b: TestBroker = {
    url: s.url,
    port: s.port,
    storeDir,
    get process() {
      return s.process;
    },
    async restart(pauseMs = 500) {
      await s.stop();
      await new Promise((r) => setTimeout(r, pauseMs));
      s = await startNatsServer({ storeDir, port: s.port, args });
    },
    async stop() {
      await s.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  return b;
}

/** An `mpopf agent` process of a test, with its output collected. */
export interface AgentProcess {
  child: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Start `mpopf agent --area DIR --nats URL --run RUN [extra…]` (bin/mpopf.js with this Node), optionally under
 * `strace` writing the files it opens to `straceFile`.
 */
export function spawnAgent(
  areaDir: string,
  url: string,
  run: string,
  extra: string[] = [],
  straceFile?: string,
): AgentProcess {
  const cmd = [
    join(REPO_ROOT, "bin/mpopf.js"),
    "agent",
    "--area",
    areaDir,
    "--nats",
    url,
    "--run",
    run,
    ...extra,
  ];
  const child = straceFile
    ? spawn(
        "strace",
        ["-f", "-qq", "-e", "trace=open,openat,openat2", "-o", straceFile, process.execPath, ...cmd],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      )
    : spawn(process.execPath, cmd, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Kill a test's agent process (SIGKILL unless told otherwise) and wait for it. */
export async function killAgent(a: AgentProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (a.child.exitCode !== null || a.child.signalCode !== null) return;
  a.child.kill(signal);
  if (signal === "SIGKILL" || signal === "SIGTERM") await a.exited;
}
