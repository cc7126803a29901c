/**
 * Ipopt behind the solver-neutral NLP interface (solvers/nlp/types.ts):
 * * `createIpoptSolver()` — Ipopt 3.11.9 compiled to WebAssembly with mpopf's sparse LDLᵀ, in the calling thread;
 * * `createSolverPool()` — worker_threads pool, one wasm instance per worker;
 * * `createNativeIpoptSolver()` — Debian's Ipopt 3.11.9 + MUMPS through koffi (cross-check backend).
 * The artifact is built by `node --import tsx solvers/ipopt/build.ts` (also triggered on demand).
 */

// The solver-neutral NLP interface the solvers implement (for `mpopf/ipopt` users writing their own problems).
export type * from "../nlp/types.ts";
export {
  buildCommand,
  buildIpoptWasmIfNeeded,
  ensureIpoptWasm,
  type IpoptWasmStatus,
  ipoptWasmStatus,
} from "./artifact.ts";
export { createNativeIpoptSolver, findNativeIpopt, NATIVE_IDENTITY } from "./native-solver.ts";
export { DEFAULT_IPOPT_OPTIONS, IPOPT_INTEGER_OPTIONS } from "./options.ts";
export { createSolverPool, type SolverPoolOptions } from "./pool.ts";
export { IPOPT_STATUS, ipoptStatus } from "./status.ts";
export {
  type CreateIpoptSolverOptions,
  createIpoptSolver,
  estimateWasmBytes,
  WASM_IDENTITY,
  WASM_MEMORY_LIMIT_BYTES,
  WASM_TIMING_KEYS,
} from "./wasm-solver.ts";
