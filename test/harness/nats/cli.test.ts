/**
 * The NATS commands end to end (issue 18): `mpopf case split` writes the area folders, `mpopf broker` starts and
 * stops a broker, `mpopf agent` processes and `mpopf solve --transport nats://…` give the in-process result;
 * usage errors before any work. IEEE-123 in 2 automatic areas, T = 2 (two agent processes).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../harness/nats/server.ts";
import { runMpopf } from "../../helpers/cli.ts";
import { killAgent, natsAvailable, spawnAgent } from "../../helpers/nats.ts";
import { REPO_ROOT } from "../../helpers/reference.ts";

const available = natsAvailable();
const STUDY = ["--horizon", "2", "--areas", "auto:2", "--pv", "20", "--batt", "30"];
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mpopf-nats-cli-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)("NATS commands", () => {
  it("usage errors come before any work (exit 2)", () => {
    const a = runMpopf(dir, "solve", "--method", "enapp", ...STUDY, "--transport", "nats://127.0.0.1:1");
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/name the run with --run ID/);
    const b = runMpopf(
      dir,
      "solve",
      "--method",
      "enapp",
      ...STUDY,
      "--transport",
      "carrier-pigeon",
      "--run",
      "x",
    );
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--transport: expected in-process or nats:\/\/HOST:PORT/);
    const c = runMpopf(dir, "solve", "--horizon", "2", "--transport", "nats://127.0.0.1:1", "--run", "x");
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--transport applies to the distributed methods/);
    const d = runMpopf(
      dir,
      "solve",
      "--method",
      "enapp",
      ...STUDY,
      "--transport",
      "nats://127.0.0.1:1",
      "--run",
      "a.b",
    );
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/run id 'a\.b' must be 1\.\.64 letters/);
  });

  it("split, broker, agents and solve --transport give the in-process result", async () => {
    const split = runMpopf(dir, "case", "split", ...STUDY, "--out", "areas");
    expect(split.code, split.err).toBe(0);
    expect(split.out).toMatch(/2 area folders written to .*areas: area-1, area-2/);
    expect(existsSync(join(dir, "areas", "area-2", "network.json"))).toBe(true);
    // Refused: an existing folder mpopf did not write.
    const again = runMpopf(dir, "case", "split", ...STUDY, "--out", REPO_ROOT);
    expect(again.code).toBe(1);

    const port = await freePort();
    const broker = spawn(
      process.execPath,
      [
        join(REPO_ROOT, "bin/mpopf.js"),
        "broker",
        "--store",
        join(dir, "js"),
        "--port",
        String(port),
        "--quiet",
      ],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    let bout = "";
    broker.stdout.on("data", (d: Buffer) => {
      bout += d.toString();
    });
    const brokerExit = new Promise<number | null>((r) => broker.once("exit", (c) => r(c)));
    const agents: ReturnType<typeof spawnAgent>[] = [];
    try {
      for (let i = 0; i < 100 && !bout.includes("broker ready"); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(bout).toMatch(
        new RegExp(`broker ready: nats://127.0.0.1:${port} \\(JetStream store .*js; nats-server pid \\d+\\)`),
      );
      const url = `nats://127.0.0.1:${port}`;
      for (const a of ["1", "2"]) agents.push(spawnAgent(join(dir, "areas", `area-${a}`), url, "cli-run"));
      const nats = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(
          process.execPath,
          [
            join(REPO_ROOT, "bin/mpopf.js"),
            "solve",
            "--method",
            "enapp",
            ...STUDY,
            "--transport",
            url,
            "--run",
            "cli-run",
            "--json",
          ],
          { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
        );
        let out = "";
        let err = "";
        p.stdout.on("data", (d: Buffer) => {
          out += d.toString();
        });
        p.stderr.on("data", (d: Buffer) => {
          err += d.toString();
        });
        p.once("exit", (code) => resolve({ code, out, err }));
      });
      expect(nats.code, nats.err).toBe(0);
      const codes = await Promise.all(agents.map((a) => a.exited));
      expect(codes).toEqual([0, 0]);
      expect(agents[1]!.output()).toMatch(/area 2: run cli-run ended \(finished\)/);
      const local = runMpopf(dir, "solve", "--method", "enapp", ...STUDY, "--json");
      expect(local.code, local.err).toBe(0);
      const a = JSON.parse(nats.out);
      const b = JSON.parse(local.out);
      expect(a.status).toBe("converged");
      expect(a.macroIterations).toBe(b.macroIterations);
      expect(Math.abs(a.objective - b.objective) / Math.abs(b.objective)).toBeLessThanOrEqual(1e-9);
      expect(a.transport).toBe("nats");
      expect(b.transport).toBe("in-process");
    } finally {
      for (const a of agents) await killAgent(a);
      broker.kill("SIGTERM");
      await brokerExit;
    }
    // The broker took its nats-server with it.
    const pid = Number(/nats-server pid (\d+)/.exec(bout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(false);
  }, 300_000);
});
