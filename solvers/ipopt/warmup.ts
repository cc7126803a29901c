/** A small problem solved right after instantiation so V8 optimises the hot wasm code before real solves. */
import type { NlpProblem } from "../nlp/types.ts";
import { syntheticDistFlow } from "./testing/synthetic-distflow.ts";

/** A ~1,000-variable synthetic DistFlow instance (3 periods). */
export function warmUpProblem(): NlpProblem {
  return syntheticDistFlow({ buses: 80, periods: 3, seed: 7, batteryEvery: 20 });
}
