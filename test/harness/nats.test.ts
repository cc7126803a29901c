/**
 * The broker of distributed runs: a real nats-server started by the test (installed by scripts/setup.sh), the
 * official client, request/reply and JetStream's key-value store (what area agents keep their last boundary state in).
 */
import { connect, JSONCodec } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsServer } from "../../harness/nats/server.ts";
import { natsAvailable, testBroker } from "../helpers/nats.ts";

const available = natsAvailable();

describe.skipIf(!available)("a real nats-server", () => {
  let broker: NatsServer;
  beforeAll(async () => {
    broker = await testBroker();
  }, 30_000);
  afterAll(async () => {
    await broker?.stop();
  });

  it("answers a request, keeps a JetStream key-value entry across reconnects", async () => {
    const jc = JSONCodec<{ v: number }>();
    const a = await connect({ servers: broker.url });
    const sub = a.subscribe("mpopf.test.echo");
    (async () => {
      for await (const m of sub) m.respond(jc.encode({ v: jc.decode(m.data).v + 1 }));
    })();
    const b = await connect({ servers: broker.url });
    const reply = await b.request("mpopf.test.echo", jc.encode({ v: 41 }), { timeout: 2000 });
    expect(jc.decode(reply.data).v).toBe(42);
    const kv = await b.jetstream().views.kv("mpopf-test");
    await kv.put("area.A", jc.encode({ v: 7 }));
    await b.close();
    const c = await connect({ servers: broker.url });
    const again = await c.jetstream().views.kv("mpopf-test");
    const e = await again.get("area.A");
    expect(e && jc.decode(e.value).v).toBe(7);
    await c.close();
    await a.close();
  }, 30_000);
});
