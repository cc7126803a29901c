/** Ipopt option handling shared by the wasm and native backends. */
import type { NlpProblem, NlpSettings, NlpSolveOptions } from "../nlp/types.ts";
import { validateWarmStart } from "../nlp/validate.ts";

/**
 * Options Ipopt 3.11 registers as integers (set with AddIpoptIntOption); every other numeric option is a
 * Number. The wasm backend asks Ipopt for the registered type instead; the native backend uses this table.
 */
export const IPOPT_INTEGER_OPTIONS: ReadonlySet<string> = new Set([
  "accept_after_max_steps",
  "acceptable_iter",
  "adaptive_mu_kkterror_red_iters",
  "debug_print_level",
  "derivative_test_first_index",
  "file_print_level",
  "filter_reset_trigger",
  "limited_memory_max_history",
  "limited_memory_max_skipping",
  "max_filter_resets",
  "max_iter",
  "max_refinement_steps",
  "max_resto_iter",
  "max_soc",
  "max_soft_resto_iters",
  "min_refinement_steps",
  "mumps_mem_percent",
  "mumps_permuting_scaling",
  "mumps_pivot_order",
  "mumps_scaling",
  "num_linear_variables",
  "print_frequency_iter",
  "print_level",
  "quality_function_max_section_steps",
  "watchdog_shortened_iter_trigger",
  "watchdog_trial_iter_max",
]);

/**
 * Options refused because they write or read files named by the caller (the tool never writes where the
 * user did not ask for a run directory) or print documentation instead of solving.
 */
export const REFUSED_IPOPT_OPTIONS: Readonly<Record<string, string>> = {
  output_file: "writes a file; Ipopt's console output (print_level > 0) goes to stderr instead",
  option_file_name: "reads an options file; pass each option as key=value",
  print_options_documentation: "prints the option documentation instead of solving",
};

/** The reason an option is refused, or null. */
export function refusedOption(name: string): string | null {
  const why = REFUSED_IPOPT_OPTIONS[name];
  return why ? `option ${name} is not accepted: ${why}` : null;
}

/** Options every solve gets unless the caller sets them: quiet, no banner. */
export const DEFAULT_IPOPT_OPTIONS: Readonly<Record<string, number | string>> = { print_level: 0, sb: "yes" };

/** Infinite bounds are passed to Ipopt as ±1e20 (beyond nlp_{lower,upper}_bound_inf = ±1e19). */
export const IPOPT_INF = 1e20;

/** The options one solve passes to Ipopt, in order, and where the starting point comes from. */
export interface PreparedSolve {
  options: Record<string, number | string>;
  /** Starting point (warm-start x or the problem's x0). */
  x0: Float64Array;
  /** Multipliers for the warm start, when the caller gave lambda. */
  multipliers: { lambda: Float64Array; zL: Float64Array; zU: Float64Array } | null;
  /** A problem with an option value found before calling Ipopt (becomes status invalid_option). */
  optionError: string | null;
}

/** Ipopt's names for the solver-neutral settings (the warm-start push only applies with multipliers). */
export function ipoptOptionsOf(
  settings: NlpSettings | undefined,
  warmMultipliers: boolean,
): Record<string, number | string> {
  const o: Record<string, number | string> = {};
  if (!settings) return o;
  if (settings.tolerance !== undefined) o.tol = settings.tolerance;
  if (settings.constraintTolerance !== undefined) o.constr_viol_tol = settings.constraintTolerance;
  if (settings.barrier !== undefined) o.mu_strategy = settings.barrier;
  if (settings.maxIterations !== undefined) o.max_iter = settings.maxIterations;
  if (warmMultipliers && settings.warmStartPush !== undefined) {
    const v = settings.warmStartPush;
    o.warm_start_init_point = "yes";
    o.mu_init = v;
    for (const k of [
      "warm_start_bound_push",
      "warm_start_mult_bound_push",
      "warm_start_slack_bound_push",
      "warm_start_bound_frac",
      "warm_start_slack_bound_frac",
    ])
      o[k] = v;
  }
  return o;
}

/** Merge defaults, the mapped settings, caller options and warm-start settings; check values. */
export function prepareSolve(problem: NlpProblem, opts: NlpSolveOptions = {}): PreparedSolve {
  const options: Record<string, number | string> = {
    ...DEFAULT_IPOPT_OPTIONS,
    ...ipoptOptionsOf(opts.settings, opts.warmStart?.lambda !== undefined),
    ...(opts.ipopt ?? {}),
  };
  let optionError: string | null = null;
  for (const [k, v] of Object.entries(options)) {
    const refused = refusedOption(k);
    if (refused) optionError ??= refused;
    else if (typeof v === "number" && !Number.isFinite(v))
      optionError ??= `option ${k}: value ${v} is not finite`;
    else if (typeof v === "number" && IPOPT_INTEGER_OPTIONS.has(k) && !Number.isInteger(v))
      optionError ??= `option ${k}: Ipopt expects an integer, got ${v}`;
    else if (typeof v !== "number" && typeof v !== "string")
      optionError ??= `option ${k}: value must be a number or a string`;
  }
  const w = opts.warmStart;
  let multipliers: PreparedSolve["multipliers"] = null;
  if (w) {
    validateWarmStart(problem, w);
    if (w.lambda) {
      multipliers = {
        lambda: w.lambda,
        zL: w.zL ?? new Float64Array(problem.n),
        zU: w.zU ?? new Float64Array(problem.n),
      };
      if (!("warm_start_init_point" in options)) options.warm_start_init_point = "yes";
    }
  }
  return { options, x0: w ? w.x : problem.x0, multipliers, optionError };
}

/** Copy bounds, mapping ±Infinity to ±IPOPT_INF. */
export function finiteBounds(a: Float64Array, out: Float64Array = new Float64Array(a.length)): Float64Array {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    out[i] = v === Number.POSITIVE_INFINITY ? IPOPT_INF : v === Number.NEGATIVE_INFINITY ? -IPOPT_INF : v;
  }
  return out;
}

/** Turn a thrown value into an Error (keeping Error objects as they are). */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
