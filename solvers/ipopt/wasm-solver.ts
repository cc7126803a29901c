/** The WebAssembly Ipopt backend: Ipopt 3.11.9 + mpopf's sparse LDL^T, running in the calling thread. */
import type { NlpProblem, NlpResult, NlpSolveOptions, NlpSolver, NlpSolverIdentity } from "../nlp/types.ts";
import { validateNlpProblem } from "../nlp/validate.ts";
import { buildIpoptWasmIfNeeded } from "./artifact.ts";
import { asError, finiteBounds, prepareSolve, refusedOption } from "./options.ts";
import { ipoptStatus, isSuccess } from "./status.ts";
import { type CompiledWasm, type IpoptWasmModule, instantiateIpopt } from "./wasm-module.ts";

/** Identity reported by the wasm backend. */
export const WASM_IDENTITY: NlpSolverIdentity = {
  name: "Ipopt",
  version: "3.11.9",
  linearSolver: "mpopf-ldl (AMD ordering, sparse LDLᵀ with per-row static pivoting)",
  backend: "wasm",
};

const F64 = 8;
const I32 = 4;

/**
 * Keys of `NlpResult.timings` from the wasm backend (seconds unless a count):
 * - `setup`: copying the problem into wasm memory and setting options; `results`: copying the results out;
 * - `callbacks`: time spent in the problem's JavaScript callbacks (evalF … evalHess);
 * - `kktAssembly`: Ipopt building the KKT matrix (values into CSR order) around the linear-solver calls;
 * - `ordering` (AMD + symbolic analysis), `factorization`, `triangularSolves` (incl. `refinement`): mpopf's LDLᵀ;
 * - `ipoptOther`: the rest of the solve: Ipopt's own work (setup, vector algebra, line search, the TNLP
 *   adapter's copies between its vectors and the callbacks' arrays, convergence checks);
 * - counts: `orderings`, `factorizations`, `linearSolves`, `refinementSteps`, `nnzL` (non-zeros of L),
 *   `kktDimension`, `perturbedPivots` (static pivots replaced in the last factorisation).
 */
export const WASM_TIMING_KEYS = [
  "setup",
  "callbacks",
  "kktAssembly",
  "ordering",
  "factorization",
  "triangularSolves",
  "refinement",
  "ipoptOther",
  "results",
  "orderings",
  "factorizations",
  "linearSolves",
  "refinementSteps",
  "nnzL",
  "kktDimension",
  "perturbedPivots",
] as const;

/** The most memory one wasm Ipopt instance can use: 32-bit WebAssembly, the artifact's MAXIMUM_MEMORY (4 GiB). */
export const WASM_MEMORY_LIMIT_BYTES = 4 * 2 ** 30;

/**
 * Estimated peak WebAssembly memory (bytes) of solving a problem with `n` variables, `m` constraints and
 * `nnzJac` / `nnzHess` non-zeros: the problem's buffers, Ipopt's vectors (about 40 of length n, 30 of
 * length m), its KKT matrix in triplet and CSR form plus the LDLᵀ solver's copies (~60 bytes per KKT
 * non-zero) and the factor (~1.6 non-zeros of L per KKT non-zero, 20 bytes each). Measured on the
 * IEEE-123 ×K benchmark (bench/large-case.ts): 80 MB (estimate 70 MB) at 513 buses, 344 MB (346 MB) at
 * 2,561 buses.
 */
export function estimateWasmBytes(n: number, m: number, nnzJac: number, nnzHess: number): number {
  const buffers = (5 * n + 3 * m) * F64 + 2 * (nnzJac + nnzHess) * I32;
  const vectors = (40 * n + 30 * m) * F64;
  const nnzKkt = nnzJac + nnzHess + n + m;
  return buffers + vectors + 60 * nnzKkt + 20 * 1.6 * nnzKkt;
}

const GB = 2 ** 30;

/** Registered option types reported by the glue (mp_option_type). */
const OPTION_UNKNOWN = 0;
const OPTION_NUMBER = 1;
const OPTION_INTEGER = 2;

