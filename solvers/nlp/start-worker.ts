import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Start a worker thread on a TypeScript (or JavaScript) module. On Node 20 a worker inherits neither the
 * parent's `--import tsx` loader nor one given in `execArgv`, so a TypeScript worker starts on
 * ts-worker-boot.mjs, which registers tsx's ESM hooks inside the worker and then imports the module.
 * `workerData`, `argv` and all other options reach the module unchanged. Works under vitest, the CLI and
 * benchmarks.
 */
export function startWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, options);
  return new Worker(new URL("./ts-worker-boot.mjs", import.meta.url), {
    ...options,
    argv: [url.href, ...(options.argv ?? [])],
  });
}
