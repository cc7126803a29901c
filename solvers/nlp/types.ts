/**
 * Solver-neutral nonlinear-programming interface (in the spirit of MathOptInterface).
 *
 *   minimise f(x)  subject to  gL <= g(x) <= gU,  xL <= x <= xU
 *
 * Sparsity is given once as 0-based triplets; callbacks write values into caller-provided
 * `Float64Array` views (which may alias solver memory) in the same order as the triplets.
 * Nothing in here knows which solver (wasm Ipopt, native Ipopt) runs the problem.
 */

/** A nonlinear program with exact first and second derivatives. */
export interface NlpProblem {
  /** Number of variables. */
  readonly n: number;
  /** Number of constraints. */
  readonly m: number;
  /** Variable bounds (length n); use ±Infinity (or |v| >= 1e19) for none. */
  readonly xL: Float64Array;
  readonly xU: Float64Array;
  /** Constraint bounds (length m); equality when gL[i] === gU[i]. */
  readonly gL: Float64Array;
  readonly gU: Float64Array;
  /** Jacobian sparsity: row (constraint) and column (variable) of each non-zero. */
  readonly jacRows: Int32Array;
  readonly jacCols: Int32Array;
  /** Sparsity of the LOWER triangle (row >= col) of the Hessian of the Lagrangian. */
  readonly hessRows: Int32Array;
  readonly hessCols: Int32Array;
  /** Starting point (length n). */
  readonly x0: Float64Array;
  /** Objective value f(x). */
  evalF(x: Float64Array): number;
  /** Objective gradient, written into `grad` (length n). */
  evalGradF(x: Float64Array, grad: Float64Array): void;
  /** Constraint values, written into `g` (length m). */
  evalG(x: Float64Array, g: Float64Array): void;
  /** Jacobian values in the order of (jacRows, jacCols). */
  evalJac(x: Float64Array, values: Float64Array): void;
  /**
   * Hessian of the Lagrangian  objFactor·∇²f(x) + Σ_i lambda_i ∇²g_i(x),  lower triangle, in the
   * order of (hessRows, hessCols).
   */
  evalHess(x: Float64Array, objFactor: number, lambda: Float64Array, values: Float64Array): void;
  /** Optional human-readable names, used in diagnostics. */
  varName?(i: number): string;
  conName?(i: number): string;
}

/** Named solver statuses: one per Ipopt ApplicationReturnStatus (plus a catch-all). */
export type NlpStatus =
  | "solve_succeeded"
  | "solved_to_acceptable_level"
  | "infeasible_problem_detected"
  | "search_direction_too_small"
  | "diverging_iterates"
  | "user_requested_stop"
  | "feasible_point_found"
  | "maximum_iterations_exceeded"
  | "restoration_failed"
  | "error_in_step_computation"
  | "maximum_cputime_exceeded"
  | "not_enough_degrees_of_freedom"
  | "invalid_problem_definition"
  | "invalid_option"
  | "invalid_number_detected"
  | "unrecoverable_exception"
  | "nonipopt_exception_thrown"
  | "insufficient_memory"
  | "internal_error"
  | "unknown";

/** Warm start: primal point and, optionally, multipliers from a previous solve. */
export interface NlpWarmStart {
  x: Float64Array;
  /** Constraint multipliers (length m). */
  lambda?: Float64Array;
  /** Lower / upper bound multipliers (length n). */
  zL?: Float64Array;
  zU?: Float64Array;
}

/** Options for one solve. `ipopt` passes straight through to Ipopt's option list. */
export interface NlpSolveOptions {
  /** Solver-neutral settings; each backend maps them to its own options. */
  settings?: NlpSettings;
  /** Raw Ipopt options (the escape hatch), applied over the mapped settings. */
  ipopt?: Record<string, number | string>;
  warmStart?: NlpWarmStart;
  /** Called after every iteration (not across threads: a worker pool ignores it). */
  progress?: (p: NlpProgress) => void;
}