/** Append Ipopt's own (trimmed, one-line) explanation to a message, when it printed one. */
function withIpoptText(message: string, ipoptText: string): string {
  const text = ipoptText.replace(/\s+/g, " ").trim();
  if (!text) return message;
  return `${message} Ipopt: ${text.length > 600 ? `${text.slice(0, 600)}…` : text}`;
}

class WasmIpoptSolver implements NlpSolver {
  readonly identity = WASM_IDENTITY;
  private busy = false;

  constructor(
    private readonly mod: IpoptWasmModule,
    private readonly memoryLimitBytes = WASM_MEMORY_LIMIT_BYTES,
  ) {}

  solve(problem: NlpProblem, options: NlpSolveOptions = {}): NlpResult {
    if (this.busy) throw new Error("this Ipopt wasm instance is already solving (solve() is not re-entrant)");
    validateNlpProblem(problem);
    const prep = prepareSolve(problem, options);
    const progress = options.progress;
    const mod = this.mod;
    const { n, m } = problem;
    const nnzJ = problem.jacRows.length;
    const nnzH = problem.hessRows.length;
    const need = estimateWasmBytes(n, m, nnzJ, nnzH);
    if (need > this.memoryLimitBytes) {
      return this.failed(
        problem,
        prep,
        -102,
        `${tooLarge(n, m, nnzJ + nnzH, need, this.memoryLimitBytes)} Nothing was solved.`,
        "Not solved: too large for the wasm backend.",
      );
    }

    // One block for all doubles (8-byte aligned by malloc), one for all ints.
    const dOff = {
      xL: 0,
      xU: n,
      gL: 2 * n,
      gU: 2 * n + m,
      x: 2 * n + 2 * m,
      zL: 3 * n + 2 * m,
      zU: 4 * n + 2 * m,
    };
    const lamOff = 5 * n + 2 * m;
    const gOff = lamOff + m;
    const objOff = gOff + m;
    const nDoubles = objOff + 1;
    const dPtr = mod._malloc(nDoubles * F64);
    const iPtr = mod._malloc(Math.max(1, 2 * nnzJ + 2 * nnzH) * I32);
    const session = mod._mp_new();
    if (!dPtr || !iPtr || !session) {
      if (dPtr) mod._free(dPtr);
      if (iPtr) mod._free(iPtr);
      if (session) mod._mp_delete(session);
      return this.failed(
        problem,
        prep,
        -102,
        `${tooLarge(n, m, nnzJ + nnzH, need, this.memoryLimitBytes)} (the problem buffers could not be allocated: ${(mod.HEAPU8.byteLength / GB).toFixed(2)} GB in use).`,
      );
    }
    this.busy = true;
    const tSetup = performance.now();
    const failure: { error: Error | null } = { error: null };
    try {
      {
        const d = new Float64Array(mod.HEAPF64.buffer, dPtr, nDoubles);
        finiteBounds(problem.xL, d.subarray(dOff.xL, dOff.xL + n));
        finiteBounds(problem.xU, d.subarray(dOff.xU, dOff.xU + n));
        finiteBounds(problem.gL, d.subarray(dOff.gL, dOff.gL + m));
        finiteBounds(problem.gU, d.subarray(dOff.gU, dOff.gU + m));
        d.set(prep.x0, dOff.x);
        if (prep.multipliers) {
          d.set(prep.multipliers.zL, dOff.zL);
          d.set(prep.multipliers.zU, dOff.zU);
          d.set(prep.multipliers.lambda, lamOff);
        }
        const ints = new Int32Array(mod.HEAP32.buffer, iPtr, 2 * nnzJ + 2 * nnzH);
        ints.set(problem.jacRows, 0);
        ints.set(problem.jacCols, nnzJ);
        ints.set(problem.hessRows, 2 * nnzJ);
        ints.set(problem.hessCols, 2 * nnzJ + nnzH);
      }

      const optionError = prep.optionError ?? this.setOptions(session, prep.options);
      if (optionError)
        return this.failed(problem, prep, -12, withIpoptText(optionError, this.messages(session)));

      // Callbacks write straight into the wasm heap; views are re-derived on every call because memory
      // growth replaces the buffer.
      const f64 = (ptr: number, len: number) => new Float64Array(mod.HEAPF64.buffer, ptr, len);
      let callbackMs = 0;
      const guard = (fn: () => void): number => {
        if (failure.error) return -1;
        const c0 = performance.now();
        try {
          fn();
          return 1;
        } catch (e) {
          failure.error = asError(e);
          return -1;
        } finally {
          callbackMs += performance.now() - c0;
        }
      };
      mod.mpCallbacks = {
        evalF: (nn, x, _newX, obj) =>
          guard(() => {
            const v = problem.evalF(f64(x, nn));
            mod.HEAPF64[obj / F64] = v;
          }),
        evalGradF: (nn, x, _newX, grad) => guard(() => problem.evalGradF(f64(x, nn), f64(grad, nn))),
        evalG: (nn, x, _newX, mm, g) => guard(() => problem.evalG(f64(x, nn), f64(g, mm))),
        evalJac: (nn, x, _newX, _mm, nnz, values) =>
          guard(() => problem.evalJac(f64(x, nn), f64(values, nnz))),
        evalH: (nn, x, _newX, objFactor, mm, lambda, _newLambda, nnz, values) =>
          guard(() => problem.evalHess(f64(x, nn), objFactor, f64(lambda, mm), f64(values, nnz))),
        intermediate: (mode, iter, obj, infPr, infDu, mu) => {
          if (!progress) return 1;
          return guard(() =>
            progress({
              iteration: iter,
              objective: obj,
              primalInfeasibility: infPr,
              dualInfeasibility: infDu,
              mu,
              restoration: mode === 1,
              elapsedSeconds: (performance.now() - t0) / 1000,
            }),
          ) === 1
            ? 1
            : 0;
        },
      };

      const t0 = performance.now();
      const setupSeconds = (t0 - tSetup) / 1000;
      const code = mod._mp_solve(
        session,
        n,
        m,
        dPtr + dOff.xL * F64,
        dPtr + dOff.xU * F64,
        dPtr + dOff.gL * F64,
        dPtr + dOff.gU * F64,
        nnzJ,
        iPtr,
        iPtr + nnzJ * I32,
        nnzH,
        iPtr + 2 * nnzJ * I32,
        iPtr + (2 * nnzJ + nnzH) * I32,
        dPtr + dOff.x * F64,
        dPtr + lamOff * F64,
        dPtr + dOff.zL * F64,
        dPtr + dOff.zU * F64,
        dPtr + gOff * F64,
        dPtr + objOff * F64,
        prep.multipliers ? 1 : 0,
      );
      const solveSeconds = (performance.now() - t0) / 1000;
      if (failure.error) throw failure.error;

      const tResults = performance.now();
      const d = new Float64Array(mod.HEAPF64.buffer, dPtr, nDoubles);
      const finalized = mod._mp_finalized(session) === 1;
      const info = ipoptStatus(code);
      const success = isSuccess(info.status);
      const result: NlpResult = {
        status: info.status,
        statusCode: code,
        success,
        message: success
          ? info.message
          : code === -102
            ? `${info.message} ${tooLarge(n, m, nnzJ + nnzH, Math.max(need, mod.HEAPU8.byteLength), this.memoryLimitBytes)}`
            : withIpoptText(info.message, this.messages(session)),
        x: d.slice(dOff.x, dOff.x + n),
        objective: finalized ? d[objOff]! : Number.NaN,
        g: finalized ? d.slice(gOff, gOff + m) : new Float64Array(m).fill(Number.NaN),
        lambda: finalized ? d.slice(lamOff, lamOff + m) : new Float64Array(m),
        zL: finalized ? d.slice(dOff.zL, dOff.zL + n) : new Float64Array(n),
        zU: finalized ? d.slice(dOff.zU, dOff.zU + n) : new Float64Array(n),
        iterations: Math.max(0, mod._mp_iterations(session)),
        solveSeconds,
        solver: WASM_IDENTITY,
        options: { ...prep.options },
      };
      result.timings = this.timings(session, {
        setup: setupSeconds,
        solve: solveSeconds,
        callbacks: callbackMs / 1000,
        results: (performance.now() - tResults) / 1000,
      });
      return result;
    } finally {
      mod.mpCallbacks = null;
      mod._mp_delete(session);
      mod._free(dPtr);
      mod._free(iPtr);
      this.busy = false;
    }
  }

