import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Start a worker thread on a TypeScript (or JavaScript) module. TypeScript workers get the tsx
 * loader through `--import tsx`, so the same code runs under vitest, the CLI and benchmarks.
 */
export function startWorker(url: URL, options: WorkerOptions = {}): Worker {
  const execArgv = url.pathname.endsWith(".ts")
    ? ["--import", "tsx", ...(options.execArgv ?? [])]
    : options.execArgv;
  return new Worker(url, { ...options, execArgv });
}
