/**
 * The time-step replay: compile the deck in the engine, then for t = 1..T set the hour, push that hour's
 * PV and battery set-points, solve, and read everything back; compare with the optimizer.
 * An hour whose power flow does not converge (or whose commands fail) is reported for that hour and never
 * used; a failure to compile the deck is an error (the deck, not the hour, is wrong).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResultTables } from "../../models/results.ts";
import { REPLAY_DIR } from "../../models/run-layout.ts";
import type { Network, Scenario } from "../../models/types.ts";
import {
  compareReplay,
  comparisonFromJson,
  comparisonToJson,
  type FindingTolerances,
  type ReplayComparison,
} from "./compare.ts";
import { buildDeck, type DeckCommand, deckCommands } from "./deck.ts";
import { dispatchFromTables } from "./dispatch.ts";
import { createDefaultEngine } from "./engine.ts";
import { emptyObservation, observeHour } from "./observe.ts";
import { type ReplayTables, replayTables } from "./tables.ts";
import {
  DECK_FLAVOURS,
  type Deck,
  type DeckFlavour,
  type DeckOptions,
  type Dispatch,
  type EngineIdentity,
  type HourObservation,
  type ReplayEngine,
} from "./types.ts";

/** A deck command the engine rejected while compiling. */
export class DeckCompileError extends Error {
  readonly command: DeckCommand;
  constructor(command: DeckCommand, cause: unknown) {
    super(
      `${command.file}:${command.line}: the engine rejected '${command.text}': ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
    this.name = "DeckCompileError";
    this.command = command;
  }
}

/** Result of driving an engine through a deck. */
export interface DeckRun {
  observations: HourObservation[];
  compileMs: number;
  totalMs: number;
}

/** Reads one solved hour back (default `observeHour`; the original-deck replay reads every phase). */
export type HourObserver = (deck: Deck, network: Network, engine: ReplayEngine, t: number) => HourObservation;

/** Run a deck in an engine: compile, then every hour (see the module comment). */
export function runDeck(
  deck: Deck,
  network: Network,
  engine: ReplayEngine,
  onHour?: (t: number, T: number, elapsedMs: number) => void,
  observe: HourObserver = observeHour,
): DeckRun {
  const t0 = performance.now();
  const { compile, hours } = deckCommands(deck);
  for (const cmd of compile) {
    try {
      engine.text(cmd.text);
    } catch (e) {
      throw new DeckCompileError(cmd, e);
    }
  }
  const compileMs = performance.now() - t0;
  const observations: HourObservation[] = [];
  hours.forEach((cmds, i) => {
    const t = i + 1;
    const h0 = performance.now();
    let failed: { cmd: DeckCommand; error: unknown } | null = null;
    for (const cmd of cmds) {
      try {
        engine.text(cmd.text);
      } catch (error) {
        failed = { cmd, error };
        break;
      }
    }
    if (failed) {
      // A thrown command is an error of that hour (non-convergence is a status, read below, not a throw).
      const msg = `${failed.cmd.file}:${failed.cmd.line}: '${failed.cmd.text}': ${(failed.error as Error)?.message ?? String(failed.error)}`;
      const obs = emptyObservation(deck, t, "error", msg);
      obs.solveMs = performance.now() - h0;
      observations.push(obs);
      return;
    }
    const obs = observe(deck, network, engine, t);
    obs.solveMs = performance.now() - h0; // commands, solve and read-back
    observations.push(obs);
    onHour?.(t, hours.length, performance.now() - t0);
  });
  return { observations, compileMs, totalMs: performance.now() - t0 };
}

/** Options of a replay. */
export interface ReplayOptions {
  /** Deck options other than the flavour. */
  deck?: Omit<DeckOptions, "flavour">;
  /** The engine, or a factory; default: the project's OpenDSS-compatible engine (validation/opendss). */
  engine?: ReplayEngine | (() => ReplayEngine | Promise<ReplayEngine>);
  /** Name of the replayed solution in reports ("MPCOPF", "MPDOPF"); default "MPCOPF". */
  label?: string;
  /** Tolerances of the findings. */
  tolerances?: Partial<FindingTolerances>;
  /** Where the tables came from, for error messages. */
  source?: string;
  /** Called after each period's solve (progress of long replays). */
  onHour?: (t: number, T: number, elapsedMs: number, flavour: DeckFlavour) => void;
}

/** Everything a replay produced. */
export interface ReplayResult {
  label: string;
  deck: Deck;
  dispatch: Dispatch;
  observations: HourObservation[];
  comparison: ReplayComparison;
  tables: ReplayTables;
  engine: EngineIdentity;
}

async function resolveEngine(e: ReplayOptions["engine"]): Promise<ReplayEngine> {
  if (e === undefined) return createDefaultEngine();
  if (typeof e === "function") return await e();
  return e;
}

/**
 * Replay a solve's set-points (its result tables) on the scenario's feeder in a power-flow engine, with
 * the given deck flavour, and compare every hour with the optimizer. A fresh engine (or the given one,
 * which is cleared by the deck's `Clear`) runs the whole horizon.
 */
export async function replayDispatch(
  network: Network,
  scenario: Scenario,
  tables: ResultTables,
  flavour: DeckFlavour,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const label = options.label ?? "MPCOPF";
  const dispatch = dispatchFromTables(scenario, tables, options.source ?? label);
  const deck = buildDeck(network, scenario, dispatch, { ...options.deck, flavour });
  const engine = await resolveEngine(options.engine);
  const onHour = options.onHour;
  const run = runDeck(deck, network, engine, onHour && ((t, T, ms) => onHour(t, T, ms, flavour)));
  const comparison = compareReplay({
    label,
    network,
    scenario,
    deck,
    dispatch,
    observations: run.observations,
    engine: engine.identity,
    timings: { compileMs: run.compileMs, totalMs: run.totalMs },
    tolerances: options.tolerances,
  });
  return {
    label,
    deck,
    dispatch,
    observations: run.observations,
    comparison,
    tables: replayTables(comparison),
    engine: engine.identity,
  };
}

/** Where a run directory keeps its replays (models/run-layout.ts). */
export { REPLAY_DIR };

/** Folder (relative to the run directory) of one replay: replay/<label>-<flavour>. */
export function replayFolder(label: string, flavour: DeckFlavour): string {
  const slug = label.toLowerCase().replace(/[^a-z0-9_-]+/g, "-");
  return `${REPLAY_DIR}/${slug}-${flavour}`;
}

/** Anything files can be written into (e.g. harness/run-dir.ts RunDirWriter). */
export interface FileSink {
  write(rel: string, data: string | Uint8Array): void;
}

const TABLE_FILES: Array<keyof ReplayTables> = [
  "hours",
  "buses",
  "pv",
  "batteries",
  "horizon",
  "maxima",
  "findings",
];

/**
 * Write a replay into a run directory: `replay/<label>-<flavour>/comparison.json` (what `mpopf validate`
 * reads), one CSV per discrepancy table, and the exported deck under `deck/`. Returns the folder.
 */
export function writeReplay(sink: FileSink, r: ReplayResult): string {
  const dir = replayFolder(r.label, r.deck.flavour);
  sink.write(`${dir}/comparison.json`, comparisonToJson(r.comparison));
  for (const name of TABLE_FILES) sink.write(`${dir}/${name}.csv`, `${r.tables[name].toCSV()}\n`);
  for (const f of r.deck.files) sink.write(`${dir}/deck/${f.name}`, f.text);
  return dir;
}

/** Inputs of `replayRun`: one solution to replay in one or more flavours. */
export interface ReplayRunInput {
  label: string;
  network: Network;
  scenario: Scenario;
  tables: ResultTables;
  /** Default: both flavours. */
  flavours?: DeckFlavour[];
  options?: Omit<ReplayOptions, "label">;
}

/**
 * Replay one solution in every requested flavour and write each replay into the run directory
 * (see `writeReplay`). This is what `mpopf run` calls after each solve.
 */
export async function replayRun(sink: FileSink, input: ReplayRunInput): Promise<ReplayResult[]> {
  const out: ReplayResult[] = [];
  for (const flavour of input.flavours ?? DECK_FLAVOURS) {
    const r = await replayDispatch(input.network, input.scenario, input.tables, flavour, {
      ...input.options,
      label: input.label,
    });
    writeReplay(sink, r);
    out.push(r);
  }
  return out;
}

/** Every replay comparison stored in a run directory (replay/<name>/comparison.json), sorted by folder. */
export function readRunComparisons(runDir: string): Array<{ file: string; comparison: ReplayComparison }> {
  const base = join(runDir, REPLAY_DIR);
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(base, d.name, "comparison.json"))
    .filter((f) => existsSync(f))
    .sort()
    .map((file) => ({ file, comparison: comparisonFromJson(readFileSync(file, "utf8"), file) }));
}