  /** The timing breakdown of the last solve of a session (see WASM_TIMING_KEYS). */
  private timings(
    session: number,
    js: { setup: number; solve: number; callbacks: number; results: number },
  ): Record<string, number> {
    const mod = this.mod;
    const ptr = mod._malloc(24 * F64);
    if (!ptr) return { setup: js.setup, callbacks: js.callbacks, results: js.results };
    try {
      mod._mp_timings(session, ptr);
      const t = Array.from(new Float64Array(mod.HEAPF64.buffer, ptr, 24));
      const [, , aug, , , , , , order, factor, solves, refine] = t as number[];
      const ldl = (order ?? 0) + (factor ?? 0) + (solves ?? 0);
      const kktAssembly = Math.max(0, (aug ?? 0) - ldl);
      return {
        setup: js.setup,
        callbacks: js.callbacks,
        kktAssembly,
        ordering: order ?? 0,
        factorization: factor ?? 0,
        triangularSolves: solves ?? 0,
        refinement: refine ?? 0,
        ipoptOther: Math.max(0, js.solve - js.callbacks - (aug ?? 0)),
        results: js.results,
        orderings: t[12]!,
        factorizations: t[13]!,
        linearSolves: t[14]!,
        refinementSteps: t[15]!,
        nnzL: t[16]!,
        kktDimension: t[17]!,
        perturbedPivots: t[18]!,
      };
    } finally {
      mod._free(ptr);
    }
  }

