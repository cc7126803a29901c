/**
 * `mpopf agent --area DIR --nats nats://HOST:PORT --run ID`: one area of a distributed run in its own process,
 * from its own folder alone (written by `mpopf case split`). It waits for the run's coordinator (`mpopf solve
 * --transport nats://… --run ID`), serves its steps and exits when the run ends. Killed and started again with
 * the same arguments, it resumes the run where it was (harness/nats/agent.ts).
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError } from "../../models/errors.ts";
import { ExitError } from "../errors.ts";
import { natsClientCliOptions } from "../nats/cli-options.ts";
import type { NatsCliArgs } from "../nats/connect.ts";
import { checkRunId } from "../nats/protocol.ts";
import { numberOption, textOption } from "../options.ts";

interface AgentArgs extends NatsCliArgs {
  area: string;
  nats: string;
  run: string;
  wait?: number;
  quiet: boolean;
}

export const agentCommand: CommandModule<object, AgentArgs> = {
  command: "agent",
  describe: "Run one area of a distributed solve from its folder, over a NATS broker",
  builder: (y: Argv) =>
    natsClientCliOptions(
      y
        .option("area", {
          ...textOption("area", "the area's folder (from 'mpopf case split')"),
          demandOption: true,
        })
        .option("nats", { ...textOption("nats", "the broker, nats://HOST:PORT"), demandOption: true })
        .option("run", { ...textOption("run", "the run id (the coordinator's --run)"), demandOption: true })
        .option(
          "wait",
          numberOption("wait", "seconds to wait for the run's coordinator (default 600)", {
            min: 0,
            minExclusive: true,
          }),
        )
        .option("quiet", { type: "boolean", default: false, describe: "only errors on stderr" }),
    ) as unknown as Argv<AgentArgs>,
  handler: async (argv: ArgumentsCamelCase<AgentArgs>) => {
    const run = checkRunId(argv.run);
    // The NATS client is loaded by this command only, not at every command's start-up.
    const { natsClientOptions } = await import("../nats/connect.ts");
    const { runNatsAgent } = await import("../nats/agent.ts");
    const client = natsClientOptions(argv.nats, argv);
    const log = (line: string) => {
      if (!argv.quiet || /refus|fail|error/i.test(line)) process.stderr.write(`mpopf agent: ${line}\n`);
    };
    let r: Awaited<ReturnType<typeof import("../nats/agent.ts").runNatsAgent>>;
    try {
      r = await runNatsAgent({
        areaDir: argv.area,
        run,
        client,
        log,
        ...(argv.wait !== undefined ? { waitSeconds: argv.wait } : {}),
      });
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new ExitError(`agent failed: ${e instanceof Error ? e.message : String(e)}`, 1);
    }
    if (r.outcome === "refused") throw new ExitError(`agent refused run ${run}: ${r.message}`, 1);
    log(
      `done: ${r.steps} step(s)${r.replayed ? `, ${r.replayed} replayed after a restart` : ""}, ${r.rejected} message(s) rejected`,
    );
  },
};
