/** A worker_threads pool of wasm Ipopt instances (one per worker) for solving independent problems in parallel. */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../nlp/start-worker.ts";
import type { NlpResult, NlpSolveOptions, NlpSolverPool, ProblemFactoryRef } from "../nlp/types.ts";
import { buildIpoptWasmIfNeeded } from "./artifact.ts";
import type { PoolJob, PoolReply } from "./pool-worker.ts";
import { compiledIpoptModule } from "./wasm-module.ts";
import { WASM_IDENTITY } from "./wasm-solver.ts";

/** Options of createSolverPool. */
export interface SolverPoolOptions {
  /** Number of worker threads (default: number of CPUs). */
  size?: number;
}

interface Pending {
  job: PoolJob;
  resolve: (r: NlpResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
}

function remoteError(name: string, message: string, stack?: string): Error {
  const e = new Error(message);
  e.name = name;
  if (stack) e.stack = stack;
  return e;
}

class IpoptSolverPool implements NlpSolverPool {
  readonly identity = WASM_IDENTITY;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly precompiled: object,
  ) {}

  /** Start all workers and wait until each has instantiated (and warmed up) its module. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.size }, () => this.spawn()));
  }

  private spawn(): Promise<void> {
    const worker = startWorker(new URL("./pool-worker.ts", import.meta.url), {
      workerData: { precompiled: this.precompiled },
    });
    const slot: Slot = { worker, busy: null };
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on("message", (msg: PoolReply) => {
        if (msg.kind === "ready") {
          ready = true;
          this.slots.push(slot);
          worker.unref();
          resolve();
          this.dispatch();
        } else if (msg.kind === "init-error") {
          reject(new Error(`Ipopt pool worker failed to start: ${msg.message}`));
          void worker.terminate();
        } else {
          const p = slot.busy;
          if (!p || p.job.id !== msg.id) return;
          slot.busy = null;
          worker.unref();
          if (msg.kind === "result") p.resolve(msg.result);
          else p.reject(remoteError(msg.name, msg.message, msg.stack));
          this.dispatch();
        }
      });
      worker.on("error", (err) => {
        if (!ready) reject(err);
        this.lose(slot, err);
      });
      worker.on("exit", (code) => {
        if (!ready) reject(new Error(`Ipopt pool worker exited during start-up (code ${code})`));
        this.lose(slot, new Error(`Ipopt pool worker exited unexpectedly (code ${code})`));
      });
    });
  }

  /** A worker died: fail its job and replace it (unless the pool is closing). */
  private lose(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const p = slot.busy;
    slot.busy = null;
    if (p) p.reject(err);
    if (!this.closed)
      this.spawn().catch((e: unknown) => this.failAll(e instanceof Error ? e : new Error(String(e))));
  }

  private failAll(err: Error): void {
    for (const p of this.queue.splice(0)) p.reject(err);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.busy) continue;
      const p = this.queue.shift()!;
      slot.busy = p;
      slot.worker.ref();
      slot.worker.postMessage(p.job);
    }
  }

  solve<A>(factory: ProblemFactoryRef<A>, options: NlpSolveOptions = {}): Promise<NlpResult> {
    if (this.closed) return Promise.reject(new Error("the Ipopt solver pool is closed"));
    return new Promise((resolve, reject) => {
      const job: PoolJob = { id: this.nextId++, factory: factory as ProblemFactoryRef, options };
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error("the Ipopt solver pool was closed"));
    const slots = this.slots.splice(0);
    for (const s of slots) if (s.busy) s.busy.reject(new Error("the Ipopt solver pool was closed"));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

/**
 * A pool of worker threads, each with its own wasm Ipopt instance (default size: number of CPUs). Builds the
 * artifact first if needed, compiles it once and shares the compiled module with the workers.
 */
export async function createSolverPool(opts: SolverPoolOptions = {}): Promise<NlpSolverPool> {
  const size = opts.size ?? availableParallelism();
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`pool size must be a positive integer, got ${size}`);
  buildIpoptWasmIfNeeded();
  const pool = new IpoptSolverPool(size, compiledIpoptModule());
  try {
    await pool.start();
  } catch (e) {
    await pool.close();
    throw e;
  }
  return pool;
}