  /** Check options in a throw-away Ipopt session (names, types, ranges, refused options) without solving. */
  checkOptions(options: Record<string, number | string>): string | null {
    for (const k of Object.keys(options)) {
      const refused = refusedOption(k);
      if (refused) return refused;
    }
    const session = this.mod._mp_new();
    try {
      const e = this.setOptions(session, options);
      return e ? withIpoptText(e, this.messages(session)) : null;
    } finally {
      this.mod._mp_delete(session);
    }
  }

  /** Ipopt's captured error-level output of this session. */
  private messages(session: number): string {
    return this.mod.UTF8ToString(this.mod._mp_messages(session));
  }

  /** Set options with the type Ipopt registered for each; returns an error message or null. */
  private setOptions(session: number, options: Record<string, number | string>): string | null {
    const mod = this.mod;
    const withStrings = <T>(strs: string[], fn: (ptrs: number[]) => T): T => {
      const ptrs = strs.map((s) => {
        const len = mod.lengthBytesUTF8(s) + 1;
        const p = mod._malloc(len);
        mod.stringToUTF8(s, p, len);
        return p;
      });
      try {
        return fn(ptrs);
      } finally {
        for (const p of ptrs) mod._free(p);
      }
    };
    for (const [name, value] of Object.entries(options)) {
      if (name === "linear_solver" && value !== "custom" && value !== "mpopf-ldl")
        return `option linear_solver=${value}: the wasm build has only mpopf's LDLᵀ solver ("mpopf-ldl")`;
      if (name === "linear_solver") continue;
      const err = withStrings([name, String(value)], ([pName, pValue]) => {
        const type = mod._mp_option_type(session, pName!);
        if (type === OPTION_UNKNOWN) return `unknown Ipopt option "${name}"`;
        let ok: number;
        if (type === OPTION_INTEGER) {
          const v = typeof value === "number" ? value : Number(value);
          if (!Number.isInteger(v)) return `option ${name}: Ipopt expects an integer, got ${value}`;
          ok = mod._mp_set_int_option(session, pName!, v);
        } else if (type === OPTION_NUMBER) {
          const v = typeof value === "number" ? value : Number(value);
          if (!Number.isFinite(v)) return `option ${name}: Ipopt expects a number, got ${value}`;
          ok = mod._mp_set_num_option(session, pName!, v);
        } else ok = mod._mp_set_str_option(session, pName!, pValue!);
        return ok ? null : `option ${name}: Ipopt rejected the value ${JSON.stringify(value)}`;
      });
      if (err) return err;
    }
    return null;
  }

