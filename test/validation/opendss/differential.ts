/**
 * Differential testing of small decks: each case's files are written to a temporary folder, the
 * deck is run by our engine (runDeck) and by the real OpenDSS (one batch for all cases), and the
 * two snapshots are compared with the issue-15 limits.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DssEngine } from "../../../validation/opendss/engine.ts";
import { type RunReport, runDeck } from "../../../validation/opendss/run.ts";
import {
  type CompareLimits,
  type Comparison,
  compareSnapshots,
  ISSUE15_LIMITS,
} from "../../../validation/opendss/testing/compare.ts";
import { type Oracle, type OracleResult, runOracle } from "../../../validation/opendss/testing/oracle.ts";

/** One small deck: its files (the master is `Master.dss`), extra commands and oracle queries. */
export interface DiffCase {
  name: string;
  files: Record<string, string | Uint8Array>;
  /** Commands after compiling (before the final Solve). */
  commands?: string[];
  /** Queries answered by the oracle after its solve (`? Class.name.prop`). */
  queries?: string[];
  /** Skip the final Solve (compare the compiled state only). */
  noSolve?: boolean;
  limits?: Partial<CompareLimits>;
}

/** Outcome of one case. */
export interface DiffOutcome {
  ours: RunReport;
  /** Our engine after the run (for property checks). */
  engine: DssEngine;
  oracle: OracleResult;
  cmp: Comparison;
}

/** Write a case's files into a new temporary folder; returns the master file's path. */
export function writeCase(c: DiffCase): string {
  const dir = mkdtempSync(join(tmpdir(), `mpopf-diff-${c.name.replace(/[^\w-]/g, "_")}-`));
  for (const [rel, body] of Object.entries(c.files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, body);
  }
  return join(dir, "Master.dss");
}

/** Run every case through both engines (the oracle in one batch) and compare. */
export function runDifferential(oracle: Oracle, cases: DiffCase[]): Map<string, DiffOutcome> {
  const masters = cases.map(writeCase);
  const results = runOracle(
    oracle,
    cases.map((c, i) => ({
      deck: masters[i]!,
      commands: c.commands ?? [],
      solve: !c.noSolve,
      queries: c.queries ?? [],
    })),
  );
  const out = new Map<string, DiffOutcome>();
  cases.forEach((c, i) => {
    let engine: DssEngine | undefined;
    const ours = runDeck({
      deck: masters[i]!,
      commands: c.commands ?? [],
      solve: !c.noSolve,
      onEngine: (e) => {
        engine = e;
      },
    });
    const oracleResult = results[i]!;
    const cmp = compareSnapshots(ours.result, oracleResult.result, { ...ISSUE15_LIMITS, ...c.limits });
    out.set(c.name, { ours, engine: engine!, oracle: oracleResult, cmp });
  });
  return out;
}

/** Our engine alone on a case (no oracle), for tests of errors. */
export function runOurs(c: DiffCase): DssEngine {
  const master = writeCase(c);
  const e = new DssEngine({ cwd: dirname(master) });
  e.text(`Compile "${master}"`);
  for (const cmd of c.commands ?? []) e.text(cmd);
  return e;
}