/** One interior-point iteration, as reported to `NlpSolveOptions.progress`. */
export interface NlpProgress {
  iteration: number;
  objective: number;
  /** Largest constraint violation and dual infeasibility of the iterate (scaled, as the solver reports them). */
  primalInfeasibility: number;
  dualInfeasibility: number;
  /** Barrier parameter. */
  mu: number;
  /** In the restoration phase (looking for a feasible point). */
  restoration: boolean;
  elapsedSeconds: number;
}

/** Solver-neutral settings of a solve (a formulation states these, never a backend's option names). */
export interface NlpSettings {
  /** Convergence tolerance (scaled NLP error). */
  tolerance?: number;
  /** Largest constraint violation accepted at convergence (unscaled). */
  constraintTolerance?: number;
  maxIterations?: number;
  /** Interior-point barrier update: monotone (Fiacco–McCormick) or adaptive. */
  barrier?: "monotone" | "adaptive";
  /**
   * With a warm start that carries multipliers: how close to the boundary the starting point may be (initial
   * barrier parameter and bound pushes); small values keep a near-optimal start near the central path.
   */
  warmStartPush?: number;
}

/** Who solved a problem. */
export interface NlpSolverIdentity {
  name: string;
  version: string;
  linearSolver: string;
  /** e.g. "wasm", "native". */
  backend: string;
}

/** The typed result of a solve. A failed solve is a result with a status, never a thrown number. */
export interface NlpResult {
  status: NlpStatus;
  /** The raw Ipopt return code. */
  statusCode: number;
  /** True for solve_succeeded and solved_to_acceptable_level. */
  success: boolean;
  /** Human-readable explanation of the status. */
  message: string;
  x: Float64Array;
  objective: number;
  /** Constraint values at x. */
  g: Float64Array;
  /** Constraint multipliers. */
  lambda: Float64Array;
  /** Bound multipliers. */
  zL: Float64Array;
  zU: Float64Array;
  iterations: number;
  /** Wall time of the solve in seconds (excluding problem construction). */
  solveSeconds: number;
  /** Problem construction where the solve ran (s), when the caller built it there (pool workers). */
  setupSeconds?: number;
  solver: NlpSolverIdentity;
  /** Options actually passed to the solver. */
  options: Record<string, number | string>;
  /**
   * Where the solve's time went (seconds) and what the linear solver did, when the backend reports it
   * (the wasm backend: see `WASM_TIMING_KEYS` in solvers/ipopt/wasm-solver.ts). Diagnostics only.
   */
  timings?: Record<string, number>;
}

/** A solver backend. */
export interface NlpSolver {
  readonly identity: NlpSolverIdentity;
  solve(problem: NlpProblem, options?: NlpSolveOptions): NlpResult;
  /**
   * Check solver options without solving (unknown names, wrong types, values out of range, options the
   * backend refuses): a message naming the first bad option, or null when all are accepted.
   */
  checkOptions?(options: Record<string, number | string>): string | null;
}

/**
 * A reference to a function that builds an `NlpProblem` inside a worker thread (callbacks cannot
 * cross threads). The worker does `(await import(module))[exportName](args)`; `args` must be
 * structured-clone safe (plain data, typed arrays).
 */
export interface ProblemFactoryRef<A = unknown> {
  /** Absolute file URL of the module (e.g. `new URL("./problem.ts", import.meta.url).href`). */
  module: string;
  /** Name of the exported factory `(args: A) => NlpProblem | Promise<NlpProblem>`. */
  exportName: string;
  args: A;
}

/** A pool of worker threads, one solver instance each, for solving independent problems in parallel. */
export interface NlpSolverPool {
  readonly size: number;
  readonly identity: NlpSolverIdentity;
  /** Build the problem in a free worker and solve it there. */
  solve<A>(factory: ProblemFactoryRef<A>, options?: NlpSolveOptions): Promise<NlpResult>;
  /** Terminate all workers. */
  close(): Promise<void>;
}
