/** The area decomposition moved to `solvers/distributed/decompose.ts` (shared by ENApp, ADMM and APP). */
export {
  type DecomposeOptions,
  type Decomposition,
  decompose,
  type EnappArea,
  type EnappBoundary,
} from "../distributed/decompose.ts";
