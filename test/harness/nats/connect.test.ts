/**
 * Client options (issue 18): credentials and TLS go to the client as given, secrets come from files or the
 * environment and are never shown; a real TLS broker (certificates made here with openssl) accepts a client that
 * trusts its CA and refuses one that does not.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, describeNats, natsClientOptions } from "../../../harness/nats/connect.ts";
import { natsAvailable, type TestBroker, testBroker, toolAvailable } from "../../helpers/nats.ts";

const available = natsAvailable();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mpopf-nats-tls-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("NATS client options", () => {
  it("take credentials out of the URL, read secrets from files or the environment, never show them", () => {
    const pw = join(dir, "pw");
    writeFileSync(pw, "from-file\n");
    const a = natsClientOptions("nats://alice:url-secret@broker.example:4222", {});
    expect(a).toEqual({ url: "nats://broker.example:4222", user: "alice", password: "url-secret" });
    const b = natsClientOptions("nats://broker:4222", { natsUser: "bob", natsPasswordFile: pw }, {});
    expect(b.password).toBe("from-file");
    const c = natsClientOptions(
      "tls://broker:4222",
      { natsTlsCa: "ca.pem" },
      { MPOPF_NATS_TOKEN: "tok-env" },
    );
    expect(c).toEqual({ url: "tls://broker:4222", token: "tok-env", tls: { caFile: "ca.pem" } });
    for (const o of [a, b, c]) {
      const d = describeNats(o);
      for (const secret of ["url-secret", "from-file", "tok-env"]) expect(d).not.toContain(secret);
    }
    expect(describeNats(a)).toBe("nats://broker.example:4222 (user alice with a password)");
    expect(describeNats(c)).toBe("tls://broker:4222 (a token, TLS)");
    expect(() => natsClientOptions("http://x:1", {})).toThrow(
      /expected a broker URL like nats:\/\/HOST:PORT/,
    );
    expect(() => natsClientOptions("nats://b:1", { natsPasswordFile: join(dir, "missing") })).toThrow(
      /cannot read the NATS password file: ENOENT/,
    );
  });
});

describe.skipIf(!available || !toolAvailable("openssl"))("a TLS broker", () => {
  let broker: TestBroker;
  let ca: string;
  beforeAll(async () => {
    const ssl = (...args: string[]) => {
      const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
    };
    ssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=mpopf test CA",
    );
    ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      "/CN=127.0.0.1",
    );
    writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    ssl(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "2",
      "-extfile",
      "san.ext",
    );
    ca = join(dir, "ca.pem");
    broker = await testBroker([
      "--tls",
      "--tlscert",
      join(dir, "server.pem"),
      "--tlskey",
      join(dir, "server.key"),
    ]);
  }, 60_000);
  afterAll(async () => {
    await broker?.stop();
  });

  it("a client that trusts the CA connects and uses JetStream; one that does not is refused", async () => {
    const url = `tls://127.0.0.1:${broker.port}`;
    const nc = await connectNats(natsClientOptions(url, { natsTlsCa: ca }), "tls test");
    const kv = await nc.jetstream().views.kv("tls-test");
    await kv.put("k", new TextEncoder().encode("v"));
    expect(new TextDecoder().decode((await kv.get("k"))!.value)).toBe("v");
    await nc.close();
    // Without the CA: refused at once and named (not retried for ever).
    const t0 = performance.now();
    await expect(connectNats(natsClientOptions(url, {}), "no CA")).rejects.toThrow(
      new RegExp(`cannot connect to tls://127.0.0.1:${broker.port}: .*(certificate|self-signed)`),
    );
    expect(performance.now() - t0).toBeLessThan(15_000);
    // A broker that is not up: retried, then named.
    await expect(connectNats(natsClientOptions("nats://127.0.0.1:1", {}), "nobody", 1)).rejects.toThrow(
      /cannot connect to nats:\/\/127.0.0.1:1/,
    );
  }, 60_000);
});
