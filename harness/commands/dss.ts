import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import type { SnapshotResult } from "../../validation/opendss/report.ts";
import type { RunReport } from "../../validation/opendss/run.ts";
import { ExitError } from "../errors.ts";

interface DssArgs {
  deck: string;
  cmd?: string[];
  steps?: string;
  json: boolean;
  solve: boolean;
  detail?: "full" | "summary";
}

function fmt(x: number | null, d: number): string {
  return x === null ? "-" : x.toFixed(d);
}

/** One-line human summary of a snapshot. */
export function formatSnapshotLine(s: SnapshotResult): string {
  return (
    `${s.mode} h=${s.hour} ${s.converged ? "converged" : "NOT CONVERGED"} in ${s.iterations} it; ` +
    `source ${fmt(s.source_kw, 4)} kW ${fmt(s.source_kvar, 4)} kvar; losses ${fmt(s.losses_kw, 4)} kW; ` +
    `V ${fmt(s.vpu_min, 6)} (${s.vpu_min_node}) .. ${fmt(s.vpu_max, 6)} (${s.vpu_max_node}) pu`
  );
}

/** Human-readable report of a run. */
export function formatRunReport(r: RunReport): string {
  const lines = [`${r.script}: ${r.result.num_nodes} nodes, circuit ${r.result.circuit}`];
  if (r.steps) {
    r.steps.forEach((s, k) => {
      lines.push(`step ${k + 1}: ${formatSnapshotLine(s)}`);
    });
  } else lines.push(r.final_solve_issued ? formatSnapshotLine(r.result) : "(no solve issued)");
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join("\n")}\n`;
}

/**
 * `mpopf dss DECK [--cmd "..."]... [--steps FILE] [--json]`: compile an OpenDSS deck in the
 * built-in engine, run extra commands, solve once (or run each `---`-separated block of FILE as
 * one step) and print the results; with --json in the layout of the reference expected.json, so
 * the output can be diffed against the real OpenDSS. Exit code 1 on bad input or when a solution
 * did not converge.
 */
export const dssCommand: CommandModule<object, DssArgs> = {
  command: "dss <deck>",
  describe: "Run an OpenDSS deck in the built-in OpenDSS-compatible engine",
  builder: (y: Argv) =>
    y
      .positional("deck", { type: "string", describe: "OpenDSS script to compile (e.g. Master.dss)" })
      .option("cmd", {
        type: "string",
        array: true,
        describe: "extra command run after compiling (repeatable)",
      })
      .option("steps", {
        type: "string",
        describe: "file of command blocks separated by '---' lines; each block is one step ending with Solve",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print results as JSON (expected.json layout)",
      })
      .option("solve", {
        type: "boolean",
        default: true,
        describe: "issue one Solve after the commands when no --steps (use --no-solve to skip)",
      })
      .option("detail", {
        choices: ["full", "summary"] as const,
        describe: "element results in 'result' (default: full, or summary with --steps)",
      }) as Argv<DssArgs>,
  handler: async (argv: ArgumentsCamelCase<DssArgs>) => {
    // The engine is loaded here, not at CLI start-up.
    const { runDeck } = await import("../../validation/opendss/run.ts");
    const report = runDeck({
      deck: argv.deck,
      commands: argv.cmd ?? [],
      stepsFile: argv.steps,
      solve: argv.solve,
      detail: argv.detail,
    });
    process.stdout.write(argv.json ? `${JSON.stringify(report, null, 1)}\n` : formatRunReport(report));
    const snaps = report.steps ?? (report.final_solve_issued ? [report.result] : []);
    const bad = snaps.filter((s) => !s.converged).length;
    if (bad > 0) throw new ExitError(`${bad} solution(s) did not converge`, 1);
  },
};
