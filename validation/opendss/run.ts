/**
 * Deck runner in the manner of the reference's `dss-run`: compile a deck, run extra commands,
 * then either solve once or run each block of a steps file (blocks separated by a line `---`,
 * each ending with its own Solve) and collect results in the layout of `expected.json`.
 */
import { basename, dirname, resolve } from "node:path";
import { InputError } from "../../models/errors.ts";
import { readInputFile } from "../../models/files.ts";
import { DssEngine } from "./engine.ts";
import { ENGINE_NAME } from "./identity.ts";

import { stripComment } from "./lexer.ts";
import { type SnapshotResult, snapshot } from "./report.ts";

/** Options of runDeck. */
export interface RunOptions {
  /** Path of the deck to compile. */
  deck: string;
  /** Extra commands run after compiling. */
  commands?: string[];
  /** Steps file: blocks separated by `---` lines. */
  stepsFile?: string;
  /** Issue one Solve when no steps file is given (default true). */
  solve?: boolean;
  /** Element details in `result` ("full" without steps, "summary" with steps, by default). */
  detail?: "full" | "summary";
  /** File reader (default node:fs). */
  readFile?: (path: string) => string;
  /** Binary file reader (default node:fs). */
  readBytes?: (path: string) => Uint8Array;
  /** Called with the engine once the deck is compiled (to inspect it after the run). */
  onEngine?: (engine: DssEngine) => void;
}

/** One step of a stepped run. */
export type StepResult = SnapshotResult & { step: number; commands: string[] };

/** What runDeck returns (the reference's dss-run layout plus warnings). */
export interface RunReport {
  engine: string;
  /** Implementation (the reference names its shared library here). */
  library: string;
  script: string;
  commands: string[];
  command_results: string[];
  final_solve_issued: boolean;
  result: SnapshotResult;
  steps?: StepResult[];
  errors: string[];
  warnings: string[];
  elapsed_s: number;
}

/** A block of a steps file with the line number of its first line. */
export interface StepBlock {
  text: string;
  firstLine: number;
  /** Commands (comment and blank lines removed). */
  commands: string[];
}

/** Split a steps file into blocks at lines consisting of `---`. */
export function splitSteps(text: string): StepBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: StepBlock[] = [];
  let start = 0;
  const push = (end: number): void => {
    const body = lines.slice(start, end);
    const commands = body.map((l) => stripComment(l).trim()).filter((l) => l !== "");
    if (commands.length > 0) blocks.push({ text: body.join("\n"), firstLine: start + 1, commands });
  };
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*---\s*$/.test(lines[i]!)) {
      push(i);
      start = i + 1;
    }
  }
  push(lines.length);
  return blocks;
}

/** Compile, run commands, solve or step, and report. Throws DssError on bad input. */
export function runDeck(opts: RunOptions): RunReport {
  const t0 = performance.now();
  const readFile = opts.readFile ?? ((p: string) => readInputFile(p, "OpenDSS"));
  const deck = resolve(opts.deck);
  // binary data files (sngfile/dblfile) are read from disk unless a reader was given
  const engine = new DssEngine({ cwd: dirname(deck), readFile, readBytes: opts.readBytes });
  opts.onEngine?.(engine);
  engine.text(`Compile "${deck}"`, "<command line>");
  const given = opts.commands ?? [];
  // each line is its own command, as the reference's dss-run sends a commands file
  given.forEach((c, i) => {
    engine.runText(c, `--cmd ${i + 1}`);
  });
  // comment-only and blank commands are not listed (as the reference's commands file reader)
  const commands = given.filter((c) => stripComment(c).trim() !== "");
  const report: RunReport = {
    engine: ENGINE_NAME,
    library: "validation/opendss (mpopf)",
    script: basename(deck),
    commands,
    command_results: [],
    final_solve_issued: false,
    result: undefined as unknown as SnapshotResult,
    errors: [],
    warnings: engine.warnings,
    elapsed_s: 0,
  };
  const circuit = (): NonNullable<DssEngine["circuit"]> => {
    if (!engine.circuit) throw new InputError("parse", "the deck defines no circuit", { file: deck });
    return engine.circuit;
  };
  if (opts.stepsFile) {
    const path = resolve(opts.stepsFile);
    let text: string;
    try {
      text = readFile(path);
    } catch (e) {
      throw new InputError("missing-file", `cannot read the steps file (${(e as Error).message})`, {
        file: path,
      });
    }
    const blocks = splitSteps(text);
    if (engine.circuit?.busesChanged) engine.circuit.renumber();
    report.result = snapshot(circuit(), engine.solution!, opts.detail ?? "summary");
    report.steps = blocks.map((b, k) => {
      engine.runText(b.text, path, b.firstLine);
      return { ...snapshot(circuit(), engine.solution!, "full"), step: k, commands: b.commands };
    });
  } else {
    if (opts.solve ?? true) {
      engine.text("Solve", "<command line>");
      report.final_solve_issued = true;
    } else if (engine.circuit?.busesChanged) engine.circuit.renumber();
    report.result = snapshot(circuit(), engine.solution!, opts.detail ?? "full");
  }
  engine.warnings.push(...engine.ignoredSummary());
  report.elapsed_s = (performance.now() - t0) / 1000;
  return report;
}
