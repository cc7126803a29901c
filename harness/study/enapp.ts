/**
 * The distributed solve (MPDOPF: ENApp, ADMM or APP) as a study runs it: the partition of a case (or automatic
 * areas, or a partition file), and the area agents' solves on a worker pool (or in this thread), with one
 * progress line per macro-iteration.
 */
import { availableParallelism } from "node:os";
import { resolveCaseFile, type StudyCase } from "../../models/case.ts";
import { InputError } from "../../models/errors.ts";
import type { Partition } from "../../models/partition.ts";
import type { Scenario } from "../../models/types.ts";
import type { AreaBackend } from "../../solvers/distributed/area-solver.ts";
import { METHOD_LABELS } from "../../solvers/distributed/messages.ts";
import type { DistributedUserOptions } from "../../solvers/distributed/options.ts";
import { type RemoteAreas, solveDistributed } from "../../solvers/distributed/solve.ts";
import type { EnappSolution } from "../../solvers/enapp/index.ts";
import type { NlpSolver } from "../../solvers/nlp/types.ts";
import { formatMacroIteration } from "./format.ts";

/** The partition `name` of a case (default: its first). Throws an InputError naming case.json. */
export function pickPartition(c: StudyCase, name?: string): Partition {
  const names = Object.keys(c.partitions);
  const key = name ?? names[0];
  const part = key === undefined ? undefined : c.partitions[key];
  if (!part) {
    throw new InputError(
      "bad-partition",
      name === undefined
        ? `case '${c.name}' defines no partition into areas (needed by the distributed methods; try --areas auto:K; --method central solves without)`
        : `case '${c.name}' has no partition '${name}' (available: ${names.join(", ") || "none"}; or auto:K, or a bus,area CSV file)`,
      // a case built in memory (an imported deck) has no case.json to name
      { ...(c.dir ? { file: resolveCaseFile(c.dir) } : {}), element: `case ${c.name}`, field: "partitions" },
    );
  }
  return part;
}

/** Options of `runEnapp`. */
export interface RunEnappOptions {
  /** Worker threads for the areas (default and cap: the number of areas and of CPUs); 0 = this thread. */
  workers?: number;
  /** Options of the distributed method (`method`: ENApp by default; coupling, tolerances, Ipopt options …). */
  options?: DistributedUserOptions;
  /** Progress lines (one per macro-iteration). */
  progress?: (msg: string) => void;
  /** The areas are agents elsewhere (`mpopf agent` processes over NATS: harness/nats/transport.ts `natsAreas`). */
  remote?: RemoteAreas | null;
}

/**
 * Run ENApp with its areas on a worker pool, or in this thread when `workers` is 0 or the solver is native
 * (MUMPS must not run twice at once in a process). The pool is closed before returning.
 */
export async function runEnapp(
  scenario: Scenario,
  partition: Partition,
  solver: NlpSolver,
  opts: RunEnappOptions = {},
): Promise<EnappSolution> {
  const progress = opts.progress ?? (() => {});
  const label = METHOD_LABELS[opts.options?.method ?? "enapp"];
  if (opts.remote) {
    progress(
      `${label}: the areas are agents reached over NATS (mpopf agent --run ${opts.options?.run ?? "?"})`,
    );
    return solveDistributed(scenario, partition, opts.remote, opts.options ?? {}, (it) =>
      progress(formatMacroIteration(it)),
    );
  }
  const workers = opts.workers;
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) {
    throw new InputError("bad-option", `expected a whole number of workers >= 0, got ${workers}`, {
      element: "command line",
      field: "workers",
    });
  }
  let backend: AreaBackend;
  let close = async () => {};
  if (workers === 0 || solver.identity.backend === "native") {
    backend = { kind: "thread", solver };
    progress(`${label} areas solve in this thread (${solver.identity.backend} Ipopt)`);
  } else {
    // More threads than areas sit idle, more than cores only compete: cap the pool at both.
    const cap = Math.max(1, Math.min(partition.areas.length, availableParallelism()));
    const size = Math.min(workers ?? cap, cap);
    if (workers !== undefined && workers > size) {
      progress(
        `--workers ${workers} capped at ${size} (${partition.areas.length} areas, ${availableParallelism()} CPUs)`,
      );
    }
    const { createSolverPool } = await import("../../solvers/ipopt/index.ts");
    const pool = await createSolverPool({ size });
    backend = { kind: "pool", pool };
    close = () => pool.close();
    progress(`${label} areas solve on ${pool.size} worker threads`);
  }
  try {
    return await solveDistributed(scenario, partition, backend, opts.options ?? {}, (it) =>
      progress(formatMacroIteration(it)),
    );
  } finally {
    await close();
  }
}
