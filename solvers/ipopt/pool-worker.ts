/**
 * Worker thread of the Ipopt solver pool: one wasm Ipopt instance, built from the compiled module the pool
 * posts in workerData. Each job names a factory module/export; the worker builds the problem, solves it and
 * posts the result back (typed arrays transferred). Errors come back as messages; the worker stays usable.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { NlpResult, NlpSolveOptions, ProblemFactoryRef } from "../nlp/types.ts";
import type { CompiledWasm } from "./wasm-module.ts";
import { createIpoptSolver } from "./wasm-solver.ts";

/** A job posted by the pool. */
export interface PoolJob {
  id: number;
  factory: ProblemFactoryRef;
  options: NlpSolveOptions;
}

/** A reply to the pool. */
export type PoolReply =
  | { kind: "ready" }
  | { kind: "init-error"; message: string }
  | { kind: "result"; id: number; result: NlpResult }
  | { kind: "error"; id: number; name: string; message: string; stack?: string };

const port = parentPort!;
const { precompiled } = workerData as { precompiled: CompiledWasm };

try {
  const solver = await createIpoptSolver({ precompiled, build: false });
  port.on("message", async (job: PoolJob) => {
    try {
      const mod = (await import(job.factory.module)) as Record<string, unknown>;
      const factory = mod[job.factory.exportName];
      if (typeof factory !== "function")
        throw new TypeError(`${job.factory.module} has no exported function "${job.factory.exportName}"`);
      const t0 = performance.now();
      const problem = await factory(job.factory.args);
      const setupSeconds = (performance.now() - t0) / 1000;
      const result = { ...solver.solve(problem, job.options), setupSeconds };
      const transfer = [
        ...new Set(
          [result.x, result.g, result.lambda, result.zL, result.zU].map((a) => a.buffer as ArrayBuffer),
        ),
      ];
      port.postMessage({ kind: "result", id: job.id, result } satisfies PoolReply, transfer);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      port.postMessage({
        kind: "error",
        id: job.id,
        name: err.name,
        message: err.message,
        stack: err.stack,
      } satisfies PoolReply);
    }
  });
  port.postMessage({ kind: "ready" } satisfies PoolReply);
} catch (e) {
  port.postMessage({
    kind: "init-error",
    message: e instanceof Error ? e.message : String(e),
  } satisfies PoolReply);
}
