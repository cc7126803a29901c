/**
 * `mpopf broker --store DIR`: a local NATS broker for distributed runs — the Debian `nats-server` with JetStream
 * (the boundary messages and the agents' step logs live in DIR, so they survive a broker restart), listening on
 * --host/--port, until Ctrl-C. Optional password (from a file; written to a 0600 config file in DIR, never on
 * the server's command line) and TLS. The same can be done by hand: see harness/nats/README.md.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError } from "../../models/errors.ts";
import { ExitError } from "../errors.ts";
import { startNatsServer } from "../nats/server.ts";
import { numberOption, textOption } from "../options.ts";

interface BrokerArgs {
  store: string;
  host: string;
  port: number;
  monitor?: number;
  user?: string;
  passwordFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  quiet: boolean;
}

/** A nats-server configuration string value (quoted, escaped). */
const q = (s: string) => JSON.stringify(s);

export const brokerCommand: CommandModule<object, BrokerArgs> = {
  command: "broker",
  describe: "Start a local NATS broker (nats-server with JetStream) for distributed runs",
  builder: (y: Argv) =>
    y
      .option("store", {
        ...textOption("store", "JetStream store folder (created if missing)"),
        demandOption: true,
      })
      .option("host", {
        ...textOption("host", "address to listen on (0.0.0.0: every interface)"),
        default: "127.0.0.1",
      })
      .option("port", {
        ...numberOption("port", "client port", { integer: true, min: 1, max: 65535 }),
        default: 4222,
      })
      .option(
        "monitor",
        numberOption("monitor", "HTTP monitoring port (/varz, /connz)", {
          integer: true,
          min: 1,
          max: 65535,
        }),
      )
      .option("user", textOption("user", "require this user (password: --password-file)"))
      .option("password-file", textOption("password-file", "file holding the password of --user"))
      .option("tls-cert", textOption("tls-cert", "server certificate (TLS)"))
      .option("tls-key", textOption("tls-key", "server key (TLS)"))
      .option(
        "tls-ca",
        textOption("tls-ca", "CA of client certificates: clients must present one (mutual TLS)"),
      )
      .option("quiet", {
        type: "boolean",
        default: false,
        describe: "do not print the server's log",
      }) as unknown as Argv<BrokerArgs>,
  handler: async (argv: ArgumentsCamelCase<BrokerArgs>) => {
    const store = resolve(argv.store);
    mkdirSync(store, { recursive: true });
    const conf: string[] = [];
    if (argv.user || argv.passwordFile) {
      if (!argv.user || !argv.passwordFile) throw new ExitError("--user and --password-file go together", 2);
      let password: string;
      try {
        password = readFileSync(argv.passwordFile, "utf8").trim();
      } catch (e) {
        throw new InputError(
          "missing-file",
          `cannot read the password file: ${(e as NodeJS.ErrnoException).code}`,
          {
            file: argv.passwordFile,
          },
        );
      }
      conf.push(`authorization { user: ${q(argv.user)}, password: ${q(password)} }`);
    }
    if (argv.tlsCert || argv.tlsKey) {
      if (!argv.tlsCert || !argv.tlsKey) throw new ExitError("--tls-cert and --tls-key go together", 2);
      conf.push(
        `tls { cert_file: ${q(resolve(argv.tlsCert))}, key_file: ${q(resolve(argv.tlsKey))}${
          argv.tlsCa ? `, ca_file: ${q(resolve(argv.tlsCa))}, verify: true` : ""
        } }`,
      );
    }
    const args: string[] = [];
    if (conf.length > 0) {
      const file = join(store, "mpopf-broker.conf");
      writeFileSync(file, `${conf.join("\n")}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      args.push("-c", file);
    }
    if (argv.monitor !== undefined) args.push("-m", String(argv.monitor));
    const server = await startNatsServer({
      storeDir: store,
      host: argv.host,
      port: argv.port,
      args,
      ...(argv.quiet ? {} : { log: (l: string) => process.stderr.write(`nats-server: ${l}\n`) }),
    });
    // However this process ends (a signal to it alone, an error), the server goes with it.
    process.once("exit", () => {
      if (server.process.exitCode === null && server.process.signalCode === null)
        server.process.kill("SIGTERM");
    });
    const scheme = conf.some((c) => c.startsWith("tls")) ? "tls" : "nats";
    process.stdout.write(
      `broker ready: ${scheme}://${argv.host === "0.0.0.0" ? "<this host>" : argv.host}:${server.port} (JetStream store ${store}; nats-server pid ${server.process.pid}); Ctrl-C stops it\n`,
    );
    await new Promise<void>((done) => {
      const stop = () => {
        void server.stop().then(done);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      server.process.once("exit", () => done());
    });
  },
};
