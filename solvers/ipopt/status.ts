/** Ipopt's ApplicationReturnStatus codes mapped to the solver-neutral NlpStatus names. */
import type { NlpStatus } from "../nlp/types.ts";

interface StatusInfo {
  status: NlpStatus;
  message: string;
}

/** Every Ipopt 3.11 ApplicationReturnStatus, keyed by its integer code. */
export const IPOPT_STATUS: Readonly<Record<number, StatusInfo>> = {
  0: { status: "solve_succeeded", message: "Optimal solution found (all tolerances met)." },
  1: {
    status: "solved_to_acceptable_level",
    message: "Solved to an acceptable level (the 'acceptable_*' tolerances were met, not the strict ones).",
  },
  2: {
    status: "infeasible_problem_detected",
    message:
      "The problem is locally infeasible: Ipopt converged to a point that minimises constraint violation.",
  },
  3: {
    status: "search_direction_too_small",
    message:
      "The search direction became too small; the iterate may be optimal but tolerances were not verified.",
  },
  4: {
    status: "diverging_iterates",
    message: "The iterates diverged (|x| exceeded diverging_iterates_tol): the problem may be unbounded.",
  },
  5: { status: "user_requested_stop", message: "The solve was stopped on request of the user callback." },
  6: {
    status: "feasible_point_found",
    message: "A feasible point was found (square problem or feasibility-only mode), optimality not checked.",
  },
  [-1]: {
    status: "maximum_iterations_exceeded",
    message: "The maximum number of iterations (max_iter) was reached.",
  },
  [-2]: {
    status: "restoration_failed",
    message:
      "The feasibility restoration phase failed: Ipopt could not reduce the constraint violation further.",
  },
  [-3]: {
    status: "error_in_step_computation",
    message: "Error in the step computation (the KKT system could not be solved accurately enough).",
  },
  [-4]: { status: "maximum_cputime_exceeded", message: "The maximum CPU time (max_cpu_time) was exceeded." },
  [-10]: {
    status: "not_enough_degrees_of_freedom",
    message: "Not enough degrees of freedom: more equality constraints than free variables.",
  },
  [-11]: {
    status: "invalid_problem_definition",
    message: "Invalid problem definition (sizes, bounds or structure).",
  },
  [-12]: { status: "invalid_option", message: "An Ipopt option name or value is invalid." },
  [-13]: {
    status: "invalid_number_detected",
    message:
      "A callback returned an invalid number (NaN or Inf) in the function, derivative or Hessian values.",
  },
  [-100]: { status: "unrecoverable_exception", message: "Ipopt raised an unrecoverable internal exception." },
  [-101]: {
    status: "nonipopt_exception_thrown",
    message: "An exception not originating from Ipopt (e.g. in a callback) ended the solve.",
  },
  [-102]: { status: "insufficient_memory", message: "Ipopt ran out of memory." },
  [-199]: { status: "internal_error", message: "Ipopt reported an internal error." },
};

/** Named status and human message for an Ipopt return code (unknown codes map to "unknown"). */
export function ipoptStatus(code: number): StatusInfo {
  return (
    IPOPT_STATUS[code] ?? { status: "unknown", message: `Ipopt returned the unknown status code ${code}.` }
  );
}

/** True for the statuses that count as a successful solve. */
export function isSuccess(status: NlpStatus): boolean {
  return status === "solve_succeeded" || status === "solved_to_acceptable_level";
}
