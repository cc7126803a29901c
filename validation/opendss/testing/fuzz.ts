/**
 * Differential runs of generated decks: write each deck to a folder, solve it with our engine
 * and with the real OpenDSS (in batches, one Python process per batch), compare snapshots, and
 * collect the outcome of every seed. Used by scripts/opendss-fuzz.ts (≥ 1,000 decks) and by
 * test/validation/opendss/random-decks.test.ts (a few dozen, in the suite).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DssError } from "../errors.ts";
import { runDeck } from "../run.ts";
import { type CompareLimits, type Comparison, compareSnapshots, ISSUE15_LIMITS } from "./compare.ts";
import type { GeneratedDeck } from "./generator.ts";
import { type Oracle, type OracleJob, type OracleResult, runOracle } from "./oracle.ts";

/**
 * runOracle that survives a crash of the real engine on one deck: a failed batch is split in
 * halves until the deck that crashes it is alone; that deck gets an error result.
 */
export function runOracleIsolating(oracle: Oracle, jobs: OracleJob[]): OracleResult[] {
  try {
    return runOracle(oracle, jobs);
  } catch (e) {
    if (jobs.length <= 1) {
      const msg = (e as Error).message.split("\n")[0]!;
      return jobs.map(() => ({
        engine: "",
        result: null,
        errors: [
          { command: "batch", number: -1, description: `the real engine crashed: ${msg}`, where: "process" },
        ],
        answers: [],
      }));
    }
    const half = Math.ceil(jobs.length / 2);
    return [
      ...runOracleIsolating(oracle, jobs.slice(0, half)),
      ...runOracleIsolating(oracle, jobs.slice(half)),
    ];
  }
}

/** Outcome of one deck. */
export interface FuzzOutcome {
  seed: number;
  summary: string;
  /** The folder the deck was written to. */
  dir: string;
  /**
   * "match"; "mismatch" (numbers differ); "both-diverged" (neither engine converged within
   * MaxIterations: the iterates of a diverging fixed point are not compared, only that both
   * failed); "both-rejected" (both engines refused the deck: our error and the real engine's
   * are both reported); "ours-error" (only our engine threw); "oracle-error" (only the real engine
   * reported errors, or crashed).
   */
  status: "match" | "mismatch" | "both-diverged" | "both-rejected" | "ours-error" | "oracle-error";
  /** The comparison (match/mismatch), or the error text. */
  comparison?: Comparison;
  error?: string;
  /** Wall time of our engine on this deck (ms). */
  oursMs: number;
}

/** Write a deck's files into `dir` (created). */
export function writeDeck(deck: GeneratedDeck, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [rel, text] of Object.entries(deck.files)) writeFileSync(join(dir, rel), text);
  writeFileSync(join(dir, "commands.txt"), `${deck.commands.join("\n")}\n`);
}

/**
 * Run decks (already written, one folder each) through both engines and compare. The oracle
 * runs all decks of the call in one process.
 */
export function runDecks(
  oracle: Oracle,
  decks: { deck: GeneratedDeck; dir: string }[],
  limits: CompareLimits = ISSUE15_LIMITS,
): FuzzOutcome[] {
  const theirs = runOracleIsolating(
    oracle,
    decks.map(({ deck, dir }) => ({ deck: join(dir, "Master.dss"), commands: deck.commands })),
  );
  return decks.map(({ deck, dir }, i): FuzzOutcome => {
    const base = { seed: deck.seed, summary: deck.summary, dir };
    const t = theirs[i]!;
    const t0 = performance.now();
    let ours: ReturnType<typeof runDeck>;
    try {
      ours = runDeck({ deck: join(dir, "Master.dss"), commands: deck.commands });
    } catch (e) {
      if (!(e instanceof DssError)) throw e;
      const rejected = t.errors.some((x) => !/max control iterations exceeded/i.test(x.description));
      const theirs = t.errors.map((x) => x.description.split("\n")[0]).join("; ");
      return {
        ...base,
        status: rejected ? "both-rejected" : "ours-error",
        error: rejected ? `ours: ${e.message} | real engine: ${theirs}` : e.message,
        oursMs: performance.now() - t0,
      };
    }
    const oursMs = performance.now() - t0;
    // the real engine reports reaching MaxControlIter as an error; it is a warning, the state is compared
    const maxCtrl = (e: { description: string }): boolean =>
      /max control iterations exceeded/i.test(e.description);
    const fatal = t.errors.filter((e) => !maxCtrl(e));
    if (fatal.length > 0 || t.result === null) {
      return {
        ...base,
        status: "oracle-error",
        error: fatal.map((e) => `${e.where}: ${e.description}`).join("; "),
        oursMs,
      };
    }
    const comparison = compareSnapshots(ours.result, t.result, limits);
    if (!ours.result.converged && !t.result.converged && ours.result.iterations === t.result.iterations) {
      return { ...base, status: "both-diverged", comparison, oursMs };
    }
    const theirsExceeded = t.errors.some(maxCtrl);
    const oursExceeded = ours.warnings.some((w) => w.includes("maximum control iterations"));
    if (theirsExceeded !== oursExceeded) {
      comparison.mismatches.push(
        `controls: MaxControlIter exceeded: ours ${oursExceeded}, real engine ${theirsExceeded}`,
      );
      comparison.counts.controls = (comparison.counts.controls ?? 0) + 1;
    }
    return { ...base, status: comparison.mismatches.length === 0 ? "match" : "mismatch", comparison, oursMs };
  });
}