  /** A result for a solve that did not start (invalid option: -12; too large for wasm memory: -102). */
  private failed(
    problem: NlpProblem,
    prep: ReturnType<typeof prepareSolve>,
    code: number,
    reason: string,
    headline = ipoptStatus(code).message,
  ): NlpResult {
    const info = ipoptStatus(code);
    return {
      status: info.status,
      statusCode: code,
      success: false,
      message: `${headline} ${reason}`,
      x: Float64Array.from(prep.x0),
      objective: Number.NaN,
      g: new Float64Array(problem.m).fill(Number.NaN),
      lambda: new Float64Array(problem.m),
      zL: new Float64Array(problem.n),
      zU: new Float64Array(problem.n),
      iterations: 0,
      solveSeconds: 0,
      solver: WASM_IDENTITY,
      options: { ...prep.options },
    };
  }
}

/** The message of a problem that does not fit into wasm memory: sizes, the limit, and what to do instead. */
function tooLarge(n: number, m: number, nnz: number, needBytes: number, limitBytes: number): string {
  return (
    `The problem (${n} variables, ${m} constraints, ${nnz} derivative non-zeros) needs about ` +
    `${(needBytes / GB).toFixed(1)} GB of WebAssembly memory; the wasm backend is limited to ` +
    `${(limitBytes / GB).toFixed(1)} GB (32-bit WebAssembly address space). Solve it in smaller parts ` +
    "(ENApp areas: --method enapp) or with the native backend (--solver native, Ipopt with MUMPS), " +
    "or shorten the horizon."
  );
}

/** Options of createIpoptSolver. */
export interface CreateIpoptSolverOptions {
  /** Reuse a compiled module (e.g. posted from the main thread to a worker). */
  precompiled?: CompiledWasm;
  /** Run a few small solves first so V8 has optimised the hot wasm code (default true). */
  warmUp?: boolean;
  /** Where Ipopt's console output goes when print_level > 0 (default process.stderr). */
  print?: (line: string) => void;
  /** Build the artifact first when it is missing or stale (default true; see solvers/ipopt/build.ts). */
  build?: boolean;
  /**
   * Refuse problems whose estimated memory (`estimateWasmBytes`) exceeds this many bytes, with status
   * `insufficient_memory` and a message saying what to do (default and maximum: WASM_MEMORY_LIMIT_BYTES).
   */
  memoryLimitBytes?: number;
}

/**
 * A wasm Ipopt solver running in the calling thread. Builds the artifact first if it is missing or was
 * built from other sources (unless `build: false`), then instantiates the module and warms it up.
 */
export async function createIpoptSolver(opts: CreateIpoptSolverOptions = {}): Promise<NlpSolver> {
  if (!opts.precompiled && (opts.build ?? true)) buildIpoptWasmIfNeeded();
  const mod = await instantiateIpopt({ precompiled: opts.precompiled, print: opts.print });
  const limit = Math.min(opts.memoryLimitBytes ?? WASM_MEMORY_LIMIT_BYTES, WASM_MEMORY_LIMIT_BYTES);
  const solver = new WasmIpoptSolver(mod, limit);
  if (opts.warmUp ?? true) {
    const { warmUpProblem } = await import("./warmup.ts");
    for (let i = 0; i < 2; i++) solver.solve(warmUpProblem(), { ipopt: { print_level: 0 } });
  }
  return solver;
}
