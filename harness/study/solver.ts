/**
 * The NLP solver a study runs on: Ipopt compiled to WebAssembly in the calling thread (default), or
 * Debian's native Ipopt 3.11.9 + MUMPS (the cross-check backend). Loaded on demand.
 */
import type { NlpSolver } from "../../solvers/nlp/types.ts";

/** Which Ipopt backend solves. */
export type SolverBackend = "wasm" | "native";

/** Create a solver: wasm Ipopt in this thread (builds the artifact if missing), or the native library. */
export async function createSolver(backend: SolverBackend = "wasm"): Promise<NlpSolver> {
  const ipopt = await import("../../solvers/ipopt/index.ts");
  return backend === "native" ? ipopt.createNativeIpoptSolver() : await ipopt.createIpoptSolver();
}

/**
 * Check raw Ipopt options against a solver without solving: a message naming the first unknown, badly
 * typed, out-of-range or refused option, or null when every option is accepted.
 */
export function ipoptOptionProblem(solver: NlpSolver, ipopt: Record<string, number | string>): string | null {
  return solver.checkOptions?.(ipopt) ?? null;
}
