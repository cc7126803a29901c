import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNatsServer, type NatsServer, startNatsServer } from "../../harness/nats/server.ts";

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

/** Start a broker with JetStream in a temporary store; `stop()` also removes the store. */
export async function testBroker(): Promise<NatsServer & { storeDir: string }> {
  const storeDir = mkdtempSync(join(tmpdir(), "mpopf-nats-"));
  const s = await startNatsServer({ storeDir });
  return {
    ...s,
    storeDir,
    async stop() {
      await s.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
