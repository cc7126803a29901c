/**
 * The broker options every NATS command shares (`mpopf agent`, `mpopf solve --transport nats://…`): where the
 * broker is and how to authenticate. Secrets only from files or the environment (MPOPF_NATS_PASSWORD,
 * MPOPF_NATS_TOKEN), never as command-line values (other users see those in the process list).
 */
import type { Argv } from "yargs";
import { textOption } from "../options.ts";

/** Add the --nats-* client options to a command. */
export function natsClientCliOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option(
      "nats-user",
      textOption("nats-user", "NATS user name (its password: --nats-password-file or MPOPF_NATS_PASSWORD)"),
    )
    .option("nats-password-file", textOption("nats-password-file", "file holding the NATS password"))
    .option(
      "nats-token-file",
      textOption("nats-token-file", "file holding a NATS token (or MPOPF_NATS_TOKEN)"),
    )
    .option(
      "nats-creds",
      textOption("nats-creds", "NATS credentials file (JWT and NKey seed, e.g. from nsc)"),
    )
    .option("nats-tls-ca", textOption("nats-tls-ca", "CA certificates to verify the broker (TLS)"))
    .option("nats-tls-cert", textOption("nats-tls-cert", "client certificate (mutual TLS)"))
    .option("nats-tls-key", textOption("nats-tls-key", "client key (mutual TLS)")) as Argv<T>;
}
