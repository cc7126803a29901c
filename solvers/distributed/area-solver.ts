/**
 * Where an agent's NLP is solved: a worker of the in-process pool (the default: areas solve in parallel), or a
 * solver in this thread. An agent in its own process (issue 18) uses the in-thread form with its own solver.
 */
import type { MpopfInput } from "../mpopf/params.ts";
import { mpopfFactoryRef, mpopfProblemFactory } from "../mpopf/solve.ts";
import type {
  NlpResult,
  NlpSolveOptions,
  NlpSolver,
  NlpSolverIdentity,
  NlpSolverPool,
} from "../nlp/types.ts";

/** Solves an area's MPOPF instance. */
export interface AreaSolver {
  readonly identity: NlpSolverIdentity;
  /** Worker threads behind it (1 for in-thread). */
  readonly workers: number;
  solve(input: MpopfInput, options: NlpSolveOptions): Promise<NlpResult>;
}

/** Where the area problems are solved: a worker-thread pool (parallel) or one solver in this thread (sequential). */
export type AreaBackend = { kind: "pool"; pool: NlpSolverPool } | { kind: "thread"; solver: NlpSolver };

/** The area solver of a backend. The pool builds each problem inside its worker from plain data. */
export function areaSolver(backend: AreaBackend): AreaSolver {
  if (backend.kind === "pool") {
    const pool = backend.pool;
    return {
      identity: pool.identity,
      workers: pool.size,
      solve: (input, options) => pool.solve(mpopfFactoryRef(input), options),
    };
  }
  const solver = backend.solver;
  return {
    identity: solver.identity,
    workers: 1,
    solve: (input, options) =>
      Promise.resolve().then(() => {
        const t0 = performance.now();
        const problem = mpopfProblemFactory(input);
        const setup = (performance.now() - t0) / 1000;
        const r = solver.solve(problem, options);
        return { ...r, setupSeconds: setup };
      }),
  };
}
